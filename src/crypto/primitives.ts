/**
 * Thin, validated wrappers over the noble primitives the rest of the project uses:
 * CSPRNG, XChaCha20-Poly1305, HKDF-SHA256, SHA-256. Everything above `crypto/` goes
 * through these (only `crypto/` imports `@noble/*`).
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { assertBytes, assertUint, DecryptError } from '../lib/index.ts'

/** XChaCha20-Poly1305 key length. */
export const AEAD_KEY_LENGTH = 32
/** XChaCha20-Poly1305 nonce length (draft-irtf-cfrg-xchacha-03 §2). */
export const AEAD_NONCE_LENGTH = 24
/** Poly1305 tag length (RFC 8439 §2.8). */
export const AEAD_TAG_LENGTH = 16

/**
 * `length` bytes from the platform CSPRNG (`crypto.getRandomValues`).
 * @throws {RangeError} if `length` is negative or not an integer.
 */
export function randomBytes(length: number): Uint8Array {
  assertUint(length, 'length', 0, 65536)
  return nobleRandomBytes(length)
}

/**
 * XChaCha20-Poly1305 encryption: returns `ciphertext ‖ tag` (plaintext length + 16).
 * With `output` (exactly plaintext length + 16 bytes, may be a view into a larger buffer)
 * the result is written there and no other copy is made.
 * @throws {TypeError} if an argument is not a `Uint8Array`.
 * @throws {RangeError} if key, nonce or output has the wrong length.
 * @example const ct = aeadSeal(key, nonce, aad, plaintext)
 */
export function aeadSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  output?: Uint8Array
): Uint8Array {
  assertBytes(key, 'key', AEAD_KEY_LENGTH)
  assertBytes(nonce, 'nonce', AEAD_NONCE_LENGTH)
  assertBytes(aad, 'aad')
  assertBytes(plaintext, 'plaintext')
  if (output !== undefined) assertBytes(output, 'output', plaintext.length + AEAD_TAG_LENGTH)
  return xchacha20poly1305(key, nonce, aad).encrypt(plaintext, output)
}

/**
 * XChaCha20-Poly1305 decryption of `ciphertext ‖ tag`. The tag is checked before any
 * plaintext is produced (RFC 8439 §2.8: authenticate, then decrypt).
 * @throws {DecryptError} if the ciphertext is shorter than a tag or does not authenticate.
 * @throws {TypeError} if an argument is not a `Uint8Array`.
 * @throws {RangeError} if key or nonce has the wrong length.
 */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  assertBytes(key, 'key', AEAD_KEY_LENGTH)
  assertBytes(nonce, 'nonce', AEAD_NONCE_LENGTH)
  assertBytes(aad, 'aad')
  assertBytes(ciphertext, 'ciphertext')
  if (ciphertext.length < AEAD_TAG_LENGTH) throw new DecryptError('ciphertext shorter than the 16-byte tag')
  try {
    return xchacha20poly1305(key, nonce, aad).decrypt(ciphertext)
  } catch (err) {
    // noble throws a plain Error('invalid tag'); the only failure left after the checks above
    throw new DecryptError('authentication failed: wrong key, wrong associated data or tampered bytes', { cause: err })
  }
}

/**
 * HKDF-SHA256 (RFC 5869): extract with `salt`, expand with `info` to `length` bytes.
 * @throws {TypeError} if an argument is not a `Uint8Array`.
 * @throws {RangeError} if `length` exceeds 255 × 32.
 */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  assertBytes(ikm, 'ikm')
  assertBytes(salt, 'salt')
  assertBytes(info, 'info')
  assertUint(length, 'length', 1, 255 * 32)
  return hkdf(nobleSha256, ikm, salt, info, length)
}

/**
 * SHA-256 digest.
 * @throws {TypeError} if `data` is not a `Uint8Array`.
 */
export function sha256(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data')
  return nobleSha256(data)
}
