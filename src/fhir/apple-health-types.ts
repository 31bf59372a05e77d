/**
 * Apple HealthKit quantity types read from `export.xml`, with their LOINC code and the
 * conversion of Apple's unit strings to UCUM (unitsofmeasure.org). Apple writes units as
 * HealthKit prints them (`count/min`, `mmol<180.1558800000541>/L`: mmol/L of a substance
 * with that molar mass, here glucose).
 */

/** A value in UCUM with the LOINC code it is reported under. */
export interface Converted {
  readonly value: number
  /** UCUM code. */
  readonly unit: string
  readonly code: string
  readonly display: string
}

/** How one HealthKit type is read. */
export interface AppleQuantityType {
  /** `series`: a time-series sample (frequent, from watches); `observation`: a spot Observation. */
  readonly mode: 'series' | 'observation'
  /** Observation category (`vital-signs`, `activity`, `laboratory`). */
  readonly category: string
  /** Apple unit → converter; an unknown unit is skipped and counted. */
  readonly units: Readonly<Record<string, (v: number) => Converted>>
}

const LOINC_TERMS = {
  heartRate: { code: '8867-4', display: 'Heart rate', unit: '/min' },
  steps: { code: '55423-8', display: 'Number of steps in unspecified time Pedometer', unit: '{steps}' },
  spo2: { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', unit: '%' },
  respiratoryRate: { code: '9279-1', display: 'Respiratory rate', unit: '/min' },
  glucoseMass: { code: '2339-0', display: 'Glucose [Mass/volume] in Blood', unit: 'mg/dL' },
  glucoseMoles: { code: '15074-8', display: 'Glucose [Moles/volume] in Blood', unit: 'mmol/L' },
  weight: { code: '29463-7', display: 'Body weight', unit: 'kg' },
  temperature: { code: '8310-5', display: 'Body temperature', unit: 'Cel' },
  systolic: { code: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]' },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure', unit: 'mm[Hg]' },
  bpPanel: { code: '85354-9', display: 'Blood pressure panel with all children optional', unit: 'mm[Hg]' }
} as const

/** LOINC terms used by the Apple Health import. */
export const APPLE_LOINC = LOINC_TERMS

/** Rounds a converted value to 4 decimals (a pound is 0.45359237 kg exactly; no reading is that precise). */
const r4 = (v: number): number => Math.round(v * 1e4) / 1e4

const as = (term: { code: string; display: string; unit: string }, f: (v: number) => number = (v) => v) => (v: number): Converted => ({
  value: f(v),
  unit: term.unit,
  code: term.code,
  display: term.display
})

/** The quantity types read; every other `Record` type is skipped and counted by type. */
export const APPLE_TYPES: Readonly<Record<string, AppleQuantityType>> = Object.freeze({
  HKQuantityTypeIdentifierHeartRate: { mode: 'series', category: 'vital-signs', units: { 'count/min': as(LOINC_TERMS.heartRate) } },
  HKQuantityTypeIdentifierStepCount: { mode: 'series', category: 'activity', units: { count: as(LOINC_TERMS.steps) } },
  // HealthKit stores SpO2 as a fraction (0.97) and prints the unit "%"
  HKQuantityTypeIdentifierOxygenSaturation: { mode: 'series', category: 'vital-signs', units: { '%': as(LOINC_TERMS.spo2, (v) => r4(v <= 1 ? v * 100 : v)) } },
  HKQuantityTypeIdentifierRespiratoryRate: { mode: 'series', category: 'vital-signs', units: { 'count/min': as(LOINC_TERMS.respiratoryRate) } },
  HKQuantityTypeIdentifierBloodGlucose: {
    mode: 'observation',
    category: 'laboratory',
    units: {
      'mg/dL': as(LOINC_TERMS.glucoseMass),
      // HealthKit: mmol<molar mass g/mol>/L; the value is already in mmol/L
      'mmol<180.1558800000541>/L': as(LOINC_TERMS.glucoseMoles),
      'mmol/L': as(LOINC_TERMS.glucoseMoles)
    }
  },
  HKQuantityTypeIdentifierBodyMass: {
    mode: 'observation',
    category: 'vital-signs',
    units: {
      kg: as(LOINC_TERMS.weight),
      lb: as(LOINC_TERMS.weight, (v) => r4(v * 0.45359237)), // NIST: 1 lb = 0.45359237 kg exactly
      g: as(LOINC_TERMS.weight, (v) => r4(v / 1000))
    }
  },
  HKQuantityTypeIdentifierBodyTemperature: {
    mode: 'observation',
    category: 'vital-signs',
    units: { degC: as(LOINC_TERMS.temperature), degF: as(LOINC_TERMS.temperature, (v) => r4(((v - 32) * 5) / 9)) }
  }
})

/** The systolic half of a blood pressure, paired with the diastolic one into an 85354-9 panel by time and source. */
export const APPLE_BP_SYSTOLIC = 'HKQuantityTypeIdentifierBloodPressureSystolic'
/** The diastolic half of a blood pressure (see `APPLE_BP_SYSTOLIC`). */
export const APPLE_BP_DIASTOLIC = 'HKQuantityTypeIdentifierBloodPressureDiastolic'

/**
 * An Apple export date (`2024-05-02 08:00:00 +0200`) as an ISO 8601 dateTime with offset, or `undefined`.
 * @throws Never.
 * @example appleDate('2024-05-02 08:00:00 +0200') // '2024-05-02T08:00:00+02:00'
 */
export function appleDate(text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text.trim())
  if (m === null) return undefined
  const iso = `${m[1]}T${m[2]}${m[3]}${m[4]}:${m[5]}`
  return Number.isNaN(Date.parse(iso)) ? undefined : iso
}
