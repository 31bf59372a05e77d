/**
 * The app's side of the insights worker: typed calls that post a request with a fresh id
 * and resolve with the worker's answer to that id. A rule's `TypeError` / `RangeError`
 * is rethrown as such (same message); any other remote error as `InsightsRemoteError`.
 */
import { InsightsClosedError, InsightsProtocolError, InsightsRemoteError, InsightsTimeoutError, InsightsWorkerError } from './errors.ts'
import { REQUEST_TYPE, RESPONSE_TYPE, type InsightsApi, type InsightsMethod, type InsightsPort, type InsightsRequest } from './protocol.ts'

/** Options of `createInsightsClient`. */
export interface InsightsClientInit {
  /** The worker (or a `MessagePort` to it). */
  readonly port: InsightsPort
  /** How long a request may take. @default 30_000 */
  readonly timeoutMs?: number
  /** Called to end the worker when the client closes (e.g. `() => worker.terminate()`). */
  readonly terminate?: () => void
}

/** Options of one call. */
export interface CallOptions {
  readonly signal?: AbortSignal
}

/** A promise-returning twin of each API method, with call options as a last argument. */
export type InsightsClient = {
  readonly [M in InsightsMethod]: (...args: [...Parameters<InsightsApi[M]>, CallOptions?]) => Promise<ReturnType<InsightsApi[M]>>
} & {
  /** Calls `method` with `args`. */
  call<M extends InsightsMethod>(method: M, args: Parameters<InsightsApi[M]>, opts?: CallOptions): Promise<ReturnType<InsightsApi[M]>>
  /** Requests waiting for an answer. */
  readonly pending: number
  /** Fails pending requests with `InsightsClosedError`, stops listening, terminates the worker if given. */
  close(): void
}

interface Pending {
  resolve(value: unknown): void
  reject(err: Error): void
  cleanup(): void
}

function remoteError(name: string, message: string): Error {
  // a rule's own argument errors keep their class, so callers handle them as if called directly
  if (name === 'TypeError') return new TypeError(message)
  if (name === 'RangeError') return new RangeError(message)
  return new InsightsRemoteError(name, message)
}

/**
 * A client of the insights worker over `port`.
 * @throws {RangeError} if `timeoutMs` is not a positive integer.
 * @example
 * const worker = new Worker(new URL('../../workers/insights.ts', import.meta.url), { type: 'module' })
 * const insights = createInsightsClient({ port: worker, terminate: () => worker.terminate() })
 * const { findings } = await insights.deriveInsights(insightInputOf(vitals))
 */
export function createInsightsClient(init: InsightsClientInit): InsightsClient {
  const timeoutMs = init.timeoutMs ?? 30_000
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs: expected a positive integer, got ${String(timeoutMs)}`)
  const port = init.port
  const pending = new Map<number, Pending>()
  let nextId = 1
  let closed = false

  const failAll = (err: Error): void => {
    for (const p of [...pending.values()]) p.reject(err)
  }
  const onMessage = (event: Event): void => {
    const data: unknown = (event as MessageEvent).data
    if (typeof data !== 'object' || data === null || (data as { type?: unknown }).type !== RESPONSE_TYPE) return
    const msg = data as { id?: unknown; ok?: unknown; result?: unknown; error?: { name?: unknown; message?: unknown } }
    const p = typeof msg.id === 'number' ? pending.get(msg.id) : undefined
    // an answer to no pending request (it timed out or was aborted) is dropped
    if (p === undefined) return
    if (msg.ok === true) p.resolve(msg.result)
    else if (msg.ok === false && typeof msg.error?.name === 'string' && typeof msg.error.message === 'string') p.reject(remoteError(msg.error.name, msg.error.message))
    else p.reject(new InsightsProtocolError('response: expected ok with result, or an error with name and message'))
  }
  const onError = (event: Event): void => {
    const message = (event as ErrorEvent).message
    failAll(new InsightsWorkerError(`insights worker failed${typeof message === 'string' && message !== '' ? `: ${message}` : ''}`))
  }
  const onMessageError = (): void => failAll(new InsightsWorkerError('insights worker sent a message that could not be deserialised'))
  port.addEventListener('message', onMessage)
  port.addEventListener('error', onError)
  port.addEventListener('messageerror', onMessageError)
  port.start?.()

  function call<M extends InsightsMethod>(method: M, args: Parameters<InsightsApi[M]>, opts: CallOptions = {}): Promise<ReturnType<InsightsApi[M]>> {
    if (closed) return Promise.reject(new InsightsClosedError('insights client is closed'))
    const signal = opts.signal
    if (signal?.aborted === true) return Promise.reject(signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'))
    const id = nextId++
    return new Promise<ReturnType<InsightsApi[M]>>((resolve, reject) => {
      const timer = setTimeout(() => {
        entry.reject(new InsightsTimeoutError(`${method}: no answer from the insights worker within ${timeoutMs} ms`))
      }, timeoutMs)
      const onAbort = (): void => entry.reject(signal?.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'))
      const entry: Pending = {
        resolve: (v) => {
          entry.cleanup()
          resolve(v as ReturnType<InsightsApi[M]>)
        },
        reject: (e) => {
          entry.cleanup()
          reject(e)
        },
        cleanup: () => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          pending.delete(id)
        }
      }
      pending.set(id, entry)
      signal?.addEventListener('abort', onAbort, { once: true })
      const request: InsightsRequest<M> = { type: REQUEST_TYPE, id, method, args }
      try {
        port.postMessage(request)
      } catch (err) {
        // a DataCloneError (an argument that cannot be cloned) fails this call only
        entry.reject(err instanceof Error ? err : new Error(String(err)))
      }
    })
  }

  const methods = {} as Record<InsightsMethod, (...args: unknown[]) => Promise<unknown>>
  for (const m of ['news2', 'bpCategory', 'bpAverage', 'cgmMetrics', 'afScreen', 'checkPrescription', 'deriveInsights'] as const satisfies readonly InsightsMethod[]) {
    methods[m] = (...args: unknown[]) => {
      const last = args[args.length - 1]
      const arity = ARITY[m]
      const opts = args.length > arity && typeof last === 'object' && last !== null ? (last as CallOptions) : undefined
      return call(m, args.slice(0, arity) as Parameters<InsightsApi[typeof m]>, opts)
    }
  }
  const client = {
    call,
    get pending(): number {
      return pending.size
    },
    close(): void {
      if (closed) return
      closed = true
      failAll(new InsightsClosedError('insights client is closed'))
      port.removeEventListener('message', onMessage)
      port.removeEventListener('error', onError)
      port.removeEventListener('messageerror', onMessageError)
      init.terminate?.()
    }
  }
  // assign onto `client` (not from it): a spread or assign from it would freeze the `pending` getter
  return Object.assign(client, methods) as unknown as InsightsClient
}

/** Parameters each method declares (optional ones included), to tell call options apart. */
const ARITY: Record<InsightsMethod, number> = { news2: 1, bpCategory: 2, bpAverage: 2, cgmMetrics: 2, afScreen: 2, checkPrescription: 1, deriveInsights: 1 }
