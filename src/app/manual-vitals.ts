/**
 * Vital signs typed in by hand (a reading taken with a thermometer or a cuff that has no
 * Bluetooth), as FHIR vital-signs Observations, and the latest reading of each kind in a
 * vitals compartment — what a caregiver's screen shows.
 */
import { randomBytes } from '../crypto/index.ts'
import { toHex } from '../lib/index.ts'
import { isWithdrawn, type Compartment, type FhirResource, type Observation } from '../record/index.ts'
import { DEVICE_LOINC } from '../devices/index.ts'

/** What can be typed in, with its LOINC term (FHIR R4 vital signs profile) and plausible range. */
export const MANUAL_VITALS = {
  'heart-rate': { ...DEVICE_LOINC.heartRate, min: 20, max: 300 },
  temperature: { ...DEVICE_LOINC.temperature, min: 25, max: 45 },
  spo2: { ...DEVICE_LOINC.spo2, min: 50, max: 100 }
} as const
/** A kind of reading typed in by hand. */
export type ManualVital = keyof typeof MANUAL_VITALS

/** The latest reading of one kind. */
export interface LatestVital {
  /** LOINC code. */
  readonly code: string
  readonly display: string
  readonly value: number
  /** UCUM unit. */
  readonly unit: string
  /** When it was taken (ISO 8601). */
  readonly at: string
}

const UCUM = 'http://unitsofmeasure.org'

/**
 * A vital-signs Observation of a reading typed in by hand.
 * @throws {RangeError} for an unknown kind or a value outside the plausible range
 */
export function manualObservation(kind: ManualVital, value: number, now: number): Observation {
  // an own key only: a kind from a form may be anything
  if (!Object.hasOwn(MANUAL_VITALS, kind)) throw new RangeError(`reading: unknown kind ${String(kind)}`)
  const term = MANUAL_VITALS[kind]
  if (typeof value !== 'number' || !Number.isFinite(value) || value < term.min || value > term.max) throw new RangeError(`reading: ${kind} must be ${term.min}..${term.max} ${term.unit}`)
  const observation: Observation = {
    resourceType: 'Observation',
    id: `obs-${toHex(randomBytes(8))}`,
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: term.code, display: term.display }], text: term.display },
    effectiveDateTime: new Date(now).toISOString(),
    valueQuantity: { value, unit: term.unit, system: UCUM, code: term.unit }
  }
  return observation
}

type Quantified = FhirResource & {
  code?: { coding?: Array<{ code?: string; display?: string }>; text?: string }
  effectiveDateTime?: string
  valueQuantity?: { value?: number; unit?: string; code?: string }
}

/** The latest Observation with a quantity of each code in `vitals`, newest first. */
export function latestVitals(vitals: Compartment): LatestVital[] {
  const best = new Map<string, LatestVital>()
  for (const r of vitals.resources.list('Observation') as Quantified[]) {
    if (isWithdrawn(r)) continue
    const coding = r.code?.coding?.[0]
    const v = r.valueQuantity?.value
    const at = r.effectiveDateTime
    if (coding?.code === undefined || typeof v !== 'number' || at === undefined) continue
    const prev = best.get(coding.code)
    if (prev !== undefined && Date.parse(prev.at) >= Date.parse(at)) continue
    best.set(coding.code, { code: coding.code, display: r.code?.text ?? coding.display ?? coding.code, value: v, unit: r.valueQuantity?.code ?? r.valueQuantity?.unit ?? '', at })
  }
  return [...best.values()].sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
}
