/**
 * The reading half of a file import, made to run in a worker (`workers/import.ts`) so that
 * the page never waits on it: a FHIR JSON file read, parsed and prepared (`prepareBundle`:
 * ids, the record's validator), an Apple Health `export.xml` (alone or as an entry of an
 * `export.zip`, inflated here) checked whole, then streamed as batches of samples and
 * Observations. What needs the record — duplicates, references, storing — stays on the page
 * (`importPreparedInSlices`, `recordSink`), in slices.
 *
 * ```
 * page → worker  { id, op: 'fhir', file: Blob, maxBytes }
 *                { id, op: 'apple-check' | 'apple-stream', file: Blob, entry?: ZipEntry, subject?: Reference }
 *                { id, op: 'ack' }          (one per batch the page applied: the worker keeps at most MAX_BATCHES_AHEAD unapplied)
 * worker → page  { id, type: 'progress', fraction }
 *                { id, type: 'fhir', total, rejected, entries: string[] }   (each entry as JSON text: cheap to pass, parsed on the page in slices)
 *                { id, type: 'batch', samples: [code, device, t, value, unit][], observations: FhirResource[] }
 *                { id, type: 'apple', result }                              (the AppleHealthResult, without `error`)
 *                { id, type: 'error', name, message }
 * ```
 *
 * The same `serveImport` runs on the page through a `MessageChannel` when no worker can start:
 * its loops then give the page a turn every `YIELD_EVERY_MS`.
 */
import { InputTooLargeError } from '../lib/index.ts'
import type { FhirResource, Reference } from '../record/index.ts'
import { createAppleHealthImporter, type AppleHealthResult, type AppleHealthSink } from './apple-health.ts'
import { BundleFormatError } from './errors.ts'
import { prepareBundle, type PreparedEntry } from './import.ts'
import type { RejectedEntry } from './bundle.ts'
import { zipEntryStream, type ZipEntry } from './zip.ts'

/** What the page asks. */
export type ImportRequest =
  | { readonly id: number; readonly op: 'fhir'; readonly file: Blob; readonly maxBytes: number }
  | { readonly id: number; readonly op: 'apple-check' | 'apple-stream'; readonly file: Blob; readonly entry?: ZipEntry; readonly subject?: Reference }
  | { readonly id: number; readonly op: 'ack' }

/** One time-series sample: code, device, time (ms), value, unit. */
export type SampleTuple = readonly [string, string, number, number, string]

/** What the AppleHealthResult says, as plain data (the error travels as an `error` answer). */
export type AppleHealthCounts = Omit<AppleHealthResult, 'error'>

/** What the worker answers. */
export type ImportAnswer =
  | { readonly id: number; readonly type: 'progress'; readonly fraction: number }
  | { readonly id: number; readonly type: 'fhir'; readonly total: number; readonly rejected: RejectedEntry[]; readonly entries: string[] }
  | { readonly id: number; readonly type: 'batch'; readonly samples: SampleTuple[]; readonly observations: FhirResource[] }
  | { readonly id: number; readonly type: 'apple'; readonly result: AppleHealthCounts }
  | { readonly id: number; readonly type: 'error'; readonly name: string; readonly message: string }

/** Where the serving side listens and answers (a worker's `self`, or a `MessagePort`). */
export interface ImportServeScope {
  addEventListener(type: 'message', listener: (e: MessageEvent<ImportRequest>) => void): void
  postMessage(message: ImportAnswer): void
}

/** Bytes fed to a parser between checks of the clock. */
const SLICE_BYTES = 16 * 1024
/** The serving loop gives its thread a turn at least this often (it matters on the page). */
export const YIELD_EVERY_MS = 12
/** Samples and Observations per batch sent to the page. */
const BATCH_ITEMS = 4000
/** Batches sent that the page has not applied yet, at most: bounds the memory of a large export. */
export const MAX_BATCHES_AHEAD = 3

const yieldThread = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

/**
 * A FHIR JSON value as a readable Bundle: a single resource becomes a one-entry collection.
 * @throws {BundleFormatError} for JSON that is not an object with a `resourceType`.
 */
export function fhirJsonAsBundle(json: unknown): unknown {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new BundleFormatError('file: the JSON is not an object')
  const rt = (json as { resourceType?: unknown }).resourceType
  if (typeof rt !== 'string' || rt === '') throw new BundleFormatError('file: the JSON has no resourceType, so it is not FHIR')
  return rt === 'Bundle' ? json : { resourceType: 'Bundle', type: 'collection', entry: [{ resource: json }] }
}

/**
 * `JSON.parse` whose failure is a `BundleFormatError` naming `what`.
 * @throws {BundleFormatError} for text that is not JSON.
 */
export function parseFhirJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new BundleFormatError(`${what}: not JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err })
  }
}

/** Streams `source` through `write` in slices, reporting bytes read, giving the thread a turn every `YIELD_EVERY_MS`. */
async function pump(source: ReadableStream<Uint8Array>, write: (chunk: Uint8Array) => void | Promise<void>, onBytes: (n: number) => void): Promise<void> {
  const reader = source.getReader()
  let read = 0
  let last = performance.now()
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      for (let at = 0; at < value.byteLength; at += SLICE_BYTES) {
        const slice = value.subarray(at, Math.min(value.byteLength, at + SLICE_BYTES))
        await write(slice)
        read += slice.byteLength
        onBytes(read)
        if (performance.now() - last > YIELD_EVERY_MS) {
          await yieldThread()
          last = performance.now()
        }
      }
    }
  } finally {
    reader.releaseLock()
  }
}

/** Serves import requests (see the file comment); one request at a time is the page's to keep. */
export function serveImport(scope: ImportServeScope): void {
  const acks = new Map<number, { waiting: number; wake: (() => void) | undefined }>()
  const fail = (id: number, err: unknown): void => {
    scope.postMessage({ id, type: 'error', name: err instanceof Error ? err.name : 'Error', message: err instanceof Error ? err.message : String(err) })
  }
  const progressOf = (id: number, total: number): ((n: number) => void) => {
    let sent = -1
    return (n) => {
      const fraction = Math.min(1, n / Math.max(1, total))
      // a hundred messages a file at most
      if (fraction - sent < 0.01 && fraction < 1) return
      sent = fraction
      scope.postMessage({ id, type: 'progress', fraction })
    }
  }

  async function fhir(id: number, file: Blob, maxBytes: number): Promise<void> {
    // STYLE: size-cap every untrusted input before parsing it
    if (file.size > maxBytes) throw new InputTooLargeError(`file: over ${maxBytes} bytes`)
    const decoder = new TextDecoder('utf-8')
    const parts: string[] = []
    let size = 0
    await pump(
      file.stream(),
      (chunk) => {
        size += chunk.byteLength
        if (size > maxBytes) throw new InputTooLargeError(`file: over ${maxBytes} bytes`)
        parts.push(decoder.decode(chunk, { stream: true }))
      },
      progressOf(id, file.size)
    )
    parts.push(decoder.decode())
    const prepared = prepareBundle(fhirJsonAsBundle(parseFhirJson(parts.join(''), 'file')))
    const entries = prepared.entries.map((e: PreparedEntry) => JSON.stringify(e))
    scope.postMessage({ id, type: 'fhir', total: prepared.total, rejected: prepared.rejected, entries })
  }

  async function apple(id: number, op: 'apple-check' | 'apple-stream', file: Blob, entry: ZipEntry | undefined, subject: Reference | undefined): Promise<void> {
    const source = entry === undefined ? file.stream() : await zipEntryStream(file, entry)
    const size = entry === undefined ? file.size : entry.size
    let samples: SampleTuple[] = []
    let observations: FhirResource[] = []
    const state = { waiting: 0, wake: undefined as (() => void) | undefined }
    acks.set(id, state)
    const sink: AppleHealthSink =
      op === 'apple-check'
        ? { sample: () => undefined, observation: () => undefined }
        : { sample: (code, device, t, value, unit) => void samples.push([code, device, t, value, unit]), observation: (o) => void observations.push(o) }
    const send = async (): Promise<void> => {
      if (samples.length + observations.length === 0) return
      // the page applies batches in order; beyond MAX_BATCHES_AHEAD unapplied, wait for it
      while (state.waiting >= MAX_BATCHES_AHEAD) await new Promise<void>((resolve) => (state.wake = resolve))
      state.waiting++
      scope.postMessage({ id, type: 'batch', samples, observations })
      samples = []
      observations = []
    }
    try {
      const imp = createAppleHealthImporter({ sink, ...(subject === undefined ? {} : { subject }) })
      await pump(
        source,
        async (chunk) => {
          imp.write(chunk)
          if (samples.length + observations.length >= BATCH_ITEMS) await send()
        },
        progressOf(id, size)
      )
      const result = imp.end()
      if (!result.complete && result.error !== undefined) throw result.error
      await send()
      const { error: _error, ...counts } = result
      scope.postMessage({ id, type: 'apple', result: counts })
    } finally {
      acks.delete(id)
    }
  }

  scope.addEventListener('message', (e) => {
    const req = e.data
    if (req.op === 'ack') {
      const state = acks.get(req.id)
      if (state === undefined) return
      state.waiting--
      const wake = state.wake
      state.wake = undefined
      wake?.()
      return
    }
    const run = req.op === 'fhir' ? fhir(req.id, req.file, req.maxBytes) : apple(req.id, req.op, req.file, req.entry, req.subject)
    run.catch((err: unknown) => fail(req.id, err))
  })
}
