/**
 * Readings of a vitals compartment as `Measurement`s, for telemonitoring: the quantities of
 * its Observations and the samples of its time series, and trends of one quantity in one
 * unit. The record's index makes a date range a binary search; a series is read only from
 * the chunk holding the first wanted time.
 */
import { DAILY_CHUNK_CODES, type Compartment } from '../record/index.ts'
import { canonicalUnit, convertValue, matchingCode, measurementsOf, sameQuantity, type Measurement } from '../devices/index.ts'

/** One point of a trend. */
export interface TrendPoint {
  readonly t: number
  readonly value: number
}

const HOUR = 3_600_000
const DAY = 24 * HOUR
/** Later than any sample time (year 10000). */
const FAR = Date.UTC(10000, 0, 1)

/** Options of `seriesSince`. */
export interface SeriesSinceOptions {
  /** Samples from this time on (epoch ms). */
  readonly from: number
  /** Before this time. @default any */
  readonly to?: number
  /** Only series of codes measuring the quantity of this code. @default every series */
  readonly code?: string
  /** Per series (`code NUL device`): the last sample time already read; read after it, and updated. */
  readonly marks?: Map<string, number>
  readonly warn: (message: string, err?: unknown) => void
}

/**
 * Series samples with `from ≤ t < to` (and after each series' mark), unsorted.
 * @throws {RangeError} for a bad bound.
 */
export function seriesSince(vitals: Compartment, opts: SeriesSinceOptions): Measurement[] {
  const out: Measurement[] = []
  for (const info of vitals.series.list()) {
    if (opts.code !== undefined && !sameQuantity(opts.code, info.code)) continue
    const sid = `${info.code}\u0000${info.device}`
    const lo = Math.max(0, opts.from, (opts.marks?.get(sid) ?? -1) + 1)
    // samples are appended in time order: a series whose last chunk ended before `lo` has nothing new
    if (info.lastChunk + (DAILY_CHUNK_CODES.has(info.code) ? DAY : HOUR) <= lo) continue
    const read = vitals.series.read(info.code, info.device, lo, opts.to ?? FAR)
    for (const e of read.errors) opts.warn(`a chunk of ${info.code} could not be read`, e)
    let last = lo - 1
    for (const s of read.series) {
      for (let i = 0; i < s.times.length; i++) {
        const t = s.times[i] as number
        out.push({ codes: [s.code], value: s.values[i] as number, unit: s.unit, t, source: { kind: 'series', device: s.device } })
        if (t > last) last = t
      }
    }
    if (opts.marks !== undefined && last >= lo) opts.marks.set(sid, last)
  }
  return out
}

/**
 * Every reading of the quantity of `code` (Observations and series) with `from ≤ t < to`, unsorted.
 * @throws {RangeError} for a bad bound.
 */
export function readingsOf(vitals: Compartment, opts: { from: number; to?: number; code: string; warn: (message: string, err?: unknown) => void }): Measurement[] {
  const out = seriesSince(vitals, opts)
  const range = opts.to === undefined ? { from: opts.from } : { from: opts.from, to: opts.to }
  for (const obs of vitals.resources.list('Observation', range)) {
    for (const m of measurementsOf(obs)) if (matchingCode({ code: opts.code }, m) !== undefined) out.push(m)
  }
  return out
}

/**
 * The readings of the quantity of `code` with `from ≤ t < to` in `unit` (default: the
 * code's canonical unit, else that of its first reading), time-ordered; more than
 * `maxPoints` are averaged into that many equal time buckets.
 * @throws {RangeError} for a bad bound.
 */
export function trendOf(vitals: Compartment, code: string, opts: { from: number; to: number; unit?: string; maxPoints?: number; warn: (message: string, err?: unknown) => void }): TrendPoint[] {
  let unit = opts.unit ?? canonicalUnit(code)
  const points: TrendPoint[] = []
  for (const m of readingsOf(vitals, { ...opts, code })) {
    unit ??= m.unit
    const value = convertValue(m.value, m.unit, unit, matchingCode({ code }, m))
    if (value !== undefined) points.push({ t: m.t, value })
  }
  points.sort((a, b) => a.t - b.t)
  const max = opts.maxPoints
  if (max === undefined || points.length <= max || max < 1) return points
  const width = (opts.to - opts.from) / max
  const buckets = new Map<number, { t: number; sum: number; n: number }>()
  for (const p of points) {
    const b = Math.min(max - 1, Math.floor((p.t - opts.from) / width))
    const cur = buckets.get(b) ?? { t: 0, sum: 0, n: 0 }
    buckets.set(b, { t: cur.t + p.t, sum: cur.sum + p.value, n: cur.n + 1 })
  }
  return [...buckets.values()].map((b) => ({ t: Math.round(b.t / b.n), value: b.sum / b.n }))
}
