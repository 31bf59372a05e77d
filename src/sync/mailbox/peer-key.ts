/**
 * A device's libp2p PeerId and its raw Ed25519 public key are two spellings of one
 * identity (the device key is also the envelope author key). The mailbox list and the
 * wire carry the raw 32 bytes; people and logs use the PeerId string.
 */
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { AUTHOR_KEY_LENGTH } from '../../lib/index.ts'

/**
 * The raw Ed25519 public key behind a PeerId, or `undefined` when it is not an Ed25519
 * PeerId (RSA, secp256k1, or a hashed key that does not carry the key inline).
 * @throws Never.
 */
export function ed25519OfPeerId(peer: PeerId | string): Uint8Array | undefined {
  let id: PeerId
  try {
    id = typeof peer === 'string' ? peerIdFromString(peer) : peer
  } catch {
    // not a parseable PeerId: it has no Ed25519 key
    return undefined
  }
  if (id.type !== 'Ed25519') return undefined
  const raw = id.publicKey.raw
  return raw.length === AUTHOR_KEY_LENGTH ? raw : undefined
}

/**
 * The PeerId string of a raw 32-byte Ed25519 public key (`12D3KooW…`).
 * @throws {RangeError} if `publicKey` is not 32 bytes.
 */
export function peerIdOfEd25519(publicKey: Uint8Array): string {
  if (publicKey.length !== AUTHOR_KEY_LENGTH) throw new RangeError(`publicKey: expected ${AUTHOR_KEY_LENGTH} bytes, got ${publicKey.length}`)
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toString()
}
