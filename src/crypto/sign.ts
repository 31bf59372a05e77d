/**
 * Ed25519 (RFC 8032) signing and verification with a mandatory domain label:
 * `sig = Ed25519(sk, label ‖ message)`. Verification is strict RFC 8032 / FIPS 186-5
 * (`zip215: false`): non-canonical encodings of R, A and S ≥ L are rejected, matching
 * Wycheproof's expectations (`test/vectors/wycheproof-ed25519.json`).
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { assertBytes, concatBytes, toHex } from '../lib/index.ts'
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

/** p = 2^255 − 19 and L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const P_LE = Uint8Array.from([0xed, ...new Array<number>(30).fill(0xff), 0x7f])
const L_LE = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10
])

/** Whether the little-endian number in `bytes` (32 bytes, top bit masked when `masked`) is below `bound`. */
function below(bytes: Uint8Array, bound: Uint8Array, masked: boolean): boolean {
  for (let i = 31; i >= 0; i--) {
    const b = i === 31 && masked ? (bytes[i] as number) & 0x7f : (bytes[i] as number)
    if (b !== bound[i]) return b < (bound[i] as number)
  }
  return false
}

/**
 * The checks of strict RFC 8032 decoding that platform verifiers may skip: R and A are
 * canonical encodings (y < p) and S < L. With them, the platform's answer equals
 * `ed25519VerifyRaw`'s on every Wycheproof case (tested in Node and in Chromium).
 */
function canonical(publicKey: Uint8Array, signature: Uint8Array): boolean {
  return below(publicKey, P_LE, true) && below(signature.subarray(0, 32), P_LE, true) && below(signature.subarray(32), L_LE, false)
}

/** Imported platform keys by public key (hex), bounded; `null` where the platform refused the key. */
const platformKeys = new Map<string, Promise<CryptoKey | null>>()
const MAX_PLATFORM_KEYS = 256
/** `false` once the platform has shown it has no Ed25519 (then noble verifies). */
let platformEd25519: boolean | undefined

const noPlatformEd25519 = (): boolean => platformEd25519 === false || globalThis.crypto?.subtle === undefined

function platformKey(publicKey: Uint8Array): Promise<CryptoKey | null> {
  const id = toHex(publicKey)
  let key = platformKeys.get(id)
  if (key === undefined) {
    key = globalThis.crypto.subtle.importKey('raw', publicKey.slice(), { name: 'Ed25519' }, false, ['verify']).catch((err: unknown) => {
      if (err instanceof Error && err.name === 'NotSupportedError') platformEd25519 = false
      return null
    })
    if (platformKeys.size >= MAX_PLATFORM_KEYS) platformKeys.delete(platformKeys.keys().next().value as string)
    platformKeys.set(id, key)
  }
  return key
}

/**
 * `ed25519VerifyRaw`, done by the platform's Web Crypto Ed25519 where there is one (Node,
 * Chromium ≥ 137: native hashing and curve arithmetic, about ten times faster than noble
 * on a small message and far faster on a large one), else by noble. Same answers: the
 * strict decoding checks run first.
 * @throws Never.
 */
export async function ed25519VerifyRawAsync(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) return false
  if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_LENGTH) return false
  if (!(message instanceof Uint8Array)) return false
  if (noPlatformEd25519()) return ed25519VerifyRaw(publicKey, message, signature)
  if (!canonical(publicKey, signature)) return false
  const key = await platformKey(publicKey)
  // a platform without Ed25519 shows it on the first import: noble answers from then on
  if (key === null) return noPlatformEd25519() ? ed25519VerifyRaw(publicKey, message, signature) : false
  try {
    return await globalThis.crypto.subtle.verify({ name: 'Ed25519' }, key, signature as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>)
  } catch {
    return false
  }
}

/**
 * `verifyLabelled` through `ed25519VerifyRawAsync` (the platform's Ed25519 where there is one).
 * @throws Never.
 */
export function verifyLabelledAsync(label: SignatureLabel, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (!(message instanceof Uint8Array)) return Promise.resolve(false)
  return ed25519VerifyRawAsync(publicKey, concatBytes(labelBytes(label), message), signature)
}

/** PKCS#8 wrapping of an Ed25519 seed (RFC 8410 §7): a fixed 16-byte prefix, then the 32 bytes. */
const PKCS8_ED25519_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20)

/**
 * Platform signing keys, by the secret key array they were imported from (a WeakMap: an
 * entry goes when the caller drops its key, e.g. when a record locks; never keyed by the
 * secret's bytes).
 */
const platformSigningKeys = new WeakMap<Uint8Array, Promise<CryptoKey | null>>()

function platformSigningKey(secretKey: Uint8Array): Promise<CryptoKey | null> {
  let key = platformSigningKeys.get(secretKey)
  if (key === undefined) {
    const pkcs8 = concatBytes(PKCS8_ED25519_PREFIX, secretKey)
    key = globalThis.crypto.subtle
      .importKey('pkcs8', pkcs8 as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, ['sign'])
      .catch((err: unknown) => {
        if (err instanceof Error && err.name === 'NotSupportedError') platformEd25519 = false
        return null
      })
      .finally(() => pkcs8.fill(0))
    platformSigningKeys.set(secretKey, key)
  }
  return key
}

/**
 * `ed25519SignRaw`, done by the platform's Web Crypto Ed25519 where there is one (native
 * hashing: signing an envelope of tens of KB no longer runs SHA-512 in JavaScript on the
 * page), else by noble. Ed25519 signatures are deterministic (RFC 8032 §5.1.6): both give
 * the same bytes (tested on the RFC's vectors in Node and in Chromium).
 * @throws {TypeError} if `secretKey` or `message` is not a `Uint8Array`.
 * @throws {RangeError} if `secretKey` is not 32 bytes.
 */
export async function ed25519SignRawAsync(secretKey: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  assertBytes(secretKey, 'secretKey', ED25519_SECRET_KEY_LENGTH)
  assertBytes(message, 'message')
  if (noPlatformEd25519()) return ed25519SignRaw(secretKey, message)
  const key = await platformSigningKey(secretKey)
  if (key === null) return ed25519SignRaw(secretKey, message)
  const signature = new Uint8Array(await globalThis.crypto.subtle.sign({ name: 'Ed25519' }, key, message as Uint8Array<ArrayBuffer>))
  if (signature.length !== ED25519_SIGNATURE_LENGTH) throw new RangeError(`platform Ed25519: a signature of ${signature.length} bytes`)
  return signature
}

/**
 * `signLabelled` through `ed25519SignRawAsync` (the platform's Ed25519 where there is one).
 * @throws {TypeError} if `secretKey` or `message` is not a `Uint8Array`.
 * @throws {RangeError} if `secretKey` is not 32 bytes.
 */
export function signLabelledAsync(label: SignatureLabel, secretKey: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  assertBytes(message, 'message')
  return ed25519SignRawAsync(secretKey, concatBytes(labelBytes(label), message))
}
