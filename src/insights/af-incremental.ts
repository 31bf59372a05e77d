/**
 * The AF screen of a week of strap RR intervals, kept up to date chunk by chunk instead of
 * re-read and re-screened whole on every recompute.
 *
 * The RR series (rr-sessions.ts) is screened as a stream, oldest beat first: recordings are
 * cut where the time between beats is not explained by the interval (`RR_SESSION_GAP_MS`),
 * and each recording's beats fall into 128-beat windows from its first beat, each judged by
 * `screenWindow` (af-screen.ts) — exactly what `rrSessionsOfSeries` then `afSessionsFinding`
 * do. What the stream carries from one hourly chunk to the next is small: whether a
 * recording is open, its first beat's time, its beat count, the last beat's time and the
 * beats of the window being filled (fewer than 128). So each chunk's result (its completed
 * windows and the state after it) is cached under the chunk's version token (the record's
 * `SeriesStore.chunkVersions`, which changes whenever the chunk's samples may have) and the
 * state it started from. A recompute walks the chunks of the week and re-reads only a chunk
 * whose token or incoming state changed: after a new minute of strap data that is the open
 * hour alone. A changed old chunk re-reads from there until the state entering a chunk is
 * again the cached one (the next recording usually).
 *
 * The week: chunks from the UTC hour holding `now − 7 days` up to `now` (beats after `now`
 * are left out), windows counted when their first beat lies in the last 7 days. A recording
 * that began before that hour is screened from the hour's first beat on.
 */
import type { Compartment } from '../record/index.ts'
import { AF_THRESHOLDS, screenWindow, type AfScreened, type RrWindow } from './af-screen.ts'
import { RR_SERIES_CODE, RR_SESSION_GAP_MS } from './rr-sessions.ts'

const HOUR = 3_600_000
/** The screen's week (as `LOOKBACK.rrMs`). */
export const AF_WEEK_MS = 7 * 24 * HOUR
/** RR chunks are hourly (series-keys.ts: only CGM and steps are chunked per day). */
const RR_CHUNK_MS = HOUR
/** Longest RR interval accepted (as `afScreen`: HRS allows 65535/1024 s). */
const MAX_RR_MS = 70_000

/** Where the RR chunks come from: normally `rrChunkSourceOf(vitals)`. */
export interface RrChunkSource {
  /** Devices holding an RR series. */
  devices(): string[]
  /** The device's chunk periods that may hold beats in [from, to), oldest first, with a version token. */
  chunks(device: string, from: number, to: number): ReadonlyArray<{ readonly start: number; readonly version: string }>
  /** The device's beats (unit ms) in [from, to). */
  read(device: string, from: number, to: number): { readonly times: ArrayLike<number>; readonly values: ArrayLike<number> }
}

/**
 * The RR series of a compartment as a chunk source.
 * @throws Never (a malformed device id never comes out of `series.list()`).
 */
export function rrChunkSourceOf(c: Compartment): RrChunkSource {
  return {
    devices: () => c.series.list().filter((s) => s.code === RR_SERIES_CODE).map((s) => s.device),
    chunks: (device, from, to) => c.series.chunkVersions(RR_SERIES_CODE, device, from, to),
    read: (device, from, to) => {
      // unreadable chunks come back in `errors` and are left out, as `insightInputOf` leaves them
      const s = c.series.read(RR_SERIES_CODE, device, from, to).series.find((x) => x.unit === 'ms')
      return s ?? { times: [], values: [] }
    }
  }
}

/** A screened window, with the recording it belongs to. */
type Screened = RrWindow & { readonly ref: string }

/** What the stream carries across a chunk boundary. */
interface StreamState {
  /** A recording is open. */
  readonly open: boolean
  /** Beats in the open recording so far. */
  readonly index: number
  /** Time of the last beat, NaN after an unusable sample. */
  readonly prevT: number
  /** The window being filled (fewer than `windowBeats` beats). */
  readonly rr: readonly number[]
  readonly ts: readonly number[]
  /** The first interval that could not be screened (sticky: the rule is then left out). */
  readonly error?: string
}

const START: StreamState = { open: false, index: 0, prevT: Number.NaN, rr: [], ts: [] }

function sameState(a: StreamState, b: StreamState): boolean {
  if (a.open !== b.open || a.index !== b.index || a.error !== b.error || a.rr.length !== b.rr.length) return false
  if (!(a.prevT === b.prevT || (Number.isNaN(a.prevT) && Number.isNaN(b.prevT)))) return false
  for (let i = 0; i < a.rr.length; i++) if (a.rr[i] !== b.rr[i] || a.ts[i] !== b.ts[i]) return false
  return true
}

interface ChunkResult {
  readonly start: number
  readonly key: string
  readonly stateIn: StreamState
  readonly stateOut: StreamState
  readonly windows: readonly Screened[]
}

/** How much a `screen` call read: for tests and the bench. */
export interface AfScreenStats {
  readonly chunksRead: number
  readonly chunksReused: number
  readonly beatsRead: number
}

/** The incremental screen of one chunk source. */
export interface AfScreenCache {
  /**
   * The screened windows of the week before `now` (see the file comment), reading only
   * chunks that changed since the last call. The same answer as a fresh cache gives.
   * @throws {RangeError} if `now` is not a time.
   */
  screen(source: RrChunkSource, now: number): AfScreened & { readonly stats: AfScreenStats }
  /**
   * As `screen`, giving the thread back (`pause`) whenever it has run `sliceMs`: the first
   * screen of a week of a strap's RR intervals reads 500,000 beats, too long for one task
   * of a page. The same answer as `screen`.
   */
  screenInSlices(source: RrChunkSource, now: number, opts?: { sliceMs?: number; pause?: () => Promise<void> }): Promise<AfScreened & { readonly stats: AfScreenStats }>
  /** Forgets everything (the next `screen` reads the whole week). */
  clear(): void
}

/** Options of `createAfScreenCache`. */
export interface AfScreenCacheInit {
  /** @default 128 (Dash 2009) */
  readonly windowBeats?: number
}

/**
 * A cache for one chunk source (one compartment): keep it as long as the record is open.
 * @throws {RangeError} if `windowBeats` is not an integer in 32..1024.
 * @example
 * const af = createAfScreenCache()
 * deriveInsights({ ...insightInputOf(vitals, { now, rrSeries: false }), af: af.screen(rrChunkSourceOf(vitals), now) })
 */
export function createAfScreenCache(init: AfScreenCacheInit = {}): AfScreenCache {
  const size = init.windowBeats ?? AF_THRESHOLDS.windowBeats
  if (!Number.isInteger(size) || size < 32 || size > 1024) throw new RangeError(`windowBeats: expected an integer in 32..1024, got ${String(size)}`)
  // Dash 2009 trims 8 of 128 from each end; other window sizes trim the same share (as afScreen)
  const trim = Math.round((size * AF_THRESHOLDS.trimEachSide) / AF_THRESHOLDS.windowBeats)
  let byDevice = new Map<string, ChunkResult[]>()

  /** Runs the stream over one chunk's beats from `state`. */
  function run(state: StreamState, times: ArrayLike<number>, values: ArrayLike<number>, now: number, ref: string): { out: StreamState; windows: Screened[] } {
    let { open, index, prevT, error } = state
    let rr = state.rr.slice()
    let ts = state.ts.slice()
    const windows: Screened[] = []
    const n = Math.min(times.length, values.length)
    for (let i = 0; i < n; i++) {
      const t = times[i] as number
      if (t > now) break
      const x = values[i] as number
      // rr-sessions.ts: a sample that is not a finite interval above 0 ends the recording
      if (!Number.isFinite(t) || !Number.isFinite(x) || x <= 0) {
        open = false
        rr = []
        ts = []
        prevT = Number.NaN
        continue
      }
      // rr-sessions.ts: a silence the interval does not explain starts another recording
      if (open && !(t - prevT <= x + RR_SESSION_GAP_MS)) open = false
      if (!open) {
        open = true
        index = 0
        rr = []
        ts = []
      }
      // afScreen: an interval above 70 s is refused (and the whole screen with it)
      if (x > MAX_RR_MS && error === undefined) error = `afScreen: an RR interval of ${x} ms at ${new Date(t).toISOString()}: expected at most ${MAX_RR_MS} ms`
      rr.push(x)
      ts.push(t)
      index++
      prevT = t
      if (rr.length === size) {
        windows.push({ ...screenWindow(rr, index - size, { startT: ts[0], endT: ts[size - 1] }, trim), ref })
        rr = []
        ts = []
      }
    }
    return { out: { open, index, prevT, rr, ts, ...(error === undefined ? {} : { error }) }, windows }
  }

  /** The screen, one chunk per step: `screen` runs it through, `screenInSlices` pauses between steps. */
  function* steps(source: RrChunkSource, now: number): Generator<void, AfScreened & { readonly stats: AfScreenStats }> {
    if (typeof now !== 'number' || !Number.isFinite(now) || now < 0) throw new RangeError(`now: expected epoch ms, got ${String(now)}`)
    const from = Math.floor((now - AF_WEEK_MS) / RR_CHUNK_MS) * RR_CHUNK_MS
    const since = now - AF_WEEK_MS
    let chunksRead = 0
    let chunksReused = 0
    let beatsRead = 0
    const next = new Map<string, ChunkResult[]>()
    const triggered: Screened[] = []
    let analysed = 0
    let error: string | undefined
    for (const device of [...new Set(source.devices())].sort()) {
      const ref = `series/${RR_SERIES_CODE}/${device}`
      const cached = new Map((byDevice.get(device) ?? []).map((r) => [r.start, r]))
      const results: ChunkResult[] = []
      let state = START
      for (const c of source.chunks(device, from, now + 1)) {
        if (c.start < from) continue
        // the chunk holding `now` is cut at `now`: its result holds for this `now` only
        const key = c.start + RR_CHUNK_MS > now ? `${c.version}@${now}` : c.version
        const hit = cached.get(c.start)
        let r: ChunkResult
        if (hit !== undefined && hit.key === key && sameState(hit.stateIn, state)) {
          r = hit
          chunksReused++
        } else {
          const data = source.read(device, c.start, c.start + RR_CHUNK_MS)
          chunksRead++
          beatsRead += data.times.length
          const { out, windows } = run(state, data.times, data.values, now, ref)
          r = { start: c.start, key, stateIn: state, stateOut: out, windows }
          yield
        }
        results.push(r)
        state = r.stateOut
        for (const w of r.windows) {
          if ((w.startT as number) <= since) continue
          if (w.skipped === undefined) analysed++
          if (w.irregular) triggered.push(w)
        }
      }
      if (state.error !== undefined && error === undefined) error = state.error
      if (results.length > 0) next.set(device, results)
    }
    byDevice = next
    return { triggered, analysed, windowBeats: size, ...(error === undefined ? {} : { error }), stats: { chunksRead, chunksReused, beatsRead } }
  }

  return {
    screen(source, now) {
      const it = steps(source, now)
      for (;;) {
        const step = it.next()
        if (step.done === true) return step.value
      }
    },
    async screenInSlices(source, now, opts = {}) {
      const sliceMs = opts.sliceMs ?? 8
      const pause = opts.pause ?? (() => new Promise<void>((resolve) => setTimeout(resolve, 0)))
      const it = steps(source, now)
      let start = performance.now()
      for (;;) {
        const step = it.next()
        if (step.done === true) return step.value
        if (performance.now() - start > sliceMs) {
          await pause()
          start = performance.now()
        }
      }
    },
    clear() {
      byDevice = new Map()
    }
  }
}
