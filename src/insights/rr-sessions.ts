/**
 * Strap recordings out of the record's RR-interval series: one sample per beat at the
 * beat's time, valued the interval (ms) that ended with it (src/devices/rr.ts writes them).
 * Consecutive beats belong to one recording while the time between them is explained by
 * the interval, give or take `RR_SESSION_GAP_MS` (beat times are placed from notification
 * arrival, which jitters); a longer silence (contact lost, strap off) starts another, so no
 * AF window spans a gap in the data.
 */
import type { RrSessionInput } from './af-screen.ts'
import type { SeriesInput } from './observations.ts'

/**
 * Series code of an RR interval: ISO/IEEE 11073-10101 MDC_ECG_TIME_PD_RR_GL, context-free
 * code 147240 (partition 2, term 16168), in ms — the code src/devices writes (rr.ts).
 */
export const RR_SERIES_CODE = '147240'
/** Unexplained time between two beats beyond which a new recording starts. */
export const RR_SESSION_GAP_MS = 2000

/**
 * The recordings of every RR series (code `RR_SERIES_CODE`, unit `ms`) among `series`,
 * each with its start (the first beat), every beat's stored time, and `ref`
 * `series/147240/<device>`; other series
 * and samples that are not a finite interval above 0 are left out.
 * @throws Never.
 * @example afSessionsFinding(rrSessionsOfSeries(input.series))
 */
export function rrSessionsOfSeries(series: readonly SeriesInput[]): RrSessionInput[] {
  const out: RrSessionInput[] = []
  for (const s of series) {
    if (s.code !== RR_SERIES_CODE || s.unit !== 'ms') continue
    const ref = `series/${s.code}/${s.device}`
    const n = Math.min(s.times.length, s.values.length)
    let rrMs: number[] = []
    let times: number[] = []
    let startT = 0
    let prevT = Number.NaN
    const close = (): void => {
      if (rrMs.length > 0) out.push({ startT, rrMs, times, ref })
      rrMs = []
      times = []
    }
    for (let i = 0; i < n; i++) {
      const t = s.times[i] as number
      const rr = s.values[i] as number
      if (!Number.isFinite(t) || !Number.isFinite(rr) || rr <= 0) {
        close()
        prevT = Number.NaN
        continue
      }
      if (rrMs.length > 0 && !(t - prevT <= rr + RR_SESSION_GAP_MS)) close()
      if (rrMs.length === 0) startT = t
      rrMs.push(rr)
      times.push(t)
      prevT = t
    }
    close()
  }
  return out
}
