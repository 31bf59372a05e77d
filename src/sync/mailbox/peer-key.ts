/**
 * A device's libp2p PeerId and its raw Ed25519 public key are two spellings of one
 * identity (the device key is also the envelope author key). The mailbox list and the
 * wire carry the raw 32 bytes; people and logs use the PeerId string.
 */
import type { PeerId } from '@libp2p/interface'
import { authorKeyOfPeerId, peerIdOfAuthorKey } from '../identity.ts'

/** The raw 32-byte Ed25519 key of an Ed25519 PeerId; `undefined` for anything else. */
export function ed25519OfPeerId(peer: PeerId | string): Uint8Array | undefined {
  try {
    return authorKeyOfPeerId(peer)
  } catch {
    // not a parseable Ed25519 PeerId: it has no Ed25519 key
    return undefined
  }
}

/**
 * The PeerId string of a raw 32-byte Ed25519 public key.
 * @throws {RangeError} if `publicKey` is not 32 bytes
 */
export function peerIdOfEd25519(publicKey: Uint8Array): string {
  return peerIdOfAuthorKey(publicKey)
}
