/**
 * `did:key` for Ed25519 public keys (W3C CCG did:key method, "Ed25519" section):
 * `did:key:` ‖ multibase base58btc (`z`) of the multicodec varint `0xed 0x01`
 * (ed25519-pub) followed by the 32-byte public key. Such ids always start `did:key:z6Mk`.
 */
import { base58 } from '@scure/base'
import { assertBytes, concatBytes, DidKeyError } from '../lib/index.ts'
import { ED25519_PUBLIC_KEY_LENGTH, isEd25519PublicKey } from './sign.ts'

/** Multicodec `ed25519-pub` (0xed) as an unsigned varint: `0xed 0x01`. */
const ED25519_PUB_MULTICODEC = Uint8Array.of(0xed, 0x01)
const PREFIX = 'did:key:z'
/** An Ed25519 did:key is 56 characters; anything far longer is rejected before decoding. */
const MAX_DID_LENGTH = 128
const BASE58BTC = /^[1-9A-HJ-NP-Za-km-z]+$/

/**
 * The `did:key` of an Ed25519 public key.
 * @throws {TypeError} if `publicKey` is not a `Uint8Array`.
 * @throws {RangeError} if it is not 32 bytes.
 * @example didKeyFromEd25519(pk) // 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp'
 */
export function didKeyFromEd25519(publicKey: Uint8Array): string {
  assertBytes(publicKey, 'publicKey', ED25519_PUBLIC_KEY_LENGTH)
  return PREFIX + base58.encode(concatBytes(ED25519_PUB_MULTICODEC, publicKey))
}

/**
 * The Ed25519 public key of a `did:key`. Accepts only the canonical form: exactly
 * `did:key:z…` (no fragment, query or path), base58btc of `0xed 0x01` + 32 bytes that
 * re-encode to the same string, and a valid, canonically encoded curve point.
 * @throws {TypeError} if `did` is not a string.
 * @throws {DidKeyError} for anything that is not such a did:key.
 * @example ed25519FromDidKey('did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp') // 32 bytes
 */
export function ed25519FromDidKey(did: string): Uint8Array {
  if (typeof did !== 'string') throw new TypeError(`did: expected string, got ${typeof did}`)
  if (did.length > MAX_DID_LENGTH) throw new DidKeyError(`did: longer than ${MAX_DID_LENGTH} characters`)
  if (!did.startsWith(PREFIX)) throw new DidKeyError('did: not a did:key with base58btc (z) multibase')
  const msid = did.slice(PREFIX.length)
  if (!BASE58BTC.test(msid)) throw new DidKeyError('did: method-specific id is not base58btc')
  let raw: Uint8Array
  try {
    raw = base58.decode(msid)
  } catch (err) {
    throw new DidKeyError('did: base58btc decoding failed', { cause: err })
  }
  if (raw.length !== ED25519_PUB_MULTICODEC.length + ED25519_PUBLIC_KEY_LENGTH) {
    throw new DidKeyError(`did: expected 34 decoded bytes, got ${raw.length}`)
  }
  if (raw[0] !== 0xed || raw[1] !== 0x01) throw new DidKeyError('did: multicodec is not ed25519-pub (0xed01)')
  const publicKey = raw.slice(ED25519_PUB_MULTICODEC.length)
  // base58 can spell the same bytes only one way, but a leading '1' adds a zero byte:
  // the length check above rejects that, and this re-encoding pins the canonical string.
  if (didKeyFromEd25519(publicKey) !== did) throw new DidKeyError('did: not in canonical form')
  // did:key §"Ed25519": the key must be a valid point
  if (!isEd25519PublicKey(publicKey)) throw new DidKeyError('did: not a valid Ed25519 public key')
  return publicKey
}
