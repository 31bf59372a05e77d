/**
 * Which records and practitioner profiles this device holds. Each lives in its own
 * IndexedDB database named with these prefixes (the storage layer creates them).
 */
export const RECORD_DB_PREFIX = 'phr-record-'
export const PRACTITIONER_DB_PREFIX = 'phr-practitioner-'
/** A caregiver's identity (a family member holding read grants), and each person's replica it holds. */
export const CAREGIVER_DB = 'phr-caregiver-default'
export const CAREGIVER_REPLICA_PREFIX = 'phr-care-'

/** What is stored on this device, by kind. */
export interface LocalHoldings {
  records: number
  practitionerProfiles: number
}

/** Counts the records and practitioner profiles stored on this device. */
export async function localHoldings(idb: Pick<IDBFactory, 'databases'>): Promise<LocalHoldings> {
  const dbs = await idb.databases()
  const count = (prefix: string): number => dbs.filter((d) => d.name?.startsWith(prefix) === true).length
  return { records: count(RECORD_DB_PREFIX), practitionerProfiles: count(PRACTITIONER_DB_PREFIX) }
}
