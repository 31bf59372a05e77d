/** One printed benchmark figure, with the baseline it is compared against in the same run. */
export interface BenchRow {
  /** What is measured, e.g. `seal 1 KB`. */
  name: string
  /** The figure, in `unit`. */
  value: number
  unit: string
  /** Name of the baseline measured in the same run, if any. */
  baselineName?: string
  /** The baseline's figure in the same unit. */
  baseline?: number
  /** `value / baseline` (or `baseline / value` for throughput, see `higherIsBetter`). */
  ratio?: number
  /** The target the issue names, in words, e.g. `≥ 0.8`. */
  target?: string
  /** Whether the measured ratio/value meets the target; undefined when there is none. */
  met?: boolean
}

/** Times `fn` over `iterations` runs after `warmup` runs; returns the median ns per run. */
export function medianNs(fn: () => void, iterations: number, warmup = Math.min(10, iterations)): number {
  for (let i = 0; i < warmup; i++) fn()
  const samples = new Float64Array(iterations)
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint()
    fn()
    samples[i] = Number(process.hrtime.bigint() - t0)
  }
  samples.sort()
  return samples[Math.floor(iterations / 2)] ?? 0
}

/** Formats rows as an aligned text table. */
export function formatRows(rows: BenchRow[]): string {
  const fmt = (n: number | undefined): string =>
    n === undefined ? '' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3)
  const table = rows.map((r) => [
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.baselineName === undefined ? '' : `${r.baselineName}: ${fmt(r.baseline)} ${r.unit}`,
    r.ratio === undefined ? '' : `ratio ${fmt(r.ratio)}`,
    r.target === undefined ? '' : `target ${r.target}`,
    r.met === undefined ? '' : r.met ? 'met' : 'NOT MET'
  ])
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => row[i]?.length ?? 0))) ?? []
  return table.map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')
}
