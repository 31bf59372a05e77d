/**
 * Trends over weeks, each stated as a comparison a person can check:
 *
 * - **Rising blood pressure**: the average of the last 14 days falls in a higher ACC/AHA
 *   2017 category than the average of the 14 days before (each from ≥ 3 readings).
 * - **Weight**: a gain of more than 2 kg within 3 days (ESC 2016 heart-failure self-care),
 *   and a loss of more than 5 % over up to 6 months (Gaddey & Holder 2014), comparing the
 *   latest reading with the earlier ones in that span.
 * - **Worsening glucose control**: time in range of the last 14 days (the consensus report
 *   period) at least 5 percentage points below the 14 days before, each with ≥ 70 % data
 *   (Battelino 2019: a 5 % change in TIR is clinically meaningful).
 */
import { bpCategory, bpCategoryName, BP_CATEGORIES, type BpReading } from './blood-pressure.ts'
import { cgmMetrics, MIN_ACTIVE_PERCENT, type CgmOptions, type GlucoseSample } from './cgm.ts'
import type { Evidence, Finding } from './findings.ts'
import { SOURCES } from './sources.ts'
import { arrayOf, finiteIn, timeOf } from './validate.ts'

const DAY = 86_400_000
/** Comparison window of the BP and glucose trends. */
export const TREND_WINDOW_DAYS = 14

/** A timed value (weight in kg…). */
export interface TimedValue {
  readonly t: number
  readonly value: number
  readonly ref?: string
}

/** At most this many readings per trend call. */
export const MAX_TREND_READINGS = 1_000_000

function split<T extends { t: number }>(xs: readonly T[], end: number, days: number): { last: T[]; before: T[] } {
  const w = days * DAY
  return {
    last: xs.filter((x) => x.t > end - w && x.t <= end),
    before: xs.filter((x) => x.t > end - 2 * w && x.t <= end - w)
  }
}

const avg = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
// loops, not Math.max(...xs): a spread of a million readings overflows the stack
const maxT = (xs: readonly { t: number }[]): number => xs.reduce((m, x) => Math.max(m, x.t), -Infinity)
const minT = (xs: readonly { t: number }[]): number => xs.reduce((m, x) => Math.min(m, x.t), Infinity)

/**
 * Rising blood pressure (see the file comment), or `null` when the category did not rise or
 * either window has fewer than 3 readings.
 * @throws {TypeError} / {RangeError} for a malformed reading (as `bpCategory`).
 */
export function bpTrendFinding(readings: readonly BpReading[]): Finding | null {
  const xs = arrayOf<BpReading>(readings, 'bpTrendFinding.readings', 0, MAX_TREND_READINGS)
  xs.forEach((r, i) => {
    timeOf(r?.t, `bpTrendFinding.readings[${i}].t`)
    bpCategory(r.systolic, r.diastolic)
  })
  if (xs.length === 0) return null
  const end = maxT(xs)
  const { last, before } = split(xs, end, TREND_WINDOW_DAYS)
  if (last.length < 3 || before.length < 3) return null
  const mean = (rs: BpReading[]): [number, number] => [avg(rs.map((r) => r.systolic)), avg(rs.map((r) => r.diastolic))]
  const [s1, d1] = mean(before)
  const [s2, d2] = mean(last)
  const c1 = bpCategory(s1, d1)
  const c2 = bpCategory(s2, d2)
  // ACC/AHA 2017 Table 6 categories of the two 14-day averages
  if (BP_CATEGORIES.indexOf(c2) <= BP_CATEGORIES.indexOf(c1)) return null
  const r = (x: number): number => Math.round(x)
  return {
    rule: 'bp-trend',
    severity: c2 === 'crisis' ? 'high' : c2 === 'stage2' ? 'moderate' : 'low',
    summary: `Blood pressure is rising: the 14-day average went from ${r(s1)}/${r(d1)} (${bpCategoryName(c1)}) to ${r(s2)}/${r(d2)} mm Hg (${bpCategoryName(c2)})`,
    fired: `average of the last 14 days (${last.length} readings) is in a higher ACC/AHA 2017 category than the 14 days before (${before.length} readings)`,
    evidence: [
      { what: 'systolic-average previous 14 days', value: s1, unit: 'mm[Hg]', t: maxT(before) },
      { what: 'diastolic-average previous 14 days', value: d1, unit: 'mm[Hg]', t: maxT(before) },
      { what: 'systolic-average last 14 days', value: s2, unit: 'mm[Hg]', t: end },
      { what: 'diastolic-average last 14 days', value: d2, unit: 'mm[Hg]', t: end }
    ],
    source: SOURCES.bloodPressure,
    at: end
  }
}

const weightEvidence = (x: TimedValue, what: string): Evidence => ({ what, value: x.value, unit: 'kg', t: x.t, ...(x.ref !== undefined ? { ref: x.ref } : {}) })

/**
 * Weight findings of the latest reading (see the file comment): a gain of more than 2 kg
 * over the previous 3 days, a loss of more than 5 % within 6 months. Empty when neither.
 * @throws {TypeError} / {RangeError} for a malformed reading (weight 0.2..700 kg).
 */
export function weightTrendFindings(readings: readonly TimedValue[]): Finding[] {
  const xs = arrayOf<TimedValue>(readings, 'weightTrendFindings.readings', 0, MAX_TREND_READINGS)
  xs.forEach((x, i) => {
    timeOf(x?.t, `weightTrendFindings.readings[${i}].t`)
    finiteIn(x.value, `weightTrendFindings.readings[${i}].value`, 0.2, 700, 'kg')
  })
  if (xs.length < 2) return []
  const sorted = [...xs].sort((a, b) => a.t - b.t)
  const latest = sorted[sorted.length - 1] as TimedValue
  const findings: Finding[] = []

  // ESC 2016 HF, self-care: weight gain > 2 kg in 3 days
  const recent = sorted.filter((x) => x !== latest && x.t >= latest.t - 3 * DAY)
  const low = recent.reduce<TimedValue | null>((m, x) => (m === null || x.value < m.value ? x : m), null)
  if (low !== null && latest.value - low.value > 2) {
    findings.push({
      rule: 'weight-change',
      severity: 'moderate',
      summary: `Weight rose ${(latest.value - low.value).toFixed(1)} kg within 3 days; with heart failure this calls for the care team`,
      fired: 'weight gain of more than 2 kg within 3 days',
      evidence: [weightEvidence(low, 'weight (lowest of the previous 3 days)'), weightEvidence(latest, 'weight (latest)')],
      source: SOURCES.heartFailureWeight,
      at: latest.t
    })
  }

  // Gaddey & Holder 2014: loss of more than 5 % of body weight over 6–12 months is significant
  const span = sorted.filter((x) => x !== latest && x.t >= latest.t - 183 * DAY)
  const high = span.reduce<TimedValue | null>((m, x) => (m === null || x.value > m.value ? x : m), null)
  if (high !== null && (high.value - latest.value) / high.value > 0.05) {
    const pct = ((high.value - latest.value) / high.value) * 100
    const days = Math.round((latest.t - high.t) / DAY)
    findings.push({
      rule: 'weight-change',
      severity: 'low',
      summary: `Weight fell ${pct.toFixed(1)} % in ${days} days; if this was not intended, mention it to a doctor`,
      fired: 'weight loss of more than 5 % within 6 months',
      evidence: [weightEvidence(high, 'weight (highest of the previous 6 months)'), weightEvidence(latest, 'weight (latest)')],
      source: SOURCES.weightLoss,
      at: latest.t
    })
  }
  return findings
}

/**
 * Worsening glucose control (see the file comment), or `null`.
 * @throws As `cgmMetrics`, for a malformed sample.
 */
export function glucoseTrendFinding(samples: readonly GlucoseSample[], opts: CgmOptions & { ref?: string } = {}): Finding | null {
  const xs = arrayOf<GlucoseSample>(samples, 'glucoseTrendFinding.samples', 0, MAX_TREND_READINGS)
  if (xs.length === 0) return null
  let end = -Infinity
  for (const s of xs) end = Math.max(end, timeOf(s?.t, 'glucoseTrendFinding.samples[].t'))
  const { last, before } = split(xs, end, TREND_WINDOW_DAYS)
  if (last.length === 0 || before.length === 0) return null
  const m1 = cgmMetrics(before, opts)
  const m2 = cgmMetrics(last, opts)
  // Battelino 2019: each report needs ≥ 70 % of its 14 days; activePercent is within the data's own span, so scale it to the window
  const full = TREND_WINDOW_DAYS * DAY
  const cover = (ts: GlucoseSample[], m: typeof m1): number => {
    return (m.activePercent * Math.min(full, maxT(ts) - minT(ts) + (opts.intervalMin ?? 5) * 60_000)) / full
  }
  if (cover(before, m1) < MIN_ACTIVE_PERCENT || cover(last, m2) < MIN_ACTIVE_PERCENT) return null
  // Battelino 2019: a change of 5 % in time in range is clinically significant
  if (m1.tirPercent - m2.tirPercent < 5) return null
  const ref = opts.ref !== undefined ? { ref: opts.ref } : {}
  return {
    rule: 'glucose-trend',
    severity: 'low',
    summary: `Glucose control is worsening: time in range fell from ${m1.tirPercent.toFixed(0)} % to ${m2.tirPercent.toFixed(0)} % (GMI ${m1.gmiPercent.toFixed(1)} % → ${m2.gmiPercent.toFixed(1)} %)`,
    fired: 'time in range 70–180 of the last 14 days is at least 5 percentage points below the 14 days before',
    evidence: [
      { what: 'tir previous 14 days', value: m1.tirPercent, unit: '%', t: end - full, ...ref },
      { what: 'tir last 14 days', value: m2.tirPercent, unit: '%', t: end, ...ref },
      { what: 'gmi previous 14 days', value: m1.gmiPercent, unit: '%', t: end - full, ...ref },
      { what: 'gmi last 14 days', value: m2.gmiPercent, unit: '%', t: end, ...ref }
    ],
    source: SOURCES.cgm,
    at: end
  }
}
