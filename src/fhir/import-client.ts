/**
 * The page's side of the import worker (`import-worker.ts`): sends a file, gets back a
 * prepared Bundle or batches of Apple Health data, and turns the worker's errors back into
 * the named errors the reading would have thrown on the page. A worker that fails (did not
 * load, crashed) fails every pending request with `ImportWorkerError`, before any batch was
 * delivered or after; the caller decides whether it may run the request again elsewhere.
 */
import { FormatError, InputTooLargeError, PhrError } from '../lib/index.ts'
import type { Reference } from '../record/index.ts'
import { AppleHealthFormatError, AppleHealthTruncatedError, BundleFormatError } from './errors.ts'
import type { PreparedBundle, PreparedEntry } from './import.ts'
import type { AppleHealthCounts, ImportAnswer, ImportRequest, SampleTuple } from './import-worker.ts'
import type { FhirResource } from '../record/index.ts'
import { ZipFormatError, type ZipEntry } from './zip.ts'

/** The import worker failed (did not start, or crashed) while it held a request. */
export class ImportWorkerError extends PhrError {
  override name: string = 'ImportWorkerError'
}

/** A worker (or a `MessagePort` served on the page) as the client needs it. */
export interface ImportPort {
  postMessage(message: ImportRequest): void
  addEventListener(type: 'message', listener: (e: MessageEvent<ImportAnswer>) => void): void
  addEventListener(type: 'error', listener: (e: Event) => void): void
}

/** One batch of Apple Health data to apply. */
export interface AppleHealthBatch {
  readonly samples: readonly SampleTuple[]
  readonly observations: readonly FhirResource[]
}

/** Options of one request. */
export interface ImportCallOptions {
  /** Fraction of the file read. */
  readonly onProgress?: (fraction: number) => void
  /** Ends the wait (the worker finishes its part and is ignored). */
  readonly signal?: AbortSignal
}

/** The client. */
export interface ImportClient {
  /**
   * Reads a FHIR JSON file in the worker: parsed, made a Bundle, prepared (`prepareBundle`).
   * The entries come back as JSON text, to be read with `readPreparedEntries`.
   * @throws {BundleFormatError | InputTooLargeError} as reading on the page would; {ImportWorkerError} when the worker failed
   */
  prepareFhir(file: Blob, maxBytes: number, opts?: ImportCallOptions): Promise<{ total: number; rejected: PreparedBundle['rejected']; entries: string[] }>
  /**
   * Checks that an Apple Health export is whole and well-formed (nothing comes back but counts).
   * @throws {AppleHealthFormatError | AppleHealthTruncatedError | ZipFormatError}; {ImportWorkerError} when the worker failed
   */
  checkAppleHealth(file: Blob, entry: ZipEntry | undefined, opts?: ImportCallOptions): Promise<AppleHealthCounts>
  /**
   * Streams an Apple Health export as batches; `onBatch` applies each one (the worker stays at
   * most a few batches ahead of the page), in order.
   * @throws as `checkAppleHealth`, or what `onBatch` throws
   */
  streamAppleHealth(file: Blob, entry: ZipEntry | undefined, subject: Reference | undefined, onBatch: (b: AppleHealthBatch) => Promise<void>, opts?: ImportCallOptions): Promise<AppleHealthCounts>
}

const ERRORS: Record<string, new (message: string) => Error> = {
  BundleFormatError,
  InputTooLargeError,
  AppleHealthFormatError,
  AppleHealthTruncatedError,
  ZipFormatError,
  FormatError
}

/** The worker's error answer as the named error it was. */
function errorOf(name: string, message: string): Error {
  const Named = ERRORS[name]
  if (Named !== undefined) return new Named(message)
  const err = new ImportWorkerError(`import worker: ${name}: ${message}`)
  return err
}

/**
 * Parses the prepared entries the worker sent, giving the page a turn every `sliceMs`.
 * @throws Never for the worker's own output.
 */
export async function readPreparedEntries(texts: readonly string[], sliceMs = 12): Promise<PreparedEntry[]> {
  const out: PreparedEntry[] = []
  let last = performance.now()
  for (const t of texts) {
    out.push(JSON.parse(t) as PreparedEntry)
    if (performance.now() - last > sliceMs) {
      await new Promise((resolve) => setTimeout(resolve, 0))
      last = performance.now()
    }
  }
  return out
}

/**
 * A client of the import worker on `port`.
 * @example
 * const client = createImportClient(new Worker(new URL('../../workers/import.ts', import.meta.url), { type: 'module' }))
 * const prepared = await client.prepareFhir(file, 64 << 20)
 */
export function createImportClient(port: ImportPort): ImportClient {
  type Pending = { readonly onAnswer: (a: ImportAnswer) => void; readonly reject: (e: Error) => void }
  const pending = new Map<number, Pending>()
  let nextId = 1
  let failed: Error | undefined
  port.addEventListener('message', (e) => pending.get(e.data.id)?.onAnswer(e.data))
  port.addEventListener('error', (e) => {
    failed = new ImportWorkerError(`import worker failed: ${(e as ErrorEvent).message ?? 'did not start'}`)
    for (const p of pending.values()) p.reject(failed)
    pending.clear()
  })

  function call<T>(make: (id: number) => ImportRequest, opts: ImportCallOptions, onData: (a: ImportAnswer, resolve: (v: T) => void, reject: (e: Error) => void) => void): Promise<T> {
    if (failed !== undefined) return Promise.reject(failed)
    opts.signal?.throwIfAborted()
    const id = nextId++
    return new Promise<T>((resolve, reject) => {
      const done = (): void => {
        pending.delete(id)
        opts.signal?.removeEventListener('abort', onAbort)
      }
      const onAbort = (): void => {
        done()
        reject(opts.signal?.reason instanceof Error ? opts.signal.reason : new DOMException('aborted', 'AbortError'))
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      pending.set(id, {
        reject: (e) => {
          done()
          reject(e)
        },
        onAnswer: (a) => {
          if (a.type === 'progress') return opts.onProgress?.(a.fraction)
          if (a.type === 'error') {
            done()
            return reject(errorOf(a.name, a.message))
          }
          onData(
            a,
            (v) => {
              done()
              resolve(v)
            },
            (e) => {
              done()
              reject(e)
            }
          )
        }
      })
      port.postMessage(make(id))
    })
  }

  return {
    prepareFhir: (file, maxBytes, opts = {}) =>
      call((id) => ({ id, op: 'fhir', file, maxBytes }), opts, (a, resolve) => {
        if (a.type === 'fhir') resolve({ total: a.total, rejected: a.rejected, entries: a.entries })
      }),
    checkAppleHealth: (file, entry, opts = {}) =>
      call((id) => ({ id, op: 'apple-check', file, ...(entry === undefined ? {} : { entry }) }), opts, (a, resolve) => {
        if (a.type === 'apple') resolve(a.result)
      }),
    streamAppleHealth(file, entry, subject, onBatch, opts = {}) {
      // batches are applied one after another, in the order they came
      let chain = Promise.resolve()
      let batchFailed: Error | undefined
      return call<AppleHealthCounts>(
        (id) => ({ id, op: 'apple-stream', file, ...(entry === undefined ? {} : { entry }), ...(subject === undefined ? {} : { subject }) }),
        opts,
        (a, resolve, reject) => {
          if (a.type === 'batch') {
            chain = chain.then(async () => {
              if (batchFailed !== undefined) return
              try {
                await onBatch({ samples: a.samples, observations: a.observations })
              } catch (err) {
                batchFailed = err instanceof Error ? err : new Error(String(err))
                reject(batchFailed)
                return
              }
              port.postMessage({ id: a.id, op: 'ack' })
            })
          } else if (a.type === 'apple') {
            const result = a.result
            void chain.then(() => (batchFailed === undefined ? resolve(result) : undefined))
          }
        }
      )
    }
  }
}
