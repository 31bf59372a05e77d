/**
 * Changing the passphrase of a record on a real SQLite store: afterwards the old one no
 * longer opens it and the new one does, to the same record, with the dependents' records
 * the guardian's vault lists still opening; a wrong current passphrase, a weak new one or a
 * write that fails changes nothing.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRecordWithVault, openRecordSession, openRecordWithVaultKey, unlockVault, type RecordSession } from '../../src/app/record-session.ts'
import { changeVaultPassphrase, VAULT_KEY_META } from '../../src/app/passphrase-change.ts'
import { decodeDependents, DEPENDENTS_ITEM, encodeDependents, type DependentEntry } from '../../src/app/dependents.ts'
import { openVaultItem } from '../../src/consent/index.ts'
import { keystoreParams } from '../../src/crypto/index.ts'
import { createSqliteStore } from '../../src/storage/sqlite.ts'
import type { EnvelopeStore } from '../../src/storage/index.ts'
import type { FhirResource } from '../../src/record/index.ts'
import { validResources } from '../record/helpers.ts'

const dir = mkdtempSync(join(tmpdir(), 'phr-pass-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const scrypt = { log2N: 10, r: 8, p: 1 }
const fast = { scrypt, batchMs: 1 }
let n = 0
const newPath = (): string => join(dir, `r${n++}.db`)
const OLD = 'correct horse battery'
const NEW = 'staple paper clip 42'

function allergy(id: string, text: string): FhirResource {
  return { ...validResources()['AllergyIntolerance'], id, code: { text } } as FhirResource
}

/** What a user could read back: every resource of every compartment, and the samples. */
function readAll(s: RecordSession): unknown {
  const out: Record<string, unknown> = {}
  for (const [kind, { compartment: c }] of s.compartments) {
    const types: Record<string, unknown> = {}
    for (const type of c.resources.types()) types[type] = c.resources.list(type, { includeWithdrawn: true })
    types['series'] = c.series.list().map((i) => Array.from(c.series.read(i.code, i.device, 0, Date.UTC(2100, 0, 1)).series[0]?.values ?? []))
    out[kind] = types
  }
  return out
}

/** A guardian's record listing one dependent, whose own record is in a second store. */
async function guardianWithDependent(): Promise<{ path: string; depPath: string; before: unknown; depBefore: unknown }> {
  const depPath = newPath()
  const depStore = createSqliteStore({ path: depPath })
  const dep = await createRecordWithVault(depStore, 'throwaway passphrase', {}, fast)
  dep.session.get('core').resources.put(allergy('child-1', 'peanuts'))
  await dep.session.whenSaved()
  const depBefore = readAll(dep.session)
  await dep.session.close()
  await depStore.close()
  const entry: DependentEntry = { id: 'c0ffee00c0ffee00', name: 'Child', birthDate: '2019-05-01', createdAt: Date.UTC(2024, 0, 1), vaultKey: dep.vaultKey }

  const path = newPath()
  const store = createSqliteStore({ path })
  const g = await createRecordWithVault(store, OLD, { items: new Map([[DEPENDENTS_ITEM, encodeDependents([entry])]]) }, fast)
  g.session.get('core').resources.put(allergy('a1', 'penicillin'))
  for (let i = 0; i < 200; i++) g.session.get('vitals').series.append('8867-4', 'strap-1', Date.UTC(2024, 0, 1) + i * 1000, 60 + (i % 30), '/min')
  g.session.get('vitals').series.flush()
  await g.session.whenSaved()
  const before = readAll(g.session)
  await g.session.close()
  await store.close()
  g.vaultKey.fill(0)
  return { path, depPath, before, depBefore }
}

async function nameOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'resolved'
  } catch (err) {
    return err instanceof Error ? err.name : String(err)
  }
}

describe('changing the passphrase', () => {
  it('the old passphrase stops opening the record, the new one opens the same record, and the dependents still open', async () => {
    const { path, depPath, before, depBefore } = await guardianWithDependent()
    let store = createSqliteStore({ path })
    const oldBlob = await store.getMeta(VAULT_KEY_META)
    await changeVaultPassphrase(store, OLD, NEW, { scrypt })
    const newBlob = await store.getMeta(VAULT_KEY_META)
    await store.close()
    // a fresh salt (bytes 10..26: after magic, version, kdf, log2N, r, p and the salt's length)
    expect(oldBlob).toBeDefined()
    expect(newBlob).toBeDefined()
    expect(Buffer.from(newBlob as Uint8Array).subarray(10, 26).equals(Buffer.from(oldBlob as Uint8Array).subarray(10, 26))).toBe(false)

    store = createSqliteStore({ path })
    expect(await nameOf(openRecordSession(store, OLD, fast))).toBe('WrongPassphraseError')
    const s = await openRecordSession(store, NEW, fast)
    expect(readAll(s)).toEqual(before)
    await s.close()
    // the dependents' keys, sealed in the vault, come back with the same vault key
    const vaultKey = await unlockVault(store, NEW)
    const list = decodeDependents(openVaultItem(vaultKey, DEPENDENTS_ITEM, (await store.getMeta(DEPENDENTS_ITEM)) as Uint8Array))
    await store.close()
    expect(list.map((d) => d.name)).toEqual(['Child'])
    const depStore = createSqliteStore({ path: depPath })
    const dep = await openRecordWithVaultKey(depStore, list[0]?.vaultKey as Uint8Array)
    expect(readAll(dep)).toEqual(depBefore)
    await dep.close()
    await depStore.close()
  })

  it('a wrong current passphrase changes nothing', async () => {
    const { path, before } = await guardianWithDependent()
    const store = createSqliteStore({ path })
    const blob = await store.getMeta(VAULT_KEY_META)
    expect(await nameOf(changeVaultPassphrase(store, 'not the passphrase', NEW, { scrypt }))).toBe('WrongPassphraseError')
    expect(await store.getMeta(VAULT_KEY_META)).toEqual(blob)
    expect(await nameOf(openRecordSession(store, NEW, fast))).toBe('WrongPassphraseError')
    const s = await openRecordSession(store, OLD, fast)
    expect(readAll(s)).toEqual(before)
    await s.close()
    await store.close()
  })

  it('refuses a new passphrase shorter than onboarding allows, before touching anything', async () => {
    const { path } = await guardianWithDependent()
    const store = createSqliteStore({ path })
    const blob = await store.getMeta(VAULT_KEY_META)
    expect(await nameOf(changeVaultPassphrase(store, OLD, 'short', { scrypt }))).toBe('WeakPassphraseError')
    expect(await nameOf(changeVaultPassphrase(store, OLD, '', { scrypt }))).toBe('WeakPassphraseError')
    expect(await nameOf(changeVaultPassphrase(store, OLD, 'x'.repeat(257), { scrypt }))).toBe('WeakPassphraseError')
    expect(await store.getMeta(VAULT_KEY_META)).toEqual(blob)
    ;(await unlockVault(store, OLD)).fill(0)
    await store.close()
  })

  it('a write that fails leaves the old passphrase working (never neither)', async () => {
    const { path, before } = await guardianWithDependent()
    const real = createSqliteStore({ path })
    // the store fails at the one write the change makes, as a full disk or a closed tab would
    const failing: EnvelopeStore = {
      ...real,
      getMeta: (name) => real.getMeta(name),
      putMeta: () => Promise.reject(new Error('disk full'))
    }
    expect(await nameOf(changeVaultPassphrase(failing, OLD, NEW, { scrypt }))).toBe('Error')
    await real.close()
    const store = createSqliteStore({ path })
    expect(await nameOf(unlockVault(store, NEW))).toBe('WrongPassphraseError')
    const s = await openRecordSession(store, OLD, fast)
    expect(readAll(s)).toEqual(before)
    await s.close()
    await store.close()
  })

  it('keeps the stronger scrypt parameters by default', async () => {
    const { path } = await guardianWithDependent()
    const store = createSqliteStore({ path })
    await changeVaultPassphrase(store, OLD, NEW)
    expect(keystoreParams((await store.getMeta(VAULT_KEY_META)) as Uint8Array)).toEqual({ log2N: 16, r: 8, p: 1 })
    // the file holds the new wrapping, not the passphrase
    await store.close()
    expect(readFileSync(path).includes(Buffer.from(NEW))).toBe(false)
  })
})
