/**
 * Practitioner credentials (DESIGN §3): a licensing authority's key certifies
 * `{did, name, licence, specialty, validUntil}`; apps carry a trust list of authority keys.
 *
 * ```
 * credential = 0x01 (version) ‖ subject (Ed25519 pk of `did`, 32) ‖ name (varstring)
 *              ‖ licence (varstring) ‖ specialty (varstring) ‖ validUntil (varuint, ms)
 *              ‖ issuer (authority Ed25519 pk, 32) ‖ sig (64)
 * sig        = Ed25519(authority sk, "phr/v1/credential" ‖ all bytes before sig)
 * ```
 * Strings are ≤ 256 UTF-8 bytes each. A credential is valid while `now() ≤ validUntil`.
 */
import {
  assertFunction,
  assertText,
  assertUint,
  createReader,
  createWriter,
  CredentialExpiredError,
  CredentialFormatError,
  PhrError,
  SignatureInvalidError,
  UntrustedAuthorityError
} from '../lib/index.ts'
import { didKeyFromEd25519, ed25519FromDidKey } from './didkey.ts'
import { SignatureLabel } from './labels.ts'
import { ED25519_PUBLIC_KEY_LENGTH, ed25519PublicKey, verifyLabelled } from './sign.ts'
import { appendSignature, splitSignature } from './signed.ts'

const VERSION = 1
/** Longest text field of a credential, in UTF-8 bytes. */
export const MAX_CREDENTIAL_TEXT_BYTES = 256
/** Size cap for credential bytes. */
export const MAX_CREDENTIAL_BYTES = 1024

/** What an authority certifies about a practitioner. */
export interface PractitionerCredential {
  /** The practitioner's `did:key`. */
  readonly did: string
  /** Name as licensed. */
  readonly name: string
  /** Licence number or identifier, in the authority's format. */
  readonly licence: string
  /** Specialty, e.g. "General practice". */
  readonly specialty: string
  /** Last valid instant, in ms since the Unix epoch (inclusive). */
  readonly validUntil: number
}

/** A credential whose authority signature verified. */
export interface IssuedCredential extends PractitionerCredential {
  /** `did:key` of the issuing authority. */
  readonly issuer: string
}

/** The licensing authorities an app trusts. */
export interface TrustList {
  /** Whether `authority` (a did:key) is trusted. */
  has(authority: string): boolean
  /** Display name of a trusted authority. */
  nameOf(authority: string): string | undefined
  /** Number of trusted authorities. */
  readonly size: number
}

/** Outcome of checking a credential, for display ("verified", or why it is not). */
export type CredentialVerdict =
  | { readonly status: 'verified'; readonly credential: IssuedCredential; readonly authorityName: string }
  | { readonly status: 'expired'; readonly credential: IssuedCredential }
  | { readonly status: 'untrusted'; readonly credential: IssuedCredential }
  | { readonly status: 'invalid'; readonly error: PhrError }

/**
 * Issues (encodes and signs) a credential with an authority's secret key.
 * @throws {TypeError} if a field has the wrong type.
 * @throws {DidKeyError} if `credential.did` is not an Ed25519 did:key.
 * @throws {RangeError} if a text field is too long or `validUntil` is not a safe non-negative integer.
 */
export function issueCredential(credential: PractitionerCredential, authoritySecretKey: Uint8Array): Uint8Array {
  const subject = ed25519FromDidKey(credential.did)
  assertText(credential.name, 'name', MAX_CREDENTIAL_TEXT_BYTES)
  assertText(credential.licence, 'licence', MAX_CREDENTIAL_TEXT_BYTES)
  assertText(credential.specialty, 'specialty', MAX_CREDENTIAL_TEXT_BYTES)
  assertUint(credential.validUntil, 'validUntil')
  const body = createWriter()
    .byte(VERSION)
    .bytes(subject)
    .varString(credential.name)
    .varString(credential.licence)
    .varString(credential.specialty)
    .varUint(credential.validUntil)
    .bytes(ed25519PublicKey(authoritySecretKey))
    .finish()
  return appendSignature(SignatureLabel.credential, authoritySecretKey, body)
}

/**
 * Decodes a credential and verifies the issuer's signature — but not trust or expiry;
 * use `verifyCredential` or `checkCredential` for that.
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {InputTooLargeError} if `bytes` exceeds `MAX_CREDENTIAL_BYTES`.
 * @throws {CredentialFormatError} if the bytes are malformed.
 * @throws {SignatureInvalidError} if the signature does not verify.
 */
export function decodeCredential(bytes: Uint8Array): IssuedCredential {
  const { body, signature } = splitSignature(bytes, 'credential', MAX_CREDENTIAL_BYTES, CredentialFormatError)
  const r = createReader(body, CredentialFormatError)
  const version = r.byte('credential version')
  if (version !== VERSION) throw new CredentialFormatError(`credential: unsupported version ${version}`)
  const subject = r.bytes('subject', ED25519_PUBLIC_KEY_LENGTH)
  const name = r.varString('name', MAX_CREDENTIAL_TEXT_BYTES)
  const licence = r.varString('licence', MAX_CREDENTIAL_TEXT_BYTES)
  const specialty = r.varString('specialty', MAX_CREDENTIAL_TEXT_BYTES)
  const validUntil = r.varUint('validUntil')
  const issuer = r.bytes('issuer', ED25519_PUBLIC_KEY_LENGTH)
  r.end('credential')
  if (!verifyLabelled(SignatureLabel.credential, issuer, body, signature)) {
    throw new SignatureInvalidError('credential: signature does not verify')
  }
  return {
    did: didKeyFromEd25519(subject),
    name,
    licence,
    specialty,
    validUntil,
    issuer: didKeyFromEd25519(issuer)
  }
}

/**
 * Verifies a credential in this order: format → signature → issuer on the trust list →
 * `now() ≤ validUntil`.
 * @throws {TypeError} if `bytes` is not a `Uint8Array` or `opts.now` is not a function.
 * @throws {InputTooLargeError} if `bytes` exceeds `MAX_CREDENTIAL_BYTES`.
 * @throws {CredentialFormatError} if the bytes are malformed.
 * @throws {SignatureInvalidError} if the signature does not verify.
 * @throws {UntrustedAuthorityError} if the issuer is not on the trust list.
 * @throws {CredentialExpiredError} if `now()` is after `validUntil`.
 * @example verifyCredential(bytes, { trustList, now: () => Date.now() })
 */
export function verifyCredential(
  bytes: Uint8Array,
  opts: { readonly trustList: TrustList; readonly now: () => number }
): IssuedCredential {
  assertFunction(opts.now, 'now')
  const credential = decodeCredential(bytes)
  checkTrustAndExpiry(credential, opts)
  return credential
}

function checkTrustAndExpiry(
  credential: IssuedCredential,
  opts: { readonly trustList: TrustList; readonly now: () => number }
): void {
  if (!opts.trustList.has(credential.issuer)) {
    throw new UntrustedAuthorityError(`credential: issuer ${credential.issuer} is not on the trust list`)
  }
  if (opts.now() > credential.validUntil) {
    throw new CredentialExpiredError(`credential: expired at ${new Date(credential.validUntil).toISOString()}`)
  }
}

/**
 * Like `verifyCredential`, but returns a verdict for display instead of throwing for
 * input problems. Practitioners without a verified credential are shown as unverified.
 * @throws {TypeError} if `bytes` is not a `Uint8Array` or `opts.now` is not a function.
 */
export function checkCredential(
  bytes: Uint8Array,
  opts: { readonly trustList: TrustList; readonly now: () => number }
): CredentialVerdict {
  assertFunction(opts.now, 'now')
  let credential: IssuedCredential
  try {
    credential = decodeCredential(bytes)
  } catch (err) {
    if (err instanceof PhrError) return { status: 'invalid', error: err }
    throw err
  }
  try {
    checkTrustAndExpiry(credential, opts)
  } catch (err) {
    if (err instanceof UntrustedAuthorityError) return { status: 'untrusted', credential }
    if (err instanceof CredentialExpiredError) return { status: 'expired', credential }
    throw err
  }
  return { status: 'verified', credential, authorityName: opts.trustList.nameOf(credential.issuer) ?? '' }
}

/**
 * A trust list of licensing authorities, each given by its did:key and a display name.
 * @throws {TypeError} if an entry's `name` is not a string.
 * @throws {DidKeyError} if an entry's `did` is not an Ed25519 did:key.
 * @example createTrustList([{ did: 'did:key:z6Mk…', name: 'Medical Council' }])
 */
export function createTrustList(authorities: Iterable<{ readonly did: string; readonly name: string }>): TrustList {
  const names = new Map<string, string>()
  for (const { did, name } of authorities) {
    ed25519FromDidKey(did) // validates
    if (typeof name !== 'string') throw new TypeError(`trust list: name of ${did} must be a string`)
    names.set(did, name)
  }
  return {
    has: (authority) => names.has(authority),
    nameOf: (authority) => names.get(authority),
    size: names.size
  }
}
