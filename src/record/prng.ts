/**
 * A small seeded PRNG for synthetic records: sfc32 (Chris Doty-Humphrey's Small Fast
 * Counting generator, PractRand-tested), seeded through splitmix32. Deterministic for a
 * seed; not for anything secret.
 */

/** A deterministic random source. */
export interface Prng {
  /** Uniform uint32. */
  u32(): number
  /** Uniform in [0, 1). */
  float(): number
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number
  /** True with probability `p`. */
  chance(p: number): boolean
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T
  /** Normal deviate (Box–Muller). */
  normal(mean: number, sd: number): number
}

function splitmix32(state: number): () => number {
  let s = state >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

/**
 * A PRNG for `seed` (any number; its low 32 bits and high bits are mixed in).
 * @throws {RangeError} if `seed` is not a finite number.
 * @example const rng = createPrng(42); rng.int(1, 6)
 */
export function createPrng(seed: number): Prng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed: expected a finite number, got ${seed}`)
  const mix = splitmix32((seed >>> 0) ^ Math.floor(seed / 2 ** 32))
  let a = mix()
  let b = mix()
  let c = mix()
  let d = mix()
  const u32 = (): number => {
    // sfc32
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t
  }
  for (let i = 0; i < 12; i++) u32()
  const float = (): number => u32() / 4294967296
  let spare: number | null = null
  return {
    u32,
    float,
    int: (min, max) => min + Math.floor(float() * (max - min + 1)),
    chance: (p) => float() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(float() * items.length)] as T,
    normal: (mean, sd) => {
      if (spare !== null) {
        const s = spare
        spare = null
        return mean + sd * s
      }
      const u = 1 - float()
      const v = float()
      const r = Math.sqrt(-2 * Math.log(u))
      spare = r * Math.sin(2 * Math.PI * v)
      return mean + sd * r * Math.cos(2 * Math.PI * v)
    }
  }
}
