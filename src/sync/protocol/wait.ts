/**
 * Waiting with a timeout and an AbortSignal (STYLE: every network wait has both), a
 * wake-up flag for a pump loop, and a token bucket for per-peer message rates.
 */
import { SyncClosedError, SyncTimeoutError } from '../errors.ts'

/**
 * Settles like `work`, unless `ms` pass first (rejects with `SyncTimeoutError`) or `signal`
 * aborts (rejects with its reason, or `SyncClosedError`). Clears its timer either way.
 * @throws {SyncTimeoutError} after `ms`.
 * @throws the abort reason when `signal` aborts.
 */
export function withTimeout<T>(work: Promise<T> | T, ms: number, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal))
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(new SyncTimeoutError(`${what}: no answer within ${ms} ms`))), ms)
    const onAbort = (): void => finish(() => reject(abortReason(signal)))
    let settled = false
    const finish = (fn: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      fn()
    }
    signal.addEventListener('abort', onAbort)
    Promise.resolve(work).then(
      (v) => finish(() => resolve(v)),
      (err: unknown) => finish(() => reject(err instanceof Error ? err : new Error(String(err))))
    )
  })
}

/** The error a wait rejects with when `signal` aborts. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new SyncClosedError('closed')
}

/** A one-shot flag a loop sleeps on: `wait()` resolves at the next `wake()` (or at once if woken since). */
export class Wakeup {
  #woken = false
  #resolve: (() => void) | undefined

  wake(): void {
    this.#woken = true
    const r = this.#resolve
    this.#resolve = undefined
    r?.()
  }

  /**
   * Resolves at the next `wake()`; rejects when `signal` aborts.
   * @throws the abort reason when `signal` aborts.
   */
  wait(signal: AbortSignal): Promise<void> {
    if (this.#woken) {
      this.#woken = false
      return Promise.resolve()
    }
    if (signal.aborted) return Promise.reject(abortReason(signal))
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#resolve = undefined
        reject(abortReason(signal))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.#resolve = () => {
        this.#woken = false
        signal.removeEventListener('abort', onAbort)
        resolve()
      }
    })
  }
}

/** Token bucket: `take()` is false once a peer exceeds `perSecond` sustained or `burst` at once. */
export class TokenBucket {
  readonly #perSecond: number
  readonly #burst: number
  readonly #now: () => number
  #tokens: number
  #at: number

  constructor(perSecond: number, burst: number, now: () => number) {
    this.#perSecond = perSecond
    this.#burst = burst
    this.#now = now
    this.#tokens = burst
    this.#at = now()
  }

  take(): boolean {
    const t = this.#now()
    this.#tokens = Math.min(this.#burst, this.#tokens + ((t - this.#at) / 1000) * this.#perSecond)
    this.#at = t
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}
