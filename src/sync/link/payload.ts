/**
 * The device-link payload that the first device shows as a QR code or text, and the
 * proof of the one-time token:
 *
 * ```
 * text    = "phr-link:" ‖ base64url(body), no padding; at most 2048 characters
 * body    = 0x01 (version) ‖ token (16 random bytes) ‖ person (Ed25519 root public key, 32)
 *           ‖ peerId (varstring ≤ 128: the first device's PeerId)
 *           ‖ expiresAt (varuint, ms since the Unix epoch)
 *           ‖ n (varuint 1..4) ‖ n × addr (varstring ≤ 256: a relay multiaddr, or one of the
 *             device's own multiaddrs ending in /p2p/<peerId>)
 * proof   = HKDF-SHA256(ikm = token, salt = "phr/v1/link", info = "phr/v1/link/proof"
 *             ‖ varstring(first PeerId) ‖ varstring(new PeerId), 32 bytes)
 * ```
 *
 * HKDF-Extract is HMAC-SHA256 keyed by the salt and Expand is HMAC keyed by its output,
 * so `proof` is a MAC under a key derived from the token, bound to both PeerIds (which
 * Noise proves on the link connection); a relay or an onlooker without the token cannot
 * produce it, and it is useless on any other pair of devices.
 */
import { assertBytes, assertText, createReader, createWriter, utf8Encode, concatBytes, type ErrorClass } from '../../lib/index.ts'
import { didKeyFromEd25519, ed25519FromDidKey, hkdfSha256, isPeerIdString, randomBytes } from '../../crypto/index.ts'
import { LinkPayloadFormatError } from '../errors.ts'

/** Prefix of the text form. */
export const LINK_PAYLOAD_PREFIX = 'phr-link:'
/** Longest payload text parsed. */
export const MAX_LINK_PAYLOAD_CHARS = 2048
/** Token length in bytes. */
export const LINK_TOKEN_BYTES = 16
const VERSION = 1
const MAX_ADDRS = 4
const MAX_ADDR_BYTES = 256
const PROOF_SALT = 'phr/v1/link'
const PROOF_INFO = 'phr/v1/link/proof'

/** A decoded link payload. */
export interface LinkOffer {
  /** The one-time token (secret: whoever holds it may link a device until it is used or expires). */
  readonly token: Uint8Array
  /** did:key of the person whose record is being linked. */
  readonly person: string
  /** PeerId of the first device. */
  readonly peerId: string
  /** Expiry, ms since the Unix epoch. */
  readonly expiresAt: number
  /** Where to reach the first device: relay multiaddrs or its own. */
  readonly addrs: readonly string[]
}

/**
 * What tells one kind of one-time offer from another (device link, visit invite): its text
 * prefix, the labels of its token proof, and the error its parser throws. Both kinds share
 * the layout above, so a token of one is never a valid proof for the other.
 */
export interface OfferKind {
  readonly prefix: string
  readonly proofSalt: string
  readonly proofInfo: string
  readonly FormatError: ErrorClass
}

/** The device-link offer. */
export const LINK_OFFER: OfferKind = Object.freeze({ prefix: LINK_PAYLOAD_PREFIX, proofSalt: PROOF_SALT, proofInfo: PROOF_INFO, FormatError: LinkPayloadFormatError })

/**
 * Encodes a link payload as text.
 * @throws {TypeError | RangeError} if a field is malformed (token length, did, PeerId, 1..4 addresses).
 * @example encodeLinkPayload({ token, person: me.did, peerId, expiresAt, addrs: [relayAddr] }) // 'phr-link:AQ…'
 */
export function encodeLinkPayload(offer: LinkOffer): string {
  return encodeOffer(LINK_OFFER, offer)
}

/**
 * Encodes a one-time offer of `kind` as text.
 * @throws {TypeError | RangeError} if a field is malformed (token length, did, PeerId, 1..4 addresses).
 */
export function encodeOffer(kind: OfferKind, offer: LinkOffer): string {
  assertBytes(offer.token, 'token', LINK_TOKEN_BYTES)
  const person = ed25519FromDidKey(offer.person)
  if (!isPeerIdString(offer.peerId)) throw new RangeError('peerId: not a libp2p PeerId')
  if (!Number.isSafeInteger(offer.expiresAt) || offer.expiresAt < 0) throw new RangeError('expiresAt: expected ms since the epoch')
  if (offer.addrs.length < 1 || offer.addrs.length > MAX_ADDRS) throw new RangeError(`addrs: expected 1..${MAX_ADDRS}`)
  const w = createWriter().byte(VERSION).bytes(offer.token).bytes(person).varString(offer.peerId).varUint(offer.expiresAt).varUint(offer.addrs.length)
  for (const a of offer.addrs) {
    assertText(a, 'addr', MAX_ADDR_BYTES)
    w.varString(a)
  }
  const text = kind.prefix + toBase64Url(w.finish())
  if (text.length > MAX_LINK_PAYLOAD_CHARS) throw new RangeError(`payload: ${text.length} characters exceeds ${MAX_LINK_PAYLOAD_CHARS}`)
  return text
}

/**
 * Parses a link payload (size cap first, then strict decoding). Does not check expiry.
 * @throws {LinkPayloadFormatError} for anything that is not a well-formed payload of this version.
 * @example parseLinkPayload(scannedText).peerId
 */
export function parseLinkPayload(text: string): LinkOffer {
  return parseOffer(LINK_OFFER, text)
}

/**
 * Parses a one-time offer of `kind` (size cap first, then strict decoding). Does not check expiry.
 * @throws `kind.FormatError` for anything that is not a well-formed payload of this kind and version.
 */
export function parseOffer(kind: OfferKind, text: string): LinkOffer {
  const Err = kind.FormatError
  if (typeof text !== 'string') throw new Err(`payload: expected text, got ${typeof text}`)
  if (text.length > MAX_LINK_PAYLOAD_CHARS) throw new Err(`payload: longer than ${MAX_LINK_PAYLOAD_CHARS} characters`)
  const trimmed = text.trim()
  if (!trimmed.startsWith(kind.prefix)) throw new Err(`payload: does not start with ${kind.prefix}`)
  const body = fromBase64Url(trimmed.slice(kind.prefix.length), Err)
  const r = createReader(body, Err)
  const version = r.byte('version')
  if (version !== VERSION) throw new Err(`payload: unsupported version ${version}`)
  const token = r.bytes('token', LINK_TOKEN_BYTES).slice()
  const personKey = r.bytes('person', 32)
  const peerId = r.varString('peerId', 128)
  const expiresAt = r.varUint('expiresAt')
  const n = r.varUint('addrs', 1, MAX_ADDRS)
  const addrs: string[] = []
  for (let i = 0; i < n; i++) addrs.push(r.varString('addr', MAX_ADDR_BYTES))
  r.end('payload')
  if (!isPeerIdString(peerId)) throw new Err('payload: peerId is not a libp2p PeerId')
  let person: string
  try {
    person = didKeyFromEd25519(personKey)
    ed25519FromDidKey(person) // checks the point is valid
  } catch (err) {
    throw new Err('payload: person is not an Ed25519 public key', { cause: err })
  }
  return { token, person, peerId, expiresAt, addrs }
}

/**
 * A fresh random token.
 * @throws Never.
 */
export function newLinkToken(): Uint8Array {
  return randomBytes(LINK_TOKEN_BYTES)
}

/**
 * The token proof for the pair (first device, new device); see the file comment.
 * @throws {TypeError | RangeError} if the token is not 16 bytes or a PeerId is not text.
 */
export function linkProof(token: Uint8Array, firstPeerId: string, newPeerId: string): Uint8Array {
  return offerProof(LINK_OFFER, token, firstPeerId, newPeerId)
}

/**
 * The token proof of an offer of `kind` for the pair (offering device, answering device).
 * @throws {TypeError | RangeError} if the token is not 16 bytes or a PeerId is not text.
 */
export function offerProof(kind: OfferKind, token: Uint8Array, firstPeerId: string, newPeerId: string): Uint8Array {
  assertBytes(token, 'token', LINK_TOKEN_BYTES)
  assertText(firstPeerId, 'firstPeerId', 128)
  assertText(newPeerId, 'newPeerId', 128)
  const info = concatBytes(utf8Encode(kind.proofInfo), createWriter().varString(firstPeerId).varString(newPeerId).finish())
  return hkdfSha256(token, utf8Encode(kind.proofSalt), info, 32)
}

const B64URL = /^[A-Za-z0-9_-]*$/

function toBase64Url(bytes: Uint8Array): string {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64Url(text: string, Err: ErrorClass): Uint8Array {
  if (!B64URL.test(text) || text.length % 4 === 1) throw new Err('payload: not base64url')
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4))
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  // one spelling per payload: unused trailing bits must be zero
  if (toBase64Url(out) !== text) throw new Err('payload: non-canonical base64url')
  return out
}
