/**
 * Encrypted attachments (a PDF, a photo of a lab report): the file is cut into chunks,
 * each sealed on its own so that neither writing nor reading needs the whole file in
 * memory.
 *
 * ```
 * chunk = nonce (24) ‖ XChaCha20-Poly1305(fileKey, nonce, aad, plaintext chunk)
 * aad   = "phr/v1/attachment" ‖ blobId (16) ‖ index (varuint) ‖ last (0x00 | 0x01)
 * ```
 *
 * The index in the associated data stops reordering; the `last` flag stops truncation
 * (a reader requires the final chunk to say so). The file key, blob id and the SHA-256 of
 * every plaintext chunk travel in the record's DocumentReference, inside a signed
 * envelope: a reader checks each chunk against its hash, so even someone who holds the
 * file key cannot substitute a chunk.
 */
import { createWriter, DecryptError, assertBytes, assertUint, FormatError, equalBytes } from '../lib/index.ts'
import { aeadOpen, aeadSeal, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, AeadLabel, labelBytes, randomBytes, sha256, newEpochKey } from '../crypto/index.ts'

/** Length of a blob id. */
export const BLOB_ID_LENGTH = 16
/** Default plaintext bytes per chunk: small enough that sealing one never holds up a frame for long. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024
/** Largest chunk a reader accepts (plaintext). */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024

/** A chunk failed its check: wrong hash, wrong position, or a missing final chunk. */
export class AttachmentIntegrityError extends FormatError {
  override name: string = 'AttachmentIntegrityError'
}

function aad(blobId: Uint8Array, index: number, last: boolean): Uint8Array {
  return createWriter().bytes(labelBytes(AeadLabel.attachment)).bytes(blobId).varUint(index).byte(last ? 1 : 0).finish()
}

/** A fresh random blob id and file key. */
export function newBlob(): { blobId: Uint8Array; fileKey: Uint8Array } {
  return { blobId: randomBytes(BLOB_ID_LENGTH), fileKey: newEpochKey() }
}

/**
 * Seals one chunk.
 * @returns the sealed chunk and the SHA-256 of its plaintext
 * @throws {RangeError} for a wrong key or blob id length, or an oversized chunk
 */
export function sealChunk(fileKey: Uint8Array, blobId: Uint8Array, index: number, last: boolean, plaintext: Uint8Array): { sealed: Uint8Array; hash: Uint8Array } {
  assertBytes(blobId, 'blobId', BLOB_ID_LENGTH)
  assertUint(index, 'index')
  if (plaintext.length > MAX_CHUNK_BYTES) throw new RangeError(`chunk of ${plaintext.length} bytes exceeds ${MAX_CHUNK_BYTES}`)
  const nonce = randomBytes(AEAD_NONCE_LENGTH)
  const sealed = new Uint8Array(AEAD_NONCE_LENGTH + plaintext.length + AEAD_TAG_LENGTH)
  sealed.set(nonce)
  aeadSeal(fileKey, nonce, aad(blobId, index, last), plaintext, sealed.subarray(AEAD_NONCE_LENGTH))
  return { sealed, hash: sha256(plaintext) }
}

/**
 * Opens one chunk and checks it against the hash the record holds for that position.
 * @throws {DecryptError} when the chunk does not authenticate (wrong key, position or flag)
 * @throws {AttachmentIntegrityError} when its plaintext does not match `expectedHash`
 */
export function openChunk(fileKey: Uint8Array, blobId: Uint8Array, index: number, last: boolean, sealed: Uint8Array, expectedHash: Uint8Array): Uint8Array {
  assertBytes(blobId, 'blobId', BLOB_ID_LENGTH)
  if (sealed.length < AEAD_NONCE_LENGTH + AEAD_TAG_LENGTH || sealed.length > MAX_CHUNK_BYTES + AEAD_NONCE_LENGTH + AEAD_TAG_LENGTH) {
    throw new DecryptError(`attachment chunk ${index}: ${sealed.length} bytes is not a sealed chunk`)
  }
  const plaintext = aeadOpen(fileKey, sealed.subarray(0, AEAD_NONCE_LENGTH), aad(blobId, index, last), sealed.subarray(AEAD_NONCE_LENGTH))
  if (!equalBytes(sha256(plaintext), expectedHash)) throw new AttachmentIntegrityError(`attachment chunk ${index} does not match its hash`)
  return plaintext
}
