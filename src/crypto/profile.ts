/**
 * A person's published receiving keys (DESIGN §3), self-signed by their root key.
 *
 * ```
 * profile = 0x01 (version) ‖ person (Ed25519 pk, 32) ‖ x25519 pk (32)
 *           ‖ ml-kem-768 encapsulation key (1184) ‖ issuedAt (varuint, ms since epoch)
 *           ‖ sig (64)
 * sig     = Ed25519(person sk, "phr/v1/profile" ‖ all bytes before sig)
 * ```
 */
import {
  assertBytes,
  assertUint,
  createReader,
  createWriter,
  ProfileFormatError,
  SignatureInvalidError
} from '../lib/index.ts'
import { didKeyFromEd25519 } from './didkey.ts'
import {
  isMlKem768PublicKey,
  isX25519LowOrder,
  MLKEM768_PUBLIC_KEY_LENGTH,
  X25519_KEY_LENGTH
} from './kem.ts'
import { SignatureLabel } from './labels.ts'
import { ED25519_PUBLIC_KEY_LENGTH, ed25519PublicKey, verifyLabelled } from './sign.ts'
import { appendSignature, splitSignature } from './signed.ts'
import type { PersonKeys } from './identity.ts'

const VERSION = 1
/** Size cap for profile bytes (the format is 1314–1321 bytes). */
export const MAX_PROFILE_BYTES = 1400

/** A verified profile. */
export interface Profile {
  /** `did:key` of the person whose root key signed it. */
  readonly person: string
  /** X25519 receiving key. */
  readonly x25519PublicKey: Uint8Array
  /** ML-KEM-768 encapsulation key. */
  readonly mlkemPublicKey: Uint8Array
  /** When it was signed, in ms since the Unix epoch. */
  readonly issuedAt: number
}

/** The fields a person signs; `person` is implied by the signing key. */
export type ProfileFields = Omit<Profile, 'person'>

/**
 * Encodes and signs a profile with the person's root secret key.
 * @throws {TypeError} if a field has the wrong type.
 * @throws {RangeError} if a key has the wrong length or `issuedAt` is not a safe non-negative integer.
 * @example const bytes = signProfile({ x25519PublicKey, mlkemPublicKey, issuedAt: Date.now() }, rootSk)
 */
export function signProfile(fields: ProfileFields, rootSecretKey: Uint8Array): Uint8Array {
  assertBytes(fields.x25519PublicKey, 'x25519PublicKey', X25519_KEY_LENGTH)
  assertBytes(fields.mlkemPublicKey, 'mlkemPublicKey', MLKEM768_PUBLIC_KEY_LENGTH)
  assertUint(fields.issuedAt, 'issuedAt')
  const body = createWriter()
    .byte(VERSION)
    .bytes(ed25519PublicKey(rootSecretKey))
    .bytes(fields.x25519PublicKey)
    .bytes(fields.mlkemPublicKey)
    .varUint(fields.issuedAt)
    .finish()
  return appendSignature(SignatureLabel.profile, rootSecretKey, body)
}

/**
 * The signed profile of a person's current keys.
 * @throws {RangeError} if `issuedAt` is not a safe non-negative integer.
 */
export function profileOf(keys: PersonKeys, issuedAt: number): Uint8Array {
  return signProfile(
    { x25519PublicKey: keys.agreement.publicKey, mlkemPublicKey: keys.kem.publicKey, issuedAt },
    keys.signing.secretKey
  )
}

/**
 * Decodes a profile and checks it: size cap, format, ML-KEM key (FIPS 203 §7.2 modulus
 * check), the person's signature, and that the X25519 key is not of low order.
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {InputTooLargeError} if `bytes` exceeds `MAX_PROFILE_BYTES`.
 * @throws {ProfileFormatError} if the bytes are malformed or a key is invalid.
 * @throws {SignatureInvalidError} if the signature does not verify.
 */
export function verifyProfile(bytes: Uint8Array): Profile {
  const { body, signature } = splitSignature(bytes, 'profile', MAX_PROFILE_BYTES, ProfileFormatError)
  const r = createReader(body, ProfileFormatError)
  const version = r.byte('profile version')
  if (version !== VERSION) throw new ProfileFormatError(`profile: unsupported version ${version}`)
  const person = r.bytes('person', ED25519_PUBLIC_KEY_LENGTH)
  const x25519PublicKey = r.bytes('x25519 key', X25519_KEY_LENGTH).slice()
  const mlkemPublicKey = r.bytes('ml-kem key', MLKEM768_PUBLIC_KEY_LENGTH).slice()
  const issuedAt = r.varUint('issuedAt')
  r.end('profile')
  if (!isMlKem768PublicKey(mlkemPublicKey)) throw new ProfileFormatError('profile: ML-KEM-768 key fails the modulus check')
  if (!verifyLabelled(SignatureLabel.profile, person, body, signature)) {
    throw new SignatureInvalidError('profile: signature does not verify')
  }
  // after the signature, so that forged junk costs one verification, not two scalar mults
  if (isX25519LowOrder(x25519PublicKey)) throw new ProfileFormatError('profile: X25519 key has low order')
  return { person: didKeyFromEd25519(person), x25519PublicKey, mlkemPublicKey, issuedAt }
}
