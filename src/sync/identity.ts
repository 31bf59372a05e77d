/**
 * One key per device (decided): the device's libp2p Ed25519 key is also the author key of
 * the envelopes it seals. Its PeerId is what `DeviceCert.peerId` certifies, and an
 * envelope's `author` is the raw 32-byte public key behind that PeerId, so "may this
 * author write?" becomes "does this PeerId hold a valid device certificate from a person
 * allowed on this doc?". Noise signs with the key under libp2p's own prefix
 * ("noise-libp2p-static-key:") and our signatures carry `phr/v1/…` labels, so one key
 * serves both without one signature ever being valid as the other.
 */
import { generateKeyPairFromSeed, publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { assertBytes, AUTHOR_KEY_LENGTH } from '../lib/index.ts'
import { ED25519_SECRET_KEY_LENGTH, isPeerIdString } from '../crypto/index.ts'

/**
 * The libp2p private key of a device from its 32-byte Ed25519 secret key (RFC 8032 seed).
 * @throws {TypeError} if `secretKey` is not a `Uint8Array`.
 * @throws {RangeError} if it is not 32 bytes.
 * @example const privateKey = await deviceKeyFromSecret(device.secretKey); await createNodePeer({ privateKey })
 */
export async function deviceKeyFromSecret(secretKey: Uint8Array): Promise<PrivateKey> {
  assertBytes(secretKey, 'secretKey', ED25519_SECRET_KEY_LENGTH)
  return generateKeyPairFromSeed('Ed25519', secretKey)
}

/**
 * The device's signing key pair (32-byte secret seed, 32-byte public key) from its libp2p
 * Ed25519 private key, for `DocKeys.author` of the persistence binding.
 * @throws {RangeError} if the key is not Ed25519.
 */
export function authorKeysOf(privateKey: PrivateKey): { secretKey: Uint8Array; publicKey: Uint8Array } {
  if (privateKey.type !== 'Ed25519') throw new RangeError(`privateKey: expected an Ed25519 key, got ${privateKey.type}`)
  // libp2p's raw Ed25519 private key is seed (32) ‖ public key (32)
  const raw = privateKey.raw
  return { secretKey: raw.slice(0, ED25519_SECRET_KEY_LENGTH), publicKey: privateKey.publicKey.raw.slice() }
}

/**
 * The 32-byte Ed25519 public key (envelope author key) behind a PeerId.
 * @throws {TypeError} if `peerId` is neither a string nor a PeerId.
 * @throws {RangeError} if it is not the PeerId of an Ed25519 key.
 * @example equalBytes(authorKeyOfPeerId(cert.peerId), header.author)
 */
export function authorKeyOfPeerId(peerId: string | PeerId): Uint8Array {
  let id: PeerId
  if (typeof peerId === 'string') {
    if (!isPeerIdString(peerId)) throw new RangeError('peerId: not a libp2p PeerId string')
    id = peerIdFromString(peerId)
  } else if (peerId !== null && typeof peerId === 'object' && typeof peerId.toMultihash === 'function') {
    id = peerId
  } else {
    throw new TypeError(`peerId: expected a string or PeerId, got ${typeof peerId}`)
  }
  if (id.type !== 'Ed25519') throw new RangeError(`peerId: expected an Ed25519 PeerId, got ${id.type}`)
  return id.publicKey.raw.slice()
}

/**
 * The PeerId string of a 32-byte Ed25519 public key (an envelope's author).
 * @throws {TypeError} if `publicKey` is not a `Uint8Array`.
 * @throws {RangeError} if it is not 32 bytes.
 * @example peerIdOfAuthorKey(header.author) // '12D3KooW…'
 */
export function peerIdOfAuthorKey(publicKey: Uint8Array): string {
  assertBytes(publicKey, 'publicKey', AUTHOR_KEY_LENGTH)
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toString()
}
