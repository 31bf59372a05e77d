/**
 * Restoring one's own record from the recovery phrase: the phrase is checked word by word
 * (the wrong word is named, with hints) and by its checksum; a wrong phrase writes nothing;
 * the right one gives back the same identity and the same compartments and keys, so that
 * the envelopes the first device sealed open on the restored one.
 */
import { describe, expect, it } from 'vitest'
import { hkdfSync } from 'node:crypto'
import { createPerson, deriveEpochSeed, deriveFirstEpochKey, deriveRecordDocId, personFromEntropy, restorePerson } from '../../src/crypto/index.ts'
import { createMemoryStore } from '../../src/storage/index.ts'
import { toHex } from '../../src/lib/index.ts'
import { CompartmentKind } from '../../src/record/index.ts'
import { createRecordWithVault } from '../../src/app/record-session.ts'
import { addAllergy } from '../../src/app/edits.ts'
import { assertRestorable, checkRecoveryPhrase, ownRecordKeyring, restoreOwnRecord } from '../../src/app/restore.ts'
import { recordVault } from '../../src/app/vault-items.ts'

const fast = { log2N: 10, r: 8, p: 1 }
/** A fixed entropy, so the failures below are reproducible. */
const ENTROPY = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff)
const { phrase } = createPerson({ entropy: ENTROPY })
const words = phrase.split(' ')

const thrown = (fn: () => unknown): Error => {
  try {
    fn()
  } catch (err) {
    return err as Error
  }
  throw new Error('did not throw')
}

describe('checkRecoveryPhrase', () => {
  it('accepts the 24 words, also typed in capitals, across lines, or copied as a numbered list', () => {
    expect(checkRecoveryPhrase(phrase).verdict).toBe('ok')
    expect(checkRecoveryPhrase(`  ${words.slice(0, 12).join(' ').toUpperCase()}\n${words.slice(12).join('  ')} `).verdict).toBe('ok')
    expect(checkRecoveryPhrase(words.map((w, i) => `${i + 1}. ${w}`).join('\n')).verdict).toBe('ok')
  })

  it('names each word that is not in the list, by its position, with words that start like it', () => {
    const typo = [...words]
    const right = typo[6] as string
    typo[6] = `${right.slice(0, 3)}qq`
    typo[19] = 'zzzz'
    const c = checkRecoveryPhrase(typo.join(' '))
    expect(c.verdict).toBe('unknown-words')
    expect(c.unknown.map((u) => [u.position, u.word])).toEqual([
      [7, `${right.slice(0, 3)}qq`],
      [20, 'zzzz']
    ])
    expect(c.unknown[0]?.hints).toContain(right)
    expect(c.unknown[0]?.hints.length).toBeLessThanOrEqual(4)
  })

  it('says a phrase of list words fails its checksum when two words are swapped', () => {
    const swapped = [...words]
    ;[swapped[0], swapped[1]] = [swapped[1] as string, swapped[0] as string]
    expect(swapped[0]).not.toBe(swapped[1])
    expect(checkRecoveryPhrase(swapped.join(' ')).verdict).toBe('checksum')
  })

  it('waits for 24 words, and refuses 25', () => {
    expect(checkRecoveryPhrase(words.slice(0, 23).join(' '))).toMatchObject({ verdict: 'incomplete', unknown: [] })
    expect(checkRecoveryPhrase([...words, 'abandon'].join(' ')).verdict).toBe('incomplete')
    expect(checkRecoveryPhrase('').verdict).toBe('incomplete')
  })
})

describe('assertRestorable', () => {
  it('throws RecoveryPhraseError naming the wrong word, the checksum, or the count', () => {
    const typo = [...words]
    typo[6] = 'notaword'
    const e1 = thrown(() => assertRestorable({ phrase: typo.join(' '), passphrase: 'a good passphrase' }))
    expect(e1.name).toBe('RecoveryPhraseError')
    expect(e1.message).toContain('word 7 (notaword)')
    const swapped = [...words]
    ;[swapped[2], swapped[3]] = [swapped[3] as string, swapped[2] as string]
    expect(thrown(() => assertRestorable({ phrase: swapped.join(' '), passphrase: 'a good passphrase' })).message).toContain('checksum')
    expect(thrown(() => assertRestorable({ phrase: words.slice(0, 12).join(' '), passphrase: 'a good passphrase' })).message).toContain('expected 24 words, got 12')
  })

  it('refuses a short passphrase and an address that is not a relay', () => {
    expect(thrown(() => assertRestorable({ phrase, passphrase: 'short' })).name).toBe('RangeError')
    expect(thrown(() => assertRestorable({ phrase, passphrase: 'a good passphrase', mailboxes: ['not an address'] })).name).toBe('MailboxAddressError')
  })
})

describe('derivations (checked against Node’s own HKDF, RFC 5869)', () => {
  const hkdf = (ikm: Uint8Array, salt: string | Uint8Array, info: Uint8Array, n: number): string => Buffer.from(hkdfSync('sha256', ikm, salt, info, n)).toString('hex')
  it('doc id = HKDF-SHA256(entropy, salt "phr/v1/recovery", info "phr/v1/record/doc-id" ‖ 0x00 ‖ kind, 16)', () => {
    for (const kind of ['core', 'audit']) {
      const info = Buffer.concat([Buffer.from('phr/v1/record/doc-id'), Buffer.from([0]), Buffer.from(kind)])
      expect(toHex(deriveRecordDocId(ENTROPY, kind))).toBe(hkdf(ENTROPY, 'phr/v1/recovery', info, 16))
    }
  })
  it('epoch-0 key = HKDF-SHA256(epoch seed, salt doc id, info "phr/v1/record/first-epoch-key", 32)', () => {
    const seed = deriveEpochSeed(ENTROPY)
    expect(toHex(seed)).toBe(hkdf(ENTROPY, 'phr/v1/recovery', Buffer.from('phr/v1/epoch-seed'), 32))
    const docId = deriveRecordDocId(ENTROPY, 'core')
    expect(toHex(deriveFirstEpochKey(seed, docId))).toBe(hkdf(seed, docId, Buffer.from('phr/v1/record/first-epoch-key'), 32))
  })
})

describe('ownRecordKeyring', () => {
  it('gives one compartment of each fixed kind, its doc id and epoch-0 key derived from the entropy', () => {
    const a = ownRecordKeyring(ENTROPY)
    const b = ownRecordKeyring(ENTROPY.slice())
    expect([...a.values()].map((k) => k.kind).sort()).toEqual(Object.values(CompartmentKind).sort())
    expect([...a.keys()]).toEqual([...b.keys()])
    for (const [hex, keys] of a) {
      expect(toHex(keys.epochs.get(0) as Uint8Array)).toBe(toHex(b.get(hex)?.epochs.get(0) as Uint8Array))
      expect(keys.current).toBe(0)
    }
    // doc ids and keys differ per kind and per person
    expect(new Set([...a.values()].map((k) => toHex(k.epochs.get(0) as Uint8Array))).size).toBe(a.size)
    const other = ownRecordKeyring(Uint8Array.from(ENTROPY, (x) => x ^ 1))
    for (const hex of a.keys()) expect(other.has(hex)).toBe(false)
    expect(toHex(deriveRecordDocId(ENTROPY, 'core'))).not.toBe(toHex(deriveRecordDocId(ENTROPY, 'cor')))
  })
})

describe('restoreOwnRecord', () => {
  it('restores the same person (did, signing, agreement and ML-KEM keys) and opens what the first device sealed', async () => {
    // the first device, made as PatientRecords.createOwn makes it
    const first = createMemoryStore()
    const made = await createRecordWithVault(first, 'first passphrase', { keyring: ownRecordKeyring(ENTROPY) }, { scrypt: fast, batchMs: 1 })
    made.session.get('core').resources.put({ resourceType: 'Patient', id: 'pt-1', name: [{ text: 'Dilnoza Karimova' }], birthDate: '1980-02-03' })
    await addAllergy(made.session, 'Penicillin', Date.UTC(2025, 0, 1))
    await made.session.whenSaved()

    const second = createMemoryStore()
    const restored = await restoreOwnRecord(second, { phrase: words.map((w, i) => `${i + 1}. ${w}`).join('\n'), passphrase: 'new passphrase', scrypt: fast })
    const original = personFromEntropy(ENTROPY)
    const again = restorePerson(phrase)
    expect(restored.did).toBe(original.did)
    expect(toHex(again.signing.publicKey)).toBe(toHex(original.signing.publicKey))
    expect(toHex(again.agreement.publicKey)).toBe(toHex(original.agreement.publicKey))
    expect(toHex(again.kem.publicKey)).toBe(toHex(original.kem.publicKey))
    // the vault holds the person (so rotated epochs derive), and every compartment waits for its first sync
    const vault = recordVault(second, restored.vaultKey, restored.session.device.publicKey)
    expect((await vault.person()).did).toBe(original.did)
    expect([...((await vault.syncedDocs()) ?? ['absent'])]).toEqual([])
    // a new device key, certified by the same person
    expect(toHex(restored.session.device.publicKey)).not.toBe(toHex(made.session.device.publicKey))
    expect((await vault.deviceCert('Restored laptop')).cert.person).toBe(original.did)

    // same compartments: what the first device stored opens here through the receive pipeline
    expect([...restored.session.keyring.keys()].sort()).toEqual([...made.session.keyring.keys()].sort())
    for (const [kind, c] of made.session.compartments) {
      const stored = await first.read(c.compartment.docId)
      const all = [...(stored.snapshot === undefined ? [] : [stored.snapshot]), ...stored.envelopes]
      const target = restored.session.compartments.get(kind)
      expect(target).toBeDefined()
      const report = await target!.persistence.receive(all)
      expect(report.problems).toEqual([])
    }
    const core = restored.session.get('core')
    expect(core.resources.list('AllergyIntolerance').map((a) => a.code?.text)).toEqual(['Penicillin'])
    expect(core.resources.list('Patient')[0]?.name?.[0]?.text).toBe('Dilnoza Karimova')
    await restored.session.close()
    await made.session.close()
  })

  it('writes nothing for a wrong word, and says which one', async () => {
    const store = createMemoryStore()
    const typo = [...words]
    typo[11] = 'abandn'
    const err = await restoreOwnRecord(store, { phrase: typo.join(' '), passphrase: 'new passphrase', scrypt: fast }).then(
      () => undefined,
      (e: unknown) => e as Error
    )
    expect(err?.name).toBe('RecoveryPhraseError')
    expect(err?.message).toContain('word 12 (abandn)')
    expect(await store.getMeta('vault-key')).toBeUndefined()
    expect(await store.getMeta('keyring')).toBeUndefined()
  })
})
