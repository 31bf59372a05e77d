/**
 * Compaction of a big compartment seals a snapshot in parts (several Yjs updates, each
 * ~4 MiB); opening applies one part while the next inflates. What a person would notice:
 * the record reopens the same, from SQLite and from memory, on the device that wrote it
 * and on a device that receives the snapshot from it; a small compartment stays one update.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCompartment, type Compartment } from '../../src/record/index.ts'
import { createMemoryStore, createPersistence, type DocKeys, type EnvelopeStore, type LoadOptions, type PersistableDoc } from '../../src/storage/index.ts'
import { createSqliteStore } from '../../src/storage/sqlite.ts'
import { generateSigningKeyPair, newDocId, newEpochKey } from '../../src/crypto/index.ts'
import { parseEnvelopeHeader } from '../../src/envelope/index.ts'
import { mergeUpdates } from '../../src/record/index.ts'
import type { DocId } from '../../src/lib/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'phr-parts-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const T0 = Date.UTC(2024, 0, 1)

function keysFor(key: Uint8Array, device = generateSigningKeyPair()): DocKeys {
  return { author: device, sealing: () => ({ epoch: 0, key }), epochKey: (_d, e) => (e === 0 ? key : undefined) }
}

function persistable(c: Compartment): PersistableDoc {
  return {
    onUpdate: (l) => c.onUpdate((u, o, local) => local && l(u, o)),
    applyUpdate: (u, o) => c.applyUpdate(u, o),
    encodeState: () => c.encodeState(),
    mergeUpdates: (us) => mergeUpdates(us),
    stateMatches: (s) => c.stateMatches(s),
    encodeStateParts: (t) => c.encodeStateParts(t),
    stateMatchesParts: (p) => c.stateMatchesParts(p)
  }
}

async function open(store: EnvelopeStore, docId: DocId, keys: DocKeys, clientId?: number, load?: LoadOptions) {
  const c = createCompartment({ kind: 'vitals', docId, ...(clientId === undefined ? {} : { clientId }) })
  const persistence = createPersistence({ docId, doc: persistable(c), store, keys, batchMs: 5 })
  const report = await persistence.load(load)
  return { c, persistence, report }
}

/** A vitals compartment of several MB: eight months of heart rate every 10 s from two devices, plus notes. */
async function fill(c: Compartment, persistence: { flush(): Promise<void> }): Promise<void> {
  for (let day = 0; day < 240; day++) {
    for (let s = 0; s < 8640; s++) c.series.append('8867-4', day % 2 === 0 ? 'strap' : 'watch', T0 + day * 86_400_000 + s * 10_000, 60 + ((s * 7 + day) % 50), '/min')
    c.series.flush()
  }
  for (let i = 0; i < 300; i++) {
    c.resources.put({ resourceType: 'Observation', id: `o${i}`, status: 'final', code: { text: `reading ${i} ${'x'.repeat(6000)}` }, effectiveDateTime: new Date(T0 + i * 3_600_000).toISOString() })
  }
  c.resources.withdraw('Observation', 'o7', 'wrong patient')
  await persistence.flush()
}

const sameRecord = (a: Compartment, b: Compartment): void => {
  expect(b.stateMatches(a.encodeState())).toBe(true)
  expect(b.resources.count('Observation')).toBe(300)
  expect(b.resources.get('Observation', 'o7')?.status).toBe('entered-in-error')
  const day = b.series.read('8867-4', undefined, T0 + 5 * 86_400_000, T0 + 6 * 86_400_000)
  expect(day.errors).toEqual([])
  expect(day.series.reduce((n, s) => n + s.times.length, 0)).toBe(8640)
}

describe('snapshot in parts', () => {
  it('a big compartment compacts into parts and reopens the same from SQLite; the next device receives it the same', async () => {
    const key = newEpochKey()
    const device = generateSigningKeyPair()
    const docId = newDocId()
    const path = join(dir, 'big.db')
    const store = createSqliteStore({ path })
    const a = await open(store, docId, keysFor(key, device), 11)
    await fill(a.c, a.persistence)
    const state = a.c.encodeState()
    expect(state.length).toBeGreaterThan(5 * 1024 * 1024) // more than one 4 MiB part
    await a.persistence.compact()
    const stored = await store.read(docId)
    expect(stored.envelopes).toHaveLength(0)
    const header = parseEnvelopeHeader(stored.snapshot!, { maxBytes: 1 << 28 })
    expect(header.codec).toBe('deflate-raw-parts')
    expect(stored.snapshot!.length).toBeLessThan(state.length / 4)
    await a.persistence.close()
    await store.close()

    const again = createSqliteStore({ path })
    // opening reports its progress part by part, up to the whole
    const progress: Array<[number, number]> = []
    const b = await open(again, docId, keysFor(key, device), undefined, { onProgress: (done, total) => void progress.push([done, total]) })
    expect(b.report).toMatchObject({ snapshot: true, problems: [] })
    const total = stored.snapshot!.length
    expect(progress.every(([, t]) => t === total)).toBe(true)
    expect(progress.at(-1)).toEqual([total, total])
    const dones = progress.map(([d]) => d)
    expect(dones).toEqual([...dones].sort((x, y) => x - y))
    // one step per part at least (the state is more than one 4 MiB part), not a jump from nothing to all
    expect(new Set(dones.filter((d) => d > 0 && d < total)).size).toBeGreaterThanOrEqual(1)
    sameRecord(a.c, b.c)
    await again.close()

    // another device receives the snapshot (as a peer or a mailbox hands it over); the page
    // gets the thread back between parts (a timer runs between two parts being applied)
    const other = await open(createMemoryStore(), docId, keysFor(key))
    const events: string[] = []
    other.c.onUpdate(() => void events.push('part'))
    const timer = setInterval(() => events.push('tick'), 0)
    const r = await other.persistence.receive([stored.snapshot!]).finally(() => clearInterval(timer))
    expect(r).toMatchObject({ applied: 1, problems: [] })
    sameRecord(a.c, other.c)
    const first = events.indexOf('part')
    expect(events.lastIndexOf('part')).toBeGreaterThan(first)
    expect(events.slice(first, events.lastIndexOf('part'))).toContain('tick')
  }, 180_000)

  it('a small compartment stays one compressed update', async () => {
    const key = newEpochKey()
    const docId = newDocId()
    const store = createMemoryStore()
    const a = await open(store, docId, keysFor(key))
    a.c.resources.put({ resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'one' }, effectiveDateTime: '2024-01-01' })
    await a.persistence.flush()
    await a.persistence.compact()
    const stored = await store.read(docId)
    expect(parseEnvelopeHeader(stored.snapshot!).codec).toBe('deflate-raw')
    const b = await open(store, docId, keysFor(key))
    expect(b.c.resources.get('Observation', 'o1')?.code).toEqual({ text: 'one' })
  })
})
