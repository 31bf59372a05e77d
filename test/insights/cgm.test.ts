/**
 * CGM consensus metrics beyond the vectors: properties (the three ranges share out every
 * reading, the level-2 shares sit inside level 1+2, order does not matter), coverage with
 * gaps, the report finding (targets missed, sparse data said so) and input validation.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cgmFinding, cgmMetrics, missedTargets, type GlucoseSample } from '../../src/insights/index.ts'

const MIN = 60_000
const T0 = Date.UTC(2024, 0, 1)
const trace = (values: number[], stepMin = 5): GlucoseSample[] => values.map((mgdl, i) => ({ t: T0 + i * stepMin * MIN, mgdl }))

describe('cgmMetrics properties', () => {
  const samples = fc.array(fc.record({ t: fc.integer({ min: T0, max: T0 + 14 * 1440 * MIN }), mgdl: fc.double({ min: 1, max: 2000, noNaN: true }) }), { minLength: 1, maxLength: 300 })

  it('time below, in and above range add up to 100 %, and level 2 is within level 1+2', () => {
    fc.assert(
      fc.property(samples, (s) => {
        const m = cgmMetrics(s)
        expect(m.tbrPercent + m.tirPercent + m.tarPercent).toBeCloseTo(100, 9)
        expect(m.tbr54Percent).toBeLessThanOrEqual(m.tbrPercent)
        expect(m.tar250Percent).toBeLessThanOrEqual(m.tarPercent)
        for (const v of Object.values(m)) expect(Number.isFinite(v)).toBe(true)
        expect(m.activePercent).toBeGreaterThan(0)
        expect(m.activePercent).toBeLessThanOrEqual(100)
        expect(m.cvPercent).toBeGreaterThanOrEqual(0)
        expect(m.gmiPercent).toBeCloseTo(3.31 + 0.02392 * m.meanMgdl, 12)
      })
    )
  })

  it('does not depend on the order of the samples', () => {
    fc.assert(
      fc.property(samples, fc.integer(), (s, seed) => {
        const shuffled = [...s].sort((a, b) => ((a.t * 31 + seed) % 97) - ((b.t * 31 + seed) % 97))
        const a = cgmMetrics(s)
        const b = cgmMetrics(shuffled)
        for (const k of Object.keys(a) as (keyof typeof a)[]) expect(b[k]).toBeCloseTo(a[k], 9)
      })
    )
  })

  it('is 100 % active for a regular trace and falls with a gap in proportion to the missing time', () => {
    const day = trace(Array.from({ length: 288 }, () => 120))
    expect(cgmMetrics(day).activePercent).toBe(100)
    // drop 6 hours (72 readings) from the middle: 216 × 5 min covered of 24 h
    const holed = [...day.slice(0, 100), ...day.slice(172)]
    expect(cgmMetrics(holed).activePercent).toBeCloseTo((216 / 288) * 100, 9)
    // a 15-min sensor read as 15-min is fully covered
    expect(cgmMetrics(trace([100, 110, 120, 130], 15), { intervalMin: 15 }).activePercent).toBe(100)
  })
})

describe('cgmFinding', () => {
  it('lists the consensus targets a report misses and grades hypoglycaemia above hyperglycaemia', () => {
    // 10 % below 70 (some below 54), 20 % above 250: misses TIR, TBR, TBR54, TAR, TAR250
    const values = [...Array<number>(10).fill(50), ...Array<number>(70).fill(130), ...Array<number>(20).fill(300)]
    const f = cgmFinding(trace(values))
    expect(f.rule).toBe('cgm')
    expect(f.severity).toBe('moderate')
    expect(f.fired).toContain('time in range 70–180 70.0 % (target > 70 %)')
    expect(f.fired).toContain('time below 70 10.0 % (target < 4 %)')
    expect(f.fired).toContain('time above 250 20.0 % (target < 5 %)')
    expect(f.evidence.find((e) => e.what === 'tir')?.value).toBeCloseTo(70, 9)
    expect(f.source.id).toBe('battelino-2019-tir')
  })

  it('says so when under 70 % of the time has data', () => {
    const values = Array.from({ length: 48 }, () => 120)
    // two 2-hour blocks 8 hours apart: 4 h of data in a 12 h span
    const s = [...trace(values.slice(0, 24)), ...trace(values.slice(24)).map((x) => ({ ...x, t: x.t + 10 * 3600_000 }))]
    const f = cgmFinding(s)
    expect(f.summary).toContain('only 33 % of the time has data (the consensus asks for at least 70 %)')
    expect(f.severity).toBe('info')
    expect(cgmFinding(trace(values)).summary).not.toContain('only')
  })

  it('meets every target on a steady in-range trace', () => {
    const m = cgmMetrics(trace(Array.from({ length: 100 }, (_, i) => 110 + (i % 10))))
    expect(missedTargets(m)).toEqual([])
    expect(cgmFinding(trace(Array.from({ length: 100 }, (_, i) => 110 + (i % 10)))).fired).toBe('all consensus targets met')
  })
})

describe('cgmMetrics input', () => {
  it('refuses empty, non-finite, negative and implausible input with labelled messages', () => {
    expect(() => cgmMetrics([])).toThrow(RangeError)
    expect(() => cgmMetrics('x' as unknown as GlucoseSample[])).toThrow(TypeError)
    expect(() => cgmMetrics([{ t: T0, mgdl: Number.NaN }])).toThrow(/samples\[0\]\.mgdl/)
    expect(() => cgmMetrics([{ t: T0, mgdl: -5 }])).toThrow(RangeError)
    expect(() => cgmMetrics([{ t: T0, mgdl: 100 }, { t: T0, mgdl: 5000 }])).toThrow(/samples\[1\]\.mgdl: expected 1\.\.2000 mg\/dL/)
    expect(() => cgmMetrics([{ t: -1, mgdl: 100 }])).toThrow(/samples\[0\]\.t/)
    expect(() => cgmMetrics([{ t: T0, mgdl: 100 }], { intervalMin: 0 })).toThrow(/intervalMin/)
    expect(() => cgmMetrics([null as unknown as GlucoseSample])).toThrow(TypeError)
  })
})
