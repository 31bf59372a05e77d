/**
 * Record benchmarks: sample append cost as the record grows, opening the 10-year record
 * (the plaintext baseline the storage layer's encrypted open is compared to), and `list`
 * with a date filter over 50,000 resources.
 *
 * `tenYearRecordStates()` builds the 10-year record's compartment states once per process;
 * the storage bench reuses it.
 */
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import * as Y from 'yjs'
import {
  createCompartment,
  createSyntheticRecord,
  loadSyntheticRecord,
  parseFhirDateTime,
  randomDocId,
  SYNTHETIC_TEN_YEARS,
  type Compartment,
  type FhirResource,
  type FixedCompartmentKind,
  type SyntheticCompartments
} from '../src/record/index.ts'
import { medianNs, type BenchRow } from './report.ts'

let tenYears: { record: SyntheticCompartments; states: Map<FixedCompartmentKind, Uint8Array>; loadMs: number } | undefined

function loadTenYears(): NonNullable<typeof tenYears> {
  if (tenYears === undefined) {
    const t0 = performance.now()
    const record = loadSyntheticRecord(SYNTHETIC_TEN_YEARS)
    const loadMs = performance.now() - t0
    const states = new Map<FixedCompartmentKind, Uint8Array>()
    for (const [kind, c] of record.compartments) states.set(kind, c.encodeState())
    tenYears = { record, states, loadMs }
  }
  return tenYears
}

/**
 * The 10-year record's state (50,000 resources, 5,000,000 samples): one Yjs update
 * (`Compartment.encodeState()`) per compartment, built once per process. Deterministic:
 * the same bytes on every run. The storage bench opens these through its encrypted path.
 */
export async function tenYearRecordStates(): Promise<Map<FixedCompartmentKind, Uint8Array>> {
  return Promise.resolve(loadTenYears().states)
}

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const heapMb = (): number => {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 1e6
}

const ms = (ns: number): number => ns / 1e6
const HR = '8867-4'

/**
 * Median time of one append in each compartment, in µs. Batches of `BATCH` appends are timed
 * (the timer's own cost and resolution are tens of ns), alternating between the compartments
 * so that both are measured in the same process state (heap size, CPU frequency, neighbours).
 */
const BATCH = 20
function appendP50s(compartments: readonly Compartment[], starts: readonly number[], iterations: number): number[] {
  const t = [...starts]
  const samples = compartments.map(() => new Float64Array(iterations))
  for (let i = -100; i < iterations; i++) {
    compartments.forEach((c, k) => {
      let tk = t[k] as number
      const s0 = process.hrtime.bigint()
      for (let j = 0; j < BATCH; j++) c.series.append(HR, 'bench-strap', (tk += 1000), 60 + (tk % 40), '/min')
      const ns = Number(process.hrtime.bigint() - s0)
      t[k] = tk
      if (i >= 0) (samples[k] as Float64Array)[i] = ns
    })
  }
  return samples.map((xs) => (xs.sort()[Math.floor(iterations / 2)] ?? 0) / BATCH / 1000)
}

export default async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = []

  // ── append: p50 at 1k stored vs 5M stored ──────────────────────────────────
  const { record, states, loadMs } = loadTenYears()
  const small = createCompartment({ kind: 'vitals', docId: randomDocId() })
  const t0 = Date.UTC(2025, 0, 1)
  for (let i = 0; i < 1000; i++) small.series.append(HR, 'bench-strap', t0 + i * 1000, 60 + (i % 40), '/min')
  small.series.flush()
  const vitals = record.compartments.get('vitals') as Compartment
  const end = record.record.start + 3653 * 86_400_000
  const stored = vitals.series.list().reduce((n, s) => n + vitals.series.read(s.code, s.device, record.record.start, end).series.reduce((m, d) => m + d.times.length, 0), 0)
  const [p1k, p5m] = appendP50s([small, vitals], [t0 + 1_000_000, end + 86_400_000], 2000) as [number, number]
  rows.push({ name: `append p50, 1k samples stored (+${(2100 * BATCH) / 1000}k while timed)`, value: p1k, unit: 'µs', target: '≤ 5 µs', met: p1k <= 5 })
  rows.push({
    name: `append p50, ${(stored / 1e6).toFixed(1)}M samples stored`,
    value: p5m,
    unit: 'µs',
    baselineName: 'at 1k',
    baseline: p1k,
    ratio: p5m / p1k,
    target: 'ratio ≤ 1.5, p50 ≤ 5 µs',
    met: p5m / p1k <= 1.5 && p5m <= 5
  })
  const flushStart = performance.now()
  const flushed = vitals.series.flush()
  rows.push({ name: `flush of ${flushed} buffered samples (one update)`, value: performance.now() - flushStart, unit: 'ms' })
  rows.push({ name: 'generate + load 10-year record (50k resources, 5M samples)', value: loadMs, unit: 'ms' })

  // ── open the 10-year state ─────────────────────────────────────────────────
  let bytes = 0
  for (const s of states.values()) bytes += s.length
  rows.push({ name: '10-year state, all compartments', value: bytes / 1e6, unit: 'MB' })
  const seriesOnly = createCompartment({ kind: 'vitals', docId: randomDocId() })
  const samples = createSyntheticRecord(SYNTHETIC_TEN_YEARS).samples((code, device, t, value, unit) => seriesOnly.series.append(code, device, t, value, unit))
  seriesOnly.compact(Date.UTC(2100, 0, 1))
  const seriesBytes = seriesOnly.encodeState().length
  rows.push({
    name: `series state per sample (${(samples / 1e6).toFixed(0)}M samples alone)`,
    value: seriesBytes / samples,
    unit: 'B',
    target: '≈ 2–3 B',
    met: seriesBytes / samples <= 3
  })
  seriesOnly.destroy()

  const bare = (): void => {
    for (const s of states.values()) Y.applyUpdate(new Y.Doc(), s)
  }
  const open = (): Compartment[] => [...states].map(([kind, s]) => {
    const c = createCompartment({ kind, docId: randomDocId() })
    c.applyUpdate(s, 'storage')
    return c
  })
  const bareRuns: number[] = []
  const openRuns: number[] = []
  for (let i = 0; i < 4; i++) {
    // alternate, each after a full GC, so that neither pays for the other's garbage
    heapMb()
    bareRuns.push(ms(medianNs(bare, 1, 0)))
    heapMb()
    openRuns.push(ms(medianNs(() => void open(), 1, 0)))
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
  const bareMs = median(bareRuns.slice(1))
  rows.push({ name: 'Y.applyUpdate of the 10-year state (bare Y.Doc)', value: bareMs, unit: 'ms' })
  const openMs = median(openRuns.slice(1))
  rows.push({ name: 'open 10-year state into compartments (indexed)', value: openMs, unit: 'ms', baselineName: 'bare Y.applyUpdate', baseline: bareMs, ratio: openMs / bareMs })

  // heap: only the states held, then the opened compartments
  for (const c of record.compartments.values()) c.destroy()
  tenYears = { record: { ...record, compartments: new Map() }, states, loadMs }
  small.destroy()
  const before = heapMb()
  let docs: Y.Doc[] = [...states.values()].map((s) => {
    const d = new Y.Doc()
    Y.applyUpdate(d, s)
    return d
  })
  const bareHeap = heapMb() - before
  docs.forEach((d) => d.destroy())
  docs = []
  const before2 = heapMb()
  const opened = open()
  const openHeap = heapMb() - before2
  rows.push({ name: 'heap after opening the 10-year state', value: openHeap, unit: 'MB', baselineName: 'bare Y.Doc', baseline: bareHeap, ratio: openHeap / bareHeap })

  // ── list with a date filter over 50k resources ────────────────────────────
  const vitalsOpen = opened[[...states.keys()].indexOf('vitals')] as Compartment
  const from = Date.UTC(2020, 5, 1)
  const to = Date.UTC(2020, 6, 1)
  const firstStart = performance.now()
  vitalsOpen.resources.list('Observation', { from, to }) // the first list of a type builds its index
  const firstMs = performance.now() - firstStart
  rows.push({ name: `first list of a type after open (builds its index of ${vitalsOpen.resources.count('Observation')})`, value: firstMs, unit: 'ms' })
  const all: FhirResource[] = []
  for (const c of opened) for (const type of c.resources.types()) all.push(...c.resources.list(type, { includeWithdrawn: true }))
  let hits = 0
  const listNs = medianNs(() => {
    hits = vitalsOpen.resources.list('Observation', { from, to }).length
  }, 200)
  const scanNs = medianNs(() => {
    let n = 0
    for (const r of all) {
      if (r.resourceType !== 'Observation') continue
      const d = parseFhirDateTime(r['effectiveDateTime'])
      if (d >= from && d < to) n++
    }
    hits = Math.max(hits, n)
  }, 20)
  rows.push({
    name: `list Observation, 1-month date filter, ${all.length} resources (${hits} hits)`,
    value: listNs / 1000,
    unit: 'µs',
    baselineName: 'full scan',
    baseline: scanNs / 1000,
    ratio: listNs / scanNs,
    target: 'no full scan (ratio < 0.1)',
    met: listNs / scanNs < 0.1
  })
  const codeNs = medianNs(() => void vitalsOpen.resources.list('Observation', { from, to, code: 'http://loinc.org|85354-9' }), 200)
  rows.push({ name: 'list Observation, 1-month date + code filter', value: codeNs / 1000, unit: 'µs', baselineName: 'full scan', baseline: scanNs / 1000, ratio: codeNs / scanNs })
  for (const c of opened) c.destroy()
  return rows
}
