/**
 * The `/phr/sync/1` messages (DESIGN §7), in lib0's binary format. Each message is one
 * length-prefixed frame on the stream (unsigned varint length, then the message); the
 * message starts with a type byte:
 *
 * ```
 * HELLO     0x01 ‖ cert (varBytes 1..1024: the sender's DeviceCert)
 *                ‖ n (varuint ≤ maxGrants) ‖ n × grant (varBytes 1..maxGrantBytes, opaque)
 * WANT      0x02 ‖ a (varuint ≤ maxWantAuthors) ‖ a × author (32 bytes, appended to the
 *                  sender's author table for this session)
 *                ‖ d (varuint 1..maxWantDocs) ‖ d × ( docId (16) ‖ k (varuint ≤ maxVectorEntries)
 *                  ‖ k × ( author index (varuint, strictly ascending) ‖ seq (varuint ≥ 1) ) )
 * ENVELOPES 0x03 ‖ docId (16) ‖ n (varuint 1..maxEnvelopesPerMessage) ‖ n × envelope (varBytes 1..maxEnvelopeBytes)
 * KEYS      0x04 ‖ docId (16) ‖ n (varuint 1..maxKeys) ‖ n × wrapped key (varBytes 1..maxKeyBytes, opaque)
 * DENIED    0x05 ‖ docId (16) ‖ reason (1 = not allowed, 2 = not held)
 * DONE      0x06 ‖ want (varuint: index of the WANT, counted from 0 in this session)
 * ACK       0x07 ‖ count (varuint ≥ 1: ENVELOPES and PART messages processed since the last ACK)
 * PART      0x08 ‖ docId (16) ‖ total (varuint, maxEnvelopeBytes < total ≤ maxSnapshotBytes)
 *                ‖ offset (varuint) ‖ piece (varBytes 1..maxEnvelopeBytes; offset + length ≤ total)
 * ```
 *
 * PART carries one snapshot envelope larger than `maxEnvelopeBytes` (a whole compartment)
 * in pieces, in order from offset 0, nothing else interleaved for that session; the
 * receiver reassembles it and handles it as a one-envelope ENVELOPES.
 *
 * Vectors name authors by their index in a per-session, per-direction table, so that an
 * up-to-date doc costs its 16-byte id plus about 3 bytes per author in WANT. Docs in one
 * WANT are distinct. The decoder is strict (canonical varuints, no trailing bytes) and
 * checks the size cap of the message and of its type before parsing anything.
 */
import { assertBytes, assertBytesInRange, assertUint, createReader, createWriter, DOC_ID_LENGTH, toHex, AUTHOR_KEY_LENGTH, type Reader } from '../../lib/index.ts'
import { MAX_DEVICE_CERT_BYTES } from '../../crypto/index.ts'
import { SyncMessageFormatError, SyncMessageTooLargeError } from '../errors.ts'
import { DEFAULT_SYNC_LIMITS, type SyncLimits } from './limits.ts'

/** Type byte of each message. */
export const SyncMessageType = {
  /** Device certificate and grants presented; first message each way. */
  hello: 0x01,
  /** Doc ids and vectors the sender asks for. */
  want: 0x02,
  /** A batch of sealed envelopes of one doc. */
  envelopes: 0x03,
  /** Wrapped keys of one doc for the asker. */
  keys: 0x04,
  /** One doc will not be served. */
  denied: 0x05,
  /** Every doc of one WANT has been served or denied. */
  done: 0x06,
  /** ENVELOPES / PART messages processed (flow control). */
  ack: 0x07,
  /** A piece of one snapshot envelope too large for one message. */
  part: 0x08
} as const

/** Why a doc is not served. */
export const DeniedReason = {
  /** The authorizer refused the asker. */
  notAllowed: 1,
  /** Allowed, but this peer does not hold the doc. */
  notHeld: 2
} as const
/** One of the denial reasons. */
export type DeniedReason = (typeof DeniedReason)[keyof typeof DeniedReason]

/** A doc entry of WANT: author indexes refer to the sender's session author table. */
export interface WantDoc {
  docId: Uint8Array
  /** [author index, seq] pairs, indexes strictly ascending. */
  vector: Array<readonly [number, number]>
}

/** A decoded sync message. Byte fields are views into the decoded buffer. */
export type SyncMessage =
  | { type: 'hello'; cert: Uint8Array; grants: Uint8Array[] }
  | { type: 'want'; authors: Uint8Array[]; docs: WantDoc[] }
  | { type: 'envelopes'; docId: Uint8Array; envelopes: Uint8Array[] }
  | { type: 'keys'; docId: Uint8Array; keys: Uint8Array[] }
  | { type: 'denied'; docId: Uint8Array; reason: DeniedReason }
  | { type: 'done'; want: number }
  | { type: 'ack'; count: number }
  | { type: 'part'; docId: Uint8Array; total: number; offset: number; piece: Uint8Array }

/** The limits the codec enforces. */
export type CodecLimits = Pick<
  SyncLimits,
  | 'maxMessageBytes'
  | 'maxEnvelopeBytes'
  | 'maxSnapshotBytes'
  | 'maxEnvelopesPerMessage'
  | 'maxWantDocs'
  | 'maxWantAuthors'
  | 'maxVectorEntries'
  | 'maxHelloBytes'
  | 'maxGrants'
  | 'maxGrantBytes'
  | 'maxKeys'
  | 'maxKeyBytes'
  | 'maxWantBytes'
>

/** Bytes of an ENVELOPES message's fixed part beyond its envelopes (type, doc id, count ≤ 3 bytes). */
export const ENVELOPES_HEADER_BYTES = 1 + DOC_ID_LENGTH + 3

/**
 * Encodes a message, validating its fields against `limits` (our own output must be
 * something a peer with the same limits accepts).
 * @throws {TypeError} if a field has the wrong type.
 * @throws {RangeError} if a field or count is out of range, or the message exceeds its cap.
 * @example encodeSyncMessage({ type: 'ack', count: 1 }) // Uint8Array [7, 1]
 */
export function encodeSyncMessage(msg: SyncMessage, limits: CodecLimits = DEFAULT_SYNC_LIMITS): Uint8Array {
  const w = createWriter()
  switch (msg.type) {
    case 'hello':
      assertBytesInRange(msg.cert, 'hello.cert', 1, MAX_DEVICE_CERT_BYTES)
      count(msg.grants.length, 'hello.grants', 0, limits.maxGrants)
      w.byte(SyncMessageType.hello).varBytes(msg.cert).varUint(msg.grants.length)
      for (const g of msg.grants) w.varBytes(bytesIn(g, 'hello.grant', limits.maxGrantBytes))
      break
    case 'want': {
      count(msg.authors.length, 'want.authors', 0, limits.maxWantAuthors)
      count(msg.docs.length, 'want.docs', 1, limits.maxWantDocs)
      w.byte(SyncMessageType.want).varUint(msg.authors.length)
      for (const a of msg.authors) {
        assertBytes(a, 'want.author', AUTHOR_KEY_LENGTH)
        w.bytes(a)
      }
      w.varUint(msg.docs.length)
      const seen = new Set<string>()
      for (const d of msg.docs) {
        assertBytes(d.docId, 'want.docId', DOC_ID_LENGTH)
        const hex = toHex(d.docId)
        if (seen.has(hex)) throw new RangeError('want.docs: a doc is listed twice')
        seen.add(hex)
        count(d.vector.length, 'want.vector', 0, limits.maxVectorEntries)
        w.bytes(d.docId).varUint(d.vector.length)
        let previous = -1
        for (const [index, seq] of d.vector) {
          assertUint(index, 'want.vector index')
          assertUint(seq, 'want.vector seq', 1)
          if (index <= previous) throw new RangeError('want.vector: author indexes must be strictly ascending')
          previous = index
          w.varUint(index).varUint(seq)
        }
      }
      break
    }
    case 'envelopes':
      assertBytes(msg.docId, 'envelopes.docId', DOC_ID_LENGTH)
      count(msg.envelopes.length, 'envelopes', 1, limits.maxEnvelopesPerMessage)
      w.byte(SyncMessageType.envelopes).bytes(msg.docId).varUint(msg.envelopes.length)
      for (const e of msg.envelopes) w.varBytes(bytesIn(e, 'envelope', limits.maxEnvelopeBytes))
      break
    case 'keys':
      assertBytes(msg.docId, 'keys.docId', DOC_ID_LENGTH)
      count(msg.keys.length, 'keys', 1, limits.maxKeys)
      w.byte(SyncMessageType.keys).bytes(msg.docId).varUint(msg.keys.length)
      for (const k of msg.keys) w.varBytes(bytesIn(k, 'key', limits.maxKeyBytes))
      break
    case 'denied':
      assertBytes(msg.docId, 'denied.docId', DOC_ID_LENGTH)
      if (msg.reason !== DeniedReason.notAllowed && msg.reason !== DeniedReason.notHeld) throw new RangeError(`denied.reason: unknown ${String(msg.reason)}`)
      w.byte(SyncMessageType.denied).bytes(msg.docId).byte(msg.reason)
      break
    case 'done':
      assertUint(msg.want, 'done.want')
      w.byte(SyncMessageType.done).varUint(msg.want)
      break
    case 'ack':
      assertUint(msg.count, 'ack.count', 1)
      w.byte(SyncMessageType.ack).varUint(msg.count)
      break
    case 'part':
      assertBytes(msg.docId, 'part.docId', DOC_ID_LENGTH)
      assertUint(msg.total, 'part.total', limits.maxEnvelopeBytes + 1, limits.maxSnapshotBytes)
      assertBytesInRange(msg.piece, 'part.piece', 1, limits.maxEnvelopeBytes)
      assertUint(msg.offset, 'part.offset', 0, msg.total - msg.piece.length)
      w.byte(SyncMessageType.part).bytes(msg.docId).varUint(msg.total).varUint(msg.offset).varBytes(msg.piece)
      break
    default:
      throw new RangeError(`message type: unknown ${String((msg as { type: unknown }).type)}`)
  }
  const bytes = w.finish()
  const cap = capOf(bytes[0] ?? 0, limits)
  if (bytes.length > cap) throw new RangeError(`${msg.type}: ${bytes.length} bytes exceeds the cap of ${cap}`)
  return bytes
}

/**
 * Decodes one message under `limits`: size cap first, then the type's own cap, then a
 * strict parse of the whole input.
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {SyncMessageTooLargeError} if the message exceeds `maxMessageBytes` or its type's cap.
 * @throws {SyncMessageFormatError} for an empty message, an unknown type, or any malformation.
 * @example decodeSyncMessage(Uint8Array.of(7, 1)) // { type: 'ack', count: 1 }
 */
export function decodeSyncMessage(bytes: Uint8Array, limits: CodecLimits = DEFAULT_SYNC_LIMITS): SyncMessage {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`message: expected Uint8Array, got ${typeof bytes}`)
  if (bytes.length > limits.maxMessageBytes) {
    throw new SyncMessageTooLargeError(`message: ${bytes.length} bytes exceeds the cap of ${limits.maxMessageBytes}`)
  }
  const type = bytes[0]
  if (type === undefined) throw new SyncMessageFormatError('message: empty')
  const cap = capOf(type, limits)
  if (cap === 0) throw new SyncMessageFormatError(`message: unknown type 0x${type.toString(16).padStart(2, '0')}`)
  if (bytes.length > cap) throw new SyncMessageTooLargeError(`message type ${type}: ${bytes.length} bytes exceeds the cap of ${cap}`)
  const r = createReader(bytes.subarray(1), SyncMessageFormatError)
  const msg = decodeBody(type, r, limits)
  r.end('message')
  return msg
}

function decodeBody(type: number, r: Reader, limits: CodecLimits): SyncMessage {
  switch (type) {
    case SyncMessageType.hello: {
      const cert = r.varBytes('hello.cert', 1, MAX_DEVICE_CERT_BYTES)
      const n = r.varUint('hello.grants', 0, limits.maxGrants)
      const grants: Uint8Array[] = []
      for (let i = 0; i < n; i++) grants.push(r.varBytes('hello.grant', 1, limits.maxGrantBytes))
      return { type: 'hello', cert, grants }
    }
    case SyncMessageType.want:
      return decodeWant(r, limits)
    case SyncMessageType.envelopes: {
      const docId = r.bytes('envelopes.docId', DOC_ID_LENGTH)
      const n = r.varUint('envelopes.count', 1, limits.maxEnvelopesPerMessage)
      const envelopes: Uint8Array[] = []
      for (let i = 0; i < n; i++) envelopes.push(r.varBytes('envelope', 1, limits.maxEnvelopeBytes))
      return { type: 'envelopes', docId, envelopes }
    }
    case SyncMessageType.keys: {
      const docId = r.bytes('keys.docId', DOC_ID_LENGTH)
      const n = r.varUint('keys.count', 1, limits.maxKeys)
      const keys: Uint8Array[] = []
      for (let i = 0; i < n; i++) keys.push(r.varBytes('key', 1, limits.maxKeyBytes))
      return { type: 'keys', docId, keys }
    }
    case SyncMessageType.denied: {
      const docId = r.bytes('denied.docId', DOC_ID_LENGTH)
      const reason = r.byte('denied.reason')
      if (reason !== DeniedReason.notAllowed && reason !== DeniedReason.notHeld) throw new SyncMessageFormatError(`denied.reason: unknown ${reason}`)
      return { type: 'denied', docId, reason }
    }
    case SyncMessageType.done:
      return { type: 'done', want: r.varUint('done.want') }
    case SyncMessageType.ack:
      return { type: 'ack', count: r.varUint('ack.count', 1) }
    case SyncMessageType.part: {
      const docId = r.bytes('part.docId', DOC_ID_LENGTH)
      const total = r.varUint('part.total', limits.maxEnvelopeBytes + 1, limits.maxSnapshotBytes)
      const offset = r.varUint('part.offset', 0, total - 1)
      const piece = r.varBytes('part.piece', 1, Math.min(limits.maxEnvelopeBytes, total - offset))
      return { type: 'part', docId, total, offset, piece }
    }
    default:
      // capOf() already refused unknown types
      throw new SyncMessageFormatError(`message: unknown type ${type}`)
  }
}

function decodeWant(r: Reader, limits: CodecLimits): SyncMessage {
  const a = r.varUint('want.authors', 0, limits.maxWantAuthors)
  // refuse an impossible count before allocating for it
  if (a * AUTHOR_KEY_LENGTH > r.remaining) throw new SyncMessageFormatError('want.authors: count exceeds the input')
  const authors: Uint8Array[] = []
  for (let i = 0; i < a; i++) authors.push(r.bytes('want.author', AUTHOR_KEY_LENGTH))
  const d = r.varUint('want.docs', 1, limits.maxWantDocs)
  if (d * (DOC_ID_LENGTH + 1) > r.remaining) throw new SyncMessageFormatError('want.docs: count exceeds the input')
  const docs: WantDoc[] = []
  const seen = new Set<string>()
  for (let i = 0; i < d; i++) {
    const docId = r.bytes('want.docId', DOC_ID_LENGTH)
    const hex = toHex(docId)
    if (seen.has(hex)) throw new SyncMessageFormatError('want: a doc is listed twice')
    seen.add(hex)
    const k = r.varUint('want.vector', 0, limits.maxVectorEntries)
    if (k * 2 > r.remaining) throw new SyncMessageFormatError('want.vector: count exceeds the input')
    const vector: Array<readonly [number, number]> = []
    let previous = -1
    for (let j = 0; j < k; j++) {
      const index = r.varUint('want.vector index')
      if (index <= previous) throw new SyncMessageFormatError('want.vector: author indexes not strictly ascending')
      previous = index
      vector.push([index, r.varUint('want.vector seq', 1)])
    }
    docs.push({ docId, vector })
  }
  return { type: 'want', authors, docs }
}

/** The size cap of a message of type `type`; 0 for an unknown type. */
function capOf(type: number, limits: CodecLimits): number {
  switch (type) {
    case SyncMessageType.hello:
      return Math.min(limits.maxHelloBytes, limits.maxMessageBytes)
    case SyncMessageType.want:
      return Math.min(limits.maxWantBytes, limits.maxMessageBytes)
    case SyncMessageType.envelopes:
    case SyncMessageType.part:
      return limits.maxMessageBytes
    case SyncMessageType.keys:
      return Math.min(ENVELOPES_HEADER_BYTES + limits.maxKeys * (limits.maxKeyBytes + 3), limits.maxMessageBytes)
    case SyncMessageType.denied:
      return 1 + DOC_ID_LENGTH + 1
    case SyncMessageType.done:
    case SyncMessageType.ack:
      return 1 + 8
    default:
      return 0
  }
}

function count(n: number, label: string, min: number, max: number): void {
  if (n < min || n > max) throw new RangeError(`${label}: expected ${min}..${max} items, got ${n}`)
}

function bytesIn(b: Uint8Array, label: string, max: number): Uint8Array {
  assertBytesInRange(b, label, 1, max)
  return b
}
