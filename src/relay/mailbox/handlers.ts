/**
 * The mailbox's answers to REGISTER, DEPOSIT and FETCH, for a session whose HELLO was
 * accepted. Each throws a named refusal (sent back as an ERROR) or returns the reply.
 */
import { AuthorNotAllowedError, equalBytes } from '../../lib/index.ts'
import { parseEnvelopeHeader, verifyEnvelope, type EnvelopeHeader } from '../../envelope/index.ts'
import {
  MailboxAccessDeniedError,
  MailboxEnvelopeRefusedError,
  MailboxRegistrationRefusedError,
  MailboxRight,
  MESSAGE_OVERHEAD_BYTES,
  verifyRegistration,
  type DepositMessage,
  type DepositedMessage,
  type EnvelopesMessage,
  type FetchMessage,
  type MailboxLimits,
  type RegisterMessage,
  type RegisteredMessage
} from '../../sync/mailbox/index.ts'
import { authorCheck, devicePersonsOf, mayUse, type Identity } from './access.ts'
import type { DepositEntry, MailboxStore, StoredRegistration } from './store.ts'

/** What the handlers work with. */
export interface HandlerContext {
  readonly store: MailboxStore
  readonly limits: MailboxLimits
}

/** Envelope signatures checked between yields to the event loop (~1.5 ms each on a slow core). */
const VERIFY_SLICE = 8

function describe(err: unknown): string {
  const e = err instanceof Error ? err : new Error(String(err))
  return `${e.name}: ${e.message}`
}

function registered(ctx: HandlerContext, docId: Uint8Array, who: Identity, right: number, what: string): StoredRegistration {
  const reg = ctx.store.registration(docId)
  if (reg === undefined || !mayUse(ctx.store, docId, reg, who, right)) {
    // one answer for "unknown doc" and "not on the list": never reveal which doc ids are held
    throw new MailboxAccessDeniedError(`${what}: the doc is not registered here, or you may not ${what} it`)
  }
  return reg
}

/**
 * REGISTER: verify the owner's signature, then store (first registrant owns the doc).
 * @throws {MailboxRegistrationRefusedError | MailboxStaleRegistrationError | MailboxQuotaExceededError}
 */
export function handleRegister(ctx: HandlerContext, msg: RegisterMessage): RegisteredMessage {
  let reg
  try {
    reg = verifyRegistration(msg.registration)
  } catch (err) {
    throw new MailboxRegistrationRefusedError(`registration refused (${describe(err)})`, { cause: err })
  }
  const { version } = ctx.store.register(reg, msg.registration)
  return { type: 'registered', docId: reg.docId, version }
}

/**
 * Checks one deposited envelope without any key: size cap, structure, allowed author, and
 * authorship. An envelope whose author is the depositor itself is proven by the channel:
 * Noise authenticated the depositor's key, which is the author key, so its signature is
 * left to the readers, who verify every envelope before decrypting (DESIGN §5) — a bad
 * one can only waste its own author's quota. An envelope by anyone else (a device
 * forwarding what it received) must carry a valid signature.
 * @throws what `verifyEnvelope` / `parseEnvelopeHeader` throw, `AuthorNotAllowedError` included
 */
function checkDeposited(
  bytes: Uint8Array,
  who: Identity,
  maxBytes: number,
  allowed: (author: Uint8Array, header: EnvelopeHeader) => boolean
): { header: EnvelopeHeader; verified: boolean } {
  const header = parseEnvelopeHeader(bytes, { maxBytes })
  if (who.deviceKey === undefined || !equalBytes(header.author, who.deviceKey)) return { header: verifyEnvelope(bytes, { maxBytes, isAllowed: allowed }), verified: true }
  if (!allowed(header.author, header)) throw new AuthorNotAllowedError('envelope: author is not allowed to write this doc at this epoch')
  return { header, verified: false }
}

/**
 * DEPOSIT: the depositor must hold the deposit right; every envelope must be well-formed,
 * of this doc, by an allowed author, and either the depositor's own (authenticated by the
 * channel) or correctly signed (checked without any key); then the batch is stored in one
 * transaction.
 * @throws {MailboxAccessDeniedError | MailboxEnvelopeRefusedError | MailboxQuotaExceededError}
 */
export async function handleDeposit(ctx: HandlerContext, msg: DepositMessage, who: Identity): Promise<DepositedMessage> {
  const reg = registered(ctx, msg.docId, who, MailboxRight.deposit, 'deposit')
  let devicePersons
  try {
    devicePersons = devicePersonsOf(who, msg.certs)
  } catch (err) {
    throw new MailboxEnvelopeRefusedError(`deposit: a device certificate was refused (${describe(err)})`, { cause: err })
  }
  const allowed = authorCheck(ctx.store, msg.docId, reg, devicePersons)
  const entries: DepositEntry[] = []
  let verified = 0
  for (let i = 0; i < msg.envelopes.length; i++) {
    const bytes = msg.envelopes[i] as Uint8Array
    let header
    try {
      const checked = checkDeposited(bytes, who, ctx.limits.maxEnvelopeBytes, allowed)
      header = checked.header
      // keep the relay responsive to other peers while a large batch of signatures is checked
      if (checked.verified && ++verified % VERIFY_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve))
    } catch (err) {
      throw new MailboxEnvelopeRefusedError(`deposit: envelope ${i} refused (${describe(err)})`, { cause: err })
    }
    if (!equalBytes(header.docId, msg.docId)) throw new MailboxEnvelopeRefusedError(`deposit: envelope ${i} belongs to another doc`)
    entries.push({ header, bytes })
  }
  const { stored, skipped } = ctx.store.deposit(msg.docId, reg.ownerKey, entries)
  return { type: 'deposited', docId: msg.docId, stored, skipped }
}

/**
 * FETCH: the fetcher must hold the fetch right; returns one page, bounded by the smaller
 * of the request's and the mailbox's limits.
 * @throws {MailboxAccessDeniedError}
 */
export function handleFetch(ctx: HandlerContext, msg: FetchMessage, who: Identity): EnvelopesMessage {
  registered(ctx, msg.docId, who, MailboxRight.fetch, 'fetch')
  const maxEnvelopes = Math.min(msg.maxEnvelopes, ctx.limits.maxBatchEnvelopes)
  const maxBytes = Math.max(1, Math.min(msg.maxBytes, ctx.limits.maxMessageBytes - MESSAGE_OVERHEAD_BYTES))
  const page = ctx.store.fetch(msg.docId, msg.vector, msg.cursor, maxEnvelopes, maxBytes)
  return { type: 'envelopes', docId: msg.docId, cursor: page.cursor, more: page.more, envelopes: page.envelopes }
}
