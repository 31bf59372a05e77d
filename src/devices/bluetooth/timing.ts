/**
 * Clock and timers a session is given (real ones by default, fakes in tests), the
 * reconnect backoff, and bounded waits.
 */
import { DeviceSessionClosedError, GattTimeoutError } from './errors.ts'

/** Time and timers; injected so tests can run the state machine on a fake clock. */
export interface Timers {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** The global clock and timers. */
export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>)
}

/** Reconnect backoff settings. */
export interface BackoffInit {
  /** First delay. @default 1000 */
  readonly baseMs?: number
  /** Longest delay. @default 60000 */
  readonly maxMs?: number
  /** Fraction of the delay taken off at random, so many devices do not retry in step. @default 0.2 */
  readonly jitter?: number
}

/**
 * The delay before reconnect attempt `attempt` (1, 2, …): `baseMs · 2^(attempt-1)`, capped
 * at `maxMs`, less up to `jitter` of it (`random()` in [0, 1)).
 * @throws {RangeError} if `attempt` is not a positive integer.
 * @example backoffDelay(3, { baseMs: 1000, jitter: 0 }) // 4000
 */
export function backoffDelay(attempt: number, init: BackoffInit = {}, random: () => number = Math.random): number {
  if (!Number.isSafeInteger(attempt) || attempt < 1) throw new RangeError(`attempt: expected a positive integer, got ${String(attempt)}`)
  const base = init.baseMs ?? 1000
  const max = init.maxMs ?? 60_000
  const jitter = Math.min(Math.max(init.jitter ?? 0.2, 0), 1)
  const full = Math.min(max, base * 2 ** Math.min(attempt - 1, 30))
  return Math.round(full * (1 - jitter * random()))
}

/**
 * `promise`, or a `GattTimeoutError` after `ms`, or a `DeviceSessionClosedError` when
 * `signal` aborts. The operation itself cannot be cancelled (Web Bluetooth has no
 * cancellation); the caller drops the link on a timeout, which rejects what is pending.
 */
export function bounded<T>(promise: Promise<T>, operation: string, ms: number, timers: Timers, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      promise.catch(() => undefined) // already abandoned: its outcome no longer matters
      reject(new DeviceSessionClosedError(`${operation}: session closed`))
      return
    }
    const onAbort = (): void => {
      timers.clearTimeout(handle)
      reject(new DeviceSessionClosedError(`${operation}: session closed`))
    }
    const handle = timers.setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      reject(new GattTimeoutError(operation, ms))
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (v) => {
        timers.clearTimeout(handle)
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (err: unknown) => {
        timers.clearTimeout(handle)
        signal.removeEventListener('abort', onAbort)
        reject(err instanceof Error ? err : new Error(String(err)))
      }
    )
  })
}
