/**
 * Consultations (DESIGN §9): video calls rung and signalled over `/phr/consult/1` between
 * two people with a live grant (media over a plain RTCPeerConnection, chat and small files
 * over its data channel, the visit written as an Encounter), and e-prescriptions — a FHIR
 * R4 MedicationRequest signed by the doctor as a compact JWS (EdDSA, `jose`) with their
 * practitioner credential, shown by the patient as a QR code and verified offline by a
 * pharmacy against the app's trust list.
 *
 * @example
 * ```ts
 * import { signPrescription, verifyPrescription } from '../consult/index.ts'
 *
 * const { jws, qrText } = await signPrescription(draft, { secretKey: doctor.signing.secretKey, credential })
 * const verdict = await verifyPrescription(qrText, { trustList, now: Date.now })
 * verdict.status // 'valid' | 'tampered' | 'expired' | 'not-yet-valid' | 'unverified-prescriber' | 'malformed'
 *
 * const consult = createConsultService(peer, { deviceCert, authorize: (party) => hasLiveGrant(party), onRing: (ring) => show(ring) })
 * await consult.start()
 * const channel = await consult.ring({ to: { person, peerId, grantId }, addr: `${relay}/p2p-circuit/webrtc/p2p/${peerId}` })
 * const call = createMediaCall(channel, { iceServers: [] })          // browser: RTCPeerConnection, chat, stats
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
export { PrescriptionFormatError, PrescriptionTooLargeError, PrescriptionSignatureError, PrescriberMismatchError, ConsultMessageFormatError, CallNotAllowedError, CallDeclinedError, CallClosedError } from './errors.ts'
export { CallPhase, CallEndReason, IDLE, nextCallState, callStartedAt, type CallState, type CallEvent } from './call-state.ts'
export { encodeConsultMessage, decodeConsultMessage, DeclineReason, HangupReason, MAX_CONSULT_MESSAGE_BYTES, MAX_SDP_BYTES, MAX_CANDIDATE_BYTES, type ConsultMessage, type SignalMessage } from './signal-messages.ts'
export { parseChannelMessage, channelMessageText, MAX_CHAT_TEXT, MAX_CALL_FILE_BYTES, MAX_FILE_CHUNK_BYTES, MAX_FILE_NAME, type ChannelMessage } from './channel-messages.ts'
export { createMediaCall, MediaProblem, type MediaCall, type MediaCallInit, type MediaCallSnapshot, type ChatLine, type CallFile } from './media-call.ts'
export { callQuality, statsSample, QualityLevel, POOR_LOSS, FAIR_LOSS, POOR_RTT_MS, FAIR_RTT_MS, type CallQuality, type StatsSample } from './quality.ts'
export { visitRecordOf, MAX_VISIT_REASON, type VisitRecordInput, type VisitResource, type TranscriptLine, type SharedFile } from './visit-record.ts'
export { createConsultService, CONSULT_PROTOCOL, type ConsultService, type ConsultServiceInit, type CallParty, type IncomingRing, type RingOptions, type SignalChannel, type SignalEnd } from './signalling.ts'
