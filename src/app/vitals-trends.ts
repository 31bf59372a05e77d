/**
 * The latest vitals and their trend, for the patient's home screen: per measure with
 * readings, the newest value with its unit and time, and how the readings of the last week
 * compare with the three weeks before — up, down, or steady — computed from the stored
 * readings (time series and spot Observations, withdrawn ones left out), never guessed.
 *
 * The weeks are counted back from the newest reading, not from today, so an old record (a
 * demo month, a device not worn for a while) still says how it was going then; the time of
 * the newest reading is always given with it.
 *
 * Steps are left out: they are counts per interval, not a level; their chart is on the
 * vitals screen.
 */
import { isWithdrawn, type Compartment } from '../record/index.ts'
import { convertValue, measurementsOf, sameQuantity, type Measurement } from '../devices/index.ts'
import { MEASURES, type MeasureDef, type VitalMeasure } from './vitals-chart-data.ts'

/** Which way a measure went. */
export const TrendDirection = {
  /** The last week's average is above the weeks before by more than the measure's steady band. */
  up: 'up',
  /** Below by more than the steady band. */
  down: 'down',
  /** Within the steady band. */
  steady: 'steady'
} as const
export type TrendDirection = (typeof TrendDirection)[keyof typeof TrendDirection]

const DAY = 86_400_000
/** The recent window: the week up to the newest reading. */
export const RECENT_DAYS = 7
/** The window compared with: the three weeks before the recent one. */
export const EARLIER_DAYS = 21
/** Readings the earlier window needs for a trend (the recent one needs the newest reading only). */
export const MIN_EARLIER_READINGS = 2

/**
 * Changes of the two averages smaller than this (in the measure's unit) are "steady": about
 * what a second reading minutes later may differ by, so that noise is not shown as a trend.
 * These are the app's choice for wording, not clinical thresholds.
 */
export const STEADY_BAND: Readonly<Record<Exclude<VitalMeasure, 'steps'>, number>> = {
  'heart-rate': 3,
  'blood-pressure': 3,
  glucose: 5,
  spo2: 1,
  temperature: 0.2,
  weight: 0.5
}

/** The measures on the home screen, in the order shown. */
export const TRENDED_MEASURES: readonly Exclude<VitalMeasure, 'steps'>[] = ['blood-pressure', 'heart-rate', 'glucose', 'spo2', 'temperature', 'weight']

/** A line's trend: the two averages it compares. */
export interface LineTrend {
  readonly direction: TrendDirection
  /** Recent average minus earlier average, in the measure's unit. */
  readonly change: number
  readonly recentMean: number
  readonly earlierMean: number
  readonly recentCount: number
  readonly earlierCount: number
}

/** One line of a measure (systolic, diastolic; or the only one). */
export interface LineLatest {
  /** LOINC code of the line (`MeasureLine.code`). */
  readonly code: string
  /** The newest reading, in the measure's unit. */
  readonly value: number
  readonly t: number
  /** Absent when the earlier weeks have fewer than `MIN_EARLIER_READINGS` readings. */
  readonly trend?: LineTrend
}

/** A measure with readings: its lines' latest values and trends. */
export interface VitalTrend {
  readonly measure: VitalMeasure
  /** UCUM unit of every value and change (the measure's unit, e.g. `mm[Hg]`). */
  readonly unit: string
  /** Steady band used, in `unit`. */
  readonly steadyBand: number
  /** One per `MeasureDef.lines` that has readings. */
  readonly lines: readonly LineLatest[]
  /** Time of the newest reading of any line. */
  readonly latestT: number
}

/** Options of `vitalTrends`. */
export interface VitalTrendsOptions {
  /** Called between reads of a long series (e.g. to yield to the page). @default none */
  readonly between?: () => Promise<void>
  readonly signal?: AbortSignal
}

/** How much of a series is decoded at once. */
const WINDOW_MS = 7 * DAY

interface Acc {
  recentSum: number
  recentN: number
  earlierSum: number
  earlierN: number
}

/** Calls `each(t, value)` for every reading of `code`'s quantity in [from, to), in `def.unit`. */
async function forReadings(vitals: Compartment, spot: readonly Measurement[], def: MeasureDef, code: string, from: number, to: number, opts: VitalTrendsOptions, each: (t: number, v: number) => void): Promise<void> {
  for (const info of vitals.series.list()) {
    if (!sameQuantity(code, info.code)) continue
    const start = Math.max(from, info.firstChunk)
    const end = Math.min(to, info.lastChunk + DAY)
    for (let w = start; w < end; w += WINDOW_MS) {
      opts.signal?.throwIfAborted()
      const read = vitals.series.read(info.code, info.device, w, Math.min(end, w + WINDOW_MS))
      for (const s of read.series) {
        for (let k = 0; k < s.times.length; k++) {
          const v = s.unit === def.unit ? (s.values[k] as number) : convertValue(s.values[k] as number, s.unit, def.unit, s.code)
          if (v !== undefined && Number.isFinite(v)) each(s.times[k] as number, v)
        }
      }
      if (opts.between !== undefined && w + WINDOW_MS < end) await opts.between()
    }
  }
  for (const m of spot) {
    const c = m.codes.find((x) => sameQuantity(code, x))
    if (c === undefined || m.t < from || m.t >= to) continue
    const v = m.unit === def.unit ? m.value : convertValue(m.value, m.unit, def.unit, c)
    if (v !== undefined && Number.isFinite(v)) each(m.t, v)
  }
}

/** The newest reading of `code`'s quantity, or undefined. */
async function newest(vitals: Compartment, spot: readonly Measurement[], def: MeasureDef, code: string, opts: VitalTrendsOptions): Promise<{ t: number; value: number } | undefined> {
  let best: { t: number; value: number } | undefined
  const keep = (t: number, v: number): void => {
    if (best === undefined || t > best.t) best = { t, value: v }
  }
  // series: only the last chunk period of each series holds its newest sample
  for (const info of vitals.series.list()) {
    if (!sameQuantity(code, info.code)) continue
    opts.signal?.throwIfAborted()
    const read = vitals.series.read(info.code, info.device, info.lastChunk, info.lastChunk + DAY)
    for (const s of read.series) {
      for (let k = 0; k < s.times.length; k++) {
        const v = s.unit === def.unit ? (s.values[k] as number) : convertValue(s.values[k] as number, s.unit, def.unit, s.code)
        if (v !== undefined && Number.isFinite(v)) keep(s.times[k] as number, v)
      }
    }
  }
  for (const m of spot) {
    const c = m.codes.find((x) => sameQuantity(code, x))
    if (c === undefined) continue
    const v = m.unit === def.unit ? m.value : convertValue(m.value, m.unit, def.unit, c)
    if (v !== undefined && Number.isFinite(v)) keep(m.t, v)
  }
  return best
}

/** Up, down or steady: `change` against the steady band. */
export function directionOf(change: number, steadyBand: number): TrendDirection {
  if (Math.abs(change) < steadyBand) return TrendDirection.steady
  return change > 0 ? TrendDirection.up : TrendDirection.down
}

/**
 * The latest value and trend of each measure with readings (see the file comment), in
 * `TRENDED_MEASURES` order; empty when the compartment holds no readings.
 * @throws the abort reason when `opts.signal` aborts
 * @example const trends = await vitalTrends(session.get('vitals'))
 */
export async function vitalTrends(vitals: Compartment, opts: VitalTrendsOptions = {}): Promise<VitalTrend[]> {
  const out: VitalTrend[] = []
  // the spot readings, read once for every line (withdrawn ones left out)
  const spot: Measurement[] = []
  for (const obs of vitals.resources.list('Observation')) if (!isWithdrawn(obs)) spot.push(...measurementsOf(obs))
  for (const measure of TRENDED_MEASURES) {
    const def = MEASURES[measure]
    const band = STEADY_BAND[measure]
    const lines: LineLatest[] = []
    for (const line of def.lines) {
      const last = await newest(vitals, spot, def, line.code, opts)
      if (last === undefined) continue
      const end = last.t
      const acc: Acc = { recentSum: 0, recentN: 0, earlierSum: 0, earlierN: 0 }
      const recentFrom = end - RECENT_DAYS * DAY
      await forReadings(vitals, spot, def, line.code, recentFrom - EARLIER_DAYS * DAY + 1, end + 1, opts, (t, v) => {
        // recent: (end − 7 d, end]; earlier: (end − 28 d, end − 7 d]
        if (t > recentFrom) {
          acc.recentSum += v
          acc.recentN++
        } else {
          acc.earlierSum += v
          acc.earlierN++
        }
      })
      let trend: LineTrend | undefined
      if (acc.recentN >= 1 && acc.earlierN >= MIN_EARLIER_READINGS) {
        const recentMean = acc.recentSum / acc.recentN
        const earlierMean = acc.earlierSum / acc.earlierN
        const change = recentMean - earlierMean
        trend = { direction: directionOf(change, band), change, recentMean, earlierMean, recentCount: acc.recentN, earlierCount: acc.earlierN }
      }
      lines.push({ code: line.code, value: last.value, t: last.t, ...(trend === undefined ? {} : { trend }) })
    }
    if (lines.length > 0) out.push({ measure, unit: def.unit, steadyBand: band, lines, latestT: Math.max(...lines.map((l) => l.t)) })
  }
  return out
}
