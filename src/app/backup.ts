/**
 * Backup and restore of the patient's record on this device (issue 10 §6): an encrypted
 * file of everything the record's IndexedDB database holds, sealed under the record's
 * passphrase (`backup-file.ts` for the container, `backup-content.ts` for what is in it),
 * and its restore into a browser that holds no record yet.
 *
 * The backup's label says which record it holds (`demo` or `own`), so that a restored
 * demo patient opens as the demo again and an own record asks for its passphrase as
 * before. Restoring checks the whole file before a database is made; if writing then
 * fails, the new database is deleted again.
 */
import { PhrError } from '../lib/index.ts'
import { createIndexedDbStore, type EnvelopeStore } from '../storage/index.ts'
import type { ScryptParams } from '../crypto/index.ts'
import { restoreRecordBackup, writeRecordBackup, type BackupCounts } from './backup-content.ts'
import { blobSource, BackupFormatError } from './backup-file.ts'
import { DEMO_DB, OWN_DB } from './demo-record.ts'
import { HeldRecord, type OpenRecord, type PatientRecords } from './patient-record.ts'

export { BackupDamagedError, BackupFormatError, BackupTooLargeError } from './backup-file.ts'
export { RestoreTargetNotEmptyError } from './backup-content.ts'

/** This device already holds a record: a backup is restored only where there is none. */
export class RecordAlreadyHeldError extends PhrError {
  override name: string = 'RecordAlreadyHeldError'
}

/** Labels of the records a backup may hold. */
const Label = { demo: 'demo', own: 'own' } as const

/** A backup ready to be saved. */
export interface BackupDownload {
  readonly blob: Blob
  /** A file name with the date, e.g. `health-record-2024-05-01.phrbak`. */
  readonly fileName: string
  /** What it holds. */
  readonly counts: BackupCounts
}

/** Backup and restore of the patient's record. */
export interface RecordBackups {
  /**
   * An encrypted backup of the open record, sealed under its passphrase.
   * @throws {WrongPassphraseError} when the passphrase is not the record's
   */
  exportBackup(record: OpenRecord, passphrase: string, onProgress?: (fraction: number) => void): Promise<BackupDownload>
  /**
   * Restores a backup file on a device that holds no record, and opens it.
   * @throws {RecordAlreadyHeldError} when this device holds a record
   * @throws {WrongPassphraseError | BackupFormatError | BackupDamagedError | BackupTooLargeError}
   *   for a wrong passphrase or a file that is not a whole backup: nothing is created
   */
  restoreBackup(file: Blob, passphrase: string, onProgress?: (fraction: number) => void): Promise<OpenRecord>
}

/** What the backup service is given. */
export interface RecordBackupsComponents {
  records: Pick<PatientRecords, 'held' | 'openDemo' | 'unlock'>
  indexedDB: Pick<IDBFactory, 'deleteDatabase'>
  /** Opens a record database. @default the IndexedDB store */
  openStore?: (name: string) => Promise<EnvelopeStore>
  /** @default Date.now */
  clock?: () => number
  /** scrypt parameters of new backup files (tests lower them). @default the key store's */
  scrypt?: ScryptParams
}

function deleteDb(idb: Pick<IDBFactory, 'deleteDatabase'>, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const r = idb.deleteDatabase(name)
    r.onsuccess = () => resolve()
    r.onerror = () => reject(r.error ?? new Error(`${name} could not be deleted`))
  })
}

/** Creates the backup service. */
export function createRecordBackups(components: RecordBackupsComponents): RecordBackups {
  const clock = components.clock ?? Date.now
  const openStore = components.openStore ?? ((name: string) => createIndexedDbStore({ name }))
  return {
    async exportBackup(record, passphrase, onProgress) {
      // what was changed a moment ago is in the backup too
      await record.session.whenSaved()
      const parts: Uint8Array[] = []
      const counts = await writeRecordBackup(record.session.store, passphrase, (part) => void parts.push(part), {
        label: record.demo ? Label.demo : Label.own,
        clock,
        ...(components.scrypt === undefined ? {} : { scrypt: components.scrypt }),
        ...(onProgress === undefined ? {} : { onProgress })
      })
      // every part is a fresh array of its own buffer (the writer allocates each)
      const blob = new Blob(parts as Array<Uint8Array<ArrayBuffer>>, { type: 'application/octet-stream' })
      return { blob, fileName: `health-record-${new Date(clock()).toISOString().slice(0, 10)}.phrbak`, counts }
    },

    async restoreBackup(file, passphrase, onProgress) {
      if ((await components.records.held()) !== HeldRecord.none) throw new RecordAlreadyHeldError('this device already holds a record; nothing was changed')
      let made: { name: string; store: EnvelopeStore } | undefined
      let label: string | undefined
      try {
        await restoreRecordBackup(
          blobSource(file),
          passphrase,
          async (manifest) => {
            if (manifest.label !== Label.demo && manifest.label !== Label.own) throw new BackupFormatError(`backup: holds a record of an unknown kind (${manifest.label})`)
            label = manifest.label
            // asked for only once the whole file checked out
            const name = label === Label.demo ? DEMO_DB : OWN_DB
            made = { name, store: await openStore(name) }
            return made.store
          },
          onProgress === undefined ? {} : { onProgress }
        )
      } catch (err) {
        if (made !== undefined) {
          await made.store.close()
          // the new database holds no vault key, so it would not open; it must not be left to look like a record either
          await deleteDb(components.indexedDB, made.name)
        }
        throw err
      }
      await made?.store.close()
      return label === Label.demo ? components.records.openDemo() : components.records.unlock(passphrase)
    }
  }
}
