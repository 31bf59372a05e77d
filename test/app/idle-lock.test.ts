/**
 * The idle lock: it fires once after the idle time without activity; key, pointer, wheel
 * and touch input restart the wait; stopping it removes its listeners and fires nothing.
 */
import { describe, it, expect, vi, afterEach } from 'vitest'
import { createIdleLock } from '../../src/app/idle-lock.ts'

afterEach(() => {
  vi.useRealTimers()
})

function page() {
  const listeners = new Map<string, Set<() => void>>()
  return {
    window: {
      addEventListener: (t: string, h: () => void) => void (listeners.get(t) ?? listeners.set(t, new Set()).get(t))?.add(h),
      removeEventListener: (t: string, h: () => void) => void listeners.get(t)?.delete(h)
    } as unknown as Pick<Window, 'addEventListener' | 'removeEventListener'>,
    fire: (t: string) => {
      for (const h of listeners.get(t) ?? []) h()
    },
    count: () => [...listeners.values()].reduce((n, s) => n + s.size, 0)
  }
}

describe('idle lock', () => {
  it('locks after the idle time, and activity restarts the wait', () => {
    vi.useFakeTimers()
    const p = page()
    let locked = 0
    const lock = createIdleLock({ window: p.window }, { idleMs: 1000, onLock: () => locked++ })
    lock.start()
    vi.advanceTimersByTime(900)
    p.fire('keydown')
    vi.advanceTimersByTime(900)
    p.fire('pointerdown')
    vi.advanceTimersByTime(900)
    expect(locked).toBe(0)
    vi.advanceTimersByTime(100)
    expect(locked).toBe(1)
    // once locked it is stopped: no listener left, no second lock
    expect(p.count()).toBe(0)
    vi.advanceTimersByTime(5000)
    expect(locked).toBe(1)
  })

  it('fires nothing once stopped, and refuses a nonsense duration', () => {
    vi.useFakeTimers()
    const p = page()
    let locked = 0
    const lock = createIdleLock({ window: p.window }, { idleMs: 1000, onLock: () => locked++ })
    lock.start()
    expect(p.count()).toBe(4)
    lock.stop()
    vi.advanceTimersByTime(5000)
    expect(locked).toBe(0)
    expect(p.count()).toBe(0)
    expect(() => createIdleLock({ window: p.window }, { idleMs: 0, onLock: () => undefined })).toThrow(RangeError)
  })
})
