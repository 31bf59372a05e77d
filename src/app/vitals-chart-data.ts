/**
 * What the patient's vitals charts draw: per measure, the readings of a time range from the
 * vitals compartment — time-series chunks and spot Observations — reduced to at most two
 * points (the lowest and the highest, in their order) per pixel column. A series range is
 * read a window at a time (`SeriesStore.read` decodes only the chunks of that window), so
 * ten years of a 1 Hz strap never sit in memory at once, and the reader yields between
 * windows so the page keeps responding.
 */
import { isWithdrawn, type Compartment } from '../record/index.ts'
import { convertValue, measurementsOf, quantityCodes, sameQuantity } from '../devices/index.ts'

/** The measures charted. */
export const VitalMeasure = {
  heartRate: 'heart-rate',
  bloodPressure: 'blood-pressure',
  glucose: 'glucose',
  spo2: 'spo2',
  temperature: 'temperature',
  weight: 'weight',
  steps: 'steps'
} as const
export type VitalMeasure = (typeof VitalMeasure)[keyof typeof VitalMeasure]

/** One line of a chart. */
export interface MeasureLine {
  /** LOINC code; readings of codes of the same quantity (`sameQuantity`) are drawn too. */
  readonly code: string
  readonly display: string
  /** Values shaded as the usual range, and its source; none when there is no such range. */
  readonly normal?: { readonly low: number; readonly high: number }
  /** What a person may type in by hand. */
  readonly manual: { readonly min: number; readonly max: number }
}

/** A measure: its lines (two for blood pressure) and its UCUM unit. */
export interface MeasureDef {
  readonly id: VitalMeasure
  readonly unit: string
  readonly lines: readonly MeasureLine[]
  /** Observation category (`vital-signs`, or `activity` for steps). */
  readonly category: 'vital-signs' | 'activity'
  /** Where the shaded range comes from. */
  readonly normalSource?: string
}

/**
 * The measures. Shaded ranges: heart rate, SpO2 and temperature are the bands that score 0
 * in NEWS2 (RCP 2017, chart 1: pulse 51–90, SpO2 scale 1 ≥ 96 %, temperature 36.1–38.0 °C);
 * blood pressure is "normal" of the 2017 ACC/AHA guideline (systolic < 120 and diastolic
 * < 80 mm Hg, drawn from 90 and 60); glucose is the 2019 international consensus time in
 * range, 70–180 mg/dL (Battelino et al., Diabetes Care 2019;42:1593).
 */
export const MEASURES: Readonly<Record<VitalMeasure, MeasureDef>> = {
  'heart-rate': {
    id: 'heart-rate',
    unit: '/min',
    category: 'vital-signs',
    normalSource: 'NEWS2 (RCP 2017)',
    lines: [{ code: '8867-4', display: 'Heart rate', normal: { low: 51, high: 90 }, manual: { min: 20, max: 300 } }]
  },
  'blood-pressure': {
    id: 'blood-pressure',
    unit: 'mm[Hg]',
    category: 'vital-signs',
    normalSource: 'ACC/AHA 2017',
    lines: [
      { code: '8480-6', display: 'Systolic blood pressure', normal: { low: 90, high: 120 }, manual: { min: 50, max: 300 } },
      { code: '8462-4', display: 'Diastolic blood pressure', normal: { low: 60, high: 80 }, manual: { min: 20, max: 200 } }
    ]
  },
  glucose: {
    id: 'glucose',
    unit: 'mg/dL',
    category: 'vital-signs',
    normalSource: 'Battelino 2019',
    lines: [{ code: '2339-0', display: 'Glucose [Mass/volume] in Blood', normal: { low: 70, high: 180 }, manual: { min: 10, max: 1000 } }]
  },
  spo2: {
    id: 'spo2',
    unit: '%',
    category: 'vital-signs',
    normalSource: 'NEWS2 (RCP 2017)',
    lines: [{ code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', normal: { low: 96, high: 100 }, manual: { min: 50, max: 100 } }]
  },
  temperature: {
    id: 'temperature',
    unit: 'Cel',
    category: 'vital-signs',
    normalSource: 'NEWS2 (RCP 2017)',
    lines: [{ code: '8310-5', display: 'Body temperature', normal: { low: 36.1, high: 38 }, manual: { min: 30, max: 45 } }]
  },
  weight: { id: 'weight', unit: 'kg', category: 'vital-signs', lines: [{ code: '29463-7', display: 'Body weight', manual: { min: 0.5, max: 500 } }] },
  steps: { id: 'steps', unit: '{steps}', category: 'activity', lines: [{ code: '55423-8', display: 'Number of steps in unspecified time Pedometer', manual: { min: 0, max: 200_000 } }] }
}

/** One line's points: times (ms) and values, time-ordered. */
export interface LinePoints {
  readonly times: Float64Array
  readonly values: Float64Array
}

/** A measure's points over a range, downsampled. */
export interface ChartData {
  readonly from: number
  readonly to: number
  /** One per `MeasureDef.lines`. */
  readonly lines: readonly LinePoints[]
  /** Readings read (before downsampling), per line. */
  readonly counts: readonly number[]
  /** Lowest, highest and latest reading per line (before downsampling); undefined without readings. */
  readonly stats: readonly ({ min: number; max: number; last: number; lastT: number } | undefined)[]
  /** Chunks that could not be read (named and skipped). */
  readonly unreadable: number
}

/**
 * Min/max per bucket: the range [from, to) cut into `buckets` equal columns; each column
 * keeps its lowest and highest sample, in the order they occurred (one point when they are
 * the same sample). `add` in any order; O(1) each, O(buckets) memory.
 */
export class MinMaxBuckets {
  readonly #from: number
  readonly #width: number
  readonly #n: number
  readonly #minV: Float64Array
  readonly #minT: Float64Array
  readonly #maxV: Float64Array
  readonly #maxT: Float64Array
  #count = 0

  constructor(from: number, to: number, buckets: number) {
    if (!(to > from)) throw new RangeError(`range: to (${to}) must be after from (${from})`)
    if (!Number.isSafeInteger(buckets) || buckets < 1 || buckets > 100_000) throw new RangeError(`buckets: 1..100000, got ${buckets}`)
    this.#from = from
    this.#n = buckets
    this.#width = (to - from) / buckets
    this.#minV = new Float64Array(buckets).fill(Number.POSITIVE_INFINITY)
    this.#maxV = new Float64Array(buckets).fill(Number.NEGATIVE_INFINITY)
    this.#minT = new Float64Array(buckets)
    this.#maxT = new Float64Array(buckets)
  }

  /** Samples added. */
  get count(): number {
    return this.#count
  }

  /** Adds one sample; outside the range or not finite, it is ignored. */
  add(t: number, v: number): void {
    if (!Number.isFinite(v)) return
    const b = Math.floor((t - this.#from) / this.#width)
    if (b < 0 || b >= this.#n) return
    this.#count++
    if (v < (this.#minV[b] as number) || (v === this.#minV[b] && t < (this.#minT[b] as number))) {
      this.#minV[b] = v
      this.#minT[b] = t
    }
    if (v > (this.#maxV[b] as number) || (v === this.#maxV[b] && t < (this.#maxT[b] as number))) {
      this.#maxV[b] = v
      this.#maxT[b] = t
    }
  }

  /** At most two points per column, time-ordered. */
  points(): LinePoints {
    const times: number[] = []
    const values: number[] = []
    for (let b = 0; b < this.#n; b++) {
      const lo = this.#minV[b] as number
      if (lo === Number.POSITIVE_INFINITY) continue
      const tLo = this.#minT[b] as number
      const tHi = this.#maxT[b] as number
      const hi = this.#maxV[b] as number
      if (tLo === tHi && lo === hi) {
        times.push(tLo)
        values.push(lo)
      } else if (tLo <= tHi) {
        times.push(tLo, tHi)
        values.push(lo, hi)
      } else {
        times.push(tHi, tLo)
        values.push(hi, lo)
      }
    }
    return { times: Float64Array.from(times), values: Float64Array.from(values) }
  }
}

/**
 * Downsamples time-ordered samples to at most `2 × buckets` points (min and max per column).
 * @throws {RangeError} for an empty range or a bad bucket count
 * @example downsampleMinMax(times, values, from, to, 800)
 */
export function downsampleMinMax(times: ArrayLike<number>, values: ArrayLike<number>, from: number, to: number, buckets: number): LinePoints {
  const acc = new MinMaxBuckets(from, to, buckets)
  for (let i = 0; i < times.length; i++) acc.add(times[i] as number, values[i] as number)
  return acc.points()
}

/** How much of a series is decoded at once. */
const WINDOW_MS = 7 * 86_400_000

/** Options of `chartData`. */
export interface ChartDataOptions {
  readonly from: number
  readonly to: number
  /** The chart's width in pixels: columns of the downsampling. */
  readonly buckets: number
  /** Called between windows of a long read (e.g. to yield to the page). @default none */
  readonly between?: () => Promise<void>
  readonly signal?: AbortSignal
}

/**
 * The points of `measure` with `from ≤ t < to`: every series of a code measuring the same
 * quantity (from any device) and every spot Observation (withdrawn ones left out), in the
 * measure's unit, downsampled to `buckets` columns.
 * @throws {RangeError} for an empty range or a bad bucket count; the abort reason when aborted
 */
export async function chartData(vitals: Compartment, measure: VitalMeasure, opts: ChartDataOptions): Promise<ChartData> {
  const def = MEASURES[measure]
  const accs = def.lines.map(() => new MinMaxBuckets(opts.from, opts.to, opts.buckets))
  const stats: ({ min: number; max: number; last: number; lastT: number } | undefined)[] = def.lines.map(() => undefined)
  let unreadable = 0
  const note = (i: number, t: number, v: number): void => {
    if (t < opts.from || t >= opts.to || !Number.isFinite(v)) return
    ;(accs[i] as MinMaxBuckets).add(t, v)
    const s = stats[i]
    if (s === undefined) stats[i] = { min: v, max: v, last: v, lastT: t }
    else {
      if (v < s.min) s.min = v
      if (v > s.max) s.max = v
      if (t >= s.lastT) {
        s.last = v
        s.lastT = t
      }
    }
  }
  const infos = vitals.series.list()
  for (let i = 0; i < def.lines.length; i++) {
    const line = def.lines[i] as MeasureLine
    for (const info of infos) {
      if (!sameQuantity(line.code, info.code)) continue
      // only the windows that overlap the chunks present
      const start = Math.max(opts.from, info.firstChunk)
      const end = Math.min(opts.to, info.lastChunk + 86_400_000)
      for (let w = start; w < end; w += WINDOW_MS) {
        opts.signal?.throwIfAborted()
        const read = vitals.series.read(info.code, info.device, w, Math.min(end, w + WINDOW_MS))
        unreadable += read.errors.length
        for (const s of read.series) {
          const same = s.unit === def.unit
          for (let k = 0; k < s.times.length; k++) {
            const v = same ? (s.values[k] as number) : convertValue(s.values[k] as number, s.unit, def.unit, s.code)
            if (v !== undefined) note(i, s.times[k] as number, v)
          }
        }
        if (opts.between !== undefined && w + WINDOW_MS < end) await opts.between()
      }
    }
  }
  for (const obs of vitals.resources.list('Observation', { from: opts.from, to: opts.to })) {
    if (isWithdrawn(obs)) continue
    for (const m of measurementsOf(obs)) {
      def.lines.forEach((line, i) => {
        const code = m.codes.find((c) => sameQuantity(line.code, c))
        if (code === undefined) return
        const v = m.unit === def.unit ? m.value : convertValue(m.value, m.unit, def.unit, code)
        if (v !== undefined) note(i, m.t, v)
      })
    }
  }
  return { from: opts.from, to: opts.to, lines: accs.map((a) => a.points()), counts: accs.map((a) => a.count), stats, unreadable }
}

/**
 * When the latest reading of `measure` was taken (a device's series or a spot Observation),
 * or `undefined` without any: a chart whose range holds nothing can move to where the
 * readings are. Reads only the last chunk of each matching series.
 */
export function latestMeasureTime(vitals: Compartment, measure: VitalMeasure): number | undefined {
  const def = MEASURES[measure]
  let latest: number | undefined
  const seen = (t: number): void => {
    if (Number.isFinite(t) && (latest === undefined || t > latest)) latest = t
  }
  for (const info of vitals.series.list()) {
    if (!def.lines.some((line) => sameQuantity(line.code, info.code))) continue
    const read = vitals.series.read(info.code, info.device, info.lastChunk, info.lastChunk + 86_400_000)
    for (const s of read.series) if (s.times.length > 0) seen(s.times[s.times.length - 1] as number)
  }
  const codes = def.lines.flatMap((line) => quantityCodes(line.code))
  for (const obs of vitals.resources.list('Observation', { code: codes })) {
    if (isWithdrawn(obs)) continue
    for (const m of measurementsOf(obs)) if (m.codes.some((c) => codes.some((code) => sameQuantity(code, c)))) seen(m.t)
  }
  return latest
}
