/**
 * A vital sign the patient types in (a blood pressure taken with a cuff that has no
 * Bluetooth): stored as a device reading is — an Observation in `vitals`, with LOINC codes
 * and UCUM units as the device layer writes them, flushed and sealed at once so connected
 * devices get it — with `meta.source` "manual" saying it was typed, not measured by a device.
 */
import { OBSERVATION_CATEGORY, type Observation, type Reference } from '../record/index.ts'
import { FormProblem, RecordFormError, type FieldProblem } from './record-edits.ts'
import { MEASURES, type VitalMeasure } from './vitals-chart-data.ts'

/** `meta.source` of a reading typed by the patient. */
export const MANUAL_SOURCE = 'manual'

/** A reading as the form gives it. */
export interface ManualReadingForm {
  readonly measure: VitalMeasure
  /** One value per line of the measure (systolic then diastolic for blood pressure), as typed. */
  readonly values: readonly string[]
  /** When it was measured, epoch ms. */
  readonly t: number
}

const LOINC = 'http://loinc.org'
const UCUM = 'http://unitsofmeasure.org'

/**
 * Checks a typed reading and builds its Observation (not stored). Fields are `value0`,
 * `value1` (one per line) and `time`.
 * @throws {RecordFormError} naming each field with a problem (a systolic not above the diastolic names `value0`)
 */
export function manualReading(form: ManualReadingForm, ctx: { id: string; now: number; subject?: Reference }): Observation {
  const def = MEASURES[form.measure]
  if (def === undefined) throw new RecordFormError([{ field: 'measure', problem: FormProblem.notAllowed }])
  const problems: FieldProblem[] = []
  const values = def.lines.map((line, i) => {
    const raw = (form.values[i] ?? '').trim().replace(',', '.')
    const field = `value${i}`
    if (raw === '') {
      problems.push({ field, problem: FormProblem.required })
      return Number.NaN
    }
    const n = /^[-+]?(\d+\.?\d*|\.\d+)$/.test(raw) ? Number(raw) : Number.NaN
    if (!Number.isFinite(n)) problems.push({ field, problem: FormProblem.notANumber })
    else if (n < line.manual.min || n > line.manual.max) problems.push({ field, problem: FormProblem.outOfRange })
    return n
  })
  if (form.measure === 'blood-pressure' && problems.length === 0 && !((values[0] as number) > (values[1] as number))) problems.push({ field: 'value0', problem: FormProblem.outOfRange })
  if (!Number.isSafeInteger(form.t)) problems.push({ field: 'time', problem: FormProblem.notADate })
  else if (form.t > ctx.now + 5 * 60_000) problems.push({ field: 'time', problem: FormProblem.inTheFuture })
  if (problems.length > 0) throw new RecordFormError(problems)
  const q = (v: number) => ({ value: v, unit: def.unit, system: UCUM, code: def.unit })
  const coding = (line: (typeof def.lines)[number]) => ({ coding: [{ system: LOINC, code: line.code, display: line.display }], text: line.display })
  const base = {
    resourceType: 'Observation' as const,
    id: ctx.id,
    meta: { source: MANUAL_SOURCE },
    status: 'final',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: def.category }] }],
    ...(ctx.subject === undefined ? {} : { subject: ctx.subject }),
    effectiveDateTime: new Date(form.t).toISOString()
  }
  if (form.measure === 'blood-pressure') {
    return {
      ...base,
      code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel with all children optional' }], text: 'Blood pressure' },
      component: def.lines.map((line, i) => ({ code: coding(line), valueQuantity: q(values[i] as number) }))
    }
  }
  return { ...base, code: coding(def.lines[0] as (typeof def.lines)[number]), valueQuantity: q(values[0] as number) }
}
