/**
 * The demo patient that `npm start` offers: a one-month synthetic record, stored on this
 * device exactly as a real one is (encrypted, in its own IndexedDB database). Its
 * passphrase is fixed and public because it holds nothing real.
 */
import { createIndexedDbStore } from '../storage/index.ts'
import { SYNTHETIC_MONTH } from '../record/index.ts'
import { createRecordSession, openRecordSession, type RecordSession } from './record-session.ts'
import { importSyntheticRecord } from './demo.ts'
import { summarize, type RecordSummary } from './summary.ts'
import { RECORD_DB_PREFIX } from './local-records.ts'

/** The demo record's database name. */
export const DEMO_DB = `${RECORD_DB_PREFIX}demo`
/** The demo record's passphrase: public, because the demo holds only synthetic data. */
export const DEMO_PASSPHRASE = 'demo'

/** The demo patient on this device. */
export interface DemoRecord {
  /** Whether this device holds the demo record. */
  exists(): Promise<boolean>
  /** Creates it (progress 0..1) and returns its summary. */
  create(onProgress?: (fraction: number) => void): Promise<RecordSummary>
  /** Opens it and returns its summary. */
  open(): Promise<RecordSummary>
  /** The open session, if any. */
  session(): RecordSession | undefined
}

/** The demo record service. */
export function createDemoRecord(idb: Pick<IDBFactory, 'databases'>): DemoRecord {
  let current: RecordSession | undefined
  return {
    async exists() {
      return (await idb.databases()).some((d) => d.name === DEMO_DB)
    },
    async create(onProgress) {
      const store = await createIndexedDbStore({ name: DEMO_DB })
      current = await createRecordSession(store, DEMO_PASSPHRASE)
      await importSyntheticRecord(current, SYNTHETIC_MONTH, onProgress === undefined ? {} : { onProgress })
      return summarize(current)
    },
    async open() {
      if (current === undefined) {
        const store = await createIndexedDbStore({ name: DEMO_DB })
        current = await openRecordSession(store, DEMO_PASSPHRASE)
      }
      return summarize(current)
    },
    session: () => current
  }
}
