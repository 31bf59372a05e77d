/**
 * Named errors of the blind mailbox (`/phr/mailbox/1`). The server throws them while
 * serving and sends their wire code in an ERROR message; the client turns a received code
 * back into the same class (`errorFromCode`), so both sides switch on one `name`.
 */
import { FormatError, InputTooLargeError, PhrError } from '../../lib/index.ts'

/** A mailbox message is malformed (unknown type, truncated, non-canonical, trailing bytes…). */
export class MailboxMessageFormatError extends FormatError {
  override name: string = 'MailboxMessageFormatError'
}

/** A frame announces or carries more bytes than the receiver's cap; nothing of it is parsed. */
export class MailboxMessageTooLargeError extends InputTooLargeError {
  override name: string = 'MailboxMessageTooLargeError'
}

/** Signed-registration bytes are malformed. */
export class MailboxRegistrationFormatError extends FormatError {
  override name: string = 'MailboxRegistrationFormatError'
}

/** A well-formed message arrived out of order (no HELLO first, a reply type from a client, a request before the previous reply). */
export class MailboxProtocolError extends PhrError {
  override name: string = 'MailboxProtocolError'
}

/** HELLO was refused: its device certificate does not verify or binds another PeerId. */
export class MailboxHelloRefusedError extends PhrError {
  override name: string = 'MailboxHelloRefusedError'
}

/**
 * The doc is not registered here, or the asking person/device is not on its signed list
 * for this operation. One error for both, so that the mailbox never tells a stranger
 * which doc ids it holds.
 */
export class MailboxAccessDeniedError extends PhrError {
  override name: string = 'MailboxAccessDeniedError'
}

/** A registration was refused: its signature does not verify, or it is signed by someone other than the doc's first registrant. */
export class MailboxRegistrationRefusedError extends PhrError {
  override name: string = 'MailboxRegistrationRefusedError'
}

/** A registration is not newer than the one held (a lower version, or the same version with other content). */
export class MailboxStaleRegistrationError extends PhrError {
  override name: string = 'MailboxStaleRegistrationError'
}

/** Storing the batch would exceed the owner's quota (bytes, envelopes or docs) or the mailbox's total; nothing of it was stored. */
export class MailboxQuotaExceededError extends PhrError {
  override name: string = 'MailboxQuotaExceededError'
}

/** An envelope of a deposit was refused (bad signature, malformed, wrong doc, author not on the list); nothing of the batch was stored. */
export class MailboxEnvelopeRefusedError extends PhrError {
  override name: string = 'MailboxEnvelopeRefusedError'
}

/** The mailbox is at capacity (sessions, buffered bytes) or the peer exceeded its request rate. */
export class MailboxBusyError extends PhrError {
  override name: string = 'MailboxBusyError'
}

/** The mailbox failed internally (e.g. its database); the request may be retried. */
export class MailboxServerError extends PhrError {
  override name: string = 'MailboxServerError'
}

/** A wait on the mailbox stream passed its timeout. */
export class MailboxTimeoutError extends PhrError {
  override name: string = 'MailboxTimeoutError'
}

/** The stream closed before the expected message arrived. */
export class MailboxClosedError extends PhrError {
  override name: string = 'MailboxClosedError'
}
