/**
 * Importing a file the patient picked into the open record (issue 10 §1–2): a FHIR R4 JSON
 * file (a Bundle of a type `readBundle` reads, or a single resource), an Apple Health
 * `export.xml`, or the `export.zip` the Health app writes (its `export.xml` and any
 * `clinical-records/*.json`, which are FHIR resources).
 *
 * Nothing is changed unless the whole file reads: JSON is parsed and checked before the
 * first write; an Apple Health export is streamed twice — once to check that the XML is
 * whole and well-formed (a null sink), then into the record — so a cut or malformed export
 * says so and leaves the record as it was. The file is always read as a stream (never as one
 * string for XML).
 *
 * The reading runs in the import worker (`import-worker.ts`; on the page when no worker can
 * start): JSON parsing and the Bundle's checks, the XML parser, the inflating of a zip entry.
 * The page only applies what comes back — duplicates, references and storing for FHIR
 * (`importPreparedInSlices`), samples and Observations for Apple Health — in slices that give
 * it a turn every `YIELD_EVERY_MS`, so input stays answered while an import runs. Every
 * decision is made before the first write; once writing started it runs to the end (the
 * abort signal is not checked in between), in transactions of a few dozen resources.
 */
import { PhrError, InputTooLargeError } from '../lib/index.ts'
import {
  DEFAULT_MAX_BUNDLE_BYTES,
  fhirJsonAsBundle,
  importBundle,
  importPreparedInSlices,
  parseFhirJson,
  readPreparedEntries,
  recordSink,
  type AppleHealthBatch,
  type AppleHealthCounts,
  type ImportReport
} from '../fhir/index.ts'
import type { CompartmentKind, FhirResource } from '../record/index.ts'
import type { RecordSession } from './record-session.ts'
import { looksLikeZip, readZipEntries, zipEntryStream, type ZipEntry } from './interop-zip.ts'
import { lazyImportWorker, type ImportWorker } from './import-worker.ts'

/** The file is neither FHIR JSON nor an Apple Health export (nothing was changed). */
export class ImportFileKindError extends PhrError {
  override name: string = 'ImportFileKindError'
}

/** Where an import stands: reading (JSON), checking (an Apple Health export's first pass), importing. */
export const ImportPhase = { reading: 'reading', checking: 'checking', importing: 'importing' } as const
export type ImportPhase = (typeof ImportPhase)[keyof typeof ImportPhase]

/** Progress of an import: the phase and how far it is (0..1). */
export interface ImportProgress {
  readonly phase: ImportPhase
  readonly fraction: number
}

/** An entry that was not taken, with its 0-based index in the file's `Bundle.entry` (or the clinical record's file name). */
export interface ImportRejected {
  readonly index: number
  readonly reason: string
  readonly file?: string
}

/** What an import did. */
export interface ImportSummary {
  readonly format: 'fhir' | 'apple-health'
  /** Entries in the Bundle, or `<Record>`s in the export. */
  readonly total: number
  /** Resources stored, by resource type. */
  readonly stored: Readonly<Record<string, number>>
  /** Resources the record already held (not stored again), by resource type. */
  readonly duplicates: Readonly<Record<string, number>>
  readonly rejected: readonly ImportRejected[]
  /** Of the stored, those routed to the `sensitive` compartment (mental, sexual, reproductive health). */
  readonly sensitive: number
  /** `urn:uuid:` references that matched no entry (kept as written). */
  readonly unresolved: number
  /** Apple Health only. */
  readonly apple?: {
    readonly records: number
    /** Time-series samples (heart rate, steps, SpO2, respiratory rate). */
    readonly samples: number
    readonly workouts: number
    /** Records of types not read, summed. */
    readonly otherTypes: number
    /** Records with a missing date or value, or an unknown unit. */
    readonly invalid: number
  }
}

/** Largest Apple Health clinical record file read from an `export.zip`. */
export const MAX_CLINICAL_RECORD_BYTES = 4 << 20
/** Most clinical record files read from one export. */
export const MAX_CLINICAL_RECORDS = 10_000
/** Bytes fed to the parser between checks of the clock. */
const SLICE_BYTES = 16 * 1024
/** The import gives the page a turn at least this often. */
export const YIELD_EVERY_MS = 8

/** Observations stored per transaction while applying an Apple Health batch. */
const APPLE_STORE_BATCH = 50

const yieldToPage = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

/**
 * Streams `source` through `write`, reporting `read bytes / totalBytes`, yielding to the page
 * whenever the work since the last yield took longer than `YIELD_EVERY_MS`.
 */
async function pump(source: ReadableStream<Uint8Array>, write: (chunk: Uint8Array) => void, onBytes: (n: number) => void, signal?: AbortSignal): Promise<void> {
  const reader = source.getReader()
  let read = 0
  let last = performance.now()
  let longestSlice = 0
  try {
    for (;;) {
      signal?.throwIfAborted()
      const { value, done } = await reader.read()
      if (done) break
      // a stream may hand over a whole in-memory file as one chunk: feed it in slices, yielding between them
      for (let at = 0; at < value.byteLength; at += SLICE_BYTES) {
        const slice = value.subarray(at, Math.min(value.byteLength, at + SLICE_BYTES))
        write(slice)
        read += slice.byteLength
        onBytes(read)
        const now = performance.now()
        if (now - last > YIELD_EVERY_MS) {
          longestSlice = Math.max(longestSlice, now - last)
          await yieldToPage()
          last = performance.now()
        }
      }
    }
  } finally {
    reader.releaseLock()
    longestSlice = Math.max(longestSlice, performance.now() - last)
    // visible in the browser's performance tools, and to the end-to-end test that measures it
    performance.measure('phr-import:longest-slice', { start: 0, duration: longestSlice })
  }
}

async function readText(source: ReadableStream<Uint8Array>, maxBytes: number, onBytes: (n: number) => void, signal?: AbortSignal): Promise<string> {
  const decoder = new TextDecoder('utf-8')
  const parts: string[] = []
  let size = 0
  await pump(
    source,
    (chunk) => {
      size += chunk.byteLength
      // STYLE: size-cap every untrusted input (the declared size may be wrong for a zip entry)
      if (size > maxBytes) throw new InputTooLargeError(`file: over ${maxBytes} bytes`)
      parts.push(decoder.decode(chunk, { stream: true }))
    },
    onBytes,
    signal
  )
  parts.push(decoder.decode())
  return parts.join('')
}

/** What the first bytes say the file is. */
async function sniff(file: Blob): Promise<'json' | 'xml' | 'zip'> {
  const head = new Uint8Array(await file.slice(0, 512).arrayBuffer())
  if (looksLikeZip(head)) return 'zip'
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++
  if (head[i] === 0x7b) return 'json'
  if (head[i] === 0x3c) return 'xml'
  throw new ImportFileKindError('file: neither FHIR JSON, nor an Apple Health export (export.xml or export.zip)')
}

const asBundle = fhirJsonAsBundle
const parseJson = parseFhirJson

const add = (counts: Record<string, number>, key: string, n = 1): void => {
  counts[key] = (counts[key] ?? 0) + n
}

function fhirSummary(report: ImportReport): { stored: Record<string, number>; duplicates: Record<string, number>; sensitive: number } {
  const stored: Record<string, number> = {}
  const duplicates: Record<string, number> = {}
  let sensitive = 0
  for (const s of report.stored) {
    add(stored, s.resourceType)
    if (s.kind === 'sensitive') sensitive++
  }
  for (const d of report.duplicates) add(duplicates, d.key.slice(0, d.key.indexOf('/')))
  return { stored, duplicates, sensitive }
}

/** What the importer is given. */
export interface FileImportComponents {
  readonly session: RecordSession
  /** Records an audit entry (the import is one). */
  readonly audit: (action: string, actor: string, details: Record<string, string | number>) => void
  /** Where files are read. @default a worker of its own (see `import-worker.ts`) */
  readonly importWorker?: ImportWorker
}

/**
 * Imports FHIR JSON (a Bundle of a readable type, or a single resource) into the record, and
 * records the import in the audit log (`source` says where it came from).
 * @throws {BundleFormatError} for JSON that is not FHIR or a Bundle of a type not read; nothing is written then.
 */
export async function importFhirJson(components: FileImportComponents, json: unknown, onProgress?: (fraction: number) => void, source = 'file'): Promise<ImportSummary> {
  const { session } = components
  const started = performance.now()
  // throws BundleFormatError (an unreadable Bundle) before anything is written
  const report = importBundle(asBundle(json), { compartment: (kind) => session.get(kind), ...(onProgress === undefined ? {} : { onProgress: (done: number, total: number) => onProgress(done / Math.max(1, total)) }) })
  performance.measure('phr-import:bundle', { start: started, end: performance.now() })
  await session.whenSaved()
  components.audit('import', 'self', { what: 'fhir', from: source, stored: report.stored.length, duplicates: report.duplicates.length, rejected: report.rejected.length })
  return {
    format: 'fhir',
    total: report.total,
    ...fhirSummary(report),
    rejected: report.rejected.map((r) => ({ index: r.index, reason: r.reason })),
    unresolved: report.unresolved.length
  }
}

/**
 * Imports `file` into the record (see the file comment).
 * @throws {ImportFileKindError} for a file that is neither FHIR JSON nor an Apple Health export.
 * @throws {BundleFormatError} for JSON that is malformed, not FHIR, or a Bundle of a type not read.
 * @throws {AppleHealthFormatError | AppleHealthTruncatedError} for an export that is not well-formed or cut short.
 * @throws {ZipFormatError} for a damaged `export.zip`, or one without `export.xml`.
 * @throws {InputTooLargeError} for a JSON file over 64 MiB.
 * In every one of these cases nothing was changed.
 */
export async function importFile(components: FileImportComponents, file: Blob, onProgress?: (p: ImportProgress) => void, signal?: AbortSignal): Promise<ImportSummary> {
  const { session } = components
  const worker = components.importWorker ?? lazyImportWorker()
  const compartment = (kind: CompartmentKind): ReturnType<RecordSession['get']> => session.get(kind)
  const kind = await sniff(file)
  const progress = (phase: ImportPhase, fraction: number): void => onProgress?.({ phase, fraction: Math.min(1, Math.max(0, fraction)) })

  if (kind === 'json') {
    if (file.size > DEFAULT_MAX_BUNDLE_BYTES) throw new InputTooLargeError(`file: over ${DEFAULT_MAX_BUNDLE_BYTES} bytes`)
    const readStart = performance.now()
    // read, parsed and prepared in the worker: throws BundleFormatError before anything is written
    const read = await worker.run((c) => c.prepareFhir(file, DEFAULT_MAX_BUNDLE_BYTES, { onProgress: (f) => progress(ImportPhase.reading, f), ...(signal === undefined ? {} : { signal }) }))
    const entries = await readPreparedEntries(read.entries, YIELD_EVERY_MS)
    performance.measure('phr-import:worker-read', { start: readStart, end: performance.now() })
    signal?.throwIfAborted()
    progress(ImportPhase.importing, 0)
    const started = performance.now()
    const report = await importPreparedInSlices(
      { total: read.total, rejected: read.rejected, entries },
      { compartment, onProgress: (done, total) => progress(ImportPhase.importing, done / Math.max(1, total)) },
      // a slice checks the clock between steps, and a step (a store transaction of a few
      // resources, each validated) can take ~15 ms on a phone-class core: small batches keep
      // two slices in a row under one long wait
      { sliceMs: YIELD_EVERY_MS, yieldToPage, storeBatch: 4 }
    )
    performance.measure('phr-import:bundle', { start: started, end: performance.now() })
    await session.whenSaved()
    components.audit('import', 'self', { what: 'fhir', from: 'file', stored: report.stored.length, duplicates: report.duplicates.length, rejected: report.rejected.length })
    return { format: 'fhir', total: report.total, ...fhirSummary(report), rejected: report.rejected.map((r) => ({ index: r.index, reason: r.reason })), unresolved: report.unresolved.length }
  }

  // Apple Health: export.xml alone, or inside export.zip
  let xmlEntry: ZipEntry | undefined
  let clinical: ZipEntry[] = []
  if (kind === 'zip') {
    const entries = await readZipEntries(file)
    const main = entries.find((e) => /(^|\/)export\.xml$/.test(e.name))
    if (main === undefined) throw new ImportFileKindError('zip: holds no export.xml, so it is not an Apple Health export')
    xmlEntry = main
    clinical = entries.filter((e) => /(^|\/)clinical-records\/[^/]+\.json$/.test(e.name)).slice(0, MAX_CLINICAL_RECORDS)
  }
  const share = clinical.length > 0 ? 0.45 : 0.5

  const opts = (phase: ImportPhase, from: number, share: number): { onProgress: (f: number) => void; signal?: AbortSignal } => ({
    onProgress: (f) => progress(phase, from + share * f),
    ...(signal === undefined ? {} : { signal })
  })
  // pass 1, in the worker: is the whole export well-formed? (writes nothing; throws AppleHealthFormatError or AppleHealthTruncatedError)
  await worker.run((c) => c.checkAppleHealth(file, xmlEntry, opts(ImportPhase.checking, 0, 1)))

  // clinical records: read and parsed before anything is written
  const clinicalEntries: unknown[] = []
  const clinicalRejected: ImportRejected[] = []
  for (const e of clinical) {
    if (e.size > MAX_CLINICAL_RECORD_BYTES) {
      clinicalRejected.push({ index: clinicalEntries.length, reason: `over ${MAX_CLINICAL_RECORD_BYTES} bytes`, file: e.name })
      continue
    }
    try {
      clinicalEntries.push({ resource: asBundle(parseJson(await readText(await zipEntryStream(file, e), MAX_CLINICAL_RECORD_BYTES, () => undefined, signal), e.name)) })
    } catch (err) {
      if (signal?.aborted === true) throw err
      clinicalRejected.push({ index: clinicalEntries.length, reason: err instanceof Error ? err.message : String(err), file: e.name })
    }
  }

  // pass 2: parsed in the worker, applied here in slices
  const sink = recordSink({ compartment, batchSize: APPLE_STORE_BATCH })
  const patientId = session.get('core').resources.list('Patient')[0]?.id
  let applied = false
  const apply = async (b: AppleHealthBatch): Promise<void> => {
    applied = true
    let last = performance.now()
    const turn = async (): Promise<void> => {
      if (performance.now() - last > YIELD_EVERY_MS) {
        await yieldToPage()
        last = performance.now()
      }
    }
    const series = compartment('vitals').series
    for (let i = 0; i < b.samples.length; i++) {
      const [code, device, t, value, unit] = b.samples[i] as AppleHealthBatch['samples'][number]
      sink.sample(code, device, t, value, unit)
      if ((i & 255) === 255) {
        // the buffered samples go into the record a few hundred at a time, not all at the end
        if ((i & 1023) === 1023) series.flush()
        await turn()
      }
    }
    for (const o of b.observations) {
      sink.observation(o)
      await turn()
    }
    series.flush()
  }
  // once a batch is applied the import runs to its end: the signal is not passed on
  const result: AppleHealthCounts = await worker.run(
    (c) => c.streamAppleHealth(file, xmlEntry, patientId === undefined ? undefined : { reference: `Patient/${patientId}` }, apply, { onProgress: (f) => progress(ImportPhase.importing, share + share * f) }),
    () => !applied
  )
  const counts = sink.flush()
  const stored: Record<string, number> = {}
  const duplicates: Record<string, number> = {}
  let sensitive = 0
  let unresolved = 0
  const rejected: ImportRejected[] = counts.rejected.map((r, index) => ({ index, reason: r.reason }))
  if (counts.stored > 0) add(stored, 'Observation', counts.stored)
  if (counts.duplicates > 0) add(duplicates, 'Observation', counts.duplicates)
  if (clinicalEntries.length > 0) {
    // a single clinical record is one resource; a Bundle of them is flattened by wrapping each file as an entry
    const flat = clinicalEntries.flatMap((e) => {
      const b = (e as { resource: { type?: string; entry?: unknown[] } }).resource
      return b.type === 'collection' && Array.isArray(b.entry) ? b.entry : [e]
    })
    const report = importBundle({ resourceType: 'Bundle', type: 'collection', entry: flat }, { compartment })
    const s = fhirSummary(report)
    for (const [t, n] of Object.entries(s.stored)) add(stored, t, n)
    for (const [t, n] of Object.entries(s.duplicates)) add(duplicates, t, n)
    sensitive += s.sensitive
    unresolved += report.unresolved.length
    rejected.push(...report.rejected.map((r) => ({ index: r.index, reason: r.reason, file: 'clinical-records' })))
  }
  rejected.push(...clinicalRejected)
  progress(ImportPhase.importing, 1)
  await session.whenSaved()
  const otherTypes = Object.values(result.skipped.byType).reduce((a, b) => a + b, 0)
  components.audit('import', 'self', { what: 'apple-health', records: result.records, samples: result.samples, stored: counts.stored })
  return {
    format: 'apple-health',
    total: result.records,
    stored,
    duplicates,
    rejected,
    sensitive,
    unresolved,
    apple: { records: result.records, samples: result.samples, workouts: result.skipped.workouts, otherTypes, invalid: result.skipped.invalid }
  }
}

/** The resources a Bundle holds, counted by type, for a preview before importing. */
export function countByType(resources: readonly FhirResource[] | readonly { resourceType: string }[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of resources) add(out, r.resourceType)
  return out
}
