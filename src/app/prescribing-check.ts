/**
 * The doctor's prescribing check (issue 9: "before signing, the doctor sees drug–allergy
 * warnings from the patient's record"): the drug being prescribed against the patient's
 * AllergyIntolerances and current MedicationStatements/Requests from the synced record,
 * by the insights library's `checkPrescription`, run in the insights worker.
 */
import { prescriptionCheckOf, RXNORM_SYSTEM, type Finding, type InsightsClient } from '../insights/index.ts'
import type { AllergyIntolerance, MedicationRequest, MedicationStatement } from '../record/index.ts'
import type { PrescriptionDraft } from '../consult/index.ts'
import { sourceLabel } from './insight-facts.ts'
import type { PrescribingContext, PrescribingWarning, PrescriptionCheck } from './prescriptions.ts'

/** Code of the warning given when the patient's allergies and medicines have not all arrived. */
export const RECORD_INCOMPLETE_WARNING = 'record-incomplete'

/** Id of the draft in the check (never stored): it keeps the draft out of "current medications". */
const DRAFT_ID = 'draft-prescription'

/** A check finding as a warning the doctor acknowledges by its code. */
export function warningOf(f: Finding): PrescribingWarning {
  return {
    // the rule and what fired (ingredients, allergy or interaction row): the same draft gives the same code again
    code: `${f.rule}:${f.fired}`,
    severity: f.severity === 'info' ? 'low' : f.severity,
    message: f.summary,
    source: sourceLabel(f.source)
  }
}

/** Whether a resource is of the given type (the context holds plain FHIR resources). */
const isType = <T extends { resourceType: string }>(type: T['resourceType']) => (r: { resourceType: string }): r is T => r.resourceType === type

/**
 * A prescribing check that asks the insights worker. When the record's allergies and
 * medicines have not all arrived, a warning says so: "no warning" would then mean "not known".
 * @example createPractitioner({ …, checkPrescription: prescribingCheck(() => worker.client()) })
 */
export function prescribingCheck(insights: () => InsightsClient): PrescriptionCheck {
  return async (draft: PrescriptionDraft, context: PrescribingContext): Promise<readonly PrescribingWarning[]> => {
    const m = draft.medication
    const request: MedicationRequest = {
      resourceType: 'MedicationRequest',
      id: DRAFT_ID,
      status: 'draft',
      intent: 'order',
      subject: { reference: '#p' },
      medicationCodeableConcept: {
        ...(m.rxnorm === undefined ? {} : { coding: [{ system: RXNORM_SYSTEM, code: m.rxnorm.code, display: m.rxnorm.display }] }),
        ...(m.text === undefined ? {} : { text: m.text })
      }
    }
    const allergies = context.allergies.filter(isType<AllergyIntolerance>('AllergyIntolerance'))
    const medications = context.medications.filter((r): r is MedicationStatement | MedicationRequest => r.resourceType === 'MedicationStatement' || r.resourceType === 'MedicationRequest')
    const findings = await insights().checkPrescription(prescriptionCheckOf(request, allergies, medications))
    const warnings = findings.map(warningOf)
    if (!context.complete) {
      warnings.push({ code: RECORD_INCOMPLETE_WARNING, severity: 'moderate', message: 'The patient’s allergies and medicines have not all arrived on this device: they were checked as far as they are here.' })
    }
    return warnings
  }
}
