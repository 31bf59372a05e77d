import { asDocId, fromHex, toHex, type DocId } from '../lib/index.ts'
import type { EnvelopeStore, StoredDoc, Vector } from './port.ts'
import { StaleSnapshotError } from './errors.ts'
import { byAuthorSeq, contiguousVector, covered, coversOf, dominates, entryOf, type Entry } from './entries.ts'

interface DocState {
  snapshot?: { bytes: Uint8Array; covers: Map<string, number> }
  /** `${author}:${seq}` → entry */
  envelopes: Map<string, Entry>
}

/**
 * An in-memory envelope store: for tests and for peers that keep nothing. Same behaviour
 * as the durable adapters (the shared acceptance suite proves it).
 */
export function createMemoryStore(): EnvelopeStore {
  const docs = new Map<string, DocState>()
  const meta = new Map<string, Uint8Array>()
  const chunks = new Map<string, Map<number, Uint8Array>>()
  let closed = false
  const open = (): void => {
    if (closed) throw new Error('store is closed')
  }
  const docState = (doc: string): DocState => {
    let s = docs.get(doc)
    if (s === undefined) docs.set(doc, (s = { envelopes: new Map() }))
    return s
  }

  return {
    async append(batch) {
      open()
      const entries = batch.map(entryOf) // parse all first: one bad envelope writes nothing
      for (const e of entries) {
        const s = docState(e.doc)
        if (covered(s.snapshot?.covers, e.author, e.seq)) continue
        const key = `${e.author}:${e.seq}`
        if (!s.envelopes.has(key)) s.envelopes.set(key, e)
      }
    },
    async read(docId: DocId, since?: Vector): Promise<StoredDoc> {
      open()
      const s = docs.get(toHex(docId))
      if (s === undefined) return { envelopes: [] }
      const withSnapshot = s.snapshot !== undefined && (since === undefined || !dominates(since, s.snapshot.covers))
      const envelopes = [...s.envelopes.values()]
        .filter((e) => !covered(since, e.author, e.seq) && !(withSnapshot && covered(s.snapshot?.covers, e.author, e.seq)))
        .sort(byAuthorSeq)
        .map((e) => e.bytes.slice())
      return withSnapshot && s.snapshot !== undefined ? { snapshot: s.snapshot.bytes.slice(), envelopes } : { envelopes }
    },
    async vector(docId) {
      open()
      const s = docs.get(toHex(docId))
      if (s === undefined) return new Map()
      const snaps = [...s.envelopes.values()].flatMap((e) => (e.covers === undefined ? [] : [e.covers]))
      if (s.snapshot !== undefined) snaps.push(s.snapshot.covers)
      return contiguousVector(snaps, s.envelopes.values())
    },
    async compact(snapshot) {
      open()
      const covers = coversOf(snapshot)
      const e = entryOf(snapshot)
      const s = docState(e.doc)
      if (s.snapshot !== undefined && !dominates(covers, s.snapshot.covers)) {
        throw new StaleSnapshotError('the new snapshot does not cover the stored one')
      }
      let removed = 0
      for (const [key, env] of s.envelopes) {
        if (covered(covers, env.author, env.seq) && (env.covers === undefined || dominates(covers, env.covers))) {
          s.envelopes.delete(key)
          removed++
        }
      }
      s.snapshot = { bytes: e.bytes, covers }
      return removed
    },
    async docs() {
      open()
      return [...docs.keys()].filter((d) => {
        const s = docs.get(d)
        return s !== undefined && (s.snapshot !== undefined || s.envelopes.size > 0)
      })
    },
    async putMeta(name, value) {
      open()
      meta.set(name, value.slice())
    },
    async getMeta(name) {
      open()
      return meta.get(name)?.slice()
    },
    async metaNames() {
      open()
      return [...meta.keys()].sort()
    },
    async putChunks(blobId, list) {
      open()
      let m = chunks.get(blobId)
      if (m === undefined) chunks.set(blobId, (m = new Map<number, Uint8Array>()))
      for (const c of list) m.set(c.index, c.bytes.slice())
    },
    async getChunk(blobId, index) {
      open()
      return chunks.get(blobId)?.get(index)?.slice()
    },
    async chunkCount(blobId) {
      open()
      return chunks.get(blobId)?.size ?? 0
    },
    async blobIds() {
      open()
      return [...chunks].filter(([, m]) => m.size > 0).map(([id]) => id).sort()
    },
    async close() {
      closed = true
    }
  }
}

/** A doc id from its hex form (as `docs()` lists them). */
export function docIdFromHex(hex: string): DocId {
  return asDocId(fromHex(hex))
}
