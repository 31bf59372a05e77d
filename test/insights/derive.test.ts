/**
 * Insights of a record compartment: readings out of FHIR Observations (LOINC codes, BP
 * panels, unit conversions, withdrawn ones left out) and time series, every rule run from
 * `now`, and the same through a real `Compartment` (Observations stored, CGM samples
 * appended to the series store).
 */
import { describe, expect, it } from 'vitest'
import { asDocId } from '../../src/lib/index.ts'
import { createCompartment, type Observation } from '../../src/record/index.ts'
import { deriveInsights, insightInputOf, readingsOfObservations, readingsOfSeries, toRuleUnit } from '../../src/insights/index.ts'

const LOINC = 'http://loinc.org'
const UCUM = 'http://unitsofmeasure.org'
const HOUR = 3_600_000
const DAY = 24 * HOUR
const NOW = Date.UTC(2024, 5, 15, 12)
const iso = (t: number): string => new Date(t).toISOString()
const vital = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }]

function obs(id: string, code: string, t: number, value: number, unit: string, extra: Partial<Observation> = {}): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: vital,
    code: { coding: [{ system: LOINC, code }] },
    effectiveDateTime: iso(t),
    valueQuantity: { value, unit, system: UCUM, code: unit },
    ...extra
  }
}

function bp(id: string, t: number, systolic: number, diastolic: number): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: vital,
    code: { coding: [{ system: LOINC, code: '85354-9' }] },
    effectiveDateTime: iso(t),
    component: [
      { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value: systolic, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' } },
      { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: { value: diastolic, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' } }
    ]
  }
}

/** A NEWS2 set taken 30 minutes before now: RR 22 (2), SpO2 95 (1), SBP 105 (1), pulse 95 (1), 38.4 °C (1) = 6. */
function news2Set(t = NOW - 30 * 60_000): Observation[] {
  return [
    obs('rr', '9279-1', t, 22, '/min'),
    obs('spo2', '59408-5', t + 60_000, 95, '%'),
    bp('bp-news', t + 120_000, 105, 70),
    obs('hr', '8867-4', t + 180_000, 95, '/min'),
    obs('temp', '8310-5', t + 240_000, 101.12, '[degF]')
  ]
}

describe('readings', () => {
  it('reads values by LOINC code, BP panels as two readings, converting units', () => {
    const rs = readingsOfObservations([
      ...news2Set(),
      obs('glu', '15074-8', NOW - DAY, 5.5, 'mmol/L'),
      obs('wt', '29463-7', NOW - DAY, 176.37, '[lb_av]'),
      obs('sat', '2708-6', NOW - DAY, 97, '%')
    ])
    const by = (kind: string): number | undefined => rs.find((r) => r.kind === kind)?.value
    expect(by('respiratoryRate')).toBe(22)
    expect(by('systolic')).toBe(105)
    expect(by('diastolic')).toBe(70)
    expect(by('temperature')).toBeCloseTo(38.4, 9)
    expect(by('glucose')).toBeCloseTo(99.0858, 4)
    expect(by('weight')).toBeCloseTo(80.0, 2)
    expect(rs.filter((r) => r.kind === 'spo2').map((r) => r.value)).toEqual([97, 95])
    expect(rs.find((r) => r.kind === 'systolic')?.ref).toBe('Observation/bp-news')
  })

  it('leaves out withdrawn, cancelled, undated and unknown-unit Observations', () => {
    const t = NOW - HOUR
    expect(
      readingsOfObservations([
        obs('a', '8867-4', t, 70, '/min', { status: 'entered-in-error' }),
        obs('b', '8867-4', t, 70, '/min', { status: 'cancelled' }),
        { ...obs('c', '8867-4', t, 70, '/min'), effectiveDateTime: undefined },
        obs('d', '8867-4', t, 70, 'Hz'),
        obs('e', '1234-5', t, 70, '/min')
      ])
    ).toEqual([])
    expect(toRuleUnit('systolic', 16, 'kPa')).toBeCloseTo(120.0, 0)
    expect(toRuleUnit('weight', 80, 'stone')).toBeUndefined()
  })

  it('reads time series of the insight codes', () => {
    const rs = readingsOfSeries([
      { code: '99504-3', device: 'cgm-1', unit: 'mg/dL', times: Float64Array.of(2, 1), values: Float64Array.of(110, 100) },
      { code: '55423-8', device: 'watch', unit: '{steps}', times: [1], values: [500] }
    ])
    expect(rs).toEqual([
      { kind: 'cgmGlucose', t: 1, value: 100, ref: 'series/99504-3/cgm-1' },
      { kind: 'cgmGlucose', t: 2, value: 110, ref: 'series/99504-3/cgm-1' }
    ])
  })
})

describe('deriveInsights', () => {
  it('scores NEWS2 from the latest set, stating what it assumed', () => {
    const { findings } = deriveInsights({ now: NOW, observations: news2Set() })
    const f = findings.find((x) => x.rule === 'news2')
    expect(f?.summary).toBe('NEWS2 6: medium clinical risk')
    expect(f?.fired).toContain('consciousness not recorded, assumed alert (A); oxygen not recorded, assumed air')
    expect(f?.evidence.find((e) => e.what === 'temperatureC')?.ref).toBe('Observation/temp')
    const withContext = deriveInsights({ now: NOW, observations: news2Set(), news2: { consciousness: 'C', onOxygen: true, spo2Scale: 1 } })
    expect(withContext.findings.find((x) => x.rule === 'news2')?.summary).toBe('NEWS2 11: high clinical risk')
  })

  it('does not score NEWS2 from a set spread over more than an hour, or older than a day', () => {
    const spread = news2Set().map((o, i) => (i === 0 ? { ...o, effectiveDateTime: iso(NOW - 3 * HOUR) } : o))
    expect(deriveInsights({ now: NOW, observations: spread }).findings.some((f) => f.rule === 'news2')).toBe(false)
    expect(deriveInsights({ now: NOW, observations: news2Set(NOW - 2 * DAY) }).findings.some((f) => f.rule === 'news2')).toBe(false)
  })

  it('reports the latest BP, the average, a CGM report and a weight trend, most severe first, then latest first', () => {
    const observations = [
      bp('bp1', NOW - 3 * DAY, 142, 88),
      bp('bp2', NOW - 2 * DAY, 146, 92),
      bp('bp3', NOW - DAY, 185, 100),
      obs('w1', '29463-7', NOW - 3 * DAY, 80, 'kg'),
      obs('w2', '29463-7', NOW - HOUR, 82.5, 'kg')
    ]
    const times: number[] = []
    const values: number[] = []
    for (let t = NOW - 7 * DAY; t < NOW; t += 300_000) {
      times.push(t)
      values.push(t % 3 === 0 ? 60 : 140)
    }
    const { findings, skipped } = deriveInsights({ now: NOW, observations, series: [{ code: '99504-3', device: 'cgm', unit: 'mg/dL', times, values }] })
    expect(skipped).toEqual([])
    // high first; then the moderate ones, latest first (CGM up to now, weight an hour ago, the BP average a day ago)
    expect(findings.map((f) => f.rule)).toEqual(['bp-category', 'cgm', 'weight-change', 'bp-average'])
    expect(findings[0]?.severity).toBe('high')
    expect(findings[0]?.evidence[0]?.ref).toBe('Observation/bp3')
    expect(findings.find((f) => f.rule === 'cgm')?.evidence.find((e) => e.what === 'tbr')?.value).toBeCloseTo((times.filter((t) => t % 3 === 0).length / times.length) * 100, 9)
  })

  it('screens RR sessions of the last week for an irregular rhythm', () => {
    let seed = 7
    const next = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647)
    const rrMs = Array.from({ length: 256 }, () => 380 + 670 * next())
    const { findings } = deriveInsights({ now: NOW, rr: [{ startT: NOW - HOUR, rrMs, ref: 'strap' }, { startT: NOW - 30 * DAY, rrMs }] })
    expect(findings.filter((f) => f.rule === 'af-screen')).toHaveLength(1)
  })

  it('drops a rule whose reading is implausible, and says so', () => {
    const observations = [...news2Set().filter((o) => o.id !== 'temp'), obs('temp', '8310-5', NOW - 20 * 60_000, 98.6, 'Cel')]
    const { findings, skipped } = deriveInsights({ now: NOW, observations })
    expect(findings.some((f) => f.rule === 'news2')).toBe(false)
    expect(skipped).toEqual(['news2: news2.temperatureC: expected 10..47 °C, got 98.6'])
  })

  it('ignores readings after now and refuses a bad now', () => {
    expect(deriveInsights({ now: NOW - DAY, observations: news2Set() }).findings).toEqual([])
    expect(() => deriveInsights({ now: Number.NaN })).toThrow(TypeError)
  })
})

describe('insightInputOf', () => {
  it('reads a compartment\'s Observations and series into plain data that derives the same findings', () => {
    const vitals = createCompartment({ kind: 'vitals', docId: asDocId(new Uint8Array(16).fill(7)) })
    for (const o of news2Set()) vitals.resources.put(o)
    vitals.resources.put(obs('steps', '55423-8', NOW - HOUR, 900, '{steps}'))
    for (let t = NOW - 2 * DAY; t < NOW; t += 300_000) vitals.series.append('99504-3', 'cgm-1', t, 150, 'mg/dL')
    vitals.series.flush()
    const input = insightInputOf(vitals, { now: NOW })
    expect(input.observations?.map((o) => o.id).sort()).toEqual(['bp-news', 'hr', 'rr', 'spo2', 'temp'])
    expect(input.series?.map((s) => [s.code, s.device, s.times.length])).toEqual([['99504-3', 'cgm-1', 576]])
    // plain data: survives a structured clone as the worker receives it
    const report = deriveInsights(structuredClone(input))
    expect(report.findings.map((f) => f.rule).sort()).toEqual(['bp-category', 'cgm', 'news2'])
    expect(report.findings.find((f) => f.rule === 'cgm')?.summary).toContain('100 % in range')
  })
})
