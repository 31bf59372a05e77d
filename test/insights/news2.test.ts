/**
 * NEWS2 (RCP 2017): every band edge of Chart 1 and the risk bands of Chart 2 come from
 * test/vectors/insights/news2-rcp-2017.json; here, the rest: rounding to the chart's
 * resolution, the finding's explanation, input validation, and properties.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { news2, news2Finding, type News2Input } from '../../src/insights/index.ts'

const BASE: News2Input = { respiratoryRate: 16, spo2: 97, onOxygen: false, systolic: 120, pulse: 70, consciousness: 'A', temperatureC: 37 }

describe('news2', () => {
  it('returns the score, the risk and the points of each parameter keyed as the input', () => {
    const r = news2({ respiratoryRate: 22, spo2: 95, onOxygen: false, systolic: 105, pulse: 95, consciousness: 'A', temperatureC: 38.4 })
    expect(r).toEqual({
      score: 6,
      risk: 'medium',
      points: { respiratoryRate: 2, spo2: 1, onOxygen: 0, systolic: 1, pulse: 1, consciousness: 0, temperatureC: 1 }
    })
  })

  it('scores a value between two chart bands as written on the chart (rounded half up)', () => {
    expect(news2({ ...BASE, respiratoryRate: 20.4 }).points['respiratoryRate']).toBe(0)
    expect(news2({ ...BASE, respiratoryRate: 20.5 }).points['respiratoryRate']).toBe(2)
    expect(news2({ ...BASE, temperatureC: 38.04 }).points['temperatureC']).toBe(0)
    expect(news2({ ...BASE, temperatureC: 38.05 }).points['temperatureC']).toBe(1)
    expect(news2({ ...BASE, temperatureC: 35.05 }).points['temperatureC']).toBe(1)
    expect(news2({ ...BASE, temperatureC: 35.04 }).points['temperatureC']).toBe(3)
    expect(news2({ ...BASE, spo2: 95.5 }).points['spo2']).toBe(0)
    expect(news2({ ...BASE, pulse: 90.49 }).points['pulse']).toBe(0)
  })

  it('uses SpO2 scale 1 unless scale 2 is asked for, on air and on oxygen', () => {
    // 90 % is in the scale 2 target range (88–92) but scores 3 on scale 1
    expect(news2({ ...BASE, spo2: 90 }).points['spo2']).toBe(3)
    expect(news2({ ...BASE, spo2: 90, spo2Scale: 2 }).points['spo2']).toBe(0)
    // 97 % on oxygen: 0 on scale 1, 3 on scale 2 (over-oxygenation)
    expect(news2({ ...BASE, spo2: 97, onOxygen: true }).points['spo2']).toBe(0)
    expect(news2({ ...BASE, spo2: 97, onOxygen: true, spo2Scale: 2 }).points['spo2']).toBe(3)
  })

  it('refuses readings outside physiological range and malformed input, with labelled messages', () => {
    const bad: [Partial<Record<keyof News2Input, unknown>>, ErrorConstructor, RegExp][] = [
      [{ respiratoryRate: -1 }, RangeError, /news2\.respiratoryRate/],
      [{ respiratoryRate: Number.NaN }, TypeError, /news2\.respiratoryRate.*NaN/],
      [{ spo2: 101 }, RangeError, /news2\.spo2/],
      [{ spo2: -3 }, RangeError, /news2\.spo2/],
      [{ systolic: 0 }, RangeError, /news2\.systolic/],
      [{ systolic: Number.POSITIVE_INFINITY }, TypeError, /news2\.systolic/],
      [{ pulse: 400 }, RangeError, /news2\.pulse/],
      [{ pulse: '80' }, TypeError, /news2\.pulse/],
      [{ temperatureC: 98.6 }, RangeError, /news2\.temperatureC/],
      [{ temperatureC: -5 }, RangeError, /news2\.temperatureC/],
      [{ onOxygen: 'yes' }, TypeError, /news2\.onOxygen/],
      [{ consciousness: 'X' }, RangeError, /news2\.consciousness/],
      [{ consciousness: 1 }, TypeError, /news2\.consciousness/],
      [{ spo2Scale: 3 }, RangeError, /news2\.spo2Scale/]
    ]
    for (const [patch, type, message] of bad) {
      const call = (): unknown => news2({ ...BASE, ...patch } as News2Input)
      expect(call, JSON.stringify(patch)).toThrow(type)
      expect(call, JSON.stringify(patch)).toThrow(message)
    }
    expect(() => news2(null as unknown as News2Input)).toThrow(TypeError)
  })

  it('explains a finding: the band rule that fired, every parameter\'s points, and the readings with their provenance', () => {
    const f = news2Finding(
      { ...BASE, respiratoryRate: 25, temperatureC: 38.5 },
      { respiratoryRate: { t: 1000, ref: 'Observation/rr' }, temperatureC: { t: 2000, ref: 'Observation/temp' } }
    )
    expect(f.rule).toBe('news2')
    expect(f.severity).toBe('moderate')
    expect(f.summary).toBe('NEWS2 4: low–medium clinical risk')
    expect(f.fired).toContain('a score of 3 in a single parameter')
    expect(f.fired).toContain('respiratoryRate 3')
    expect(f.fired).toContain('temperatureC 1')
    expect(f.evidence.find((e) => e.what === 'respiratoryRate')).toEqual({ what: 'respiratoryRate', value: 25, unit: '/min', t: 1000, ref: 'Observation/rr' })
    expect(f.at).toBe(2000)
    expect(f.source.id).toBe('rcp-news2-2017')
  })

  it('grades severity with the risk band', () => {
    expect(news2Finding(BASE).severity).toBe('info')
    expect(news2Finding({ ...BASE, respiratoryRate: 8, systolic: 90, pulse: 131 }).severity).toBe('high')
  })
})

describe('news2 properties', () => {
  const input = fc.record({
    respiratoryRate: fc.integer({ min: 0, max: 100 }),
    spo2: fc.integer({ min: 0, max: 100 }),
    spo2Scale: fc.constantFrom(1 as const, 2 as const),
    onOxygen: fc.boolean(),
    systolic: fc.integer({ min: 20, max: 400 }),
    pulse: fc.integer({ min: 10, max: 350 }),
    consciousness: fc.constantFrom('A' as const, 'C' as const, 'V' as const, 'P' as const, 'U' as const),
    temperatureC: fc.integer({ min: 100, max: 470 }).map((x) => x / 10)
  })

  it('the score is the sum of seven parameters of 0–3 points, and the risk follows Chart 2', () => {
    fc.assert(
      fc.property(input, (v) => {
        const r = news2(v)
        const points = Object.values(r.points)
        expect(points).toHaveLength(7)
        expect(points.every((p) => p >= 0 && p <= 3)).toBe(true)
        expect(r.score).toBe(points.reduce((a, b) => a + b, 0))
        const expected = r.score >= 7 ? 'high' : r.score >= 5 ? 'medium' : points.includes(3) ? 'low-medium' : 'low'
        expect(r.risk).toBe(expected)
      })
    )
  })

  it('moving a parameter further from its normal band never lowers its points', () => {
    // each parameter's points are non-increasing towards its 0 band from below, non-decreasing above it
    const mono = (key: 'respiratoryRate' | 'systolic' | 'pulse' | 'temperatureC', zeroLo: number, zeroHi: number, step: number, lo: number, hi: number): void => {
      let prev = Infinity
      for (let x = lo; x <= zeroLo; x += step) {
        const p = news2({ ...BASE, [key]: x }).points[key] as number
        expect(p).toBeLessThanOrEqual(prev)
        prev = p
      }
      prev = -Infinity
      for (let x = zeroHi; x <= hi; x += step) {
        const p = news2({ ...BASE, [key]: Math.round(x * 10) / 10 }).points[key] as number
        expect(p).toBeGreaterThanOrEqual(prev)
        prev = p
      }
    }
    mono('respiratoryRate', 12, 20, 1, 0, 100)
    mono('systolic', 111, 219, 1, 20, 400)
    mono('pulse', 51, 90, 1, 10, 350)
    mono('temperatureC', 36.1, 38, 0.1, 10, 47)
  })
})
