/**
 * Seeded synthetic patient records, from a one-month demo to the "10-year record"
 * (50,000 resources, 5,000,000 samples): a plausible life (see synthetic-life.ts) plus spot
 * vitals and wearable time series (synthetic-vitals.ts). Deterministic for a seed (sfc32,
 * no `Math.random`); resources and samples are streamed, not built as giant arrays.
 */
import { asDocId } from '../lib/index.ts'
import { createCompartment, type Compartment } from './compartment.ts'
import type { FhirResource, Patient } from './fhir-types.ts'
import { compartmentFor, type FixedCompartmentKind } from './kinds.ts'
import { createPrng } from './prng.ts'
import { toMs } from './dates.ts'
import { buildLife, DAY_MS } from './synthetic-life.ts'
import { emitSamples, planSamples, spotVitals, type SamplePlan, type SampleSink } from './synthetic-vitals.ts'

export type { SampleSink } from './synthetic-vitals.ts'
export { SYNTHETIC_DEVICES } from './synthetic-life.ts'

/** Options of `createSyntheticRecord`. */
export interface SyntheticRecordOptions {
  /** PRNG seed: the same seed gives the same record. */
  readonly seed: number
  /** First day, epoch ms or ISO date. @default '2015-01-01' */
  readonly start?: number | string
  /** Length in days. @default 30 */
  readonly days?: number
  /** FHIR resources to produce: life events, then spot vital-sign readings up to this number (the life events alone may exceed it in a short record). @default 14 per day */
  readonly resources?: number
  /** Time-series samples to produce. @default 3,000 per day */
  readonly samples?: number
}

/** A one-month demo record. */
export const SYNTHETIC_MONTH: SyntheticRecordOptions = Object.freeze({ seed: 1, start: '2024-01-01', days: 30 })

/** The "10-year record": 50,000 resources and 5,000,000 vital samples. */
export const SYNTHETIC_TEN_YEARS: SyntheticRecordOptions = Object.freeze({
  seed: 1,
  start: '2015-01-01',
  days: 3652,
  resources: 50_000,
  samples: 5_000_000
})

/** A generated record. Iterating it again yields the same resources and samples. */
export interface SyntheticRecord {
  readonly seed: number
  /** First day, epoch ms (UTC midnight). */
  readonly start: number
  readonly days: number
  readonly patient: Patient
  /** Exactly how many resources `resources()` yields. */
  readonly resourceCount: number
  /** Exactly how many samples `samples()` emits. */
  readonly sampleCount: number
  /** The resources: life events first, then spot vitals day by day. */
  resources(): Generator<FhirResource>
  /** Emits every sample to `sink`, day by day; returns how many. */
  samples(sink: SampleSink): number
}

const idMaker = (): ((prefix: string) => string) => {
  let n = 0
  return (prefix) => `${prefix}-${(n++).toString(36)}`
}

/**
 * Generates a record (the life events now; spot vitals and samples when iterated).
 * @throws {RangeError} if `days`, `resources` or `samples` is not a non-negative integer (days ≥ 1), or `start` is not a date.
 * @example const rec = createSyntheticRecord({ seed: 7, days: 30 }); for (const r of rec.resources()) store.put(r)
 */
export function createSyntheticRecord(options: SyntheticRecordOptions): SyntheticRecord {
  const days = options.days ?? 30
  if (!Number.isSafeInteger(days) || days < 1) throw new RangeError(`days: expected an integer ≥ 1, got ${days}`)
  const startRaw = toMs(options.start ?? '2015-01-01', 'start')
  const start = startRaw - (startRaw % DAY_MS)
  const targetResources = options.resources ?? days * 14
  const targetSamples = options.samples ?? days * 3000
  for (const [label, v] of [['resources', targetResources], ['samples', targetSamples]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${label}: expected a non-negative integer, got ${v}`)
  }
  const seed = options.seed
  const plan: SamplePlan = planSamples(targetSamples, days)
  const lifeIds = idMaker()
  const { state, resources: life } = buildLife(createPrng(seed), start, days, plan.cgmDays > 0, lifeIds)
  const spotCount = Math.max(0, targetResources - life.length)
  const patient = life[0] as Patient
  return {
    seed,
    start,
    days,
    patient,
    resourceCount: life.length + spotCount,
    sampleCount: plan.stepsTotal + plan.cgmDays * 288 + plan.hrTotal,
    *resources(): Generator<FhirResource> {
      yield* life
      yield* spotVitals(createPrng(seed + 0x5bd1e995), state, start, days, spotCount, idMaker())
    },
    samples(sink: SampleSink): number {
      return emitSamples(createPrng(seed + 0x27d4eb2d), state, start, days, plan, sink)
    }
  }
}

/** A synthetic record loaded into compartments. */
export interface SyntheticCompartments {
  readonly record: SyntheticRecord
  /** One compartment per kind used (core, results, vitals, notes, documents). */
  readonly compartments: ReadonlyMap<FixedCompartmentKind, Compartment>
  /** Milliseconds spent generating and loading. */
  readonly loadMs: number
}

/** Options of `loadSyntheticRecord`. */
export interface LoadSyntheticInit {
  /** Clock of the compartments (meta.lastUpdated). @default the record's last day, so states are reproducible */
  readonly clock?: () => number
}

const isRecord = (x: SyntheticRecordOptions | SyntheticRecord): x is SyntheticRecord => typeof x.resources === 'function'

const KINDS: readonly FixedCompartmentKind[] = ['core', 'results', 'vitals', 'notes', 'documents']

/**
 * Generates a record into fresh compartments, each resource in its default compartment
 * (`compartmentFor`), samples into `vitals` (flushed and every hour closed). Doc ids and
 * Yjs client ids derive from the seed, so the encoded states are the same on every run.
 * @throws {RangeError} as `createSyntheticRecord`.
 * @example const { compartments } = loadSyntheticRecord(SYNTHETIC_TEN_YEARS)
 */
export function loadSyntheticRecord(options: SyntheticRecordOptions | SyntheticRecord, init: LoadSyntheticInit = {}): SyntheticCompartments {
  const t0 = performance.now()
  const record = isRecord(options) ? options : createSyntheticRecord(options)
  const end = record.start + record.days * DAY_MS
  const clock = init.clock ?? ((): number => end)
  const ids = createPrng(record.seed + 0x165667b1)
  const compartments = new Map<FixedCompartmentKind, Compartment>()
  for (const kind of KINDS) {
    const docId = new Uint8Array(16)
    for (let i = 0; i < 16; i += 4) new DataView(docId.buffer).setUint32(i, ids.u32())
    compartments.set(kind, createCompartment({ kind, docId: asDocId(docId), clock, clientId: ids.u32() }))
  }
  const get = (kind: FixedCompartmentKind): Compartment => {
    const c = compartments.get(kind)
    if (c === undefined) throw new RangeError(`synthetic record has no ${kind} compartment`)
    return c
  }
  // one transaction per compartment for the whole import: nest their batches
  const load = (i: number): void => {
    if (i < KINDS.length) {
      get(KINDS[i] as FixedCompartmentKind).batch(() => load(i + 1))
      return
    }
    for (const r of record.resources()) get(compartmentFor(r)).resources.put(r)
  }
  load(0)
  const vitals = get('vitals')
  record.samples((code, device, t, value, unit) => vitals.series.append(code, device, t, value, unit))
  vitals.compact(end + DAY_MS)
  return { record, compartments, loadMs: performance.now() - t0 }
}
