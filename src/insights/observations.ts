/**
 * Readings out of FHIR Observations and record time series, by LOINC code, in the units the
 * rules take (UCUM conversions on the lines that do them). An Observation that is withdrawn
 * (entered-in-error), cancelled or not yet final-ish, has no time, or has no usable value
 * is left out; readings are returned oldest first.
 */
import { clinicalDate, isWithdrawn, type CodeableConcept, type Observation, type Quantity } from '../record/index.ts'

/** LOINC codes read here. */
export const INSIGHT_LOINC = {
  heartRate: '8867-4',
  systolic: '8480-6',
  diastolic: '8462-4',
  bpPanel: '85354-9',
  glucoseMass: '2339-0',
  glucoseMoles: '15074-8',
  cgmGlucose: '99504-3',
  temperature: '8310-5',
  weight: '29463-7',
  spo2: '59408-5',
  spo2Arterial: '2708-6',
  respiratoryRate: '9279-1'
} as const

const LOINC_SYSTEM = 'http://loinc.org'
/** Observation statuses whose value may be used (R4 ObservationStatus). */
const USABLE_STATUS = new Set(['final', 'amended', 'corrected', 'preliminary'])

/** What a reading is. */
export type ReadingKind = 'heartRate' | 'systolic' | 'diastolic' | 'glucose' | 'cgmGlucose' | 'temperature' | 'weight' | 'spo2' | 'respiratoryRate'

/** One reading in the rules' units: /min, mm Hg, mg/dL, °C, kg, %. */
export interface Reading {
  readonly kind: ReadingKind
  readonly t: number
  readonly value: number
  /** `Observation/<id>` or `series/<code>/<device>`. */
  readonly ref: string
}

const hasLoinc = (c: CodeableConcept | undefined, code: string): boolean =>
  (c?.coding ?? []).some((x) => x.code === code && (x.system === undefined || x.system === LOINC_SYSTEM))

/** Unit of a Quantity: its UCUM `code`, else its `unit` text. */
const unitOf = (q: Quantity): string => q.code ?? q.unit ?? ''

/** A quantity in the rules' unit for `kind`, or undefined when its unit is not one we know. */
export function toRuleUnit(kind: ReadingKind, value: number, unit: string): number | undefined {
  if (!Number.isFinite(value)) return undefined
  switch (kind) {
    case 'heartRate':
    case 'respiratoryRate':
      return unit === '/min' || unit === '{beats}/min' || unit === '{breaths}/min' || unit === 'beats/min' || unit === 'breaths/min' ? value : undefined
    case 'systolic':
    case 'diastolic':
      if (unit === 'mm[Hg]' || unit === 'mmHg') return value
      // 1 kPa = 1000 / 133.322387415 mm Hg (BIPM conventional mmHg)
      return unit === 'kPa' ? (value * 1000) / 133.322387415 : undefined
    case 'glucose':
    case 'cgmGlucose':
      if (unit === 'mg/dL') return value
      // glucose molar mass 180.156 g/mol: 1 mmol/L = 18.0156 mg/dL
      return unit === 'mmol/L' ? value * 18.0156 : undefined
    case 'temperature':
      if (unit === 'Cel' || unit === '°C') return value
      return unit === '[degF]' || unit === '°F' ? ((value - 32) * 5) / 9 : undefined
    case 'weight':
      if (unit === 'kg') return value
      if (unit === 'g') return value / 1000
      // 1 lb = 0.45359237 kg exactly
      return unit === '[lb_av]' || unit === 'lb' ? value * 0.45359237 : undefined
    case 'spo2':
      return unit === '%' ? value : undefined
  }
}

/** The kind of an Observation (or of a component) code, if it is one of ours. */
function kindOf(c: CodeableConcept | undefined): ReadingKind | undefined {
  if (hasLoinc(c, INSIGHT_LOINC.heartRate)) return 'heartRate'
  if (hasLoinc(c, INSIGHT_LOINC.systolic)) return 'systolic'
  if (hasLoinc(c, INSIGHT_LOINC.diastolic)) return 'diastolic'
  if (hasLoinc(c, INSIGHT_LOINC.cgmGlucose)) return 'cgmGlucose'
  if (hasLoinc(c, INSIGHT_LOINC.glucoseMass) || hasLoinc(c, INSIGHT_LOINC.glucoseMoles)) return 'glucose'
  if (hasLoinc(c, INSIGHT_LOINC.temperature)) return 'temperature'
  if (hasLoinc(c, INSIGHT_LOINC.weight)) return 'weight'
  if (hasLoinc(c, INSIGHT_LOINC.spo2) || hasLoinc(c, INSIGHT_LOINC.spo2Arterial)) return 'spo2'
  if (hasLoinc(c, INSIGHT_LOINC.respiratoryRate)) return 'respiratoryRate'
  return undefined
}

/**
 * The readings of a set of Observations (a BP panel gives a systolic and a diastolic
 * reading at its time), oldest first.
 * @throws Never: an Observation that cannot be read is left out.
 */
export function readingsOfObservations(observations: readonly Observation[]): Reading[] {
  const out: Reading[] = []
  for (const o of observations) {
    if (typeof o !== 'object' || o === null || o.resourceType !== 'Observation') continue
    if (!USABLE_STATUS.has(o.status) || isWithdrawn(o)) continue
    const t = clinicalDate(o)
    if (!Number.isFinite(t)) continue
    const ref = `Observation/${o.id}`
    const push = (kind: ReadingKind | undefined, q: Quantity | undefined): void => {
      if (kind === undefined || q === undefined || typeof q.value !== 'number') return
      const value = toRuleUnit(kind, q.value, unitOf(q))
      if (value !== undefined) out.push({ kind, t, value, ref })
    }
    push(kindOf(o.code), o.valueQuantity)
    // a BP panel (85354-9) carries systolic and diastolic as components
    for (const c of o.component ?? []) push(kindOf(c.code), c.valueQuantity)
  }
  return out.sort((a, b) => a.t - b.t)
}

/** Samples of one series, as `SeriesStore.read` returns them (typed or plain arrays). */
export interface SeriesInput {
  readonly code: string
  readonly device: string
  readonly unit: string
  readonly times: ArrayLike<number>
  readonly values: ArrayLike<number>
}

const SERIES_KIND: Record<string, ReadingKind> = {
  [INSIGHT_LOINC.heartRate]: 'heartRate',
  [INSIGHT_LOINC.cgmGlucose]: 'cgmGlucose',
  [INSIGHT_LOINC.spo2]: 'spo2',
  [INSIGHT_LOINC.respiratoryRate]: 'respiratoryRate',
  [INSIGHT_LOINC.temperature]: 'temperature',
  [INSIGHT_LOINC.weight]: 'weight'
}

/**
 * The readings of time series (only the codes of `INSIGHT_LOINC` with a known unit), oldest first.
 * @throws Never: a series of another code or unit is left out.
 */
export function readingsOfSeries(series: readonly SeriesInput[]): Reading[] {
  const out: Reading[] = []
  for (const s of series) {
    const kind = SERIES_KIND[s.code]
    if (kind === undefined) continue
    const ref = `series/${s.code}/${s.device}`
    const n = Math.min(s.times.length, s.values.length)
    for (let i = 0; i < n; i++) {
      const value = toRuleUnit(kind, s.values[i] as number, s.unit)
      const t = s.times[i] as number
      if (value !== undefined && Number.isFinite(t)) out.push({ kind, t, value, ref })
    }
  }
  return out.sort((a, b) => a.t - b.t)
}
