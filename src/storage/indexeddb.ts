/**
 * The IndexedDB envelope store for the browser. One database per record; every value is
 * ciphertext (sealed envelopes, sealed key material, encrypted attachment chunks).
 *
 * Writes use `durability: 'strict'`: the promise resolves after the transaction has been
 * flushed, so an update counts as saved only once it is on disk (DESIGN §6).
 */
import { toHex, type DocId } from '../lib/index.ts'
import type { EnvelopeStore, StoredDoc, Vector } from './port.ts'
import { contiguousVector, covered, coversOf, dominates, entryOf } from './entries.ts'
import { StaleSnapshotError, StoreOpenError } from './errors.ts'
import { installWorkerInflater } from '../envelope/worker-inflate.ts'

/** Whether this page's snapshot inflater is installed (once, by the first store). */
let workerInflater = false

const VERSION = 1
const ENVELOPES = 'envelopes'
const SNAPSHOTS = 'snapshots'
const META = 'meta'
const CHUNKS = 'chunks'

interface EnvelopeRow {
  doc: string
  author: string
  seq: number
  bytes: Uint8Array
  /** Present only on snapshot envelopes (a sparse index finds them). */
  snapDoc?: string
}

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result)
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'))
  })
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'))
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
  })
}

const docRange = (doc: string): IDBKeyRange => IDBKeyRange.bound([doc, '', 0], [doc, '\uffff', Number.MAX_SAFE_INTEGER])

/** Options of the IndexedDB store. */
export interface IndexedDbStoreInit {
  /** Database name (one per record on this device). */
  name: string
  /** The IndexedDB factory. @default globalThis.indexedDB */
  indexedDB?: IDBFactory
}

/**
 * Opens (creating if needed) an IndexedDB envelope store.
 * @throws {StoreOpenError} when the database cannot be opened (private mode, quota, a newer version)
 */
export async function createIndexedDbStore(init: IndexedDbStoreInit): Promise<EnvelopeStore> {
  // this is the browser entry of storage: compressed snapshots inflate in workers here, and
  // big envelopes are verified and decrypted there
  if (!workerInflater && typeof Worker !== 'undefined' && init.indexedDB === undefined) {
    workerInflater = true
    installWorkerInflater()
  }
  const factory = init.indexedDB ?? globalThis.indexedDB
  let db: IDBDatabase
  try {
    const open = factory.open(init.name, VERSION)
    open.onupgradeneeded = () => {
      const d = open.result
      const env = d.createObjectStore(ENVELOPES, { keyPath: ['doc', 'author', 'seq'] })
      env.createIndex('snapDoc', 'snapDoc')
      d.createObjectStore(SNAPSHOTS)
      d.createObjectStore(META)
      d.createObjectStore(CHUNKS)
    }
    db = await req(open)
  } catch (err) {
    throw new StoreOpenError(`could not open IndexedDB database ${init.name}: ${(err as Error).message}`, { cause: err })
  }

  const write = (stores: string[]): IDBTransaction => db.transaction(stores, 'readwrite', { durability: 'strict' })

  async function baseOf(tx: IDBTransaction, doc: string): Promise<{ bytes: Uint8Array; covers: Map<string, number> } | undefined> {
    const bytes = (await req(tx.objectStore(SNAPSHOTS).get(doc))) as Uint8Array | undefined
    return bytes === undefined ? undefined : { bytes, covers: coversOf(bytes) }
  }

  async function held(tx: IDBTransaction, doc: string): Promise<{ keys: Array<{ author: string; seq: number }>; snaps: Map<string, Map<string, number>> }> {
    const store = tx.objectStore(ENVELOPES)
    const [keys, snapRows] = await Promise.all([
      req(store.getAllKeys(docRange(doc))),
      req(store.index('snapDoc').getAll(doc)) as Promise<EnvelopeRow[]>
    ])
    const snaps = new Map<string, Map<string, number>>()
    for (const row of snapRows) snaps.set(`${row.author}:${row.seq}`, coversOf(row.bytes))
    return { keys: (keys as Array<[string, string, number]>).map(([, author, seq]) => ({ author, seq })), snaps }
  }

  return {
    async append(batch) {
      const entries = batch.map(entryOf)
      const tx = write([ENVELOPES, SNAPSHOTS])
      const finished = done(tx)
      const bases = new Map<string, Promise<Map<string, number> | undefined>>()
      const store = tx.objectStore(ENVELOPES)
      for (const e of entries) {
        if (!bases.has(e.doc)) bases.set(e.doc, baseOf(tx, e.doc).then((b) => b?.covers))
      }
      const resolved = new Map<string, Map<string, number> | undefined>()
      for (const [doc, p] of bases) resolved.set(doc, await p)
      for (const e of entries) {
        if (covered(resolved.get(e.doc), e.author, e.seq)) continue
        const row: EnvelopeRow = { doc: e.doc, author: e.author, seq: e.seq, bytes: e.bytes }
        if (e.kind === 'snapshot') row.snapDoc = e.doc
        // put of an existing key rewrites identical content: the same (doc, author, seq)
        // is the same signed envelope, so this keeps append idempotent
        store.put(row)
      }
      await finished
    },
    async read(docId: DocId, since?: Vector): Promise<StoredDoc> {
      const doc = toHex(docId)
      const tx = db.transaction([ENVELOPES, SNAPSHOTS], 'readonly')
      const [base, rows] = await Promise.all([baseOf(tx, doc), req(tx.objectStore(ENVELOPES).getAll(docRange(doc))) as Promise<EnvelopeRow[]>])
      const withSnapshot = base !== undefined && (since === undefined || !dominates(since, base.covers))
      const envelopes = rows
        .filter((r) => !covered(since, r.author, r.seq) && !(withSnapshot && covered(base.covers, r.author, r.seq)))
        .map((r) => r.bytes)
      return withSnapshot ? { snapshot: base.bytes, envelopes } : { envelopes }
    },
    async vector(docId) {
      const doc = toHex(docId)
      const tx = db.transaction([ENVELOPES, SNAPSHOTS], 'readonly')
      const [base, h] = await Promise.all([baseOf(tx, doc), held(tx, doc)])
      const snaps: Vector[] = [...h.snaps.values()]
      if (base !== undefined) snaps.push(base.covers)
      return contiguousVector(snaps, h.keys)
    },
    async compact(snapshot) {
      const covers = coversOf(snapshot)
      const e = entryOf(snapshot)
      const tx = write([ENVELOPES, SNAPSHOTS])
      const finished = done(tx)
      try {
        const [base, h] = await Promise.all([baseOf(tx, e.doc), held(tx, e.doc)])
        if (base !== undefined && !dominates(covers, base.covers)) throw new StaleSnapshotError('the new snapshot does not cover the stored one')
        const store = tx.objectStore(ENVELOPES)
        let removed = 0
        for (const k of h.keys) {
          if (!covered(covers, k.author, k.seq)) continue
          const snapCovers = h.snaps.get(`${k.author}:${k.seq}`)
          if (snapCovers !== undefined && !dominates(covers, snapCovers)) continue
          store.delete([e.doc, k.author, k.seq])
          removed++
        }
        tx.objectStore(SNAPSHOTS).put(e.bytes, e.doc)
        await finished
        return removed
      } catch (err) {
        if (!(err instanceof DOMException)) tx.abort()
        await finished.catch(() => undefined)
        throw err
      }
    },
    async docs() {
      const tx = db.transaction([ENVELOPES, SNAPSHOTS], 'readonly')
      const [envKeys, snapKeys] = await Promise.all([req(tx.objectStore(ENVELOPES).getAllKeys()), req(tx.objectStore(SNAPSHOTS).getAllKeys())])
      const set = new Set<string>(snapKeys as string[])
      for (const k of envKeys as Array<[string, string, number]>) set.add(k[0])
      return [...set].sort()
    },
    async putMeta(name, value) {
      const tx = write([META])
      tx.objectStore(META).put(value, name)
      await done(tx)
    },
    async getMeta(name) {
      return (await req(db.transaction(META, 'readonly').objectStore(META).get(name))) as Uint8Array | undefined
    },
    async metaNames() {
      // IndexedDB returns keys in key order: strings sort by code unit, as Array#sort does
      return (await req(db.transaction(META, 'readonly').objectStore(META).getAllKeys())) as string[]
    },
    async putChunks(blobId, list) {
      const tx = write([CHUNKS])
      for (const c of list) tx.objectStore(CHUNKS).put(c.bytes, [blobId, c.index])
      await done(tx)
    },
    async getChunk(blobId, index) {
      return (await req(db.transaction(CHUNKS, 'readonly').objectStore(CHUNKS).get([blobId, index]))) as Uint8Array | undefined
    },
    async chunkCount(blobId) {
      return req(db.transaction(CHUNKS, 'readonly').objectStore(CHUNKS).count(IDBKeyRange.bound([blobId, 0], [blobId, Number.MAX_SAFE_INTEGER])))
    },
    async blobIds() {
      const keys = (await req(db.transaction(CHUNKS, 'readonly').objectStore(CHUNKS).getAllKeys())) as Array<[string, number]>
      return [...new Set(keys.map((k) => k[0]))]
    },
    async close() {
      db.close()
    }
  }
}
