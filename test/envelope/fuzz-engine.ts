/**
 * A small, seeded, dependency-free fuzz engine for byte parsers (not a test file itself).
 * fast-check is used for property tests; here we need 100k+ cases per parser in a few
 * seconds, so inputs come from a seeded PRNG and simple mutators over a corpus of valid
 * samples, and a failure reports the seed and iteration to replay it.
 */
import { PhrError, toHex } from '../../src/lib/index.ts'

/** mulberry32: tiny seeded PRNG, good enough to drive mutations. */
export class Rng {
  #s: number
  constructor(seed: number) {
    this.#s = seed >>> 0
  }
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0
    let t = this.#s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = this.int(256)
    return out
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T
  }
}

/** Mutation kinds, with what they do. */
export const MUTATIONS = {
  /** Fresh random bytes, any length up to `maxLength`. */
  random: 'random',
  /** A prefix of a sample. */
  truncate: 'truncate',
  /** A sample plus random bytes at the end. */
  append: 'append',
  /** Random bytes inserted at a random position. */
  insert: 'insert',
  /** A random range deleted. */
  remove: 'remove',
  /** Prefix of one sample + suffix of another. */
  splice: 'splice',
  /** A byte in the first 64 set to a varuint continuation (0x80–0xff) or 0x00. */
  varint: 'varint',
  /** 1–4 bytes xored with non-zero values at random positions. */
  flip: 'flip',
  /** `flip`, then the target's `repair` (re-sign / re-checksum) to get past integrity checks. */
  repaired: 'repaired'
} as const
export type Mutation = keyof typeof MUTATIONS

/** One parser under fuzz. */
export interface FuzzTarget {
  readonly name: string
  /** Valid inputs to mutate. */
  readonly corpus: readonly Uint8Array[]
  /** Relative weights of the mutation kinds. */
  readonly weights: Partial<Record<Mutation, number>>
  /** Names the parser may throw. Anything else (TypeError, RangeError, plain Error) fails. */
  readonly allowed: readonly string[]
  /** Names that mean the input got past parsing into the cryptographic checks. */
  readonly deep?: readonly string[]
  /** Longest random input. */
  readonly maxLength: number
  /** Makes a mutated sample pass the integrity check again (for `repaired`). */
  repair?(bytes: Uint8Array): Uint8Array
  /** Whether a successful parse of a non-corpus input is fine (parsers without integrity). */
  readonly mutantsMayParse?: boolean
  /** Runs the parser. `mutation` lets targets open cheap gates for deep mutants. */
  run(input: Uint8Array, rng: Rng, mutation: Mutation): unknown
}

/** What a fuzz run saw. */
export interface FuzzReport {
  readonly name: string
  readonly runs: number
  readonly ms: number
  readonly outcomes: Record<string, number>
  /** Inputs that reached the cryptographic checks (deep error names or success); undefined for parse-only targets. */
  readonly deep: number | undefined
}

function mutate(rng: Rng, t: FuzzTarget, kinds: Mutation[], cumulative: number[]): { input: Uint8Array; mutation: Mutation } {
  const total = cumulative[cumulative.length - 1] ?? 1
  const r = rng.next() * total
  const mutation = kinds[cumulative.findIndex((c) => r < c)] ?? 'random'
  const sample = rng.pick(t.corpus)
  const pos = (n: number): number => rng.int(n + 1)
  switch (mutation) {
    case 'random':
      return { input: rng.bytes(rng.int(t.maxLength + 1)), mutation }
    case 'truncate':
      return { input: sample.slice(0, rng.int(sample.length)), mutation }
    case 'append': {
      const extra = rng.bytes(1 + rng.int(32))
      const out = new Uint8Array(sample.length + extra.length)
      out.set(sample)
      out.set(extra, sample.length)
      return { input: out, mutation }
    }
    case 'insert': {
      const at = pos(sample.length)
      const extra = rng.bytes(1 + rng.int(8))
      const out = new Uint8Array(sample.length + extra.length)
      out.set(sample.subarray(0, at))
      out.set(extra, at)
      out.set(sample.subarray(at), at + extra.length)
      return { input: out, mutation }
    }
    case 'remove': {
      const at = rng.int(sample.length)
      const n = 1 + rng.int(Math.min(16, sample.length - at))
      const out = new Uint8Array(sample.length - n)
      out.set(sample.subarray(0, at))
      out.set(sample.subarray(at + n), at)
      return { input: out, mutation }
    }
    case 'splice': {
      const other = rng.pick(t.corpus)
      const a = pos(sample.length)
      const b = pos(other.length)
      const out = new Uint8Array(a + other.length - b)
      out.set(sample.subarray(0, a))
      out.set(other.subarray(b), a)
      return { input: out, mutation }
    }
    case 'varint': {
      const out = sample.slice()
      if (out.length > 0) out[rng.int(Math.min(64, out.length))] = rng.chance(0.2) ? 0 : 0x80 | rng.int(128)
      return { input: out, mutation }
    }
    case 'flip':
    case 'repaired': {
      let out: Uint8Array = sample.slice()
      const n = 1 + rng.int(4)
      for (let i = 0; i < n && out.length > 0; i++) out[rng.int(out.length)]! ^= 1 + rng.int(255)
      if (mutation === 'repaired' && t.repair !== undefined) out = t.repair(out)
      return { input: out, mutation }
    }
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Runs `runs` mutated inputs through `t`. Throws (with seed, iteration and input) on the
 * first error that is not one of `t.allowed`, or on a mutant accepted where it must not be.
 */
export async function fuzz(t: FuzzTarget, runs: number, seed: number): Promise<FuzzReport> {
  const rng = new Rng(seed)
  const kinds = Object.keys(t.weights) as Mutation[]
  let acc = 0
  const cumulative = kinds.map((k) => (acc += t.weights[k] ?? 0))
  const outcomes: Record<string, number> = {}
  const deepNames = new Set(t.deep ?? [])
  let deep = 0
  const t0 = performance.now()
  for (let i = 0; i < runs; i++) {
    const { input, mutation } = mutate(rng, t, kinds, cumulative)
    let outcome: string
    try {
      const result = t.run(input, rng, mutation)
      if (result instanceof Promise) await result
      outcome = 'ok'
      if (!t.mutantsMayParse && !t.corpus.some((c) => equalBytes(c, input))) {
        throw new Error(`${t.name}: accepted a mutant (seed ${seed}, run ${i}, ${mutation}): ${toHex(input)}`)
      }
    } catch (err) {
      const name = err instanceof Error ? err.name : typeof err
      if (!(err instanceof PhrError) || !t.allowed.includes(name)) {
        const message = err instanceof Error ? err.message : String(err)
        throw new Error(
          `${t.name}: unexpected ${name} "${message}" (seed ${seed}, run ${i}, ${mutation}); input ${toHex(input).slice(0, 4000)}`,
          { cause: err }
        )
      }
      outcome = name
    }
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
    if (outcome === 'ok' || deepNames.has(outcome)) deep++
  }
  return { name: t.name, runs, ms: performance.now() - t0, outcomes, deep: t.deep === undefined ? undefined : deep }
}
