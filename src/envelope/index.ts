/**
 * Envelopes: the signed, encrypted unit of storage and sync (DESIGN §5), and the
 * per-doc sequence tracker of the receive pipeline. Named errors come from
 * `../lib/index.ts`.
 *
 * @example
 * ```ts
 * import { sealEnvelope, openEnvelope, parseEnvelopeHeader, createSequenceTracker } from '../envelope/index.ts'
 *
 * const bytes = sealEnvelope(
 *   { docId, epoch: 0, author: me.signing.publicKey, seq: 1, kind: 'update' },
 *   yjsUpdate,
 *   { epochKey, authorSecretKey: me.signing.secretKey }
 * )
 * parseEnvelopeHeader(bytes).seq                 // 1, no keys needed
 * const { plaintext } = openEnvelope(bytes, { epochKey: (d, e) => keyring.get(d, e) }, {
 *   isAllowed: (author, header) => acl.mayWrite(author, header.docId, header.epoch)
 * })
 * // a snapshot of a whole compartment is compressed before it is sealed
 * const snap = await sealSnapshot({ docId, epoch: 0, author: pk, seq: 2, kind: 'snapshot', covers }, state, keys)
 * const { plaintext: sameState } = await openEnvelopeAsync(snap, { epochKey: (d, e) => keyring.get(d, e) })
 * ```
 * @packageDocumentation
 */
export type { EnvelopeHeader, SnapshotCodec } from './header.ts'
export { ENVELOPE_VERSION, MAX_COVERED_AUTHORS } from './header.ts'
export {
  sealEnvelope,
  sealEnvelopeAsync,
  sealEnvelopeWithNonce,
  sealSnapshot,
  openEnvelope,
  openEnvelopeAsync,
  openEnvelopeParts,
  sealSnapshotParts,
  useEnvelopeDecrypter,
  verifyAndDecrypt,
  OFF_THREAD_MIN_BYTES,
  parseEnvelopeHeader,
  verifyEnvelope,
  DEFAULT_MAX_ENVELOPE_BYTES,
  DEFAULT_MAX_INFLATED_BYTES
} from './envelope.ts'
export { compressPayload, decompressPayload, compressParts, inflateParts, MAX_PART_BYTES, useRawInflater, InflatedTooLargeError, CompressedPayloadError, SEGMENT_BYTES, type RawInflater } from './compression.ts'
export type { SealKeys, OpenKeys, OpenOptions, EnvelopeDecrypter } from './envelope.ts'
export { createSequenceTracker } from './sequence.ts'
export type { SequenceTracker, SequenceTrackerInit } from './sequence.ts'
export { sealChunk, openChunk, newBlob, AttachmentIntegrityError, BLOB_ID_LENGTH, DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES } from './attachment.ts'
