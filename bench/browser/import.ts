/**
 * File imports in Chromium, into records in IndexedDB: how long the page waits at most while
 * an import runs (an event-loop probe, and the longest task a `PerformanceObserver` sees),
 * through the worker and the sliced apply, against the same import done in one go on the
 * page — what the page froze for before.
 */
import { createIndexedDbStore } from '../../src/storage/index.ts'
import { createRecordSession, type RecordSession } from '../../src/app/record-session.ts'
import { importFhirJson, importFile } from '../../src/app/interop-import.ts'
import { lazyImportWorker } from '../../src/app/import-worker.ts'
import { createAppleHealthImporter, recordSink } from '../../src/fhir/index.ts'
import { createSyntheticRecord } from '../../src/record/index.ts'

const fast = { scrypt: { log2N: 10, r: 8, p: 1 } }
const audit = (): void => undefined

async function record(): Promise<RecordSession> {
  const store = await createIndexedDbStore({ name: `phr-bench-import-${Date.now()}-${Math.random().toString(36).slice(2)}` })
  return createRecordSession(store, 'bench', fast)
}

/**
 * Probes the event loop until `done()`: every 5 ms a timer posts a message to this page; the
 * wait is from when the timer was due to when the message was handled (so a long task that
 * holds back the timer counts too). Returns the longest. Unlike back-to-back probing it leaves
 * the thread to the import in between, as a user typing would.
 */
async function probe(done: () => boolean, minMs = 0): Promise<number> {
  let worst = 0
  const start = performance.now()
  const ch = new MessageChannel()
  return new Promise((resolve) => {
    let due = performance.now()
    ch.port1.onmessage = () => {
      const now = performance.now()
      worst = Math.max(worst, now - due)
      if (done() && now - start >= minMs) {
        ch.port1.close()
        resolve(worst)
        return
      }
      due = performance.now() + 5
      setTimeout(() => ch.port2.postMessage(0), 5)
    }
    ch.port2.postMessage(0)
  })
}

/** A Blob of `text` as a file input gives it: its bytes already held by the browser (making a Blob of a long string hands them over in later tasks). */
async function fileOf(text: string, type: string): Promise<Blob> {
  const blob = new Blob([text], { type })
  await blob.arrayBuffer()
  await new Promise((r) => setTimeout(r, 200))
  return blob
}

/** Runs `fn` with the probe and a long-task observer; returns its value, the longest wait, the longest task and the time. */
async function watched<T>(fn: () => Promise<T>): Promise<{ value: T; maxWaitMs: number; longestTaskMs: number; ms: number }> {
  let longestTaskMs = 0
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longestTaskMs = Math.max(longestTaskMs, e.duration)
  })
  obs.observe({ type: 'longtask' })
  let finished = false
  const t0 = performance.now()
  // started from a task of its own, after the probe's first message: a synchronous import is then inside the probe's window
  const p = new Promise((resolve) => setTimeout(resolve, 0))
    .then(fn)
    .finally(() => {
      finished = true
    })
  const maxWaitMs = await probe(() => finished)
  const value = await p
  const ms = performance.now() - t0
  // long tasks are reported after they end
  await new Promise((r) => setTimeout(r, 50))
  for (const e of obs.takeRecords()) longestTaskMs = Math.max(longestTaskMs, e.duration)
  obs.disconnect()
  return { value, maxWaitMs, longestTaskMs, ms }
}

/** What `importResponsiveness` measured for one kind of file. */
export interface ImportFigures {
  readonly what: string
  readonly items: number
  readonly bytes: number
  /** Through the worker, applied in slices. */
  readonly maxWaitMs: number
  readonly longestTaskMs: number
  readonly ms: number
  /** Baseline: the same import in one go on the page (the page waits this long). */
  readonly oneGoMs: number
  readonly oneGoLongestTaskMs: number
  /** Baseline: the one-go import, start to end. */
  readonly oneGoTotalMs: number
  /** Baseline: the probe with nothing running. */
  readonly idleMaxWaitMs: number
}

/** A Bundle of the synthetic generator's resources (relative references to its Patient). */
function syntheticBundle(resources: number): { text: string; count: number } {
  const synthetic = createSyntheticRecord({ seed: 3, start: '2016-01-01', days: Math.ceil(resources / 14), resources, samples: 0 })
  const entry = [...synthetic.resources()].map((resource) => ({ fullUrl: `https://example.org/fhir/${resource.resourceType}/${resource.id}`, resource }))
  return { text: JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry }), count: entry.length }
}

/** An Apple Health `export.xml` of `n` records: heart rate every minute, steps, SpO2, and a weight and a blood glucose each day. */
function appleExport(n: number): string {
  const t0 = Date.UTC(2022, 0, 1)
  const at = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000')
  const rows: string[] = []
  const rec = (type: string, unit: string, t: number, value: number | string): string =>
    `<Record type="${type}" sourceName="Bench Watch" unit="${unit}" creationDate="${at(t)}" startDate="${at(t)}" endDate="${at(t + 60_000)}" value="${value}"/>`
  for (let i = 0; rows.length < n; i++) {
    const t = t0 + i * 60_000
    rows.push(rec('HKQuantityTypeIdentifierHeartRate', 'count/min', t, 55 + (i % 50)))
    if (i % 5 === 0) rows.push(rec('HKQuantityTypeIdentifierStepCount', 'count', t, i % 120))
    if (i % 30 === 0) rows.push(rec('HKQuantityTypeIdentifierOxygenSaturation', '%', t, 0.95 + (i % 4) / 100))
    if (i % 240 === 0) rows.push(rec('HKQuantityTypeIdentifierBodyMass', 'kg', t, (70 + (i % 7) / 10).toFixed(1)))
    if (i % 240 === 120) rows.push(rec('HKQuantityTypeIdentifierBloodGlucose', 'mg/dL', t, 90 + (i % 30)))
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n<ExportDate value="2024-01-01 00:00:00 +0000"/>\n${rows.slice(0, n).join('\n')}\n</HealthData>\n`
}

/** A FHIR Bundle of `resources` synthetic resources: through the worker, then in one go. */
export async function importFhirResponsiveness(resources: number): Promise<ImportFigures> {
  const { text, count } = syntheticBundle(resources)
  const idleMaxWaitMs = await probe(() => true, 1000)
  const worker = lazyImportWorker()
  // a first small import starts the worker (as the first import of a page does), not counted
  await importFile({ session: await record(), audit, importWorker: worker }, new Blob(['{"resourceType":"Patient","id":"p"}']))
  const viaWorker = await record()
  const file = await fileOf(text, 'application/json')
  const w = await watched(() => importFile({ session: viaWorker, audit, importWorker: worker }, file))
  await viaWorker.close()
  if (worker.readsOnPage()) throw new Error('the import worker did not start: the figures would be of the page')
  worker.close()
  // baseline: what the page did before, in one go — JSON.parse and importBundle on the page
  const onPage = await record()
  const b = await watched(async () => {
    const t = performance.now()
    const json = JSON.parse(text) as unknown
    const summary = await importFhirJson({ session: onPage, audit }, json)
    return { summary, ms: performance.now() - t }
  })
  await onPage.close()
  return { what: 'fhir', items: count, bytes: text.length, maxWaitMs: w.maxWaitMs, longestTaskMs: w.longestTaskMs, ms: w.ms, oneGoMs: b.maxWaitMs, oneGoLongestTaskMs: b.longestTaskMs, oneGoTotalMs: b.ms, idleMaxWaitMs }
}

/** An Apple Health export of `records` records: through the worker, then in one go on the page. */
export async function importAppleResponsiveness(records: number): Promise<ImportFigures> {
  const xml = appleExport(records)
  const idleMaxWaitMs = await probe(() => true, 1000)
  const worker = lazyImportWorker()
  await importFile({ session: await record(), audit, importWorker: worker }, new Blob(['{"resourceType":"Patient","id":"p"}']))
  const viaWorker = await record()
  const file = await fileOf(xml, 'text/xml')
  const w = await watched(() => importFile({ session: viaWorker, audit, importWorker: worker }, file))
  await viaWorker.close()
  if (worker.readsOnPage()) throw new Error('the import worker did not start: the figures would be of the page')
  worker.close()
  // baseline: both passes (check, then into the record) on the page, in one go
  const onPage = await record()
  const b = await watched(async () => {
    const check = createAppleHealthImporter({ sink: { sample: () => undefined, observation: () => undefined } })
    check.write(xml)
    if (!check.end().complete) throw new Error('bench export incomplete')
    const sink = recordSink({ compartment: (k) => onPage.get(k) })
    const imp = createAppleHealthImporter({ sink })
    imp.write(xml)
    imp.end()
    sink.flush()
    await onPage.whenSaved()
  })
  await onPage.close()
  return { what: 'apple', items: records, bytes: xml.length, maxWaitMs: w.maxWaitMs, longestTaskMs: w.longestTaskMs, ms: w.ms, oneGoMs: b.maxWaitMs, oneGoLongestTaskMs: b.longestTaskMs, oneGoTotalMs: b.ms, idleMaxWaitMs }
}
