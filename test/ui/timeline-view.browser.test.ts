/**
 * The timeline in Chromium over the 10-year record's 50,000 resources (its samples left
 * out: the timeline shows resources): only a bounded number of rows in the page, the
 * right entries after a scroll, keyboard moves (arrows, Page Down, End, Home) that move
 * the focus, a type filter and a search that change what is shown, a withdrawn entry
 * marked as such, and the empty states.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { userEvent } from 'vitest/browser'
import { asDocId } from '../../src/lib/index.ts'
import { createCompartment, loadSyntheticRecord, SYNTHETIC_TEN_YEARS, type Compartment } from '../../src/record/index.ts'
import { createTimeline, type Timeline } from '../../src/app/timeline.ts'
import { TIMELINE_ROW_PX } from '../../src/ui/timeline-view.ts'

type View = HTMLElement & { timeline: Timeline | undefined; updateComplete: Promise<unknown> }

let compartments: Array<[string, Compartment]> = []
let newestObservationId = ''

beforeAll(() => {
  const loaded = loadSyntheticRecord({ ...SYNTHETIC_TEN_YEARS, samples: 0 })
  compartments = [...loaded.compartments]
  const vitals = loaded.compartments.get('vitals') as Compartment
  const obs = vitals.resources.entries('Observation')
  newestObservationId = (obs[obs.length - 1] as { id: string }).id
  // the newest reading was entered in error
  vitals.resources.withdraw('Observation', newestObservationId, 'wrong patient')
}, 120_000)

const root = (el: Element): ShadowRoot => {
  if (el.shadowRoot === null) throw new Error('no shadow root')
  return el.shadowRoot
}
const rows = (el: Element): HTMLElement[] => [...root(el).querySelectorAll<HTMLElement>('article')]
const scroller = (el: Element): HTMLElement => root(el).querySelector<HTMLElement>('.scroller') as HTMLElement
const frames = (n = 2): Promise<void> =>
  new Promise((resolve) => {
    const step = (k: number): void => {
      if (k === 0) resolve()
      else requestAnimationFrame(() => step(k - 1))
    }
    step(n)
  })
async function until(pred: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}
const status = (el: Element): string => root(el).querySelector('[role="status"]')?.textContent?.replace(/\s+/g, ' ').trim() ?? ''
const active = (el: Element): HTMLElement | null => root(el).activeElement as HTMLElement | null

async function mount(timeline: Timeline, width = 1280): Promise<View> {
  document.body.replaceChildren()
  const box = document.createElement('div')
  box.style.width = `${width}px`
  const el = document.createElement('phr-timeline') as View
  el.timeline = timeline
  box.append(el)
  document.body.append(box)
  await el.updateComplete
  await frames()
  await el.updateComplete
  return el
}

describe('timeline view, 50,000 entries', () => {
  it('renders only the rows in view, newest first, and the right ones after a scroll', async () => {
    const t = createTimeline({ compartments: () => compartments })
    const el = await mount(t)
    expect(t.state().total).toBeGreaterThanOrEqual(50_000)
    expect(status(el)).toContain(`${t.state().total} entries`)
    const visible = Math.ceil(scroller(el).clientHeight / TIMELINE_ROW_PX)
    expect(rows(el).length).toBeGreaterThan(5)
    expect(rows(el).length).toBeLessThanOrEqual(visible + 2 * 6 + 1)
    // newest first, and the newest is the reading withdrawn above, shown as withdrawn
    const first = rows(el)[0] as HTMLElement
    expect(first.dataset['key']).toBe(`vitals|Observation/${newestObservationId}`)
    expect(first.textContent).toContain('Withdrawn: entered in error')
    expect(first.classList.contains('withdrawn')).toBe(true)
    const dates = rows(el).map((r) => Date.parse(r.querySelector('time')?.getAttribute('datetime') ?? ''))
    for (let i = 1; i < dates.length; i++) expect(dates[i]).toBeLessThanOrEqual(dates[i - 1] as number)
    expect(first.getAttribute('aria-posinset')).toBe('1')
    expect(first.getAttribute('aria-setsize')).toBe(String(t.state().total))

    // scroll to the middle: the entries there are shown, and still only a few rows
    const mid = 25_000
    scroller(el).scrollTop = mid * TIMELINE_ROW_PX
    await frames(3)
    await el.updateComplete
    const midRow = rows(el).find((r) => r.dataset['index'] === String(mid))
    expect(midRow?.dataset['key']).toBe(t.at(mid)?.key)
    expect(midRow?.getAttribute('aria-posinset')).toBe(String(mid + 1))
    expect(midRow?.textContent).toContain(t.at(mid)?.title)
    expect(rows(el).length).toBeLessThanOrEqual(visible + 2 * 6 + 2)
    const midDates = rows(el)
      .filter((r) => Number(r.dataset['index']) >= mid)
      .map((r) => Date.parse(r.querySelector('time')?.getAttribute('datetime') ?? ''))
    expect(Math.max(...midDates)).toBeLessThan(dates[0] as number)
    t.close()
  })

  it('moves the focus with the arrow keys, Page Down, End and Home', async () => {
    const t = createTimeline({ compartments: () => compartments })
    const el = await mount(t)
    ;(rows(el)[0] as HTMLElement).focus()
    expect(active(el)?.dataset['index']).toBe('0')
    await userEvent.keyboard('{ArrowDown}')
    await until(() => active(el)?.dataset['index'] === '1')
    await userEvent.keyboard('{ArrowDown}{ArrowDown}{ArrowUp}')
    await until(() => active(el)?.dataset['index'] === '2')
    await userEvent.keyboard('{PageDown}')
    const page = Math.floor(scroller(el).clientHeight / TIMELINE_ROW_PX) - 1
    await until(() => active(el)?.dataset['index'] === String(2 + page))
    await userEvent.keyboard('{End}')
    const last = t.state().shown - 1
    await until(() => active(el)?.dataset['index'] === String(last))
    expect(active(el)?.dataset['key']).toBe(t.at(last)?.key)
    // the last entries are in view, and the page still holds only a few rows
    expect(scroller(el).scrollTop).toBeGreaterThan((last - 20) * TIMELINE_ROW_PX)
    expect(rows(el).length).toBeLessThan(40)
    await userEvent.keyboard('{Home}')
    await until(() => active(el)?.dataset['index'] === '0')
    expect(scroller(el).scrollTop).toBe(0)
    // exactly one entry is in the tab order: the focused one
    expect(rows(el).filter((r) => r.tabIndex === 0).map((r) => r.dataset['index'])).toEqual(['0'])
    t.close()
  })

  it('filters by type and searches, with an empty state that offers to show everything', async () => {
    const t = createTimeline({ compartments: () => compartments })
    const el = await mount(t, 390)
    const select = root(el).querySelector('select') as HTMLSelectElement
    const immunizations = t.types().find((x) => x.type === 'Immunization')?.count ?? 0
    expect(immunizations).toBeGreaterThan(0)
    select.value = 'Immunization'
    select.dispatchEvent(new Event('change'))
    await el.updateComplete
    expect(status(el)).toBe(`${immunizations} of ${t.state().total} entries`)
    expect(rows(el).length).toBe(Math.min(immunizations, rows(el).length))
    expect(rows(el).every((r) => r.dataset['key']?.includes('|Immunization/'))).toBe(true)

    // search among every entry: a visit note's words
    select.value = ''
    select.dispatchEvent(new Event('change'))
    const note = t.types().some((x) => x.type === 'Composition')
    expect(note).toBe(true)
    const input = root(el).querySelector('input[type="search"]') as HTMLInputElement
    input.focus()
    await userEvent.keyboard('Progress note')
    await until(() => !t.state().searching && t.state().shown > 0 && status(el).includes(' of '))
    await el.updateComplete
    expect(rows(el).length).toBeGreaterThan(0)
    expect(rows(el).every((r) => /progress note/i.test(r.textContent ?? ''))).toBe(true)
    expect(t.state().shown).toBeLessThan(t.state().total)

    await userEvent.clear(input)
    await userEvent.keyboard('zzzz no such words')
    await until(() => !t.state().searching && t.state().shown === 0)
    await el.updateComplete
    expect(rows(el)).toHaveLength(0)
    expect(root(el).textContent).toContain('No entry matches')
    ;(root(el).querySelector('.empty button') as HTMLButtonElement).click()
    await until(() => t.state().shown === t.state().total)
    await el.updateComplete
    expect(rows(el).length).toBeGreaterThan(5)
    expect(input.value).toBe('')
    t.close()
  })

  it('says what to do when the record is empty', async () => {
    const empty = createCompartment({ kind: 'core', docId: asDocId(new Uint8Array(16).fill(9)) })
    const t = createTimeline({ compartments: () => [['core', empty]] })
    const el = await mount(t)
    expect(rows(el)).toHaveLength(0)
    expect(root(el).textContent).toContain('Nothing is in this record yet.')
    // a new entry appears live
    empty.resources.put({ resourceType: 'AllergyIntolerance', id: 'a1', patient: { reference: 'Patient/p' }, code: { text: 'Peanuts' }, recordedDate: '2024-01-01' })
    await until(() => rows(el).length === 1)
    expect(rows(el)[0]?.textContent).toContain('Peanuts')
    t.close()
  })
})
