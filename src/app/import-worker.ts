/**
 * The import worker of a record (`workers/import.ts`, serving `src/fhir/import-worker.ts`):
 * started on the first import, ended after a while without one. When no worker can start
 * (or it fails to load or crashes), the same serving code runs on the page through a
 * `MessageChannel` — slower for the page, but the import works and says the same things.
 */
import { createImportClient, ImportWorkerError, serveImport, type ImportClient, type ImportPort } from '../fhir/index.ts'

/** A started worker, as the handle needs it (a `Worker`, or a test's port). */
export type ImportWorkerPort = ImportPort & { terminate(): void }

/** The handle. */
export interface ImportWorker {
  /**
   * Runs `fn` with the worker's client; if the worker fails under it and `fn` says it may be
   * run again (`retry()` true: nothing was applied yet), runs it again on the page.
   */
  run<T>(fn: (client: ImportClient) => Promise<T>, retry?: () => boolean): Promise<T>
  /** Whether files are read on the page from now on (no worker could start, or it failed). */
  readsOnPage(): boolean
  /** Ends the worker. */
  close(): void
}

/** Options of `lazyImportWorker`. */
export interface ImportWorkerInit {
  /** Starts the worker. @default a module worker of `workers/import.ts` */
  readonly start?: () => ImportWorkerPort
  /** Idle time after which the worker ends. @default 30 s */
  readonly idleMs?: number
}

// vite bundles `new Worker(new URL(…, import.meta.url))` as a separate chunk, in dev and in the build
const startModuleWorker = (): ImportWorkerPort => new Worker(new URL('../../workers/import.ts', import.meta.url), { type: 'module' })

/** The serving code on this page, behind a `MessageChannel` (the fallback). */
function inPageClient(): ImportClient {
  const ch = new MessageChannel()
  serveImport({ addEventListener: (t, l) => ch.port2.addEventListener(t, l), postMessage: (m) => ch.port2.postMessage(m) })
  ch.port1.start()
  ch.port2.start()
  return createImportClient({
    postMessage: (m) => ch.port1.postMessage(m),
    addEventListener: (t: 'message' | 'error', l: (e: never) => void) => ch.port1.addEventListener(t as 'message', l as (e: MessageEvent) => void)
  })
}

/**
 * A handle that starts the import worker lazily, with the page as fallback.
 * @example const summary = await lazyImportWorker().run((c) => c.prepareFhir(file, 64 << 20))
 */
export function lazyImportWorker(init: ImportWorkerInit = {}): ImportWorker {
  const start = init.start ?? startModuleWorker
  const idleMs = init.idleMs ?? 30_000
  let worker: { port: ImportWorkerPort; client: ImportClient } | undefined
  let fallback: ImportClient | undefined
  let broken = false
  let busy = 0
  let idle: ReturnType<typeof setTimeout> | undefined

  const stop = (): void => {
    worker?.port.terminate()
    worker = undefined
  }
  const page = (): ImportClient => (fallback ??= inPageClient())
  const client = (): ImportClient => {
    if (broken) return page()
    if (worker === undefined) {
      try {
        const port = start()
        const c = createImportClient(port)
        port.addEventListener('error', () => {
          // did not load, or crashed: the page serves from now on
          broken = true
          if (worker?.port === port) stop()
        })
        worker = { port, client: c }
      } catch (err) {
        console.warn('import: no worker, reading on the page', err instanceof Error ? err.name : err)
        broken = true
        return page()
      }
    }
    return worker.client
  }

  return {
    async run(fn, retry) {
      clearTimeout(idle)
      busy++
      try {
        try {
          return await fn(client())
        } catch (err) {
          if (!(err instanceof ImportWorkerError) || !broken || (retry !== undefined && !retry())) throw err
          return await fn(page())
        }
      } finally {
        busy--
        if (busy === 0) idle = setTimeout(stop, idleMs)
      }
    },
    readsOnPage: () => broken,
    close() {
      clearTimeout(idle)
      stop()
    }
  }
}
