/**
 * `SeriesStore.chunkVersions`: one token per chunk period that changes when, and only when,
 * the period's samples may have changed (appended, buffered, merged by a late write), and
 * that a replica which applied the same updates computes the same way.
 */
import { describe, expect, it } from 'vitest'
import { asDocId } from '../../src/lib/index.ts'
import { createCompartment } from '../../src/record/index.ts'

const HOUR = 3_600_000
const T = Date.UTC(2026, 10, 29, 8)
const make = (n: number) => createCompartment({ kind: 'vitals', docId: asDocId(new Uint8Array(16).fill(n)) })

describe('chunk versions', () => {
  it('change with the samples of their period only', () => {
    const c = make(31)
    for (let i = 0; i < 10; i++) c.series.append('147240', 'strap', T + i * 800, 800, 'ms')
    c.series.flush()
    const v1 = c.series.chunkVersions('147240', 'strap', T, T + 3 * HOUR)
    expect(v1.map((x) => x.start)).toEqual([T])
    expect(c.series.chunkVersions('147240', 'strap', T, T + 3 * HOUR)).toEqual(v1) // reading changes nothing
    c.series.append('147240', 'strap', T + 20_000, 810, 'ms')
    const buffered = c.series.chunkVersions('147240', 'strap', T, T + 3 * HOUR)
    expect(buffered[0]?.version).not.toBe(v1[0]?.version) // a buffered sample counts
    c.series.flush()
    const v2 = c.series.chunkVersions('147240', 'strap', T, T + 3 * HOUR)
    expect(v2[0]?.version).not.toBe(v1[0]?.version)
    expect(v2[0]?.version).not.toBe(buffered[0]?.version)
    // the next hour closes the first: a new token for it, and one for the new hour
    c.series.append('147240', 'strap', T + HOUR + 5, 800, 'ms')
    c.series.flush()
    const v3 = c.series.chunkVersions('147240', 'strap', T, T + 3 * HOUR)
    expect(v3.map((x) => x.start)).toEqual([T, T + HOUR])
    // a late sample into the closed first hour changes its token, not the second's
    c.series.append('147240', 'strap', T + 30 * 60_000, 790, 'ms')
    c.series.flush()
    const v4 = c.series.chunkVersions('147240', 'strap', T, T + 3 * HOUR)
    expect(v4[0]?.version).not.toBe(v3[0]?.version)
    expect(v4[1]?.version).toBe(v3[1]?.version)
  })

  it('are the same on a replica that applied the same updates', () => {
    const a = make(32)
    const b = make(32)
    a.onUpdate((u, _o, local) => {
      if (local) b.applyUpdate(u, 'peer')
    })
    for (let i = 0; i < 5; i++) a.series.append('147240', 'strap', T + i * 900, 900, 'ms')
    a.series.flush()
    a.series.append('147240', 'strap', T + 10_000, 900, 'ms')
    a.series.flush()
    expect(b.series.chunkVersions('147240', 'strap', T, T + HOUR)).toEqual(a.series.chunkVersions('147240', 'strap', T, T + HOUR))
  })
})
