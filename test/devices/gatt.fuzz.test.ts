/**
 * Fuzz of every GATT parser (values come from any BLE peripheral in range): random bytes
 * and mutations of the known-answer vectors, each read through a DataView at a random
 * offset of a larger buffer, must end in a well-formed result or a `GattFormatError` /
 * `GattValueUnavailableError` naming the characteristic and a field — never a TypeError or
 * RangeError from the DataView, never a result with a non-finite number in it.
 *
 * Count: `fuzzRuns(100_000, 1_000_000)` inputs per parser (`npm run fuzz` for the full
 * scale). Seed: PHR_FUZZ_SEED (default 0x5eed); a failure names the seed, run and input.
 */
import { describe, expect, it } from 'vitest'
import { GattFormatError, GattValueUnavailableError, MAX_ATTRIBUTE_LENGTH } from '../../src/devices/gatt/index.ts'
import { fuzzRuns } from '../helpers/fuzz.ts'
import { VECTOR_FILES, fromHex, parserOf } from './vectors.ts'

const RUNS = fuzzRuns(100_000, 1_000_000)
const SEED = Number(process.env['PHR_FUZZ_SEED'] ?? 0x5eed)
const TIMEOUT = RUNS > 100_000 ? 3_600_000 : 120_000

/** mulberry32: a small seeded PRNG to drive the mutations. */
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/

/** Throws (a plain Error, failing the run) if a parse result is not well formed. */
function checkResult(value: unknown, path: string): void {
  if (typeof value === 'number') {
    // a blood pressure MAP may be NaN: the device's own "no MAP" (documented); nothing else may
    if (!Number.isFinite(value) && !(Number.isNaN(value) && path.endsWith('.meanArterial'))) throw new Error(`${path} is ${value}`)
  } else if (typeof value === 'string') {
    if ((path.endsWith('.timestamp') || path.endsWith('.baseTime')) && !TIME.test(value)) throw new Error(`${path} is not a date-time: ${value}`)
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkResult(v, `${path}[${i}]`))
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) throw new Error(`${path}.${k} is present but undefined`)
      checkResult(v, `${path}.${k}`)
    }
  } else if (typeof value !== 'boolean') {
    throw new Error(`${path} has type ${typeof value}`)
  }
}

function mutate(rand: () => number, corpus: readonly Uint8Array[]): Uint8Array {
  const int = (n: number): number => Math.floor(rand() * n)
  const roll = rand()
  if (roll < 0.15 || corpus.length === 0) {
    const out = new Uint8Array(rand() < 0.01 ? MAX_ATTRIBUTE_LENGTH - 2 + int(5) : int(48))
    for (let i = 0; i < out.length; i++) out[i] = int(256)
    return out
  }
  let b = Array.from(corpus[int(corpus.length)] as Uint8Array)
  const edits = 1 + int(3)
  for (let e = 0; e < edits; e++) {
    const kind = int(7)
    const at = int(b.length + 1)
    if (kind === 0 && b.length > 0) b[at % b.length] = (b[at % b.length] as number) ^ (1 << int(8))
    else if (kind === 1 && b.length > 0) b[at % b.length] = int(256)
    else if (kind === 2) b = b.slice(0, at)
    else if (kind === 3) b.splice(at, 0, ...Array.from({ length: 1 + int(3) }, () => int(256)))
    else if (kind === 4 && b.length > 0) b.splice(at % b.length, 1 + int(3))
    else if (kind === 5 && b.length > 0) b[0] = int(256) // another flag combination over the same body
    else if (kind === 6) b.push(...b.slice(0, int(b.length + 1))) // duplicated records / overlong
  }
  return Uint8Array.from(b)
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('GATT parsers under fuzz', () => {
  for (const file of VECTOR_FILES) {
    it(
      `${file.characteristic} (${file.uuid}): ${RUNS} inputs end in a result or a named error`,
      () => {
        const parse = parserOf(file.parser)
        const corpus = file.valid.map((v) => fromHex(v.hex))
        const rand = prng(SEED ^ parseInt(file.uuid, 16))
        const outcomes: Record<string, number> = {}
        const started = performance.now()
        const buf = new Uint8Array(MAX_ATTRIBUTE_LENGTH + 16)
        // most inputs end in an error: skip capturing stack traces, the cost of a run (restored below)
        const stackLimit = Error.stackTraceLimit
        Error.stackTraceLimit = 0
        try {
          for (let run = 0; run < RUNS; run++) {
            const input = mutate(rand, corpus)
            const pad = Math.floor(rand() * 8)
            for (let i = 0; i < pad; i++) buf[i] = 0xa5
            buf.set(input, pad)
            buf.fill(0x5a, pad + input.length, pad + input.length + 8)
            const view = new DataView(buf.buffer, pad, input.length)
            let outcome: string
            try {
              const result = parse(view)
              checkResult(result, 'result')
              outcome = 'parsed'
            } catch (err) {
              const ok = (err instanceof GattFormatError || err instanceof GattValueUnavailableError) && err.field !== '' && err.message.startsWith(err.characteristic)
              if (!ok) {
                throw new Error(`seed ${SEED} run ${run}: ${file.parser}(${hex(input)}) threw ${String(err)}`, { cause: err })
              }
              outcome = err.name
            }
            outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
          }
        } finally {
          Error.stackTraceLimit = stackLimit
        }
        const ms = performance.now() - started
        const summary = Object.entries(outcomes)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')
        console.log(`fuzz ${file.characteristic}: ${RUNS} inputs in ${(ms / 1000).toFixed(2)} s; ${summary}`)
        // the mix must reach the parser's success path too, not only its first length check
        expect(outcomes['parsed'] ?? 0).toBeGreaterThan(RUNS / 100)
      },
      TIMEOUT
    )
  }
})
