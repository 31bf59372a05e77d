/**
 * CGM metrics of the International Consensus on Time in Range (Battelino 2019, Table 1) and
 * the Glucose Management Indicator (Bergenstal 2018).
 *
 * Percentages count readings (each reading stands for one sensor interval), so with gaps
 * they are shares of the time that has data. `activePercent` is the share of the span from
 * the first reading to the end of the last reading's interval that is covered by data: a
 * reading covers the time up to the next one when that comes within 1.5 intervals (sensor
 * clocks jitter), and one interval otherwise. CV uses the sample standard deviation (n − 1),
 * as the consensus metric is computed by the reference tools (e.g. iglu's `cv_glu`); one
 * reading has CV 0.
 */
import type { Evidence, Finding, Severity } from './findings.ts'
import { SOURCES } from './sources.ts'
import { arrayOf, finiteIn, timeOf } from './validate.ts'

/** One glucose reading. */
export interface GlucoseSample {
  /** Epoch ms. */
  t: number
  /** mg/dL. */
  mgdl: number
}

/** Options of `cgmMetrics`. */
export interface CgmOptions {
  /** The sensor's reading interval in minutes (5 for most CGMs, 15 for some). @default 5 */
  intervalMin?: number
}

/** The consensus metrics. Percentages are 0–100. */
export interface CgmMetrics {
  meanMgdl: number
  /** GMI (%) = 3.31 + 0.02392 × mean (mg/dL). */
  gmiPercent: number
  /** Coefficient of variation, SD / mean × 100. */
  cvPercent: number
  /** 70–180 mg/dL inclusive. */
  tirPercent: number
  /** < 70 mg/dL (those < 54 included). */
  tbrPercent: number
  /** < 54 mg/dL. */
  tbr54Percent: number
  /** > 180 mg/dL (those > 250 included). */
  tarPercent: number
  /** > 250 mg/dL. */
  tar250Percent: number
  /** Share of the time with data. */
  activePercent: number
}

/** At most this many samples per call (a year of 1-minute readings). */
export const MAX_CGM_SAMPLES = 600_000
/** Consensus: a report needs ≥ 70 % of the data of its period. */
export const MIN_ACTIVE_PERCENT = 70

/**
 * Consensus CGM metrics of a trace (any order; sorted by time here).
 * @throws {TypeError} if `samples` is not an array, or a `t`/`mgdl` is not a finite number.
 * @throws {RangeError} if there is no sample, a glucose is outside 1..2000 mg/dL, a time outside 1970..9999, or `intervalMin` outside 0.1..1440.
 * @example cgmMetrics([{ t: 0, mgdl: 100 }, { t: 300_000, mgdl: 200 }]).tirPercent // 50
 */
export function cgmMetrics(samples: Array<GlucoseSample>, opts: CgmOptions = {}): CgmMetrics {
  const list = arrayOf<GlucoseSample>(samples, 'cgmMetrics.samples', 1, MAX_CGM_SAMPLES)
  const intervalMin = opts.intervalMin ?? 5
  finiteIn(intervalMin, 'cgmMetrics.intervalMin', 0.1, 1440, 'minutes')
  const interval = intervalMin * 60_000
  const n = list.length
  const ts = new Float64Array(n)
  let sum = 0
  let below70 = 0
  let below54 = 0
  let above180 = 0
  let above250 = 0
  for (let i = 0; i < n; i++) {
    const s = list[i]
    if (typeof s !== 'object' || s === null) throw new TypeError(`cgmMetrics.samples[${i}]: expected { t, mgdl }`)
    ts[i] = timeOf(s.t, `cgmMetrics.samples[${i}].t`)
    const g = finiteIn(s.mgdl, `cgmMetrics.samples[${i}].mgdl`, 1, 2000, 'mg/dL')
    sum += g
    // Battelino 2019, Table 1: TBR level 1+2 < 70, level 2 < 54; TAR level 1+2 > 180, level 2 > 250; TIR 70–180
    if (g < 70) below70++
    if (g < 54) below54++
    if (g > 180) above180++
    if (g > 250) above250++
  }
  const mean = sum / n
  let ss = 0
  for (const s of list) ss += (s.mgdl - mean) ** 2
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0
  const pct = (k: number): number => (k / n) * 100
  return {
    meanMgdl: mean,
    // Bergenstal 2018: GMI (%) = 3.31 + 0.02392 × mean glucose in mg/dL
    gmiPercent: 3.31 + 0.02392 * mean,
    // Battelino 2019, Table 1: %CV = SD / mean × 100
    cvPercent: (sd / mean) * 100,
    tirPercent: pct(n - below70 - above180),
    tbrPercent: pct(below70),
    tbr54Percent: pct(below54),
    tarPercent: pct(above180),
    tar250Percent: pct(above250),
    activePercent: activePercent(ts.sort(), interval)
  }
}

/** Share of [first, last + interval) covered by data (see the file comment). */
function activePercent(ts: Float64Array, interval: number): number {
  const n = ts.length
  const first = ts[0] as number
  const last = ts[n - 1] as number
  let covered = interval
  for (let i = 1; i < n; i++) {
    const gap = (ts[i] as number) - (ts[i - 1] as number)
    covered += gap <= 1.5 * interval ? gap : interval
  }
  return Math.min(100, (covered / (last - first + interval)) * 100)
}

/** One consensus target (Battelino 2019, Fig. 3: most people with type 1 or type 2 diabetes). */
interface Target {
  readonly key: keyof CgmMetrics
  readonly label: string
  readonly op: '>' | '<' | '≤'
  readonly limit: number
}
const TARGETS: readonly Target[] = [
  // Battelino 2019, Fig. 3: TIR > 70 %, TBR < 4 %, TBR < 54 below 1 %, TAR < 25 %, TAR > 250 below 5 %
  { key: 'tirPercent', label: 'time in range 70–180', op: '>', limit: 70 },
  { key: 'tbrPercent', label: 'time below 70', op: '<', limit: 4 },
  { key: 'tbr54Percent', label: 'time below 54', op: '<', limit: 1 },
  { key: 'tarPercent', label: 'time above 180', op: '<', limit: 25 },
  { key: 'tar250Percent', label: 'time above 250', op: '<', limit: 5 },
  // Battelino 2019, Table 1 note: glycaemic variability target %CV ≤ 36 %
  { key: 'cvPercent', label: 'coefficient of variation', op: '≤', limit: 36 }
]

const meets = (v: number, t: Target): boolean => (t.op === '>' ? v > t.limit : t.op === '<' ? v < t.limit : v <= t.limit)

/** Which consensus targets a report misses, e.g. `['time below 70 5.2 % (target < 4 %)']`. */
export function missedTargets(m: CgmMetrics): string[] {
  return TARGETS.filter((t) => !meets(m[t.key], t)).map((t) => `${t.label} ${m[t.key].toFixed(1)} % (target ${t.op} ${t.limit} %)`)
}

/**
 * The finding of a CGM report: the metrics, the targets missed, and whether the data
 * suffice (≥ 70 % coverage).
 * @throws As `cgmMetrics`.
 */
export function cgmFinding(samples: Array<GlucoseSample>, opts: CgmOptions & { ref?: string } = {}): Finding {
  const m = cgmMetrics(samples, opts)
  const missed = missedTargets(m)
  const sparse = m.activePercent < MIN_ACTIVE_PERCENT
  let t0 = Infinity
  let t1 = -Infinity
  for (const s of samples) {
    t0 = Math.min(t0, s.t)
    t1 = Math.max(t1, s.t)
  }
  const severity: Severity = sparse ? 'info' : m.tbr54Percent >= 1 || m.tbrPercent >= 4 ? 'moderate' : missed.length > 0 ? 'low' : 'info'
  const ref = opts.ref !== undefined ? { ref: opts.ref } : {}
  const evidence: Evidence[] = [
    { what: 'glucose-mean', value: m.meanMgdl, unit: 'mg/dL', t: t1, ...ref },
    { what: 'gmi', value: m.gmiPercent, unit: '%', t: t1, ...ref },
    { what: 'cv', value: m.cvPercent, unit: '%', t: t1, ...ref },
    { what: 'tir', value: m.tirPercent, unit: '%', t: t1, ...ref },
    { what: 'tbr', value: m.tbrPercent, unit: '%', t: t1, ...ref },
    { what: 'tbr54', value: m.tbr54Percent, unit: '%', t: t1, ...ref },
    { what: 'tar', value: m.tarPercent, unit: '%', t: t1, ...ref },
    { what: 'tar250', value: m.tar250Percent, unit: '%', t: t1, ...ref },
    { what: 'active', value: m.activePercent, unit: '%', t: t1, ...ref },
    { what: 'readings', value: samples.length, unit: '1', t: t0, ...ref }
  ]
  const days = (t1 - t0) / 86_400_000
  return {
    rule: 'cgm',
    severity,
    summary:
      `Glucose over ${days.toFixed(1)} days: ${m.tirPercent.toFixed(0)} % in range, GMI ${m.gmiPercent.toFixed(1)} %` +
      (sparse ? `; only ${m.activePercent.toFixed(0)} % of the time has data (the consensus asks for at least 70 %), so this report may not be representative` : ''),
    fired: missed.length === 0 ? 'all consensus targets met' : `consensus targets missed: ${missed.join('; ')}`,
    evidence,
    source: SOURCES.cgm,
    at: t1
  }
}
