/**
 * File imports in Chromium (see bench/browser/import.ts): the longest the page waits while a
 * FHIR Bundle of a synthetic record (a few thousand resources) and an Apple Health export of
 * 100,000 records are imported through the import worker and applied in slices. Baselines in
 * the same page and run: the same import in one go on the page (what it froze for before),
 * and the probe with nothing running.
 */
import { loadavg } from 'node:os'
import { withBrowser } from './browser-harness.ts'
import type { BenchRow } from './report.ts'
import type { ImportFigures } from './browser/import.ts'

const FHIR_RESOURCES = 4000
const APPLE_RECORDS = 100_000

function rows(f: ImportFigures, label: string): BenchRow[] {
  return [
    {
      name: `longest event-loop wait importing ${label}`,
      value: f.maxWaitMs,
      unit: 'ms',
      baselineName: 'same import in one go on the page',
      baseline: f.oneGoMs,
      ratio: f.maxWaitMs / f.oneGoMs,
      target: '≤ 50 ms (responsive input)',
      met: f.maxWaitMs <= 50
    },
    { name: `  longest task (PerformanceObserver longtask) importing ${label}`, value: f.longestTaskMs, unit: 'ms', baselineName: 'in one go', baseline: f.oneGoLongestTaskMs, ratio: f.longestTaskMs / Math.max(1, f.oneGoLongestTaskMs) },
    { name: `  import of ${label}, start → end (worker + slices)`, value: f.ms, unit: 'ms', baselineName: 'in one go', baseline: f.oneGoTotalMs, ratio: f.ms / f.oneGoTotalMs },
    { name: '  longest event-loop wait, idle page', value: f.idleMaxWaitMs, unit: 'ms' }
  ]
}

export default async function run(): Promise<BenchRow[]> {
  const loadBefore = loadavg()[0] ?? NaN
  return withBrowser(async (call) => {
    const fhir = (await call('importFhirResponsiveness', FHIR_RESOURCES)) as ImportFigures
    const apple = (await call('importAppleResponsiveness', APPLE_RECORDS)) as ImportFigures
    return [
      ...rows(fhir, `a FHIR Bundle (${fhir.items} resources, ${(fhir.bytes / 1e6).toFixed(1)} MB)`),
      ...rows(apple, `an Apple Health export.xml (${apple.items} records, ${(apple.bytes / 1e6).toFixed(1)} MB)`),
      // the machine is shared: a load above its core count stretches every wait above
      { name: 'machine load average (1 min), before → after', value: loadavg()[0] ?? NaN, unit: '', baselineName: 'before', baseline: loadBefore }
    ]
  })
}
