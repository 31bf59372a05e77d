/**
 * Consent grants and their revocations (DESIGN §8), signed by the patient's root key.
 *
 * ```
 * grant = 0x01 (version) ‖ id (16) ‖ patient (Ed25519 pk, 32) ‖ grantee (Ed25519 pk, 32)
 *         ‖ n (varuint ≤ 16) ‖ n × device PeerId (varstring)
 *         ‖ m (varuint 1..64) ‖ m × (docId (16) ‖ kind (varstring ≤ 128))
 *         ‖ rights (1: read, 2: read + visit-write) ‖ visit (0 | 1 ‖ docId (16))
 *         ‖ notBefore ‖ notAfter ‖ issuedAt (varuint ms) ‖ purpose (varstring ≤ 256)
 *         ‖ sig (64) = Ed25519(patient sk, "phr/v1/grant" ‖ all bytes before sig)
 * revocation = 0x01 ‖ grant id (16) ‖ patient (32) ‖ revokedAt (varuint ms)
 *         ‖ sig (64) = Ed25519(patient sk, "phr/v1/revocation" ‖ all bytes before sig)
 * ```
 * A grant of `read+visit-write` names the `visit:<grantId>` compartment the grantee
 * writes into. A grant is in force from `notBefore` until the first of `notAfter` and its
 * revocation; `grantStatus` says which.
 */
import {
  asDocId,
  assertText,
  assertUint,
  createReader,
  createWriter,
  DOC_ID_LENGTH,
  equalBytes,
  FormatError,
  PhrError,
  SignatureInvalidError,
  toHex,
  type DocId
} from '../lib/index.ts'
import {
  appendSignature,
  didKeyFromEd25519,
  ed25519FromDidKey,
  ED25519_PUBLIC_KEY_LENGTH,
  ed25519PublicKey,
  isPeerIdString,
  randomBytes,
  SignatureLabel,
  splitSignature,
  verifyLabelled
} from '../crypto/index.ts'

/** The grant or revocation bytes are malformed. */
export class GrantFormatError extends FormatError {
  override name: string = 'GrantFormatError'
}

/** A grant that is not in force was used (expired, not yet valid, revoked, or for someone else). */
export class GrantNotValidError extends PhrError {
  override name: string = 'GrantNotValidError'
}

const VERSION = 1
/** Length of a grant id. */
export const GRANT_ID_LENGTH = 16
/** Size cap of grant bytes. */
export const MAX_GRANT_BYTES = 8 * 1024
/** Size cap of revocation bytes. */
export const MAX_REVOCATION_BYTES = 1 + GRANT_ID_LENGTH + ED25519_PUBLIC_KEY_LENGTH + 10 + 64
/** Devices a grant may name. */
export const MAX_GRANT_DEVICES = 16
/** Compartments a grant may cover. */
export const MAX_GRANT_COMPARTMENTS = 64
const MAX_KIND_BYTES = 128
const MAX_PURPOSE_BYTES = 256
const MAX_PEER_ID_CHARS = 128

/** What a grantee may do. */
export const GrantRights = {
  /** Read the covered compartments. */
  read: 'read',
  /** Read them and write the grant's visit compartment. */
  readVisitWrite: 'read+visit-write'
} as const
/** One of `GrantRights`. */
export type GrantRights = (typeof GrantRights)[keyof typeof GrantRights]

const RIGHTS_CODE: Record<GrantRights, number> = { read: 1, 'read+visit-write': 2 }

/** A compartment a grant covers. */
export interface GrantedCompartment {
  readonly docId: DocId
  /** `core`, `results`, … (shown to the patient; the doc id is what counts). */
  readonly kind: string
}

/** The fields a patient signs; `patient` is implied by the signing key. */
export interface GrantFields {
  /** 16 random bytes; `newGrantId()`. */
  readonly id: Uint8Array
  /** did:key of the person granted access. */
  readonly grantee: string
  /** Only these devices (PeerIds) of the grantee; every device they certify when empty. */
  readonly devices: readonly string[]
  readonly compartments: readonly GrantedCompartment[]
  readonly rights: GrantRights
  /** The `visit:<grantId>` compartment, for `read+visit-write`. */
  readonly visitDocId?: DocId
  /** In force from (ms since the epoch). */
  readonly notBefore: number
  /** In force until, exclusive (ms since the epoch). */
  readonly notAfter: number
  readonly issuedAt: number
  /** Why ("visit on 2026-11-29", "caregiver: vitals"): shown, and exported as Consent. */
  readonly purpose: string
}

/** A verified grant. */
export interface Grant extends GrantFields {
  /** did:key of the patient who signed it. */
  readonly patient: string
  /** The signed bytes, to pass on (sync HELLO, mailboxes). */
  readonly bytes: Uint8Array
}

/** A verified revocation. */
export interface Revocation {
  readonly grantId: Uint8Array
  readonly patient: string
  readonly revokedAt: number
  readonly bytes: Uint8Array
}

/** A fresh random grant id. */
export function newGrantId(): Uint8Array {
  return randomBytes(GRANT_ID_LENGTH)
}

/** The grant id as the `visit:<grantId>` compartment kind and UI show it. */
export function grantIdHex(id: Uint8Array): string {
  return toHex(id)
}

function checkFields(f: GrantFields): void {
  if (!(f.id instanceof Uint8Array) || f.id.length !== GRANT_ID_LENGTH) throw new RangeError(`grant id: expected ${GRANT_ID_LENGTH} bytes`)
  ed25519FromDidKey(f.grantee)
  if (f.devices.length > MAX_GRANT_DEVICES) throw new RangeError(`grant: more than ${MAX_GRANT_DEVICES} devices`)
  for (const d of f.devices) if (!isPeerIdString(d)) throw new RangeError(`grant: ${String(d)} is not a PeerId`)
  if (f.compartments.length === 0 || f.compartments.length > MAX_GRANT_COMPARTMENTS) throw new RangeError(`grant: 1..${MAX_GRANT_COMPARTMENTS} compartments`)
  for (const c of f.compartments) {
    if (!(c.docId instanceof Uint8Array) || c.docId.length !== DOC_ID_LENGTH) throw new RangeError('grant: a compartment doc id is not 16 bytes')
    assertText(c.kind, 'compartment kind', MAX_KIND_BYTES)
  }
  if (!(f.rights in RIGHTS_CODE)) throw new RangeError(`grant: unknown rights ${String(f.rights)}`)
  if ((f.rights === 'read+visit-write') !== (f.visitDocId !== undefined)) throw new RangeError('grant: a visit compartment goes with read+visit-write, and only with it')
  assertUint(f.notBefore, 'notBefore')
  assertUint(f.notAfter, 'notAfter')
  assertUint(f.issuedAt, 'issuedAt')
  if (f.notAfter <= f.notBefore) throw new RangeError('grant: notAfter must be after notBefore')
  assertText(f.purpose, 'purpose', MAX_PURPOSE_BYTES)
}

/**
 * Signs a grant with the patient's root secret key.
 * @throws {TypeError | RangeError} for a malformed field (named in the message)
 * @example signGrant({ id: newGrantId(), grantee: doctorDid, devices: [], compartments, rights: 'read', notBefore: now, notAfter: now + DAY, issuedAt: now, purpose: 'visit' }, patientSk)
 */
export function signGrant(fields: GrantFields, patientSecretKey: Uint8Array): Uint8Array {
  checkFields(fields)
  const w = createWriter().byte(VERSION).bytes(fields.id).bytes(ed25519PublicKey(patientSecretKey)).bytes(ed25519FromDidKey(fields.grantee))
  w.varUint(fields.devices.length)
  for (const d of fields.devices) w.varString(d)
  w.varUint(fields.compartments.length)
  for (const c of fields.compartments) w.bytes(c.docId).varString(c.kind)
  w.byte(RIGHTS_CODE[fields.rights])
  if (fields.visitDocId === undefined) w.byte(0)
  else w.byte(1).bytes(fields.visitDocId)
  w.varUint(fields.notBefore).varUint(fields.notAfter).varUint(fields.issuedAt).varString(fields.purpose)
  return appendSignature(SignatureLabel.grant, patientSecretKey, w.finish())
}

/**
 * Decodes and verifies a grant's signature (whether it is in force is `grantStatus`'s).
 * @throws {TypeError} if `bytes` is not a `Uint8Array`
 * @throws {InputTooLargeError} beyond `MAX_GRANT_BYTES`
 * @throws {GrantFormatError} for malformed bytes
 * @throws {SignatureInvalidError} if the patient's signature does not verify
 */
export function verifyGrant(bytes: Uint8Array): Grant {
  const { body, signature } = splitSignature(bytes, 'grant', MAX_GRANT_BYTES, GrantFormatError)
  const r = createReader(body, GrantFormatError)
  if (r.byte('version') !== VERSION) throw new GrantFormatError('grant: unsupported version')
  const id = r.bytes('id', GRANT_ID_LENGTH).slice()
  const patientKey = r.bytes('patient', ED25519_PUBLIC_KEY_LENGTH).slice()
  const granteeKey = r.bytes('grantee', ED25519_PUBLIC_KEY_LENGTH)
  const devices: string[] = []
  const nDevices = r.varUint('devices', 0, MAX_GRANT_DEVICES)
  for (let i = 0; i < nDevices; i++) {
    const d = r.varString('device', MAX_PEER_ID_CHARS)
    if (!isPeerIdString(d)) throw new GrantFormatError('grant: a device is not a PeerId')
    devices.push(d)
  }
  const compartments: GrantedCompartment[] = []
  const nComp = r.varUint('compartments', 1, MAX_GRANT_COMPARTMENTS)
  for (let i = 0; i < nComp; i++) compartments.push({ docId: asDocId(r.bytes('docId', DOC_ID_LENGTH).slice()), kind: r.varString('kind', MAX_KIND_BYTES) })
  const code = r.byte('rights')
  const rights = (Object.keys(RIGHTS_CODE) as GrantRights[]).find((k) => RIGHTS_CODE[k] === code)
  if (rights === undefined) throw new GrantFormatError(`grant: unknown rights code ${code}`)
  const hasVisit = r.byte('visit flag')
  if (hasVisit > 1) throw new GrantFormatError('grant: bad visit flag')
  const visitDocId = hasVisit === 1 ? asDocId(r.bytes('visit docId', DOC_ID_LENGTH).slice()) : undefined
  if ((rights === 'read+visit-write') !== (visitDocId !== undefined)) throw new GrantFormatError('grant: visit compartment and rights disagree')
  const notBefore = r.varUint('notBefore')
  const notAfter = r.varUint('notAfter')
  const issuedAt = r.varUint('issuedAt')
  const purpose = r.varString('purpose', MAX_PURPOSE_BYTES)
  r.end('grant')
  if (notAfter <= notBefore) throw new GrantFormatError('grant: notAfter is not after notBefore')
  if (!verifyLabelled(SignatureLabel.grant, patientKey, body, signature)) throw new SignatureInvalidError('grant: the patient’s signature does not verify')
  return {
    id,
    patient: didKeyFromEd25519(patientKey),
    grantee: didKeyFromEd25519(granteeKey.slice()),
    devices,
    compartments,
    rights,
    ...(visitDocId === undefined ? {} : { visitDocId }),
    notBefore,
    notAfter,
    issuedAt,
    purpose,
    bytes: bytes.slice()
  }
}

/**
 * Signs the revocation of a grant.
 * @throws {RangeError} for a grant id of the wrong length or a bad time
 */
export function signRevocation(grantId: Uint8Array, revokedAt: number, patientSecretKey: Uint8Array): Uint8Array {
  if (!(grantId instanceof Uint8Array) || grantId.length !== GRANT_ID_LENGTH) throw new RangeError(`revocation: grant id must be ${GRANT_ID_LENGTH} bytes`)
  assertUint(revokedAt, 'revokedAt')
  const body = createWriter().byte(VERSION).bytes(grantId).bytes(ed25519PublicKey(patientSecretKey)).varUint(revokedAt).finish()
  return appendSignature(SignatureLabel.revocation, patientSecretKey, body)
}

/**
 * Decodes and verifies a revocation.
 * @throws {InputTooLargeError | GrantFormatError | SignatureInvalidError}
 */
export function verifyRevocation(bytes: Uint8Array): Revocation {
  const { body, signature } = splitSignature(bytes, 'revocation', MAX_REVOCATION_BYTES, GrantFormatError)
  const r = createReader(body, GrantFormatError)
  if (r.byte('version') !== VERSION) throw new GrantFormatError('revocation: unsupported version')
  const grantId = r.bytes('grant id', GRANT_ID_LENGTH).slice()
  const patientKey = r.bytes('patient', ED25519_PUBLIC_KEY_LENGTH).slice()
  const revokedAt = r.varUint('revokedAt')
  r.end('revocation')
  if (!verifyLabelled(SignatureLabel.revocation, patientKey, body, signature)) throw new SignatureInvalidError('revocation: the patient’s signature does not verify')
  return { grantId, patient: didKeyFromEd25519(patientKey), revokedAt, bytes: bytes.slice() }
}

/** Where a grant stands at a moment. */
export type GrantStatus = 'not-yet-valid' | 'active' | 'expired' | 'revoked'

/**
 * The status of `grant` at `now`, given the revocations known (only one signed by the
 * grant's own patient for this grant id counts).
 */
export function grantStatus(grant: Grant, now: number, revocations: Iterable<Revocation> = []): GrantStatus {
  for (const r of revocations) if (r.patient === grant.patient && equalBytes(r.grantId, grant.id) && r.revokedAt <= now) return 'revoked'
  if (now < grant.notBefore) return 'not-yet-valid'
  if (now >= grant.notAfter) return 'expired'
  return 'active'
}

/** Whether `grant` covers `docId` for reading (its compartments and its visit compartment). */
export function grantCovers(grant: Grant, docId: Uint8Array): boolean {
  return grant.compartments.some((c) => equalBytes(c.docId, docId)) || (grant.visitDocId !== undefined && equalBytes(grant.visitDocId, docId))
}

/** Whether the grant lets `device` of its grantee use it (an empty device list: any certified device). */
export function grantAllowsDevice(grant: Grant, device: string): boolean {
  return grant.devices.length === 0 || grant.devices.includes(device)
}
