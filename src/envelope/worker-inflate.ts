/**
 * Inflating snapshot segments in workers (browsers). Chromium's `DecompressionStream` does
 * its work on the thread that reads it: on the page, inflating a snapshot and applying it
 * take turns. `installWorkerInflater` installs a `RawInflater` that hands each segment to
 * one of a few module workers (`workers/inflate.ts`), so the page applies one part of a
 * snapshot in parts while the next inflate. The checks stay on the page: `compression.ts`
 * declares every length before inflating, and an answer of another length is refused.
 * A worker that cannot start or fails makes that segment (and the rest) inflate on the page.
 *
 * A worker inflates with fflate straight into a buffer it already holds, and the page gives
 * each part's buffer back once applied (`RawInflaterRecycle`). `DecompressionStream` hands
 * out its output in new 64 KiB chunks that are then copied: the first write to fresh memory
 * cost more than the inflating itself (47 MB of vitals state: 510–640 ms through the
 * stream into new buffers, 210–230 ms with fflate into reused ones, in one Chromium page).
 * The output is bounded by the buffer (one byte past the declared length, to tell "too
 * long" apart); the work of a bomb is bounded by its input (DEFLATE expands at most
 * 1032-fold), and it only reaches a worker after its signature and AEAD tag were checked.
 */
import { inflateSync } from 'fflate'
import { streamInflateInto, useRawInflater, type RawInflater, type RawInflaterRecycle } from './compression.ts'
import { useEnvelopeDecrypter, verifyAndDecrypt, type EnvelopeDecrypter } from './envelope.ts'
import { DecryptError, EnvelopeFormatError, EnvelopeTooLargeError, SignatureInvalidError } from '../lib/index.ts'

/** What the page sends a worker: a segment to inflate, an envelope to verify and decrypt, or a buffer given back. */
type InflateRequest =
  | { readonly id: number; readonly deflated: ArrayBuffer; readonly length: number }
  | { readonly id: number; readonly envelope: ArrayBuffer; readonly key: Uint8Array; readonly maxBytes: number | undefined }
  | { readonly recycle: ArrayBuffer }
/**
 * What a worker answers: the bytes (the first `length` of `inflated`, or all of it), or the
 * error (`name`: the named error's class, for an envelope that is refused).
 */
type InflateAnswer = { readonly id: number; readonly inflated: ArrayBuffer; readonly length?: number } | { readonly id: number; readonly error: string; readonly name?: string }

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

/** Buffers a worker keeps for the next segments (parts given back by the page). */
const MAX_FREE_BUFFERS = 6
/** Buffers are allocated in whole MiB, so that one fits the next part of about the same size. */
const BUFFER_STEP = 1 << 20

/**
 * Inflates raw DEFLATE into a buffer from `free` (or a new one): answers the buffer, whose
 * first `length` bytes are the segment. Throws a plain error saying what was wrong; the
 * buffer then goes back to `free`.
 */
function inflateIntoFree(deflated: Uint8Array, length: number, free: ArrayBuffer[]): ArrayBuffer {
  // one byte of room past the declared length tells "too long" apart from "exact"
  const need = length + 1
  const at = free.findIndex((b) => b.byteLength >= need)
  const buffer = at === -1 ? new ArrayBuffer(Math.ceil(need / BUFFER_STEP) * BUFFER_STEP) : (free.splice(at, 1)[0] as ArrayBuffer)
  let inflated: number
  try {
    inflated = inflateSync(deflated, { out: new Uint8Array(buffer, 0, need) }).length
  } catch (err) {
    free.push(buffer)
    throw new Error(`is not valid DEFLATE data (${err instanceof Error ? err.message : String(err)})`, { cause: err })
  }
  if (inflated !== length) {
    free.push(buffer)
    throw new Error(inflated > length ? `inflates past its declared ${length} bytes` : `inflates to ${inflated} bytes, declared ${length}`)
  }
  return buffer
}

/** Serves inflate requests in a worker (see workers/inflate.ts). */
export function serveInflate(scope: { addEventListener(type: 'message', l: (e: MessageEvent<InflateRequest>) => void): void; postMessage(m: InflateAnswer, transfer: Transferable[]): void }): void {
  const free: ArrayBuffer[] = []
  scope.addEventListener('message', (e) => {
    const data = e.data
    if ('recycle' in data) {
      if (free.length < MAX_FREE_BUFFERS) free.push(data.recycle)
      return
    }
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
    let inflated: ArrayBuffer
    try {
      inflated = inflateIntoFree(new Uint8Array(deflated), length, free)
    } catch (err) {
      scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) }, [])
      return
    }
    scope.postMessage({ id, inflated, length }, [inflated])
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
  const waiting = new Map<number, { resolve: (bytes: Uint8Array) => void; reject: (e: Error) => void }>()
  // the buffers of parts inflated by a worker, which may go back to one once applied
  const lent = new WeakSet<ArrayBuffer>()
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
            if ('inflated' in e.data) pending.resolve(new Uint8Array(e.data.inflated, 0, e.data.length ?? e.data.inflated.byteLength))
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
  const endWhenIdle = (): void => {
    clearTimeout(idle)
    idle = setTimeout(() => {
      if (waiting.size === 0) stop()
    }, idleMs)
  }
  /** Sends `request` (built for a fresh id) to a worker; `undefined` when there is none to send it to. */
  const ask = async (request: (id: number) => { message: InflateRequest; transfer: Transferable[] }): Promise<Uint8Array | undefined> => {
    clearTimeout(idle)
    const w = worker()
    if (w === undefined) return undefined
    const id = nextId++
    const { message, transfer } = request(id)
    try {
      return await new Promise<Uint8Array>((resolve, reject) => {
        waiting.set(id, { resolve, reject })
        w.postMessage(message, transfer)
      })
    } finally {
      endWhenIdle()
    }
  }

  const inflater: RawInflater = async (deflated, length) => {
    let inflated: Uint8Array | undefined
    try {
      inflated = await ask((id) => {
        const copy = deflated.slice()
        return { message: { id, deflated: copy.buffer, length }, transfer: [copy.buffer] }
      })
    } catch (err) {
      if (!broken) throw err
    }
    if (inflated === undefined) return inflateOnThisThread(deflated, length)
    if (inflated.length !== length) throw new RangeError(`inflated to ${inflated.length} bytes`)
    lent.add(inflated.buffer as ArrayBuffer)
    return inflated
  }
  const recycle: RawInflaterRecycle = (part) => {
    const buffer = part.buffer as ArrayBuffer
    // only a buffer a worker lent, once, and only to a worker still running
    if (!lent.has(buffer) || pool.length === 0) return
    lent.delete(buffer)
    pool[turn++ % pool.length]?.postMessage({ recycle: buffer }, [buffer])
  }

  // a big envelope is verified and decrypted in a worker too; the page keeps the author
  // check and the key lookup, and an answer is the named error or the plaintext
  const decrypter: EnvelopeDecrypter = async (envelope, key, maxBytes) => {
    let plain: Uint8Array | undefined
    try {
      plain = await ask((id) => {
        const copy = envelope.slice()
        return { message: { id, envelope: copy.buffer, key: key.slice(), maxBytes }, transfer: [copy.buffer] }
      })
    } catch (err) {
      if (!broken) throw err
    }
    return plain ?? verifyAndDecrypt(envelope, key, maxBytes)
  }
  useRawInflater(inflater, recycle)
  useEnvelopeDecrypter(decrypter)
  return () => {
    clearTimeout(idle)
    useRawInflater(undefined)
    useEnvelopeDecrypter(undefined)
    stop()
  }
}
