/**
 * The findings of a record, for the patient's home screen and the doctor's view of a
 * patient (issue 11): the readings of the vitals (and results) compartments are read here,
 * `deriveInsights` runs in the insights worker, and the answer is kept as a snapshot that
 * the UI follows. A change of the record recomputes it (debounced); a failure is a named
 * error in the snapshot, never a blocked page.
 *
 * When the newest reading is older than the 30-day look-back (a demo month, a device not
 * worn for a while), the rules look back from that newest reading instead of from today,
 * and the snapshot says so (`dated`, `asOf`) so the UI can say from when the readings are.
 */
import {
  createAfScreenCache,
  INSIGHT_LOINC,
  insightInputOf,
  LOOKBACK,
  news2RecordedOf,
  readingsOfObservations,
  rrChunkSourceOf,
  type AfScreenCache,
  type AfScreened,
  type Finding,
  type InsightInput,
  type InsightsClient
} from '../insights/index.ts'
import type { Compartment, Observation } from '../record/index.ts'

/** Where the findings stand. */
export const InsightsState = {
  /** Not computed yet (nobody looked). */
  idle: 'idle',
  /** The worker is working; the previous findings (if any) are still shown. */
  computing: 'computing',
  /** `findings` are the answer for the record as it was at `asOf`. */
  ready: 'ready',
  /** The last attempt failed: `error` names why; the previous findings (if any) are kept. */
  failed: 'failed'
} as const
export type InsightsState = (typeof InsightsState)[keyof typeof InsightsState]

/** What the UI shows. */
export interface InsightsSnapshot {
  readonly state: InsightsState
  /** Most severe first. */
  readonly findings: readonly Finding[]
  /** Rules left out because a reading was implausible (technical detail). */
  readonly skipped: readonly string[]
  /** The time the rules looked back from, epoch ms; undefined before the first answer. */
  readonly asOf?: number
  /** Time of the newest reading in the record; undefined when there is none. */
  readonly latestReading?: number
  /** True when `asOf` is the newest reading's time because nothing is recent: the findings describe that time, not today. */
  readonly dated: boolean
  /** False when this device holds no vitals or results of the record (a doctor whose grant does not cover them). */
  readonly available: boolean
  readonly error?: { readonly name: string; readonly message: string }
}

/** The findings of one record. */
export interface RecordInsights {
  snapshot(): InsightsSnapshot
  /** Follows the snapshot; the first subscriber starts the computation (and so the worker). Returns the unsubscribe function. */
  subscribe(listener: (snapshot: InsightsSnapshot) => void): () => void
  /** Recomputes now; resolves with the resulting snapshot. @throws Never (a failure is in the snapshot). */
  refresh(): Promise<InsightsSnapshot>
  /** Stops following the record; pending answers are dropped. */
  close(): void
}

/** The compartments whose readings count; absent ones are not held on this device. */
export interface InsightCompartments {
  readonly vitals?: Compartment | undefined
  readonly results?: Compartment | undefined
  /**
   * Visit compartments whose NEWS2 entries (ACVPU, oxygen, SpO2 scale 2 a doctor recorded)
   * count for NEWS2: the grant's on a doctor's device, every visit's on the patient's.
   */
  readonly visits?: readonly Compartment[] | undefined
}

/** What `createRecordInsights` is given. */
export interface RecordInsightsComponents {
  compartments(): InsightCompartments
  /** The insights worker's client (normally `lazyInsightsWorker().client`). */
  insights(): InsightsClient
  /** @default Date.now */
  clock?: () => number
}

/** Options of `createRecordInsights`. */
export interface RecordInsightsInit {
  /** Quiet time after a change of the record before recomputing. @default 750 */
  readonly debounceMs?: number
}

const DAY = 86_400_000
const INSIGHT_CODES: readonly string[] = Object.values(INSIGHT_LOINC)
const OBSERVATION_CODES = INSIGHT_CODES.map((c) => `http://loinc.org|${c}`)

/** Newest reading time among a compartment's insight Observations and series; recent ones are looked for first. */
export function latestReadingTime(c: Compartment, wall: number): number | undefined {
  let latest: number | undefined
  const take = (t: number): void => {
    if (latest === undefined || t > latest) latest = t
  }
  const newestOf = (obs: Observation[]): void => {
    for (const r of readingsOfObservations(obs)) take(r.t)
  }
  // most records have something recent: only when not, list them all
  newestOf(c.resources.list<'Observation'>('Observation', { from: wall - LOOKBACK.bpMs, to: wall + DAY, code: OBSERVATION_CODES }))
  if (latest === undefined) newestOf(c.resources.list<'Observation'>('Observation', { to: wall + DAY, code: OBSERVATION_CODES }))
  for (const s of c.series.list()) {
    if (!INSIGHT_CODES.includes(s.code)) continue
    const read = c.series.read(s.code, s.device, s.lastChunk, Math.max(wall, s.lastChunk) + DAY)
    for (const x of read.series) if (x.times.length > 0) take(x.times[x.times.length - 1] as number)
  }
  return latest
}

/**
 * The input of `deriveInsights` for a record: `now` is the wall clock, or the newest
 * reading's time when that is older than the 30-day look-back.
 */
export async function recordInsightInput(
  compartments: InsightCompartments,
  wall: number,
  afCaches?: WeakMap<Compartment, AfScreenCache>
): Promise<{ input: InsightInput; latestReading?: number; dated: boolean }> {
  const held = [compartments.vitals, compartments.results].filter((c): c is Compartment => c !== undefined)
  let latestReading: number | undefined
  for (const c of held) {
    const t = latestReadingTime(c, wall)
    if (t !== undefined && (latestReading === undefined || t > latestReading)) latestReading = t
  }
  const dated = latestReading !== undefined && latestReading < wall - LOOKBACK.bpMs
  const now = dated ? (latestReading as number) : wall
  // with caches, the AF screen reads only the RR chunks that changed since the last time (af-incremental.ts)
  const parts = held.map((c) => insightInputOf(c, { now, rrSeries: afCaches === undefined }))
  let af: AfScreened | undefined
  if (afCaches !== undefined) {
    for (const c of held) {
      let cache = afCaches.get(c)
      if (cache === undefined) afCaches.set(c, (cache = createAfScreenCache()))
      // in slices: the first screen of a week of RR reads half a million beats on this thread
      const { stats: _stats, ...screened } = await cache.screenInSlices(rrChunkSourceOf(c), now)
      af =
        af === undefined
          ? screened
          : {
              triggered: [...af.triggered, ...screened.triggered],
              analysed: af.analysed + screened.analysed,
              windowBeats: af.windowBeats,
              ...(af.error ?? screened.error) === undefined ? {} : { error: (af.error ?? screened.error) as string }
            }
    }
  }
  // a refused NEWS2 entry is left out (named in the console, never its content); the others count
  const visits = compartments.visits ?? []
  const context = visits.length === 0 ? undefined : news2RecordedOf(visits, now)
  for (const e of context?.errors ?? []) console.warn('insights: NEWS2 entry refused', e.name)
  const input: InsightInput = {
    now,
    observations: parts.flatMap((p) => p.observations ?? []),
    series: parts.flatMap((p) => p.series ?? []),
    ...(context === undefined ? {} : { news2: { recorded: context.recorded } }),
    ...(af === undefined ? {} : { af })
  }
  return { input, ...(latestReading === undefined ? {} : { latestReading }), dated }
}

const EMPTY: InsightsSnapshot = { state: InsightsState.idle, findings: [], skipped: [], dated: false, available: true }

/**
 * Follows a record's findings. Nothing runs (no worker starts) until the first subscriber.
 * @throws {RangeError} if `debounceMs` is negative.
 * @example
 * const insights = createRecordInsights({ compartments: () => ({ vitals: session.get('vitals') }), insights: worker.client })
 * insights.subscribe((s) => render(s.findings))
 */
export function createRecordInsights(components: RecordInsightsComponents, init: RecordInsightsInit = {}): RecordInsights {
  const debounceMs = init.debounceMs ?? 750
  if (!Number.isFinite(debounceMs) || debounceMs < 0) throw new RangeError(`debounceMs: expected ≥ 0, got ${String(debounceMs)}`)
  const clock = components.clock ?? Date.now
  const listeners = new Set<(s: InsightsSnapshot) => void>()
  let snap: InsightsSnapshot = EMPTY
  let started = false
  let closed = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: AbortController | undefined
  let inflight: Promise<InsightsSnapshot> | undefined
  let again = false
  let detach: Array<() => void> = []
  // per compartment: the AF screen's results per RR chunk, so a recompute re-reads only what changed
  const afCaches = new WeakMap<Compartment, AfScreenCache>()

  const set = (next: InsightsSnapshot): InsightsSnapshot => {
    snap = next
    for (const l of [...listeners]) l(next)
    return next
  }

  /**
   * One computation at a time: a change while one runs asks for one more after it, never
   * aborts it (a strap's notification every second would otherwise cancel every
   * computation that takes longer than that, and findings would never arrive while it
   * streams). Resolves with the snapshot of the last run.
   */
  function compute(): Promise<InsightsSnapshot> {
    if (inflight !== undefined) {
      again = true
      return inflight
    }
    const loop = async (): Promise<InsightsSnapshot> => {
      let last: InsightsSnapshot
      do {
        again = false
        last = await computeOnce()
      } while (again && !closed)
      return last
    }
    const p = loop().finally(() => {
      if (inflight === p) inflight = undefined
    })
    inflight = p
    return p
  }

  async function computeOnce(): Promise<InsightsSnapshot> {
    running?.abort()
    const mine = new AbortController()
    running = mine
    const held = components.compartments()
    if (started && !closed) follow(held)
    if (held.vitals === undefined && held.results === undefined) return set({ ...EMPTY, state: InsightsState.ready, available: false })
    set({ ...snap, state: InsightsState.computing, available: true })
    try {
      const { input, latestReading, dated } = await recordInsightInput(held, clock(), afCaches)
      if (running !== mine || closed) return snap
      const report = await components.insights().deriveInsights(input, { signal: mine.signal })
      if (running !== mine || closed) return snap
      return set({ state: InsightsState.ready, findings: report.findings, skipped: report.skipped, asOf: input.now, ...(latestReading === undefined ? {} : { latestReading }), dated, available: true })
    } catch (err) {
      // a newer computation replaced this one, or the record closed: its answer no longer matters
      if (running !== mine || closed) return snap
      const e = err instanceof Error ? err : new Error(String(err))
      console.warn('insights: not computed', e.name)
      const { error: _old, ...rest } = snap
      return set({ ...rest, state: InsightsState.failed, error: { name: e.name, message: e.message } })
    }
  }

  const schedule = (): void => {
    if (closed) return
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      void compute()
    }, debounceMs)
  }

  const followed = new Set<Compartment>()
  /** Follows the changes of the compartments held now (visit compartments may come later: a new grant). */
  function follow(held: InsightCompartments): void {
    for (const c of [held.vitals, held.results, ...(held.visits ?? [])]) {
      if (c === undefined || followed.has(c)) continue
      followed.add(c)
      detach.push(c.onUpdate(() => schedule()))
    }
  }

  /** Follows the record's changes, once. */
  function attach(): void {
    if (started || closed) return
    started = true
    follow(components.compartments())
  }

  return {
    snapshot: () => snap,
    subscribe(listener) {
      listeners.add(listener)
      if (!started && !closed) {
        attach()
        void compute()
      }
      return () => listeners.delete(listener)
    },
    refresh() {
      if (closed) return Promise.resolve(snap)
      attach()
      return compute()
    },
    close() {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      running?.abort()
      for (const d of detach.splice(0)) d()
      detach = []
      followed.clear()
      listeners.clear()
    }
  }
}
