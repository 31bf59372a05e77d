/**
 * Blood pressure categories of the 2017 ACC/AHA guideline (Table 6), of one reading and of
 * the average of the latest readings (§4: a diagnosis rests on the average of ≥ 2 readings
 * on ≥ 2 occasions), plus the hypertensive-crisis threshold of §11.2 (> 180 and/or > 120).
 * When systolic and diastolic fall in different categories the higher one applies
 * (Table 6 footnote).
 */
import type { Evidence, Finding, Severity } from './findings.ts'
import { SOURCES } from './sources.ts'
import { arrayOf, finiteIn, timeOf } from './validate.ts'

/** A category, lowest first. */
export const BP_CATEGORIES = ['normal', 'elevated', 'stage1', 'stage2', 'crisis'] as const
/** One of `BP_CATEGORIES`. */
export type BpCategory = (typeof BP_CATEGORIES)[number]

function systolicCategory(s: number): BpCategory {
  // ACC/AHA 2017 §11.2: hypertensive crisis, systolic > 180
  if (s > 180) return 'crisis'
  // ACC/AHA 2017 Table 6: stage 2 ≥ 140, stage 1 130–139, elevated 120–129, normal < 120
  if (s >= 140) return 'stage2'
  if (s >= 130) return 'stage1'
  if (s >= 120) return 'elevated'
  return 'normal'
}

function diastolicCategory(d: number): BpCategory {
  // ACC/AHA 2017 §11.2: hypertensive crisis, diastolic > 120
  if (d > 120) return 'crisis'
  // ACC/AHA 2017 Table 6: stage 2 ≥ 90, stage 1 80–89; elevated and normal both need < 80
  if (d >= 90) return 'stage2'
  if (d >= 80) return 'stage1'
  return 'normal'
}

/**
 * The ACC/AHA 2017 category of a systolic/diastolic pair (mm Hg).
 * @throws {TypeError} if either is not a finite number.
 * @throws {RangeError} if systolic is outside 20..400 or diastolic outside 0..300 mm Hg.
 * @example bpCategory(128, 79) // 'elevated'; bpCategory(128, 80) // 'stage1'; bpCategory(181, 90) // 'crisis'
 */
export function bpCategory(systolic: number, diastolic: number): BpCategory {
  const s = finiteIn(systolic, 'bpCategory.systolic', 20, 400, 'mm Hg')
  const d = finiteIn(diastolic, 'bpCategory.diastolic', 0, 300, 'mm Hg')
  const a = BP_CATEGORIES.indexOf(systolicCategory(s))
  const b = BP_CATEGORIES.indexOf(diastolicCategory(d))
  // ACC/AHA 2017 Table 6 footnote: individuals with SBP and DBP in 2 categories are designated to the higher one
  return BP_CATEGORIES[Math.max(a, b)] as BpCategory
}

/** One blood-pressure reading. */
export interface BpReading {
  /** Epoch ms. */
  readonly t: number
  readonly systolic: number
  readonly diastolic: number
  /** Where it came from, e.g. `Observation/bp-1`. */
  readonly ref?: string
}

/** Options of `bpAverage`. */
export interface BpAverageOptions {
  /** How many of the latest readings to average. @default 7 */
  readonly last?: number
}

/** The average of the latest readings and its category. */
export interface BpAverage {
  readonly systolic: number
  readonly diastolic: number
  readonly category: BpCategory
  /** The readings averaged, oldest first. */
  readonly readings: readonly BpReading[]
  /** Distinct UTC days among them: the guideline asks for ≥ 2 readings on ≥ 2 occasions. */
  readonly occasions: number
}

/** At most this many readings are accepted by one call. */
export const MAX_BP_READINGS = 100_000

/**
 * Averages the latest `last` readings (by time) and categorises the average.
 * @throws {TypeError} / {RangeError} for a reading that is not a valid time and pair (as `bpCategory`), or `last` not an integer ≥ 1.
 * @throws {RangeError} if there is no reading.
 */
export function bpAverage(readings: readonly BpReading[], opts: BpAverageOptions = {}): BpAverage {
  const all = arrayOf<BpReading>(readings, 'bpAverage.readings', 1, MAX_BP_READINGS)
  const last = opts.last ?? 7
  if (!Number.isInteger(last) || last < 1) throw new RangeError(`bpAverage.last: expected an integer ≥ 1, got ${String(last)}`)
  all.forEach((r, i) => checkReading(r, `bpAverage.readings[${i}]`))
  const chosen = [...all].sort((a, b) => a.t - b.t).slice(-last)
  const systolic = chosen.reduce((a, r) => a + r.systolic, 0) / chosen.length
  const diastolic = chosen.reduce((a, r) => a + r.diastolic, 0) / chosen.length
  const occasions = new Set(chosen.map((r) => Math.floor(r.t / 86_400_000))).size
  return { systolic, diastolic, category: bpCategory(systolic, diastolic), readings: chosen, occasions }
}

function checkReading(r: BpReading, label: string): void {
  if (typeof r !== 'object' || r === null) throw new TypeError(`${label}: expected { t, systolic, diastolic }`)
  timeOf(r.t, `${label}.t`)
  finiteIn(r.systolic, `${label}.systolic`, 20, 400, 'mm Hg')
  finiteIn(r.diastolic, `${label}.diastolic`, 0, 300, 'mm Hg')
}

const SEVERITY: Record<BpCategory, Severity> = { normal: 'info', elevated: 'low', stage1: 'low', stage2: 'moderate', crisis: 'high' }
const NAME: Record<BpCategory, string> = {
  normal: 'normal',
  elevated: 'elevated',
  stage1: 'stage 1 hypertension',
  stage2: 'stage 2 hypertension',
  crisis: 'hypertensive crisis range'
}
const RULE: Record<BpCategory, string> = {
  normal: 'systolic < 120 and diastolic < 80 → normal',
  elevated: 'systolic 120–129 and diastolic < 80 → elevated',
  stage1: 'systolic 130–139 or diastolic 80–89 → stage 1',
  stage2: 'systolic ≥ 140 or diastolic ≥ 90 → stage 2',
  crisis: 'systolic > 180 and/or diastolic > 120 → hypertensive crisis'
}

/** Category name for people ("stage 1 hypertension"). */
export function bpCategoryName(c: BpCategory): string {
  return NAME[c]
}

const evidenceOf = (r: BpReading): Evidence[] => [
  { what: 'systolic', value: r.systolic, unit: 'mm[Hg]', t: r.t, ...(r.ref !== undefined ? { ref: r.ref } : {}) },
  { what: 'diastolic', value: r.diastolic, unit: 'mm[Hg]', t: r.t, ...(r.ref !== undefined ? { ref: r.ref } : {}) }
]

/**
 * The finding of the latest reading's category.
 * @throws As `bpCategory`.
 */
export function bpReadingFinding(r: BpReading): Finding {
  checkReading(r, 'bpReadingFinding.reading')
  const c = bpCategory(r.systolic, r.diastolic)
  const crisis = c === 'crisis' ? '; a single reading this high needs to be repeated and, with symptoms, emergency care' : ''
  return {
    rule: 'bp-category',
    severity: SEVERITY[c],
    summary: `Latest blood pressure ${fmt(r.systolic)}/${fmt(r.diastolic)} mm Hg: ${NAME[c]}${crisis}`,
    fired: `${RULE[c]} (ACC/AHA 2017, one reading)`,
    evidence: evidenceOf(r),
    source: SOURCES.bloodPressure,
    at: r.t
  }
}

/**
 * The finding of the average of the latest readings.
 * @throws As `bpAverage`.
 */
export function bpAverageFinding(readings: readonly BpReading[], opts: BpAverageOptions = {}): Finding {
  const avg = bpAverage(readings, opts)
  const n = avg.readings.length
  const enough = n >= 2 && avg.occasions >= 2
  const note = enough ? '' : ' (fewer than 2 readings on 2 occasions: not enough to classify blood pressure by the guideline)'
  return {
    rule: 'bp-average',
    severity: enough ? SEVERITY[avg.category] : 'info',
    summary: `Average of the last ${n} blood pressure reading${n === 1 ? '' : 's'}: ${fmt(avg.systolic)}/${fmt(avg.diastolic)} mm Hg, ${NAME[avg.category]}${note}`,
    fired: `${RULE[avg.category]} (ACC/AHA 2017, average of ${n} readings on ${avg.occasions} day${avg.occasions === 1 ? '' : 's'})`,
    evidence: avg.readings.flatMap(evidenceOf),
    source: SOURCES.bloodPressure,
    at: avg.readings[avg.readings.length - 1]?.t ?? 0
  }
}

const fmt = (x: number): string => String(Math.round(x))
