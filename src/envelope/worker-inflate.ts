/**
 * Inflating snapshot segments in workers (browsers). Chromium's `DecompressionStream` does
 * its work on the thread that reads it: on the page, inflating a snapshot and applying it
 * take turns. `installWorkerInflater` installs a `RawInflater` that hands each segment to
 * one of a few module workers (`workers/inflate.ts`), so the page applies one part of a
 * snapshot in parts while the next inflate. The checks stay on the page: `compression.ts`
 * declares every length before inflating, and an answer of another length is refused.
 * A worker that cannot start or fails makes that segment (and the rest) inflate on the page.
 */
import { streamInflateInto, useRawInflater, type RawInflater } from './compression.ts'

/** What the page sends a worker. */
interface InflateRequest {
  readonly id: number
  readonly deflated: ArrayBuffer
  readonly length: number
}
/** What a worker answers. */
type InflateAnswer = { readonly id: number; readonly inflated: ArrayBuffer } | { readonly id: number; readonly error: string }

/** A worker as the pool needs it (a `Worker`, or a test's port). */
export interface InflatePort {
  postMessage(message: InflateRequest, transfer: Transferable[]): void
  addEventListener(type: 'message', listener: (e: MessageEvent<InflateAnswer>) => void): void
  addEventListener(type: 'error', listener: (e: Event) => void): void
  terminate(): void
}

/** Inflates raw DEFLATE into exactly `length` bytes with the platform's stream, on this thread. */
async function inflateOnThisThread(deflated: Uint8Array, length: number): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(length)
  await streamInflateInto(deflated, out)
  return out
}

/** Serves inflate requests in a worker (see workers/inflate.ts). */
export function serveInflate(scope: { addEventListener(type: 'message', l: (e: MessageEvent<InflateRequest>) => void): void; postMessage(m: InflateAnswer, transfer: Transferable[]): void }): void {
  scope.addEventListener('message', (e) => {
    const { id, deflated, length } = e.data
    inflateOnThisThread(new Uint8Array(deflated), length).then(
      (out) => {
        scope.postMessage({ id, inflated: out.buffer }, [out.buffer])
      },
      (err: unknown) => scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) }, [])
    )
  })
}

/** Options of `installWorkerInflater`. */
export interface WorkerInflaterInit {
  /** Workers in the pool. @default min(2, hardwareConcurrency − 1), at least 1 */
  readonly workers?: number
  /** Starts one worker. @default a module worker of `workers/inflate.ts` */
  readonly start?: () => InflatePort
  /** Idle time after which the workers end (they start again on the next segment). @default 15 s */
  readonly idleMs?: number
}

// vite bundles `new Worker(new URL(…, import.meta.url))` as a separate chunk, in dev and in the build
const startModuleWorker = (): InflatePort => new Worker(new URL('../../workers/inflate.ts', import.meta.url), { type: 'module' })

/**
 * Makes compressed snapshots inflate in a small pool of workers on this page. Returns a
 * function that uninstalls it and ends the workers.
 */
export function installWorkerInflater(init: WorkerInflaterInit = {}): () => void {
  const cores = typeof navigator === 'undefined' ? 2 : navigator.hardwareConcurrency || 2
  const size = Math.max(1, init.workers ?? Math.min(2, cores - 1))
  const start = init.start ?? startModuleWorker
  const idleMs = init.idleMs ?? 15_000
  const waiting = new Map<number, { resolve: (b: ArrayBuffer) => void; reject: (e: Error) => void }>()
  let pool: InflatePort[] = []
  let broken = false
  let nextId = 1
  let turn = 0
  let idle: ReturnType<typeof setTimeout> | undefined

  const stop = (): void => {
    for (const w of pool) w.terminate()
    pool = []
    for (const w of waiting.values()) w.reject(new Error('inflate worker ended'))
    waiting.clear()
  }
  const worker = (): InflatePort | undefined => {
    if (broken) return undefined
    if (pool.length === 0) {
      try {
        for (let i = 0; i < size; i++) {
          const w = start()
          w.addEventListener('message', (e) => {
            const pending = waiting.get(e.data.id)
            if (pending === undefined) return
            waiting.delete(e.data.id)
            if ('inflated' in e.data) pending.resolve(e.data.inflated)
            else pending.reject(new Error(e.data.error))
          })
          w.addEventListener('error', () => {
            // a worker that fails to load or crashes: the page inflates from now on
            broken = true
            stop()
          })
          pool.push(w)
        }
      } catch {
        broken = true
        stop()
        return undefined
      }
    }
    return pool[turn++ % pool.length]
  }

  const inflater: RawInflater = async (deflated, length) => {
    clearTimeout(idle)
    const w = worker()
    let inflated: Uint8Array
    if (w === undefined) {
      inflated = await inflateOnThisThread(deflated, length)
    } else {
      const id = nextId++
      const copy = deflated.slice()
      try {
        inflated = new Uint8Array(
          await new Promise<ArrayBuffer>((resolve, reject) => {
            waiting.set(id, { resolve, reject })
            w.postMessage({ id, deflated: copy.buffer, length }, [copy.buffer])
          })
        )
      } catch (err) {
        if (!broken) throw err
        inflated = await inflateOnThisThread(deflated, length)
      }
    }
    if (inflated.length !== length) throw new RangeError(`inflated to ${inflated.length} bytes`)
    clearTimeout(idle)
    idle = setTimeout(() => {
      if (waiting.size === 0) stop()
    }, idleMs)
    return inflated
  }
  useRawInflater(inflater)
  return () => {
    clearTimeout(idle)
    useRawInflater(undefined)
    stop()
  }
}
