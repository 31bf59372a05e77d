/**
 * Consultations (DESIGN §9): e-prescriptions — a FHIR R4 MedicationRequest signed by the
 * doctor as a compact JWS (EdDSA, `jose`) with their practitioner credential, shown by the
 * patient as a QR code and verified offline by a pharmacy against the app's trust list.
 *
 * @example
 * ```ts
 * import { signPrescription, verifyPrescription } from '../consult/index.ts'
 *
 * const { jws, qrText } = await signPrescription(draft, { secretKey: doctor.signing.secretKey, credential })
 * const verdict = await verifyPrescription(qrText, { trustList, now: Date.now })
 * verdict.status // 'valid' | 'tampered' | 'expired' | 'not-yet-valid' | 'unverified-prescriber' | 'malformed'
 * ```
 * @packageDocumentation
 */
export {
  signPrescription,
  verifyPrescription,
  PrescriptionStatus,
  PRESCRIPTION_JWS_TYPE,
  MAX_SIGNED_JWS_CHARS,
  MAX_HEADER_CHARS,
  MAX_PAYLOAD_CHARS,
  MAX_INFLATED_PAYLOAD_BYTES
} from './prescription.ts'
export type { PrescriberInfo, PrescriptionDetails, PrescriptionVerdict, PrescriberKeys, SignPrescriptionInit, SignedPrescription } from './prescription.ts'
export {
  medicationRequestOf,
  readMedicationRequest,
  withPrescriptionSignature,
  prescriptionSignatureOf,
  RXNORM_SYSTEM,
  PRESCRIPTION_SIGNATURE_URL,
  MAX_PRESCRIPTION_TEXT_BYTES,
  MAX_REPEATS,
  MAX_VALIDITY_MS,
  MAX_QUANTITY
} from './medication-request.ts'
export type { PrescriptionDraft, PrescriptionContent, SignedMedicationRequest } from './medication-request.ts'
export { prescriptionQrText, jwsFromPrescriptionText, PRESCRIPTION_QR_PREFIX, MAX_PRESCRIPTION_TEXT_CHARS } from './qr-text.ts'
export { PrescriptionFormatError, PrescriptionTooLargeError, PrescriptionSignatureError, PrescriberMismatchError } from './errors.ts'
