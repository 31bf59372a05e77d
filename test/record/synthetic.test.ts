import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  compartmentFor,
  createSyntheticRecord,
  loadSyntheticRecord,
  SYNTHETIC_MONTH,
  SYNTHETIC_TEN_YEARS,
  validateResource,
  type SyntheticRecord
} from '../../src/record/index.ts'

const SMALL = { seed: 42, start: '2020-01-01', days: 400, resources: 1500, samples: 60_000 }

function digest(rec: SyntheticRecord): { resources: string; samples: string } {
  const r = createHash('sha256')
  for (const x of rec.resources()) r.update(JSON.stringify(x))
  const s = createHash('sha256')
  const buf = new Float64Array(2)
  rec.samples((code, device, t, value, unit) => {
    buf[0] = t
    buf[1] = value
    s.update(`${code}|${device}|${unit}`).update(new Uint8Array(buf.buffer))
  })
  return { resources: r.digest('hex'), samples: s.digest('hex') }
}

const SYSTEMS = new Set([
  'http://loinc.org',
  'http://snomed.info/sct',
  'http://www.nlm.nih.gov/research/umls/rxnorm',
  'http://hl7.org/fhir/sid/cvx',
  'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  'http://terminology.hl7.org/CodeSystem/observation-category',
  'http://terminology.hl7.org/CodeSystem/condition-category',
  'http://terminology.hl7.org/CodeSystem/condition-clinical',
  'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
  'http://terminology.hl7.org/CodeSystem/v2-0074',
  'urn:ietf:bcp:47'
])

function codings(value: unknown, out: { system?: string; code?: string; display?: string }[] = []): typeof out {
  if (Array.isArray(value)) for (const v of value) codings(v, out)
  else if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>
    if (typeof o['system'] === 'string' && typeof o['code'] === 'string' && o['system'] !== 'http://unitsofmeasure.org') out.push(o)
    for (const v of Object.values(o)) codings(v, out)
  }
  return out
}

describe('synthetic records', () => {
  it('are deterministic for a seed and differ between seeds', () => {
    const a = digest(createSyntheticRecord(SMALL))
    const b = digest(createSyntheticRecord(SMALL))
    const c = digest(createSyntheticRecord({ ...SMALL, seed: 43 }))
    expect(b).toEqual(a)
    expect(c.resources).not.toBe(a.resources)
    expect(c.samples).not.toBe(a.samples)
  })

  it('yield exactly the counts asked for; every resource passes validation with unique ids', () => {
    const rec = createSyntheticRecord(SMALL)
    const seen = new Set<string>()
    let n = 0
    const types = new Map<string, number>()
    for (const r of rec.resources()) {
      expect(() => validateResource(r, 1 << 20), `${r.resourceType}/${r.id}`).not.toThrow()
      const key = `${r.resourceType}/${r.id}`
      expect(seen.has(key), key).toBe(false)
      seen.add(key)
      types.set(r.resourceType, (types.get(r.resourceType) ?? 0) + 1)
      for (const c of codings(r)) {
        expect(SYSTEMS.has(c.system as string), c.system).toBe(true)
        if (c.system !== 'urn:ietf:bcp:47' && !c.system?.startsWith('http://terminology.hl7.org')) expect(c.display, `${c.system}|${c.code}`).toBeTruthy()
      }
      n++
    }
    expect(n).toBe(SMALL.resources)
    expect(rec.resourceCount).toBe(SMALL.resources)
    for (const t of ['Patient', 'Practitioner', 'Organization', 'Device', 'Condition', 'MedicationStatement', 'MedicationRequest', 'Observation', 'DiagnosticReport', 'Encounter', 'Composition', 'DocumentReference', 'Immunization']) {
      expect(types.get(t) ?? 0, t).toBeGreaterThan(0)
    }
    const perCode = new Map<string, number>()
    let last = new Map<string, number>()
    const count = rec.samples((code, device, t, value, unit) => {
      perCode.set(`${code} ${unit}`, (perCode.get(`${code} ${unit}`) ?? 0) + 1)
      expect(Number.isFinite(value)).toBe(true)
      const prev = last.get(`${code}/${device}`)
      if (prev !== undefined) expect(t).toBeGreaterThan(prev)
      last.set(`${code}/${device}`, t)
    })
    last = new Map()
    expect(count).toBe(SMALL.samples)
    expect(rec.sampleCount).toBe(SMALL.samples)
    expect([...perCode.keys()].sort()).toEqual(['55423-8 {steps}', '8867-4 /min', '99504-3 mg/dL'])
  })

  it('the patient has a name, a Tashkent address or another city, and a CGM user is diabetic', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const rec = createSyntheticRecord({ ...SMALL, seed })
      const p = rec.patient
      expect(p.name?.[0]?.family).toBeTruthy()
      expect(['Toshkent', 'Moskva', 'London']).toContain((p['address'] as { city: string }[])[0]?.city)
      const conditions = [...rec.resources()].filter((r) => r.resourceType === 'Condition').map((r) => (r['code'] as { coding: { code: string }[] }).coding[0]?.code)
      expect(conditions).toContain('44054006')
    }
  })

  it('loads into compartments by default route; the month demo has a visit and vitals', () => {
    const { compartments, record } = loadSyntheticRecord(SYNTHETIC_MONTH)
    let total = 0
    for (const [kind, c] of compartments) {
      for (const type of c.resources.types()) {
        for (const r of c.resources.list(type, { includeWithdrawn: true })) {
          expect(compartmentFor(r)).toBe(kind)
          total++
        }
      }
    }
    expect(total).toBe(record.resourceCount)
    expect(compartments.get('notes')?.resources.count('Encounter')).toBeGreaterThan(0)
    const vitals = compartments.get('vitals')!
    const hr = vitals.series.read('8867-4', undefined, record.start, record.start + record.days * 86_400_000)
    expect(hr.errors).toEqual([])
    expect(vitals.series.list().reduce((n, s) => n + s.chunks, 0)).toBeLessThan(200)
    const sum = vitals.series.list().map((s) => vitals.series.read(s.code, s.device, record.start, record.start + 31 * 86_400_000).series[0]!.times.length)
    expect(sum.reduce((a, b) => a + b, 0)).toBe(record.sampleCount)
    // the same seed loads byte-identical states
    const again = loadSyntheticRecord(SYNTHETIC_MONTH)
    for (const [kind, c] of compartments) expect(again.compartments.get(kind)!.encodeState()).toEqual(c.encodeState())
  })

  it('the 10-year preset is 50,000 resources and 5,000,000 samples', () => {
    const rec = createSyntheticRecord(SYNTHETIC_TEN_YEARS)
    expect(rec.resourceCount).toBe(50_000)
    expect(rec.sampleCount).toBe(5_000_000)
    let n = 0
    for (const _ of rec.resources()) n++
    expect(n).toBe(50_000)
  })
})
