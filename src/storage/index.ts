/**
 * Storage (DESIGN §6): the `EnvelopeStore` port and its browser and in-memory adapters,
 * and the persistence binding that keeps a compartment in a store. Everything a store
 * holds is ciphertext. The SQLite adapter for Node is the separate entry `./sqlite.ts`,
 * so that browser bundles never see `node:sqlite`.
 *
 * @example
 * ```ts
 * const store = await createIndexedDbStore({ name: 'phr-record-…' })
 * await store.append([sealedEnvelope])          // resolves after the transaction commits
 * const { snapshot, envelopes } = await store.read(docId)
 * ```
 * @packageDocumentation
 */
export type { EnvelopeStore, StoredDoc, Vector } from './port.ts'
export { createMemoryStore, docIdFromHex } from './memory.ts'
export { createIndexedDbStore, type IndexedDbStoreInit } from './indexeddb.ts'
export { StaleSnapshotError, StoreOpenError, StoredEnvelopeCorruptError, SnapshotMismatchError } from './errors.ts'
export { createPersistence, type PersistableDoc, type DocKeys, type Persistence, type PersistenceInit, type LoadReport, type LoadOptions, type ReceiveReport, type EnvelopeProblem } from './persistence.ts'
export { writeBlob, readBlob, type BlobRef, type WriteBlobOptions } from './blobs.ts'
export { MAX_SNAPSHOT_BYTES } from './entries.ts'
