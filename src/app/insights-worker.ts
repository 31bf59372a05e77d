/**
 * The app's one insights worker (DESIGN §9: decision support never runs on the UI thread),
 * started on first use and shared by the patient's record and every patient a doctor
 * sees. A worker that fails (did not load, crashed) is replaced on the next call.
 */
import { createInsightsClient, type InsightsClient, type InsightsPort } from '../insights/index.ts'

/** A started worker, as the handle needs it (a `Worker`, or a test's fake). */
export type InsightsWorkerPort = InsightsPort & { terminate(): void }

/** The shared worker's handle. */
export interface InsightsWorker {
  /** The client of the running worker; starts one when there is none (or the last one failed). Needs no `this`: pass it on as it is. */
  readonly client: () => InsightsClient
  /** Ends the worker; a later `client()` starts a new one. */
  readonly close: () => void
}

/** Options of `lazyInsightsWorker`. */
export interface InsightsWorkerInit {
  /** Starts the worker. @default a module worker of `workers/insights.ts` */
  readonly start?: () => InsightsWorkerPort
  /** How long one request may take. @default 30_000 */
  readonly timeoutMs?: number
}

// vite bundles `new Worker(new URL(…, import.meta.url))` as a separate chunk, in dev and in the build
const startModuleWorker = (): InsightsWorkerPort => new Worker(new URL('../../workers/insights.ts', import.meta.url), { type: 'module' })

/**
 * A handle that starts the insights worker lazily.
 * @example
 * const insights = lazyInsightsWorker()
 * const { findings } = await insights.client().deriveInsights(input)
 */
export function lazyInsightsWorker(init: InsightsWorkerInit = {}): InsightsWorker {
  const start = init.start ?? startModuleWorker
  let current: InsightsClient | undefined
  return {
    client: () => {
      if (current !== undefined) return current
      const worker = start()
      const client = createInsightsClient({ port: worker, terminate: () => worker.terminate(), ...(init.timeoutMs === undefined ? {} : { timeoutMs: init.timeoutMs }) })
      // the client has already failed its pending calls with InsightsWorkerError; the next call starts afresh
      worker.addEventListener('error', () => {
        if (current !== client) return
        current = undefined
        client.close()
      })
      current = client
      return client
    },
    close: () => {
      current?.close()
      current = undefined
    }
  }
}
