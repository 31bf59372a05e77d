/**
 * "Try with a demo patient": fills a record with a seeded synthetic life (conditions,
 * medications, allergies, labs, visits, wearable samples), in batches so that each batch
 * is one sealed envelope and the page stays responsive, with progress.
 */
import { compartmentFor, createSyntheticRecord, type FhirResource, type FixedCompartmentKind, type SyntheticRecordOptions } from '../record/index.ts'
import type { RecordSession } from './record-session.ts'

/** Options of the import. */
export interface DemoImportOptions {
  /** Resources put per transaction (one envelope per compartment touched). @default 100 */
  batchResources?: number
  /** Samples appended per flush. @default 50_000 */
  batchSamples?: number
  /** Progress from 0 to 1. */
  onProgress?(fraction: number): void
  signal?: AbortSignal
}

/** What the import put in. */
export interface DemoImportResult {
  resources: number
  samples: number
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

/**
 * Imports a synthetic record into an open session and waits until it is saved.
 * @throws the abort reason when `signal` aborts (what was saved stays)
 */
export async function importSyntheticRecord(session: RecordSession, options: SyntheticRecordOptions, opts: DemoImportOptions = {}): Promise<DemoImportResult> {
  const record = createSyntheticRecord(options)
  const batchResources = opts.batchResources ?? 100
  const batchSamples = opts.batchSamples ?? 50_000
  const total = record.resourceCount + record.sampleCount
  let done = 0
  const resources = record.resources()
  for (;;) {
    opts.signal?.throwIfAborted()
    // one transaction per compartment for the batch
    const picked: FhirResource[] = []
    for (let i = 0; i < batchResources; i++) {
      const next = resources.next()
      if (next.done === true) break
      picked.push(next.value)
    }
    if (picked.length === 0) break
    const byKind = new Map<FixedCompartmentKind, FhirResource[]>()
    for (const r of picked) {
      const kind = compartmentFor(r)
      let list = byKind.get(kind)
      if (list === undefined) byKind.set(kind, (list = []))
      list.push(r)
    }
    for (const [kind, list] of byKind) {
      const c = session.get(kind)
      c.batch(() => {
        for (const r of list) c.resources.put(r)
      })
    }
    done += picked.length
    opts.onProgress?.(done / total)
    await session.whenSaved()
    await tick()
  }
  const vitals = session.get('vitals')
  let inBatch = 0
  const pending: Array<Promise<void>> = []
  record.samples((code, device, t, value, unit) => {
    vitals.series.append(code, device, t, value, unit)
    if (++inBatch >= batchSamples) {
      vitals.series.flush()
      done += inBatch
      inBatch = 0
      opts.onProgress?.(done / total)
      pending.push(session.whenSaved())
    }
  })
  vitals.series.flush()
  vitals.compact(record.start + (record.days + 1) * 86_400_000)
  await Promise.all(pending)
  await session.whenSaved()
  opts.onProgress?.(1)
  return { resources: record.resourceCount, samples: record.sampleCount }
}
