/**
 * The mailbox's bounds on what peers can make it hold or do: a shared budget of buffered
 * bytes, a per-peer token bucket for streams and requests, and a short ban list for peers
 * that broke the protocol. Every map here has a fixed maximum size (oldest entry evicted),
 * so many peers — or many fresh PeerIds — cannot grow them without bound.
 */
import type { ByteBudget } from '../../sync/mailbox/index.ts'

/**
 * A budget of `max` bytes shared by every session.
 * @throws {RangeError} if `max` is not a positive integer.
 */
export function createByteBudget(max: number): ByteBudget & { readonly used: number } {
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`byte budget: expected a positive integer, got ${max}`)
  let used = 0
  return {
    take(n) {
      if (used + n > max) return false
      used += n
      return true
    },
    release(n) {
      used = Math.max(0, used - n)
    },
    get used() {
      return used
    }
  }
}

/** Drops the oldest entries of `map` until it has at most `max`. */
function trim<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next()
    if (oldest.done === true) return
    map.delete(oldest.value)
  }
}

/** A per-key token bucket. */
export interface RateLimiter {
  /** Takes one token for `key`; `false` when its bucket is empty. */
  take(key: string): boolean
  /** Keys tracked (≤ the limiter's `maxKeys`). */
  readonly size: number
}

/**
 * Token buckets of `burst` tokens refilled at `perSecond`, for at most `maxKeys` keys.
 * @throws {RangeError} if a parameter is not positive.
 */
export function createRateLimiter(perSecond: number, burst: number, maxKeys: number, now: () => number = Date.now): RateLimiter {
  if (!(perSecond > 0) || !(burst >= 1) || !(maxKeys >= 1)) throw new RangeError('rate limiter: perSecond, burst and maxKeys must be positive')
  const buckets = new Map<string, { tokens: number; at: number }>()
  return {
    take(key) {
      const t = now()
      const b = buckets.get(key) ?? { tokens: burst, at: t }
      b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond)
      b.at = t
      // re-insert so that eviction drops the least recently used key
      buckets.delete(key)
      buckets.set(key, b)
      trim(buckets, maxKeys)
      if (b.tokens < 1) return false
      b.tokens -= 1
      return true
    },
    get size() {
      return buckets.size
    }
  }
}

/** Peers refused for a while. */
export interface BanList {
  ban(key: string): void
  isBanned(key: string): boolean
  readonly size: number
}

/**
 * Bans lasting `ms`, for at most `maxKeys` peers at once.
 * @throws {RangeError} if a parameter is not positive.
 */
export function createBanList(ms: number, maxKeys: number, now: () => number = Date.now): BanList {
  if (!(ms > 0) || !(maxKeys >= 1)) throw new RangeError('ban list: ms and maxKeys must be positive')
  const until = new Map<string, number>()
  return {
    ban(key) {
      until.delete(key)
      until.set(key, now() + ms)
      trim(until, maxKeys)
    },
    isBanned(key) {
      const end = until.get(key)
      if (end === undefined) return false
      if (end > now()) return true
      until.delete(key)
      return false
    },
    get size() {
      return until.size
    }
  }
}
