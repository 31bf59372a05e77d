/**
 * Fuzz of the chunk decoder (bytes from peers): random bytes and mutations of valid chunks
 * must decode to well-formed data or fail with a SeriesFormatError, nothing else.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeChunk, encodeChunk, SeriesFormatError, type ChunkData } from '../../src/record/index.ts'
import { fuzzRuns } from '../helpers/fuzz.ts'

const SEEDS = [
  encodeChunk({ unit: '/min', times: [1000, 2000, 3000, 4100], values: [72, 73, 73, 71] }),
  encodeChunk({ unit: 'Cel', times: [1_700_000_000_000, 1_700_000_060_000], values: [36.6, 36.8] }),
  encodeChunk({ unit: 'mg/dL', times: [5, 300_005, 600_005], values: [0.1 + 0.2, 120, -7] }),
  encodeChunk({ unit: '{steps}', times: [0], values: [1234] })
]

/** Checks the decoder's contract on one input; returns whether it decoded. */
function check(bytes: Uint8Array): boolean {
  let d: ChunkData
  try {
    d = decodeChunk(bytes)
  } catch (err) {
    if (!(err instanceof SeriesFormatError)) throw err
    return false
  }
  expect(d.times.length).toBeGreaterThan(0)
  expect(d.values.length).toBe(d.times.length)
  for (let i = 1; i < d.times.length; i++) expect(d.times[i]).toBeGreaterThan(d.times[i - 1] as number)
  for (const v of d.values) expect(Number.isFinite(v)).toBe(true)
  // what decodes re-encodes to a chunk that decodes to the same samples
  const again = decodeChunk(encodeChunk(d))
  expect(again).toEqual(d)
  return true
}

const mutation = fc.record({
  seed: fc.constantFrom(...SEEDS),
  edits: fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) })
    ),
    { minLength: 1, maxLength: 4 }
  )
})

function mutate(seed: Uint8Array, edits: readonly { kind: string; at: number; bit?: number; byte?: number }[]): Uint8Array {
  let b = Array.from(seed)
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.at % (b.length + (e.kind === 'insert' ? 1 : 0))
    if (e.kind === 'flip' && b.length > 0) b[at] = (b[at] as number) ^ (1 << (e.bit ?? 0))
    else if (e.kind === 'set' && b.length > 0) b[at] = e.byte ?? 0
    else if (e.kind === 'cut') b = b.slice(0, at)
    else if (e.kind === 'insert') b.splice(at, 0, e.byte ?? 0)
  }
  return Uint8Array.from(b)
}

describe('chunk decoder fuzz', () => {
  it('random bytes: only SeriesFormatError', () => {
    const prefixed = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // mostly-valid headers reach the sample loops
      fc.uint8Array({ maxLength: 48 }).map((rest) => Uint8Array.of(1, 0, 4, 0x2f, 0x6d, 0x69, 0x6e, ...rest)),
      fc.uint8Array({ maxLength: 48 }).map((rest) => Uint8Array.of(1, 0x10, 1, 0x25, ...rest))
    )
    fc.assert(fc.property(prefixed, (bytes) => void check(bytes)), { numRuns: fuzzRuns(60_000, 1_000_000) })
  })

  it('mutated valid chunks: only SeriesFormatError, and what decodes is well-formed', () => {
    let decoded = 0
    fc.assert(
      fc.property(mutation, ({ seed, edits }) => {
        if (check(mutate(seed, edits))) decoded++
      }),
      { numRuns: fuzzRuns(60_000, 1_000_000) }
    )
    // the mutations must sometimes still decode, or they would test only the header checks
    expect(decoded).toBeGreaterThan(0)
  })
})
