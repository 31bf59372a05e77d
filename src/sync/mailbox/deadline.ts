/**
 * Every network wait of the mailbox has a timeout and honours the caller's AbortSignal
 * (STYLE: "Every network wait has an AbortSignal and a timeout"). A deadline is one
 * signal that aborts with a `MailboxTimeoutError` after `ms`, or with the caller's reason
 * when the caller aborts first.
 */
import { MailboxTimeoutError } from './errors.ts'

/** A signal with a timeout; call `done()` when the wait is over to free its timer. */
export interface MailboxDeadline {
  readonly signal: AbortSignal
  done(): void
}

/**
 * A signal that aborts after `ms` with a `MailboxTimeoutError` naming `what`, or when
 * `outer` aborts, with its reason.
 * @throws {RangeError} if `ms` is not a positive number.
 * @example const d = mailboxDeadline(10_000, 'fetch', opts.signal); try { await work(d.signal) } finally { d.done() }
 */
export function mailboxDeadline(ms: number, what: string, outer?: AbortSignal): MailboxDeadline {
  if (!(ms > 0) || !Number.isFinite(ms)) throw new RangeError(`${what}: timeout must be a positive number of ms, got ${ms}`)
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new MailboxTimeoutError(`${what}: no progress within ${ms} ms`)), ms)
  // a pending deadline must not keep a process alive on its own
  timer.unref?.()
  const onAbort = (): void => controller.abort(outer?.reason)
  if (outer !== undefined) {
    if (outer.aborted) onAbort()
    else outer.addEventListener('abort', onAbort, { once: true })
  }
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer)
      outer?.removeEventListener('abort', onAbort)
    }
  }
}

/**
 * Runs `fn` under a deadline and frees it afterwards.
 * @throws whatever `fn` throws; a `MailboxTimeoutError` when the deadline passes first.
 */
export async function withMailboxDeadline<T>(ms: number, what: string, outer: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const d = mailboxDeadline(ms, what, outer)
  try {
    return await fn(d.signal)
  } finally {
    d.done()
  }
}
