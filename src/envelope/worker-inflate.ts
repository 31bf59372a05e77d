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
import { useEnvelopeDecrypter, verifyAndDecrypt, type EnvelopeDecrypter } from './envelope.ts'
import { DecryptError, EnvelopeFormatError, EnvelopeTooLargeError, SignatureInvalidError } from '../lib/index.ts'

/** What the page sends a worker: a segment to inflate, or an envelope to verify and decrypt. */
type InflateRequest =
  | { readonly id: number; readonly deflated: ArrayBuffer; readonly length: number }
  | { readonly id: number; readonly envelope: ArrayBuffer; readonly key: Uint8Array; readonly maxBytes: number | undefined }
/** What a worker answers (`name`: the named error's class, for an envelope that is refused). */
type InflateAnswer = { readonly id: number; readonly inflated: ArrayBuffer } | { readonly id: number; readonly error: string; readonly name?: string }

/** The named errors `verifyAndDecrypt` throws, rebuilt on the page from a worker's answer. */
const ENVELOPE_ERRORS: Record<string, new (message: string) => Error> = {
  SignatureInvalidError,
  DecryptError,
  EnvelopeFormatError,
  EnvelopeTooLargeError
}

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
    const data = e.data
    const { id } = data
    if ('envelope' in data) {
      verifyAndDecrypt(new Uint8Array(data.envelope), data.key, data.maxBytes).then(
        (plain) => {
          const out = plain.byteOffset === 0 && plain.byteLength === plain.buffer.byteLength ? plain : plain.slice()
          scope.postMessage({ id, inflated: out.buffer as ArrayBuffer }, [out.buffer as ArrayBuffer])
        },
        (err: unknown) => scope.postMessage({ id, error: err instanceof Error ? err.message : String(err), name: err instanceof Error ? err.name : 'Error' }, [])
      )
      return
    }
    const { deflated, length } = data
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
            else {
              const Named = e.data.name === undefined ? undefined : ENVELOPE_ERRORS[e.data.name]
              pending.reject(Named === undefined ? new Error(e.data.error) : new Named(e.data.error))
            }
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
  /** Sends `request` (built for a fresh id) to a worker; `undefined` when there is none to send it to. */
  const ask = async (request: (id: number) => { message: InflateRequest; transfer: Transferable[] }): Promise<ArrayBuffer | undefined> => {
    clearTimeout(idle)
    const w = worker()
    if (w === undefined) return undefined
    const id = nextId++
    const { message, transfer } = request(id)
    try {
      return await new Promise<ArrayBuffer>((resolve, reject) => {
        waiting.set(id, { resolve, reject })
        w.postMessage(message, transfer)
      })
    } finally {
      clearTimeout(idle)
      idle = setTimeout(() => {
        if (waiting.size === 0) stop()
      }, idleMs)
    }
  }

  // a big envelope is verified and decrypted in a worker too; the page keeps the author
  // check and the key lookup, and an answer is the named error or the plaintext
  const decrypter: EnvelopeDecrypter = async (envelope, key, maxBytes) => {
    let plain: ArrayBuffer | undefined
    try {
      plain = await ask((id) => {
        const copy = envelope.slice()
        return { message: { id, envelope: copy.buffer, key: key.slice(), maxBytes }, transfer: [copy.buffer] }
      })
    } catch (err) {
      if (!broken) throw err
    }
    return plain === undefined ? verifyAndDecrypt(envelope, key, maxBytes) : new Uint8Array(plain)
  }
  useRawInflater(inflater)
  useEnvelopeDecrypter(decrypter)
  return () => {
    clearTimeout(idle)
    useRawInflater(undefined)
    useEnvelopeDecrypter(undefined)
    stop()
  }
}
