/**
 * Protocol id, version, signature label and size caps of `/phr/mailbox/1`. Every cap here
 * is checked before the bytes it bounds are parsed or allocated.
 */
import { DEFAULT_MAX_ENVELOPE_BYTES } from '../../envelope/index.ts'
import { SignatureLabel } from '../../crypto/index.ts'

/** The libp2p protocol id of the blind mailbox (DESIGN §7). */
export const MAILBOX_PROTOCOL = '/phr/mailbox/1'

/** Version carried in HELLO and WELCOME; a peer speaking another one is refused. */
export const MAILBOX_PROTOCOL_VERSION = 1

/**
 * Signature label of a mailbox registration (DESIGN §5, last bullet: one label per signed
 * type). Not a prefix of any label in `crypto/labels.ts`, nor they of it. It belongs in
 * `SignatureLabel`; until it is there, it is passed to `signLabelled` with a cast.
 */
export const MAILBOX_REGISTRATION_LABEL = SignatureLabel.mailboxRegistration

/** Most parties a registration may list (the owner is implied and not listed). */
export const MAX_REGISTRATION_PARTIES = 1024

/** Size cap of a signed registration: 1024 parties × 34 bytes plus the fixed fields fit. */
export const MAX_REGISTRATION_BYTES = 64 * 1024

/** Most device certificates a DEPOSIT may carry (for authors other than the depositing device). */
export const MAX_DEPOSIT_CERTS = 16

/** Most authors in a FETCH vector. */
export const MAX_VECTOR_AUTHORS = 4096

/** Longest error detail in an ERROR message, in UTF-8 bytes. */
export const MAX_ERROR_DETAIL_BYTES = 256

/** The size caps both ends apply; the server announces its own in WELCOME. */
export interface MailboxLimits {
  /** Largest message (one frame's payload), in bytes. */
  readonly maxMessageBytes: number
  /** Largest envelope accepted in a DEPOSIT or sent in ENVELOPES, in bytes. */
  readonly maxEnvelopeBytes: number
  /** Most envelopes in one DEPOSIT or ENVELOPES message. */
  readonly maxBatchEnvelopes: number
}

/** Room in a message for everything but its envelopes (type, doc id, certs, counts, length prefixes). */
export const MESSAGE_OVERHEAD_BYTES = 64 * 1024

/** Defaults: envelopes as large as the receive pipeline takes (4 MiB), 256 per batch. */
export const DEFAULT_MAILBOX_LIMITS: MailboxLimits = {
  maxEnvelopeBytes: DEFAULT_MAX_ENVELOPE_BYTES,
  maxMessageBytes: DEFAULT_MAX_ENVELOPE_BYTES + MESSAGE_OVERHEAD_BYTES,
  maxBatchEnvelopes: 256
}

/** Hard ceiling of any limit a peer announces: a WELCOME can never make us allocate more. */
export const MAX_MESSAGE_BYTES_CEILING = 64 * 1024 * 1024
