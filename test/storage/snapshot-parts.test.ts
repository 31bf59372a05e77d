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
import { createMemoryStore } from '../../src/storage/index.ts'
import { createSqliteStore } from '../../src/storage/sqlite.ts'
import { generateSigningKeyPair, newDocId, newEpochKey } from '../../src/crypto/index.ts'
import { parseEnvelopeHeader } from '../../src/envelope/index.ts'
import { expectSameRecord, fill, keysFor, openCompartment as open } from '../helpers/big-compartment.ts'

const dir = mkdtempSync(join(tmpdir(), 'phr-parts-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Eight months of heart rate and 300 notes: more than one 4 MiB part. */
const SIZE = { days: 240, notes: 300 }
const sameRecord = (a: Parameters<typeof expectSameRecord>[0], b: Parameters<typeof expectSameRecord>[1]): void => expectSameRecord(a, b, SIZE)

describe('snapshot in parts', () => {
  it('a big compartment compacts into parts and reopens the same from SQLite; the next device receives it the same', async () => {
    const key = newEpochKey()
    const device = generateSigningKeyPair()
    const docId = newDocId()
    const path = join(dir, 'big.db')
    const store = createSqliteStore({ path })
    const a = await open(store, docId, keysFor(key, device), 11)
    await fill(a.c, a.persistence, SIZE)
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
