/**
 * The timeline with the 10-year record open in Chromium (50,000 resources, 5,000,000
 * samples): first render, scrolling, and how responsive the page stays while a search
 * reads every entry. Baselines are measured in the same page and run:
 *
 * - first render: the same rows, their text already known, as a static list (the cost of
 *   painting them at all), and what a timeline without the resource index needs before its
 *   first row (every resource read and sorted);
 * - scrolling: the longest frame of the same page sitting idle;
 * - search: the same search in one go (what the page would freeze for without slices), and
 *   the event-loop probe with nothing running.
 */
import { withBrowser } from './browser-harness.ts'
import type { BenchRow } from './report.ts'
import type { FirstRender, ScrollFigures, SearchFigures } from './browser/timeline.ts'

export default async function run(): Promise<BenchRow[]> {
  return withBrowser(async (call) => {
    await call('timelineSetup')
    const f = (await call('timelineFirstRender')) as FirstRender
    const s = (await call('timelineScroll')) as ScrollFigures
    const q = (await call('timelineSearch', 'metformin')) as SearchFigures
    return [
      {
        name: `first render after the home screen's reads (${f.rows} rows of ${f.total})`,
        value: f.afterHomeMs,
        unit: 'ms',
        baselineName: 'same rows as a static list',
        baseline: f.staticRowsMs,
        ratio: f.afterHomeMs / f.staticRowsMs,
        target: '≤ 100 ms',
        met: f.afterHomeMs <= 100
      },
      {
        name: 'first render, nothing read since open (builds every index)',
        value: f.coldMs,
        unit: 'ms',
        baselineName: 'read every resource + sort',
        baseline: f.readAllAndSortMs,
        ratio: f.coldMs / f.readAllAndSortMs,
        target: '≤ 100 ms',
        met: f.coldMs <= 100
      },
      { name: 'End key → last entries painted', value: s.jumpToEndMs, unit: 'ms', baselineName: 'idle frame, longest', baseline: s.idleLongestFrameMs, ratio: s.jumpToEndMs / s.idleLongestFrameMs },
      {
        name: `longest frame scrolling through all in ${s.frames} frames (${s.rows} rows in the page)`,
        value: s.longestFrameMs,
        unit: 'ms',
        baselineName: 'idle frame, longest',
        baseline: s.idleLongestFrameMs,
        ratio: s.longestFrameMs / s.idleLongestFrameMs
      },
      { name: 'median frame scrolling through all', value: s.medianFrameMs, unit: 'ms' },
      {
        name: `longest event-loop wait while searching "metformin" (${q.matches} matches)`,
        value: q.maxDelayMs,
        unit: 'ms',
        baselineName: 'same search in one go',
        baseline: q.oneGoMs,
        ratio: q.maxDelayMs / q.oneGoMs,
        target: '≤ 50 ms (responsive input)',
        met: q.maxDelayMs <= 50
      },
      { name: 'search of every entry, start → last match (in slices)', value: q.searchMs, unit: 'ms', baselineName: 'in one go', baseline: q.oneGoMs, ratio: q.searchMs / q.oneGoMs },
      { name: 'longest event-loop wait, idle page', value: q.idleMaxDelayMs, unit: 'ms' }
    ]
  })
}
