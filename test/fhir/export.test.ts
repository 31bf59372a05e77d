import { describe, expect, it } from 'vitest'
import { buildIps, exportBundle, importBundle, readBundle, summaryHtml, LIST_EMPTY_REASON, type FhirBundle } from '../../src/fhir/index.ts'
import { validateResource, DEFAULT_MAX_RESOURCE_BYTES, type FhirResource } from '../../src/record/index.ts'
import { content, fixture, MINIMAL, NO_INFO, T0, testRecord, type TestRecord } from './helpers.ts'

const LOINC = 'http://loinc.org'
const CAT = 'http://terminology.hl7.org/CodeSystem/observation-category'
const PATIENT_ID = '7685713c-e29e-4a75-8a90-45be7ba3be94'

function imported(...names: string[]): TestRecord {
  const rec = testRecord()
  for (const n of names) importBundle(fixture(n), { compartment: rec.get })
  return rec
}

function allReferences(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) allReferences(v, out)
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') out.push(v)
      else allReferences(v, out)
    }
  }
  return out
}

function sectionByCode(ips: FhirBundle, code: string): Record<string, unknown> | undefined {
  const sections = (ips.entry[0]?.resource['section'] ?? []) as Array<Record<string, unknown>>
  return sections.find((s) => JSON.stringify(s['code']).includes(`"code":"${code}"`))
}

describe('exportBundle', () => {
  it('round trip: the IPS examples imported, exported, imported again give the same resources (meta aside)', () => {
    const rec = imported(MINIMAL, NO_INFO)
    const kinds = rec.kinds()
    const bundle = exportBundle(kinds.map(rec.get), { clock: () => T0 })
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection', timestamp: new Date(T0).toISOString() })
    expect(bundle.identifier.value).toMatch(/^urn:uuid:[0-9a-f-]{36}$/)
    expect(bundle.entry).toHaveLength(16)
    for (const e of bundle.entry) expect(e.fullUrl).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    // every reference to an exported resource points at its fullUrl
    const urls = new Set(bundle.entry.map((e) => e.fullUrl))
    const refs = allReferences(bundle.entry.map((e) => e.resource))
    expect(refs.length).toBeGreaterThan(10)
    for (const r of refs) expect(urls.has(r), r).toBe(true)

    const back = testRecord()
    const report = importBundle(JSON.parse(JSON.stringify(bundle)), { compartment: back.get })
    expect(report.rejected).toEqual([])
    expect(report.duplicates).toEqual([])
    expect(back.keys()).toEqual(rec.keys())
    const byKey = (r: TestRecord) => new Map(r.all().map((x) => [`${x.resourceType}/${x.id}`, content(x)]))
    expect(byKey(back)).toEqual(byKey(rec))
  })

  it('exports chosen compartments and types, and leaves withdrawn resources out when asked', () => {
    const rec = imported(MINIMAL)
    rec.get('core').resources.withdraw('Condition', 'ad84b7a2-b4dd-474e-bef3-0779e6cb595f')
    expect(exportBundle([rec.get('notes')]).entry.map((e) => e.resource.resourceType)).toEqual(['Composition'])
    expect(exportBundle([rec.get('core')], { types: ['Condition'] }).entry).toHaveLength(1)
    expect(exportBundle([rec.get('core')], { types: ['Condition'], includeWithdrawn: false }).entry).toHaveLength(0)
  })
})

describe('buildIps', () => {
  const patientOf = (rec: TestRecord): FhirResource => rec.get('core').resources.get('Patient', PATIENT_ID) as FhirResource
  const coreResources = (rec: TestRecord): FhirResource[] => {
    const core = rec.get('core').resources
    return core.types().flatMap((t) => core.list(t))
  }

  it('builds an IPS document from bundle-minimal: required sections, codes, references inside the Bundle, every entry valid', () => {
    const rec = imported(MINIMAL)
    const ips = buildIps(patientOf(rec), coreResources(rec), { clock: () => T0 })
    expect(ips.resourceType).toBe('Bundle')
    expect(ips.type).toBe('document')
    expect(ips.timestamp).toBe(new Date(T0).toISOString())
    expect(ips.identifier).toEqual({ system: 'urn:ietf:rfc:3986', value: expect.stringMatching(/^urn:uuid:/) as string })
    const comp = ips.entry[0]?.resource as FhirResource
    expect(comp.resourceType).toBe('Composition')
    expect(comp['type']).toEqual({ coding: [{ system: LOINC, code: '60591-5', display: 'Patient summary Document' }] })
    const patientEntry = ips.entry.find((e) => e.resource.resourceType === 'Patient')
    expect(comp['subject']).toEqual({ reference: patientEntry?.fullUrl })
    for (const code of ['10160-0', '48765-2', '11450-4']) {
      const s = sectionByCode(ips, code)
      expect(s, code).toBeDefined()
      expect((s?.['entry'] as unknown[]).length).toBe(1)
      expect(s?.['emptyReason']).toBeUndefined()
      expect(s?.['text']).toMatchObject({ status: 'generated', div: expect.stringMatching(/^<div xmlns="http:\/\/www.w3.org\/1999\/xhtml">.*<\/div>$/) as string })
    }
    expect(sectionByCode(ips, '11369-6')).toBeUndefined() // no immunizations: optional section left out
    expect(sectionByCode(ips, '10160-0')?.['text']).toMatchObject({ div: expect.stringContaining('anastrozole') as string })
    // every entry has a urn:uuid fullUrl, passes the record's validator, and every reference resolves inside the Bundle
    const urls = new Set(ips.entry.map((e) => e.fullUrl))
    for (const e of ips.entry) {
      expect(e.fullUrl).toMatch(/^urn:uuid:/)
      expect(() => validateResource(e.resource, DEFAULT_MAX_RESOURCE_BYTES), e.resource.resourceType).not.toThrow()
    }
    for (const r of allReferences(ips.entry.map((e) => e.resource))) expect(urls.has(r), r).toBe(true)
    // the Medication the statement refers to came along (without a section of its own)
    expect(ips.entry.map((e) => e.resource.resourceType).sort()).toEqual(['AllergyIntolerance', 'Composition', 'Condition', 'Medication', 'MedicationStatement', 'Patient'])
    // and our reader reads it back
    expect(readBundle(ips).rejected).toEqual([])
  })

  it('empty required sections carry emptyReason as in the IPS example bundle-no-info-required-sections', () => {
    const rec = imported(MINIMAL)
    const ips = buildIps(patientOf(rec), [])
    const example = readBundle(fixture(NO_INFO)).resources[0] as Record<string, unknown>
    const exampleAllergies = (example['section'] as Array<Record<string, unknown>>).find((s) => JSON.stringify(s['code']).includes('48765-2'))
    const exampleCoding = (exampleAllergies?.['emptyReason'] as { coding: Array<{ system: string; code: string }> }).coding[0]
    for (const code of ['10160-0', '48765-2', '11450-4']) {
      const s = sectionByCode(ips, code)
      expect(s?.['entry']).toBeUndefined()
      const coding = (s?.['emptyReason'] as { coding: Array<{ system: string; code: string }> }).coding[0]
      expect(coding?.system).toBe(LIST_EMPTY_REASON)
      expect({ system: coding?.system, code: coding?.code }).toEqual({ system: exampleCoding?.system, code: exampleCoding?.code })
      expect(s?.['text']).toMatchObject({ status: 'generated' })
    }
    expect(ips.entry.map((e) => e.resource.resourceType)).toEqual(['Composition', 'Patient'])
  })

  it('leaves withdrawn (entered-in-error) resources out', () => {
    const rec = imported(MINIMAL)
    rec.get('core').resources.withdraw('Condition', 'ad84b7a2-b4dd-474e-bef3-0779e6cb595f', 'wrong patient')
    const all = rec.get('core').resources.list('Condition', { includeWithdrawn: true })
    expect(all).toHaveLength(1)
    const ips = buildIps(patientOf(rec), [...coreResources(rec), ...all])
    expect(ips.entry.some((e) => e.resource.resourceType === 'Condition')).toBe(false)
    expect(sectionByCode(ips, '11450-4')?.['emptyReason']).toBeDefined()
  })

  it('adds immunizations, results, vital signs and procedures when present; escapes narrative', () => {
    const rec = imported(MINIMAL)
    const p = `Patient/${PATIENT_ID}`
    const extra: FhirResource[] = [
      { resourceType: 'Immunization', id: 'imm', status: 'completed', vaccineCode: { text: 'Influenza' }, patient: { reference: p }, occurrenceDateTime: '2023-10-01' },
      { resourceType: 'Observation', id: 'hb', status: 'final', category: [{ coding: [{ system: CAT, code: 'laboratory' }] }], code: { coding: [{ system: LOINC, code: '718-7', display: 'Hemoglobin' }] }, subject: { reference: p }, valueQuantity: { value: 13.2, unit: 'g/dL' } },
      { resourceType: 'Observation', id: 'bp', status: 'final', category: [{ coding: [{ system: CAT, code: 'vital-signs' }] }], code: { coding: [{ system: LOINC, code: '85354-9' }] }, subject: { reference: p }, component: [{ code: { text: 'sys' }, valueQuantity: { value: 120, unit: 'mm[Hg]' } }, { code: { text: 'dia' }, valueQuantity: { value: 80, unit: 'mm[Hg]' } }] },
      { resourceType: 'Procedure', id: 'proc', status: 'completed', code: { text: '<script>alert(1)</script> & co' }, subject: { reference: p } }
    ]
    const ips = buildIps(patientOf(rec), [...coreResources(rec), ...extra])
    expect((sectionByCode(ips, '11369-6')?.['entry'] as unknown[]).length).toBe(1)
    expect((sectionByCode(ips, '30954-2')?.['entry'] as unknown[]).length).toBe(1)
    expect((sectionByCode(ips, '8716-3')?.['entry'] as unknown[]).length).toBe(1)
    expect((sectionByCode(ips, '47519-4')?.['entry'] as unknown[]).length).toBe(1)
    expect(String((sectionByCode(ips, '8716-3')?.['text'] as { div: string }).div)).toContain('120 mm[Hg] / 80 mm[Hg]')
    const div = (sectionByCode(ips, '47519-4')?.['text'] as { div: string }).div
    expect(div).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; co')
    expect(div).not.toContain('<script>')
    for (const e of ips.entry) expect(() => validateResource(e.resource, DEFAULT_MAX_RESOURCE_BYTES)).not.toThrow()

    const html = summaryHtml(ips)
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true)
    expect(html).toContain('Martha DeLarosa')
    expect(html).toContain('Born 1972-05-01')
    for (const title of ['Medication Summary', 'Allergies and Intolerances', 'Problem List', 'Immunizations', 'History of Procedures', 'Vital Signs', 'Results']) expect(html).toContain(title)
    expect(html).toContain('anastrozole')
    expect(html).not.toContain('<script>')
    expect(html).toContain('&lt;script&gt;')
  })

  it('the printable summary says "No information available" for empty required sections', () => {
    const rec = imported(MINIMAL)
    const html = summaryHtml(buildIps(patientOf(rec), []))
    expect(html.match(/No information available/g)).toHaveLength(3)
    expect(() => summaryHtml(exportBundle([rec.get('core')]))).toThrow(TypeError)
  })

  it('an IPS imported back into its own record adds only its Composition', () => {
    const rec = imported(MINIMAL)
    const before = rec.keys()
    const report = importBundle(JSON.parse(JSON.stringify(buildIps(patientOf(rec), coreResources(rec)))), { compartment: rec.get })
    expect(report.stored.map((s) => s.resourceType)).toEqual(['Composition'])
    expect(report.duplicates).toHaveLength(5)
    expect(rec.keys().filter((k) => !before.includes(k))).toHaveLength(1)
  })

  it('refuses a patient that is not a valid Patient', () => {
    expect(() => buildIps({ resourceType: 'Patient' }, [])).toThrow(expect.objectContaining({ name: 'ResourceInvalidError' }) as Error)
    expect(() => buildIps({ resourceType: 'Practitioner', id: 'x' }, [])).toThrow(TypeError)
  })
})
