import { describe, expect, it } from 'vitest'
import { asDocId } from '../../src/lib/index.ts'
import { createCompartment, type Compartment } from '../../src/record/index.ts'
import { createTimeline, type Timeline, type TimelineEntry } from '../../src/app/timeline.ts'

const LOINC = 'http://loinc.org'
const SNOMED = 'http://snomed.info/sct'
let next = 1
const comp = (kind: string): Compartment => createCompartment({ kind: kind as 'core', docId: asDocId(Uint8Array.from({ length: 16 }, () => next++ & 0xff)) })

function record(): { core: Compartment; vitals: Compartment; notes: Compartment; audit: Compartment; visit: Compartment; all: Array<[string, Compartment]> } {
  const core = comp('core')
  const vitals = comp('vitals')
  const notes = comp('notes')
  const audit = comp('audit')
  const visit = comp('visit:0011')
  core.resources.put({ resourceType: 'Patient', id: 'pt', name: [{ given: ['Dilnoza'], family: 'Karimova' }], birthDate: '1970-03-01' })
  core.resources.put({ resourceType: 'Practitioner', id: 'dr', name: [{ prefix: ['Dr.'], given: ['Aziz'], family: 'Rahimov' }] })
  core.resources.put({
    resourceType: 'Condition',
    id: 'dm',
    code: { coding: [{ system: SNOMED, code: '44054006', display: 'Type 2 diabetes mellitus' }] },
    subject: { reference: 'Patient/pt' },
    onsetDateTime: '2015-06-01'
  })
  core.resources.put({ resourceType: 'AllergyIntolerance', id: 'pen', patient: { reference: 'Patient/pt' }, code: { text: 'Penicillin' }, recordedDate: '2019-02-03' })
  vitals.resources.put({
    resourceType: 'Observation',
    id: 'bp1',
    status: 'final',
    code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel' }] },
    effectiveDateTime: '2024-05-02T08:00:00Z',
    component: [
      { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value: 128, unit: 'mm[Hg]' } },
      { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: { value: 82, unit: 'mm[Hg]' } }
    ]
  })
  vitals.resources.put({
    resourceType: 'Observation',
    id: 'hr1',
    status: 'final',
    code: { coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }] },
    effectiveDateTime: '2023-01-10T08:00:00Z',
    valueQuantity: { value: 71, unit: '/min' }
  })
  notes.resources.put({
    resourceType: 'Composition',
    id: 'note1',
    status: 'final',
    type: { coding: [{ system: LOINC, code: '11506-3', display: 'Progress note' }] },
    date: '2022-09-09T10:00:00Z',
    author: [{ reference: 'Practitioner/dr' }],
    title: 'Progress note',
    section: [{ title: 'Plan', text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Start metformin &amp; walk daily</div>' } }]
  })
  visit.resources.put({
    resourceType: 'Encounter',
    id: 'v1',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
    period: { start: '2024-06-01T09:00:00Z' },
    participant: [{ individual: { display: 'Dr. Nodira Yusupova' } }],
    reasonCode: [{ text: 'Blood sugar well controlled; keep the dose' }]
  })
  audit.resources.put({ resourceType: 'AuditEvent', id: 'a1', type: { code: 'rest' }, recorded: '2024-07-01T00:00:00Z', agent: [{ requestor: true }], source: { observer: { display: 'x' } } } as never)
  return {
    core,
    vitals,
    notes,
    audit,
    visit,
    all: [
      ['core', core],
      ['vitals', vitals],
      ['notes', notes],
      ['audit', audit],
      ['visit:0011', visit]
    ]
  }
}

const shown = (t: Timeline): TimelineEntry[] => {
  const out: TimelineEntry[] = []
  for (let i = 0; i < t.state().shown; i++) out.push(t.at(i) as TimelineEntry)
  return out
}
const ids = (t: Timeline): string[] => shown(t).map((e) => e.id)

/** Waits until no search runs (slices run on timers). */
async function settled(t: Timeline): Promise<void> {
  for (let i = 0; i < 2000 && t.state().searching; i++) await new Promise((r) => setTimeout(r, 1))
  expect(t.state().searching).toBe(false)
}

describe('timeline', () => {
  it('lists every entry but the access log, newest first, undated ones last', () => {
    const r = record()
    const t = createTimeline({ compartments: () => r.all })
    expect(ids(t)).toEqual(['v1', 'bp1', 'hr1', 'note1', 'pen', 'dm', 'pt', 'dr'])
    expect(t.state()).toMatchObject({ total: 8, shown: 8, searching: false, complete: true })
    expect(ids(t)).not.toContain('a1')
  })

  it('says what each entry is, its value and who wrote it', () => {
    const r = record()
    const t = createTimeline({ compartments: () => r.all })
    const byId = new Map(shown(t).map((e) => [e.id, e]))
    expect(byId.get('bp1')).toMatchObject({ type: 'Observation', compartment: 'vitals', title: 'Blood pressure panel', detail: '128/82 mm[Hg]', date: Date.UTC(2024, 4, 2, 8), withdrawn: false, status: 'final', readable: true })
    expect(byId.get('hr1')).toMatchObject({ title: 'Heart rate', detail: '71 /min' })
    // a doctor's visit note in the visit compartment names its doctor
    expect(byId.get('v1')).toMatchObject({ compartment: 'visit:0011', title: 'ambulatory', detail: 'Blood sugar well controlled; keep the dose', author: 'Dr. Nodira Yusupova' })
    // an author given only as a reference is named from the Practitioner resource
    expect(byId.get('note1')).toMatchObject({ title: 'Progress note', detail: 'Start metformin & walk daily', author: 'Dr. Aziz Rahimov' })
    expect(byId.get('pt')).toMatchObject({ title: 'Dilnoza Karimova', date: Date.UTC(1970, 2, 1) })
    expect(byId.get('dr')).toMatchObject({ title: 'Dr. Aziz Rahimov', date: undefined })
  })

  it('filters by type', () => {
    const r = record()
    const t = createTimeline({ compartments: () => r.all })
    t.setFilter({ types: ['Observation'] })
    expect(ids(t)).toEqual(['bp1', 'hr1'])
    t.setFilter({ types: ['Condition', 'Encounter'] })
    expect(ids(t)).toEqual(['v1', 'dm'])
    t.setFilter({ types: [] })
    expect(t.state().shown).toBe(8)
    expect(t.types()).toContainEqual({ type: 'Observation', count: 2 })
    expect(t.types().map((x) => x.type)).not.toContain('AuditEvent')
  })

  it('searches the words of every entry, its author and its date, together with the type filter', async () => {
    const r = record()
    const t = createTimeline({ compartments: () => r.all })
    t.setFilter({ text: 'METFORMIN' })
    await settled(t)
    expect(ids(t)).toEqual(['note1'])
    t.setFilter({ text: 'yusupova sugar' })
    await settled(t)
    expect(ids(t)).toEqual(['v1'])
    t.setFilter({ text: '2024-05' })
    await settled(t)
    expect(ids(t)).toEqual(['bp1'])
    t.setFilter({ text: 'rahimov', types: ['Composition'] })
    await settled(t)
    expect(ids(t)).toEqual(['note1'])
    t.setFilter({ text: 'no such words' })
    await settled(t)
    expect(ids(t)).toEqual([])
    expect(t.state()).toMatchObject({ total: 8, shown: 0, progress: 1 })
  })

  it('shows withdrawn (entered-in-error) entries as withdrawn, in their place', () => {
    const r = record()
    r.core.resources.withdraw('AllergyIntolerance', 'pen', 'wrong patient')
    const t = createTimeline({ compartments: () => r.all })
    const pen = shown(t).find((e) => e.id === 'pen')
    expect(pen).toMatchObject({ withdrawn: true, title: 'Penicillin' })
    expect(ids(t).indexOf('pen')).toBe(4)
  })

  it('follows changes to the record: a new entry, an edit, a withdrawal, a new compartment', async () => {
    const r = record()
    const list: Array<[string, Compartment]> = r.all.filter(([k]) => k !== 'visit:0011')
    const t = createTimeline({ compartments: () => list }, { refreshDelayMs: 5 })
    let calls = 0
    t.subscribe(() => calls++)
    expect(ids(t)[0]).toBe('bp1')
    r.vitals.resources.put({ resourceType: 'Observation', id: 'hr2', status: 'final', code: { text: 'Heart rate' }, effectiveDateTime: '2025-01-01T00:00:00Z', valueQuantity: { value: 64, unit: '/min' } })
    await new Promise((res) => setTimeout(res, 30))
    expect(calls).toBeGreaterThan(0)
    expect(ids(t)[0]).toBe('hr2')
    expect(t.at(0)?.detail).toBe('64 /min')
    // an edit: the entry is read again
    r.vitals.resources.put({ resourceType: 'Observation', id: 'hr2', status: 'amended', code: { text: 'Heart rate' }, effectiveDateTime: '2025-01-01T00:00:00Z', valueQuantity: { value: 66, unit: '/min' } })
    await new Promise((res) => setTimeout(res, 30))
    expect(t.at(0)).toMatchObject({ detail: '66 /min', status: 'amended' })
    r.vitals.resources.withdraw('Observation', 'hr2')
    await new Promise((res) => setTimeout(res, 30))
    expect(t.at(0)).toMatchObject({ id: 'hr2', withdrawn: true })
    // a visit compartment arrives (a grant was made): refresh reads the compartments again
    list.push(['visit:0011', r.visit])
    t.refresh()
    expect(ids(t)[0]).toBe('hr2')
    expect(ids(t)[1]).toBe('v1')
    // a running search is run again over the changed record
    t.setFilter({ text: 'heart' })
    await settled(t)
    expect(ids(t)).toEqual(['hr2', 'hr1'])
    r.vitals.resources.put({ resourceType: 'Observation', id: 'hr3', status: 'final', code: { text: 'Heart rate' }, effectiveDateTime: '2020-01-01T00:00:00Z', valueQuantity: { value: 80, unit: '/min' } })
    await new Promise((res) => setTimeout(res, 30))
    await settled(t)
    expect(ids(t)).toEqual(['hr2', 'hr1', 'hr3'])
    t.close()
  })

  it('says when the record is incomplete (an update waits for one it depends on)', () => {
    const a = comp('core')
    a.resources.put({ resourceType: 'Condition', id: 'c1', code: { text: 'Asthma' }, subject: { reference: 'Patient/p' }, onsetDateTime: '2001-01-01' })
    const first = a.encodeState()
    const updates: Uint8Array[] = []
    a.onUpdate((u) => updates.push(u))
    a.resources.put({ resourceType: 'Condition', id: 'c2', code: { text: 'Gout' }, subject: { reference: 'Patient/p' }, onsetDateTime: '2002-01-01' })
    a.resources.put({ resourceType: 'Condition', id: 'c3', code: { text: 'Eczema' }, subject: { reference: 'Patient/p' }, onsetDateTime: '2003-01-01' })
    const b = createCompartment({ kind: 'core', docId: a.docId })
    b.applyUpdate(first, 'sync')
    b.applyUpdate(updates[1] as Uint8Array, 'sync') // c3 without c2: pending
    const t = createTimeline({ compartments: () => [['core', b]] })
    expect(t.state().complete).toBe(false)
    expect(ids(t)).toEqual(['c1'])
  })

  it('searches 20,000 entries in slices, between which the page gets the thread back, newest matches first', async () => {
    const c = comp('vitals')
    c.batch(() => {
      for (let i = 0; i < 20_000; i++) {
        c.resources.put({
          resourceType: 'Observation',
          id: `o${i}`,
          status: 'final',
          code: { text: i % 1000 === 7 ? 'Glucose' : 'Heart rate' },
          effectiveDateTime: new Date(Date.UTC(2015, 0, 1) + i * 3_600_000).toISOString(),
          valueQuantity: { value: 60 + (i % 40), unit: '/min' }
        })
      }
    })
    const t = createTimeline({ compartments: () => [['vitals', c]] }, { sliceMs: 4 })
    expect(t.state().total).toBe(20_000)
    expect(t.at(0)?.id).toBe('o19999')
    expect(t.at(19_999)?.id).toBe('o0')
    t.setFilter({ text: 'glucose' })
    // the first slice returned before the whole record was read
    expect(t.state().searching).toBe(true)
    expect(t.state().progress).toBeLessThan(1)
    // matches are shown as they are found, before the search ends
    let partial = false
    while (t.state().searching) {
      if (t.state().shown > 0 && t.state().shown < 20) partial = true
      await new Promise((r) => setTimeout(r, 0))
    }
    expect(partial).toBe(true)
    expect(ids(t)).toEqual(Array.from({ length: 20 }, (_, k) => `o${(19 - k) * 1000 + 7}`))
  })
})
