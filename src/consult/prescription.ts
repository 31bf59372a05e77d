/**
 * E-prescriptions (DESIGN §9): a FHIR R4 MedicationRequest signed by the doctor as a
 * compact JWS (RFC 7515 §7.1) with `jose`, EdDSA over Ed25519 (RFC 8037), carrying the
 * doctor's did and practitioner credential, verified offline by a pharmacy against the
 * app's trust list of licensing authorities.
 *
 * ```
 * protected header = { "alg": "EdDSA", "typ": "phr-rx", "zip": "DEF",
 *                      "kid": <doctor's did:key>, "cred": <credential bytes, base64url>? }
 * payload          = raw DEFLATE (RFC 1951) of the MedicationRequest's JSON (UTF-8)
 * ```
 *
 * `typ` types the JWS explicitly (RFC 8725 §3.11); `zip: "DEF"` compresses the payload as
 * JWE's `zip` does (RFC 7516 §4.1.3) and SMART Health Cards do for JWS, which keeps the QR
 * code small. The signature covers the compressed bytes, so nothing is inflated before the
 * signature has been checked. `cred` is a private header parameter (RFC 7515 §4.3): the
 * credential is a licensing authority's signature over the doctor's did, name and licence
 * (DESIGN §3), so the header binds the licence to this prescription.
 *
 * Verification never throws for what it is given to read: it returns a verdict, checked in
 * this order — size caps → strict compact form (canonical base64url) → header → signature
 * with the key `kid` names (`tampered`) → inflate (capped) → MedicationRequest
 * (`malformed`) → credential for `kid`, from a trusted authority, valid now
 * (`unverified-prescriber`) → validity period (`expired`, `not-yet-valid`) → `valid`.
 */
import { base64url, CompactSign, compactVerify, errors as joseErrors } from 'jose'
import { assertBytes, assertFunction, PhrError, utf8Decode, utf8Encode } from '../lib/index.ts'
import {
  checkCredential,
  decodeCredential,
  didKeyFromEd25519,
  ed25519FromDidKey,
  ed25519PrivateJwk,
  ed25519PublicJwk,
  ed25519PublicKey,
  randomBytes,
  MAX_CREDENTIAL_BYTES,
  type TrustList
} from '../crypto/index.ts'
import { deflateRaw, inflateRaw } from './deflate.ts'
import { PrescriberMismatchError, PrescriptionFormatError, PrescriptionSignatureError, PrescriptionTooLargeError } from './errors.ts'
import { medicationRequestOf, readMedicationRequest, type PrescriptionContent, type PrescriptionDraft, type SignedMedicationRequest } from './medication-request.ts'
import { jwsFromPrescriptionText, prescriptionQrText } from './qr-text.ts'

/** The JWS `typ` of a prescription. */
export const PRESCRIPTION_JWS_TYPE = 'phr-rx'
/** Longest JWS `signPrescription` makes: its QR text (7 + 2 × this characters) fits a version-34 QR code at level M. A typical prescription is about 1,200 (version 25). */
export const MAX_SIGNED_JWS_CHARS = 2048
/** Longest protected-header segment read, in base64url characters. */
export const MAX_HEADER_CHARS = 2048
/** Longest payload segment read, in base64url characters. */
export const MAX_PAYLOAD_CHARS = 4096
/** Most bytes a payload may inflate to. */
export const MAX_INFLATED_PAYLOAD_BYTES = 8192
/** An Ed25519 signature is 64 bytes: 86 base64url characters. */
const SIGNATURE_CHARS = 86
const ALG = 'EdDSA'
const HEADER_PARAMS: ReadonlySet<string> = new Set(['alg', 'typ', 'zip', 'kid', 'cred'])
const B64URL = /^[A-Za-z0-9_-]+$/

/** What a verifier can say. */
export const PrescriptionStatus = {
  /** Signed by a practitioner whose licence a trusted authority vouches for, unchanged, and within its validity period. */
  valid: 'valid',
  /** Changed after signing, or not signed by the key it names. */
  tampered: 'tampered',
  /** Past the end of its validity period. */
  expired: 'expired',
  /** Before the start of its validity period. */
  notYetValid: 'not-yet-valid',
  /** Signed and unchanged, but the prescriber's licence is missing, not theirs, expired, or from an authority this app does not trust. */
  unverifiedPrescriber: 'unverified-prescriber',
  /** Not a prescription this app can read. */
  malformed: 'malformed'
} as const
export type PrescriptionStatus = (typeof PrescriptionStatus)[keyof typeof PrescriptionStatus]

/** What the prescriber's credential says, and whether it holds. */
export interface PrescriberInfo {
  /** The did:key that signed (`kid`). */
  readonly did: string
  /**
   * `verified`: issued to `did` by a trusted authority, valid now · `untrusted`: by an
   * authority not on the trust list · `expired` · `invalid`: not a credential, or its
   * authority signature fails · `not-theirs`: issued to another did · `none`: no credential.
   */
  readonly credential: 'verified' | 'untrusted' | 'expired' | 'invalid' | 'not-theirs' | 'none'
  /** Name, licence and specialty as the credential states them (absent for `invalid`, `not-theirs`, `none`). */
  readonly name?: string
  readonly licence?: string
  readonly specialty?: string
  /** did:key of the issuing authority, and its name when it is trusted. */
  readonly authority?: string
  readonly authorityName?: string
}

/** What a signed prescription says, and who signed it. */
export interface PrescriptionDetails extends PrescriptionContent {
  readonly prescriber: PrescriberInfo
  /** The MedicationRequest exactly as signed. */
  readonly resource: SignedMedicationRequest
}

/** The outcome of verifying a prescription. */
export type PrescriptionVerdict =
  | { readonly status: 'valid' | 'expired' | 'not-yet-valid' | 'unverified-prescriber'; readonly details: PrescriptionDetails }
  | { readonly status: 'tampered' | 'malformed'; readonly error: PhrError }

/** The doctor who signs. */
export interface PrescriberKeys {
  /** The doctor's root Ed25519 secret key (their did is its did:key). */
  readonly secretKey: Uint8Array
  /** Their practitioner credential, as the licensing authority issued it. */
  readonly credential?: Uint8Array
  /** Their name, when no credential says it. */
  readonly name?: string
}

/** Options of `signPrescription`. */
export interface SignPrescriptionInit {
  /** @default Date.now */
  readonly now?: () => number
  /** The MedicationRequest id. @default `rx-` and 16 random hex digits */
  readonly id?: string
}

/** A signed prescription. */
export interface SignedPrescription {
  /** The compact JWS. */
  readonly jws: string
  /** The text of its QR code (`phr-rx:` and digits). */
  readonly qrText: string
  /** The MedicationRequest as signed. */
  readonly resource: SignedMedicationRequest
}

/**
 * Signs a prescription as the doctor whose secret key is given.
 * @throws {TypeError} for a field of the wrong type.
 * @throws {RangeError} for a field out of range (see `medicationRequestOf`).
 * @throws {CredentialFormatError | SignatureInvalidError | InputTooLargeError} if `credential` is not a valid credential.
 * @throws {PrescriberMismatchError} if `credential` was issued to another did.
 * @throws {PrescriptionTooLargeError} if the JWS would be longer than `MAX_SIGNED_JWS_CHARS` (shorten the texts).
 * @example const { jws, qrText } = await signPrescription(draft, { secretKey, credential })
 */
export async function signPrescription(draft: PrescriptionDraft, prescriber: PrescriberKeys, init: SignPrescriptionInit = {}): Promise<SignedPrescription> {
  assertBytes(prescriber.secretKey, 'secretKey', 32)
  const now = init.now ?? Date.now
  assertFunction(now, 'now')
  const did = didKeyFromEd25519(ed25519PublicKey(prescriber.secretKey))
  const credential = prescriber.credential === undefined ? undefined : decodeCredential(prescriber.credential)
  if (credential !== undefined && credential.did !== did) throw new PrescriberMismatchError(`prescription: the credential was issued to ${credential.did}, not to the signer ${did}`)
  const requester = credential?.name ?? prescriber.name
  const id = init.id ?? `rx-${Array.from(randomBytes(8), (b) => b.toString(16).padStart(2, '0')).join('')}`
  const resource = medicationRequestOf(draft, { id, authoredOn: now(), ...(requester === undefined ? {} : { requester }) })
  const header = {
    alg: ALG,
    typ: PRESCRIPTION_JWS_TYPE,
    zip: 'DEF',
    kid: did,
    ...(prescriber.credential === undefined ? {} : { cred: base64url.encode(prescriber.credential) })
  }
  const payload = await deflateRaw(utf8Encode(JSON.stringify(resource)))
  const jws = await new CompactSign(payload).setProtectedHeader(header).sign(ed25519PrivateJwk(prescriber.secretKey))
  if (jws.length > MAX_SIGNED_JWS_CHARS) throw new PrescriptionTooLargeError(`prescription: ${jws.length} JWS characters, more than a QR code should hold (${MAX_SIGNED_JWS_CHARS}); shorten the texts`)
  return { jws, qrText: prescriptionQrText(jws), resource }
}

/** Strict base64url: only the alphabet, no padding, and the one spelling of its bytes (no stray trailing bits). */
function segment(text: string, label: string, maxChars: number): Uint8Array {
  if (text.length > maxChars) throw new PrescriptionTooLargeError(`prescription: ${label} longer than ${maxChars} characters`)
  if (!B64URL.test(text) || text.length % 4 === 1) throw new PrescriptionFormatError(`prescription: ${label} is not base64url`)
  const bytes = base64url.decode(text)
  // RFC 4648 §3.5: a decoder may reject non-zero pad bits; we do, so a JWS has one spelling
  if (base64url.encode(bytes) !== text) throw new PrescriptionFormatError(`prescription: ${label} is not canonical base64url`)
  return bytes
}

interface Header {
  readonly kid: string
  readonly publicKey: Uint8Array
  readonly cred?: Uint8Array
}

function parseHeader(text: string): Header {
  let json: unknown
  try {
    json = JSON.parse(utf8Decode(segment(text, 'header', MAX_HEADER_CHARS)))
  } catch (err) {
    if (err instanceof PhrError) throw err
    throw new PrescriptionFormatError('prescription: header is not JSON', { cause: err })
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new PrescriptionFormatError('prescription: header is not a JSON object')
  const h = json as Record<string, unknown>
  // no `crit`, `b64`, `jku`, `jwk`…: a prescription header has exactly these parameters
  for (const k of Object.keys(h)) if (!HEADER_PARAMS.has(k)) throw new PrescriptionFormatError(`prescription: unexpected header parameter "${k}"`)
  if (h['alg'] !== ALG) throw new PrescriptionFormatError('prescription: alg must be EdDSA')
  if (h['typ'] !== PRESCRIPTION_JWS_TYPE) throw new PrescriptionFormatError(`prescription: typ must be ${PRESCRIPTION_JWS_TYPE}`)
  if (h['zip'] !== 'DEF') throw new PrescriptionFormatError('prescription: zip must be DEF')
  if (typeof h['kid'] !== 'string') throw new PrescriptionFormatError('prescription: kid must be a did:key')
  const publicKey = ed25519FromDidKey(h['kid'])
  const c = h['cred']
  if (c !== undefined && typeof c !== 'string') throw new PrescriptionFormatError('prescription: cred must be base64url')
  const cred = c === undefined ? undefined : segment(c, 'cred', Math.ceil((MAX_CREDENTIAL_BYTES * 4) / 3))
  return { kid: h['kid'], publicKey, ...(cred === undefined ? {} : { cred }) }
}

function prescriberOf(header: Header, trustList: TrustList, now: () => number): PrescriberInfo {
  if (header.cred === undefined) return { did: header.kid, credential: 'none' }
  const v = checkCredential(header.cred, { trustList, now })
  if (v.status === 'invalid') return { did: header.kid, credential: 'invalid' }
  // a credential names whom it vouches for: someone else's licence says nothing about this signer
  if (v.credential.did !== header.kid) return { did: header.kid, credential: 'not-theirs' }
  const c = v.credential
  const stated = { did: header.kid, name: c.name, licence: c.licence, specialty: c.specialty, authority: c.issuer }
  return v.status === 'verified' ? { ...stated, credential: 'verified', authorityName: v.authorityName } : { ...stated, credential: v.status }
}

async function checkSignature(jws: string, publicKey: Uint8Array): Promise<void> {
  try {
    await compactVerify(jws, ed25519PublicJwk(publicKey), { algorithms: [ALG] })
  } catch (err) {
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) throw new PrescriptionSignatureError('prescription: the signature does not verify', { cause: err })
    throw new PrescriptionFormatError('prescription: not a JWS jose can verify', { cause: err })
  }
}

/**
 * Verifies a prescription — the text of its QR code, or a bare compact JWS — offline.
 * Returns a verdict for whatever it is given; throws only for a programming error.
 * @throws {TypeError} if `text` is not a string, `opts.now` not a function, or `opts.trustList` not a trust list.
 * @example const v = await verifyPrescription(scanned, { trustList, now: Date.now }); if (v.status === 'valid') show(v.details)
 */
export async function verifyPrescription(text: string, opts: { readonly trustList: TrustList; readonly now: () => number }): Promise<PrescriptionVerdict> {
  if (typeof text !== 'string') throw new TypeError(`text: expected string, got ${typeof text}`)
  assertFunction(opts.now, 'now')
  if (typeof opts.trustList?.has !== 'function') throw new TypeError('trustList: expected a TrustList')
  try {
    const jws = jwsFromPrescriptionText(text)
    const parts = jws.split('.')
    if (parts.length !== 3) throw new PrescriptionFormatError('prescription: a compact JWS has three parts')
    const [headerText, payloadText, signatureText] = parts as [string, string, string]
    const header = parseHeader(headerText)
    const deflated = segment(payloadText, 'payload', MAX_PAYLOAD_CHARS)
    if (signatureText.length !== SIGNATURE_CHARS) throw new PrescriptionFormatError(`prescription: an Ed25519 signature is ${SIGNATURE_CHARS} characters`)
    segment(signatureText, 'signature', SIGNATURE_CHARS)
    await checkSignature(jws, header.publicKey)
    let json: unknown
    try {
      json = JSON.parse(utf8Decode(await inflateRaw(deflated, MAX_INFLATED_PAYLOAD_BYTES)))
    } catch (err) {
      if (err instanceof PhrError) throw err
      throw new PrescriptionFormatError('prescription: payload is not UTF-8 JSON', { cause: err })
    }
    const content = readMedicationRequest(json)
    const prescriber = prescriberOf(header, opts.trustList, opts.now)
    const details: PrescriptionDetails = { ...content, prescriber, resource: json as SignedMedicationRequest }
    const t = opts.now()
    if (prescriber.credential !== 'verified') return { status: PrescriptionStatus.unverifiedPrescriber, details }
    if (t > content.validUntil) return { status: PrescriptionStatus.expired, details }
    if (t < content.validFrom) return { status: PrescriptionStatus.notYetValid, details }
    return { status: PrescriptionStatus.valid, details }
  } catch (err) {
    if (err instanceof PrescriptionSignatureError) return { status: PrescriptionStatus.tampered, error: err }
    if (err instanceof PhrError) return { status: PrescriptionStatus.malformed, error: err }
    // anything else came from reading attacker-chosen bytes (jose, the platform's inflater):
    // still a verdict, never an exception, with the cause kept for the log
    return { status: PrescriptionStatus.malformed, error: new PrescriptionFormatError('prescription: could not be read', { cause: err }) }
  }
}
