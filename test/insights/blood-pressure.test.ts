/**
 * ACC/AHA 2017 blood pressure categories beyond the edge vectors: the higher of two
 * categories applies, monotonicity (a higher pressure never gives a lower category), the
 * average of the latest readings and the guideline's "≥ 2 readings on ≥ 2 occasions".
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BP_CATEGORIES, bpAverage, bpAverageFinding, bpCategory, bpReadingFinding, type BpReading } from '../../src/insights/index.ts'

const DAY = 86_400_000
const T0 = Date.UTC(2024, 4, 1, 8)
const rank = (s: number, d: number): number => BP_CATEGORIES.indexOf(bpCategory(s, d))

describe('bpCategory', () => {
  it('takes the higher category when systolic and diastolic disagree', () => {
    expect(bpCategory(125, 70)).toBe('elevated')
    expect(bpCategory(125, 82)).toBe('stage1')
    expect(bpCategory(118, 92)).toBe('stage2')
    expect(bpCategory(150, 125)).toBe('crisis')
  })

  it('is monotonic in systolic and in diastolic', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 20, max: 400, noNaN: true }),
        fc.double({ min: 20, max: 400, noNaN: true }),
        fc.double({ min: 0, max: 300, noNaN: true }),
        fc.double({ min: 0, max: 300, noNaN: true }),
        (s1, s2, d1, d2) => {
          const [sl, sh] = s1 <= s2 ? [s1, s2] : [s2, s1]
          const [dl, dh] = d1 <= d2 ? [d1, d2] : [d2, d1]
          expect(rank(sh, dl)).toBeGreaterThanOrEqual(rank(sl, dl))
          expect(rank(sl, dh)).toBeGreaterThanOrEqual(rank(sl, dl))
          expect(rank(sh, dh)).toBeGreaterThanOrEqual(Math.max(rank(sh, dl), rank(sl, dh)))
        }
      )
    )
  })

  it('refuses readings that are not pressures, with labelled messages', () => {
    expect(() => bpCategory(Number.NaN, 80)).toThrow(TypeError)
    expect(() => bpCategory(120, Number.NaN)).toThrow(/bpCategory\.diastolic/)
    expect(() => bpCategory(-120, 80)).toThrow(RangeError)
    expect(() => bpCategory(120, -1)).toThrow(/bpCategory\.diastolic: expected 0\.\.300/)
    expect(() => bpCategory(1200, 80)).toThrow(/bpCategory\.systolic/)
    expect(() => bpCategory('120' as unknown as number, 80)).toThrow(TypeError)
  })
})

describe('bpAverage', () => {
  const readings: BpReading[] = [
    { t: T0, systolic: 150, diastolic: 95, ref: 'Observation/old' },
    { t: T0 + DAY, systolic: 128, diastolic: 78 },
    { t: T0 + 2 * DAY, systolic: 124, diastolic: 76 },
    { t: T0 + 2 * DAY + 3600_000, systolic: 126, diastolic: 74 }
  ]

  it('averages the latest readings by time, whatever their order', () => {
    const avg = bpAverage([...readings].reverse(), { last: 3 })
    expect(avg.systolic).toBeCloseTo((128 + 124 + 126) / 3, 10)
    expect(avg.diastolic).toBeCloseTo((78 + 76 + 74) / 3, 10)
    expect(avg.category).toBe('elevated')
    expect(avg.readings.map((r) => r.t)).toEqual([T0 + DAY, T0 + 2 * DAY, T0 + 2 * DAY + 3600_000])
    expect(avg.occasions).toBe(2)
    // with the older stage 2 reading in, the average is stage 1
    expect(bpAverage(readings).category).toBe('stage1')
  })

  it('finds the average and says when there are too few readings or occasions for the guideline', () => {
    const f = bpAverageFinding(readings, { last: 3 })
    expect(f.rule).toBe('bp-average')
    expect(f.summary).toBe('Average of the last 3 blood pressure readings: 126/76 mm Hg, elevated')
    expect(f.fired).toContain('3 readings on 2 days')
    expect(f.evidence).toHaveLength(6)
    const sameDay = bpAverageFinding(readings.slice(2))
    expect(sameDay.summary).toContain('not enough to classify')
    expect(sameDay.severity).toBe('info')
  })

  it('refuses an empty list and a bad count', () => {
    expect(() => bpAverage([])).toThrow(RangeError)
    expect(() => bpAverage(readings, { last: 0 })).toThrow(/bpAverage\.last/)
    expect(() => bpAverage([{ t: -1, systolic: 120, diastolic: 80 }])).toThrow(/readings\[0\]\.t/)
  })
})

describe('bpReadingFinding', () => {
  it('names the reading, the category and the rule, and flags a crisis-range reading as urgent', () => {
    const f = bpReadingFinding({ t: T0, systolic: 186, diastolic: 100, ref: 'Observation/bp-9' })
    expect(f.severity).toBe('high')
    expect(f.summary).toMatch(/^Latest blood pressure 186\/100 mm Hg: hypertensive crisis range/)
    expect(f.fired).toContain('> 180')
    expect(f.evidence).toEqual([
      { what: 'systolic', value: 186, unit: 'mm[Hg]', t: T0, ref: 'Observation/bp-9' },
      { what: 'diastolic', value: 100, unit: 'mm[Hg]', t: T0, ref: 'Observation/bp-9' }
    ])
    expect(f.source.id).toBe('acc-aha-2017-bp')
    expect(bpReadingFinding({ t: T0, systolic: 112, diastolic: 71 }).severity).toBe('info')
  })
})
