/**
 * Small edits the patient makes by hand. Each is one transaction in one compartment, so
 * one sealed envelope, synced to the person's other devices like any change.
 */
import { ALLERGY_CLINICAL, ALLERGY_VERIFICATION, type FhirResource } from '../record/index.ts'
import { randomBytes } from '../crypto/index.ts'
import { toHex } from '../lib/index.ts'
import type { RecordSession } from './record-session.ts'

/** Longest allergy text accepted. */
export const MAX_ALLERGY_TEXT = 200

/**
 * Records an allergy the patient reports (unconfirmed, active) in the `core` compartment.
 * @throws {RangeError} when the text is empty or longer than `MAX_ALLERGY_TEXT`
 * @example await addAllergy(session, 'Peanuts', Date.now())
 */
export async function addAllergy(session: RecordSession, text: string, now: number): Promise<string> {
  const label = text.trim()
  if (label.length === 0 || label.length > MAX_ALLERGY_TEXT) throw new RangeError(`allergy: 1..${MAX_ALLERGY_TEXT} characters`)
  const core = session.get('core')
  const patient = core.resources.list('Patient')[0]
  const id = `alg-${toHex(randomBytes(8))}`
  const resource = {
    resourceType: 'AllergyIntolerance',
    id,
    clinicalStatus: { coding: [{ system: ALLERGY_CLINICAL, code: 'active' }] },
    verificationStatus: { coding: [{ system: ALLERGY_VERIFICATION, code: 'unconfirmed' }] },
    type: 'allergy',
    code: { text: label },
    patient: patient === undefined ? { display: 'self' } : { reference: `Patient/${patient.id}` },
    recordedDate: new Date(now).toISOString()
  } as FhirResource
  core.resources.put(resource)
  await session.whenSaved()
  return id
}
