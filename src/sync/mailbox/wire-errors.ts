/**
 * The mapping between the mailbox's named errors and the codes of an ERROR message, used
 * by the server to say why and by the client to throw the same named error.
 */
import type { PhrError } from '../../lib/index.ts'
import {
  MailboxAccessDeniedError,
  MailboxBusyError,
  MailboxEnvelopeRefusedError,
  MailboxHelloRefusedError,
  MailboxMessageFormatError,
  MailboxMessageTooLargeError,
  MailboxProtocolError,
  MailboxQuotaExceededError,
  MailboxRegistrationRefusedError,
  MailboxServerError,
  MailboxStaleRegistrationError,
  MailboxTimeoutError
} from './errors.ts'
import { MailboxErrorCode } from './messages.ts'

type Code = (typeof MailboxErrorCode)[keyof typeof MailboxErrorCode]

const CLASSES: ReadonlyArray<readonly [Code, new (message: string) => PhrError]> = [
  [MailboxErrorCode.malformed, MailboxMessageFormatError],
  [MailboxErrorCode.tooLarge, MailboxMessageTooLargeError],
  [MailboxErrorCode.protocol, MailboxProtocolError],
  [MailboxErrorCode.helloRefused, MailboxHelloRefusedError],
  [MailboxErrorCode.accessDenied, MailboxAccessDeniedError],
  [MailboxErrorCode.registrationRefused, MailboxRegistrationRefusedError],
  [MailboxErrorCode.staleRegistration, MailboxStaleRegistrationError],
  [MailboxErrorCode.quotaExceeded, MailboxQuotaExceededError],
  [MailboxErrorCode.envelopeRefused, MailboxEnvelopeRefusedError],
  [MailboxErrorCode.busy, MailboxBusyError],
  [MailboxErrorCode.timeout, MailboxTimeoutError],
  [MailboxErrorCode.internal, MailboxServerError]
]

/**
 * The wire code for an error the server is about to report; `internal` for anything
 * that is not one of the mailbox's named errors (its message is then not sent).
 * @throws Never.
 */
export function codeOfMailboxError(err: unknown): Code {
  for (const [code, Class] of CLASSES) if (err instanceof Class) return code
  return MailboxErrorCode.internal
}

/**
 * The named error for a received ERROR message. An unknown code becomes a
 * `MailboxServerError` that names it.
 * @throws Never.
 */
export function mailboxErrorOfCode(code: number, detail: string): PhrError {
  const Class = CLASSES.find(([c]) => c === code)?.[1]
  const message = `mailbox: ${detail === '' ? 'refused' : detail}`
  return Class === undefined ? new MailboxServerError(`${message} (unknown error code ${code})`) : new Class(message)
}
