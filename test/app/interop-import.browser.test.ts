/**
 * The import through the worker, in Chromium over records in IndexedDB: a FHIR Bundle of a
 * synthetic record and an Apple Health export give the same record as the reading on the
 * page did before (`importFhirJson`, the Apple Health importer into `recordSink`); a
 * malformed file fails with the same named error and changes nothing; with no worker the
 * page reads the file itself, to the same result.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createIndexedDbStore, type EnvelopeStore } from '../../src/storage/index.ts'
import { createRecordSession, type RecordSession } from '../../src/app/record-session.ts'
import { importFhirJson, importFile } from '../../src/app/interop-import.ts'
import { lazyImportWorker, type ImportWorker } from '../../src/app/import-worker.ts'
import { createAppleHealthImporter, recordSink } from '../../src/fhir/index.ts'
import { createSyntheticRecord, type Compartment } from '../../src/record/index.ts'
import { commands } from 'vitest/browser'

const exportXml = await commands.readFile('test/fhir/fixtures/export.xml')
const CLOCK = Date.UTC(2025, 0, 1)
const fast = { scrypt: { log2N: 10, r: 8, p: 1 }, batchMs: 1, clock: () => CLOCK }
const opened: { store: EnvelopeStore; session: RecordSession }[] = []
const workers: ImportWorker[] = []
afterAll(async () => {
  for (const w of workers) w.close()
  for (const o of opened) {
    await o.session.close()
    await o.store.close()
  }
})

async function record(): Promise<RecordSession> {
  const store = await createIndexedDbStore({ name: `phr-test-import-${Math.random().toString(36).slice(2)}` })
  const session = await createRecordSession(store, 'correct horse', fast)
  opened.push({ store, session })
  return session
}

/** Everything a user could read back from the record. */
function readAll(s: RecordSession): unknown {
  const out: Record<string, unknown> = {}
  for (const [kind, { compartment: c }] of s.compartments) out[kind] = readCompartment(c)
  return out
}
function readCompartment(c: Compartment): unknown {
  const out: Record<string, unknown> = {}
  for (const type of c.resources.types()) out[type] = c.resources.list(type, { includeWithdrawn: true })
  out['series'] = c.series.list().map((info) => {
    const r = c.series.read(info.code, info.device, 0, Date.UTC(2100, 0, 1))
    return r.series.map((x) => ({ code: x.code, device: x.device, unit: x.unit, times: Array.from(x.times), values: Array.from(x.values) }))
  })
  return out
}

/** A Bundle of a synthetic patient's resources (a year: about 1,500), with relative references. */
function syntheticBundle(): { json: unknown; text: string; count: number } {
  const synthetic = createSyntheticRecord({ seed: 7, start: '2023-01-01', days: 120, samples: 0 })
  const entry = [...synthetic.resources()].map((resource) => ({ fullUrl: `https://example.org/fhir/${resource.resourceType}/${resource.id}`, resource }))
  const json = { resourceType: 'Bundle', type: 'collection', entry }
  return { json, text: JSON.stringify(json), count: entry.length }
}

/** Counts the module workers of `workers/import.ts` started while `fn` runs. */
async function countingImportWorkers<T>(fn: () => Promise<T>): Promise<{ value: T; started: number }> {
  const Real = globalThis.Worker
  let started = 0
  globalThis.Worker = class extends Real {
    constructor(url: string | URL, opts?: WorkerOptions) {
      super(url, opts)
      if (String(url).includes('import')) started++
    }
  }
  try {
    return { value: await fn(), started }
  } finally {
    globalThis.Worker = Real
  }
}

const audit = (): void => undefined
const nameOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p
    return 'resolved'
  } catch (err) {
    return err instanceof Error ? err.name : String(err)
  }
}

describe('import through the worker', () => {
  it('a FHIR Bundle gives the same record as the import on the page, and reads in a worker', async () => {
    const { json, text, count } = syntheticBundle()
    expect(count).toBeGreaterThan(1000)
    const viaWorker = await record()
    const worker = lazyImportWorker()
    workers.push(worker)
    const { value: summary, started } = await countingImportWorkers(() => importFile({ session: viaWorker, audit, importWorker: worker }, new Blob([text], { type: 'application/json' })))
    expect(started).toBe(1)
    // the worker loaded and did the reading (a failed worker would have left it to the page)
    expect(worker.readsOnPage()).toBe(false)
    expect(summary.format).toBe('fhir')
    expect(summary.total).toBe(count)
    const onPage = await record()
    const before = await importFhirJson({ session: onPage, audit }, JSON.parse(text))
    expect(summary.stored).toEqual(before.stored)
    expect(summary.rejected).toEqual(before.rejected)
    expect(readAll(viaWorker)).toEqual(readAll(onPage))
    // a second import of the same file: only duplicates, the same as on the page
    const again = await importFile({ session: viaWorker, audit, importWorker: worker }, new Blob([text]))
    expect(Object.values(again.stored).reduce((a, b) => a + b, 0)).toBe(0)
    expect(again).toEqual(await importFhirJson({ session: onPage, audit }, json))
    expect(readAll(viaWorker)).toEqual(readAll(onPage))
  })

  it('an Apple Health export gives the same record as the importer on the page', async () => {
    const viaWorker = await record()
    const worker = lazyImportWorker()
    workers.push(worker)
    const summary = await importFile({ session: viaWorker, audit, importWorker: worker }, new Blob([exportXml], { type: 'text/xml' }))
    expect(summary.format).toBe('apple-health')
    const onPage = await record()
    const sink = recordSink({ compartment: (k) => onPage.get(k) })
    const patientId = onPage.get('core').resources.list('Patient')[0]?.id
    const imp = createAppleHealthImporter({ sink, ...(patientId === undefined ? {} : { subject: { reference: `Patient/${patientId}` } }) })
    imp.write(exportXml)
    const result = imp.end()
    const counts = sink.flush()
    expect(result.complete).toBe(true)
    expect(summary.apple?.records).toBe(result.records)
    expect(summary.apple?.samples).toBe(result.samples)
    expect(summary.stored['Observation'] ?? 0).toBe(counts.stored)
    expect(counts.stored).toBeGreaterThan(0)
    expect(readAll(viaWorker)).toEqual(readAll(onPage))
  })

  it('a malformed file fails with the same named error as before, and changes nothing', async () => {
    const session = await record()
    const worker = lazyImportWorker()
    workers.push(worker)
    const c = { session, audit, importWorker: worker }
    const empty = readAll(session)
    expect(await nameOf(importFile(c, new Blob([syntheticBundle().text.slice(0, 30_000)])))).toBe('BundleFormatError')
    const broken = '{"resourceType":"Bundle","type":"collection","entry":[{"resource":'
    expect(await nameOf(importFile(c, new Blob([broken])))).toBe('BundleFormatError')
    expect(await nameOf(importFile(c, new Blob(['{"resourceType":"Bundle","type":"message","entry":[]}'])))).toBe('BundleFormatError')
    expect(await nameOf(importFile(c, new Blob(['{"resourceType":""}'])))).toBe('BundleFormatError')
    // an export cut in the middle: refused whole, its first part is not kept either
    expect(await nameOf(importFile(c, new Blob([exportXml.slice(0, Math.floor(exportXml.length * 0.7))])))).toBe('AppleHealthTruncatedError')
    expect(await nameOf(importFile(c, new Blob([exportXml.replace('</HealthData>', '</HealthDat>')])))).toBe('AppleHealthFormatError')
    // a zip without export.xml, and a damaged zip
    expect(await nameOf(importFile(c, new Blob([new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])])))).toBe('ZipFormatError')
    await session.whenSaved()
    expect(readAll(session)).toEqual(empty)
  })

  it('reads on the page when no worker can start, to the same result', async () => {
    const { text } = syntheticBundle()
    const session = await record()
    const noWorker = lazyImportWorker({
      start: () => {
        throw new Error('workers are off')
      }
    })
    workers.push(noWorker)
    const summary = await importFile({ session, audit, importWorker: noWorker }, new Blob([text]))
    expect(noWorker.readsOnPage()).toBe(true)
    const onPage = await record()
    await importFhirJson({ session: onPage, audit }, JSON.parse(text))
    expect(readAll(session)).toEqual(readAll(onPage))
    expect(Object.values(summary.stored).reduce((a, b) => a + b, 0)).toBeGreaterThan(1000)
    expect(await nameOf(importFile({ session, audit, importWorker: noWorker }, new Blob(['{"resourceType":"Bundle","type":"collection","entry":[{"resource":'])))).toBe('BundleFormatError')
  })
})
