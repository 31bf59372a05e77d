/**
 * The insights card in Chromium, with findings computed by the real insights worker
 * (`workers/insights.ts`, started as the app starts it) from a vitals compartment with
 * readings: most severe first, severity in words, numbers in the title, the source cited,
 * old readings dated (never shown as today's), the readings and the rule behind a
 * keyboard-operable disclosure, Russian wording after a language switch, the empty state,
 * and "This is not a diagnosis" on an AF screen.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { asDocId } from '../../src/lib/index.ts'
import { createCompartment, type Compartment } from '../../src/record/index.ts'
import { afScreenFinding, type Finding } from '../../src/insights/index.ts'
import { lazyInsightsWorker } from '../../src/app/insights-worker.ts'
import { createRecordInsights, InsightsState, type InsightsSnapshot, type RecordInsights } from '../../src/app/record-insights.ts'
import { setLocale } from '../../src/ui/i18n.ts'
import '../../src/ui/insights-card.ts'
import { bpObservation } from '../helpers/observations.ts'

const DAY = 86_400_000
const worker = lazyInsightsWorker()
afterAll(() => worker.close())

let docs = 0
function vitals(): Compartment {
  const id = new Uint8Array(16)
  id[15] = ++docs
  return createCompartment({ kind: 'vitals', docId: asDocId(id) })
}

type Card = HTMLElement & { insights: RecordInsights | undefined; headingLevel: number; updateComplete: Promise<unknown> }

async function mount(insights: RecordInsights, headingLevel = 2): Promise<Card> {
  const el = document.createElement('phr-insights-card') as Card
  el.insights = insights
  el.headingLevel = headingLevel
  document.body.append(el)
  await el.updateComplete
  return el
}
const root = (el: Element): ShadowRoot => {
  if (el.shadowRoot === null) throw new Error('no shadow root')
  return el.shadowRoot
}
const text = (el: Element): string => (root(el).textContent ?? '').replace(/\s+/g, ' ')
async function until(pred: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}
/** A RecordInsights that only ever shows `snapshot` (for findings the record's readings cannot give, e.g. an AF screen). */
const fixed = (snapshot: InsightsSnapshot): RecordInsights => ({ snapshot: () => snapshot, subscribe: () => () => undefined, refresh: () => Promise.resolve(snapshot), close: () => undefined })

describe('insights card', () => {
  it('lists the worker’s findings of old readings, most severe first, dated, with severity in words and the source', async () => {
    const c = vitals()
    const last = Date.now() - 90 * DAY
    c.resources.put(bpObservation('bp-1', last - 2 * DAY, 132, 84))
    c.resources.put(bpObservation('bp-2', last - DAY, 136, 86))
    c.resources.put(bpObservation('bp-3', last, 186, 124))
    const insights = createRecordInsights({ compartments: () => ({ vitals: c }), insights: worker.client })
    const el = await mount(insights)
    await until(() => el.shadowRoot?.querySelectorAll('[data-testid="insight"]').length === 2)
    const r = root(el)
    expect(r.querySelector('h2')?.textContent).toBe('Findings from the readings')
    const items = [...r.querySelectorAll('[data-testid="insight"]')]
    // the crisis reading first, urgent in words (not only a colour)
    expect(items[0]?.getAttribute('data-severity')).toBe('high')
    expect(items[0]?.querySelector('.severity')?.textContent).toBe('Urgent')
    const heading = items[0]?.querySelector('[role="heading"]')
    expect(heading?.getAttribute('aria-level')).toBe('3')
    expect(heading?.textContent).toBe('Latest blood pressure 186/124 mm Hg: hypertensive crisis range')
    expect(items[0]?.textContent).toContain('needs to be repeated')
    expect(items[0]?.querySelector('[data-testid="insight-source"]')?.textContent?.replace(/\s+/g, ' ').trim()).toBe('Source: ACC/AHA blood pressure guideline, 2017')
    expect(items[1]?.querySelector('[role="heading"]')?.textContent).toBe('Average of the last 3 blood pressure readings: 151/98 mm Hg, stage 2 hypertension')
    // the readings are 90 days old: the card says so, with their date
    const dated = r.querySelector('[data-testid="insights-dated"]')?.textContent ?? ''
    expect(dated).toContain('There are no readings from the last 30 days')
    expect(dated).toContain(new Date(last).toLocaleDateString('en', { dateStyle: 'long' }))
    expect(dated).toContain('90 days ago')

    // the readings and the rule are behind a disclosure that opens from the keyboard
    const details = items[0]?.querySelector('details') as HTMLDetailsElement
    expect(details.open).toBe(false)
    const summary = details.querySelector('summary') as HTMLElement
    summary.focus()
    expect(r.activeElement).toBe(summary)
    summary.click()
    expect(details.open).toBe(true)
    expect(details.textContent).toContain('Systolic pressure')
    expect(details.textContent).toContain('186 mm Hg')
    expect(details.querySelector('code')?.textContent).toContain('hypertensive crisis')

    // in Russian: the title is Russian, the numbers the same
    await setLocale('ru')
    await until(() => text(el).includes('Последнее давление'))
    expect(text(el)).toContain('Последнее давление 186/124 mm Hg: уровень гипертонического криза')
    expect(text(el)).toContain('Срочно')
    await setLocale('en')
    insights.close()
    el.remove()
  })

  it('recomputes when a reading arrives, and says what would make findings appear when there are none', async () => {
    const c = vitals()
    const insights = createRecordInsights({ compartments: () => ({ vitals: c }), insights: worker.client }, { debounceMs: 50 })
    const el = await mount(insights, 3)
    await until(() => el.shadowRoot?.querySelector('[data-testid="insights-empty"]') !== null)
    expect(root(el).querySelector('h3')?.textContent).toBe('Findings from the readings')
    expect(text(el)).toContain('Findings appear when there are readings from the last 30 days')
    c.resources.put(bpObservation('bp-now', Date.now() - 3_600_000, 118, 76))
    await until(() => el.shadowRoot?.querySelector('[data-testid="insight"]') !== null)
    expect(root(el).querySelector('[data-testid="insight"] [role="heading"]')?.textContent).toBe('Latest blood pressure 118/76 mm Hg: normal')
    expect(root(el).querySelector('[data-testid="insight"] .severity')?.textContent).toBe('For information')
    expect(root(el).querySelector('[data-testid="insights-dated"]')).toBeNull()
    expect(insights.snapshot().state).toBe(InsightsState.ready)
    insights.close()
    el.remove()
  })

  it('says an irregular rhythm is not a diagnosis, and names a failure without hiding the rest', async () => {
    // independent intervals, uniform in 380–1050 ms (a seeded LCG): AF-like by the three measures of Dash 2009
    let seed = 12345
    const rr = Array.from({ length: 256 }, () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return 380 + (670 * seed) / 4294967296
    })
    const af = afScreenFinding(rr, { startT: Date.now() - DAY }) as Finding
    expect(af).not.toBeNull()
    const el = await mount(fixed({ state: InsightsState.failed, findings: [af], skipped: [], dated: false, available: true, error: { name: 'InsightsTimeoutError', message: 'x' } }))
    const t = text(el)
    expect(t).toContain('An irregular heart rhythm was detected')
    expect(t).toContain('This is not a diagnosis.')
    expect(t).toContain('See a clinician soon')
    expect(t).toContain('Source: Dash et al., Ann Biomed Eng 2009')
    // the windows that triggered, each from its first to its last beat
    const windows = [...root(el).querySelectorAll('[data-testid="af-windows"] li')].map((li) => li.textContent ?? '')
    expect(windows).toHaveLength(2)
    expect(t).toContain('Irregular stretches of beats:')
    for (const w of windows) expect(w).toMatch(/\d.* to \d/)
    expect(root(el).querySelector('[role="alert"]')?.textContent).toContain('InsightsTimeoutError')
    expect(root(el).querySelector('[role="alert"] button')?.textContent).toBe('Try again')
    el.remove()
  })
})
