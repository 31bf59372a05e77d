/**
 * The persistence binding over real stores: batching, save-then-reopen, the receive
 * pipeline's order and verdicts, corruption found at open, compaction.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import * as Y from 'yjs'
import { createMemoryStore, createPersistence, type DocKeys, type EnvelopeStore } from '../../src/storage/index.ts'
import { createSqliteStore } from '../../src/storage/sqlite.ts'
import { generateSigningKeyPair, newDocId, newEpochKey } from '../../src/crypto/index.ts'
import { parseEnvelopeHeader, sealEnvelope } from '../../src/envelope/index.ts'
import { toHex, type DocId } from '../../src/lib/index.ts'
import { persistableYDoc } from '../helpers/ydoc.ts'

const dir = mkdtempSync(join(tmpdir(), 'phr-persist-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

function keysFor(key: Uint8Array, device = generateSigningKeyPair()): DocKeys {
  return { author: device, sealing: () => ({ epoch: 0, key }), epochKey: (_d, e) => (e === 0 ? key : undefined) }
}

async function openDoc(store: EnvelopeStore, docId: DocId, keys: DocKeys) {
  const p = persistableYDoc()
  const persistence = createPersistence({ docId, doc: p, store, keys, batchMs: 5 })
  const report = await persistence.load()
  return { ydoc: p.doc, persistence, report }
}

describe('persistence binding', () => {
  it('turns a burst of changes into one envelope, saved before whenSaved resolves', async () => {
    const store = createMemoryStore()
    const docId = newDocId()
    const { ydoc, persistence } = await openDoc(store, docId, keysFor(newEpochKey()))
    const map = ydoc.getMap('m')
    for (let i = 0; i < 1000; i++) map.set(`k${i}`, i)
    await persistence.whenSaved()
    const stored = await store.read(docId)
    expect(stored.envelopes).toHaveLength(1)
    // the stored bytes are ciphertext: the values are not there in the clear
    expect(toHex(stored.envelopes[0]!)).not.toContain(toHex(new TextEncoder().encode('k999')))
  })

  it('seals a burst of megabytes as envelopes of at most 32 KiB, giving the thread back between them, and reopens to the same state', async () => {
    const store = createMemoryStore()
    const docId = newDocId()
    const key = newEpochKey()
    const device = generateSigningKeyPair()
    const { ydoc, persistence } = await openDoc(store, docId, keysFor(key, device))
    const map = ydoc.getMap('m')
    // 400 transactions of about 2 KB, as an import's slices write them
    for (let i = 0; i < 400; i++) ydoc.transact(() => map.set(`k${i}`, 'x'.repeat(2000)))
    const events: string[] = []
    let ticks = 0
    const timer = setInterval(() => ticks++, 0)
    const off = persistence.onSealed(() => events.push(`sealed after ${ticks} ticks`))
    await persistence.whenSaved().finally(() => clearInterval(timer))
    off()
    const stored = await store.read(docId)
    expect(stored.envelopes.length).toBeGreaterThanOrEqual(24)
    for (const e of stored.envelopes) expect(e.length).toBeLessThan(32 * 1024 + 4096)
    // each envelope was sealed in a task of its own: timers ran in between
    const counts = events.map((e) => Number(e.split(' ')[2]))
    expect(counts.length).toBe(stored.envelopes.length)
    expect(new Set(counts).size).toBeGreaterThan(counts.length / 2)
    await persistence.close()
    const again = await openDoc(store, docId, keysFor(key, device))
    expect(again.ydoc.getMap('m').size).toBe(400)
    expect(again.ydoc.getMap('m').get('k399')).toBe('x'.repeat(2000))
  })

  it('reopens to the same state from SQLite after close', async () => {
    const path = join(dir, `p${n++}.db`)
    const key = newEpochKey()
    const device = generateSigningKeyPair()
    const docId = newDocId()
    let store = createSqliteStore({ path })
    const a = await openDoc(store, docId, keysFor(key, device))
    a.ydoc.getMap('m').set('allergy', 'penicillin')
    await a.persistence.whenSaved()
    a.ydoc.getArray('a').push([1, 2, 3])
    await a.persistence.close()
    await store.close()

    store = createSqliteStore({ path })
    const b = await openDoc(store, docId, keysFor(key, device))
    expect(b.report.problems).toEqual([])
    expect(b.ydoc.getMap('m').get('allergy')).toBe('penicillin')
    expect(b.ydoc.getArray('a').toArray()).toEqual([1, 2, 3])
    // the next local write continues this device's sequence
    b.ydoc.getMap('m').set('x', 1)
    await b.persistence.whenSaved()
    expect(b.persistence.vector().get(toHex(device.publicKey))).toBe(3)
    await store.close()
  })

  it('opens 300 small stored envelopes to the same state in a few transactions, not one per envelope', async () => {
    const key = newEpochKey()
    const device = generateSigningKeyPair()
    const docId = newDocId()
    const store = createMemoryStore()
    const a = await openDoc(store, docId, keysFor(key, device))
    const m = a.ydoc.getMap('m')
    for (let i = 0; i < 300; i++) {
      // sets, array inserts and deletes, each sealed on its own
      m.set(`k${i % 40}`, i)
      a.ydoc.getArray('a').insert(0, [i])
      if (i % 7 === 6) a.ydoc.getArray('a').delete(1, 2)
      await a.persistence.flush()
    }
    expect((await store.read(docId)).envelopes).toHaveLength(300)
    const b = persistableYDoc()
    let transactions = 0
    b.doc.on('afterTransaction', () => transactions++)
    const report = await createPersistence({ docId, doc: b, store, keys: keysFor(key, device) }).load()
    expect(report).toMatchObject({ envelopes: 300, problems: [] })
    expect(Y.encodeStateAsUpdate(b.doc)).toEqual(Y.encodeStateAsUpdate(a.ydoc))
    expect(b.doc.getArray('a').toArray()).toEqual(a.ydoc.getArray('a').toArray())
    expect(transactions).toBeLessThan(5)
  })

  it('names a sealed envelope that holds no Yjs update, and opens every other change', async () => {
    const key = newEpochKey()
    const device = generateSigningKeyPair()
    const docId = newDocId()
    const store = createMemoryStore()
    const a = await openDoc(store, docId, keysFor(key, device))
    a.ydoc.getMap('m').set('before', 1)
    await a.persistence.flush()
    // correctly signed and encrypted under the compartment's key, but not a Yjs update
    const nonsense = sealEnvelope({ docId, epoch: 0, author: device.publicKey, seq: 2, kind: 'update' }, Uint8Array.of(0xff, 0xff, 0xff, 0x07, 0x01), { epochKey: key, authorSecretKey: device.secretKey })
    await store.append([nonsense])
    const other = keysFor(key)
    const p = await openDoc(createMemoryStore(), docId, other)
    const fromOther: Uint8Array[] = []
    p.persistence.onSealed((e) => fromOther.push(e))
    p.ydoc.getMap('n').set('after', 2)
    await p.persistence.flush()
    await store.append(fromOther)

    const b = await openDoc(store, docId, keysFor(key, device))
    expect(b.report.problems).toHaveLength(1)
    expect(b.report.problems[0]).toMatchObject({ seq: 2, author: toHex(device.publicKey) })
    expect(b.ydoc.getMap('m').get('before')).toBe(1)
    expect(b.ydoc.getMap('n').get('after')).toBe(2)
  })

  it('names a corrupted stored envelope at open, and still opens the rest', async () => {
    const path = join(dir, `p${n++}.db`)
    const key = newEpochKey()
    const laptop = keysFor(key)
    const phone = keysFor(key)
    const docId = newDocId()
    const otherDoc = newDocId()
    let store = createSqliteStore({ path })
    const a = await openDoc(store, docId, laptop)
    a.ydoc.getMap('m').set('first', 1)
    await a.persistence.flush()
    a.ydoc.getMap('m').set('third', 3) // same device: depends on its first update
    await a.persistence.flush()
    // another device's change to the same compartment, made without the laptop's
    const p = await openDoc(createMemoryStore(), docId, phone)
    const fromPhone: Uint8Array[] = []
    p.persistence.onSealed((e) => fromPhone.push(e))
    p.ydoc.getMap('n').set('second', 2)
    await p.persistence.flush()
    expect((await a.persistence.receive(fromPhone)).applied).toBe(1)
    const other = await openDoc(store, otherDoc, laptop)
    other.ydoc.getMap('m').set('other', true)
    await other.persistence.flush()
    await store.close()

    // flip one byte in the middle of the laptop's first envelope
    const db = new DatabaseSync(path)
    const row = db.prepare('SELECT rowid, bytes FROM envelopes WHERE doc = ? AND author = ? AND seq = 1').get(docId, laptop.author.publicKey) as {
      rowid: number
      bytes: Uint8Array
    }
    row.bytes[Math.floor(row.bytes.length / 2)]! ^= 0x01
    db.prepare('UPDATE envelopes SET bytes = ? WHERE rowid = ?').run(row.bytes, row.rowid)
    db.close()

    store = createSqliteStore({ path })
    const b = await openDoc(store, docId, laptop)
    expect(b.report.problems).toHaveLength(1)
    expect(b.report.problems[0]).toMatchObject({ error: 'SignatureInvalidError', seq: 1, author: toHex(laptop.author.publicKey) })
    // the phone's change does not depend on the damaged one: it is there
    expect(b.ydoc.getMap('n').get('second')).toBe(2)
    expect(b.ydoc.getMap('m').get('first')).toBeUndefined()
    // the laptop's later change depends on the damaged one: held as pending, not shown as absent data
    expect(b.ydoc.getMap('m').get('third')).toBeUndefined()
    expect(b.ydoc.store.pendingStructs).not.toBeNull()
    // the vector stays at the gap, so a peer can supply the missing envelope
    expect(b.persistence.vector().get(toHex(laptop.author.publicKey))).toBeUndefined()
    // the other compartment opens untouched
    const c = await openDoc(store, otherDoc, laptop)
    expect(c.report.problems).toEqual([])
    expect(c.ydoc.getMap('m').get('other')).toBe(true)
    await store.close()
  })

  it('receives from a peer in seq order: gaps held, duplicates dropped, forgeries refused, nothing stored before it verifies', async () => {
    const key = newEpochKey()
    const docId = newDocId()
    const peerStore = createMemoryStore()
    const peer = await openDoc(peerStore, docId, keysFor(key))
    const sent: Uint8Array[] = []
    peer.persistence.onSealed((e) => sent.push(e))
    for (const v of ['a', 'b', 'c']) {
      peer.ydoc.getArray('list').push([v])
      await peer.persistence.flush()
    }
    expect(sent).toHaveLength(3)

    const store = createMemoryStore()
    const me = await openDoc(store, docId, keysFor(key))
    let r = await me.persistence.receive([sent[2]!, sent[1]!])
    expect(r).toMatchObject({ applied: 0, held: 2, problems: [] })
    expect((await store.read(docId)).envelopes).toHaveLength(0)
    expect(me.persistence.held).toBe(2)

    const forged = sent[0]!.slice()
    forged[forged.length - 1]! ^= 0xff
    r = await me.persistence.receive([forged])
    expect(r.problems.map((p) => p.error)).toEqual(['SignatureInvalidError'])

    r = await me.persistence.receive([sent[0]!, sent[0]!])
    expect(r.applied).toBe(3)
    expect(r.duplicates).toBe(1)
    expect(me.ydoc.getArray('list').toArray()).toEqual(['a', 'b', 'c'])
    expect((await store.read(docId)).envelopes).toHaveLength(3)
    expect(me.persistence.held).toBe(0)

    // an envelope sealed under a key we do not hold fails closed
    const stranger = generateSigningKeyPair()
    const alien = sealEnvelope({ docId, epoch: 7, author: stranger.publicKey, seq: 1, kind: 'update' }, new Uint8Array([0]), {
      epochKey: newEpochKey(),
      authorSecretKey: stranger.secretKey
    })
    r = await me.persistence.receive([alien])
    expect(r.problems.map((p) => p.error)).toEqual(['KeyUnavailableError'])
  })

  it('refuses envelopes from authors the keys do not allow, before checking signatures', async () => {
    const key = newEpochKey()
    const docId = newDocId()
    const peer = await openDoc(createMemoryStore(), docId, keysFor(key))
    const sent: Uint8Array[] = []
    peer.persistence.onSealed((e) => sent.push(e))
    peer.ydoc.getMap('m').set('x', 1)
    await peer.persistence.flush()
    const keys = { ...keysFor(key), isAllowed: () => false }
    const me = await openDoc(createMemoryStore(), docId, keys)
    const r = await me.persistence.receive(sent)
    expect(r.problems.map((p) => p.error)).toEqual(['AuthorNotAllowedError'])
    expect(me.ydoc.getMap('m').get('x')).toBeUndefined()
  })

  it('compacts into one snapshot that reopens to the same state', async () => {
    const key = newEpochKey()
    const device = generateSigningKeyPair()
    const docId = newDocId()
    const store = createMemoryStore()
    const a = await openDoc(store, docId, keysFor(key, device))
    for (let i = 0; i < 20; i++) {
      a.ydoc.getMap('m').set(`k${i}`, i)
      await a.persistence.flush()
    }
    expect(await a.persistence.compact()).toBe(20)
    const stored = await store.read(docId)
    expect(stored.snapshot).toBeDefined()
    expect(stored.envelopes).toHaveLength(0)
    a.ydoc.getMap('m').set('after', true)
    await a.persistence.close()

    const b = await openDoc(store, docId, keysFor(key, device))
    expect(b.report).toMatchObject({ snapshot: true, envelopes: 1, problems: [] })
    expect(b.ydoc.getMap('m').toJSON()).toEqual(a.ydoc.getMap('m').toJSON())
    expect(b.persistence.vector().get(toHex(device.publicKey))).toBe(22)
  })

  it('compacts into a compressed snapshot, much smaller than the state, that reopens to the same state', async () => {
    const key = newEpochKey()
    const device = generateSigningKeyPair()
    const docId = newDocId()
    const store = createMemoryStore()
    const a = await openDoc(store, docId, keysFor(key, device))
    const notes = a.ydoc.getMap('notes')
    for (let i = 0; i < 2000; i++) notes.set(`Observation/${i}`, { resourceType: 'Observation', status: 'final', code: { text: 'Heart rate' }, value: 60 + (i % 40) })
    await a.persistence.flush()
    await a.persistence.compact()
    const snapshot = (await store.read(docId)).snapshot!
    expect(parseEnvelopeHeader(snapshot, { maxBytes: 1 << 30 }).codec).toBe('deflate-raw')
    const state = Y.encodeStateAsUpdate(a.ydoc)
    expect(snapshot.length).toBeLessThan(state.length / 4)
    await a.persistence.close()

    const b = await openDoc(store, docId, keysFor(key, device))
    expect(b.report).toMatchObject({ snapshot: true, problems: [] })
    expect(b.ydoc.getMap('notes').toJSON()).toEqual(notes.toJSON())
  })

  it('still opens a record whose snapshot was stored raw, before compression', async () => {
    const key = newEpochKey()
    const device = generateSigningKeyPair()
    const docId = newDocId()
    const store = createMemoryStore()
    const p = persistableYDoc()
    const old = createPersistence({ docId, doc: p, store, keys: keysFor(key, device), compressSnapshots: false })
    await old.load()
    p.doc.getMap('m').set('allergy', 'penicillin')
    await old.flush()
    await old.compact()
    expect(parseEnvelopeHeader((await store.read(docId)).snapshot!, { maxBytes: 1 << 30 }).codec).toBeUndefined()
    await old.close()

    const b = await openDoc(store, docId, keysFor(key, device))
    expect(b.report).toMatchObject({ snapshot: true, problems: [] })
    expect(b.ydoc.getMap('m').get('allergy')).toBe('penicillin')
  })

  it('names a stored snapshot that would inflate past the cap, and applies nothing of it', async () => {
    const key = newEpochKey()
    const device = generateSigningKeyPair()
    const docId = newDocId()
    const store = createMemoryStore()
    const a = await openDoc(store, docId, keysFor(key, device))
    for (let i = 0; i < 500; i++) a.ydoc.getMap('m').set(`k${i}`, 'x'.repeat(100))
    await a.persistence.flush()
    await a.persistence.compact()
    await a.persistence.close()

    const p = persistableYDoc()
    const small = createPersistence({ docId, doc: p, store, keys: keysFor(key, device), maxInflatedBytes: 10_000 })
    const report = await small.load()
    expect(report.snapshot).toBe(false)
    expect(report.problems.map((x) => x.error)).toEqual(['InflatedTooLargeError'])
    expect(p.doc.getMap('m').size).toBe(0)
  })

  it('refuses to compact when the snapshot would not decode to the same state', async () => {
    const store = createMemoryStore()
    const docId = newDocId()
    const p = { ...persistableYDoc(), stateMatches: () => false }
    const persistence = createPersistence({ docId, doc: p, store, keys: keysFor(newEpochKey()) })
    await persistence.load()
    p.doc.getMap('m').set('x', 1)
    await persistence.flush()
    const err = await persistence.compact().catch((e: unknown) => e)
    expect((err as Error).name).toBe('SnapshotMismatchError')
    expect((await store.read(docId)).envelopes).toHaveLength(1)
  })

  it('keeps unsaved changes when the store fails, and saves them on the next try', async () => {
    const inner = createMemoryStore()
    let fail = true
    const store: EnvelopeStore = { ...inner, append: (b) => (fail ? Promise.reject(new Error('disk full')) : inner.append(b)) }
    const docId = newDocId()
    const p = persistableYDoc()
    const persistence = createPersistence({ docId, doc: p, store, keys: keysFor(newEpochKey()) })
    await persistence.load()
    p.doc.getMap('m').set('x', 1)
    await expect(persistence.whenSaved()).rejects.toThrow('disk full')
    fail = false
    await persistence.whenSaved()
    expect((await inner.read(docId)).envelopes).toHaveLength(1)
    expect(Y.encodeStateAsUpdate(p.doc).length).toBeGreaterThan(0)
  })
})
