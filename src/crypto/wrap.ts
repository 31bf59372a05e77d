/**
 * Hybrid key wrap (DESIGN §8): an epoch key sealed for one recipient under a key that
 * stays secret unless *both* X25519 and ML-KEM-768 are broken, signed by the sender.
 *
 * ```
 * wrap   = 0x01 (version) ‖ docId (16) ‖ epoch (varuint) ‖ grantId (varbytes, 1..64)
 *          ‖ sender (Ed25519 pk, 32) ‖ recipient (Ed25519 pk, 32)
 *          ‖ eph_pk (X25519, 32) ‖ kem_ct (ML-KEM-768, 1088) ‖ nonce (24)
 *          ‖ sealed (32-byte key + 16-byte tag) ‖ sig (64)
 * ss     = X25519(eph_sk, R_x25519) ‖ ML-KEM-768.Encaps(R_kem; m).sharedSecret      (64 bytes)
 * kek    = HKDF-SHA256(ikm = ss, salt = eph_pk ‖ R_x25519,
 *                      info = "phr/v1/wrap" ‖ docId ‖ epoch ‖ grantId ‖ sender ‖ recipient, 32)
 *          (epoch and grantId in the info encoded exactly as in the wrap: varuint, varbytes)
 * sealed = XChaCha20-Poly1305(kek, nonce, aad = wrap bytes from version to kem_ct, key)
 * sig    = Ed25519(sender sk, "phr/v1/wrap" ‖ all bytes before sig)
 * ```
 *
 * The AEAD's associated data is not in DESIGN §8; it binds eph_pk and kem_ct (which the
 * KDF info does not name) to the sealed key at no cost.
 */
import {
  assertBytes,
  assertBytesInRange,
  assertUint,
  concatBytes,
  createReader,
  createWriter,
  DecryptError,
  DOC_ID_LENGTH,
  equalBytes,
  InputTooLargeError,
  SenderNotAllowedError,
  SignatureInvalidError,
  utf8Encode,
  wipe,
  WrapFormatError,
  WrapRecipientMismatchError
} from '../lib/index.ts'
import { ed25519FromDidKey } from './didkey.ts'
import {
  isMlKem768PublicKey,
  mlKem768Decapsulate,
  mlKem768Encapsulate,
  MLKEM768_CIPHERTEXT_LENGTH,
  MLKEM768_MSG_LENGTH,
  MLKEM768_PUBLIC_KEY_LENGTH,
  x25519KeyPair,
  x25519SharedSecret,
  X25519_KEY_LENGTH
} from './kem.ts'
import { KdfLabel, SignatureLabel } from './labels.ts'
import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, aeadOpen, aeadSeal, hkdfSha256, randomBytes } from './primitives.ts'
import { ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, ed25519PublicKey, signLabelled, verifyLabelled } from './sign.ts'
import type { Profile } from './profile.ts'

const VERSION = 1
/** Longest grant id, in bytes. */
export const MAX_GRANT_ID_BYTES = 64
/** Size cap for wrap bytes (the format is 1340–1410 bytes). */
export const MAX_WRAP_BYTES = 1536
/** Length of the wrapped key. */
export const WRAPPED_KEY_LENGTH = AEAD_KEY_LENGTH

/** What a wrapped key is for. */
export interface WrapContext {
  /** The compartment's 16-byte doc id. */
  readonly docId: Uint8Array
  /** The key epoch. */
  readonly epoch: number
  /** The grant this wrap belongs to (1..64 bytes, as the consent layer defines it). */
  readonly grantId: Uint8Array
}

/** The public part of a wrap, readable without keys. */
export interface WrapHeader extends WrapContext {
  /** Sender's Ed25519 root public key (the signer). */
  readonly sender: Uint8Array
  /** Recipient's Ed25519 root public key. */
  readonly recipient: Uint8Array
}

/** A successfully unwrapped key with its context. */
export interface UnwrappedKey extends WrapHeader {
  /** The 32-byte epoch key. */
  readonly key: Uint8Array
}

/** Injectable randomness, for test vectors only: never reuse these values. */
export interface WrapRandomness {
  /** 32-byte ephemeral X25519 secret key. */
  readonly ephemeralSecretKey: Uint8Array
  /** 32-byte ML-KEM-768 encapsulation randomness `m` (FIPS 203 §7.2). */
  readonly kemMessage: Uint8Array
  /** 24-byte XChaCha20-Poly1305 nonce. */
  readonly nonce: Uint8Array
}

/** The recipient's secrets needed to unwrap (a `PersonKeys` has this shape). */
export interface UnwrapKeys {
  readonly signing: { readonly publicKey: Uint8Array }
  readonly agreement: { readonly publicKey: Uint8Array; readonly secretKey: Uint8Array }
  readonly kem: { readonly secretKey: Uint8Array }
}

/** Options of `unwrapKey`. */
export interface UnwrapOptions {
  /** Whether `sender` may grant keys for this doc/epoch (e.g. is the doc's owner). @default allow all */
  isAllowedSender?(sender: Uint8Array, header: WrapHeader): boolean
}

interface ParsedWrap {
  readonly header: WrapHeader
  readonly ephemeralPublicKey: Uint8Array
  readonly kemCipherText: Uint8Array
  readonly nonce: Uint8Array
  readonly sealed: Uint8Array
  /** Bytes from version through kem_ct: the AEAD's associated data. */
  readonly aad: Uint8Array
  /** Bytes before the signature. */
  readonly signed: Uint8Array
  readonly signature: Uint8Array
}

function kdfInfo(header: WrapHeader): Uint8Array {
  return createWriter()
    .bytes(utf8Encode(KdfLabel.wrap))
    .bytes(header.docId)
    .varUint(header.epoch)
    .varBytes(header.grantId)
    .bytes(header.sender)
    .bytes(header.recipient)
    .finish()
}

function deriveKek(ss: Uint8Array, ephemeralPublicKey: Uint8Array, recipientX25519: Uint8Array, header: WrapHeader): Uint8Array {
  return hkdfSha256(ss, concatBytes(ephemeralPublicKey, recipientX25519), kdfInfo(header), AEAD_KEY_LENGTH)
}

/**
 * Wraps a 32-byte key for the person whose verified `Profile` is given, signed with the
 * sender's root secret key.
 * @throws {TypeError} if an argument has the wrong type.
 * @throws {RangeError} if a length or the epoch is out of range, or the profile's keys are
 *   unusable (low-order X25519 key, ML-KEM key failing the modulus check).
 * @throws {DidKeyError} if `recipient.person` is not an Ed25519 did:key.
 * @example const bytes = wrapKey(epochKey, { docId, epoch, grantId }, ownerSk, doctorProfile)
 */
export function wrapKey(
  key: Uint8Array,
  context: WrapContext,
  senderSecretKey: Uint8Array,
  recipient: Profile,
  random?: WrapRandomness
): Uint8Array {
  assertBytes(key, 'key', WRAPPED_KEY_LENGTH)
  assertBytes(context.docId, 'docId', DOC_ID_LENGTH)
  assertUint(context.epoch, 'epoch')
  assertBytesInRange(context.grantId, 'grantId', 1, MAX_GRANT_ID_BYTES)
  assertBytes(recipient.x25519PublicKey, 'recipient.x25519PublicKey', X25519_KEY_LENGTH)
  assertBytes(recipient.mlkemPublicKey, 'recipient.mlkemPublicKey', MLKEM768_PUBLIC_KEY_LENGTH)
  if (!isMlKem768PublicKey(recipient.mlkemPublicKey)) throw new RangeError('recipient.mlkemPublicKey: fails the FIPS 203 modulus check')
  if (random !== undefined) {
    assertBytes(random.ephemeralSecretKey, 'random.ephemeralSecretKey', X25519_KEY_LENGTH)
    assertBytes(random.kemMessage, 'random.kemMessage', MLKEM768_MSG_LENGTH)
    assertBytes(random.nonce, 'random.nonce', AEAD_NONCE_LENGTH)
  }
  const header: WrapHeader = {
    docId: context.docId,
    epoch: context.epoch,
    grantId: context.grantId,
    sender: ed25519PublicKey(senderSecretKey),
    recipient: ed25519FromDidKey(recipient.person)
  }
  const eph = x25519KeyPair(random?.ephemeralSecretKey)
  const dh = x25519SharedSecret(eph.secretKey, recipient.x25519PublicKey)
  if (dh === undefined) {
    wipe(eph.secretKey)
    throw new RangeError('recipient.x25519PublicKey: low-order point (RFC 7748 §6.1)')
  }
  const kem = mlKem768Encapsulate(recipient.mlkemPublicKey, random?.kemMessage)
  const ss = concatBytes(dh, kem.sharedSecret)
  const kek = deriveKek(ss, eph.publicKey, recipient.x25519PublicKey, header)
  wipe(eph.secretKey, dh, kem.sharedSecret, ss)
  try {
    const nonce = random?.nonce ?? randomBytes(AEAD_NONCE_LENGTH)
    const aad = createWriter()
      .byte(VERSION)
      .bytes(header.docId)
      .varUint(header.epoch)
      .varBytes(header.grantId)
      .bytes(header.sender)
      .bytes(header.recipient)
      .bytes(eph.publicKey)
      .bytes(kem.cipherText)
      .finish()
    const sealed = aeadSeal(kek, nonce, aad, key)
    const signed = concatBytes(aad, nonce, sealed)
    return concatBytes(signed, signLabelled(SignatureLabel.wrap, senderSecretKey, signed))
  } finally {
    wipe(kek)
  }
}

function parse(bytes: Uint8Array): ParsedWrap {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`wrap: expected Uint8Array, got ${typeof bytes}`)
  if (bytes.length > MAX_WRAP_BYTES) throw new InputTooLargeError(`wrap: ${bytes.length} bytes exceeds the cap of ${MAX_WRAP_BYTES}`)
  const r = createReader(bytes, WrapFormatError)
  const version = r.byte('wrap version')
  if (version !== VERSION) throw new WrapFormatError(`wrap: unsupported version ${version}`)
  const docId = r.bytes('docId', DOC_ID_LENGTH)
  const epoch = r.varUint('epoch')
  const grantId = r.varBytes('grantId', 1, MAX_GRANT_ID_BYTES)
  const sender = r.bytes('sender', ED25519_PUBLIC_KEY_LENGTH)
  const recipient = r.bytes('recipient', ED25519_PUBLIC_KEY_LENGTH)
  const ephemeralPublicKey = r.bytes('ephemeral key', X25519_KEY_LENGTH)
  const kemCipherText = r.bytes('kem ciphertext', MLKEM768_CIPHERTEXT_LENGTH)
  const aadEnd = r.offset
  const nonce = r.bytes('nonce', AEAD_NONCE_LENGTH)
  const sealed = r.bytes('sealed key', WRAPPED_KEY_LENGTH + AEAD_TAG_LENGTH)
  const signedEnd = r.offset
  const signature = r.bytes('signature', ED25519_SIGNATURE_LENGTH)
  r.end('wrap')
  return {
    header: { docId: docId.slice(), epoch, grantId: grantId.slice(), sender: sender.slice(), recipient: recipient.slice() },
    ephemeralPublicKey,
    kemCipherText,
    nonce,
    sealed,
    aad: bytes.subarray(0, aadEnd),
    signed: bytes.subarray(0, signedEnd),
    signature
  }
}

/**
 * Reads a wrap's public header without any cryptography (size cap and format only).
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {InputTooLargeError} if `bytes` exceeds `MAX_WRAP_BYTES`.
 * @throws {WrapFormatError} if the bytes are malformed.
 */
export function parseWrap(bytes: Uint8Array): WrapHeader {
  return parse(bytes).header
}

/**
 * Checks a wrap's format and sender signature (no secret keys needed), e.g. in a mailbox.
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {InputTooLargeError} if `bytes` exceeds `MAX_WRAP_BYTES`.
 * @throws {WrapFormatError} if the bytes are malformed.
 * @throws {SignatureInvalidError} if the signature does not verify.
 */
export function verifyWrap(bytes: Uint8Array): WrapHeader {
  const w = parse(bytes)
  if (!verifyLabelled(SignatureLabel.wrap, w.header.sender, w.signed, w.signature)) {
    throw new SignatureInvalidError('wrap: signature does not verify')
  }
  return w.header
}

/**
 * Unwraps a key, in this order: size cap → format → sender allowed → sender signature
 * (before any secret-key operation) → addressed to us → X25519 + ML-KEM decapsulation →
 * KDF → authenticated decryption.
 * @throws {TypeError} if an argument has the wrong type.
 * @throws {RangeError} if a key in `keys` has the wrong length.
 * @throws {InputTooLargeError} if `bytes` exceeds `MAX_WRAP_BYTES`.
 * @throws {WrapFormatError} if the bytes are malformed.
 * @throws {SenderNotAllowedError} if `opts.isAllowedSender` refuses the sender.
 * @throws {SignatureInvalidError} if the sender's signature does not verify.
 * @throws {WrapRecipientMismatchError} if the wrap is addressed to another person.
 * @throws {DecryptError} if the key does not decrypt (wrong keys or a crafted wrap).
 * @example const { key, epoch } = unwrapKey(bytes, myKeys, { isAllowedSender: (s) => equalBytes(s, ownerPk) })
 */
export function unwrapKey(bytes: Uint8Array, keys: UnwrapKeys, opts: UnwrapOptions = {}): UnwrappedKey {
  assertBytes(keys.signing.publicKey, 'keys.signing.publicKey', ED25519_PUBLIC_KEY_LENGTH)
  assertBytes(keys.agreement.publicKey, 'keys.agreement.publicKey', X25519_KEY_LENGTH)
  assertBytes(keys.agreement.secretKey, 'keys.agreement.secretKey', X25519_KEY_LENGTH)
  const w = parse(bytes)
  const { header } = w
  if (opts.isAllowedSender !== undefined && !opts.isAllowedSender(header.sender, header)) {
    throw new SenderNotAllowedError('wrap: sender is not allowed to grant this key')
  }
  // DESIGN §8 / brief: the signature is checked before any decapsulation or decryption
  if (!verifyLabelled(SignatureLabel.wrap, header.sender, w.signed, w.signature)) {
    throw new SignatureInvalidError('wrap: signature does not verify')
  }
  if (!equalBytes(header.recipient, keys.signing.publicKey)) {
    throw new WrapRecipientMismatchError('wrap: addressed to another person')
  }
  const dh = x25519SharedSecret(keys.agreement.secretKey, w.ephemeralPublicKey)
  if (dh === undefined) throw new DecryptError('wrap: ephemeral key has low order')
  const kemSecret = mlKem768Decapsulate(w.kemCipherText, keys.kem.secretKey)
  const ss = concatBytes(dh, kemSecret)
  const kek = deriveKek(ss, w.ephemeralPublicKey, keys.agreement.publicKey, header)
  wipe(dh, kemSecret, ss)
  try {
    return { ...header, key: aeadOpen(kek, w.nonce, w.aad, w.sealed) }
  } catch (err) {
    if (err instanceof DecryptError) throw new DecryptError('wrap: key does not decrypt', { cause: err })
    throw err
  } finally {
    wipe(kek)
  }
}
