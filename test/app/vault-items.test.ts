/**
 * What the sync runtime keeps about the person and their devices: sealed in the vault
 * (no device name or PeerId readable at rest), stable across reads, and strictly decoded.
 */
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateSigningKeyPair, randomBytes, verifyDeviceCert } from '../../src/crypto/index.ts'
import { createMemoryStore } from '../../src/storage/index.ts'
import { sealVaultItem } from '../../src/consent/index.ts'
import { peerIdOfAuthorKey } from '../../src/sync/index.ts'
import { decodeDepositMarks, decodeDocSet, decodeLinkedDevices, encodeDepositMarks, encodeDocSet, encodeLinkedDevices, recordVault, VaultItem } from '../../src/app/vault-items.ts'
import { toHex, utf8Encode } from '../../src/lib/index.ts'

const peerIds = await Promise.all([0, 1, 2].map(async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

describe('vault items', () => {
  it('linked devices and doc sets round-trip (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ peerId: fc.constantFrom(...peerIds), name: fc.string({ maxLength: 60 }), linkedAt: fc.nat() }), { maxLength: 8 }),
        fc.uniqueArray(fc.uint8Array({ minLength: 16, maxLength: 16 }).map(toHex), { maxLength: 20 }),
        (devices, docs) => {
          expect(decodeLinkedDevices(encodeLinkedDevices(devices))).toEqual(devices)
          expect(decodeDocSet(encodeDocSet(new Set(docs)))).toEqual(new Set(docs))
        }
      )
    )
  })

  it('deposit marks round-trip (property), are sealed, and only ever rise', async () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...peerIds), fc.uint8Array({ minLength: 16, maxLength: 16 }).map(toHex), fc.nat()), { maxLength: 12 }), (rows) => {
        const marks = new Map<string, Map<string, number>>()
        for (const [m, d, seq] of rows) {
          if (!marks.has(m)) marks.set(m, new Map())
          marks.get(m)?.set(d, seq)
        }
        const back = decodeDepositMarks(encodeDepositMarks(marks))
        expect(back).toEqual(new Map([...marks].filter(([, docs]) => docs.size > 0)))
      })
    )
    const good = encodeDepositMarks(new Map([[peerIds[0] ?? '', new Map([['ab'.repeat(16), 5]])]]))
    for (const b of [good.subarray(0, good.length - 1), new Uint8Array([...good, 0]), new Uint8Array([9, ...good.subarray(1)])]) {
      expect(() => decodeDepositMarks(b)).toThrow(expect.objectContaining({ name: 'VaultItemFormatError' }))
    }
    const store = createMemoryStore()
    const author = generateSigningKeyPair()
    const vault = recordVault(store, randomBytes(32), author.publicKey)
    const relay = peerIds[1] ?? ''
    await vault.markDeposited(relay, 'cd'.repeat(16), 7)
    await vault.markDeposited(relay, 'cd'.repeat(16), 3)
    expect((await vault.depositMarks()).get(relay)?.get('cd'.repeat(16))).toBe(7)
    const sealed = (await store.getMeta(VaultItem.depositMarks)) as Uint8Array
    expect(contains(sealed, utf8Encode(relay))).toBe(false)
  })

  it('refuses malformed lists by name', () => {
    const good = encodeLinkedDevices([{ peerId: peerIds[0] ?? '', name: 'Phone', linkedAt: 1 }])
    for (const b of [good.subarray(0, good.length - 1), new Uint8Array([...good, 0]), new Uint8Array([9, ...good.subarray(1)])]) {
      expect(() => decodeLinkedDevices(b)).toThrow(expect.objectContaining({ name: 'VaultItemFormatError' }))
    }
    expect(() => encodeLinkedDevices([{ peerId: 'not-a-peer', name: 'x', linkedAt: 0 }])).toThrow(RangeError)
  })

  it('keeps the person, the device certificate and the linked devices sealed, and stable', async () => {
    const store = createMemoryStore()
    const vaultKey = randomBytes(32)
    const device = generateSigningKeyPair()
    const vault = recordVault(store, vaultKey, device.publicKey, () => 1000)
    const person = await vault.person()
    expect((await vault.person()).did).toBe(person.did)
    const { bytes, cert } = await vault.deviceCert('Kitchen tablet')
    expect(cert.peerId).toBe(peerIdOfAuthorKey(device.publicKey))
    expect(verifyDeviceCert(bytes).person).toBe(person.did)
    // issued once: a later name does not replace it
    expect((await vault.deviceCert('Other')).cert.name).toBe('Kitchen tablet')
    await vault.addLinkedDevice({ peerId: peerIds[1] ?? '', name: 'Grandma phone', linkedAt: 5 })
    const list = await vault.addLinkedDevice({ peerId: peerIds[1] ?? '', name: 'Renamed phone', linkedAt: 6 })
    expect(list).toEqual([{ peerId: peerIds[1], name: 'Renamed phone', linkedAt: 6 }])
    // a record made here holds all of itself
    expect(await vault.syncedDocs()).toBeUndefined()

    // another vault key opens none of it
    const stranger = recordVault(store, randomBytes(32), device.publicKey)
    await expect(stranger.linkedDevices()).rejects.toMatchObject({ name: 'DecryptError' })
    // at rest: no name and no PeerId in the clear
    for (const name of Object.values(VaultItem)) {
      const sealed = await store.getMeta(name)
      if (sealed === undefined) continue
      expect(contains(sealed, utf8Encode('Renamed phone'))).toBe(false)
      expect(contains(sealed, utf8Encode(peerIds[1] ?? ''))).toBe(false)
      expect(contains(sealed, utf8Encode('Kitchen tablet'))).toBe(false)
    }
  })

  it('notes first syncs on a linked device', async () => {
    const store = createMemoryStore()
    const vaultKey = randomBytes(32)
    await store.putMeta(VaultItem.syncedDocs, sealVaultItem(vaultKey, VaultItem.syncedDocs, encodeDocSet(new Set())))
    const vault = recordVault(store, vaultKey, generateSigningKeyPair().publicKey)
    const doc = toHex(randomBytes(16))
    expect(await vault.syncedDocs()).toEqual(new Set())
    await vault.markSynced(doc)
    await vault.markSynced(doc)
    expect(await vault.syncedDocs()).toEqual(new Set([doc]))
  })
})
