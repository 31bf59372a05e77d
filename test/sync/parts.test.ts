/**
 * Small parts of the sync layer: the one-key identity helpers (libp2p key ⇄ author key ⇄
 * PeerId), the ban list and its gater, and the default authorizer.
 */
import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateSigningKeyPair, newDocId } from '../../src/crypto/index.ts'
import { sealEnvelope, verifyEnvelope } from '../../src/envelope/index.ts'
import { toHex } from '../../src/lib/index.ts'
import {
  authorKeyOfPeerId,
  authorKeysOf,
  createBanList,
  createDefaultAuthorizer,
  deviceKeyFromSecret,
  dialPolicy,
  peerIdOfAuthorKey,
  withBans
} from '../../src/sync/index.ts'
import { person } from './helpers.ts'

describe('one key per device', () => {
  it('the libp2p key, the envelope author key and the PeerId are the same key', async () => {
    const pair = generateSigningKeyPair()
    const libp2pKey = await deviceKeyFromSecret(pair.secretKey)
    const peerId = peerIdFromPrivateKey(libp2pKey).toString()
    expect(peerIdOfAuthorKey(pair.publicKey)).toBe(peerId)
    expect(toHex(authorKeyOfPeerId(peerId))).toBe(toHex(pair.publicKey))
    expect(toHex(authorKeyOfPeerId(peerIdFromPrivateKey(libp2pKey)))).toBe(toHex(pair.publicKey))
    const back = authorKeysOf(libp2pKey)
    expect(toHex(back.secretKey)).toBe(toHex(pair.secretKey))
    expect(toHex(back.publicKey)).toBe(toHex(pair.publicKey))
    // an envelope sealed with the libp2p key's secret verifies under the PeerId's key
    const docId = newDocId()
    const env = sealEnvelope({ docId, epoch: 0, author: authorKeyOfPeerId(peerId), seq: 1, kind: 'update' }, Uint8Array.of(1), {
      epochKey: new Uint8Array(32),
      authorSecretKey: back.secretKey
    })
    expect(verifyEnvelope(env).seq).toBe(1)
  })

  it('refuses what is not an Ed25519 key or PeerId', async () => {
    expect(() => authorKeyOfPeerId('not a peer id')).toThrow(RangeError)
    expect(() => authorKeyOfPeerId(42 as unknown as string)).toThrow(TypeError)
    const secp = await generateKeyPair('secp256k1')
    expect(() => authorKeysOf(secp)).toThrow(RangeError)
    expect(() => authorKeyOfPeerId(peerIdFromPrivateKey(secp).toString())).toThrow(RangeError)
    await expect(deviceKeyFromSecret(new Uint8Array(31))).rejects.toThrow(RangeError)
    expect(() => peerIdOfAuthorKey(new Uint8Array(31))).toThrow(RangeError)
  })
})

describe('ban list', () => {
  it('bans for a while, then forgets; the gater refuses banned peers', async () => {
    let now = 0
    const bans = createBanList({ clock: () => now, durationMs: 1000, maxEntries: 2 })
    const key = await generateKeyPair('Ed25519')
    const peerId = peerIdFromPrivateKey(key)
    const gater = withBans(dialPolicy(true), bans)
    expect(await gater.denyDialPeer?.(peerId)).toBe(false)
    bans.ban(peerId.toString(), 'SyncProtocolError')
    expect(bans.isBanned(peerId.toString())).toBe(true)
    expect(await gater.denyDialPeer?.(peerId)).toBe(true)
    expect(await gater.denyInboundEncryptedConnection?.(peerId, {} as never)).toBe(true)
    expect(bans.list()).toEqual([{ peerId: peerId.toString(), reason: 'SyncProtocolError', until: 1000 }])
    now = 1000
    expect(bans.isBanned(peerId.toString())).toBe(false)
    bans.ban('a', 'x')
    bans.ban('b', 'x')
    bans.ban('c', 'x')
    expect(bans.list().map((b) => b.peerId)).toEqual(['b', 'c'])
    expect(() => createBanList({ durationMs: 0 })).toThrow(RangeError)
  })
})

describe('default authorizer', () => {
  it("allows the owner's devices everything, others only what the allow-list names", () => {
    const owner = person()
    const doctor = person()
    const docA = newDocId()
    const docB = newDocId()
    const auth = createDefaultAuthorizer({ owner: owner.did, allow: [{ person: doctor.did, docs: [docA], devices: ['12D3KooWclinic'] }] })
    expect(auth.authorize(owner.did, 'any', docB)).toBe(true)
    expect(auth.authorize(doctor.did, '12D3KooWclinic', docA)).toBe(true)
    expect(auth.authorize(doctor.did, '12D3KooWother', docA)).toBe(false)
    expect(auth.authorize(doctor.did, '12D3KooWclinic', docB)).toBe(false)
    auth.allow({ person: doctor.did, docs: [docB] })
    expect(auth.authorize(doctor.did, '12D3KooWother', docB)).toBe(true)
    auth.revoke(doctor.did, docB)
    expect(auth.authorize(doctor.did, '12D3KooWother', docB)).toBe(false)
    auth.revoke(doctor.did)
    expect(auth.authorize(doctor.did, '12D3KooWclinic', docA)).toBe(false)
    expect(auth.authorize('did:key:zStranger', 'x', docA)).toBe(false)
    expect(() => createDefaultAuthorizer({ owner: owner.did, allow: [{ person: doctor.did, docs: [new Uint8Array(3)] }] })).toThrow(RangeError)
  })
})
