/**
 * Locks an open record after a spell of inactivity: no key, pointer, wheel or touch input
 * on the page for `idleMs`. Locking closes the record (its keys leave memory) and the UI
 * asks for the passphrase again.
 */

/** Events that count as activity. */
const ACTIVITY = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const

/** What the idle lock needs from the page. */
export interface IdleLockComponents {
  readonly window: Pick<Window, 'addEventListener' | 'removeEventListener'>
  /** @default globalThis.setTimeout */
  readonly setTimeout?: (fn: () => void, ms: number) => ReturnType<typeof setTimeout>
  /** @default globalThis.clearTimeout */
  readonly clearTimeout?: (t: ReturnType<typeof setTimeout>) => void
}

/** The idle lock of one open record. */
export interface IdleLock {
  start(): void
  stop(): void
}

/** Ten minutes, the default. */
export const DEFAULT_IDLE_LOCK_MS = 10 * 60_000

/**
 * Calls `onLock` once after `idleMs` without activity; activity restarts the wait.
 * @throws {RangeError} for an `idleMs` that is not a positive number of milliseconds
 */
export function createIdleLock(components: IdleLockComponents, init: { idleMs?: number; onLock: () => void }): IdleLock {
  const idleMs = init.idleMs ?? DEFAULT_IDLE_LOCK_MS
  if (!Number.isFinite(idleMs) || idleMs <= 0) throw new RangeError(`idleMs: expected a positive duration, got ${idleMs}`)
  const set = components.setTimeout ?? ((fn: () => void, ms: number) => setTimeout(fn, ms))
  const clear = components.clearTimeout ?? ((t: ReturnType<typeof setTimeout>) => clearTimeout(t))
  let timer: ReturnType<typeof setTimeout> | undefined
  let running = false
  const arm = (): void => {
    if (timer !== undefined) clear(timer)
    timer = set(() => {
      stop()
      init.onLock()
    }, idleMs)
  }
  const onActivity = (): void => {
    if (running) arm()
  }
  function stop(): void {
    running = false
    if (timer !== undefined) clear(timer)
    timer = undefined
    for (const type of ACTIVITY) components.window.removeEventListener(type, onActivity)
  }
  return {
    start() {
      if (running) return
      running = true
      for (const type of ACTIVITY) components.window.addEventListener(type, onActivity, { passive: true })
      arm()
    },
    stop
  }
}
