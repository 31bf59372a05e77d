/**
 * Trends over weeks: rising blood pressure (14-day average category rising), weight (gain
 * > 2 kg in 3 days; loss > 5 % in 6 months) and worsening glucose control (TIR down ≥ 5
 * points between two 14-day windows with enough data). Each must fire on the pattern and
 * stay quiet just short of it.
 */
import { describe, expect, it } from 'vitest'
import { bpTrendFinding, glucoseTrendFinding, weightTrendFindings, type BpReading, type GlucoseSample } from '../../src/insights/index.ts'

const DAY = 86_400_000
const T0 = Date.UTC(2024, 2, 1, 7)

/** One reading a day for `days` days from `start`, systolic/diastolic given by day index. */
const daily = (start: number, days: number, f: (i: number) => [number, number]): BpReading[] =>
  Array.from({ length: days }, (_, i) => {
    const [systolic, diastolic] = f(i)
    return { t: start + i * DAY, systolic, diastolic, ref: `Observation/bp-${start}-${i}` }
  })

describe('bpTrendFinding', () => {
  it('fires when the last 14-day average is in a higher category than the 14 days before', () => {
    const readings = [...daily(T0, 14, () => [118, 76]), ...daily(T0 + 14 * DAY, 14, () => [134, 82])]
    const f = bpTrendFinding(readings)
    expect(f?.rule).toBe('bp-trend')
    expect(f?.summary).toBe('Blood pressure is rising: the 14-day average went from 118/76 (normal) to 134/82 mm Hg (stage 1 hypertension)')
    expect(f?.fired).toContain('(14 readings)')
    expect(f?.severity).toBe('low')
    expect(f?.at).toBe(T0 + 27 * DAY)
  })

  it('stays quiet for a rise within one category, a fall, or too few readings', () => {
    expect(bpTrendFinding([...daily(T0, 14, () => [131, 70]), ...daily(T0 + 14 * DAY, 14, () => [138, 70])])).toBeNull()
    expect(bpTrendFinding([...daily(T0, 14, () => [145, 92]), ...daily(T0 + 14 * DAY, 14, () => [125, 78])])).toBeNull()
    expect(bpTrendFinding([...daily(T0, 2, () => [118, 76]), ...daily(T0 + 14 * DAY, 14, () => [150, 95])])).toBeNull()
    expect(bpTrendFinding([])).toBeNull()
  })

  it('refuses a malformed reading', () => {
    expect(() => bpTrendFinding([{ t: T0, systolic: Number.NaN, diastolic: 80 }])).toThrow(TypeError)
  })
})

describe('weightTrendFindings', () => {
  const w = (day: number, value: number): { t: number; value: number; ref: string } => ({ t: T0 + day * DAY, value, ref: `Observation/w${day}` })

  it('fires on a gain of more than 2 kg within 3 days, naming both readings', () => {
    const [f, ...rest] = weightTrendFindings([w(0, 80), w(1, 80.4), w(2, 81.5), w(3, 82.6)])
    expect(rest).toEqual([])
    expect(f?.rule).toBe('weight-change')
    expect(f?.fired).toBe('weight gain of more than 2 kg within 3 days')
    expect(f?.evidence.map((e) => [e.value, e.ref])).toEqual([
      [80, 'Observation/w0'],
      [82.6, 'Observation/w3']
    ])
    expect(f?.source.id).toBe('esc-2016-hf')
  })

  it('stays quiet for exactly 2 kg, or 2.5 kg over a week', () => {
    expect(weightTrendFindings([w(0, 80), w(3, 82)])).toEqual([])
    expect(weightTrendFindings([w(0, 80), w(7, 82.5)])).toEqual([])
  })

  it('fires on a loss of more than 5 % within 6 months, not at 5 % or over a longer span', () => {
    const [f] = weightTrendFindings([w(0, 70), w(60, 68), w(120, 66.4)])
    expect(f?.fired).toBe('weight loss of more than 5 % within 6 months')
    expect(f?.summary).toBe('Weight fell 5.1 % in 120 days; if this was not intended, mention it to a doctor')
    expect(weightTrendFindings([w(0, 70), w(120, 66.5)])).toEqual([])
    expect(weightTrendFindings([w(0, 70), w(200, 60)])).toEqual([])
  })

  it('refuses an implausible weight', () => {
    expect(() => weightTrendFindings([w(0, -70)])).toThrow(RangeError)
    expect(() => weightTrendFindings([w(0, 7000)])).toThrow(/readings\[0\]\.value/)
  })
})

describe('glucoseTrendFinding', () => {
  /** 14 days of 5-minute readings from `start`, `inRange` of them (a share) in range, the rest at 220 mg/dL. */
  function fortnight(start: number, inRange: number, keepEvery = 1): GlucoseSample[] {
    const n = 14 * 288
    const out: GlucoseSample[] = []
    for (let i = 0; i < n; i += keepEvery) out.push({ t: start + i * 300_000, mgdl: i % 100 < inRange * 100 ? 120 : 220 })
    return out
  }

  it('fires when time in range falls by 5 points or more', () => {
    const f = glucoseTrendFinding([...fortnight(T0, 0.8), ...fortnight(T0 + 14 * DAY, 0.7)], { ref: 'series/99504-3/cgm' })
    expect(f?.rule).toBe('glucose-trend')
    expect(f?.summary).toMatch(/^Glucose control is worsening: time in range fell from 80 % to 70 %/)
    expect(f?.evidence.map((e) => e.what)).toEqual(['tir previous 14 days', 'tir last 14 days', 'gmi previous 14 days', 'gmi last 14 days'])
  })

  it('stays quiet for a smaller fall, an improvement, or a window with under 70 % data', () => {
    expect(glucoseTrendFinding([...fortnight(T0, 0.8), ...fortnight(T0 + 14 * DAY, 0.76)])).toBeNull()
    expect(glucoseTrendFinding([...fortnight(T0, 0.6), ...fortnight(T0 + 14 * DAY, 0.8)])).toBeNull()
    // every other reading missing in the last fortnight: 50 % coverage
    expect(glucoseTrendFinding([...fortnight(T0, 0.8), ...fortnight(T0 + 14 * DAY, 0.5, 2)])).toBeNull()
    expect(glucoseTrendFinding([])).toBeNull()
  })
})
