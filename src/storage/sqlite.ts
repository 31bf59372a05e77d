/**
 * The SQLite envelope store for Node, on Node 24's built-in `node:sqlite` (no native
 * module to build). A separate entry point from `index.ts` so that browser bundles never
 * see `node:sqlite`.
 *
 * Durability: WAL journal with `synchronous = FULL`, so a write whose promise resolved
 * survives a crash of the process and of the machine. Each batch is one transaction.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { fromHex, toHex, type DocId } from '../lib/index.ts'
import type { EnvelopeStore, StoredDoc, Vector } from './port.ts'
import { contiguousVector, covered, coversOf, dominates, entryOf } from './entries.ts'
import { StaleSnapshotError, StoreOpenError } from './errors.ts'
import { installNodeInflater } from '../envelope/node-inflate.ts'

/** Options of the SQLite store. */
export interface SqliteStoreInit {
  /** Database file; `:memory:` for a private in-memory database. */
  path: string
}

const SCHEMA_VERSION = 1

const SCHEMA = `
CREATE TABLE IF NOT EXISTS envelopes (
  doc BLOB NOT NULL, author BLOB NOT NULL, seq INTEGER NOT NULL,
  kind INTEGER NOT NULL, bytes BLOB NOT NULL,
  PRIMARY KEY (doc, author, seq)
);
CREATE TABLE IF NOT EXISTS snapshots (doc BLOB PRIMARY KEY, bytes BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (blob TEXT NOT NULL, idx INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (blob, idx));
`

const KIND_UPDATE = 0
const KIND_SNAPSHOT = 1

/**
 * Opens (creating if needed) a SQLite envelope store. This is the Node entry of storage,
 * so it also has compressed snapshots inflate with zlib in this process.
 * @throws {StoreOpenError} when the file is not a database of ours
 */
export function createSqliteStore(init: SqliteStoreInit): EnvelopeStore {
  installNodeInflater()
  let db: DatabaseSync
  try {
    db = new DatabaseSync(init.path)
    // 64 KiB pages: a snapshot of tens of MB reads as a short chain; incremental auto-vacuum:
    // compaction can hand the pages of the envelopes it dropped back to the file system
    // (a compressed snapshot is far smaller than the log it replaces). Both take effect on
    // a new file only.
    db.exec('PRAGMA page_size = 65536; PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;')
    const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version
    if (version > SCHEMA_VERSION) throw new StoreOpenError(`database schema ${version} is newer than this app (${SCHEMA_VERSION})`)
    db.exec(SCHEMA)
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`)
  } catch (err) {
    if (err instanceof StoreOpenError) throw err
    throw new StoreOpenError(`could not open the store at ${init.path}: ${(err as Error).message}`, { cause: err })
  }

  const q = {
    insert: db.prepare('INSERT OR IGNORE INTO envelopes (doc, author, seq, kind, bytes) VALUES (?, ?, ?, ?, ?)'),
    snapshot: db.prepare('SELECT bytes FROM snapshots WHERE doc = ?'),
    setSnapshot: db.prepare('INSERT OR REPLACE INTO snapshots (doc, bytes) VALUES (?, ?)'),
    envelopes: db.prepare('SELECT author, seq, kind, bytes FROM envelopes WHERE doc = ? ORDER BY author, seq'),
    keys: db.prepare('SELECT author, seq, kind, CASE kind WHEN 1 THEN bytes END AS bytes FROM envelopes WHERE doc = ?'),
    remove: db.prepare('DELETE FROM envelopes WHERE doc = ? AND author = ? AND seq = ?'),
    docs: db.prepare('SELECT doc FROM envelopes UNION SELECT doc FROM snapshots'),
    putMeta: db.prepare('INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)'),
    getMeta: db.prepare('SELECT value FROM meta WHERE name = ?'),
    putChunk: db.prepare('INSERT OR REPLACE INTO chunks (blob, idx, bytes) VALUES (?, ?, ?)'),
    getChunk: db.prepare('SELECT bytes FROM chunks WHERE blob = ? AND idx = ?'),
    countChunks: db.prepare('SELECT count(*) AS n FROM chunks WHERE blob = ?'),
    metaNames: db.prepare('SELECT name FROM meta'),
    blobIds: db.prepare('SELECT DISTINCT blob FROM chunks')
  } satisfies Record<string, StatementSync>

  const tx = <T>(fn: () => T): T => sqliteTransaction(db, fn)

  const snapshotOf = (doc: Uint8Array): { bytes: Uint8Array; covers: Map<string, number> } | undefined => {
    const row = q.snapshot.get(doc) as { bytes: Uint8Array } | undefined
    return row === undefined ? undefined : { bytes: row.bytes, covers: coversOf(row.bytes) }
  }

  return {
    async append(batch) {
      const entries = batch.map(entryOf)
      tx(() => {
        const bases = new Map<string, Map<string, number> | undefined>()
        for (const e of entries) {
          const doc = fromHex(e.doc)
          if (!bases.has(e.doc)) bases.set(e.doc, snapshotOf(doc)?.covers)
          if (covered(bases.get(e.doc), e.author, e.seq)) continue
          q.insert.run(doc, fromHex(e.author), e.seq, e.kind === 'snapshot' ? KIND_SNAPSHOT : KIND_UPDATE, e.bytes)
        }
      })
    },
    async read(docId: DocId, since?: Vector): Promise<StoredDoc> {
      const base = snapshotOf(docId)
      const withSnapshot = base !== undefined && (since === undefined || !dominates(since, base.covers))
      const envelopes: Uint8Array[] = []
      for (const row of q.envelopes.iterate(docId) as Iterable<{ author: Uint8Array; seq: number; bytes: Uint8Array }>) {
        const author = toHex(row.author)
        if (covered(since, author, row.seq) || (withSnapshot && covered(base.covers, author, row.seq))) continue
        envelopes.push(row.bytes)
      }
      return withSnapshot ? { snapshot: base.bytes, envelopes } : { envelopes }
    },
    async vector(docId) {
      const base = snapshotOf(docId)
      const snaps: Vector[] = base === undefined ? [] : [base.covers]
      const seqs: Array<{ author: string; seq: number }> = []
      for (const row of q.keys.iterate(docId) as Iterable<{ author: Uint8Array; seq: number; kind: number; bytes: Uint8Array | null }>) {
        seqs.push({ author: toHex(row.author), seq: row.seq })
        if (row.kind === KIND_SNAPSHOT && row.bytes !== null) snaps.push(coversOf(row.bytes))
      }
      return contiguousVector(snaps, seqs)
    },
    async compact(snapshot) {
      const covers = coversOf(snapshot)
      const e = entryOf(snapshot)
      const doc = fromHex(e.doc)
      const removed = tx(() => {
        const base = snapshotOf(doc)
        if (base !== undefined && !dominates(covers, base.covers)) throw new StaleSnapshotError('the new snapshot does not cover the stored one')
        const doomed: Array<{ author: Uint8Array; seq: number }> = []
        for (const row of q.keys.iterate(doc) as Iterable<{ author: Uint8Array; seq: number; kind: number; bytes: Uint8Array | null }>) {
          if (!covered(covers, toHex(row.author), row.seq)) continue
          if (row.kind === KIND_SNAPSHOT && row.bytes !== null && !dominates(covers, coversOf(row.bytes))) continue
          doomed.push({ author: row.author, seq: row.seq })
        }
        for (const d of doomed) q.remove.run(doc, d.author, d.seq)
        q.setSnapshot.run(doc, e.bytes)
        return doomed.length
      })
      // after the commit: give free pages back (a no-op on a file made without auto-vacuum)
      db.exec('PRAGMA incremental_vacuum')
      return removed
    },
    async docs() {
      return (q.docs.all() as Array<{ doc: Uint8Array }>).map((r) => toHex(r.doc)).sort(byHex)
    },
    async putMeta(name, value) {
      q.putMeta.run(name, value)
    },
    async getMeta(name) {
      return (q.getMeta.get(name) as { value: Uint8Array } | undefined)?.value
    },
    async metaNames() {
      return (q.metaNames.all() as Array<{ name: string }>).map((r) => r.name).sort(byHex)
    },
    async putChunks(blobId, list) {
      tx(() => {
        for (const c of list) q.putChunk.run(blobId, c.index, c.bytes)
      })
    },
    async getChunk(blobId, index) {
      return (q.getChunk.get(blobId, index) as { bytes: Uint8Array } | undefined)?.bytes
    },
    async chunkCount(blobId) {
      return (q.countChunks.get(blobId) as { n: number }).n
    },
    async blobIds() {
      return (q.blobIds.all() as Array<{ blob: string }>).map((r) => r.blob).sort(byHex)
    },
    async close() {
      if (db.isOpen) db.close()
    }
  }
}

/**
 * Runs `fn` in one write transaction (`BEGIN IMMEDIATE`): committed when it returns,
 * rolled back when it throws.
 */
export function sqliteTransaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE')
  try {
    const out = fn()
    db.exec('COMMIT')
    return out
  } catch (err) {
    db.exec('ROLLBACK')
    throw err
  }
}

function byHex(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

