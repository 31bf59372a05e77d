/**
 * The incremental AF screen over a real compartment's RR series: after random appends (and
 * late beats written into earlier hours) it gives exactly what a fresh screen of the whole
 * week gives, and what `afSessionsFinding(rrSessionsOfSeries(…))` gives on the same beats;
 * one more minute of strap data re-reads only the hour it landed in.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { asDocId } from '../../src/lib/index.ts'
import { createCompartment, type Compartment } from '../../src/record/index.ts'
import {
  afSessionsFinding,
  afWindowsFinding,
  createAfScreenCache,
  deriveInsights,
  insightInputOf,
  rrChunkSourceOf,
  rrSessionsOfSeries,
  AF_WEEK_MS,
  RR_SERIES_CODE
} from '../../src/insights/index.ts'

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 10, 20, 6, 17)
let docs = 0
const vitals = (): Compartment => createCompartment({ kind: 'vitals', docId: asDocId(new Uint8Array(16).fill(200 - ++docs)) })

/** Seeded uniform numbers in [0, 1). */
function rng(seed: number): () => number {
  let x = seed % 2147483647 || 1
  return () => (x = (x * 16807) % 2147483647) / 2147483647
}

/** Appends `beats` beats after `t` on `device`: regular (sinus) or irregular (AF-like); returns the last beat's time. */
function strap(c: Compartment, device: string, t: number, beats: number, irregular: boolean, next: () => number): number {
  for (let i = 0; i < beats; i++) {
    const rr = Math.round(irregular ? 450 + 700 * next() : 800 + 30 * (next() - 0.5))
    t += rr
    c.series.append(RR_SERIES_CODE, device, t, rr, 'ms')
  }
  return t
}

/** What a full, uncached screen and the legacy path say about the week before `now`. */
function legacy(c: Compartment, now: number) {
  const from = Math.floor((now - AF_WEEK_MS) / HOUR) * HOUR
  const series = c.series.read(RR_SERIES_CODE, undefined, from, now + 1).series.map((s) => ({ code: s.code, device: s.device, unit: s.unit, times: s.times, values: s.values }))
  return afSessionsFinding(rrSessionsOfSeries(series))
}

type Step = { kind: 'append'; beats: number; irregular: boolean; gapMs: number; device: number } | { kind: 'late'; hoursBack: number; beats: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), beats: fc.integer({ min: 1, max: 900 }), irregular: fc.boolean(), gapMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 * HOUR })), device: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('late' as const), hoursBack: fc.integer({ min: 1, max: 5 }), beats: fc.integer({ min: 1, max: 40 }) }) }
)

describe('incremental AF screen', () => {
  it('equals a full recompute (and the legacy screen) after random appends and late beats', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 1_000_000 }), (steps, seed) => {
        const c = vitals()
        const next = rng(seed)
        const cache = createAfScreenCache()
        const last = [T0, T0]
        for (const s of steps) {
          if (s.kind === 'append') {
            const d = s.device
            last[d] = strap(c, `strap${d}`, (last[d] as number) + s.gapMs, s.beats, s.irregular, next)
          } else {
            // beats a strap's memory hands over late, into an hour already written
            // at the end of that hour, so that what the stream carries into the next hour changes
            const hour = Math.floor(Math.max(T0, (last[0] as number) - s.hoursBack * HOUR) / HOUR) * HOUR
            for (let i = 0; i < s.beats; i++) c.series.append(RR_SERIES_CODE, 'strap0', hour + HOUR - 37 * (s.beats - i), 700 + i, 'ms')
          }
          c.series.flush()
          const now = Math.max(last[0] as number, last[1] as number) + 1000
          const incremental = cache.screen(rrChunkSourceOf(c), now)
          const full = createAfScreenCache().screen(rrChunkSourceOf(c), now)
          const { stats: _a, ...inc } = incremental
          const { stats: _b, ...ful } = full
          expect(inc).toEqual(ful)
          // all data lies within the week here: the legacy path must agree finding for finding
          expect(afWindowsFinding(inc)).toEqual(legacy(c, now))
        }
      }),
      { numRuns: 40 }
    )
  })

  it('re-reads only the hour a new minute landed in; a week is read once', () => {
    const c = vitals()
    const next = rng(7)
    // a week of a strap worn 16 hours a day, part of it irregular
    let t = T0
    for (let day = 0; day < 7; day++) {
      t = strap(c, 'strap', t, 16 * 60 * 70, day % 3 === 1, next)
      t += 8 * HOUR
      c.series.flush()
    }
    const cache = createAfScreenCache()
    const first = cache.screen(rrChunkSourceOf(c), t + 1000)
    expect(first.stats.chunksReused).toBe(0)
    expect(first.stats.chunksRead).toBeGreaterThan(100)
    // one more minute of beats (70 beats)
    t = strap(c, 'strap', t + 700, 70, true, next)
    c.series.flush()
    const now = t + 1000
    const after = cache.screen(rrChunkSourceOf(c), now)
    expect(after.stats.chunksRead).toBeLessThanOrEqual(2)
    expect(after.stats.beatsRead).toBeLessThan(5000)
    expect(after.stats.chunksReused).toBeGreaterThan(100)
    const { stats: _s, ...inc } = after
    const { stats: _f, ...full } = createAfScreenCache().screen(rrChunkSourceOf(c), now)
    expect(inc).toEqual(full)
    expect(inc.triggered.length).toBeGreaterThan(0)
  })

  it('in slices: the same answer, the thread given back between chunks', async () => {
    const c = vitals()
    const next = rng(11)
    let t = T0
    for (let day = 0; day < 3; day++) {
      t = strap(c, 'strap', t, 8 * 60 * 70, day === 1, next)
      t += 8 * HOUR
      c.series.flush()
    }
    const now = t + 1000
    let pauses = 0
    const sliced = await createAfScreenCache().screenInSlices(rrChunkSourceOf(c), now, {
      sliceMs: 0,
      pause: async () => {
        pauses++
      }
    })
    const whole = createAfScreenCache().screen(rrChunkSourceOf(c), now)
    expect(sliced).toEqual(whole)
    // a slice of 0 ms: a pause after (nearly) every chunk read
    expect(pauses).toBeLessThanOrEqual(whole.stats.chunksRead)
    expect(pauses).toBeGreaterThan(20)
  })

  it('gives deriveInsights the same AF finding as reading the series whole', () => {
    const c = vitals()
    const next = rng(11)
    let t = strap(c, 'strap', T0, 3000, false, next)
    t = strap(c, 'strap', t, 3000, true, next)
    c.series.flush()
    const now = t + 1000
    const whole = deriveInsights(insightInputOf(c, { now })).findings.find((f) => f.rule === 'af-screen')
    const cached = deriveInsights({ ...insightInputOf(c, { now, rrSeries: false }), af: createAfScreenCache().screen(rrChunkSourceOf(c), now) }).findings.find((f) => f.rule === 'af-screen')
    expect(whole).toBeDefined()
    expect(cached).toEqual(whole)
  })

  it('leaves the rule out, named, when an interval cannot be screened', () => {
    const c = vitals()
    c.series.append(RR_SERIES_CODE, 'strap', T0, 800, 'ms')
    c.series.append(RR_SERIES_CODE, 'strap', T0 + 80_000, 80_000, 'ms')
    c.series.flush()
    const af = createAfScreenCache().screen(rrChunkSourceOf(c), T0 + 90_000)
    expect(af.error).toContain('expected at most 70000 ms')
    const report = deriveInsights({ now: T0 + 90_000, af })
    expect(report.skipped.some((s) => s.startsWith('af-screen: '))).toBe(true)
  })
})
