/**
 * The record sections' forms, below the UI: the shipped code search, each form's resource
 * (coded and free text), edit → a new version with the history kept, remove →
 * entered-in-error (never deleted), field-named problems, documents encrypted chunk by
 * chunk and read back (a wrong type refused), manual readings stored as device readings,
 * and the min/max downsampling of the charts.
 */
import { describe, it, expect } from 'vitest'
import { createRecordSession, openRecordSession, type RecordSession } from '../../src/app/record-session.ts'
import { createMemoryStore } from '../../src/storage/index.ts'
import { createRecordEdits } from '../../src/app/record-edits-service.ts'
import { RecordFormError, buildResource, formOf } from '../../src/app/record-edits.ts'
import { ALLERGY_CODES, CONDITION_CODES, LAB_CODES, MEDICATION_CODES, VACCINE_CODES, searchCodes, type CodeEntry } from '../../src/app/record-codes.ts'
import { DocumentContentError, MAX_DOCUMENT_BYTES, type DocumentFile } from '../../src/app/record-edits-documents.ts'
import { MinMaxBuckets, downsampleMinMax } from '../../src/app/vitals-chart-data.ts'
import { validateResource, DEFAULT_MAX_RESOURCE_BYTES } from '../../src/record/index.ts'

const fast = { scrypt: { log2N: 10, r: 8, p: 1 }, batchMs: 1 }
const NOW = Date.UTC(2026, 2, 10, 9, 0)

async function session(store = createMemoryStore()): Promise<RecordSession> {
  return createRecordSession(store, 'correct horse', fast)
}

const problems = async (p: Promise<unknown>): Promise<string[]> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(RecordFormError)
  return (err as RecordFormError).problems.map((x) => `${x.field}:${x.problem}`)
}

function fileOf(bytes: Uint8Array, type: string, name = 'letter.pdf', piece = 100_000): DocumentFile {
  return {
    name,
    type,
    size: bytes.length,
    stream: () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += piece) controller.enqueue(bytes.slice(i, i + piece))
          controller.close()
        }
      })
  }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

describe('code lists and search', () => {
  it('finds a code by the start of a word of its name, best match first, and by code', () => {
    expect(searchCodes(ALLERGY_CODES, 'pean')[0]).toMatchObject({ code: '91935009', display: 'Allergy to peanuts', category: 'food' })
    expect(searchCodes(ALLERGY_CODES, 'PENICILLIN')[0]?.code).toBe('91936005')
    expect(searchCodes(CONDITION_CODES, 'hypert').map((e) => e.code)).toEqual(expect.arrayContaining(['38341003', '59621000']))
    expect(searchCodes(LAB_CODES, 'a1c')[0]?.code).toBe('4548-4')
    expect(searchCodes(MEDICATION_CODES, 'metformin')[0]?.display).toMatch(/^metformin/)
    expect(searchCodes(VACCINE_CODES, 'tdap')[0]?.code).toBe('115')
    expect(searchCodes(CONDITION_CODES, '44054006')[0]?.display).toBe('Diabetes mellitus type 2')
    // every word must match; nothing for nonsense or an empty query; the limit holds
    expect(searchCodes(ALLERGY_CODES, 'allergy zebra')).toEqual([])
    expect(searchCodes(ALLERGY_CODES, '   ')).toEqual([])
    expect(searchCodes(ALLERGY_CODES, 'allergy', 3)).toHaveLength(3)
  })

  it('ships modest lists with no duplicate codes and well-formed codes per system', () => {
    const lists: [readonly CodeEntry[], RegExp, number][] = [
      [ALLERGY_CODES, /^\d{6,18}$/, 50],
      [CONDITION_CODES, /^\d{6,18}$/, 40],
      [MEDICATION_CODES, /^\d{1,8}$/, 40],
      [LAB_CODES, /^\d{1,6}-\d$/, 25],
      [VACCINE_CODES, /^\d{2,3}$/, 20]
    ]
    for (const [list, pattern, min] of lists) {
      expect(list.length).toBeGreaterThanOrEqual(min)
      expect(new Set(list.map((e) => e.code)).size).toBe(list.length)
      for (const e of list) {
        expect(e.code).toMatch(pattern)
        expect(e.display.trim()).not.toBe('')
      }
    }
    // LOINC check digit (mod 10, as LOINC's users' guide §12 computes it)
    for (const e of LAB_CODES) {
      const [body, check] = e.code.split('-') as [string, string]
      const digits = body.split('').map(Number).reverse()
      let sum = 0
      digits.forEach((d, i) => {
        const x = i % 2 === 0 ? d * 2 : d
        sum += Math.floor(x / 10) + (x % 10)
      })
      expect(`${e.code}:${(10 - (sum % 10)) % 10}`).toBe(`${e.code}:${check}`)
    }
    // SNOMED CT ids end in a Verhoeff check digit; the partition digits say "concept" (00/10)
    for (const e of [...ALLERGY_CODES, ...CONDITION_CODES]) expect(verhoeff(e.code), e.code).toBe(true)
    for (const e of [...ALLERGY_CODES, ...CONDITION_CODES]) expect(['0', '1'], e.code).toContain(e.code.at(-2))
  })
})

// Verhoeff's dihedral check (SNOMED CT Technical Implementation Guide §6.2.4)
const D = [[0,1,2,3,4,5,6,7,8,9],[1,2,3,4,0,6,7,8,9,5],[2,3,4,0,1,7,8,9,5,6],[3,4,0,1,2,8,9,5,6,7],[4,0,1,2,3,9,5,6,7,8],[5,9,8,7,6,0,4,3,2,1],[6,5,9,8,7,1,0,4,3,2],[7,6,5,9,8,2,1,0,4,3],[8,7,6,5,9,3,2,1,0,4],[9,8,7,6,5,4,3,2,1,0]]
const P = [[0,1,2,3,4,5,6,7,8,9],[1,5,7,6,2,8,3,0,9,4],[5,8,0,3,7,9,6,1,4,2],[8,9,1,6,0,4,3,5,2,7],[9,4,5,3,1,2,6,8,7,0],[4,2,8,6,5,7,3,9,0,1],[2,7,9,3,8,0,6,4,1,5],[7,0,4,6,9,1,3,2,5,8]]
function verhoeff(code: string): boolean {
  let c = 0
  code.split('').reverse().forEach((ch, i) => {
    c = (D[c] as number[])[(P[i % 8] as number[])[Number(ch)] as number] as number
  })
  return c === 0
}

describe('section forms', () => {
  const ctx = { id: 'x-1', now: NOW, subject: { reference: 'Patient/p1' } }

  it('builds a valid resource for each section, coded or free text', () => {
    const peanut = ALLERGY_CODES.find((e) => e.code === '91935009') as CodeEntry
    const allergy = buildResource('allergy', { substance: { text: peanut.display, coding: peanut }, criticality: 'high' }, ctx)
    expect(allergy).toMatchObject({ resourceType: 'AllergyIntolerance', category: ['food'], criticality: 'high', code: { coding: [{ system: 'http://snomed.info/sct', code: '91935009' }], text: 'Allergy to peanuts' } })
    const condition = buildResource('condition', { condition: { text: 'Pain in my left knee' }, status: 'active', onset: '2025-11-02' }, ctx)
    expect(condition['code']).toEqual({ text: 'Pain in my left knee' })
    expect(condition['onsetDateTime']).toBe('2025-11-02')
    // a picked code whose text was then typed over is free text
    const typedOver = buildResource('condition', { condition: { text: 'Asthma since childhood', coding: CONDITION_CODES.find((e) => e.code === '195967001') }, status: 'active' }, ctx)
    expect(typedOver['code']).toEqual({ text: 'Asthma since childhood' })
    const med = buildResource('medication', { medication: { text: 'Herbal tea' }, status: 'active', dosage: 'one cup at night' }, ctx)
    expect(med).toMatchObject({ resourceType: 'MedicationStatement', status: 'active', medicationCodeableConcept: { text: 'Herbal tea' }, dosage: [{ text: 'one cup at night' }] })
    const imm = buildResource('immunization', { vaccine: { text: 'Tdap', coding: VACCINE_CODES.find((e) => e.code === '115') }, date: '2024-09-01' }, ctx)
    expect(imm).toMatchObject({ status: 'completed', occurrenceDateTime: '2024-09-01', vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '115' }] } })
    const lab = buildResource('lab', { test: { text: LAB_CODES[0]?.display ?? '', coding: LAB_CODES[0] }, value: '6,4', unit: '%', date: '2026-03-01' }, ctx)
    expect(lab).toMatchObject({ resourceType: 'Observation', status: 'final', valueQuantity: { value: 6.4, unit: '%', code: '%' } })
    for (const r of [allergy, condition, typedOver, med, imm, lab]) expect(() => validateResource(r, DEFAULT_MAX_RESOURCE_BYTES)).not.toThrow()
    // and the form shows it again for editing
    expect(formOf('lab', lab)).toEqual({ test: { text: LAB_CODES[0]?.display, coding: { system: 'http://loinc.org', code: '4548-4', display: LAB_CODES[0]?.display } }, value: '6.4', unit: '%', date: '2026-03-01' })
  })

  it('names every field with a problem in plain categories', () => {
    const err = (() => {
      try {
        buildResource('lab', { test: { text: ' ' }, value: 'six', unit: 'mg dL', date: '2099-01-01' }, ctx)
      } catch (e) {
        return e as RecordFormError
      }
      return undefined
    })()
    expect(err?.name).toBe('RecordFormError')
    expect(err?.problems).toEqual([
      { field: 'test', problem: 'required' },
      { field: 'value', problem: 'not-a-number' },
      { field: 'unit', problem: 'not-allowed' },
      { field: 'date', problem: 'in-the-future' }
    ])
    expect(() => buildResource('allergy', { substance: { text: 'x'.repeat(201) }, category: 'pets' }, ctx)).toThrow(/substance: too-long; category: not-allowed/)
    expect(() => buildResource('immunization', { vaccine: { text: 'Flu' }, date: '2024-02-30' }, ctx)).toThrow(/date: not-a-date/)
  })
})

describe('record edits', () => {
  it('adds, edits as a new version, removes as entered-in-error; all there after reopening', async () => {
    const store = createMemoryStore()
    const s = await session(store)
    const edits = createRecordEdits(s, () => NOW)
    const penicillin = ALLERGY_CODES.find((e) => e.code === '91936005') as CodeEntry
    const a = await edits.save('allergy', { substance: { text: penicillin.display, coding: penicillin } })
    const c = await edits.save('condition', { condition: { text: 'Tennis elbow' }, status: 'active' })
    const m = await edits.save('medication', { medication: { text: 'metformin' }, status: 'active', dosage: '500 mg twice a day' })
    expect(s.get('core').resources.get('AllergyIntolerance', a.id)?.meta?.versionId).toBe('1')
    // edit: same id, version 2, the first version kept in the history
    const m2 = await edits.save('medication', { medication: { text: 'metformin' }, status: 'stopped', dosage: '500 mg twice a day' }, m.id)
    expect(m2.id).toBe(m.id)
    expect(m2.meta?.versionId).toBe('2')
    expect(edits.history('medication', m.id).map((r) => [r.meta?.versionId, r['status']])).toEqual([
      ['1', 'active'],
      ['2', 'stopped']
    ])
    // remove: a new version marked entered-in-error, gone from the list, still in the record
    await edits.remove('condition', c.id)
    expect(edits.list('condition')).toEqual([])
    const withdrawn = s.get('core').resources.get('Condition', c.id)
    expect(withdrawn?.['verificationStatus']).toMatchObject({ coding: [{ code: 'entered-in-error' }] })
    expect(withdrawn?.['clinicalStatus']).toBeUndefined()
    await expect(edits.save('condition', { condition: { text: 'Tennis elbow' }, status: 'resolved' }, c.id)).rejects.toThrow(/is not in the record/)
    // a bad form stores nothing
    expect(await problems(edits.save('immunization', { vaccine: { text: '' }, date: '' }))).toEqual(['vaccine:required', 'date:required'])
    expect(edits.list('immunization')).toEqual([])
    // lab results go to `results`, allergies to `core`
    const lab = await edits.save('lab', { test: { text: 'Ferritin', coding: LAB_CODES.find((e) => e.code === '2276-4') }, value: '35', unit: 'ng/mL', date: '2026-02-01' })
    expect(s.get('results').resources.get('Observation', lab.id)).toBeDefined()
    expect(s.get('core').resources.get('Observation', lab.id)).toBeUndefined()
    await s.close()

    const again = await openRecordSession(store, 'correct horse', fast)
    const reopened = createRecordEdits(again, () => NOW)
    expect(reopened.list('allergy').map((r) => r.id)).toEqual([a.id])
    expect(reopened.get('medication', m.id)?.['status']).toBe('stopped')
    expect(reopened.list('lab').map((r) => r.id)).toEqual([lab.id])
    expect(reopened.list('condition')).toEqual([])
    await again.close()
  })

  it('stores a document encrypted in chunks and reads it back; a file that is not its type is refused', async () => {
    const store = createMemoryStore()
    const s = await session(store)
    const edits = createRecordEdits(s, () => NOW)
    const pdf = new Uint8Array(700_000)
    pdf.set(new TextEncoder().encode('%PDF-1.4\n'))
    for (let i = 9; i < pdf.length; i++) pdf[i] = (i * 31) % 251
    const seen: number[] = []
    const doc = await edits.addDocument(fileOf(pdf, 'application/pdf'), 'Discharge letter', { onProgress: (f) => seen.push(f) })
    expect(doc).toMatchObject({ resourceType: 'DocumentReference', status: 'current', description: 'Discharge letter', content: [{ attachment: { contentType: 'application/pdf', size: 700_000 } }] })
    expect(s.get('documents').resources.get('DocumentReference', doc.id)).toBeDefined()
    expect(seen.at(-1)).toBe(1)
    // stored as 3 sealed chunks (256 KiB each), none holding the plaintext marker
    const blobs = await store.blobIds()
    expect(blobs).toHaveLength(1)
    expect(await store.chunkCount(blobs[0] as string)).toBe(3)
    const first = (await store.getChunk(blobs[0] as string, 0)) as Uint8Array
    expect(new TextDecoder('latin1').decode(first)).not.toContain('%PDF')
    const opened = edits.openDocument(doc.id)
    expect(opened.contentType).toBe('application/pdf')
    const back = await readAll(opened.stream)
    expect(back.length).toBe(pdf.length)
    expect(Buffer.compare(back, pdf)).toBe(0)

    const png = new Uint8Array(100)
    await expect(edits.addDocument(fileOf(png, 'image/png', 'x.png'), 'Not a PNG')).rejects.toBeInstanceOf(DocumentContentError)
    expect(await problems(edits.addDocument(fileOf(pdf, 'text/html', 'x.html'), 'Page'))).toEqual(['file:not-allowed'])
    expect(await problems(edits.addDocument({ ...fileOf(pdf, 'application/pdf'), size: MAX_DOCUMENT_BYTES + 1 }, 'Huge'))).toEqual(['file:too-long'])
    expect(await problems(edits.addDocument(undefined, ''))).toEqual(['file:required', 'title:required'])
    expect(edits.list('document').map((r) => r.id)).toEqual([doc.id])
    await edits.remove('document', doc.id)
    expect(edits.list('document')).toEqual([])
    expect(() => edits.openDocument(doc.id)).toThrow(/not in the record/)
    await s.close()
  })

  it('stores a typed blood pressure like a device reading, source manual, and charts it', async () => {
    const s = await session()
    const edits = createRecordEdits(s, () => NOW)
    const t = NOW - 3_600_000
    const obs = await edits.addReading({ measure: 'blood-pressure', values: ['128', '82'], t })
    expect(obs).toMatchObject({
      meta: { source: 'manual' },
      status: 'final',
      category: [{ coding: [{ code: 'vital-signs' }] }],
      code: { coding: [{ code: '85354-9' }] },
      component: [{ code: { coding: [{ code: '8480-6' }] }, valueQuantity: { value: 128, code: 'mm[Hg]' } }, { code: { coding: [{ code: '8462-4' }] }, valueQuantity: { value: 82 } }]
    })
    expect(s.get('vitals').resources.get('Observation', obs.id)).toBeDefined()
    const chart = await edits.chart('blood-pressure', { from: NOW - 86_400_000, to: NOW, buckets: 300 })
    expect(chart.counts).toEqual([1, 1])
    expect([...chart.lines[0]!.values]).toEqual([128])
    expect([...chart.lines[1]!.values]).toEqual([82])
    expect(chart.stats[0]).toMatchObject({ last: 128, lastT: t })
    try {
      await edits.addReading({ measure: 'blood-pressure', values: ['80', '95'], t })
      expect.unreachable()
    } catch (e) {
      expect((e as RecordFormError).problems).toEqual([{ field: 'value0', problem: 'out-of-range' }])
    }
    await expect(edits.addReading({ measure: 'heart-rate', values: ['abc'], t: NOW + 3_600_000 })).rejects.toThrow(/value0: not-a-number; time: in-the-future/)
    await s.close()
  })

  it('charts series from every device of the quantity, in range only, converted to the unit', async () => {
    const s = await session()
    const vitals = s.get('vitals')
    const t0 = Date.UTC(2026, 0, 1)
    for (let i = 0; i < 20_000; i++) vitals.series.append('8867-4', 'strap', t0 + i * 1000, 60 + (i % 50), '/min')
    vitals.series.append('8889-8', 'oximeter', t0 + 5000, 200, '/min')
    vitals.series.append('8867-4', 'strap', t0 - 10 * 86_400_000, 199, '/min')
    vitals.series.flush()
    const data = await createRecordEdits(s).chart('heart-rate', { from: t0, to: t0 + 20_000_000, buckets: 100 })
    expect(data.counts[0]).toBe(20_001)
    expect(data.lines[0]!.times.length).toBeLessThanOrEqual(200)
    expect(data.stats[0]).toMatchObject({ min: 60, max: 200 })
    await s.close()
  })
})

describe('min/max downsampling', () => {
  it('keeps each column’s lowest and highest sample in time order, at most two per column', () => {
    const n = 1_000_000
    const times = new Float64Array(n)
    const values = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      times[i] = i
      values[i] = Math.sin(i / 1000) * 50 + 100
    }
    values[123_456] = 400 // a spike a mean would hide
    values[654_321] = -10
    const d = downsampleMinMax(times, values, 0, n, 500)
    expect(d.times.length).toBeLessThanOrEqual(1000)
    expect(Math.max(...d.values)).toBe(400)
    expect(Math.min(...d.values)).toBe(-10)
    expect(d.times.includes(123_456)).toBe(true)
    for (let i = 1; i < d.times.length; i++) expect(d.times[i]).toBeGreaterThan(d.times[i - 1] as number)
  })

  it('leaves empty columns out, ignores what is outside the range, and refuses an empty range', () => {
    const acc = new MinMaxBuckets(0, 100, 10)
    acc.add(5, 1)
    acc.add(6, 1)
    acc.add(55, 3)
    acc.add(-1, 99)
    acc.add(100, 99)
    acc.add(50, Number.NaN)
    expect(acc.count).toBe(3)
    const p = acc.points()
    expect([...p.times]).toEqual([5, 55])
    expect([...p.values]).toEqual([1, 3])
    expect(() => new MinMaxBuckets(10, 10, 5)).toThrow(RangeError)
    expect(() => new MinMaxBuckets(0, 10, 0)).toThrow(RangeError)
  })
})
