/**
 * Insights of a record compartment for the home screen: every rule of this folder run on
 * the readings of its Observations and time series, each finding saying which readings it
 * fired on. The input is plain data (structured-cloneable) so that it can be posted to the
 * insights worker; `insightInputOf` builds it from a `Compartment`.
 */
import type { Compartment, Observation } from '../record/index.ts'
import { afScreen, afWindowsFinding, AF_THRESHOLDS, type AfScreened, type RrSessionInput } from './af-screen.ts'
import { bpAverageFinding, bpReadingFinding, type BpReading } from './blood-pressure.ts'
import { cgmFinding } from './cgm.ts'
import { bySeverity, type Finding } from './findings.ts'
import { news2Finding, type Consciousness, type News2Input, type News2Provenance } from './news2.ts'
import type { News2Entry, News2Recorded } from './news2-context.ts'
import { INSIGHT_LOINC, readingsOfObservations, readingsOfSeries, type Reading, type ReadingKind, type SeriesInput } from './observations.ts'
import { RR_SERIES_CODE, rrSessionsOfSeries } from './rr-sessions.ts'
import { bpTrendFinding, glucoseTrendFinding, TREND_WINDOW_DAYS, weightTrendFindings } from './trends.ts'
import { timeOf } from './validate.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR

/** RR intervals of a heart-rate strap session. */
export interface RrSession {
  /** Epoch ms at the end of the first interval. */
  readonly startT: number
  readonly rrMs: readonly number[]
  /** e.g. the strap's series device id. */
  readonly ref?: string
}

/**
 * What the clinician has recorded for NEWS2 that devices cannot measure: given outright
 * (`spo2Scale`, `onOxygen`, `consciousness`, which win), or as the timed entries of the
 * visit compartments (`recorded`, from `news2RecordedOf`). Of those, ACVPU and oxygen count
 * for a set when recorded within `LOOKBACK.news2SetMs` (1 hour) of the set's newest reading,
 * the newest such entry winning: the chart scores one set of observations taken together,
 * and consciousness and oxygen change within hours (oxygen weaned, a new confusion), so an
 * older entry cannot be assumed to hold. A scale-2 mark holds from its time until it is
 * withdrawn (RCP 2017: scale 2 is a standing clinical decision for the patient).
 */
export interface News2Context {
  /** 2 when a clinician has marked hypercapnic respiratory failure (target 88–92 %). @default 1 */
  readonly spo2Scale?: 1 | 2
  /** On supplemental oxygen. Not recorded: assumed air (stated in the finding). */
  readonly onOxygen?: boolean
  /** ACVPU. Not recorded: assumed alert (stated in the finding). */
  readonly consciousness?: Consciousness
  /** Timed entries a clinician recorded (see above). */
  readonly recorded?: News2Recorded
}

/** Input of `deriveInsights`. */
export interface InsightInput {
  /** Epoch ms "now": findings look back from here. */
  readonly now: number
  readonly observations?: readonly Observation[]
  readonly series?: readonly SeriesInput[]
  readonly rr?: readonly RrSession[]
  readonly news2?: News2Context
  /**
   * The AF screen's windows of the RR series, screened beforehand (`createAfScreenCache`):
   * then RR series in `series` are not screened again. `rr` sessions still are.
   */
  readonly af?: AfScreened
  /** CGM reading interval in minutes. @default 5 */
  readonly cgmIntervalMin?: number
}

/** How far back each rule looks from `now`. */
export const LOOKBACK = {
  /** A NEWS2 set: all five measured parameters within 1 hour of each other, the latest within 24 hours. */
  news2SetMs: HOUR,
  news2AgeMs: DAY,
  /** The latest BP reading and the average: readings of the last 30 days. */
  bpMs: 30 * DAY,
  /** CGM report: the consensus 14 days. */
  cgmMs: 14 * DAY,
  /** Trends: BP and glucose compare two 14-day windows; weight looks back 6 months. */
  trendMs: 2 * TREND_WINDOW_DAYS * DAY,
  weightMs: 183 * DAY,
  /** AF screen: RR sessions (given, or recordings of the RR series) starting in the last 7 days. */
  rrMs: 7 * DAY
} as const

const NEWS2_KINDS = ['respiratoryRate', 'spo2', 'systolic', 'heartRate', 'temperature'] as const

/** Latest reading of each NEWS2 parameter, if all lie within one hour of the latest of them. */
function news2Set(readings: readonly Reading[], now: number, ctx: News2Context = {}): Finding | null {
  const latest = new Map<ReadingKind, Reading>()
  for (const r of readings) if (r.t <= now && (NEWS2_KINDS as readonly string[]).includes(r.kind)) latest.set(r.kind, r)
  if (latest.size < NEWS2_KINDS.length) return null
  const ts = [...latest.values()].map((r) => r.t)
  const newest = Math.max(...ts)
  if (newest < now - LOOKBACK.news2AgeMs || Math.min(...ts) < newest - LOOKBACK.news2SetMs) return null
  const get = (k: ReadingKind): Reading => latest.get(k) as Reading
  const rec = ctx.recorded
  // the newest entry within an hour of the set's newest reading (either side), none after `now`
  const inSet = <T>(xs: readonly News2Entry<T>[] | undefined): News2Entry<T> | undefined =>
    pickNewest(xs, (e) => e.t <= now && Math.abs(e.t - newest) <= LOOKBACK.news2SetMs)
  const oxygen = ctx.onOxygen === undefined ? inSet(rec?.oxygen) : undefined
  const acvpu = ctx.consciousness === undefined ? inSet(rec?.consciousness) : undefined
  // a scale-2 mark holds from its time on (withdrawn marks are not in `recorded`)
  const scale2 = ctx.spo2Scale === undefined ? pickNewest(rec?.scale2, (e) => e.t <= now) : undefined
  const input: News2Input = {
    respiratoryRate: get('respiratoryRate').value,
    spo2: get('spo2').value,
    spo2Scale: ctx.spo2Scale ?? (scale2 !== undefined ? 2 : 1),
    onOxygen: ctx.onOxygen ?? oxygen?.value ?? false,
    systolic: get('systolic').value,
    pulse: get('heartRate').value,
    consciousness: ctx.consciousness ?? acvpu?.value ?? 'A',
    temperatureC: get('temperature').value
  }
  const at = (k: ReadingKind): { t: number; ref: string } => ({ t: get(k).t, ref: get(k).ref })
  const entry = <T>(e: News2Entry<T>): { t: number; ref: string; by?: string } => ({ t: e.t, ref: e.ref, ...(e.by === undefined ? {} : { by: e.by }) })
  const provenance: News2Provenance = {
    respiratoryRate: at('respiratoryRate'),
    spo2: at('spo2'),
    systolic: at('systolic'),
    pulse: at('heartRate'),
    temperatureC: at('temperature'),
    ...(oxygen === undefined ? {} : { onOxygen: entry(oxygen) }),
    ...(acvpu === undefined ? {} : { consciousness: entry(acvpu) }),
    ...(scale2 === undefined ? {} : { spo2Scale: entry(scale2) })
  }
  const f = news2Finding(input, provenance)
  const by = (e: News2Entry<unknown>): string => `${e.by === undefined ? '' : `by ${e.by} `}at ${new Date(e.t).toISOString()}`
  const said = [
    scale2 === undefined ? '' : `SpO2 scale 2 (hypercapnic respiratory failure marked ${by(scale2)})`,
    ctx.consciousness !== undefined ? '' : acvpu === undefined ? 'consciousness not recorded, assumed alert (A)' : `consciousness ${acvpu.value} (recorded ${by(acvpu)})`,
    ctx.onOxygen !== undefined ? '' : oxygen === undefined ? 'oxygen not recorded, assumed air' : `${oxygen.value ? 'on oxygen' : 'breathing air'} (recorded ${by(oxygen)})`
  ]
    .filter((s) => s !== '')
    .join('; ')
  return said === '' ? f : { ...f, fired: `${f.fired}; ${said}` }
}

/** The newest entry (lists are newest first, but untrusted input need not be) that `ok` accepts. */
function pickNewest<T>(xs: readonly News2Entry<T>[] | undefined, ok: (e: News2Entry<T>) => boolean): News2Entry<T> | undefined {
  let best: News2Entry<T> | undefined
  const list: readonly News2Entry<T>[] = Array.isArray(xs) ? xs : []
  for (const e of list) {
    if (typeof e !== 'object' || e === null || typeof e.t !== 'number' || !Number.isFinite(e.t) || !ok(e)) continue
    if (best === undefined || e.t > best.t) best = e
  }
  return best
}

/** Systolic and diastolic readings of the same Observation (or the same instant) paired. */
function bpReadings(readings: readonly Reading[]): BpReading[] {
  const byKey = new Map<string, { t: number; ref: string; s?: number; d?: number }>()
  for (const r of readings) {
    if (r.kind !== 'systolic' && r.kind !== 'diastolic') continue
    const key = `${r.ref}@${r.t}`
    const e = byKey.get(key) ?? { t: r.t, ref: r.ref }
    if (r.kind === 'systolic') e.s = r.value
    else e.d = r.value
    byKey.set(key, e)
  }
  const out: BpReading[] = []
  for (const e of byKey.values()) if (e.s !== undefined && e.d !== undefined) out.push({ t: e.t, systolic: e.s, diastolic: e.d, ref: e.ref })
  return out.sort((a, b) => a.t - b.t)
}

/** Runs `rule`; a reading the rule refuses (out of range: a device or unit error) drops that rule only. */
function tryRule<T>(rule: () => T, skipped: string[], name: string): T | null {
  try {
    return rule()
  } catch (err) {
    if (err instanceof RangeError || err instanceof TypeError) {
      skipped.push(`${name}: ${err.message}`)
      return null
    }
    throw err
  }
}

/** Findings and the rules that could not run on the data. */
export interface InsightReport {
  /** Most severe first. */
  readonly findings: Finding[]
  /** One line per rule left out because a reading was implausible (e.g. "news2: news2.temperatureC: expected 10..47 °C, got 98.6"). */
  readonly skipped: string[]
}

/**
 * Runs every rule on the readings of a compartment, looking back from `input.now`.
 * @throws {TypeError} / {RangeError} if `input.now` is not a time.
 */
export function deriveInsights(input: InsightInput): InsightReport {
  if (typeof input !== 'object' || input === null) throw new TypeError('deriveInsights: expected an InsightInput')
  const now = timeOf(input.now, 'deriveInsights.now')
  const readings = [...readingsOfObservations(input.observations ?? []), ...readingsOfSeries(input.series ?? [])]
    .filter((r) => r.t <= now)
    .sort((a, b) => a.t - b.t)
  const since = (ms: number): Reading[] => readings.filter((r) => r.t > now - ms)
  const findings: Finding[] = []
  const skipped: string[] = []
  const add = (f: Finding | null): void => {
    if (f !== null) findings.push(f)
  }

  add(tryRule(() => news2Set(readings, now, input.news2), skipped, 'news2'))

  const bp = bpReadings(since(LOOKBACK.bpMs))
  const latestBp = bp[bp.length - 1]
  if (latestBp !== undefined) {
    add(tryRule(() => bpReadingFinding(latestBp), skipped, 'bp-category'))
    if (bp.length >= 2) add(tryRule(() => bpAverageFinding(bp), skipped, 'bp-average'))
  }
  add(tryRule(() => bpTrendFinding(bpReadings(since(LOOKBACK.trendMs))), skipped, 'bp-trend'))

  const opts = input.cgmIntervalMin !== undefined ? { intervalMin: input.cgmIntervalMin } : {}
  const cgm = since(LOOKBACK.cgmMs).filter((r) => r.kind === 'cgmGlucose')
  if (cgm.length > 0) add(tryRule(() => cgmFinding(cgm.map((r) => ({ t: r.t, mgdl: r.value })), { ...opts, ref: cgm[0]?.ref as string }), skipped, 'cgm'))
  const cgmTrend = since(LOOKBACK.trendMs).filter((r) => r.kind === 'cgmGlucose')
  add(tryRule(() => glucoseTrendFinding(cgmTrend.map((r) => ({ t: r.t, mgdl: r.value })), opts), skipped, 'glucose-trend'))

  const weight = since(LOOKBACK.weightMs).filter((r) => r.kind === 'weight')
  for (const f of tryRule(() => weightTrendFindings(weight), skipped, 'weight-change') ?? []) findings.push(f)

  // the sessions given, and the recordings of the record's RR series (rr-sessions.ts): one finding for all
  const recent = (s: RrSessionInput): boolean => typeof s?.startT === 'number' && s.startT > now - LOOKBACK.rrMs && s.startT <= now
  const sessions: RrSessionInput[] = [...(input.rr ?? []), ...(input.af === undefined ? rrSessionsOfSeries(input.series ?? []) : [])].filter(recent)
  const af = input.af
  if (af !== undefined && typeof af.error === 'string') skipped.push(`af-screen: ${af.error}`)
  else if (sessions.length > 0 || af !== undefined) {
    add(
      tryRule(
        () => {
          // each recording screened on its own (windows never span two), then one finding for all
          const size = af?.windowBeats ?? AF_THRESHOLDS.windowBeats
          const screened = sessions.map((s) => ({ r: afScreen(s.rrMs, { windowBeats: size, startT: s.startT, ...(s.times === undefined ? {} : { times: s.times }) }), ref: s.ref }))
          return afWindowsFinding({
            triggered: [...(af?.triggered ?? []), ...screened.flatMap((x) => x.r.triggered.map((w) => ({ ...w, ...(typeof x.ref === 'string' ? { ref: x.ref } : {}) })))],
            analysed: (af?.analysed ?? 0) + screened.reduce((n, x) => n + x.r.windows.filter((w) => w.skipped === undefined).length, 0),
            windowBeats: size
          })
        },
        skipped,
        'af-screen'
      )
    )
  }
  return { findings: findings.sort(bySeverity), skipped }
}

/** Options of `insightInputOf`. */
export interface InsightInputInit {
  /** Read the RR series (the AF screen's week). False when an `AfScreenCache` screens them. @default true */
  readonly rrSeries?: boolean
  /** @default Date.now() */
  readonly now?: number
  readonly news2?: News2Context
  readonly rr?: readonly RrSession[]
  readonly cgmIntervalMin?: number
}

const SERIES_CODES = [INSIGHT_LOINC.heartRate, INSIGHT_LOINC.cgmGlucose, INSIGHT_LOINC.spo2, INSIGHT_LOINC.respiratoryRate, INSIGHT_LOINC.temperature, INSIGHT_LOINC.weight]
const OBSERVATION_CODES = Object.values(INSIGHT_LOINC).map((c) => `http://loinc.org|${c}`)

/**
 * Reads what `deriveInsights` needs from a compartment (normally `vitals`, or `results` for
 * lab glucose): its Observations with one of the insight LOINC codes, and its time series of
 * those codes, over the longest look-back (6 months). Plain data: post it to the worker.
 * @throws {RangeError} if `now` is not a time.
 */
export function insightInputOf(compartment: Compartment, init: InsightInputInit = {}): InsightInput {
  const now = timeOf(init.now ?? Date.now(), 'insightInputOf.now')
  const from = Math.max(0, now - LOOKBACK.weightMs)
  const observations = compartment.resources.list<'Observation'>('Observation', { from, to: now + 1, code: OBSERVATION_CODES })
  const series: SeriesInput[] = []
  for (const code of SERIES_CODES) {
    // high-rate heart rate only matters for NEWS2 (the latest day); the rest over the look-back
    const start = code === INSIGHT_LOINC.heartRate ? Math.max(0, now - LOOKBACK.news2AgeMs) : from
    // unreadable chunks come back in `errors` and are left out; the rest is read
    for (const s of compartment.series.read(code, undefined, start, now + 1).series) {
      series.push({ code: s.code, device: s.device, unit: s.unit, times: Array.from(s.times), values: Array.from(s.values) })
    }
  }
  // RR intervals (one per beat) of the AF screen's week, as typed arrays: cheap to post to the worker
  if (init.rrSeries !== false) {
    for (const s of compartment.series.read(RR_SERIES_CODE, undefined, Math.max(0, now - LOOKBACK.rrMs + 1), now + 1).series) {
      series.push({ code: s.code, device: s.device, unit: s.unit, times: s.times.slice(), values: s.values.slice() })
    }
  }
  return {
    now,
    observations,
    series,
    ...(init.rr !== undefined ? { rr: init.rr } : {}),
    ...(init.news2 !== undefined ? { news2: init.news2 } : {}),
    ...(init.cgmIntervalMin !== undefined ? { cgmIntervalMin: init.cgmIntervalMin } : {})
  }
}
