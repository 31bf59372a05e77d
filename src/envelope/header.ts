/**
 * The envelope header (DESIGN §5), in lib0's binary format:
 *
 * ```
 * header = v (0x01) ‖ docId (16) ‖ epoch (varuint) ‖ author (Ed25519 pk, 32)
 *          ‖ seq (varuint, ≥ 1)
 *          ‖ kind (0x00 update | 0x01 snapshot | 0x02 compressed snapshot | 0x03 compressed snapshot in parts)
 *          ‖ [snapshots only: count (varuint) ‖ count × (author (32) ‖ seq (varuint, ≥ 1))]
 * ```
 *
 * A compressed snapshot (0x02) is a snapshot whose sealed plaintext is the compressed
 * payload of `compression.ts` rather than the raw state; it is read as `kind: 'snapshot'`
 * with `codec: 'deflate-raw'`. The kind byte is in the signed and authenticated header, so
 * the codec cannot be switched without the signature failing. A snapshot in parts (0x03,
 * `codec: 'deflate-raw-parts'`) has the same payload framing, but each segment is a whole
 * Yjs update of its own, applied in order: a reader applies one part while the next inflates.
 *
 * A snapshot's covered vector is sorted by author bytes, strictly ascending (no duplicate
 * authors), each seq ≥ 1. Varuints are minimal. The reader rejects every other spelling,
 * so one header has exactly one encoding.
 */
import {
  assertBytes,
  assertUint,
  AUTHOR_KEY_LENGTH,
  createReader,
  createWriter,
  DOC_ID_LENGTH,
  EnvelopeFormatError,
  fromHex,
  isAuthorHex,
  toHex,
  type Reader
} from '../lib/index.ts'

/** Header of a sealed update or snapshot. */
export interface EnvelopeHeader {
  /** The compartment's 16-byte doc id. */
  docId: Uint8Array
  /** Key epoch the payload is encrypted under. */
  epoch: number
  /** Author's Ed25519 public key (32 bytes); it signs the envelope. */
  author: Uint8Array
  /** Per-author, per-doc sequence number: 1 for an author's first envelope, then +1 each. */
  seq: number
  /** `update` (one Yjs update) or `snapshot` (whole doc state). */
  kind: 'update' | 'snapshot'
  /**
   * Snapshots only (required there, absent on updates): the vector the snapshot covers,
   * author (64 lowercase hex digits of the Ed25519 public key) → highest seq (≥ 1).
   */
  covers?: Map<string, number>
  /**
   * Snapshots only: how the sealed plaintext encodes the state. `deflate-raw`: the segmented
   * compressed payload of `compression.ts`. `deflate-raw-parts`: the same framing, each
   * segment one Yjs update, applied in order. Absent: the raw state (every snapshot before
   * compression, and what `sealEnvelope` writes).
   */
  codec?: SnapshotCodec
}

/** How a snapshot's sealed plaintext encodes the state (see `EnvelopeHeader.codec`). */
export type SnapshotCodec = 'deflate-raw' | 'deflate-raw-parts'

/** Header format version. */
export const ENVELOPE_VERSION = 1
const KIND_UPDATE = 0
const KIND_SNAPSHOT = 1
const KIND_COMPRESSED_SNAPSHOT = 2
const KIND_SNAPSHOT_PARTS = 3
const KIND_OF_CODEC = { 'deflate-raw': KIND_COMPRESSED_SNAPSHOT, 'deflate-raw-parts': KIND_SNAPSHOT_PARTS } as const
/** Most authors a snapshot's covered vector may list. */
export const MAX_COVERED_AUTHORS = 65_536

/**
 * Validates a header and encodes it.
 * @throws {TypeError} if a field has the wrong type, or a snapshot has no `covers`.
 * @throws {RangeError} if a length or number is out of range, `kind` is unknown, an update
 *   has `covers`, or a covers key is not 64 lowercase hex digits.
 */
export function encodeHeader(header: EnvelopeHeader): Uint8Array {
  if (header === null || typeof header !== 'object') throw new TypeError('header: expected object')
  assertBytes(header.docId, 'header.docId', DOC_ID_LENGTH)
  assertUint(header.epoch, 'header.epoch')
  assertBytes(header.author, 'header.author', AUTHOR_KEY_LENGTH)
  assertUint(header.seq, 'header.seq', 1)
  const w = createWriter().byte(ENVELOPE_VERSION).bytes(header.docId).varUint(header.epoch).bytes(header.author).varUint(header.seq)
  if (header.kind === 'update') {
    if (header.covers !== undefined) throw new RangeError('header.covers: only snapshots cover a vector')
    if (header.codec !== undefined) throw new RangeError('header.codec: only snapshots are compressed')
    w.byte(KIND_UPDATE)
  } else if (header.kind === 'snapshot') {
    if (!(header.covers instanceof Map)) throw new TypeError('header.covers: a snapshot needs a Map of author hex → seq')
    if (header.covers.size > MAX_COVERED_AUTHORS) throw new RangeError(`header.covers: more than ${MAX_COVERED_AUTHORS} authors`)
    if (header.codec !== undefined && header.codec !== 'deflate-raw' && header.codec !== 'deflate-raw-parts') {
      throw new RangeError(`header.codec: expected 'deflate-raw', 'deflate-raw-parts' or none, got ${String(header.codec)}`)
    }
    w.byte(header.codec === undefined ? KIND_SNAPSHOT : KIND_OF_CODEC[header.codec]).varUint(header.covers.size)
    // lowercase hex sorts like the bytes it spells, so this is the canonical byte order
    for (const author of [...header.covers.keys()].sort()) {
      if (!isAuthorHex(author)) throw new RangeError(`header.covers: key ${JSON.stringify(author).slice(0, 80)} is not 64 lowercase hex digits`)
      const seq = header.covers.get(author)
      assertUint(seq, `header.covers[${author}]`, 1)
      w.bytes(fromHex(author)).varUint(seq)
    }
  } else {
    throw new RangeError(`header.kind: expected 'update' or 'snapshot', got ${String(header.kind)}`)
  }
  return w.finish()
}

/**
 * Reads a header from `r` (strict: the canonical encoding only); copies its byte fields.
 * @throws {EnvelopeFormatError} if the bytes are not a canonical header.
 */
export function readHeader(r: Reader): EnvelopeHeader {
  const version = r.byte('header version')
  if (version !== ENVELOPE_VERSION) throw new EnvelopeFormatError(`envelope: unsupported version ${version}`)
  const docId = r.bytes('docId', DOC_ID_LENGTH).slice()
  const epoch = r.varUint('epoch')
  const author = r.bytes('author', AUTHOR_KEY_LENGTH).slice()
  const seq = r.varUint('seq', 1)
  const kind = r.byte('kind')
  if (kind === KIND_UPDATE) return { docId, epoch, author, seq, kind: 'update' }
  if (kind !== KIND_SNAPSHOT && kind !== KIND_COMPRESSED_SNAPSHOT && kind !== KIND_SNAPSHOT_PARTS) throw new EnvelopeFormatError(`envelope: unknown kind ${kind}`)
  const count = r.varUint('covers count', 0, MAX_COVERED_AUTHORS)
  // each entry is ≥ 33 bytes: reject an impossible count before allocating anything
  if (count * (AUTHOR_KEY_LENGTH + 1) > r.remaining) throw new EnvelopeFormatError('envelope: covers count exceeds the input')
  const covers = new Map<string, number>()
  let previous = ''
  for (let i = 0; i < count; i++) {
    const key = toHex(r.bytes('covered author', AUTHOR_KEY_LENGTH))
    if (key <= previous) throw new EnvelopeFormatError('envelope: covered authors not in strictly ascending order')
    previous = key
    covers.set(key, r.varUint('covered seq', 1))
  }
  if (kind === KIND_COMPRESSED_SNAPSHOT) return { docId, epoch, author, seq, kind: 'snapshot', covers, codec: 'deflate-raw' }
  if (kind === KIND_SNAPSHOT_PARTS) return { docId, epoch, author, seq, kind: 'snapshot', covers, codec: 'deflate-raw-parts' }
  return { docId, epoch, author, seq, kind: 'snapshot', covers }
}

/**
 * Decodes exactly one header occupying all of `bytes`.
 * @throws {EnvelopeFormatError} if the bytes are not exactly one canonical header.
 */
export function decodeHeader(bytes: Uint8Array): EnvelopeHeader {
  const r = createReader(bytes, EnvelopeFormatError)
  const header = readHeader(r)
  r.end('header')
  return header
}
