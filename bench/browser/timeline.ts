/**
 * The timeline benchmarks, run in Chromium (see bench/timeline.bench.ts). The 10-year record
 * is generated once in the page; each figure opens it again from its encoded state into
 * fresh compartments (the state an encrypted open ends in: resource indexes not built).
 */
import { html, render } from 'lit'
import { clinicalDate, createCompartment, loadSyntheticRecord, SYNTHETIC_TEN_YEARS, type Compartment } from '../../src/record/index.ts'
import { createTimeline, type Timeline } from '../../src/app/timeline.ts'
import '../../src/ui/timeline-view.ts'
import { TIMELINE_ROW_PX } from '../../src/ui/timeline-view.ts'

let states: Array<{ kind: string; docId: Compartment['docId']; state: Uint8Array }> = []
let recordEnd = 0
const DAY = 86_400_000

/** Generates the 10-year record (resources and samples) in the page; returns its resource count. */
export function timelineSetup(): number {
  const loaded = loadSyntheticRecord(SYNTHETIC_TEN_YEARS)
  states = [...loaded.compartments].map(([kind, c]) => ({ kind, docId: c.docId, state: c.encodeState() }))
  recordEnd = loaded.record.start + loaded.record.days * DAY
  return loaded.record.resourceCount
}

function open(): Array<[string, Compartment]> {
  return states.map(({ kind, docId, state }) => {
    const c = createCompartment({ kind: kind as 'core', docId })
    c.applyUpdate(state, 'open')
    return [kind, c] as [string, Compartment]
  })
}

/** What the home screen reads right after a record opens: the summary's lists and the findings' readings (insights). */
function homeScreenReads(record: Array<[string, Compartment]>): void {
  const get = (k: string): Compartment => record.find(([kind]) => kind === k)?.[1] as Compartment
  for (const type of ['Patient', 'AllergyIntolerance', 'Condition', 'MedicationStatement']) get('core').resources.list(type)
  for (const k of ['vitals', 'results']) get(k).resources.list('Observation', { from: recordEnd - 30 * DAY, to: recordEnd + DAY })
}

/** Resolves after the next frame was painted (a task queued from a frame callback runs after its paint). */
const painted = (): Promise<void> =>
  new Promise((resolve) => {
    requestAnimationFrame(() => {
      const ch = new MessageChannel()
      ch.port1.onmessage = () => resolve()
      ch.port2.postMessage(0)
    })
  })

/**
 * Resolves once the page is idle: the moment someone could first tap "Timeline" after a
 * record opened. Opening allocates ~100 MB, and Chromium collects it in idle time; without
 * this, a major collection lands inside whichever figure comes first.
 */
const settled = (): Promise<void> => new Promise((resolve) => requestIdleCallback(() => resolve(), { timeout: 2000 }))

const frame = (): Promise<number> => new Promise((resolve) => requestAnimationFrame(resolve))

type View = HTMLElement & { timeline: Timeline | undefined; updateComplete: Promise<unknown> }

function host(): HTMLElement {
  document.body.replaceChildren()
  const box = document.createElement('div')
  box.style.width = '1280px'
  document.body.append(box)
  return box
}

/** Mounts the view over `timeline`; resolves with ms from mounting to the first rows painted, and the rows in the page. */
async function mount(timeline: Timeline, box: HTMLElement): Promise<{ ms: number; rows: number; el: View }> {
  const t0 = performance.now()
  const el = document.createElement('phr-timeline') as View
  el.timeline = timeline
  box.append(el)
  await el.updateComplete
  await painted()
  const ms = performance.now() - t0
  return { ms, rows: el.shadowRoot?.querySelectorAll('article').length ?? 0, el }
}

/** What `timelineFirstRender` measured. */
export interface FirstRender {
  /** Mount → first rows painted, after the home screen's reads (the record as it is once open). */
  afterHomeMs: number
  /** The same on a record nothing was read from since it opened (every index built inside). */
  coldMs: number
  rows: number
  total: number
  /** Baseline: the same rows, their text already known, rendered as a static list and painted. */
  staticRowsMs: number
  /** Baseline: what a timeline without the index needs before its first row: every resource read (`list`) and sorted. */
  readAllAndSortMs: number
}

/** First render of the timeline with the 10-year record open, and its baselines. */
export async function timelineFirstRender(): Promise<FirstRender> {
  const runs: FirstRender[] = []
  for (let run = 0; run < 3; run++) {
    let record = open()
    homeScreenReads(record)
    await settled()
    const warm = createTimeline({ compartments: () => record })
    const a = await mount(warm, host())
    const total = warm.state().total
    // the same rows as plain markup: what painting them costs at least
    const texts = Array.from({ length: a.rows }, (_, i) => warm.at(i)).map((e) => ({ date: new Date(e?.date ?? 0).toISOString().slice(0, 10), type: e?.type ?? '', title: e?.title ?? '', detail: e?.detail ?? '' }))
    warm.close()
    const box = host()
    await settled()
    let t0 = performance.now()
    render(
      html`<ul style="height:560px;overflow:auto;list-style:none;margin:0;padding:0">
        ${texts.map((x) => html`<li style=${`height:${TIMELINE_ROW_PX}px`}><span>${x.date} · ${x.type}</span><br /><strong>${x.title}</strong> — ${x.detail}</li>`)}
      </ul>`,
      box
    )
    await painted()
    const staticRowsMs = performance.now() - t0

    record = open()
    await settled()
    const cold = createTimeline({ compartments: () => record })
    const c = await mount(cold, host())
    cold.close()

    record = open()
    await settled()
    t0 = performance.now()
    const all: Array<{ date: number }> = []
    for (const [, comp] of record) {
      for (const type of comp.resources.types()) {
        for (const r of comp.resources.list(type, { includeWithdrawn: true })) {
          all.push({ date: clinicalDate(r) })
        }
      }
    }
    all.sort((x, y) => y.date - x.date)
    const readAllAndSortMs = performance.now() - t0
    runs.push({ afterHomeMs: a.ms, coldMs: c.ms, rows: a.rows, total, staticRowsMs, readAllAndSortMs })
  }
  const med = (k: keyof FirstRender): number => runs.map((r) => r[k]).sort((x, y) => x - y)[1] as number
  return { afterHomeMs: med('afterHomeMs'), coldMs: med('coldMs'), rows: med('rows'), total: med('total'), staticRowsMs: med('staticRowsMs'), readAllAndSortMs: med('readAllAndSortMs') }
}

/** What `timelineScroll` measured. */
export interface ScrollFigures {
  /** End key → the last entries painted. */
  jumpToEndMs: number
  /** Longest frame while scrolling through the whole timeline (each frame jumps 1/frames of it). */
  longestFrameMs: number
  medianFrameMs: number
  /** Baseline: the longest frame of the same number of frames with the timeline shown and nothing scrolling. */
  idleLongestFrameMs: number
  frames: number
  /** Rows in the page at the end (bounded whatever the length). */
  rows: number
}

async function frameTimes(n: number, each: (i: number) => void): Promise<number[]> {
  const out: number[] = []
  let last = await frame()
  for (let i = 0; i < n; i++) {
    each(i)
    const t = await frame()
    out.push(t - last)
    last = t
  }
  return out
}

/** Jumping to the end and scrolling through the 50,000 entries. */
export async function timelineScroll(): Promise<ScrollFigures> {
  const record = open()
  homeScreenReads(record)
  const t = createTimeline({ compartments: () => record })
  const { el } = await mount(t, host())
  const scroller = el.shadowRoot?.querySelector<HTMLElement>('.scroller') as HTMLElement
  const idle = await frameTimes(120, () => undefined)
  // End on the focused first row
  el.shadowRoot?.querySelector<HTMLElement>('article')?.focus()
  let t0 = performance.now()
  el.shadowRoot?.querySelector('.scroller')?.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true, composed: true }))
  await el.updateComplete
  await painted()
  const jumpToEndMs = performance.now() - t0
  scroller.scrollTop = 0
  await painted()
  const n = 240
  const max = scroller.scrollHeight - scroller.clientHeight
  t0 = performance.now()
  const times = await frameTimes(n, (i) => {
    scroller.scrollTop = Math.round(((i + 1) / n) * max)
  })
  const sorted = [...times].sort((a, b) => a - b)
  const rows = el.shadowRoot?.querySelectorAll('article').length ?? 0
  t.close()
  return { jumpToEndMs, longestFrameMs: sorted[sorted.length - 1] as number, medianFrameMs: sorted[n >> 1] as number, idleLongestFrameMs: Math.max(...idle), frames: n, rows }
}

/** What `timelineSearch` measured. */
export interface SearchFigures {
  /** Longest the event loop was kept from a waiting task while the search ran in slices. */
  maxDelayMs: number
  /** The search, start to last match. */
  searchMs: number
  matches: number
  /** Baseline: the same search run in one go (what a page would freeze for without slices). */
  oneGoMs: number
  /** Baseline: the longest delay of the same probe with nothing running. */
  idleMaxDelayMs: number
}

/** Probes the event loop with back-to-back tasks until `done()`; returns the longest wait of one. */
async function probe(done: () => boolean, minMs = 0): Promise<number> {
  let worst = 0
  const start = performance.now()
  const ch = new MessageChannel()
  return new Promise((resolve) => {
    let sent = performance.now()
    ch.port1.onmessage = () => {
      const now = performance.now()
      worst = Math.max(worst, now - sent)
      if (done() && now - start >= minMs) {
        ch.port1.close()
        resolve(worst)
        return
      }
      sent = performance.now()
      ch.port2.postMessage(0)
    }
    ch.port2.postMessage(0)
  })
}

/** A text search over the 50,000 entries with the view shown: how long the page waits at most while it runs. */
export async function timelineSearch(query: string): Promise<SearchFigures> {
  const record = open()
  homeScreenReads(record)
  const idleMaxDelayMs = await probe(() => true, 1000)
  const sliced = createTimeline({ compartments: () => record })
  await mount(sliced, host())
  let t0 = performance.now()
  sliced.setFilter({ text: query })
  const maxDelayMs = await probe(() => !sliced.state().searching)
  const searchMs = performance.now() - t0
  const matches = sliced.state().shown
  sliced.close()
  // the same search again in one go, over a record whose texts nobody read yet
  const fresh = open()
  homeScreenReads(fresh)
  const oneGo = createTimeline({ compartments: () => fresh }, { sliceMs: Number.POSITIVE_INFINITY })
  oneGo.state()
  t0 = performance.now()
  oneGo.setFilter({ text: query })
  const oneGoMs = performance.now() - t0
  oneGo.close()
  return { maxDelayMs, searchMs, matches, oneGoMs, idleMaxDelayMs }
}
