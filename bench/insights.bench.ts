/**
 * Insights: the AF screen of a week of strap RR intervals (a strap worn 16 hours a day,
 * about 75 beats/min: ~500,000 beats in hourly chunks of a real compartment).
 *
 * 1. Recompute after one new minute of RR data, through the incremental screen
 *    (af-incremental.ts: only the changed chunk is read and screened), against a full
 *    recompute of the same week measured in the same run (a fresh screen reading every chunk).
 * 2. The full recompute of the path the app took before the cache (read the week's RR
 *    series, `rrSessionsOfSeries`, `afSessionsFinding`), for reference.
 *
 * Medians; every incremental round appends and flushes a new minute first (outside the clock).
 */
import { asDocId } from '../src/lib/index.ts'
import { createCompartment, type Compartment } from '../src/record/index.ts'
import { afSessionsFinding, afWindowsFinding, createAfScreenCache, rrChunkSourceOf, rrSessionsOfSeries, RR_SERIES_CODE, AF_WEEK_MS } from '../src/insights/index.ts'
import type { BenchRow } from './report.ts'

const HOUR = 3_600_000
const FULL_ROUNDS = 5
const MINUTE_ROUNDS = 40

function rng(seed: number): () => number {
  let x = seed
  return () => (x = (x * 16807) % 2147483647) / 2147483647
}

function strap(c: Compartment, t: number, beats: number, irregular: boolean, next: () => number): number {
  for (let i = 0; i < beats; i++) {
    const rr = Math.round(irregular ? 450 + 700 * next() : 800 + 30 * (next() - 0.5))
    t += rr
    c.series.append(RR_SERIES_CODE, 'strap', t, rr, 'ms')
  }
  return t
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6

export default async function run(): Promise<BenchRow[]> {
  const c = createCompartment({ kind: 'vitals', docId: asDocId(new Uint8Array(16).fill(9)) })
  const next = rng(42)
  let t = Date.UTC(2026, 10, 20, 6)
  let beats = 0
  for (let day = 0; day < 7; day++) {
    const n = 16 * 60 * 75
    t = strap(c, t, n, day % 3 === 1, next)
    beats += n
    t += 8 * HOUR
    c.series.flush()
  }
  c.series.compact(t)

  // full recompute: a fresh screen of the whole week
  const full: number[] = []
  let now = t + 1000
  for (let i = 0; i < FULL_ROUNDS; i++) {
    const t0 = process.hrtime.bigint()
    const r = createAfScreenCache().screen(rrChunkSourceOf(c), now)
    afWindowsFinding(r)
    full.push(ms(t0))
  }
  // the path before the cache: read the week, cut recordings, screen them all
  const legacy: number[] = []
  for (let i = 0; i < FULL_ROUNDS; i++) {
    const t0 = process.hrtime.bigint()
    const series = c.series.read(RR_SERIES_CODE, undefined, now - AF_WEEK_MS + 1, now + 1).series.map((s) => ({ code: s.code, device: s.device, unit: s.unit, times: s.times.slice(), values: s.values.slice() }))
    afSessionsFinding(rrSessionsOfSeries(series))
    legacy.push(ms(t0))
  }

  // incremental: one new minute of beats, then a recompute
  const cache = createAfScreenCache()
  cache.screen(rrChunkSourceOf(c), now)
  const minute: number[] = []
  let read = 0
  for (let i = 0; i < MINUTE_ROUNDS; i++) {
    t = strap(c, t, 75, i % 2 === 0, next)
    c.series.flush()
    now = t + 1000
    const t0 = process.hrtime.bigint()
    const r = cache.screen(rrChunkSourceOf(c), now)
    afWindowsFinding(r)
    minute.push(ms(t0))
    read += r.stats.chunksRead
  }
  await Promise.resolve()
  const fullMs = median(full)
  const minuteMs = median(minute)
  return [
    {
      name: `AF screen after one new minute of RR (incremental; ${(read / MINUTE_ROUNDS).toFixed(1)} chunks read per recompute)`,
      value: minuteMs,
      unit: 'ms',
      baselineName: `full recompute over the week (${beats} beats)`,
      baseline: fullMs,
      ratio: minuteMs / fullMs
    },
    {
      name: 'AF screen, full recompute of the path before the cache (read the week, sessions, screen)',
      value: median(legacy),
      unit: 'ms',
      baselineName: 'full recompute through the cache',
      baseline: fullMs,
      ratio: median(legacy) / fullMs
    }
  ]
}
