/**
 * Named errors of the sync layer (`/phr/sync/1`, `/phr/link/1`). Each has a stable `name`
 * that callers and tests switch on. Errors that mean "the remote peer misbehaved" extend
 * `PeerFaultError` (directly or through the format/size bases), so that the transport
 * binding can cut that peer off without guessing.
 */
import { FormatError, InputTooLargeError, PhrError } from '../lib/index.ts'

/** A sync message is not well-formed: unknown type, truncated, non-canonical, trailing bytes. */
export class SyncMessageFormatError extends FormatError {
  override name: string = 'SyncMessageFormatError'
}

/** A sync message (or the bytes buffered for one) exceeds its size cap; refused before parsing. */
export class SyncMessageTooLargeError extends InputTooLargeError {
  override name: string = 'SyncMessageTooLargeError'
}

/** Base of the errors that blame the remote peer (it is cut off and noted). */
export class PeerFaultError extends PhrError {
  override name: string = 'PeerFaultError'
}

/**
 * A well-formed message that the protocol does not allow at this point: a second HELLO,
 * anything before HELLO, envelopes for a doc that was not asked for, an ACK for nothing,
 * an unknown author index, forged or malformed envelopes inside ENVELOPES.
 */
export class SyncProtocolError extends PeerFaultError {
  override name: string = 'SyncProtocolError'
}

/** The peer's HELLO carried no device certificate, a forged one, or one for another PeerId. */
export class PeerCertificateError extends PeerFaultError {
  override name: string = 'PeerCertificateError'
}

/** The peer sent more messages per second than the session allows. */
export class PeerRateLimitError extends PeerFaultError {
  override name: string = 'PeerRateLimitError'
}

/** The peer opened more sync streams (at once, or per minute) than allowed. */
export class TooManyStreamsError extends PeerFaultError {
  override name: string = 'TooManyStreamsError'
}

/** The peer is on the ban list (it misbehaved recently). */
export class PeerBannedError extends PhrError {
  override name: string = 'PeerBannedError'
}

/** A network wait ran past its timeout (HELLO, a message's remaining bytes, drain, ACK, a callback). */
export class SyncTimeoutError extends PhrError {
  override name: string = 'SyncTimeoutError'
}

/** The session (or service) was closed while something waited on it. */
export class SyncClosedError extends PhrError {
  override name: string = 'SyncClosedError'
}

/** A device-link payload (QR / text) is malformed, too long, or for another protocol version. */
export class LinkPayloadFormatError extends FormatError {
  override name: string = 'LinkPayloadFormatError'
}

/** A `/phr/link/1` message is malformed or oversized. */
export class LinkMessageFormatError extends FormatError {
  override name: string = 'LinkMessageFormatError'
}

/** A link token is unknown, expired, already used, or its proof does not verify. */
export class LinkTokenError extends PhrError {
  override name: string = 'LinkTokenError'
}

/** The first device (or its user) declined to link the new device. */
export class LinkRejectedError extends PhrError {
  override name: string = 'LinkRejectedError'
}

/** A visit invite (QR / text) is malformed, too long, or for another protocol version. */
export class InvitePayloadFormatError extends FormatError {
  override name: string = 'InvitePayloadFormatError'
}

/** A `/phr/invite/1` message is malformed or oversized, or its grant, keys or certificate do not match the invite. */
export class InviteMessageFormatError extends FormatError {
  override name: string = 'InviteMessageFormatError'
}

/** An invite token is unknown, expired, already used, or its proof does not verify. */
export class InviteTokenError extends PhrError {
  override name: string = 'InviteTokenError'
}

/** The patient declined the doctor's request, or their device failed to answer it. */
export class InviteRejectedError extends PhrError {
  override name: string = 'InviteRejectedError'
}

/**
 * Whether `err` blames the remote peer: a `PeerFaultError`, or a sync message that was
 * malformed or oversized. Timeouts, closes and local failures are not peer faults.
 * @throws Never.
 */
export function isPeerFault(err: unknown): boolean {
  return err instanceof PeerFaultError || err instanceof SyncMessageFormatError || err instanceof SyncMessageTooLargeError
}
