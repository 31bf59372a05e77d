/**
 * A big compartment's snapshot in parts, compacted into IndexedDB and reopened in Chromium,
 * where the parts inflate in workers and each part's buffer goes back to a worker once
 * applied, to inflate a later part into. What a person would notice: the record reopens
 * the same, every note and every sample, and twice in a row (the second open inflates into
 * buffers the first one gave back).
 */
import { describe, expect, it } from 'vitest'
import { createIndexedDbStore } from '../../src/storage/index.ts'
import { generateSigningKeyPair, newDocId, newEpochKey } from '../../src/crypto/index.ts'
import { parseEnvelopeHeader } from '../../src/envelope/index.ts'
import { expectSameRecord, fill, keysFor, openCompartment } from '../helpers/big-compartment.ts'

/** A week of heart rate and 4,000 notes: about 25 MB of state, six parts and more (more than the parts inflated ahead). */
const SIZE = { days: 8, notes: 4000 }

describe('snapshot in parts (IndexedDB, Chromium)', () => {
  it('reopens the same, twice, with the parts inflated in workers into reused buffers', async () => {
    const key = newEpochKey()
    const device = generateSigningKeyPair()
    const docId = newDocId()
    const name = `phr-parts-${Date.now()}`
    const store = await createIndexedDbStore({ name })
    const a = await openCompartment(store, docId, keysFor(key, device), 11)
    await fill(a.c, a.persistence, SIZE)
    expect(a.c.encodeState().length).toBeGreaterThan(6 * 4 * 1024 * 1024)
    await a.persistence.compact()
    const stored = await store.read(docId)
    expect(stored.envelopes).toHaveLength(0)
    expect(parseEnvelopeHeader(stored.snapshot!, { maxBytes: 1 << 28 }).codec).toBe('deflate-raw-parts')
    await a.persistence.close()
    await store.close()

    for (let i = 0; i < 2; i++) {
      const again = await createIndexedDbStore({ name })
      const b = await openCompartment(again, docId, keysFor(key, device))
      expect(b.report).toMatchObject({ snapshot: true, problems: [] })
      expectSameRecord(a.c, b.c, SIZE)
      expect(b.c.resources.get('Observation', 'o3999')?.code?.text?.startsWith('reading 3999 ')).toBe(true)
      await b.persistence.close()
      await again.close()
    }
  }, 120_000)
})
