/**
 * Handing a dependent's record over (a real record on a memory store, the app's vault):
 * the child's device takes ownership; the person, root key and recovery phrase are new;
 * every compartment moves to a new epoch with a snapshot under it; what is written after
 * can't be opened with anything the guardian held (the old keyring, and every epoch key the
 * old recovery entropy derives), while what the guardian saw before still opens with it;
 * the new owner's keys, re-derived from the new phrase alone, open it; the guardian's
 * device is no longer listed; the handover is in the audit log.
 */
import { describe, it, expect } from 'vitest'
import { createMemoryStore } from '../../src/storage/index.ts'
import { openEnvelopeAsync, parseEnvelopeHeader } from '../../src/envelope/index.ts'
import { createPerson, generateSigningKeyPair, deriveEpochKey, deriveEpochSeed, entropyFromRecoveryPhrase, verifyDeviceCert } from '../../src/crypto/index.ts'
import { decodeKeyring, encodeKeyring, epochKeyOf, readAuditLog, type Keyring } from '../../src/consent/index.ts'
import { createRecordWithVault, openRecordWithVaultKey } from '../../src/app/record-session.ts'
import { recordVault, VaultItem } from '../../src/app/vault-items.ts'
import { takeOwnership } from '../../src/app/handover.ts'
import { addAllergy } from '../../src/app/edits.ts'
import { peerIdOfAuthorKey } from '../../src/sync/index.ts'

const fast = { scrypt: { log2N: 10, r: 8, p: 1 }, batchMs: 1 }

/** Every key the guardian could have: the keyring they held, and any epoch their copy of the entropy derives. */
function guardianKeys(keyring: Keyring, entropy: Uint8Array) {
  const seed = deriveEpochSeed(entropy)
  return { epochKey: (docId: Uint8Array, epoch: number) => epochKeyOf(keyring, docId, epoch) ?? (epoch >= 1 ? deriveEpochKey(seed, docId, epoch) : undefined) }
}

describe('takeOwnership', () => {
  it('rotates every compartment to keys the guardian cannot derive, and the record keeps its past', async () => {
    const store = createMemoryStore()
    const guardianPerson = createPerson()
    const guardianEntropy = guardianPerson.entropy.slice()
    const { session, vaultKey } = await createRecordWithVault(store, 'child record', { items: new Map([[VaultItem.person, guardianPerson.entropy]]) }, fast)
    await addAllergy(session, 'Peanuts (while in care)', Date.now())
    await session.whenSaved()
    const coreId = session.compartments.get('core')!.compartment.docId
    // what the guardian's device holds: the keyring and the entropy
    const guardianKeyring = decodeKeyring(encodeKeyring(session.keyring))
    const vault = recordVault(store, vaultKey, session.device.publicKey)
    const oldDid = (await vault.person()).did
    await vault.addLinkedDevice({ peerId: peerIdOfAuthorKey(generateSigningKeyPair().publicKey), name: 'guardian laptop', linkedAt: 1 })
    expect(await vault.linkedDevices()).toHaveLength(1)

    const h = await takeOwnership({ session, vault, vaultKey, deviceName: 'Bobur’s phone' })
    expect(h.previousOwner).toBe(oldDid)
    expect(h.owner).not.toBe(oldDid)
    expect(h.phrase).toHaveLength(24)
    expect([...h.epochs.values()].every((e) => e === 1)).toBe(true)
    expect((await vault.person()).did).toBe(h.owner)
    const cert = await vault.deviceCert('ignored')
    expect(cert.cert.person).toBe(h.owner)
    expect(verifyDeviceCert(cert.bytes, { peerId: peerIdOfAuthorKey(session.device.publicKey) }).name).toBe('Bobur’s phone')
    expect(await vault.linkedDevices()).toEqual([])

    // written after the handover: sealed under epoch 1
    await addAllergy(session, 'Shellfish (after handover)', Date.now())
    await session.whenSaved()
    const stored = await store.read(coreId)
    const after = [...(stored.snapshot === undefined ? [] : [stored.snapshot]), ...stored.envelopes].filter((e) => parseEnvelopeHeader(e, { maxBytes: 1 << 28 }).epoch === 1)
    expect(after.length).toBeGreaterThan(0)
    expect(stored.snapshot === undefined ? undefined : parseEnvelopeHeader(stored.snapshot, { maxBytes: 1 << 28 }).epoch).toBe(1)

    // none of it opens with anything the guardian held
    const guardian = guardianKeys(guardianKeyring, guardianEntropy)
    for (const e of after) {
      const err = await openEnvelopeAsync(e, guardian, { maxBytes: 1 << 28 }).then(
        () => undefined,
        (x: unknown) => x as Error
      )
      expect(err?.name).toBe('DecryptError')
    }
    // the new owner's phrase alone derives the key that opens it
    const ownerSeed = deriveEpochSeed(entropyFromRecoveryPhrase(h.phrase.join(' ')))
    for (const e of after) {
      const opened = await openEnvelopeAsync(e, { epochKey: (d, ep) => (ep >= 1 ? deriveEpochKey(ownerSeed, d, ep) : undefined) }, { maxBytes: 1 << 28 })
      expect(opened.header.epoch).toBe(1)
    }

    // the handover is in the audit log, and the record reopens with both allergies
    expect(readAuditLog(session.get('audit')).entries.map((e) => e.action)).toContain('handover')
    await session.close()
    const again = await openRecordWithVaultKey(store, vaultKey, fast)
    const texts = again.get('core').resources.list('AllergyIntolerance').map((a) => (a as { code?: { text?: string } }).code?.text)
    expect(texts).toEqual(expect.arrayContaining(['Peanuts (while in care)', 'Shellfish (after handover)']))
    expect([...again.keyring.values()].every((k) => k.current === 1)).toBe(true)
    await again.close()
  })
})
