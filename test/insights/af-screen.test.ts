/**
 * AF screening (Dash 2009) on synthetic RR series from a seeded generator: sinus rhythm
 * (with and without strong respiratory sinus arrhythmia) and occasional ectopic beats must
 * not trigger; an AF-like series (independent, widely varying intervals) must; the windows
 * that triggered are the ones reported, with their times.
 */
import { describe, expect, it } from 'vitest'
import { AF_THRESHOLDS, afScreen, afScreenFinding, afSessionsFinding, MAX_AF_WINDOWS_LISTED } from '../../src/insights/index.ts'

/** mulberry32: a small seeded PRNG, so every run sees the same series. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
/** Standard normal by Box–Muller. */
const gauss = (r: () => number): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())

/** Sinus rhythm: mean interval, respiratory modulation (amplitude, period in beats), Gaussian jitter. */
function sinus(n: number, seed: number, mean = 850, rsa = 30, period = 4.5, jitter = 8): number[] {
  const r = prng(seed)
  return Array.from({ length: n }, (_, i) => mean + rsa * Math.sin((2 * Math.PI * i) / period) + jitter * gauss(r))
}
/** AF-like: independent intervals, uniform in [lo, hi] ms. */
function fibrillation(n: number, seed: number, lo = 380, hi = 1050): number[] {
  const r = prng(seed)
  return Array.from({ length: n }, () => lo + (hi - lo) * r())
}
/** Sinus rhythm with a premature beat (60 % of the interval) and its compensatory pause (140 %) every `every` beats. */
function withEctopics(rr: number[], every: number, offset = 7): number[] {
  const out = [...rr]
  for (let i = offset; i + 1 < out.length; i += every) {
    const base = out[i] as number
    out[i] = base * 0.6
    out[i + 1] = base * 1.4
  }
  return out
}

describe('afScreen', () => {
  it('does not trigger on sinus rhythm, over many seeds', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = afScreen(sinus(128 * 4, seed))
      expect(r.windows).toHaveLength(4)
      expect(r.irregular, `seed ${seed}`).toBe(false)
      for (const w of r.windows) expect(w.nRmssd).toBeLessThan(AF_THRESHOLDS.nRmssd)
    }
  })

  it('does not trigger on strong respiratory sinus arrhythmia: variable but not random (turning points too few)', () => {
    const r = afScreen(sinus(128 * 4, 3, 900, 140, 5, 6))
    expect(r.windows.every((w) => w.nRmssd > AF_THRESHOLDS.nRmssd)).toBe(true)
    expect(r.windows.every((w) => w.turningPointRatio < AF_THRESHOLDS.tprLow)).toBe(true)
    expect(r.irregular).toBe(false)
  })

  it('triggers on an AF-like series, over many seeds', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = afScreen(fibrillation(128 * 3, seed))
      expect(r.triggered, `seed ${seed}`).toHaveLength(3)
      for (const w of r.triggered) {
        expect(w.nRmssd).toBeGreaterThan(0.1)
        expect(w.shannonEntropy).toBeGreaterThan(0.7)
        expect(w.turningPointRatio).toBeGreaterThan(0.54)
        expect(w.turningPointRatio).toBeLessThan(0.77)
      }
    }
  })

  it('does not trigger on occasional ectopic beats, though they alone push RMSSD / mean over its threshold', () => {
    for (let seed = 1; seed <= 10; seed++) {
      // a premature beat and its pause every 25 beats: 5–6 pairs per 128-beat window
      const rr = withEctopics(sinus(128 * 3, seed), 25)
      // untrimmed, the ectopic beats alone push RMSSD / mean over Dash's 0.1
      const raw = rr.slice(0, 128)
      const rawMean = raw.reduce((a, b) => a + b, 0) / raw.length
      const rawRmssd = Math.sqrt(raw.slice(1).reduce((a, x, i) => a + (x - (raw[i] as number)) ** 2, 0) / (raw.length - 1))
      expect(rawRmssd / rawMean).toBeGreaterThan(0.1)
      const r = afScreen(rr)
      expect(r.irregular, `seed ${seed}`).toBe(false)
    }
  })

  it('does not trigger on bigeminy: every beat a turning point is regular, not random', () => {
    const rr = sinus(256, 5).map((x, i) => (i % 2 === 0 ? x * 0.7 : x * 1.3))
    const r = afScreen(rr)
    expect(r.windows.every((w) => w.turningPointRatio > AF_THRESHOLDS.tprHigh)).toBe(true)
    expect(r.irregular).toBe(false)
  })

  it('still finds AF in windows holding a few extreme intervals: they are trimmed before the measures', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const rr = fibrillation(128 * 2, seed, 500, 900)
      // per window, six long pauses and six very short intervals (still plausible beats): left
      // in, they would stretch the 16 entropy bins so far that the AF intervals fill only a few
      for (const base of [0, 128]) for (const k of [5, 25, 45, 65, 85, 105]) {
        rr[base + k] = 1990
        rr[base + k + 10] = 250
      }
      expect(afScreen(rr).triggered, `seed ${seed}`).toHaveLength(2)
    }
  })

  it('does not trigger on two interval lengths in random order: random and variable, but low entropy', () => {
    // e.g. atrial flutter with variable 2:1 / 4:1 block: intervals cluster at two values
    const r0 = prng(11)
    const rr = Array.from({ length: 256 }, () => (r0() < 0.5 ? 560 : 1120) + 4 * gauss(r0))
    const r = afScreen(rr)
    for (const w of r.windows) {
      expect(w.nRmssd).toBeGreaterThan(AF_THRESHOLDS.nRmssd)
      expect(w.turningPointRatio).toBeGreaterThan(AF_THRESHOLDS.tprLow)
      expect(w.turningPointRatio).toBeLessThan(AF_THRESHOLDS.tprHigh)
      expect(w.shannonEntropy).toBeLessThan(AF_THRESHOLDS.shannonEntropy)
    }
    expect(r.irregular).toBe(false)
  })

  it('reports the windows that triggered, with their beat times', () => {
    const rr = [...sinus(128 * 2, 9), ...fibrillation(128, 9), ...sinus(128, 10)]
    const startT = Date.UTC(2024, 5, 1, 22)
    const r = afScreen(rr, { startT })
    expect(r.windows.map((w) => w.irregular)).toEqual([false, false, true, false])
    const [w] = r.triggered
    expect(w?.start).toBe(256)
    expect(w?.end).toBe(384)
    // the first beat of the window ends interval 256: startT plus intervals 1..256
    const sum = (from: number, to: number): number => rr.slice(from, to).reduce((a, b) => a + b, 0)
    expect(w?.startT).toBeCloseTo(startT + sum(1, 257), 2)
    expect(w?.endT).toBeCloseTo(startT + sum(1, 384), 2)
  })

  it('skips a window holding an implausible interval (a dropout or an extra beat), and leaves out a last partial window', () => {
    const rr = fibrillation(128 * 2 + 50, 4)
    rr[10] = 3000
    const r = afScreen(rr)
    expect(r.windows).toHaveLength(2)
    expect(r.windows[0]?.skipped).toBe('artifact')
    expect(r.windows[0]?.irregular).toBe(false)
    expect(r.windows[1]?.irregular).toBe(true)
    expect(afScreen(fibrillation(127, 1)).windows).toHaveLength(0)
  })

  it('times the windows by the beats’ stored times when given', () => {
    const rr = fibrillation(256, 6)
    const times = rr.map((_, i) => 1_700_000_000_000 + i * 10)
    const r = afScreen(rr, { startT: times[0], times })
    expect(r.windows.map((w) => [w.startT, w.endT])).toEqual([
      [times[0], times[127]],
      [times[128], times[255]]
    ])
    expect(() => afScreen(rr, { times: times.slice(1) })).toThrow(/afScreen\.times/)
    expect(() => afScreen(rr, { times: times.map(() => -1) })).toThrow(/afScreen\.times\[0\]/)
  })

  it('refuses intervals that are not durations, and a bad window size', () => {
    expect(() => afScreen([800, Number.NaN])).toThrow(TypeError)
    expect(() => afScreen([800, -800])).toThrow(/afScreen\.rrMs\[1\]/)
    expect(() => afScreen([800, 0])).toThrow(RangeError)
    expect(() => afScreen([800, 80_000])).toThrow(RangeError)
    expect(() => afScreen([800], { windowBeats: 16 })).toThrow(/windowBeats/)
    expect(() => afScreen([800], { startT: -5 })).toThrow(/startT/)
    expect(() => afScreen('800' as unknown as number[])).toThrow(TypeError)
  })
})

describe('afScreenFinding', () => {
  it('says an irregular rhythm was detected, that it is not a diagnosis, and which windows triggered', () => {
    const startT = Date.UTC(2024, 5, 1, 22)
    const f = afScreenFinding([...sinus(128, 1), ...fibrillation(256, 2)], { startT, ref: 'series/8867-4/strap' })
    expect(f?.summary).toBe('An irregular rhythm was detected; this is not a diagnosis; see a doctor.')
    expect(f?.rule).toBe('af-screen')
    expect(f?.fired).toMatch(/^2 of 3 analysed 128-beat windows/)
    expect(f?.evidence.map((e) => e.what)).toEqual([
      'rr-window 128–255 first beat',
      'rr-window 128–255 nRMSSD',
      'rr-window 128–255 Shannon entropy',
      'rr-window 128–255 turning-point ratio',
      'rr-window 256–383 first beat',
      'rr-window 256–383 nRMSSD',
      'rr-window 256–383 Shannon entropy',
      'rr-window 256–383 turning-point ratio'
    ])
    expect(f?.evidence.every((e) => e.ref === 'series/8867-4/strap' && typeof e.t === 'number')).toBe(true)
    expect(f?.source.id).toBe('dash-2009-af')
  })

  it('is null for sinus rhythm', () => {
    expect(afScreenFinding(sinus(512, 7))).toBeNull()
  })
})

describe('afSessionsFinding', () => {
  it('screens each recording on its own and makes one finding, listing the latest windows and counting all', () => {
    const t0 = Date.UTC(2024, 5, 1, 22)
    // 20 irregular windows over two recordings, and one sinus recording
    const a = { startT: t0, rrMs: fibrillation(128 * 12, 3), ref: 'series/147240/ble:a' }
    const b = { startT: t0 + 86_400_000, rrMs: fibrillation(128 * 8 + 100, 4), ref: 'series/147240/ble:a' }
    const calm = { startT: t0 + 3_600_000 * 30, rrMs: sinus(128 * 3, 5), ref: 'series/147240/ble:b' }
    const f = afSessionsFinding([a, calm, b])
    expect(f?.fired).toBe(`20 of 23 analysed 128-beat windows had nRMSSD > 0.1, Shannon entropy > 0.7 and turning-point ratio within 0.54–0.77 (Dash 2009); the latest ${MAX_AF_WINDOWS_LISTED} listed`)
    const firsts = f?.evidence.filter((e) => e.what.endsWith('first beat')) ?? []
    expect(firsts).toHaveLength(MAX_AF_WINDOWS_LISTED)
    // the 8 windows of b and the last 4 of a; no window spans the two recordings
    expect(firsts.filter((e) => (e.t as number) >= b.startT)).toHaveLength(8)
    expect(firsts[0]?.t).toBeCloseTo(t0 + a.rrMs.slice(1, 128 * 8 + 1).reduce((x, y) => x + y, 0), 1)
    expect(f?.at).toBeGreaterThan(b.startT)
    expect(afSessionsFinding([calm])).toBeNull()
    expect(afSessionsFinding([])).toBeNull()
  })
})
