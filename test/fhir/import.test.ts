import fc from 'fast-check'
import { fuzzRuns } from '../helpers/fuzz.ts'
import { describe, expect, it } from 'vitest'
import { importBundle, BundleFormatError, isSensitive, isSensitiveCoding } from '../../src/fhir/index.ts'
import { fixture, MINIMAL, NO_INFO, testRecord } from './helpers.ts'

const LOINC = 'http://loinc.org'
const VS = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }

function bundle(entry: unknown[], type = 'collection'): Record<string, unknown> {
  return { resourceType: 'Bundle', type, entry }
}

describe('importBundle: the IPS examples', () => {
  it('stores every resource of bundle-minimal, routed, with urn:uuid references rewritten to Type/id', () => {
    const rec = testRecord()
    const report = importBundle(fixture(MINIMAL), { compartment: rec.get })
    expect(report.total).toBe(8)
    expect(report.rejected).toEqual([])
    expect(report.duplicates).toEqual([])
    expect(report.unresolved).toEqual([])
    expect(report.stored).toHaveLength(8)
    expect(rec.kinds()).toEqual(['core', 'notes'])
    const ms = rec.get('core').resources.get('MedicationStatement', '6e883e5e-7648-485a-86de-3640a61601fe')
    expect(ms?.['subject']).toEqual({ reference: 'Patient/7685713c-e29e-4a75-8a90-45be7ba3be94' })
    expect(ms?.['medicationReference']).toEqual({ reference: 'Medication/6369a973-afc7-4617-8877-3e9811e05a5b' })
    // the document's Composition is kept (notes: visit notes and compositions), its section entries rewritten
    const comp = rec.get('notes').resources.get('Composition', '6e1fb74a-742b-4c7b-8487-171dacb88766')
    const refs = JSON.stringify(comp)
    expect(refs).not.toContain('urn:uuid:')
    expect(refs).toContain('"reference":"AllergyIntolerance/fe2769fd-22c9-4307-9122-ee0466e5aebb"')
  })

  it('resolves relative references against RESTful fullUrls (bundle-no-info-required-sections)', () => {
    const rec = testRecord()
    const report = importBundle(fixture(NO_INFO), { compartment: rec.get })
    expect(report.stored).toHaveLength(8)
    expect(report.rejected).toEqual([])
    const imm = rec.get('core').resources.list('Immunization')
    expect(imm).toHaveLength(2)
    for (const i of imm) expect(i['patient']).toEqual({ reference: 'Patient/AAA1234' })
    expect(rec.get('core').resources.get('PractitionerRole', 'f54d8c90-aea2-46b0-8f7a-8683db78344e')).toBeUndefined()
    // PractitionerRole is a type the record does not know: kept, in notes (kinds.ts: "types this layer does not know")
    expect(rec.get('notes').resources.get('PractitionerRole', 'f54d8c90-aea2-46b0-8f7a-8683db78344e')?.resourceType).toBe('PractitionerRole')
  })

  it('a second import of the same file stores nothing and reports every entry as a duplicate', () => {
    for (const name of [MINIMAL, NO_INFO]) {
      const rec = testRecord()
      importBundle(fixture(name), { compartment: rec.get })
      const before = rec.keys()
      const again = importBundle(fixture(name), { compartment: rec.get })
      expect(again.stored).toEqual([])
      expect(again.duplicates).toHaveLength(8)
      expect(again.duplicates.every((d) => d.reason === 'duplicate')).toBe(true)
      expect(rec.keys()).toEqual(before)
      // versions were not bumped by the second import
      for (const r of rec.all()) expect(r.meta?.versionId).toBe('1')
    }
  })

  it('the same content under other ids (another export of it) is a duplicate once its references resolve', () => {
    type B = { entry: Array<{ fullUrl: string; resource: Record<string, unknown> }> }
    const first = fixture(MINIMAL) as B
    // identifiers removed, in both imports, so that only content can match
    for (const e of first.entry) delete e.resource['identifier']
    const rec = testRecord()
    importBundle(first, { compartment: rec.get })
    const b = fixture(MINIMAL) as B
    // the same data with fresh urn:uuids and no ids, as another system would send it
    const map = new Map(b.entry.map((e, i) => [e.fullUrl, `urn:uuid:00000000-0000-4000-8000-00000000000${i}`]))
    const text = JSON.stringify(b).replace(/urn:uuid:[0-9a-f-]{36}/g, (m) => map.get(m) ?? m)
    const other = JSON.parse(text) as typeof b
    for (const e of other.entry) {
      delete e.resource['id']
      delete e.resource['identifier']
    }
    const report = importBundle(other, { compartment: rec.get })
    expect(report.stored).toEqual([])
    expect(report.duplicates.map((d) => d.by)).toEqual(Array(8).fill('content'))
    expect(report.duplicates.find((d) => d.index === 5)?.key).toBe('MedicationStatement/6e883e5e-7648-485a-86de-3640a61601fe')
  })

  it('a re-import does not bring back a resource the user withdrew', () => {
    const rec = testRecord()
    importBundle(fixture(MINIMAL), { compartment: rec.get })
    rec.get('core').resources.withdraw('Condition', 'ad84b7a2-b4dd-474e-bef3-0779e6cb595f', 'not mine')
    const again = importBundle(fixture(MINIMAL), { compartment: rec.get })
    expect(again.stored).toEqual([])
    expect(rec.get('core').resources.list('Condition')).toEqual([])
  })
})

describe('importBundle: ids, references, routes', () => {
  it('gives invalid, missing and repeated ids stable new ids and rewrites references consistently', () => {
    const entries = [
      { fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111', resource: { resourceType: 'Patient', id: 'bad id!' } },
      { resource: { resourceType: 'Observation', status: 'final', code: { text: 'note' }, subject: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' } } },
      { resource: { resourceType: 'Observation', id: 'dup', status: 'final', code: { text: 'a' }, subject: { reference: 'Patient/bad id!' } } },
      { resource: { resourceType: 'Observation', id: 'dup', status: 'final', code: { text: 'b' } } }
    ]
    const rec1 = testRecord()
    const r1 = importBundle(bundle(entries), { compartment: rec1.get })
    const rec2 = testRecord()
    const r2 = importBundle(bundle(entries), { compartment: rec2.get })
    expect(r1.stored.map((s) => s.id)).toEqual(r2.stored.map((s) => s.id)) // stable
    const [p, o1, o2, o3] = r1.stored
    expect(p?.originalId).toBe('bad id!')
    expect(p?.id).toMatch(/^[0-9a-f]{32}$/)
    expect(o1?.id).toMatch(/^[0-9a-f]{32}$/)
    expect(o2?.id).toBe('dup')
    expect(o3?.id).not.toBe('dup')
    expect(o3?.originalId).toBe('dup')
    const results = rec1.get('results').resources
    expect(results.get('Observation', o1?.id as string)?.['subject']).toEqual({ reference: `Patient/${p?.id}` })
    expect(results.get('Observation', 'dup')?.['subject']).toEqual({ reference: `Patient/${p?.id}` })
  })

  it('an id taken in the record by another resource (another source) gets a new id; the record keeps its own', () => {
    const rec = testRecord()
    rec.get('results').resources.put({ resourceType: 'Observation', id: '1', status: 'final', code: { text: 'mine' } })
    const report = importBundle(
      bundle([
        { fullUrl: 'http://lab.example/fhir/Observation/1', resource: { resourceType: 'Observation', id: '1', status: 'final', code: { text: 'lab' } } },
        { resource: { resourceType: 'DiagnosticReport', id: 'r', status: 'final', code: { text: 'panel' }, result: [{ reference: 'http://lab.example/fhir/Observation/1' }] } }
      ]),
      { compartment: rec.get }
    )
    const newId = report.stored[0]?.id as string
    expect(newId).not.toBe('1')
    expect(report.stored[0]?.originalId).toBe('1')
    expect(rec.get('results').resources.get('Observation', '1')?.['code']).toEqual({ text: 'mine' })
    expect(rec.get('results').resources.get('DiagnosticReport', 'r')?.['result']).toEqual([{ reference: `Observation/${newId}` }])
  })

  it('keeps resource types the record does not know (stored in notes)', () => {
    const rec = testRecord()
    const report = importBundle(bundle([{ resource: { resourceType: 'CarePlan', id: 'cp', status: 'active', intent: 'plan' } }]), { compartment: rec.get })
    expect(report.stored).toEqual([expect.objectContaining({ kind: 'notes', key: 'CarePlan/cp' })])
  })

  it('routes mental, sexual and reproductive health to sensitive', () => {
    const rec = testRecord()
    const icd = (code: string) => ({ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code }] })
    const report = importBundle(
      bundle([
        { resource: { resourceType: 'Condition', id: 'dep', subject: { reference: 'Patient/p' }, code: icd('F32.1') } },
        { resource: { resourceType: 'Condition', id: 'hiv', subject: { reference: 'Patient/p' }, code: { coding: [{ system: 'http://snomed.info/sct', code: '86406008' }] } } },
        { resource: { resourceType: 'Observation', id: 'preg', status: 'final', code: { coding: [{ system: LOINC, code: '82810-3' }] } } },
        { resource: { resourceType: 'Condition', id: 'flu', subject: { reference: 'Patient/p' }, code: icd('J10.1') } },
        { resource: { resourceType: 'Observation', id: 'hr', status: 'final', category: [VS], code: { coding: [{ system: LOINC, code: '8867-4' }] } } },
        { fullUrl: 'urn:uuid:22222222-2222-4222-8222-222222222222', resource: { resourceType: 'Medication', id: 'sertraline', code: { coding: [{ system: 'http://www.whocc.no/atc', code: 'N06AB06' }] } } },
        { resource: { resourceType: 'MedicationStatement', id: 'ms', status: 'active', subject: { reference: 'Patient/p' }, medicationReference: { reference: 'urn:uuid:22222222-2222-4222-8222-222222222222' } } }
      ]),
      { compartment: rec.get }
    )
    const kinds = Object.fromEntries(report.stored.map((s) => [s.id, s.kind]))
    expect(kinds).toEqual({ dep: 'sensitive', hiv: 'sensitive', preg: 'sensitive', flu: 'core', hr: 'vitals', sertraline: 'sensitive', ms: 'sensitive' })
    expect(isSensitive({ resourceType: 'Patient', id: 'p', meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' }] } })).toBe(false)
    expect(isSensitive({ resourceType: 'DocumentReference', meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' }] } })).toBe(true)
  })

  it('the sensitive code list: ICD-10 ranges at their edges, SNOMED, LOINC, ATC prefixes', () => {
    const icd = (code: string) => isSensitiveCoding({ system: 'http://hl7.org/fhir/sid/icd-10-cm', code })
    expect(['F00', 'F99.9', 'f32.1', 'B20', 'B24', 'Z21', 'O00.1', 'O99.89', 'O9A.1', 'Z30.0', 'Z3A.20', 'A54.9', 'N97.0', 'X71', 'Z71.7', 'Z20.6'].filter((c) => !icd(c))).toEqual([])
    expect(['E99', 'G00', 'B19', 'B25', 'Z22', 'N99', 'Z40', 'A49', 'A65', 'X59', 'X85', 'Z71.6', 'J10.1', 'not-a-code'].filter((c) => icd(c))).toEqual([])
    expect(isSensitiveCoding({ system: 'http://snomed.info/sct', code: '35489007' })).toBe(true)
    expect(isSensitiveCoding({ system: 'http://snomed.info/sct', code: '38341003' })).toBe(false) // hypertension
    expect(isSensitiveCoding({ system: 'http://www.whocc.no/atc', code: 'J05AR03' })).toBe(true)
    expect(isSensitiveCoding({ system: 'http://www.whocc.no/atc', code: 'J05AB01' })).toBe(false) // aciclovir
    expect(isSensitiveCoding({ system: 'http://loinc.org', code: '8867-4' })).toBe(false)
    expect(isSensitiveCoding({ code: 'F32' })).toBe(false) // no system: unknown meaning
  })

  it('reports entries the record refuses with their index and the named field error, and stores the rest', () => {
    const rec = testRecord()
    const report = importBundle(
      bundle([
        { resource: { resourceType: 'Observation', id: 'ok', status: 'final', code: { text: 'x' } } },
        { resource: { resourceType: 'Observation', id: 'nocode', status: 'final' } },
        { resource: { resourceType: 'Observation', id: 'badstatus', status: 'done', code: { text: 'x' } } },
        {},
        { resource: { resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/p' } } }
      ]),
      { compartment: rec.get }
    )
    expect(report.stored.map((s) => s.index)).toEqual([0, 4])
    expect(report.rejected).toEqual([
      { index: 1, reason: 'ResourceInvalidError: Observation.code is required', field: 'Observation.code' },
      expect.objectContaining({ index: 2, field: 'Observation.status' }),
      expect.objectContaining({ index: 3, reason: 'entry has no resource' })
    ])
  })

  it('reports urn:uuid references to nothing in the Bundle, and keeps references to the record', () => {
    const rec = testRecord()
    const report = importBundle(
      bundle([{ resource: { resourceType: 'Condition', id: 'c', subject: { reference: 'urn:uuid:33333333-3333-4333-8333-333333333333' }, asserter: { reference: 'Practitioner/already-here' } } }]),
      { compartment: rec.get }
    )
    expect(report.unresolved).toEqual([{ index: 0, reference: 'urn:uuid:33333333-3333-4333-8333-333333333333' }])
    expect(rec.get('core').resources.get('Condition', 'c')?.['asserter']).toEqual({ reference: 'Practitioner/already-here' })
  })

  it('reports progress up to the total, and writes one update per compartment', () => {
    const rec = testRecord()
    const n = 300
    const entries = Array.from({ length: n }, (_, i) => ({ resource: { resourceType: 'Observation', id: `o${i}`, status: 'final', category: [VS], code: { coding: [{ system: LOINC, code: '8867-4' }] }, valueQuantity: { value: 60 + (i % 40) }, effectiveDateTime: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString() } }))
    let updates = 0
    rec.get('vitals').onUpdate(() => updates++)
    const progress: Array<[number, number]> = []
    importBundle(bundle(entries), { compartment: rec.get, onProgress: (done, total) => progress.push([done, total]) })
    expect(progress.at(-1)).toEqual([n, n])
    expect(progress.length).toBeGreaterThanOrEqual(n)
    expect(progress.every(([d], i) => i === 0 || d >= (progress[i - 1] as [number, number])[0])).toBe(true)
    expect(updates).toBe(1)
    expect(rec.get('vitals').resources.count('Observation')).toBe(n)
  })

  it('duplicates inside one Bundle are stored once; identifiers match across content changes', () => {
    const rec = testRecord()
    const obs = { resourceType: 'Observation', status: 'final', code: { text: 'x' } }
    const report = importBundle(
      bundle([
        { resource: { ...obs, id: 'a' } },
        { resource: { ...obs, id: 'b' } },
        { resource: { resourceType: 'Condition', id: 'c1', identifier: [{ system: 'urn:s', value: '1' }], subject: { reference: 'Patient/p' } } },
        { resource: { resourceType: 'Condition', id: 'c2', identifier: [{ system: 'urn:s', value: '1' }], subject: { reference: 'Patient/p' }, note: [{ text: 'updated' }] } }
      ]),
      { compartment: rec.get }
    )
    expect(report.stored.map((s) => s.id)).toEqual(['a', 'c1'])
    expect(report.duplicates).toEqual([
      { index: 1, reason: 'duplicate', by: 'content', kind: 'results', key: 'Observation/a' },
      { index: 3, reason: 'duplicate', by: 'identifier', kind: 'core', key: 'Condition/c1' }
    ])
  })

  it('throws BundleFormatError for a non-Bundle', () => {
    expect(() => importBundle({ resourceType: 'Patient', id: 'p' }, { compartment: testRecord().get })).toThrow(BundleFormatError)
  })
})

describe('importBundle: adversarial bundles (property)', () => {
  const id = fc.oneof(fc.constantFrom('a', 'b', 'c', 'bad id', '', 'x'.repeat(70)), fc.constant(undefined))
  const ref = fc.oneof(
    fc.constantFrom('urn:uuid:00000000-0000-4000-8000-000000000001', 'urn:uuid:00000000-0000-4000-8000-000000000002', 'Patient/a', 'Patient/bad id', 'Observation/b', 'http://x.example/fhir/Patient/a', '#contained'),
    fc.string({ maxLength: 12 })
  )
  const resource = fc.oneof(
    fc.record({ resourceType: fc.constant('Patient'), id, gender: fc.constantFrom('female', 'male', 'bogus') }, { requiredKeys: ['resourceType'] }),
    fc.record({ resourceType: fc.constant('Observation'), id, status: fc.constantFrom('final', 'nope'), code: fc.constantFrom({ text: 'hr' }, { text: 'bp' }), subject: ref.map((reference) => ({ reference })) }, { requiredKeys: ['resourceType', 'status'] }),
    fc.record({ resourceType: fc.constant('Condition'), id, subject: ref.map((reference) => ({ reference })), identifier: fc.constantFrom([{ system: 'urn:s', value: '1' }], [{ system: 'urn:s', value: '2' }], undefined) }, { requiredKeys: ['resourceType'] }),
    fc.record({ resourceType: fc.constantFrom('CarePlan', 'lowercase', ''), id }, { requiredKeys: ['resourceType'] })
  )
  const entry = fc.oneof(
    { weight: 8, arbitrary: fc.record({ fullUrl: fc.constantFrom('urn:uuid:00000000-0000-4000-8000-000000000001', 'urn:uuid:00000000-0000-4000-8000-000000000002', 'http://x.example/fhir/Patient/a', undefined), resource }, { requiredKeys: ['resource'] }) },
    { weight: 1, arbitrary: fc.constantFrom({}, null, 'junk', { resource: 7 }, { request: { method: 'DELETE' } }) }
  )

  it('recognises a re-import whose entries point at each other (found by the property below, seed 1177157866)', () => {
    const entries = [
      { resource: { resourceType: 'Condition', subject: { reference: 'urn:uuid:00000000-0000-4000-8000-000000000002' } } },
      { fullUrl: 'urn:uuid:00000000-0000-4000-8000-000000000002', resource: { resourceType: 'Condition', subject: { reference: 'urn:uuid:00000000-0000-4000-8000-000000000002' } } }
    ]
    const rec = testRecord()
    const b = () => JSON.parse(JSON.stringify(bundle(entries))) as unknown
    importBundle(b(), { compartment: rec.get })
    const keys = rec.keys()
    expect(importBundle(b(), { compartment: rec.get }).stored).toEqual([])
    expect(rec.keys()).toEqual(keys)
  })

  it('never throws for a Bundle, accounts for every entry, and a second import stores nothing', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), (entries) => {
        const rec = testRecord()
        const b = () => JSON.parse(JSON.stringify(bundle(entries))) as unknown
        const r1 = importBundle(b(), { compartment: rec.get })
        expect(r1.total).toBe(entries.length)
        const indexes = [...r1.stored, ...r1.duplicates, ...r1.rejected].map((e) => e.index).sort((x, y) => x - y)
        expect(indexes).toEqual(entries.map((_, i) => i))
        const keys = rec.keys()
        const r2 = importBundle(b(), { compartment: rec.get })
        expect(r2.stored).toEqual([])
        expect(r2.rejected.map((e) => e.index)).toEqual(r1.rejected.map((e) => e.index))
        expect(rec.keys()).toEqual(keys)
      }),
      { numRuns: fuzzRuns(200, 5000) }
    )
  })
})
