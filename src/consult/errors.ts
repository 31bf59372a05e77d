/**
 * Named errors of e-prescriptions and of consultation calls. Each extends a base from `../lib/index.ts` and has a
 * stable `name` that callers and tests switch on.
 */
import { FormatError, InputTooLargeError, PhrError } from '../lib/index.ts'

/** A prescription text or JWS is malformed: bad prefix, not a compact JWS, non-canonical base64url, an unexpected header, a payload that is not the MedicationRequest this app signs. */
export class PrescriptionFormatError extends FormatError {
  override name: string = 'PrescriptionFormatError'
}

/** A prescription text, one of its parts, or its inflated payload exceeds its size cap (checked before parsing or inflating further). */
export class PrescriptionTooLargeError extends InputTooLargeError {
  override name: string = 'PrescriptionTooLargeError'
}

/** The JWS signature does not verify with the key its `kid` names: the prescription was changed after signing, or never signed by that key. */
export class PrescriptionSignatureError extends PhrError {
  override name: string = 'PrescriptionSignatureError'
}

/** Signing was asked with a practitioner credential that was issued to another key. */
export class PrescriberMismatchError extends PhrError {
  override name: string = 'PrescriberMismatchError'
}

/** A `/phr/consult/1` or call data-channel message is malformed, oversized, or not allowed at this point; the peer that sent it is cut off. */
export class ConsultMessageFormatError extends FormatError {
  override name: string = 'ConsultMessageFormatError'
}

/** There is no live grant between the two people (never given, expired or revoked): the call is refused. */
export class CallNotAllowedError extends PhrError {
  override name: string = 'CallNotAllowedError'
}

/** The other side declined the call, or is in another one. */
export class CallDeclinedError extends PhrError {
  override name: string = 'CallDeclinedError'
  /** Why, as the other side said. */
  readonly reason: 'declined' | 'busy' | 'no-answer'
  constructor(reason: 'declined' | 'busy' | 'no-answer', message: string) {
    super(message)
    this.reason = reason
  }
}

/** The call's signalling ended (hang-up, a drop, or it was closed) while something waited on it. */
export class CallClosedError extends PhrError {
  override name: string = 'CallClosedError'
}
