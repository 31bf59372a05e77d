/**
 * The two halves of the hybrid key agreement: X25519 (RFC 7748) and ML-KEM-768
 * (FIPS 203), as used by the hybrid wrap (DESIGN §8).
 */
import { x25519 } from '@noble/curves/ed25519.js'
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js'
import { assertBytes } from '../lib/index.ts'

/** X25519 key and shared-secret length. */
export const X25519_KEY_LENGTH = 32
/** ML-KEM-768 encapsulation (public) key length, FIPS 203 Table 3. */
export const MLKEM768_PUBLIC_KEY_LENGTH = 1184
/** ML-KEM-768 decapsulation (secret) key length. */
export const MLKEM768_SECRET_KEY_LENGTH = 2400
/** ML-KEM-768 ciphertext length. */
export const MLKEM768_CIPHERTEXT_LENGTH = 1088
/** ML-KEM-768 key-generation seed length (d ‖ z). */
export const MLKEM768_SEED_LENGTH = 64
/** ML-KEM-768 encapsulation randomness length (m). */
export const MLKEM768_MSG_LENGTH = 32

/** A key pair for one of the two receiving algorithms. */
export interface AgreementKeyPair {
  readonly publicKey: Uint8Array
  readonly secretKey: Uint8Array
}

/**
 * X25519 key pair from a 32-byte secret (clamped internally, RFC 7748 §5), or a fresh one.
 * @throws {RangeError} if `secretKey` is given and is not 32 bytes.
 */
export function x25519KeyPair(secretKey?: Uint8Array): AgreementKeyPair {
  if (secretKey !== undefined) assertBytes(secretKey, 'secretKey', X25519_KEY_LENGTH)
  const sk = secretKey === undefined ? x25519.utils.randomSecretKey() : secretKey.slice()
  return { secretKey: sk, publicKey: x25519.getPublicKey(sk) }
}

/**
 * X25519(secretKey, publicKey). Returns `undefined` when the peer's public key is of low
 * order (the all-zero output of RFC 7748 §6.1), which callers must treat as a failure.
 * @throws {TypeError} if an argument is not a `Uint8Array`.
 * @throws {RangeError} if an argument is not 32 bytes.
 */
export function x25519SharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array | undefined {
  assertBytes(secretKey, 'secretKey', X25519_KEY_LENGTH)
  assertBytes(publicKey, 'publicKey', X25519_KEY_LENGTH)
  try {
    return x25519.getSharedSecret(secretKey, publicKey)
  } catch {
    // noble rejects low-order inputs (all-zero shared secret) by throwing
    return undefined
  }
}

/** A fixed, clamped scalar: [k]P is zero exactly when P has low order. */
const PROBE_SCALAR = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0x48 : i === 31 ? 0x55 : 0x2a))

/**
 * Whether an X25519 public key yields an all-zero shared secret (low order), RFC 7748 §6.1.
 * Costs one scalar multiplication.
 * @throws {RangeError} if `publicKey` is not 32 bytes.
 */
export function isX25519LowOrder(publicKey: Uint8Array): boolean {
  return x25519SharedSecret(PROBE_SCALAR, publicKey) === undefined
}

/**
 * ML-KEM-768 key pair from a 64-byte seed (FIPS 203 ML-KEM.KeyGen_internal(d, z)), or fresh.
 * @throws {RangeError} if `seed` is given and is not 64 bytes.
 */
export function mlKem768KeyPair(seed?: Uint8Array): AgreementKeyPair {
  if (seed !== undefined) assertBytes(seed, 'seed', MLKEM768_SEED_LENGTH)
  // noble reads a caller's seed without keeping or changing it; wiping it is the caller's job
  const { publicKey, secretKey } = ml_kem768.keygen(seed)
  return { publicKey, secretKey }
}

/**
 * FIPS 203 §7.2 input check of an encapsulation key: right length and every 12-bit
 * coefficient of t̂ reduced mod q = 3329 (ByteEncode₁₂(ByteDecode₁₂(ek)) = ek).
 * @throws Never.
 */
export function isMlKem768PublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== MLKEM768_PUBLIC_KEY_LENGTH) return false
  const tEnd = 384 * 3 // k = 3 polynomials × 256 coefficients × 12 bits
  for (let i = 0; i < tEnd; i += 3) {
    const b0 = publicKey[i] ?? 0
    const b1 = publicKey[i + 1] ?? 0
    const b2 = publicKey[i + 2] ?? 0
    if ((b0 | ((b1 & 0x0f) << 8)) >= 3329) return false
    if (((b1 >> 4) | (b2 << 4)) >= 3329) return false
  }
  return true
}

/**
 * ML-KEM-768 encapsulation; `msg` (32 bytes) makes it deterministic for test vectors.
 * @throws {RangeError} if the key or `msg` has the wrong length.
 * @throws {Error} from noble if the key fails the FIPS 203 modulus check (check it first
 *   with `isMlKem768PublicKey`).
 */
export function mlKem768Encapsulate(
  publicKey: Uint8Array,
  msg?: Uint8Array
): { cipherText: Uint8Array; sharedSecret: Uint8Array } {
  assertBytes(publicKey, 'publicKey', MLKEM768_PUBLIC_KEY_LENGTH)
  if (msg !== undefined) assertBytes(msg, 'msg', MLKEM768_MSG_LENGTH)
  const { cipherText, sharedSecret } = ml_kem768.encapsulate(publicKey, msg)
  return { cipherText, sharedSecret }
}

/**
 * ML-KEM-768 decapsulation. Never fails on a wrong ciphertext: FIPS 203 implicit rejection
 * returns a pseudorandom secret, so the AEAD that follows is what detects tampering.
 * @throws {RangeError} if an argument has the wrong length.
 */
export function mlKem768Decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array {
  assertBytes(cipherText, 'cipherText', MLKEM768_CIPHERTEXT_LENGTH)
  assertBytes(secretKey, 'secretKey', MLKEM768_SECRET_KEY_LENGTH)
  return ml_kem768.decapsulate(cipherText, secretKey)
}
