/**
 * A vitals compartment of several MB bound to a store, for the tests of snapshots in parts
 * (Node with SQLite, Chromium with IndexedDB): heart rate every 10 s from two devices, and
 * notes of 6 KB each.
 */
import { expect } from 'vitest'
import { createCompartment, type Compartment } from '../../src/record/index.ts'
import { createPersistence, type DocKeys, type EnvelopeStore, type LoadOptions } from '../../src/storage/index.ts'
import { persistableCompartment } from '../../src/app/record-session.ts'
import { generateSigningKeyPair } from '../../src/crypto/index.ts'
import type { DocId } from '../../src/lib/index.ts'

export const T0 = Date.UTC(2024, 0, 1)

export function keysFor(key: Uint8Array, device = generateSigningKeyPair()): DocKeys {
  return { author: device, sealing: () => ({ epoch: 0, key }), epochKey: (_d, e) => (e === 0 ? key : undefined) }
}

/** A new vitals compartment bound to `store`, loaded from it. */
export async function openCompartment(store: EnvelopeStore, docId: DocId, keys: DocKeys, clientId?: number, load?: LoadOptions) {
  const c = createCompartment({ kind: 'vitals', docId, ...(clientId === undefined ? {} : { clientId }) })
  const persistence = createPersistence({ docId, doc: persistableCompartment(c), store, keys, batchMs: 5 })
  const report = await persistence.load(load)
  return { c, persistence, report }
}

/** How much `fill` writes: days of heart rate, and notes (Observation o0…, o7 withdrawn). */
export interface FillSize {
  readonly days: number
  readonly notes: number
}

export async function fill(c: Compartment, persistence: { flush(): Promise<void> }, size: FillSize): Promise<void> {
  for (let day = 0; day < size.days; day++) {
    for (let s = 0; s < 8640; s++) c.series.append('8867-4', day % 2 === 0 ? 'strap' : 'watch', T0 + day * 86_400_000 + s * 10_000, 60 + ((s * 7 + day) % 50), '/min')
    c.series.flush()
  }
  for (let i = 0; i < size.notes; i++) {
    c.resources.put({ resourceType: 'Observation', id: `o${i}`, status: 'final', code: { text: `reading ${i} ${'x'.repeat(6000)}` }, effectiveDateTime: new Date(T0 + i * 3_600_000).toISOString() })
  }
  c.resources.withdraw('Observation', 'o7', 'wrong patient')
  await persistence.flush()
}

/** `b` holds what `a` holds: the same state, the notes, the withdrawal and a day of samples. */
export function expectSameRecord(a: Compartment, b: Compartment, size: FillSize): void {
  expect(b.stateMatches(a.encodeState())).toBe(true)
  expect(b.resources.count('Observation')).toBe(size.notes)
  expect(b.resources.get('Observation', 'o7')?.status).toBe('entered-in-error')
  const day = b.series.read('8867-4', undefined, T0 + 5 * 86_400_000, T0 + 6 * 86_400_000)
  expect(day.errors).toEqual([])
  expect(day.series.reduce((n, s) => n + s.times.length, 0)).toBe(8640)
}
