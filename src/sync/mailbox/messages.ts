/**
 * The messages of `/phr/mailbox/1`, in lib0's binary format. Each message is one frame
 * (see `framing.ts`) and starts with its type byte:
 *
 * ```
 * client → mailbox
 * HELLO      0x01 ‖ protocolVersion (varuint) ‖ deviceCert (varbytes, 0..1024; empty = no person)
 * REGISTER   0x02 ‖ registration (varbytes, 1..65536)
 * DEPOSIT    0x03 ‖ docId (16) ‖ certCount (varuint ≤ 16) ‖ certCount × deviceCert (varbytes, 1..1024)
 *                 ‖ count (varuint, 1..maxBatchEnvelopes) ‖ count × envelope (varbytes, 1..maxEnvelopeBytes)
 * FETCH      0x04 ‖ docId (16) ‖ cursor (varuint) ‖ maxEnvelopes (varuint ≥ 1) ‖ maxBytes (varuint ≥ 1)
 *                 ‖ authors (varuint ≤ 4096) ‖ authors × (author (32) ‖ seq (varuint ≥ 1))
 * mailbox → client
 * ERROR      0x80 ‖ code (varuint, MailboxErrorCode) ‖ detail (varstring ≤ 256 bytes)
 * WELCOME    0x81 ‖ protocolVersion ‖ maxMessageBytes ‖ maxEnvelopeBytes ‖ maxBatchEnvelopes (varuints)
 * REGISTERED 0x82 ‖ docId (16) ‖ version (varuint ≥ 1)
 * DEPOSITED  0x83 ‖ docId (16) ‖ stored (varuint) ‖ skipped (varuint)
 * ENVELOPES  0x84 ‖ docId (16) ‖ cursor (varuint) ‖ more (0x00 | 0x01)
 *                 ‖ count (varuint ≤ maxBatchEnvelopes) ‖ count × envelope (varbytes, 1..maxEnvelopeBytes)
 * ```
 *
 * A FETCH vector is sorted by author bytes, strictly ascending. The decoder accepts only
 * the canonical encoding and throws `MailboxMessageFormatError` for anything else; the
 * envelopes inside are opaque here (the mailbox checks them with `verifyEnvelope`).
 */
import {
  AUTHOR_KEY_LENGTH,
  createReader,
  createWriter,
  DOC_ID_LENGTH,
  fromHex,
  isAuthorHex,
  toHex,
  type DocId,
  type Reader
} from '../../lib/index.ts'
import { MAX_DEVICE_CERT_BYTES } from '../../crypto/index.ts'
import { MailboxMessageFormatError } from './errors.ts'
import {
  MAX_DEPOSIT_CERTS,
  MAX_ERROR_DETAIL_BYTES,
  MAX_MESSAGE_BYTES_CEILING,
  MAX_REGISTRATION_BYTES,
  MAX_VECTOR_AUTHORS,
  type MailboxLimits
} from './limits.ts'

/** Type bytes. */
export const MailboxMessageType = {
  hello: 0x01,
  register: 0x02,
  deposit: 0x03,
  fetch: 0x04,
  error: 0x80,
  welcome: 0x81,
  registered: 0x82,
  deposited: 0x83,
  envelopes: 0x84
} as const

/** Wire codes of ERROR; each maps to one named error class (see `wire-errors.ts`). */
export const MailboxErrorCode = {
  /** The message could not be decoded. */
  malformed: 1,
  /** The frame exceeded the mailbox's cap. */
  tooLarge: 2,
  /** A message out of order. */
  protocol: 3,
  /** HELLO's device certificate was refused. */
  helloRefused: 4,
  /** Not registered, or not on the list for this operation. */
  accessDenied: 5,
  /** Registration signature invalid or signed by another owner. */
  registrationRefused: 6,
  /** Registration not newer than the held one. */
  staleRegistration: 7,
  /** Quota exceeded; nothing of the batch stored. */
  quotaExceeded: 8,
  /** An envelope of the batch was refused; nothing of it stored. */
  envelopeRefused: 9,
  /** At capacity or rate-limited. */
  busy: 10,
  /** Internal failure. */
  internal: 11,
  /** A wait timed out. */
  timeout: 12
} as const

/** A vector: author (64 lowercase hex digits) → highest seq the fetcher holds. */
export type MailboxVector = ReadonlyMap<string, number>

/** HELLO: the first message of every session. */
export interface HelloMessage {
  readonly type: 'hello'
  readonly version: number
  /** The device's certificate; `undefined` for a device listed only by PeerId. */
  readonly deviceCert: Uint8Array | undefined
}
/** REGISTER: a signed registration. */
export interface RegisterMessage {
  readonly type: 'register'
  readonly registration: Uint8Array
}
/** DEPOSIT: envelopes of one doc, with certificates of authors other than the depositing device. */
export interface DepositMessage {
  readonly type: 'deposit'
  readonly docId: DocId
  readonly certs: readonly Uint8Array[]
  readonly envelopes: readonly Uint8Array[]
}
/** FETCH: a page of the doc's envelopes not covered by `vector`, after `cursor`. */
export interface FetchMessage {
  readonly type: 'fetch'
  readonly docId: DocId
  readonly cursor: number
  readonly maxEnvelopes: number
  readonly maxBytes: number
  readonly vector: MailboxVector
}
/** ERROR: the request was refused (or the session is being cut off). */
export interface ErrorMessage {
  readonly type: 'error'
  readonly code: number
  readonly detail: string
}
/** WELCOME: reply to HELLO, with the mailbox's limits. */
export interface WelcomeMessage {
  readonly type: 'welcome'
  readonly version: number
  readonly limits: MailboxLimits
}
/** REGISTERED: the registration now held for the doc. */
export interface RegisteredMessage {
  readonly type: 'registered'
  readonly docId: DocId
  readonly version: number
}
/** DEPOSITED: the ACK of a deposit. */
export interface DepositedMessage {
  readonly type: 'deposited'
  readonly docId: DocId
  /** Envelopes newly stored. */
  readonly stored: number
  /** Envelopes already held, or covered by a held snapshot. */
  readonly skipped: number
}
/** ENVELOPES: one page of a fetch. */
export interface EnvelopesMessage {
  readonly type: 'envelopes'
  readonly docId: DocId
  /** Pass back in the next FETCH to continue after this page. */
  readonly cursor: number
  /** Whether more envelopes wait after this page. */
  readonly more: boolean
  readonly envelopes: readonly Uint8Array[]
}

/** What a client sends. */
export type ClientMessage = HelloMessage | RegisterMessage | DepositMessage | FetchMessage
/** What a mailbox sends. */
export type ServerMessage = ErrorMessage | WelcomeMessage | RegisteredMessage | DepositedMessage | EnvelopesMessage
/** Any mailbox message. */
export type MailboxMessage = ClientMessage | ServerMessage

function writeVector(w: ReturnType<typeof createWriter>, vector: MailboxVector): void {
  // checked through `unknown`: narrowing a ReadonlyMap by `instanceof Map` widens it to Map<any, any>
  if (!((vector as unknown) instanceof Map)) throw new TypeError('vector: expected a Map of author hex → seq')
  if (vector.size > MAX_VECTOR_AUTHORS) throw new RangeError(`vector: more than ${MAX_VECTOR_AUTHORS} authors`)
  w.varUint(vector.size)
  // lowercase hex sorts like the bytes it spells: this is the canonical byte order
  for (const author of [...vector.keys()].sort()) {
    if (!isAuthorHex(author)) throw new RangeError('vector: a key is not 64 lowercase hex digits')
    const seq = vector.get(author)
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`vector[${author}]: expected an integer ≥ 1`)
    w.bytes(fromHex(author)).varUint(seq)
  }
}

function checkDocId(docId: Uint8Array): void {
  if (!(docId instanceof Uint8Array) || docId.length !== DOC_ID_LENGTH) throw new RangeError(`docId: expected ${DOC_ID_LENGTH} bytes`)
}

function checkCount(value: number, label: string, min = 0): void {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${label}: expected an integer ≥ ${min}`)
}

/**
 * Encodes a message. Validates what the decoder would refuse, so that we never send
 * what a peer must reject.
 * @throws {TypeError} if a field has the wrong type.
 * @throws {RangeError} if a field is out of range.
 * @example encodeMailboxMessage({ type: 'fetch', docId, cursor: 0, maxEnvelopes: 256, maxBytes: 1 << 20, vector: new Map() })
 */
export function encodeMailboxMessage(message: MailboxMessage): Uint8Array {
  const w = createWriter().byte(MailboxMessageType[message.type])
  switch (message.type) {
    case 'hello':
      checkCount(message.version, 'version')
      return w.varUint(message.version).varBytes(message.deviceCert ?? new Uint8Array(0)).finish()
    case 'register':
      return w.varBytes(message.registration).finish()
    case 'deposit':
      checkDocId(message.docId)
      if (message.certs.length > MAX_DEPOSIT_CERTS) throw new RangeError(`certs: more than ${MAX_DEPOSIT_CERTS}`)
      if (message.envelopes.length === 0) throw new RangeError('envelopes: a deposit needs at least one')
      w.bytes(message.docId).varUint(message.certs.length)
      for (const c of message.certs) w.varBytes(c)
      w.varUint(message.envelopes.length)
      for (const e of message.envelopes) w.varBytes(e)
      return w.finish()
    case 'fetch':
      checkDocId(message.docId)
      checkCount(message.cursor, 'cursor')
      checkCount(message.maxEnvelopes, 'maxEnvelopes', 1)
      checkCount(message.maxBytes, 'maxBytes', 1)
      w.bytes(message.docId).varUint(message.cursor).varUint(message.maxEnvelopes).varUint(message.maxBytes)
      writeVector(w, message.vector)
      return w.finish()
    case 'error':
      checkCount(message.code, 'code')
      return w.varUint(message.code).varString(truncateUtf8(message.detail, MAX_ERROR_DETAIL_BYTES)).finish()
    case 'welcome':
      checkCount(message.version, 'version')
      return w
        .varUint(message.version)
        .varUint(message.limits.maxMessageBytes)
        .varUint(message.limits.maxEnvelopeBytes)
        .varUint(message.limits.maxBatchEnvelopes)
        .finish()
    case 'registered':
      checkDocId(message.docId)
      checkCount(message.version, 'version', 1)
      return w.bytes(message.docId).varUint(message.version).finish()
    case 'deposited':
      checkDocId(message.docId)
      checkCount(message.stored, 'stored')
      checkCount(message.skipped, 'skipped')
      return w.bytes(message.docId).varUint(message.stored).varUint(message.skipped).finish()
    case 'envelopes':
      checkDocId(message.docId)
      checkCount(message.cursor, 'cursor')
      w.bytes(message.docId).varUint(message.cursor).byte(message.more ? 1 : 0).varUint(message.envelopes.length)
      for (const e of message.envelopes) w.varBytes(e)
      return w.finish()
  }
}

/** Cuts text to at most `maxBytes` UTF-8 bytes without splitting a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  const encoder = new TextEncoder()
  if (encoder.encode(text).length <= maxBytes) return text
  let out = ''
  let n = 0
  for (const ch of text.replace(/\p{Cs}/gu, '\ufffd')) {
    const len = encoder.encode(ch).length
    if (n + len > maxBytes) break
    out += ch
    n += len
  }
  return out
}

function readList(r: Reader, label: string, max: number, maxItemBytes: number): Uint8Array[] {
  const count = r.varUint(`${label} count`, 0, max)
  // each item takes at least 2 bytes (length + 1): refuse an impossible count before reading
  if (count * 2 > r.remaining) throw new MailboxMessageFormatError(`${label}: count ${count} exceeds the input`)
  const items: Uint8Array[] = []
  for (let i = 0; i < count; i++) items.push(r.varBytes(label, 1, maxItemBytes))
  return items
}

function readVector(r: Reader): Map<string, number> {
  const count = r.varUint('vector count', 0, MAX_VECTOR_AUTHORS)
  if (count * (AUTHOR_KEY_LENGTH + 1) > r.remaining) throw new MailboxMessageFormatError('vector: count exceeds the input')
  const vector = new Map<string, number>()
  let previous = ''
  for (let i = 0; i < count; i++) {
    const author = toHex(r.bytes('vector author', AUTHOR_KEY_LENGTH))
    if (author <= previous) throw new MailboxMessageFormatError('vector: authors not in strictly ascending order')
    previous = author
    vector.set(author, r.varUint('vector seq', 1))
  }
  return vector
}

function readDocId(r: Reader): DocId {
  return r.bytes('docId', DOC_ID_LENGTH) as DocId
}

/**
 * Decodes one message (the payload of one frame). Byte fields are views into `bytes`.
 * `limits` are the receiver's own caps (for a client: the ones the mailbox announced,
 * themselves capped by `MAX_MESSAGE_BYTES_CEILING`).
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {MailboxMessageFormatError} for anything but one canonical message.
 * @example decodeMailboxMessage(frame, DEFAULT_MAILBOX_LIMITS).type // 'fetch'
 */
export function decodeMailboxMessage(bytes: Uint8Array, limits: MailboxLimits): MailboxMessage {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`message: expected Uint8Array, got ${typeof bytes}`)
  const r = createReader(bytes, MailboxMessageFormatError)
  const type = r.byte('message type')
  let message: MailboxMessage
  switch (type) {
    case MailboxMessageType.hello: {
      const version = r.varUint('version')
      const cert = r.varBytes('deviceCert', 0, MAX_DEVICE_CERT_BYTES)
      message = { type: 'hello', version, deviceCert: cert.length === 0 ? undefined : cert }
      break
    }
    case MailboxMessageType.register:
      message = { type: 'register', registration: r.varBytes('registration', 1, MAX_REGISTRATION_BYTES) }
      break
    case MailboxMessageType.deposit: {
      const docId = readDocId(r)
      const certs = readList(r, 'certs', MAX_DEPOSIT_CERTS, MAX_DEVICE_CERT_BYTES)
      const envelopes = readList(r, 'envelopes', limits.maxBatchEnvelopes, limits.maxEnvelopeBytes)
      if (envelopes.length === 0) throw new MailboxMessageFormatError('deposit: no envelopes')
      message = { type: 'deposit', docId, certs, envelopes }
      break
    }
    case MailboxMessageType.fetch: {
      const docId = readDocId(r)
      const cursor = r.varUint('cursor')
      const maxEnvelopes = r.varUint('maxEnvelopes', 1)
      const maxBytes = r.varUint('maxBytes', 1)
      message = { type: 'fetch', docId, cursor, maxEnvelopes, maxBytes, vector: readVector(r) }
      break
    }
    case MailboxMessageType.error:
      message = { type: 'error', code: r.varUint('code'), detail: r.varString('detail', MAX_ERROR_DETAIL_BYTES) }
      break
    case MailboxMessageType.welcome: {
      const version = r.varUint('version')
      const maxMessageBytes = r.varUint('maxMessageBytes', 1, MAX_MESSAGE_BYTES_CEILING)
      const maxEnvelopeBytes = r.varUint('maxEnvelopeBytes', 1, maxMessageBytes)
      const maxBatchEnvelopes = r.varUint('maxBatchEnvelopes', 1, maxMessageBytes)
      message = { type: 'welcome', version, limits: { maxMessageBytes, maxEnvelopeBytes, maxBatchEnvelopes } }
      break
    }
    case MailboxMessageType.registered:
      message = { type: 'registered', docId: readDocId(r), version: r.varUint('version', 1) }
      break
    case MailboxMessageType.deposited:
      message = { type: 'deposited', docId: readDocId(r), stored: r.varUint('stored'), skipped: r.varUint('skipped') }
      break
    case MailboxMessageType.envelopes: {
      const docId = readDocId(r)
      const cursor = r.varUint('cursor')
      const more = r.byte('more')
      if (more > 1) throw new MailboxMessageFormatError(`envelopes: more flag ${more} is not 0 or 1`)
      const envelopes = readList(r, 'envelopes', limits.maxBatchEnvelopes, limits.maxEnvelopeBytes)
      message = { type: 'envelopes', docId, cursor, more: more === 1, envelopes }
      break
    }
    default:
      throw new MailboxMessageFormatError(`message: unknown type 0x${type.toString(16).padStart(2, '0')}`)
  }
  r.end('message')
  return message
}
