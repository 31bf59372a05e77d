/**
 * Screening for an irregular rhythm suggestive of atrial fibrillation, from the RR
 * intervals of a heart-rate strap (Bluetooth HRS RR-Interval, in ms), after Dash et al.
 * 2009: the series is cut into windows of 128 beats; from each, the 8 longest and 8
 * shortest intervals are removed (ectopic beats and their compensatory pauses); a window is
 * irregular when all three hold:
 *
 * - normalised RMSSD (RMSSD / mean RR) > 0.1 — variability,
 * - Shannon entropy of the intervals (16 bins between their min and max, / log 16) > 0.7 — complexity,
 * - turning-point ratio (turning points / (beats − 2), on the whole window) within 0.54–0.77 — randomness.
 *
 * A window holding an interval outside 240–2000 ms (30–250 beats/min: a missed or extra
 * beat, a strap artefact) is not analysed. This is a screen, not a diagnosis: frequent
 * ectopic beats (more than 8 long or short intervals in a window) can look irregular, and
 * only an ECG can show atrial fibrillation.
 */
import type { Evidence, Finding } from './findings.ts'
import { SOURCES } from './sources.ts'
import { arrayOf, finiteIn, timeOf } from './validate.ts'

/** Options of `afScreen`. */
export interface AfScreenOptions {
  /** Beats per window (Dash 2009: 128). Windows do not overlap; a last partial window is left out. @default 128 */
  windowBeats?: number
  /** Epoch ms at the end of the first interval, to time the windows. */
  startT?: number
  /**
   * Epoch ms of each beat (the end of each interval), when known (a stored series): windows
   * are timed from these rather than from `startT` and the intervals' sum (a strap's
   * intervals need not add up to the time that passed). Same length as the intervals.
   */
  times?: ArrayLike<number>
}

/** One analysed (or skipped) window. */
export interface RrWindow {
  /** Index of its first interval in the input. */
  readonly start: number
  /** Index after its last interval. */
  readonly end: number
  /** Epoch ms of its first and last beat, when `startT` was given. */
  readonly startT?: number
  readonly endT?: number
  readonly meanRrMs: number
  /** RMSSD / mean RR of the trimmed window. */
  readonly nRmssd: number
  /** Normalised Shannon entropy (0–1) of the trimmed window. */
  readonly shannonEntropy: number
  /** Turning points / (beats − 2) of the whole window. */
  readonly turningPointRatio: number
  /** All three thresholds met. */
  readonly irregular: boolean
  /** Set when the window was not analysed. */
  readonly skipped?: 'artifact'
}

/** The screen's result. */
export interface AfScreenResult {
  /** At least one window is irregular. */
  readonly irregular: boolean
  readonly windows: readonly RrWindow[]
  /** The irregular windows (the ones that triggered). */
  readonly triggered: readonly RrWindow[]
}

/** Dash 2009 thresholds, for display and tests. */
export const AF_THRESHOLDS = {
  // Dash 2009: segments of 128 beats, 8 maximum and 8 minimum RR removed
  windowBeats: 128,
  trimEachSide: 8,
  // Dash 2009: RMSSD / mean RR threshold 0.1
  nRmssd: 0.1,
  // Dash 2009: Shannon entropy over 16 bins, threshold 0.7
  bins: 16,
  shannonEntropy: 0.7,
  // Dash 2009: turning-point ratio thresholds 0.54 and 0.77
  tprLow: 0.54,
  tprHigh: 0.77
} as const

/** Plausible RR range for analysis (30–250 beats/min). */
export const RR_PLAUSIBLE_MS = [240, 2000] as const
/** At most this many intervals per call (a week at 100 beats/min). */
export const MAX_RR_INTERVALS = 1_100_000

/**
 * Screens RR intervals (ms) for an irregular rhythm.
 * @throws {TypeError} if `rrMs` is not an array or holds a non-finite value.
 * @throws {RangeError} if an interval is outside (0, 70000] ms (HRS allows up to 65535/1024 s), or `windowBeats` is not an integer in 32..1024.
 * @example afScreen(rr).triggered.map((w) => [w.startT, w.endT])
 */
export function afScreen(rrMs: readonly number[], opts: AfScreenOptions = {}): AfScreenResult {
  const rr = arrayOf<number>(rrMs, 'afScreen.rrMs', 0, MAX_RR_INTERVALS)
  const size = opts.windowBeats ?? AF_THRESHOLDS.windowBeats
  if (!Number.isInteger(size) || size < 32 || size > 1024) throw new RangeError(`afScreen.windowBeats: expected an integer in 32..1024, got ${String(size)}`)
  const startT = opts.startT === undefined ? undefined : timeOf(opts.startT, 'afScreen.startT')
  rr.forEach((x, i) => {
    if (finiteIn(x, `afScreen.rrMs[${i}]`, 0, 70_000, 'ms') === 0) throw new RangeError(`afScreen.rrMs[${i}]: expected an interval of more than 0 ms, got 0`)
  })
  // Dash 2009 trims 8 of 128 from each end; other window sizes trim the same share
  const trim = Math.round((size * AF_THRESHOLDS.trimEachSide) / AF_THRESHOLDS.windowBeats)

  // beat i ends interval i: at its stored time, or the first at startT and each next one interval later
  let times: ArrayLike<number> | undefined
  if (opts.times !== undefined) {
    if (typeof opts.times !== 'object' || opts.times === null || opts.times.length !== rr.length) throw new RangeError(`afScreen.times: expected ${rr.length} beat times`)
    for (let i = 0; i < rr.length; i++) timeOf(opts.times[i], `afScreen.times[${i}]`)
    times = opts.times
  } else if (startT !== undefined) {
    const summed = new Float64Array(rr.length)
    for (let i = 0; i < rr.length; i++) summed[i] = i === 0 ? startT : (summed[i - 1] as number) + (rr[i] as number)
    times = summed
  }
  const windows: RrWindow[] = []
  for (let start = 0; start + size <= rr.length; start += size) {
    const span = times !== undefined ? { startT: times[start] as number, endT: times[start + size - 1] as number } : {}
    windows.push(screenWindow(rr.slice(start, start + size), start, span, trim))
  }
  const triggered = windows.filter((w) => w.irregular)
  return { irregular: triggered.length > 0, windows, triggered }
}

/**
 * One window of intervals `w` (its first at index `start` of its recording) measured and
 * judged by Dash 2009; `trim` intervals are dropped from each end of its sorted values. The
 * same function serves `afScreen` and the incremental screen (af-incremental.ts), so both
 * give the same numbers.
 */
export function screenWindow(w: readonly number[], start: number, span: { startT?: number; endT?: number }, trim: number): RrWindow {
  const meanRrMs = mean(w)
  const end = start + w.length
  if (w.some((x) => x < RR_PLAUSIBLE_MS[0] || x > RR_PLAUSIBLE_MS[1])) {
    return { start, end, ...span, meanRrMs, nRmssd: NaN, shannonEntropy: NaN, turningPointRatio: NaN, irregular: false, skipped: 'artifact' }
  }
  const trimmed = trimExtremes(w, trim)
  const nRmssd = rmssd(trimmed) / mean(trimmed)
  const shannonEntropy = entropy(trimmed, AF_THRESHOLDS.bins)
  const turningPointRatio = turningPoints(w) / (w.length - 2)
  const irregular =
    nRmssd > AF_THRESHOLDS.nRmssd && shannonEntropy > AF_THRESHOLDS.shannonEntropy && turningPointRatio > AF_THRESHOLDS.tprLow && turningPointRatio < AF_THRESHOLDS.tprHigh
  return { start, end, ...span, meanRrMs, nRmssd, shannonEntropy, turningPointRatio, irregular }
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

/** The window without its `k` largest and `k` smallest values, order kept. */
function trimExtremes(w: readonly number[], k: number): number[] {
  const order = w.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1])
  const drop = new Set([...order.slice(0, k), ...order.slice(order.length - k)].map(([, i]) => i))
  return w.filter((_, i) => !drop.has(i))
}

function rmssd(xs: readonly number[]): number {
  let s = 0
  for (let i = 1; i < xs.length; i++) s += ((xs[i] as number) - (xs[i - 1] as number)) ** 2
  return Math.sqrt(s / (xs.length - 1))
}

/** Dash 2009: ShE = −Σ p log p / log 16 over 16 equal bins between min and max. */
function entropy(xs: readonly number[], bins: number): number {
  const lo = Math.min(...xs)
  const hi = Math.max(...xs)
  if (hi === lo) return 0
  const counts = new Array<number>(bins).fill(0)
  for (const x of xs) {
    const b = Math.min(bins - 1, Math.floor(((x - lo) / (hi - lo)) * bins))
    counts[b] = (counts[b] as number) + 1
  }
  let h = 0
  for (const c of counts) if (c > 0) h -= (c / xs.length) * Math.log(c / xs.length)
  return h / Math.log(bins)
}

/** Points strictly above or strictly below both neighbours. */
function turningPoints(xs: readonly number[]): number {
  let n = 0
  for (let i = 1; i < xs.length - 1; i++) {
    const a = xs[i - 1] as number
    const b = xs[i] as number
    const c = xs[i + 1] as number
    if ((b > a && b > c) || (b < a && b < c)) n++
  }
  return n
}

/** RR intervals of one recording (a strap session), for `afSessionsFinding`. */
export interface RrSessionInput {
  /** Epoch ms at the end of the first interval. */
  readonly startT: number
  readonly rrMs: readonly number[]
  /** Each beat's time, when stored (see `AfScreenOptions.times`). */
  readonly times?: ArrayLike<number>
  /** Where they are stored, e.g. `series/147240/<device>`. */
  readonly ref?: string
}

/** Most triggering windows a finding lists (the latest); the count of all is in `fired`. */
export const MAX_AF_WINDOWS_LISTED = 12

/**
 * The finding of a screen, or `null` when no window was irregular. Its evidence lists each
 * triggering window's measures (at the window's last beat when timed).
 * @throws As `afScreen`.
 */
export function afScreenFinding(rrMs: readonly number[], opts: AfScreenOptions & { ref?: string } = {}): Finding | null {
  const r = afScreen(rrMs, opts)
  return findingOf([{ result: r, ...(opts.ref !== undefined ? { ref: opts.ref } : {}) }], opts.windowBeats ?? AF_THRESHOLDS.windowBeats, Number.POSITIVE_INFINITY)
}

/**
 * One finding for several recordings (each screened on its own: windows never span two),
 * or `null` when no window of any was irregular. Lists the latest `MAX_AF_WINDOWS_LISTED`
 * triggering windows, each with its first and last beat's time; `fired` counts them all.
 * @throws As `afScreen`, naming the session.
 * @example afSessionsFinding([{ startT, rrMs, ref: 'series/147240/ble:strap' }])
 */
export function afSessionsFinding(sessions: readonly RrSessionInput[], opts: { windowBeats?: number } = {}): Finding | null {
  const size = opts.windowBeats ?? AF_THRESHOLDS.windowBeats
  const screened = arrayOf<RrSessionInput>(sessions, 'afSessionsFinding.sessions', 0, MAX_RR_INTERVALS).map((s) => ({
    result: afScreen(s.rrMs, { windowBeats: size, startT: s.startT, ...(s.times === undefined ? {} : { times: s.times }) }),
    ...(typeof s.ref === 'string' ? { ref: s.ref } : {})
  }))
  return findingOf(screened, size, MAX_AF_WINDOWS_LISTED)
}

function findingOf(screened: ReadonlyArray<{ result: AfScreenResult; ref?: string }>, size: number, maxListed: number): Finding | null {
  const triggered = screened.flatMap((s) => s.result.triggered.map((w) => ({ ...w, ...(s.ref === undefined ? {} : { ref: s.ref }) })))
  const analysed = screened.reduce((n, s) => n + s.result.windows.filter((w) => w.skipped === undefined).length, 0)
  return afWindowsFinding({ triggered, analysed, windowBeats: size }, maxListed)
}

/** Screened windows of several recordings, as the incremental screen keeps them: plain data. */
export interface AfScreened {
  /** The irregular windows, each with its recording's `ref`, in recording order. */
  readonly triggered: ReadonlyArray<RrWindow & { readonly ref?: string }>
  /** How many windows were analysed (not skipped as artefacts). */
  readonly analysed: number
  readonly windowBeats: number
  /** Set when an interval could not be screened (as `afScreen` would throw): the rule is left out. */
  readonly error?: string
}

/**
 * The finding of windows screened beforehand (see `AfScreened`), or `null` when none was
 * irregular: the same finding `afSessionsFinding` gives for the same windows.
 * @throws Never.
 */
export function afWindowsFinding(screened: AfScreened, maxListed: number = MAX_AF_WINDOWS_LISTED): Finding | null {
  const triggered = screened.triggered
  if (triggered.length === 0) return null
  const size = screened.windowBeats
  // the latest windows when there are more than can be listed
  const listed = triggered.length <= maxListed ? triggered : [...triggered].sort((a, b) => (a.endT ?? 0) - (b.endT ?? 0)).slice(-maxListed)
  const evidence: Evidence[] = listed.flatMap((w) => {
    const ref = w.ref !== undefined ? { ref: w.ref } : {}
    const t = w.endT !== undefined ? { t: w.endT } : {}
    const what = `rr-window ${w.start}–${w.end - 1}`
    return [
      ...(w.startT !== undefined ? [{ what: `${what} first beat`, t: w.startT, ...ref }] : []),
      { what: `${what} nRMSSD`, value: w.nRmssd, unit: '1', ...t, ...ref },
      { what: `${what} Shannon entropy`, value: w.shannonEntropy, unit: '1', ...t, ...ref },
      { what: `${what} turning-point ratio`, value: w.turningPointRatio, unit: '1', ...t, ...ref }
    ]
  })
  const more = listed.length < triggered.length ? `; the latest ${listed.length} listed` : ''
  return {
    rule: 'af-screen',
    severity: 'moderate',
    summary: 'An irregular rhythm was detected; this is not a diagnosis; see a doctor.',
    fired: `${triggered.length} of ${screened.analysed} analysed ${size}-beat windows had nRMSSD > 0.1, Shannon entropy > 0.7 and turning-point ratio within 0.54–0.77 (Dash 2009)${more}`,
    evidence,
    source: SOURCES.afScreen,
    at: triggered.reduce((a, w) => Math.max(a, w.endT ?? 0), 0)
  }
}
