/**
 * Vital-sign Observations as a device or a form stores them, for tests: a blood pressure
 * panel (LOINC 85354-9, systolic 8480-6 and diastolic 8462-4 in mm[Hg]) and a single
 * quantity, each with its UCUM unit and an effective time.
 */
import type { Observation } from '../../src/record/index.ts'

const LOINC = 'http://loinc.org'
const UCUM = 'http://unitsofmeasure.org'

/** A blood pressure panel taken at `t` (epoch ms). */
export function bpObservation(id: string, t: number, systolic: number, diastolic: number): Observation {
  const mmHg = (value: number) => ({ value, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' })
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: LOINC, code: '85354-9' }] },
    effectiveDateTime: new Date(t).toISOString(),
    component: [
      { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: mmHg(systolic) },
      { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: mmHg(diastolic) }
    ]
  }
}

/** One quantity (LOINC `code`, UCUM `unit`) measured at `t` (epoch ms). */
export function quantityObservation(id: string, code: string, t: number, value: number, unit: string): Observation {
  return { resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: LOINC, code }] }, effectiveDateTime: new Date(t).toISOString(), valueQuantity: { value, unit, system: UCUM, code: unit } }
}
