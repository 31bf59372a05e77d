/**
 * Time series of one compartment (DESIGN §4) in `Y.Map('series')`.
 *
 * Key `series/<code>/<sourceDevice>/<hourStartIso>`, one per chunk period: a UTC hour, or a
 * UTC day for sparse series (see series-keys.ts). While a period is open its value is a
 * `Y.Array` of chunks, one appended per flush, so an update's size follows the new samples
 * only. When the period is closed (the series' writer flushes a later period, or
 * `compact()`) the array is replaced by ONE chunk, a `Uint8Array` holding the period merged:
 * the deleted array takes its per-flush items with it (Yjs collects the children of a
 * deleted type to bare GC ranges), so a record keeps one map entry per series-period.
 *
 * Appends are buffered in memory per (series, period, unit) — O(1), no Yjs work — and
 * written by `flush()` in one transaction, i.e. one Yjs update.
 *
 * Conflicts. Each source device is written by the replica it is paired with, so keys do not
 * normally conflict. When they do (two replicas creating the same period, or closing it
 * while another appends to it) the map keeps one value; the replica whose samples were in
 * the displaced value re-adds those missing from the winner right after applying the
 * remote update. A sample is identified by (code, device, unit, ms): one value each, the
 * later write winning.
 */
import * as Y from 'yjs'
import { SeriesFormatError } from './errors.ts'
import { decodeChunk, encodeChunk, isUnit, type ChunkData } from './chunk.ts'
import { toMs } from './dates.ts'
import {
  chunkKey,
  chunkStartOf,
  DEVICE_ID_PATTERN,
  hourOf,
  lowerBound,
  MAX_PERIOD_MS,
  MAX_SAMPLE_TIME,
  mergeable,
  mergeRuns,
  parseChunkKey,
  partsOf,
  SERIES_CODE_PATTERN,
  seriesId,
  sliceOf,
  spanOf,
  type Run
} from './series-keys.ts'
import { LOCAL_ORIGIN } from './origin.ts'

/** Samples of one series (code, device) in one unit, time-ordered. */
export interface SeriesData {
  readonly code: string
  readonly device: string
  readonly unit: string
  /** ms since 1970, strictly increasing. */
  readonly times: Float64Array
  readonly values: Float64Array
}

/** Result of `SeriesStore.read`: the samples, and one named error per chunk that could not be read. */
export interface SeriesRead {
  /** One entry per (device, unit), ordered by device then unit. */
  readonly series: SeriesData[]
  /** A `SeriesFormatError` (with `key`) for each unreadable chunk; the other chunks are still read. */
  readonly errors: SeriesFormatError[]
}

/** A series known to the compartment. */
export interface SeriesInfo {
  readonly code: string
  readonly device: string
  /** Start (ms) of the first and of the last chunk period holding samples. */
  readonly firstChunk: number
  readonly lastChunk: number
  /** Number of chunk periods (map entries) holding samples. */
  readonly chunks: number
}

/** One chunk period of a series, and a token of its current content. */
export interface SeriesChunkVersion {
  /** Start (ms) of the chunk period. */
  readonly start: number
  /**
   * Changes whenever the period's samples may have changed: built from the Yjs ids of the
   * map entry and of the items of an open period's array (Yjs never changes an item's
   * content in place), and the count of buffered samples. Equal tokens, equal samples.
   */
  readonly version: string
}

/** Time series of one compartment. */
export interface SeriesStore {
  /**
   * Buffers one sample. O(1): nothing touches the Y.Doc until `flush()` (or the buffer
   * reaching `maxBufferedSamples`, which flushes).
   * @throws {RangeError} if `code` or `device` is not an id (no `/`), `unit` not a UCUM code,
   * `t` not an integer ms in 1970..9999.
   * @throws {TypeError} if `value` is not a finite number.
   */
  append(code: string, device: string, t: number, value: number, unit: string): void
  /**
   * Writes buffered samples in ONE transaction (one Yjs update): one chunk per touched
   * series-period (appended to the latest period's open array, merged into earlier periods),
   * and closes the series' earlier open periods. Returns the number of samples written.
   * @throws Never for validated samples.
   */
  flush(): number
  /**
   * Samples of `code` (from `device`, or every device) with `from ≤ t < to`, unflushed ones
   * included; decodes only the chunks of the periods in range.
   * @throws {RangeError} if `code`/`device` is malformed or a bound is not a time.
   */
  read(code: string, device: string | undefined, from: number | string, to: number | string): SeriesRead
  /**
   * Flushes, then closes every open period that ended at or before `before` (default: the
   * start of the current hour), merging its chunks into one. Returns the number closed.
   * @throws Never.
   */
  compact(before?: number): number
  /** Series present, flushed or buffered. */
  list(): SeriesInfo[]
  /**
   * The chunk periods of one series (`code`, `device`) that may hold samples with
   * `from ≤ t < to`, oldest first, each with a version token — without decoding any, so a
   * reader can re-read only the periods that changed (the AF screen's cache does).
   * @throws {RangeError} if `code`/`device` is malformed or a bound is not a time.
   */
  chunkVersions(code: string, device: string, from: number, to: number): SeriesChunkVersion[]
  /** Samples waiting for `flush()`. */
  readonly buffered: number
}

/** Init of the store, given by the compartment. */
export interface SeriesStoreInit {
  readonly doc: Y.Doc
  readonly clock: () => number
  /** Flush when this many samples are buffered. */
  readonly maxBufferedSamples: number
}

interface SeriesIdx {
  readonly code: string
  readonly device: string
  /** Chunk starts. */
  starts: number[]
  sorted: boolean
  readonly startSet: Set<number>
  readonly open: Set<number>
}

interface Group {
  readonly code: string
  readonly device: string
  readonly unit: string
  /** Chunk period [start, end). */
  readonly start: number
  readonly end: number
  readonly ts: number[]
  readonly vs: number[]
}

const groupRun = (g: Group): Run => mergeRuns(g.unit, [{ unit: g.unit, times: g.ts, values: g.vs }])

/** The store; private to the record layer (callers get `SeriesStore`). */
export class SeriesStoreImpl implements SeriesStore {
  readonly #doc: Y.Doc
  readonly #map: Y.Map<unknown>
  readonly #clock: () => number
  readonly #max: number
  readonly #indexMap = new Map<string, SeriesIdx>()
  /** Whether `#indexMap` reflects the map: built on first use, not at open (see resources.ts). */
  #built = false
  /** The map was empty at construction and no transaction has touched it since. */
  #untouched: boolean
  #groups = new Map<string, Group>()
  #last: Group | null = null
  #buffered = 0
  #displaced: { key: string; runs: ChunkData[] }[] = []

  constructor(init: SeriesStoreInit) {
    this.#doc = init.doc
    this.#map = init.doc.getMap('series')
    this.#clock = init.clock
    this.#max = init.maxBufferedSamples
    this.#untouched = this.#map.size === 0
    this.#map.observe((event, tr) => {
      const keys = event.keysChanged as Set<string>
      let existed: boolean
      if (this.#built) {
        existed = false
        if (!tr.local) for (const key of keys) if (this.#known(key)) existed = true
        for (const key of keys) this.#indexKey(key)
      } else {
        // nothing can be displaced in a map that was empty
        existed = !tr.local && !this.#untouched
      }
      this.#untouched = false
      // only a key we already had can have its value displaced (see resources.ts)
      if (existed) {
        for (const [key, change] of event.changes.keys) {
          if (change.action === 'add') continue
          // read the displaced value now: Yjs drops its content after the observers
          const runs: ChunkData[] = []
          for (const part of partsOf(change.oldValue, true)) {
            try {
              runs.push(decodeChunk(part))
            } catch {
              // an unreadable displaced chunk has no samples to keep; the winner stays readable
            }
          }
          if (runs.length > 0) this.#displaced.push({ key, runs })
        }
      }
    })
  }

  get buffered(): number {
    return this.#buffered
  }

  get #index(): Map<string, SeriesIdx> {
    if (!this.#built) {
      this.#built = true
      for (const key of this.#map.keys()) this.#indexKey(key)
    }
    return this.#indexMap
  }

  #known(key: string): boolean {
    const k = parseChunkKey(key)
    return k !== null && this.#index.get(seriesId(k.code, k.device))?.startSet.has(k.hour) === true
  }

  #indexKey(key: string): void {
    const k = parseChunkKey(key)
    if (k === null) return
    const sid = seriesId(k.code, k.device)
    let idx = this.#index.get(sid)
    if (idx === undefined) {
      idx = { code: k.code, device: k.device, starts: [], sorted: true, startSet: new Set(), open: new Set() }
      this.#index.set(sid, idx)
    }
    const value = this.#map.get(key)
    if (value === undefined) {
      if (idx.startSet.delete(k.hour)) idx.starts = idx.starts.filter((h) => h !== k.hour)
      idx.open.delete(k.hour)
      return
    }
    if (!idx.startSet.has(k.hour)) {
      const last = idx.starts[idx.starts.length - 1]
      if (last !== undefined && k.hour < last) idx.sorted = false
      idx.starts.push(k.hour)
      idx.startSet.add(k.hour)
    }
    if (value instanceof Y.Array) idx.open.add(k.hour)
    else idx.open.delete(k.hour)
  }

  append(code: string, device: string, t: number, value: number, unit: string): void {
    const g = this.#last
    if (g !== null && g.code === code && g.device === device && g.unit === unit && t >= g.start && t < g.end && Number.isInteger(t)) {
      if (!Number.isFinite(value)) throw new TypeError(`value: expected a finite number, got ${String(value)}`)
      g.ts.push(t)
      g.vs.push(value)
      if (++this.#buffered >= this.#max) this.flush()
      return
    }
    this.#appendSlow(code, device, t, value, unit)
  }

  #appendSlow(code: string, device: string, t: number, value: number, unit: string): void {
    if (typeof code !== 'string' || !SERIES_CODE_PATTERN.test(code)) throw new RangeError(`code: expected ${String(SERIES_CODE_PATTERN)}, got ${String(code)}`)
    if (typeof device !== 'string' || !DEVICE_ID_PATTERN.test(device)) throw new RangeError(`device: expected ${String(DEVICE_ID_PATTERN)}, got ${String(device)}`)
    if (!isUnit(unit)) throw new RangeError(`unit: expected a UCUM code (printable ASCII, 1-64 bytes), got ${String(unit)}`)
    if (!Number.isSafeInteger(t) || t < 0 || t > MAX_SAMPLE_TIME) throw new RangeError(`t: expected integer ms in 0..${MAX_SAMPLE_TIME}, got ${String(t)}`)
    if (!Number.isFinite(value)) throw new TypeError(`value: expected a finite number, got ${String(value)}`)
    const start = chunkStartOf(code, t)
    const gkey = `${code}\u0000${device}\u0000${start}\u0000${unit}`
    let g = this.#groups.get(gkey)
    if (g === undefined) {
      g = { code, device, unit, start, end: start + spanOf(code), ts: [], vs: [] }
      this.#groups.set(gkey, g)
    }
    g.ts.push(t)
    g.vs.push(value)
    this.#last = g
    if (++this.#buffered >= this.#max) this.flush()
  }

  flush(): number {
    if (this.#buffered === 0) return 0
    const n = this.#buffered
    const index = this.#index // built before the transaction below changes the map
    const bySeries = new Map<string, Group[]>()
    for (const g of this.#groups.values()) {
      const sid = seriesId(g.code, g.device)
      const list = bySeries.get(sid)
      if (list === undefined) bySeries.set(sid, [g])
      else list.push(g)
    }
    this.#groups = new Map()
    this.#last = null
    this.#buffered = 0
    this.#doc.transact(() => {
      for (const [sid, groups] of bySeries) {
        let latest = Number.NEGATIVE_INFINITY
        for (const g of groups) latest = Math.max(latest, g.start)
        const written = new Set<number>()
        for (const g of groups.sort((a, b) => a.start - b.start)) {
          const key = chunkKey(g.code, g.device, g.start)
          if (g.start < latest) this.#writeClosed(key, groupRun(g))
          else this.#writeOpen(key, groupRun(g))
          written.add(g.start)
        }
        const idx = index.get(sid)
        if (idx === undefined) continue
        for (const h of [...idx.open]) {
          if (h < latest && !written.has(h)) this.#close(chunkKey(idx.code, idx.device, h))
        }
      }
    }, LOCAL_ORIGIN)
    return n
  }

  /** Appends one chunk to the period's open array (opening it, with its closed chunk first, if needed). */
  #writeOpen(key: string, run: Run): void {
    const bytes = encodeChunk(run)
    const cur = this.#map.get(key)
    if (cur instanceof Y.Array) {
      cur.push([bytes])
      return
    }
    const arr = new Y.Array<Uint8Array>()
    arr.push(cur instanceof Uint8Array ? [cur, bytes] : [bytes])
    this.#map.set(key, arr)
  }

  /** Writes a past period as one merged chunk; falls back to appending if its chunks can't be merged. */
  #writeClosed(key: string, run: Run): void {
    const cur = this.#map.get(key)
    if (cur === undefined) {
      this.#map.set(key, encodeChunk(run))
      return
    }
    const merged = mergeable(cur, run.unit)
    if (merged === null) this.#writeOpen(key, run)
    else this.#map.set(key, encodeChunk(mergeRuns(run.unit, [...merged, run])))
  }

  /** Replaces an open period's array by one merged chunk; false if it is not open or not mergeable. */
  #close(key: string): boolean {
    const cur = this.#map.get(key)
    if (!(cur instanceof Y.Array)) return false
    const first = partsOf(cur, false)[0]
    if (first === undefined) return false
    let unit: string
    try {
      unit = decodeChunk(first).unit
    } catch {
      return false // an unreadable chunk stays as it is, for the reader to report
    }
    const runs = mergeable(cur, unit)
    if (runs === null) return false
    this.#map.set(key, encodeChunk(mergeRuns(unit, runs)))
    return true
  }

  read(code: string, device: string | undefined, from: number | string, to: number | string): SeriesRead {
    if (typeof code !== 'string' || !SERIES_CODE_PATTERN.test(code)) throw new RangeError(`code: expected ${String(SERIES_CODE_PATTERN)}, got ${String(code)}`)
    if (device !== undefined && (typeof device !== 'string' || !DEVICE_ID_PATTERN.test(device))) {
      throw new RangeError(`device: expected ${String(DEVICE_ID_PATTERN)}, got ${String(device)}`)
    }
    const lo = toMs(from, 'from')
    const hi = toMs(to, 'to')
    const devices = new Set<string>()
    for (const idx of this.#index.values()) if (idx.code === code && (device === undefined || idx.device === device)) devices.add(idx.device)
    for (const g of this.#groups.values()) if (g.code === code && (device === undefined || g.device === device)) devices.add(g.device)
    const series: SeriesData[] = []
    const errors: SeriesFormatError[] = []
    for (const dev of [...devices].sort()) {
      if (hi > lo) this.#readDevice(code, dev, lo, hi, series, errors)
    }
    return { series, errors }
  }

  /** Adds to `into` the start of every stored chunk of the series that may hold samples in [lo, hi). */
  #storedStarts(code: string, device: string, lo: number, hi: number, into: Set<number>): void {
    const idx = this.#index.get(seriesId(code, device))
    if (idx === undefined) return
    if (!idx.sorted) {
      idx.starts.sort((a, b) => a - b)
      idx.sorted = true
    }
    let i = lowerBound(idx.starts, lo)
    // the chunk starting before `lo` may hold samples from `lo` on (chunks of a series do not overlap)
    const before = idx.starts[i - 1]
    if (before !== undefined && before > lo - MAX_PERIOD_MS) into.add(before)
    for (; i < idx.starts.length && (idx.starts[i] as number) < hi; i++) into.add(idx.starts[i] as number)
  }

  #readDevice(code: string, device: string, lo: number, hi: number, out: SeriesData[], errors: SeriesFormatError[]): void {
    const starts = new Set<number>()
    this.#storedStarts(code, device, lo, hi, starts)
    const buffered = new Map<number, Group[]>()
    for (const g of this.#groups.values()) {
      if (g.code !== code || g.device !== device || g.end <= lo || g.start >= hi) continue
      starts.add(g.start)
      const list = buffered.get(g.start)
      if (list === undefined) buffered.set(g.start, [g])
      else list.push(g)
    }
    const byUnit = new Map<string, Run[]>()
    for (const start of [...starts].sort((a, b) => a - b)) {
      const key = chunkKey(code, device, start)
      const runs: Run[] = []
      const value = this.#map.get(key)
      if (value !== undefined && !(value instanceof Uint8Array) && !(value instanceof Y.Array)) {
        errors.push(new SeriesFormatError('value is not a chunk', { key }))
      }
      for (const part of partsOf(value, false)) {
        try {
          const data = decodeChunk(part)
          const first = data.times[0] as number
          const last = data.times[data.times.length - 1] as number
          if (first < start || last >= start + MAX_PERIOD_MS) throw new SeriesFormatError('samples outside the period of the key')
          runs.push(data)
        } catch (err) {
          if (!(err instanceof SeriesFormatError)) throw err
          errors.push(new SeriesFormatError(err.message, { key, cause: err }))
        }
      }
      for (const g of buffered.get(start) ?? []) runs.push(groupRun(g))
      const units = new Map<string, Run[]>()
      for (const r of runs) {
        const list = units.get(r.unit)
        if (list === undefined) units.set(r.unit, [r])
        else list.push(r)
      }
      for (const [unit, list] of units) {
        const merged = list.length === 1 ? (list[0] as Run) : mergeRuns(unit, list)
        const a = lowerBound(merged.times, lo)
        const b = lowerBound(merged.times, hi)
        if (b <= a) continue
        const acc = byUnit.get(unit)
        const slice: Run = { unit, times: sliceOf(merged.times, a, b), values: sliceOf(merged.values, a, b) }
        if (acc === undefined) byUnit.set(unit, [slice])
        else acc.push(slice)
      }
    }
    for (const unit of [...byUnit.keys()].sort()) {
      const m = mergeRuns(unit, byUnit.get(unit) ?? [])
      out.push({ code, device, unit, times: m.times, values: m.values })
    }
  }

  compact(before: number = hourOf(this.#clock())): number {
    this.flush()
    let closed = 0
    this.#doc.transact(() => {
      for (const idx of this.#index.values()) {
        for (const h of [...idx.open]) {
          if (h + spanOf(idx.code) <= before && this.#close(chunkKey(idx.code, idx.device, h))) closed++
        }
      }
    }, LOCAL_ORIGIN)
    return closed
  }

  chunkVersions(code: string, device: string, from: number, to: number): SeriesChunkVersion[] {
    if (typeof code !== 'string' || !SERIES_CODE_PATTERN.test(code)) throw new RangeError(`code: expected ${String(SERIES_CODE_PATTERN)}, got ${String(code)}`)
    if (typeof device !== 'string' || !DEVICE_ID_PATTERN.test(device)) throw new RangeError(`device: expected ${String(DEVICE_ID_PATTERN)}, got ${String(device)}`)
    const lo = toMs(from, 'from')
    const hi = toMs(to, 'to')
    const buffered = new Map<number, number>()
    for (const g of this.#groups.values()) {
      if (g.code === code && g.device === device && g.end > lo && g.start < hi) buffered.set(g.start, (buffered.get(g.start) ?? 0) + g.ts.length)
    }
    const starts = new Set<number>(buffered.keys())
    this.#storedStarts(code, device, lo, hi, starts)
    const out: SeriesChunkVersion[] = []
    for (const start of [...starts].sort((a, b) => a - b)) {
      const item = this.#map._map.get(chunkKey(code, device, start))
      let version = item === undefined || item.deleted ? '-' : `${item.id.client}.${item.id.clock}`
      const value = this.#map.get(chunkKey(code, device, start))
      if (value instanceof Y.Array) {
        // an open period grows by items; every item is immutable, so their ids name the content
        version += `[${value.length}`
        for (let n = value._start; n !== null; n = n.right) if (!n.deleted) version += `,${n.id.client}.${n.id.clock}+${n.length}`
        version += ']'
      }
      const b = buffered.get(start)
      if (b !== undefined) version += `+b${b}`
      out.push({ start, version })
    }
    return out
  }

  list(): SeriesInfo[] {
    const chunks = new Map<string, { code: string; device: string; set: Set<number> }>()
    const add = (code: string, device: string, h: number): void => {
      const sid = seriesId(code, device)
      let e = chunks.get(sid)
      if (e === undefined) chunks.set(sid, (e = { code, device, set: new Set() }))
      e.set.add(h)
    }
    for (const idx of this.#index.values()) for (const h of idx.starts) add(idx.code, idx.device, h)
    for (const g of this.#groups.values()) add(g.code, g.device, g.start)
    const out: SeriesInfo[] = []
    for (const { code, device, set } of chunks.values()) {
      if (set.size === 0) continue
      let first = Number.POSITIVE_INFINITY
      let last = Number.NEGATIVE_INFINITY
      for (const h of set) {
        first = Math.min(first, h)
        last = Math.max(last, h)
      }
      out.push({ code, device, firstChunk: first, lastChunk: last, chunks: set.size })
    }
    return out.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : a.device < b.device ? -1 : a.device > b.device ? 1 : 0))
  }

  /**
   * Re-adds samples that a remote update displaced and the winner lacks (see the file
   * comment). Called by the compartment after each applied remote update.
   */
  repair(): void {
    if (this.#displaced.length === 0) return
    const displaced = this.#displaced
    this.#displaced = []
    const todo: { key: string; run: Run }[] = []
    for (const { key, runs } of displaced) {
      const present = new Set<string>()
      for (const part of partsOf(this.#map.get(key), false)) {
        try {
          const d = decodeChunk(part)
          for (const t of d.times) present.add(`${d.unit}\u0000${t}`)
        } catch {
          // an unreadable chunk contributes no samples: what it hid gets re-added
        }
      }
      for (const r of runs) {
        const ts: number[] = []
        const vs: number[] = []
        for (let i = 0; i < r.times.length; i++) {
          if (!present.has(`${r.unit}\u0000${r.times[i] as number}`)) {
            ts.push(r.times[i] as number)
            vs.push(r.values[i] as number)
          }
        }
        if (ts.length > 0) todo.push({ key, run: { unit: r.unit, times: ts, values: vs } })
      }
    }
    if (todo.length === 0) return
    this.#doc.transact(() => {
      for (const { key, run } of todo) this.#writeOpen(key, run)
    }, LOCAL_ORIGIN)
  }
}
