/**
 * Keys, DIDs, signatures, AEAD, KDF, the key store and the hybrid key wrap (DESIGN §3, §8).
 * The only folder that imports `@noble/*` and `@scure/*`. Named errors come from
 * `../lib/index.ts`.
 *
 * @example
 * ```ts
 * import { createPerson, profileOf, verifyProfile, wrapKey, unwrapKey, randomBytes } from '../crypto/index.ts'
 *
 * const patient = createPerson().keys          // also returns the 24-word recovery phrase
 * const doctor = createPerson().keys
 * const doctorProfile = verifyProfile(profileOf(doctor, Date.now()))
 * const epochKey = randomBytes(32)
 * const wrapped = wrapKey(epochKey, { docId, epoch: 0, grantId }, patient.signing.secretKey, doctorProfile)
 * unwrapKey(wrapped, doctor).key               // equals epochKey
 * ```
 * @packageDocumentation
 */
import { assertBytes, DOC_ID_LENGTH, utf8Encode, type DocId } from '../lib/index.ts'
import { AEAD_KEY_LENGTH, hkdfSha256, randomBytes } from './primitives.ts'
import { KdfLabel, labelBytes } from './labels.ts'
import { RECOVERY_ENTROPY_LENGTH } from './identity.ts'

export { didKeyFromEd25519, ed25519FromDidKey } from './didkey.ts'
export { ed25519PublicJwk, ed25519PrivateJwk } from './jwk.ts'
export type { Ed25519PublicJwk, Ed25519PrivateJwk } from './jwk.ts'
export { SignatureLabel, AeadLabel, KdfLabel, labelBytes } from './labels.ts'
export {
  signLabelled,
  signLabelledAsync,
  ed25519SignRawAsync,
  verifyLabelled,
  verifyLabelledAsync,
  ed25519VerifyRawAsync,
  generateSigningKeyPair,
  ed25519PublicKey,
  isEd25519PublicKey,
  ed25519SignRaw,
  ed25519VerifyRaw,
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SECRET_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH
} from './sign.ts'
export type { SigningKeyPair } from './sign.ts'
export {
  randomBytes,
  aeadSeal,
  aeadOpen,
  hkdfSha256,
  sha256,
  AEAD_KEY_LENGTH,
  AEAD_NONCE_LENGTH,
  AEAD_TAG_LENGTH
} from './primitives.ts'
export {
  x25519KeyPair,
  x25519SharedSecret,
  isX25519LowOrder,
  mlKem768KeyPair,
  isMlKem768PublicKey,
  X25519_KEY_LENGTH,
  MLKEM768_PUBLIC_KEY_LENGTH,
  MLKEM768_SECRET_KEY_LENGTH,
  MLKEM768_CIPHERTEXT_LENGTH
} from './kem.ts'
export type { AgreementKeyPair } from './kem.ts'
export { isPeerIdString } from './peerId.ts'
export {
  createPerson,
  restorePerson,
  personFromEntropy,
  recoveryPhraseFromEntropy,
  entropyFromRecoveryPhrase,
  wipePerson,
  RECOVERY_ENTROPY_LENGTH,
  RECOVERY_WORD_COUNT,
  isRecoveryWord,
  recoveryWordHints
} from './identity.ts'
export type { PersonKeys } from './identity.ts'
export { signProfile, profileOf, verifyProfile, MAX_PROFILE_BYTES } from './profile.ts'
export type { Profile, ProfileFields } from './profile.ts'
export { issueDeviceCert, verifyDeviceCert, MAX_DEVICE_CERT_BYTES } from './deviceCert.ts'
export type { DeviceCert, DeviceCertFields } from './deviceCert.ts'
export {
  issueCredential,
  decodeCredential,
  verifyCredential,
  checkCredential,
  createTrustList,
  MAX_CREDENTIAL_BYTES
} from './credential.ts'
export type { PractitionerCredential, IssuedCredential, TrustList, CredentialVerdict } from './credential.ts'
export { sealSecret, openSecret, keystoreParams, derivePassphraseKey, DEFAULT_SCRYPT_PARAMS, DEFAULT_MAX_SCRYPT_MEMORY } from './keystore.ts'
export type { ScryptParams, SealSecretOptions, OpenSecretOptions, DerivePassphraseKeyOptions } from './keystore.ts'
export { appendSignature, splitSignature } from './signed.ts'
export { wrapKey, unwrapKey, parseWrap, verifyWrap, MAX_WRAP_BYTES, MAX_GRANT_ID_BYTES } from './wrap.ts'
export type { WrapContext, WrapHeader, UnwrappedKey, WrapRandomness, UnwrapKeys, UnwrapOptions } from './wrap.ts'

/**
 * A fresh random 16-byte doc id.
 * @throws Never.
 */
export function newDocId(): DocId {
  return randomBytes(DOC_ID_LENGTH) as DocId
}

/**
 * A fresh random 32-byte epoch key.
 * @throws Never.
 */
export function newEpochKey(): Uint8Array {
  return randomBytes(AEAD_KEY_LENGTH)
}

/**
 * The person's epoch seed: what every one of their devices derives rotated epoch keys from
 * (`deriveEpochKey`). It comes from the recovery entropy, so each device that holds the
 * person (and the recovery phrase) computes the same keys; a grantee never holds it.
 * @throws {TypeError} / {RangeError} if `entropy` is not 32 bytes
 */
export function deriveEpochSeed(entropy: Uint8Array): Uint8Array {
  assertBytes(entropy, 'entropy', RECOVERY_ENTROPY_LENGTH)
  return hkdfSha256(entropy, labelBytes(KdfLabel.recoverySalt), labelBytes(KdfLabel.epochSeed), 32)
}

/**
 * The key of epoch `epoch` (≥ 1) of compartment `docId`, derived from the person's epoch
 * seed: a rotation on one device and the same rotation on another give the same key, and
 * another device of the person can open what was sealed under it without being sent it.
 * Epoch 0 keys are `deriveFirstEpochKey`'s in one's own record, random elsewhere.
 * @throws {TypeError} / {RangeError} for a seed that is not 32 bytes, a doc id that is not 16, an epoch outside 1..2^32-1
 */
export function deriveEpochKey(seed: Uint8Array, docId: Uint8Array, epoch: number): Uint8Array {
  assertBytes(seed, 'seed', 32)
  assertBytes(docId, 'docId', DOC_ID_LENGTH)
  if (!Number.isSafeInteger(epoch) || epoch < 1 || epoch > 0xffffffff) throw new RangeError(`epoch: expected 1..2^32-1, got ${epoch}`)
  const label = labelBytes(KdfLabel.epochKey)
  const info = new Uint8Array(label.length + 4)
  info.set(label)
  new DataView(info.buffer).setUint32(label.length, epoch)
  return hkdfSha256(seed, docId, info, AEAD_KEY_LENGTH)
}

/**
 * The doc id of the person's own fixed compartment `kind` (`core`, `vitals`, …), derived
 * from the recovery entropy, so that the 24 words alone find the record again on a new
 * device (in a mailbox, on the person's other devices). HKDF leaks nothing of the entropy.
 * @throws {TypeError} / {RangeError} if `entropy` is not 32 bytes or `kind` is empty or longer than 128 bytes
 */
export function deriveRecordDocId(entropy: Uint8Array, kind: string): Uint8Array {
  assertBytes(entropy, 'entropy', RECOVERY_ENTROPY_LENGTH)
  const k = utf8Encode(kind)
  if (k.length === 0 || k.length > 128) throw new RangeError('kind: expected 1..128 bytes')
  const label = labelBytes(KdfLabel.recordDocId)
  const info = new Uint8Array(label.length + 1 + k.length)
  info.set(label)
  // a separator byte that no label contains: label ‖ 0x00 ‖ kind parses one way
  info.set(k, label.length + 1)
  return hkdfSha256(entropy, labelBytes(KdfLabel.recoverySalt), info, DOC_ID_LENGTH)
}

/**
 * Epoch 0's key of the person's own fixed compartment `docId`, derived from their epoch
 * seed (as rotated epochs are, `deriveEpochKey`), so that the recovery phrase alone opens
 * the record's first epoch too. A grantee is handed the key, never the seed.
 * @throws {TypeError} / {RangeError} for a seed that is not 32 bytes or a doc id that is not 16
 */
export function deriveFirstEpochKey(seed: Uint8Array, docId: Uint8Array): Uint8Array {
  assertBytes(seed, 'seed', 32)
  assertBytes(docId, 'docId', DOC_ID_LENGTH)
  return hkdfSha256(seed, docId, labelBytes(KdfLabel.firstEpochKey), AEAD_KEY_LENGTH)
}
