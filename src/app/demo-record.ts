/**
 * The demo patient that `npm start` offers: a one-month synthetic record, stored on this
 * device exactly as a real one is (encrypted, in its own IndexedDB database). Its
 * passphrase is fixed and public because it holds nothing real.
 */
import { RECORD_DB_PREFIX } from './local-records.ts'

/** The demo record's database name. */
export const DEMO_DB = `${RECORD_DB_PREFIX}demo`
/** The demo record's passphrase: public, because the demo holds only synthetic data. */
export const DEMO_PASSPHRASE = 'demo'
/** The database of the person's own record on this device (made here or linked). */
export const OWN_DB = `${RECORD_DB_PREFIX}own`
