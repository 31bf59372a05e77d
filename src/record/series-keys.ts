/**
 * Keys of time-series chunks (DESIGN §4): `series/<code>/<sourceDevice>/<hourStartIso>`,
 * the chunks a key's value holds, and the sample merging shared by flush, compaction and
 * reads.
 *
 * A chunk covers one UTC hour from the hour in its key, except for series sampled every
 * few minutes or less often (`DAILY_CHUNK_CODES`), whose chunks cover one UTC day (the key
 * then names the day's first hour): an hourly chunk of CGM would hold 12 samples and cost
 * more in key and header than in data, and ten years of it would be 87,000 map entries.
 */
import * as Y from 'yjs'
import { decodeChunk, type ChunkData } from './chunk.ts'
import { HOUR_MS } from './dates.ts'

/** A series code (a LOINC code such as `8867-4`, or another system's code): no `/`. */
export const SERIES_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/
/** A source-device id (not a display name): no `/`, no spaces. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:~-]{0,127}$/
/** Latest sample time: the last millisecond of year 9999 (hour keys keep four-digit years). */
export const MAX_SAMPLE_TIME = Date.UTC(10000, 0, 1) - 1

const KEY = /^series\/([^/]+)\/([^/]+)\/(\d{4}-\d{2}-\d{2}T\d{2}:00:00Z)$/

/** Milliseconds in one UTC day. */
export const DAY_MS = 86_400_000

/**
 * Series codes chunked per UTC day instead of per hour: LOINC 99504-3 (CGM glucose, every
 * 5 min), 55423-8 (steps, per interval), 41950-7 (steps per 24 h).
 */
export const DAILY_CHUNK_CODES: ReadonlySet<string> = new Set(['99504-3', '55423-8', '41950-7'])

/** Longest chunk period: readers look this far back for a chunk holding `from`. */
export const MAX_PERIOD_MS = DAY_MS

/** Span of the chunks of series `code`. */
export const spanOf = (code: string): number => (DAILY_CHUNK_CODES.has(code) ? DAY_MS : HOUR_MS)

/** Start of the chunk of series `code` holding time `t`. */
export const chunkStartOf = (code: string, t: number): number => t - (t % spanOf(code))

/** The start of the UTC hour holding `t`. */
export const hourOf = (t: number): number => t - (t % HOUR_MS)

/** `2024-05-02T10:00:00Z` for an hour start. */
export const hourIso = (hour: number): string => `${new Date(hour).toISOString().slice(0, 13)}:00:00Z`

/** The map key of one series-hour. */
export const chunkKey = (code: string, device: string, hour: number): string => `series/${code}/${device}/${hourIso(hour)}`

/** Identity of a series inside maps: code and device joined by NUL (neither may hold it). */
export const seriesId = (code: string, device: string): string => `${code}\u0000${device}`

/**
 * The parts of a chunk key, or `null` if it is not one (a peer's junk: never indexed).
 * @throws Never.
 */
export function parseChunkKey(key: string): { code: string; device: string; hour: number } | null {
  const m = KEY.exec(key)
  if (m === null) return null
  const [, code, device, iso] = m as unknown as [string, string, string, string]
  if (!SERIES_CODE_PATTERN.test(code) || !DEVICE_ID_PATTERN.test(device)) return null
  const hour = Date.parse(iso)
  if (Number.isNaN(hour) || hourIso(hour) !== iso) return null
  return { code, device, hour }
}

/** Samples of one unit, times ascending. */
export interface Run {
  readonly unit: string
  readonly times: ArrayLike<number>
  readonly values: ArrayLike<number>
}

/**
 * Merges runs of one unit into one, sorted by time; for equal times the later run (and the
 * later sample within a run) wins: a series holds one value per (unit, millisecond).
 * @throws Never.
 */
export function mergeRuns(unit: string, runs: readonly Run[]): { unit: string; times: Float64Array; values: Float64Array } {
  let total = 0
  let ordered = true
  let prevLast = Number.NEGATIVE_INFINITY
  for (const r of runs) {
    total += r.times.length
    if (r.times.length === 0) continue
    if (!((r.times[0] as number) > prevLast) || !isStrictlySorted(r.times)) ordered = false
    prevLast = r.times[r.times.length - 1] as number
  }
  const times = new Float64Array(total)
  const values = new Float64Array(total)
  if (ordered) {
    let o = 0
    for (const r of runs) {
      for (let i = 0; i < r.times.length; i++, o++) {
        times[o] = r.times[i] as number
        values[o] = r.values[i] as number
      }
    }
    return { unit, times, values }
  }
  const ts: number[] = []
  const vs: number[] = []
  for (const r of runs) {
    for (let i = 0; i < r.times.length; i++) {
      ts.push(r.times[i] as number)
      vs.push(r.values[i] as number)
    }
  }
  const order = ts.map((_, i) => i).sort((a, b) => (ts[a] as number) - (ts[b] as number) || a - b)
  let o = 0
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number
    const next = order[k + 1]
    if (next !== undefined && ts[next] === ts[i]) continue // a later sample with the same time wins
    times[o] = ts[i] as number
    values[o] = vs[i] as number
    o++
  }
  return { unit, times: times.slice(0, o), values: values.slice(0, o) }
}

function isStrictlySorted(times: ArrayLike<number>): boolean {
  for (let i = 1; i < times.length; i++) if (!((times[i] as number) > (times[i - 1] as number))) return false
  return true
}

/**
 * Index of the first time ≥ `t` in ascending `times`.
 * @throws Never.
 */
export function lowerBound(times: ArrayLike<number>, t: number): number {
  let lo = 0
  let hi = times.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((times[mid] as number) < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * The chunk bytes held by a series value: itself if a `Uint8Array`, the items of a
 * `Y.Array`; with `includeDeleted`, also the items of a deleted array (inside an observer,
 * before Yjs collects them).
 * @throws Never.
 */
export function partsOf(value: unknown, includeDeleted: boolean): Uint8Array[] {
  if (value instanceof Uint8Array) return [value]
  if (!(value instanceof Y.Array)) return []
  const out: Uint8Array[] = []
  if (!includeDeleted) {
    for (const v of (value as Y.Array<unknown>).toArray()) if (v instanceof Uint8Array) out.push(v)
    return out
  }
  // Yjs internals: a deleted type's items keep their content until the transaction's cleanup
  for (let item = (value as Y.Array<unknown>)._start; item !== null; item = item.right) {
    for (const v of item.content.getContent()) if (v instanceof Uint8Array) out.push(v)
  }
  return out
}

/**
 * Decoded chunks of a value if all are readable and in `unit`, else `null`.
 * @throws Never.
 */
export function mergeable(value: unknown, unit: string): ChunkData[] | null {
  const out: ChunkData[] = []
  for (const part of partsOf(value, false)) {
    try {
      const d = decodeChunk(part)
      if (d.unit !== unit) return null
      out.push(d)
    } catch {
      return null // leave unreadable chunks untouched: the reader reports them by key
    }
  }
  return out
}

/**
 * `a[from, to)` without copying a Float64Array.
 * @throws Never.
 */
export function sliceOf(a: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  return a instanceof Float64Array ? a.subarray(from, to) : Array.prototype.slice.call(a, from, to)
}
