/**
 * NEWS2 context a doctor records in a visit compartment (ACVPU, air or oxygen, SpO2 scale 2):
 * the FHIR written, read back from a real compartment (newest wins, expired and withdrawn
 * ones ignored, malformed ones refused by name), and the score changing as RCP NEWS2 2017
 * chart 1 says once they are set.
 */
import { describe, expect, it } from 'vitest'
import { asDocId } from '../../src/lib/index.ts'
import { createCompartment, visitCompartment, type Compartment, type Observation } from '../../src/record/index.ts'
import {
  deriveInsights,
  news2ContextObservation,
  news2EntryOf,
  news2RecordedOf,
  News2ContextFormatError,
  News2ContextInputError,
  type News2ContextInput,
  type News2Recorded
} from '../../src/insights/index.ts'

const LOINC = 'http://loinc.org'
const UCUM = 'http://unitsofmeasure.org'
const MIN = 60_000
const HOUR = 60 * MIN
const NOW = Date.UTC(2026, 10, 29, 11)
const iso = (t: number): string => new Date(t).toISOString()

function obs(id: string, code: string, t: number, value: number, unit: string): Observation {
  return { resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: LOINC, code }] }, effectiveDateTime: iso(t), valueQuantity: { value, unit, system: UCUM, code: unit } }
}

/** A set 30 min ago scoring 0 everywhere but SpO2: RR 16, SBP 120, pulse 70, 37.0 °C. */
function set(spo2: number, t = NOW - 30 * MIN): Observation[] {
  return [
    obs('rr', '9279-1', t, 16, '/min'),
    obs('spo2', '59408-5', t, spo2, '%'),
    obs('sbp', '8480-6', t, 120, 'mm[Hg]'),
    obs('hr', '8867-4', t, 70, '/min'),
    obs('temp', '8310-5', t, 37, 'Cel')
  ]
}

let n = 0
function visit(): Compartment {
  n++
  return createCompartment({ kind: visitCompartment('a'.repeat(32)), docId: asDocId(new Uint8Array(16).fill(n)) })
}

function record(c: Compartment, input: News2ContextInput, at: number, by = 'Dr Karimova'): Observation {
  return c.resources.put(news2ContextObservation(input, { id: `n2-${++n}`, at, by }))
}

const news2Of = (spo2: number, recorded: News2Recorded) => deriveInsights({ now: NOW, observations: set(spo2), news2: { recorded } }).findings.find((f) => f.rule === 'news2')

describe('recording NEWS2 context as FHIR', () => {
  it('writes ACVPU, oxygen and scale 2 as Observations with their codes', () => {
    const acvpu = news2ContextObservation({ kind: 'consciousness', value: 'C' }, { id: 'a1', at: NOW, by: 'Dr K' })
    expect(acvpu.code.coding?.[0]).toMatchObject({ system: 'http://snomed.info/sct', code: '1104441000000107' })
    expect(acvpu['valueCodeableConcept']).toMatchObject({ coding: [{ system: 'http://snomed.info/sct', code: '130987000' }] })
    expect(acvpu['performer']).toEqual([{ display: 'Dr K' }])
    const o2 = news2ContextObservation({ kind: 'oxygen', onOxygen: true, flowLpm: 2 }, { id: 'o1', at: NOW, by: 'Dr K' })
    expect(o2.code.coding?.[0]).toMatchObject({ system: LOINC, code: '3151-8' })
    expect(o2.valueQuantity).toEqual({ value: 2, unit: 'L/min', system: UCUM, code: 'L/min' })
    const s2 = news2ContextObservation({ kind: 'spo2-scale-2' }, { id: 's1', at: NOW, by: 'Dr K' })
    expect(s2['valueRange']).toMatchObject({ low: { value: 88, code: '%' }, high: { value: 92, code: '%' } })
    expect(news2EntryOf(s2)).toEqual({ kind: 'scale2', entry: { value: 2, t: NOW, by: 'Dr K', ref: 'Observation/s1' } })
  })

  it('refuses what cannot be recorded with News2ContextInputError', () => {
    const meta = { id: 'x1', at: NOW, by: 'Dr K' }
    const bad: Array<[unknown, unknown]> = [
      [{ kind: 'consciousness', value: 'X' }, meta],
      [{ kind: 'oxygen', onOxygen: true }, meta], // no flow on oxygen
      [{ kind: 'oxygen', onOxygen: false, flowLpm: 3 }, meta], // air with a flow
      [{ kind: 'oxygen', onOxygen: true, flowLpm: 61 }, meta],
      [{ kind: 'oxygen', onOxygen: true, flowLpm: Number.NaN }, meta],
      [{ kind: 'oxygen', onOxygen: 'yes', flowLpm: 2 }, meta],
      [{ kind: 'sedation' }, meta],
      [{ kind: 'spo2-scale-2' }, { ...meta, by: '  ' }],
      [{ kind: 'spo2-scale-2' }, { ...meta, by: 'x'.repeat(201) }],
      [{ kind: 'spo2-scale-2' }, { ...meta, at: 1.5 }],
      [{ kind: 'spo2-scale-2' }, { ...meta, id: 'has space' }]
    ]
    for (const [input, m] of bad) {
      expect(() => news2ContextObservation(input as News2ContextInput, m as { id: string; at: number; by: string }), JSON.stringify(input)).toThrow(expect.objectContaining({ name: 'News2ContextInputError' }))
    }
    expect(new News2ContextInputError('x')).toBeInstanceOf(Error)
  })
})

describe('reading NEWS2 context out of a visit compartment', () => {
  it('lists entries newest first, with who recorded them', () => {
    const c = visit()
    record(c, { kind: 'oxygen', onOxygen: false }, NOW - 2 * HOUR, 'Dr A')
    record(c, { kind: 'oxygen', onOxygen: true, flowLpm: 2 }, NOW - 20 * MIN, 'Dr B')
    record(c, { kind: 'consciousness', value: 'V' }, NOW - 10 * MIN)
    const { recorded, errors } = news2RecordedOf([c])
    expect(errors).toEqual([])
    expect(recorded.oxygen.map((e) => [e.value, e.by])).toEqual([
      [true, 'Dr B'],
      [false, 'Dr A']
    ])
    expect(recorded.consciousness.map((e) => e.value)).toEqual(['V'])
    expect(recorded.scale2).toEqual([])
  })

  it('leaves out a withdrawn scale-2 mark (and an entry after `until`)', () => {
    const c = visit()
    const mark = record(c, { kind: 'spo2-scale-2' }, NOW - 3 * 24 * HOUR)
    expect(news2RecordedOf([c]).recorded.scale2).toHaveLength(1)
    c.resources.withdraw('Observation', mark.id, 'no longer a target of 88–92 %')
    expect(news2RecordedOf([c]).recorded.scale2).toEqual([])
    record(c, { kind: 'consciousness', value: 'C' }, NOW + HOUR)
    expect(news2RecordedOf([c], NOW).recorded.consciousness).toEqual([])
  })

  it('refuses malformed entries with News2ContextFormatError and keeps the others', () => {
    const c = visit()
    const good = record(c, { kind: 'consciousness', value: 'P' }, NOW - 5 * MIN)
    const base = news2ContextObservation({ kind: 'oxygen', onOxygen: true, flowLpm: 2 }, { id: 'bad-1', at: NOW, by: 'Dr K' })
    c.resources.put({ ...base, id: 'bad-unit', valueQuantity: { value: 2, unit: '%', system: UCUM, code: '%' } })
    c.resources.put({ ...base, id: 'bad-flow', valueQuantity: { value: 900, unit: 'L/min', system: UCUM, code: 'L/min' } })
    c.resources.put({ ...base, id: 'bad-date', effectiveDateTime: '2026-11-29' })
    c.resources.put({ ...base, id: 'bad-status', status: 'preliminary' })
    const s2 = news2ContextObservation({ kind: 'spo2-scale-2' }, { id: 'bad-range', at: NOW, by: 'Dr K' })
    c.resources.put({ ...s2, valueRange: { low: { value: 94, unit: '%', system: UCUM, code: '%' }, high: { value: 98, unit: '%', system: UCUM, code: '%' } } })
    const acvpu = news2ContextObservation({ kind: 'consciousness', value: 'A' }, { id: 'bad-acvpu', at: NOW, by: 'Dr K' })
    c.resources.put({ ...acvpu, valueCodeableConcept: { text: 'A' } })
    const { recorded, errors } = news2RecordedOf([c])
    expect(errors.map((e) => e.name)).toEqual(Array(6).fill('News2ContextFormatError'))
    expect(errors.every((e) => e instanceof News2ContextFormatError)).toBe(true)
    expect(errors.map((e) => /Observation\/([\w-]+)/.exec(e.message)?.[1]).sort()).toEqual(['bad-acvpu', 'bad-date', 'bad-flow', 'bad-range', 'bad-status', 'bad-unit'])
    expect(recorded.consciousness.map((e) => e.ref)).toEqual([`Observation/${good.id}`])
    expect(recorded.oxygen).toEqual([])
    expect(recorded.scale2).toEqual([])
  })
})

describe('NEWS2 with the recorded context (RCP NEWS2 2017, chart 1 and 2)', () => {
  const none: News2Recorded = { consciousness: [], oxygen: [], scale2: [] }

  it('SpO2 90 % on air: scale 1 → 3 points (low–medium); scale 2 → 0 points (low)', () => {
    const scale1 = news2Of(90, none)
    expect(scale1?.summary).toBe('NEWS2 3: low–medium clinical risk')
    expect(scale1?.fired).toContain('spo2 3')
    const c = visit()
    record(c, { kind: 'spo2-scale-2' }, NOW - 5 * 24 * HOUR, 'Dr Karimova')
    const scale2 = news2Of(90, news2RecordedOf([c]).recorded)
    expect(scale2?.summary).toBe('NEWS2 0: low clinical risk')
    expect(scale2?.fired).toContain('spo2 0')
    expect(scale2?.fired).toContain(`SpO2 scale 2 (hypercapnic respiratory failure marked by Dr Karimova at ${iso(NOW - 5 * 24 * HOUR)})`)
    expect(scale2?.evidence.find((e) => e.what === 'spo2Scale')).toMatchObject({ value: 2, by: 'Dr Karimova' })
  })

  it('on oxygen adds 2, and the finding says who recorded it and when', () => {
    const c = visit()
    const at = NOW - 18 * MIN
    record(c, { kind: 'oxygen', onOxygen: true, flowLpm: 2 }, at, 'Dr X')
    const f = news2Of(97, news2RecordedOf([c]).recorded)
    expect(f?.summary).toBe('NEWS2 2: low clinical risk')
    expect(f?.fired).toContain('onOxygen 2')
    expect(f?.fired).toContain(`on oxygen (recorded by Dr X at ${iso(at)})`)
    expect(f?.fired).not.toContain('assumed air')
    expect(f?.evidence.find((e) => e.what === 'onOxygen')).toMatchObject({ value: 1, t: at, by: 'Dr X' })
  })

  it("ACVPU 'C' scores 3 and gives the low–medium band", () => {
    const c = visit()
    record(c, { kind: 'consciousness', value: 'C' }, NOW - 10 * MIN)
    const f = news2Of(97, news2RecordedOf([c]).recorded)
    expect(f?.summary).toBe('NEWS2 3: low–medium clinical risk')
    expect(f?.fired).toContain('consciousness 3')
    expect(f?.fired).toContain('consciousness C (recorded by Dr Karimova')
  })

  it('the newest entry within an hour of the set wins; older ones are assumed again', () => {
    const c = visit()
    record(c, { kind: 'oxygen', onOxygen: true, flowLpm: 4 }, NOW - 80 * MIN) // 50 min before the set: in
    record(c, { kind: 'oxygen', onOxygen: false }, NOW - 40 * MIN) // newest in the window: air
    expect(news2Of(97, news2RecordedOf([c]).recorded)?.fired).toContain('breathing air (recorded')
    const old = visit()
    record(old, { kind: 'oxygen', onOxygen: true, flowLpm: 4 }, NOW - 3 * HOUR) // 2.5 h before the set: expired
    record(old, { kind: 'consciousness', value: 'U' }, NOW - 2 * HOUR)
    const f = news2Of(97, news2RecordedOf([old]).recorded)
    expect(f?.summary).toBe('NEWS2 0: low clinical risk')
    expect(f?.fired).toContain('consciousness not recorded, assumed alert (A); oxygen not recorded, assumed air')
  })

  it('entries of several visit compartments count together, the newest winning', () => {
    const a = visit()
    const b = visit()
    record(a, { kind: 'consciousness', value: 'A' }, NOW - 35 * MIN, 'Dr A')
    record(b, { kind: 'consciousness', value: 'V' }, NOW - 25 * MIN, 'Dr B')
    const f = news2Of(97, news2RecordedOf([a, b]).recorded)
    expect(f?.fired).toContain('consciousness V (recorded by Dr B')
    expect(f?.summary).toBe('NEWS2 3: low–medium clinical risk')
  })
})
