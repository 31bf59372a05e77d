/**
 * The blind mailbox protocol `/phr/mailbox/1` (DESIGN §7): its wire codec, the signed
 * registration, and the client. An owner registers a doc with a signed list of who may
 * fetch and deposit; any listed party deposits sealed envelopes while the others are
 * offline and fetches what it missed. The mailbox sees doc ids, authors, sequence
 * numbers and sizes — never keys or content. The server lives in `src/relay/mailbox/`.
 *
 * @example
 * ```ts
 * import { createMailboxClient, signRegistration } from '../sync/mailbox/index.ts'
 *
 * const mailbox = createMailboxClient(node, { mailbox: relayAddr, deviceCert })
 * await mailbox.register(signRegistration({ docId, version: 1, issuedAt: Date.now(),
 *   parties: [{ person: doctorDid, fetch: true, deposit: true }] }, root.secretKey))
 * await mailbox.deposit(docId, envelopes)                      // device A, while B is offline
 * const { envelopes } = await mailbox.fetch(docId, { vector: persistence.vector() }) // device B, later
 * await persistence.receive(envelopes)
 * ```
 * @packageDocumentation
 */
export {
  MAILBOX_PROTOCOL,
  MAILBOX_PROTOCOL_VERSION,
  MAILBOX_REGISTRATION_LABEL,
  MAX_REGISTRATION_PARTIES,
  MAX_REGISTRATION_BYTES,
  MAX_DEPOSIT_CERTS,
  MAX_VECTOR_AUTHORS,
  MAX_ERROR_DETAIL_BYTES,
  MAX_MESSAGE_BYTES_CEILING,
  MESSAGE_OVERHEAD_BYTES,
  DEFAULT_MAILBOX_LIMITS
} from './limits.ts'
export type { MailboxLimits } from './limits.ts'
export {
  MailboxMessageFormatError,
  MailboxMessageTooLargeError,
  MailboxRegistrationFormatError,
  MailboxProtocolError,
  MailboxHelloRefusedError,
  MailboxAccessDeniedError,
  MailboxRegistrationRefusedError,
  MailboxStaleRegistrationError,
  MailboxQuotaExceededError,
  MailboxEnvelopeRefusedError,
  MailboxBusyError,
  MailboxServerError,
  MailboxTimeoutError,
  MailboxClosedError
} from './errors.ts'
export { signRegistration, verifyRegistration, decodeRegistration, PartyKind, MailboxRight } from './registration.ts'
export type { MailboxParty, RegistrationFields, Registration, RegisteredParty } from './registration.ts'
export { encodeMailboxMessage, decodeMailboxMessage, MailboxMessageType, MailboxErrorCode } from './messages.ts'
export type {
  MailboxVector,
  MailboxMessage,
  ClientMessage,
  ServerMessage,
  HelloMessage,
  RegisterMessage,
  DepositMessage,
  FetchMessage,
  ErrorMessage,
  WelcomeMessage,
  RegisteredMessage,
  DepositedMessage,
  EnvelopesMessage
} from './messages.ts'
export { codeOfMailboxError, mailboxErrorOfCode } from './wire-errors.ts'
export { createMailboxFramedStream, mailboxFrameOf, MAX_MAILBOX_FRAME_BYTES } from './framing.ts'
export type { MailboxFramedStream, MailboxFramedStreamInit, ByteBudget } from './framing.ts'
export { mailboxDeadline, withMailboxDeadline } from './deadline.ts'
export type { MailboxDeadline } from './deadline.ts'
export { ed25519OfPeerId, peerIdOfEd25519 } from './peer-key.ts'
export { createMailboxClient } from './client.ts'
export type {
  MailboxClient,
  MailboxClientInit,
  MailboxDialer,
  MailboxCallOptions,
  MailboxDepositOptions,
  MailboxFetchOptions,
  MailboxDepositResult,
  MailboxFetchResult
} from './client.ts'
