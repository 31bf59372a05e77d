/**
 * The signed mailbox registration: a doc's owner (a person) names who may fetch from and
 * deposit into the doc's mailbox. A newer version replaces an older one, so a revocation
 * is a new list without the revoked party (the consent layer can sign and push one).
 *
 * ```
 * registration = 0x01 (format) ‖ docId (16) ‖ owner (Ed25519 pk, 32) ‖ version (varuint ≥ 1)
 *                ‖ issuedAt (varuint, ms since the Unix epoch) ‖ count (varuint ≤ 1024)
 *                ‖ count × party ‖ sig (64)
 * party        = kind (0x01 person | 0x02 device) ‖ rights (0x01 fetch | 0x02 deposit, or 0x03)
 *                ‖ key (Ed25519 pk, 32: a person's root key, or a device's libp2p key)
 * sig          = Ed25519(owner sk, "phr/v1/mailbox-registration" ‖ all bytes before sig)
 * ```
 *
 * Parties are sorted by `kind ‖ key`, strictly ascending (no duplicates); the owner is
 * implied with both rights and is not listed. The reader accepts only this canonical form,
 * so one registration has one encoding.
 */
import {
  assertUint,
  AUTHOR_KEY_LENGTH,
  compareBytes,
  createReader,
  createWriter,
  DOC_ID_LENGTH,
  equalBytes,
  InputTooLargeError,
  SignatureInvalidError,
  type Did,
  type DocId,
  type PeerIdString
} from '../../lib/index.ts'
import {
  didKeyFromEd25519,
  ed25519FromDidKey,
  ed25519PublicKey,
  ED25519_SIGNATURE_LENGTH,
  isPeerIdString,
  signLabelled,
  verifyLabelled
} from '../../crypto/index.ts'
import { MailboxRegistrationFormatError } from './errors.ts'
import { MAILBOX_REGISTRATION_LABEL, MAX_REGISTRATION_BYTES, MAX_REGISTRATION_PARTIES } from './limits.ts'
import { ed25519OfPeerId, peerIdOfEd25519 } from './peer-key.ts'

const FORMAT = 1
const PARTY_BYTES = 2 + AUTHOR_KEY_LENGTH

/** Kinds of a listed party. */
export const PartyKind = {
  /** A person, by the did:key of their root key: every device they certify. */
  person: 1,
  /** One device, by its libp2p PeerId (its Ed25519 key). */
  device: 2
} as const

/** Right bits of a listed party. */
export const MailboxRight = {
  /** May fetch the doc's envelopes. */
  fetch: 1,
  /** May deposit envelopes, and author envelopes that others deposit. */
  deposit: 2
} as const

/** One party on the list, as the owner writes it. */
export type MailboxParty =
  | { readonly person: Did | string; readonly fetch: boolean; readonly deposit: boolean }
  | { readonly device: PeerIdString | string; readonly fetch: boolean; readonly deposit: boolean }

/** What the owner signs. */
export interface RegistrationFields {
  readonly docId: DocId | Uint8Array
  /** Strictly greater than the version it replaces; the first registration is usually 1. */
  readonly version: number
  /** When it was signed, ms since the Unix epoch (for the audit trail; the mailbox does not compare it). */
  readonly issuedAt: number
  readonly parties: readonly MailboxParty[]
}

/** A decoded party. */
export interface RegisteredParty {
  readonly kind: 'person' | 'device'
  /** Raw Ed25519 public key (root key of a person, libp2p key of a device). */
  readonly key: Uint8Array
  /** `did:key` of a person, PeerId string of a device. */
  readonly id: string
  /** Right bits (`MailboxRight`). */
  readonly rights: number
}

/** A decoded registration (signature checked by `verifyRegistration`, not by `decodeRegistration`). */
export interface Registration {
  readonly docId: DocId
  /** The owner's root Ed25519 public key. */
  readonly ownerKey: Uint8Array
  readonly owner: Did
  readonly version: number
  readonly issuedAt: number
  readonly parties: readonly RegisteredParty[]
}

function rightsOf(party: { fetch: boolean; deposit: boolean }, label: string): number {
  if (typeof party.fetch !== 'boolean' || typeof party.deposit !== 'boolean') throw new TypeError(`${label}: fetch and deposit must be booleans`)
  const rights = (party.fetch ? MailboxRight.fetch : 0) | (party.deposit ? MailboxRight.deposit : 0)
  if (rights === 0) throw new RangeError(`${label}: a party needs at least one right`)
  return rights
}

/** The canonical order of parties: `kind ‖ key` (rights are not part of it). */
function sortKeyOf(party: Uint8Array): Uint8Array {
  const key = new Uint8Array(1 + AUTHOR_KEY_LENGTH)
  key[0] = party[0] as number
  key.set(party.subarray(2), 1)
  return key
}

function encodeParty(party: MailboxParty, index: number): Uint8Array {
  const label = `parties[${index}]`
  if (party === null || typeof party !== 'object') throw new TypeError(`${label}: expected object`)
  const rights = rightsOf(party, label)
  if ('person' in party) {
    const key = ed25519FromDidKey(party.person)
    return createWriter().byte(PartyKind.person).byte(rights).bytes(key).finish()
  }
  if (!('device' in party) || !isPeerIdString(party.device)) throw new RangeError(`${label}: expected { person: did } or { device: PeerId }`)
  const key = ed25519OfPeerId(party.device)
  if (key === undefined) throw new RangeError(`${label}: device ${party.device} is not an Ed25519 PeerId`)
  return createWriter().byte(PartyKind.device).byte(rights).bytes(key).finish()
}

/**
 * Encodes and signs a registration with the owner's root key.
 * @throws {TypeError} if a field has the wrong type.
 * @throws {RangeError} if the doc id is not 16 bytes, a number is out of range, a party is
 *   not a did:key / Ed25519 PeerId or has no right, a party is listed twice, the owner is
 *   listed, or there are more than `MAX_REGISTRATION_PARTIES` parties.
 * @throws {DidKeyError} if a person's did is not a canonical Ed25519 did:key.
 * @example signRegistration({ docId, version: 1, issuedAt: Date.now(), parties: [{ person: doctorDid, fetch: true, deposit: true }] }, root.secretKey)
 */
export function signRegistration(fields: RegistrationFields, ownerSecretKey: Uint8Array): Uint8Array {
  if (fields === null || typeof fields !== 'object') throw new TypeError('registration: expected object')
  if (!(fields.docId instanceof Uint8Array) || fields.docId.length !== DOC_ID_LENGTH) throw new RangeError(`docId: expected ${DOC_ID_LENGTH} bytes`)
  assertUint(fields.version, 'version', 1)
  assertUint(fields.issuedAt, 'issuedAt')
  if (!Array.isArray(fields.parties)) throw new TypeError('parties: expected an array')
  if (fields.parties.length > MAX_REGISTRATION_PARTIES) throw new RangeError(`parties: more than ${MAX_REGISTRATION_PARTIES}`)
  const ownerKey = ed25519PublicKey(ownerSecretKey)
  const parties = fields.parties.map(encodeParty).sort((a, b) => compareBytes(sortKeyOf(a), sortKeyOf(b)))
  for (let i = 0; i < parties.length; i++) {
    const p = parties[i] as Uint8Array
    const before = parties[i - 1]
    if (before !== undefined && compareBytes(sortKeyOf(p), sortKeyOf(before)) === 0) throw new RangeError('parties: a party is listed twice')
    if (p[0] === PartyKind.person && equalBytes(p.subarray(2), ownerKey)) throw new RangeError('parties: the owner is implied and must not be listed')
  }
  const w = createWriter().byte(FORMAT).bytes(fields.docId).bytes(ownerKey).varUint(fields.version).varUint(fields.issuedAt).varUint(parties.length)
  for (const p of parties) w.bytes(p)
  const body = w.finish()
  // the label is not yet in crypto's closed SignatureLabel union (see limits.ts)
  const sig = signLabelled(MAILBOX_REGISTRATION_LABEL, ownerSecretKey, body)
  const out = new Uint8Array(body.length + sig.length)
  out.set(body)
  out.set(sig, body.length)
  return out
}

function split(bytes: Uint8Array): { body: Uint8Array; signature: Uint8Array } {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`registration: expected Uint8Array, got ${typeof bytes}`)
  if (bytes.length > MAX_REGISTRATION_BYTES) throw new InputTooLargeError(`registration: ${bytes.length} bytes exceeds the cap of ${MAX_REGISTRATION_BYTES}`)
  if (bytes.length <= ED25519_SIGNATURE_LENGTH) throw new MailboxRegistrationFormatError(`registration: too short (${bytes.length} bytes)`)
  const at = bytes.length - ED25519_SIGNATURE_LENGTH
  return { body: bytes.subarray(0, at), signature: bytes.subarray(at) }
}

function decodeBody(body: Uint8Array): Registration {
  const r = createReader(body, MailboxRegistrationFormatError)
  const format = r.byte('registration format')
  if (format !== FORMAT) throw new MailboxRegistrationFormatError(`registration: unsupported format ${format}`)
  const docId = r.bytes('docId', DOC_ID_LENGTH).slice() as DocId
  const ownerKey = r.bytes('owner', AUTHOR_KEY_LENGTH).slice()
  const version = r.varUint('version', 1)
  const issuedAt = r.varUint('issuedAt')
  const count = r.varUint('party count', 0, MAX_REGISTRATION_PARTIES)
  // every party is 34 bytes: refuse an impossible count before reading any
  if (count * PARTY_BYTES !== r.remaining) throw new MailboxRegistrationFormatError(`registration: ${count} parties need ${count * PARTY_BYTES} bytes, ${r.remaining} left`)
  const parties: RegisteredParty[] = []
  let previous: Uint8Array | undefined
  for (let i = 0; i < count; i++) {
    const raw = r.bytes('party', PARTY_BYTES)
    const kindByte = raw[0] as number
    const rights = raw[1] as number
    if (kindByte !== PartyKind.person && kindByte !== PartyKind.device) throw new MailboxRegistrationFormatError(`registration: unknown party kind ${kindByte}`)
    if (rights < 1 || rights > 3) throw new MailboxRegistrationFormatError(`registration: party rights ${rights} out of range 1..3`)
    const sortKey = sortKeyOf(raw)
    if (previous !== undefined && compareBytes(sortKey, previous) <= 0) throw new MailboxRegistrationFormatError('registration: parties not in strictly ascending order')
    previous = sortKey
    const key = raw.slice(2)
    if (kindByte === PartyKind.person && equalBytes(key, ownerKey)) throw new MailboxRegistrationFormatError('registration: the owner is listed as a party')
    const kind = kindByte === PartyKind.person ? 'person' : 'device'
    parties.push({ kind, key, rights, id: kind === 'person' ? didKeyFromEd25519(key) : peerIdOfEd25519(key) })
  }
  r.end('registration')
  return { docId, ownerKey, owner: didKeyFromEd25519(ownerKey) as Did, version, issuedAt, parties }
}

/**
 * Decodes a registration's fields without checking its signature (for logs and fuzzing;
 * anything that trusts it calls `verifyRegistration`).
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {InputTooLargeError} if it exceeds `MAX_REGISTRATION_BYTES`.
 * @throws {MailboxRegistrationFormatError} if it is not a canonical registration.
 */
export function decodeRegistration(bytes: Uint8Array): Registration {
  return decodeBody(split(bytes).body)
}

/**
 * Decodes a registration and checks that its owner signed it.
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {InputTooLargeError} if it exceeds `MAX_REGISTRATION_BYTES`.
 * @throws {MailboxRegistrationFormatError} if it is not a canonical registration.
 * @throws {SignatureInvalidError} if the owner's signature does not verify.
 * @example const reg = verifyRegistration(bytes); reg.owner // 'did:key:z6Mk…'
 */
export function verifyRegistration(bytes: Uint8Array): Registration {
  const { body, signature } = split(bytes)
  const registration = decodeBody(body)
  if (!verifyLabelled(MAILBOX_REGISTRATION_LABEL, registration.ownerKey, body, signature)) {
    throw new SignatureInvalidError('registration: signature does not verify')
  }
  return registration
}
