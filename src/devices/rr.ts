/**
 * RR intervals of a heart-rate strap as a time series: one sample per beat, at the beat's
 * time, valued the interval (ms) that ended with it.
 *
 * Code. LOINC has no term for a beat-to-beat interval measured by a device; ISO/IEEE
 * 11073-10101 (the nomenclature of personal health devices, which HL7's PHD and PoCD FHIR
 * guides carry as `urn:iso:std:iso:11073:10101`) has MDC_ECG_TIME_PD_RR_GL, "RR interval,
 * global": partition 2 (SCADA), term code 16168, context-free code 2 × 65536 + 16168 =
 * 147240 — the coding the German Medical Informatics Initiative's cardiology module uses
 * for an RR interval Observation in `ms`. The series key holds the code `147240`.
 *
 * Values. HRS 1.0 §3.1.1.5 gives RR-Interval in 1/1024 s; the value is rounded to the
 * millisecond, finer than the strap's own resolution (0.98 ms), so a beat costs about three
 * bytes in a chunk instead of eight.
 *
 * Times. A notification carries the intervals of the beats since the previous one, oldest
 * first, with no time: the last beat is placed at the arrival time and each earlier one an
 * interval before it. When that would not be after the beat placed last (notifications
 * held back and delivered in a burst, a strap whose intervals add up to more than the time
 * that passed), the batch's beats are spread evenly between the last beat and the arrival
 * instead: their order and values — what the AF screen reads — stay exact, only their times
 * are squeezed. A gap between beats larger than the interval plus `RR_GAP_TOLERANCE_MS`
 * (lost contact, a strap taken off) starts a new session for the screen.
 */

/** The series term of an RR interval (see the file comment). */
export const RR_INTERVAL = {
  system: 'urn:iso:std:iso:11073:10101',
  code: '147240',
  display: 'MDC_ECG_TIME_PD_RR_GL',
  unit: 'ms'
} as const

/** Unexplained time between two beats beyond which they belong to different sessions. */
export const RR_GAP_TOLERANCE_MS = 2000

/** Places the beats of successive notifications of one strap (keeps the last beat's time). */
export interface RrTimeline {
  /**
   * Times (integer epoch ms, strictly increasing, each after every time placed before) of
   * the beats ending `rrMs`, the last at about `receivedAt`.
   * @throws {RangeError} if `receivedAt` is not an integer epoch ms.
   */
  place(rrMs: readonly number[], receivedAt: number): number[]
}

/**
 * Beat times of one notification's intervals (see the file comment); `after` is the time of
 * the beat placed last for this strap, if any.
 * @throws {RangeError} if `receivedAt` is not an integer epoch ms.
 * @example rrBeatTimes([800, 810], 10_000) // [9190, 10000]
 */
export function rrBeatTimes(rrMs: readonly number[], receivedAt: number, after?: number): number[] {
  if (!Number.isSafeInteger(receivedAt) || receivedAt < 0) throw new RangeError(`receivedAt: expected integer epoch ms, got ${String(receivedAt)}`)
  const n = rrMs.length
  if (n === 0) return []
  const times = new Array<number>(n)
  let t = receivedAt
  for (let i = n - 1; i >= 0; i--) {
    times[i] = Math.round(t)
    t -= rrMs[i] as number
  }
  if (after === undefined || (times[0] as number) > after) return times
  // a burst: spread the beats evenly over (after, receivedAt], at least 1 ms apart
  const step = Math.max(1, Math.floor((receivedAt - after) / n))
  for (let i = 0; i < n; i++) times[i] = after + step * (i + 1)
  return times
}

/**
 * A timeline for one strap, to hold for the life of its session.
 * @example const timeline = createRrTimeline(); timeline.place(hr.rrIntervalsMs, Date.now())
 */
export function createRrTimeline(): RrTimeline {
  let last: number | undefined
  return {
    place(rrMs, receivedAt) {
      const times = rrBeatTimes(rrMs, receivedAt, last)
      if (times.length > 0) last = times[times.length - 1]
      return times
    }
  }
}
