/**
 * The app's backup service: which database a backup is restored into, that nothing is
 * made for a wrong passphrase or a damaged file, that a database is deleted again when
 * writing it fails, and that a device with a record refuses a restore.
 */
import { describe, it, expect } from 'vitest'
import { createMemoryStore, type EnvelopeStore } from '../../src/storage/index.ts'
import { createRecordWithVault } from '../../src/app/record-session.ts'
import { createRecordBackups, type RecordBackupsComponents } from '../../src/app/backup.ts'
import { DEMO_DB, OWN_DB } from '../../src/app/demo-record.ts'
import { HeldRecord, type HeldRecord as Held, type OpenRecord } from '../../src/app/patient-record.ts'

const scrypt = { log2N: 10, r: 8, p: 1 }

/** A fake app around memory stores: what was opened, deleted, and which record was opened after. */
function harness(held: Held = HeldRecord.none, failWrites = false) {
  const log: string[] = []
  const stores = new Map<string, EnvelopeStore>()
  const components: RecordBackupsComponents = {
    scrypt,
    clock: () => Date.UTC(2024, 4, 1),
    records: {
      held: async () => held,
      openDemo: async () => (log.push('openDemo'), {} as OpenRecord),
      unlock: async (p) => (log.push(`unlock ${p}`), {} as OpenRecord)
    },
    indexedDB: {
      deleteDatabase: (name: string) => {
        log.push(`delete ${name}`)
        stores.delete(name)
        const req = {} as IDBOpenDBRequest
        queueMicrotask(() => {
          req.onsuccess?.call(req, new Event('success'))
        })
        return req
      }
    },
    openStore: async (name) => {
      log.push(`open ${name}`)
      // kept open after the service closes it, so that the test can look inside
      const inner: EnvelopeStore = { ...createMemoryStore(), close: async () => undefined }
      const store: EnvelopeStore = failWrites ? { ...inner, append: async () => Promise.reject(new Error('disk full')) } : inner
      stores.set(name, store)
      return store
    }
  }
  return { log, stores, backups: createRecordBackups(components) }
}

async function exported(demo: boolean, passphrase: string): Promise<Blob> {
  const store = createMemoryStore()
  const { session, vaultKey } = await createRecordWithVault(store, passphrase, {}, { scrypt, batchMs: 1 })
  session.get('core').resources.put({ resourceType: 'Patient', id: 'p1', name: [{ text: 'Ada' }] } as never)
  const record = { demo, session } as unknown as OpenRecord
  const progress: number[] = []
  const download = await harness().backups.exportBackup(record, passphrase, (f) => void progress.push(f))
  expect(download.fileName).toBe('health-record-2024-05-01.phrbak')
  expect(progress.at(-1)).toBe(1)
  await session.close()
  vaultKey.fill(0)
  return download.blob
}

describe('backup service', () => {
  it('restores a demo backup into the demo database and opens it as the demo', async () => {
    const blob = await exported(true, 'demo')
    const h = harness()
    await h.backups.restoreBackup(blob, 'demo')
    expect(h.log).toEqual([`open ${DEMO_DB}`, 'openDemo'])
    expect((await h.stores.get(DEMO_DB)!.docs()).length).toBeGreaterThan(0)
  })

  it('restores an own record into the own database and unlocks it with the passphrase', async () => {
    const blob = await exported(false, 'my long passphrase')
    const h = harness()
    await h.backups.restoreBackup(blob, 'my long passphrase')
    expect(h.log).toEqual([`open ${OWN_DB}`, 'unlock my long passphrase'])
  })

  it('makes no database for a wrong passphrase or a damaged file', async () => {
    const blob = await exported(false, 'my long passphrase')
    const h = harness()
    const wrong = await h.backups.restoreBackup(blob, 'not it').catch((e: unknown) => e)
    expect((wrong as Error).name).toBe('WrongPassphraseError')
    const bytes = new Uint8Array(await blob.arrayBuffer())
    bytes[bytes.length - 5]! ^= 1
    const damaged = await h.backups.restoreBackup(new Blob([bytes]), 'my long passphrase').catch((e: unknown) => e)
    expect((damaged as Error).name).toBe('BackupDamagedError')
    expect(h.log).toEqual([])
  })

  it('deletes the new database again when writing it fails', async () => {
    const blob = await exported(false, 'my long passphrase')
    const h = harness(HeldRecord.none, true)
    const err = await h.backups.restoreBackup(blob, 'my long passphrase').catch((e: unknown) => e)
    expect((err as Error).message).toBe('disk full')
    expect(h.log).toEqual([`open ${OWN_DB}`, `delete ${OWN_DB}`])
  })

  it('refuses to restore on a device that holds a record', async () => {
    const blob = await exported(true, 'demo')
    const h = harness(HeldRecord.demo)
    const err = await h.backups.restoreBackup(blob, 'demo').catch((e: unknown) => e)
    expect((err as Error).name).toBe('RecordAlreadyHeldError')
    expect(h.log).toEqual([])
  })
})
