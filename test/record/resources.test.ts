import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as Y from 'yjs'
import {
  INDEX_HEADER,
  ALLERGY_VERIFICATION,
  CONDITION_VER_STATUS,
  ResourceInvalidError,
  ResourceNotFoundError,
  WITHDRAWAL_REASON_URL,
  WithdrawNotSupportedError,
  type FhirResource
} from '../../src/record/index.ts'
import { compartment, content, LOINC, OBS_CAT, observation, T0, validResources } from './helpers.ts'
import { entryOf, entryOfHeader, jsonStart, withIndexHeader } from '../../src/record/resource-index.ts'

const ids = (rs: readonly FhirResource[]): string[] => rs.map((r) => r.id)

describe('put / get', () => {
  it('assigns an incrementing meta.versionId and lastUpdated from the clock', () => {
    let now = Date.UTC(2024, 0, 1)
    const c = compartment({ clock: () => now })
    const v1 = c.resources.put(observation('o1', '2024-01-01T08:00:00Z'))
    expect(v1.meta).toEqual({ versionId: '1', lastUpdated: '2024-01-01T00:00:00.000Z' })
    now += 60_000
    const v2 = c.resources.put({ ...observation('o1', '2024-01-01T08:00:00Z'), meta: { versionId: '99', source: 'urn:import' } })
    expect(v2.meta).toEqual({ versionId: '2', lastUpdated: '2024-01-01T00:01:00.000Z', source: 'urn:import' })
    expect(c.resources.get('Observation', 'o1')).toEqual(v2)
  })

  it('returns undefined for a missing resource, and keeps types apart under the same id', () => {
    const c = compartment()
    c.resources.put({ resourceType: 'Patient', id: 'x1' })
    expect(c.resources.get('Observation', 'x1')).toBeUndefined()
    expect(c.resources.get('Patient', 'x1')?.resourceType).toBe('Patient')
    expect(c.resources.types()).toEqual(['Patient'])
    expect(c.resources.count()).toBe(1)
  })

  it('rejects malformed type or id on read', () => {
    const c = compartment()
    expect(() => c.resources.get('patient', 'x')).toThrow(ResourceInvalidError)
    expect(() => c.resources.get('Patient', 'a/b')).toThrow(ResourceInvalidError)
  })
})

describe('list', () => {
  function filled(): ReturnType<typeof compartment> {
    const c = compartment()
    c.resources.put(observation('hr-3', '2024-03-01T08:00:00Z'))
    c.resources.put(observation('hr-1', '2024-01-01T08:00:00+05:00'))
    c.resources.put(observation('hr-2', '2024-02-01'))
    c.resources.put(observation('lab-1', '2024-02-10T09:00:00Z', '4548-4', 'laboratory'))
    c.resources.put({ ...observation('lab-2', '2024-02-11T09:00:00Z', '4548-4', 'laboratory'), effectiveDateTime: undefined, issued: '2024-02-12T09:00:00Z' })
    c.resources.put({ ...observation('p-1', '2024-01-01', '85354-9'), effectiveDateTime: undefined, effectivePeriod: { start: '2024-01-20T10:00:00Z', end: '2024-01-20T11:00:00Z' } })
    c.resources.put({ resourceType: 'Observation', id: 'nodate', status: 'final', code: { coding: [{ system: LOINC, code: '8867-4' }] } })
    c.resources.put(validResources()['Condition'] as FhirResource)
    return c
  }

  it('lists one type, ordered by clinical date then id, undated last', () => {
    expect(ids(filled().resources.list('Observation'))).toEqual(['hr-1', 'p-1', 'hr-2', 'lab-1', 'lab-2', 'hr-3', 'nodate'])
    expect(ids(filled().resources.list('Condition'))).toEqual(['c1'])
    expect(filled().resources.list('Encounter')).toEqual([])
  })

  it('filters a half-open date range [from, to) on effective[x] / issued', () => {
    const c = filled()
    expect(ids(c.resources.list('Observation', { from: '2024-02-01', to: '2024-02-12T09:00:00Z' }))).toEqual(['hr-2', 'lab-1'])
    expect(ids(c.resources.list('Observation', { from: Date.parse('2024-02-12T09:00:00Z') }))).toEqual(['lab-2', 'hr-3'])
    expect(ids(c.resources.list('Observation', { to: '2024-01-31' }))).toEqual(['hr-1', 'p-1'])
    expect(() => c.resources.list('Observation', { from: 'soon' })).toThrow(RangeError)
  })

  it('filters by code: system|code, bare code, system|', () => {
    const c = filled()
    expect(ids(c.resources.list('Observation', { code: `${LOINC}|4548-4` }))).toEqual(['lab-1', 'lab-2'])
    expect(ids(c.resources.list('Observation', { code: '85354-9' }))).toEqual(['p-1'])
    expect(ids(c.resources.list('Observation', { code: ['85354-9', '4548-4'] }))).toEqual(['p-1', 'lab-1', 'lab-2'])
    expect(c.resources.list('Observation', { code: `${LOINC}|` })).toHaveLength(7)
    expect(c.resources.list('Observation', { code: 'urn:other|4548-4' })).toHaveLength(0)
  })

  it('filters by category and combines filters', () => {
    const c = filled()
    expect(ids(c.resources.list('Observation', { category: `${OBS_CAT}|laboratory` }))).toEqual(['lab-1', 'lab-2'])
    expect(ids(c.resources.list('Observation', { category: 'vital-signs', from: '2024-01-15', code: '8867-4' }))).toEqual(['hr-2', 'hr-3'])
    expect(ids(c.resources.list('Observation', { limit: 2 }))).toEqual(['hr-1', 'p-1'])
  })

  it('uses the type-specific clinical date', () => {
    const c = compartment()
    const r = validResources()
    c.resources.put({ ...r['Condition'], id: 'c-onset', onsetDateTime: '2020-05-01', recordedDate: '2023-01-01' } as FhirResource)
    c.resources.put({ ...r['Condition'], id: 'c-rec', recordedDate: '2021-05-01' } as FhirResource)
    c.resources.put({ ...r['Immunization'], occurrenceDateTime: '2021-10-10' } as FhirResource)
    c.resources.put({ ...r['Encounter'], period: { start: '2021-06-01T09:00:00Z' } } as FhirResource)
    c.resources.put({ ...r['MedicationStatement'], effectivePeriod: { start: '2019-01-01', end: '2021-01-01' } } as FhirResource)
    c.resources.put({ ...r['DocumentReference'], date: '2021-03-03T10:00:00Z' } as FhirResource)
    c.resources.put({ ...r['Procedure'], performedPeriod: { start: '2021-04-04' } } as FhirResource)
    c.resources.put({ ...r['AllergyIntolerance'], recordedDate: '2021-02-02' } as FhirResource)
    const in2021 = { from: '2021-01-01', to: '2022-01-01' }
    expect(ids(c.resources.list('Condition', in2021))).toEqual(['c-rec'])
    expect(ids(c.resources.list('Condition', { to: '2020-12-31' }))).toEqual(['c-onset'])
    for (const type of ['Immunization', 'Encounter', 'DocumentReference', 'Procedure', 'AllergyIntolerance']) {
      expect(c.resources.list(type, in2021), type).toHaveLength(1)
    }
    expect(c.resources.list('MedicationStatement', in2021)).toHaveLength(0)
    expect(c.resources.list('MedicationStatement', { from: '2019-01-01', to: '2019-01-02' })).toHaveLength(1)
  })

  it('filters by status (Condition: clinicalStatus) and leaves withdrawn out unless asked', () => {
    const c = filled()
    c.resources.put({ ...observation('pre', '2024-04-01'), status: 'preliminary' })
    expect(ids(c.resources.list('Observation', { status: 'preliminary' }))).toEqual(['pre'])
    c.resources.withdraw('Observation', 'hr-2')
    expect(ids(c.resources.list('Observation', { from: '2024-02-01', to: '2024-02-02' }))).toEqual([])
    expect(ids(c.resources.list('Observation', { from: '2024-02-01', to: '2024-02-02', includeWithdrawn: true }))).toEqual(['hr-2'])
    expect(ids(c.resources.list('Observation', { status: 'entered-in-error' }))).toEqual(['hr-2'])
    const sys = 'http://terminology.hl7.org/CodeSystem/condition-clinical'
    c.resources.put({ ...validResources()['Condition'], id: 'c-active', clinicalStatus: { coding: [{ system: sys, code: 'active' }] } } as FhirResource)
    expect(ids(c.resources.list('Condition', { status: 'active' }))).toEqual(['c-active'])
  })

  it('keeps the index right through edits, small and in bulk', () => {
    const c = compartment()
    c.batch(() => {
      for (let i = 0; i < 500; i++) c.resources.put(observation(`o${i}`, new Date(T0 + i * 3_600_000).toISOString()))
    })
    expect(c.resources.list('Observation', { from: T0, to: T0 + 10 * 3_600_000 })).toHaveLength(10)
    // one edit moves o3 out of the window (incremental path)
    c.resources.put(observation('o3', '2030-01-01'))
    expect(ids(c.resources.list('Observation', { from: T0, to: T0 + 5 * 3_600_000 }))).toEqual(['o0', 'o1', 'o2', 'o4'])
    expect(ids(c.resources.list('Observation', { from: '2030-01-01' }))).toEqual(['o3'])
    // many edits at once (rebuild path)
    c.batch(() => {
      for (let i = 0; i < 400; i++) c.resources.put(observation(`o${i}`, '2031-01-01', '4548-4'))
    })
    expect(c.resources.list('Observation', { from: '2031-01-01', code: '4548-4' })).toHaveLength(400)
    expect(c.resources.list('Observation', { code: '8867-4' })).toHaveLength(100)
    expect(c.resources.count('Observation')).toBe(500)
  })
})

describe('withdraw', () => {
  it.each(['Observation', 'MedicationStatement', 'MedicationRequest', 'Immunization', 'Procedure', 'DiagnosticReport', 'Encounter', 'DocumentReference', 'Composition', 'Flag', 'DetectedIssue', 'Consent'])(
    '%s: sets status entered-in-error as a new version',
    (type) => {
      const c = compartment()
      const r = validResources()[type] as FhirResource
      c.resources.put(r)
      const w = c.resources.withdraw(type, r.id)
      expect(w['status']).toBe('entered-in-error')
      expect(w.meta?.versionId).toBe('2')
      expect(c.resources.history(type, r.id).map((v) => v['status'])).toEqual([r['status'], 'entered-in-error'])
    }
  )

  it.each([
    ['Condition', CONDITION_VER_STATUS],
    ['AllergyIntolerance', ALLERGY_VERIFICATION]
  ])('%s: sets verificationStatus entered-in-error and drops clinicalStatus', (type, system) => {
    const c = compartment()
    const clinical = type === 'Condition' ? 'http://terminology.hl7.org/CodeSystem/condition-clinical' : 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical'
    const r = { ...validResources()[type], clinicalStatus: { coding: [{ system: clinical, code: 'active' }] } } as FhirResource
    c.resources.put(r)
    const w = c.resources.withdraw(type, r.id, 'recorded for the wrong patient')
    expect(w['verificationStatus']).toEqual({ coding: [{ system, code: 'entered-in-error', display: 'Entered in Error' }] })
    expect(w['clinicalStatus']).toBeUndefined()
    expect(w.extension).toEqual([{ url: WITHDRAWAL_REASON_URL, valueString: 'recorded for the wrong patient' }])
    expect(c.resources.list(type)).toHaveLength(0)
    expect(c.resources.history(type, r.id)[0]?.['clinicalStatus']).toBeDefined()
  })

  it('withdraws an unknown type that has a status', () => {
    const c = compartment()
    c.resources.put({ resourceType: 'CarePlan', id: 'cp', status: 'active', intent: 'plan' })
    expect(c.resources.withdraw('CarePlan', 'cp')['status']).toBe('entered-in-error')
  })

  it('refuses types that cannot say entered-in-error, and missing resources', () => {
    const c = compartment()
    c.resources.put({ resourceType: 'Patient', id: 'p1' })
    expect(() => c.resources.withdraw('Patient', 'p1')).toThrow(WithdrawNotSupportedError)
    expect(() => c.resources.withdraw('Observation', 'nope')).toThrow(ResourceNotFoundError)
    try {
      c.resources.withdraw('Observation', 'nope')
    } catch (err) {
      expect((err as Error).name).toBe('ResourceNotFoundError')
    }
  })

  it('is a no-op on an already withdrawn resource without a reason', () => {
    const c = compartment()
    c.resources.put(observation('o1', '2024-01-01'))
    c.resources.withdraw('Observation', 'o1')
    c.resources.withdraw('Observation', 'o1')
    expect(c.resources.history('Observation', 'o1')).toHaveLength(2)
  })
})

describe('history', () => {
  it('gives every version oldest first; a never-edited resource has just itself', () => {
    const c = compartment()
    c.resources.put(observation('o1', '2024-01-01', '8867-4', 'vital-signs', { valueQuantity: { value: 70 } }))
    expect(c.resources.history('Observation', 'o1')).toHaveLength(1)
    c.resources.put(observation('o1', '2024-01-01', '8867-4', 'vital-signs', { valueQuantity: { value: 71 } }))
    c.resources.put(observation('o1', '2024-01-01', '8867-4', 'vital-signs', { valueQuantity: { value: 72 } }))
    const h = c.resources.history('Observation', 'o1')
    expect(h.map((v) => v.meta?.versionId)).toEqual(['1', '2', '3'])
    expect(h.map((v) => (v['valueQuantity'] as { value: number }).value)).toEqual([70, 71, 72])
    expect(c.resources.history('Observation', 'none')).toEqual([])
  })

  it('keeps history inside the doc: it survives encodeState → a fresh compartment', () => {
    const a = compartment()
    a.resources.put(observation('o1', '2024-01-01'))
    a.resources.withdraw('Observation', 'o1', 'duplicate')
    const b = compartment()
    b.applyUpdate(a.encodeState(), 'snapshot')
    expect(b.resources.history('Observation', 'o1').map(content)).toEqual(a.resources.history('Observation', 'o1').map(content))
    expect(b.resources.history('Observation', 'o1')).toHaveLength(2)
  })

  it('writes one update per put, and one per batch', () => {
    const c = compartment()
    const updates: Uint8Array[] = []
    c.onUpdate((u, _o, local) => local && updates.push(u))
    c.resources.put(observation('o1', '2024-01-01'))
    expect(updates).toHaveLength(1)
    c.batch(() => {
      for (let i = 0; i < 50; i++) c.resources.put(observation(`b${i}`, '2024-01-01'))
    })
    expect(updates).toHaveLength(2)
  })
})

describe('stored form', () => {
  it('stores each resource as its JSON text, and still reads JSON trees written by earlier versions', () => {
    const a = compartment()
    const put = a.resources.put(observation('o1', '2024-01-01'))
    // what travels to peers: the resource's text as one string value
    const doc = new Y.Doc()
    Y.applyUpdate(doc, a.encodeState())
    const stored = doc.getMap('resources').get('Observation/o1') as string
    // the index header (date, status, tokens), then the resource's JSON
    expect(stored.startsWith(INDEX_HEADER)).toBe(true)
    expect(stored.slice(stored.indexOf('\u0002') + 1)).toBe(JSON.stringify(put))

    // an earlier version's record: the same resource as a JSON tree, plus a peer's junk
    const old = new Y.Doc()
    old.getMap('resources').set('Observation/o2', { ...observation('o2', '2024-02-01'), meta: { versionId: '1' } })
    old.getMap('resources').set('Observation/o3', '{not json')
    // and one as JSON text without a header (written before headers)
    old.getMap('resources').set('Observation/o4', JSON.stringify({ ...observation('o4', '2023-12-01'), meta: { versionId: '1' } }))
    const b = compartment()
    b.applyUpdate(Y.encodeStateAsUpdate(old), 'snapshot')
    expect(b.resources.get('Observation', 'o2')?.effectiveDateTime).toBe('2024-02-01')
    expect(b.resources.get('Observation', 'o3')).toBeUndefined()
    expect(b.resources.list('Observation').map((r) => r.id)).toEqual(['o4', 'o2'])
    expect(b.resources.list('Observation', { from: '2024-01-01' }).map((r) => r.id)).toEqual(['o2'])
    // editing the tree-stored resource keeps both versions
    b.resources.put({ ...observation('o2', '2024-02-01'), status: 'amended' })
    expect(b.resources.history('Observation', 'o2').map((r) => [r.meta?.versionId, r.status])).toEqual([
      ['1', 'final'],
      ['2', 'amended']
    ])
  })

  it('indexes from the header without parsing, and a header that disagrees with its resource is not trusted once read', () => {
    const a = compartment()
    a.resources.put(observation('o1', '2024-01-01'))
    a.resources.put(observation('o2', '2024-03-01'))
    const doc = new Y.Doc()
    Y.applyUpdate(doc, a.encodeState())
    const map = doc.getMap<string>('resources')
    // a writer's bug: o2's header says 2020 and another code than its JSON
    const o2 = map.get('Observation/o2') as string
    const json = o2.slice(o2.indexOf('\u0002') + 1)
    doc.transact(() => map.set('Observation/o2', `${INDEX_HEADER}${Date.UTC(2020, 0, 1).toString(36)}\u0001final\u00010\u0001|0000-0\u0002${json}`))
    // a header of another version is indexed by parsing
    const o1 = map.get('Observation/o1') as string
    doc.transact(() => map.set('Observation/o1', o1.replace(INDEX_HEADER, '\u0001i0\u0001').replace(`\u0001${Date.UTC(2024, 0, 1).toString(36)}\u0001`, '\u00010\u0001')))

    const b = compartment()
    b.applyUpdate(Y.encodeStateAsUpdate(doc), 'snapshot')
    // the index believes the header until the resource is read…
    expect(b.resources.entries('Observation').map((e) => [e.id, new Date(e.date).toISOString().slice(0, 10)])).toEqual([
      ['o2', '2020-01-01'],
      ['o1', '2024-01-01']
    ])
    // …reading it finds the disagreement; from then on the resource decides
    expect(b.resources.get('Observation', 'o2')?.effectiveDateTime).toBe('2024-03-01')
    expect(b.resources.entries('Observation').map((e) => e.id)).toEqual(['o1', 'o2'])
    expect(b.resources.list('Observation', { code: `${LOINC}|8867-4` }).map((r) => r.id)).toEqual(['o1', 'o2'])
    expect(b.resources.list('Observation', { code: '0000-0' })).toEqual([])
  })
})

describe('index header', () => {
  it('reads back to exactly the entry of every resource type, or is not written', () => {
    const odd = (r: FhirResource, system: string): FhirResource => ({ ...r, code: { coding: [{ system, code: 'a|b' }, { system: 'http://loinc.org' }] } })
    const samples: FhirResource[] = [...Object.values(validResources()), odd(validResources()['Observation'] as FhirResource, 'urn:x'), odd(validResources()['Observation'] as FhirResource, 'urn:x|1')]
    let written = 0
    for (const r of samples) {
      const text = withIndexHeader(r, JSON.stringify(r))
      const e = entryOf(r)
      if (!text.startsWith(INDEX_HEADER)) {
        expect(text).toBe(JSON.stringify(r))
        continue
      }
      written++
      const h = entryOfHeader(r.id, text)
      expect({ date: h?.date, status: h?.status, withdrawn: h?.withdrawn, tokens: h?.tokens }).toEqual({ date: e.date, status: e.status, withdrawn: e.withdrawn, tokens: e.tokens })
      expect(JSON.parse(text.slice(jsonStart(text)))).toEqual(r)
    }
    expect(written).toBeGreaterThan(samples.length - 2)
    // a system holding the separator cannot be written unambiguously: no header, the JSON alone
    const bad = samples.at(-1) as FhirResource
    expect(withIndexHeader(bad, JSON.stringify(bad))).toBe(JSON.stringify(bad))
  })

  it('reads a date only as Number#toString(36) writes a safe integer; any other spelling voids the header', () => {
    const header = (date: string): string => `${INDEX_HEADER}${date}\u0001final\u00010\u0002{}`
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(entryOfHeader('x', header(n.toString(36)))?.date).toBe(n)
      })
    )
    // what the reader accepts is exactly what round-trips through parseInt and toString(36)
    const spelled = fc.stringMatching(/^-?[0-9a-zA-Z.+ _]{1,13}$/)
    fc.assert(
      fc.property(fc.oneof(spelled, fc.string({ maxLength: 13 })), (d) => {
        fc.pre(d !== '' && !d.includes('\u0001') && !d.includes('\u0002'))
        const n = parseInt(d, 36)
        const valid = Number.isSafeInteger(n) && n.toString(36) === d
        expect(entryOfHeader('x', header(d))?.date).toBe(valid ? n : undefined)
      }),
      { numRuns: 2000 }
    )
    for (const d of ['0', '-1', 'zz', '2gosa7pa2gv']) expect(entryOfHeader('x', header(d))?.date).toBe(parseInt(d, 36))
    for (const d of ['-0', '00', '01', 'Z', '1.5', '2gosa7pa2gw', '-', ' 1']) expect(entryOfHeader('x', header(d))).toBeUndefined()
  })
})
