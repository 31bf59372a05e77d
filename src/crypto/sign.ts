/**
 * Ed25519 (RFC 8032) signing and verification with a mandatory domain label:
 * `sig = Ed25519(sk, label ‖ message)`. Verification is strict RFC 8032 / FIPS 186-5
 * (`zip215: false`): non-canonical encodings of R, A and S ≥ L are rejected, matching
 * Wycheproof's expectations (`test/vectors/wycheproof-ed25519.json`).
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { assertBytes, concatBytes } from '../lib/index.ts'
import { labelBytes, type SignatureLabel } from './labels.ts'

/** Ed25519 secret key (seed) length. */
export const ED25519_SECRET_KEY_LENGTH = 32
/** Ed25519 public key length. */
export const ED25519_PUBLIC_KEY_LENGTH = 32
/** Ed25519 signature length. */
export const ED25519_SIGNATURE_LENGTH = 64

/** An Ed25519 key pair; `secretKey` is the 32-byte RFC 8032 seed. */
export interface SigningKeyPair {
  readonly publicKey: Uint8Array
  readonly secretKey: Uint8Array
}

/**
 * A fresh Ed25519 key pair, or the one for a given 32-byte seed.
 * @throws {TypeError} if `seed` is given and is not a `Uint8Array`.
 * @throws {RangeError} if `seed` is given and is not 32 bytes.
 */
export function generateSigningKeyPair(seed?: Uint8Array): SigningKeyPair {
  if (seed !== undefined) assertBytes(seed, 'seed', ED25519_SECRET_KEY_LENGTH)
  const secretKey = seed === undefined ? ed25519.utils.randomSecretKey() : seed.slice()
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) }
}

/**
 * The Ed25519 public key of a 32-byte secret key.
 * @throws {TypeError} if `secretKey` is not a `Uint8Array`.
 * @throws {RangeError} if it is not 32 bytes.
 */
export function ed25519PublicKey(secretKey: Uint8Array): Uint8Array {
  assertBytes(secretKey, 'secretKey', ED25519_SECRET_KEY_LENGTH)
  return ed25519.getPublicKey(secretKey)
}

/**
 * Whether 32 bytes are the canonical encoding of a point on edwards25519 (RFC 8032 §5.1.3).
 * @throws Never.
 */
export function isEd25519PublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) return false
  try {
    return ed25519.utils.isValidPublicKey(publicKey, false)
  } catch {
    // noble throws on some malformed encodings instead of returning false; either way: not a key
    return false
  }
}

/**
 * Signs `label ‖ message` with Ed25519.
 * @throws {TypeError} if `secretKey` or `message` is not a `Uint8Array`.
 * @throws {RangeError} if `secretKey` is not 32 bytes.
 * @example const sig = signLabelled(SignatureLabel.deviceCert, rootSecretKey, body)
 */
export function signLabelled(label: SignatureLabel, secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  assertBytes(secretKey, 'secretKey', ED25519_SECRET_KEY_LENGTH)
  assertBytes(message, 'message')
  return ed25519.sign(concatBytes(labelBytes(label), message), secretKey)
}

/**
 * Verifies an Ed25519 signature over `label ‖ message`. Never throws for bad input: a
 * signature or key of the wrong length or encoding is simply not valid.
 * @throws Never.
 */
export function verifyLabelled(
  label: SignatureLabel,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array
): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) return false
  if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_LENGTH) return false
  if (!(message instanceof Uint8Array)) return false
  try {
    // RFC 8032 §5.1.7 strict decoding (zip215: false): reject S ≥ L and non-canonical R, A
    return ed25519.verify(signature, concatBytes(labelBytes(label), message), publicKey, { zip215: false })
  } catch {
    // noble throws (rather than returning false) on some malformed point encodings
    return false
  }
}

/**
 * Plain RFC 8032 Ed25519 signature of `message`, no label. Only for known-answer tests
 * against RFC 8032 / Wycheproof vectors; project messages use `signLabelled`.
 * @throws {TypeError} if an argument is not a `Uint8Array`.
 * @throws {RangeError} if `secretKey` is not 32 bytes.
 */
export function ed25519SignRaw(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  assertBytes(secretKey, 'secretKey', ED25519_SECRET_KEY_LENGTH)
  assertBytes(message, 'message')
  return ed25519.sign(message, secretKey)
}

/**
 * Plain RFC 8032 strict Ed25519 verification of `message`, no label. Only for
 * known-answer tests; project messages use `verifyLabelled`.
 * @throws Never.
 */
export function ed25519VerifyRaw(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) return false
  if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_LENGTH) return false
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false })
  } catch {
    // see verifyLabelled
    return false
  }
}
