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
 * string for XML), and the loop yields to the page every `YIELD_EVERY_MS` so that the
 * progress bar moves and the page stays responsive.
 */
import { PhrError, InputTooLargeError } from '../lib/index.ts'
import {
  BundleFormatError,
  createAppleHealthImporter,
  DEFAULT_MAX_BUNDLE_BYTES,
  importBundle,
  recordSink,
  type AppleHealthResult,
  type AppleHealthSink,
  type ImportReport
} from '../fhir/index.ts'
import type { CompartmentKind, FhirResource } from '../record/index.ts'
import type { RecordSession } from './record-session.ts'
import { looksLikeZip, readZipEntries, zipEntryStream, type ZipEntry } from './interop-zip.ts'

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
export const YIELD_EVERY_MS = 12

const yieldToPage = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

/** A sink that writes nothing: the first pass of an Apple Health import only checks the file. */
const nullSink: AppleHealthSink = { sample: () => undefined, observation: () => undefined }

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

/** A FHIR JSON value as a readable Bundle: a single resource becomes a one-entry collection. */
function asBundle(json: unknown): unknown {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new BundleFormatError('file: the JSON is not an object')
  const rt = (json as { resourceType?: unknown }).resourceType
  if (typeof rt !== 'string' || rt === '') throw new BundleFormatError('file: the JSON has no resourceType, so it is not FHIR')
  return rt === 'Bundle' ? json : { resourceType: 'Bundle', type: 'collection', entry: [{ resource: json }] }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new BundleFormatError(`${what}: not JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err })
  }
}

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
  const compartment = (kind: CompartmentKind): ReturnType<RecordSession['get']> => session.get(kind)
  const kind = await sniff(file)
  const progress = (phase: ImportPhase, fraction: number): void => onProgress?.({ phase, fraction: Math.min(1, Math.max(0, fraction)) })

  if (kind === 'json') {
    if (file.size > DEFAULT_MAX_BUNDLE_BYTES) throw new InputTooLargeError(`file: over ${DEFAULT_MAX_BUNDLE_BYTES} bytes`)
    const text = await readText(file.stream(), DEFAULT_MAX_BUNDLE_BYTES, (n) => progress(ImportPhase.reading, n / Math.max(1, file.size)), signal)
    await yieldToPage()
    const parseStart = performance.now()
    const json = parseJson(text, 'file')
    performance.measure('phr-import:json-parse', { start: parseStart, end: performance.now() })
    progress(ImportPhase.importing, 0)
    await yieldToPage()
    return importFhirJson(components, json, (f) => progress(ImportPhase.importing, f), 'file')
  }

  // Apple Health: export.xml alone, or inside export.zip
  let xml: () => Promise<ReadableStream<Uint8Array>>
  let xmlSize = file.size
  let clinical: ZipEntry[] = []
  if (kind === 'zip') {
    const entries = await readZipEntries(file)
    const main = entries.find((e) => /(^|\/)export\.xml$/.test(e.name))
    if (main === undefined) throw new ImportFileKindError('zip: holds no export.xml, so it is not an Apple Health export')
    xml = () => zipEntryStream(file, main)
    xmlSize = main.size
    clinical = entries.filter((e) => /(^|\/)clinical-records\/[^/]+\.json$/.test(e.name)).slice(0, MAX_CLINICAL_RECORDS)
  } else {
    xml = () => Promise.resolve(file.stream())
  }
  const share = clinical.length > 0 ? 0.45 : 0.5

  // pass 1: is the whole export well-formed? (writes nothing)
  const check = createAppleHealthImporter({ sink: nullSink })
  await pump(await xml(), (c) => check.write(c), (n) => progress(ImportPhase.checking, n / Math.max(1, xmlSize)), signal)
  const checked = check.end()
  if (!checked.complete && checked.error !== undefined) throw checked.error

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

  // pass 2: into the record
  const sink = recordSink({ compartment })
  const patientId = session.get('core').resources.list('Patient')[0]?.id
  const imp = createAppleHealthImporter({ sink, ...(patientId === undefined ? {} : { subject: { reference: `Patient/${patientId}` } }) })
  await pump(await xml(), (c) => imp.write(c), (n) => progress(ImportPhase.importing, share + share * (n / Math.max(1, xmlSize))), signal)
  const result: AppleHealthResult = imp.end()
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
