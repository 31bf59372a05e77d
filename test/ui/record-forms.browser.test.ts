/**
 * The record forms and the vitals charts in Chromium, over a real record in IndexedDB:
 * an empty allergy form is refused with a plain message under each field, tied to it by
 * `aria-describedby` and `aria-invalid`, and nothing is stored; the code search works by
 * keyboard; a chart of a week of 1 Hz heart rate (604,800 samples) draws at most two
 * points per pixel column, with the unit, the usual range and a text summary of the range.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createIndexedDbStore, type EnvelopeStore } from '../../src/storage/index.ts'
import { createRecordSession, type RecordSession } from '../../src/app/record-session.ts'
import { createRecordEdits, type RecordEdits } from '../../src/app/index.ts'
import '../../src/ui/record-forms.ts'
import '../../src/ui/vitals-charts.ts'

const fast = { scrypt: { log2N: 10, r: 8, p: 1 }, batchMs: 1 }
const opened: { store: EnvelopeStore; session: RecordSession }[] = []
afterAll(async () => {
  for (const o of opened) {
    await o.session.close()
    await o.store.close()
  }
})

async function record(): Promise<{ session: RecordSession; edits: RecordEdits }> {
  const store = await createIndexedDbStore({ name: `phr-test-forms-${Math.random().toString(36).slice(2)}` })
  const session = await createRecordSession(store, 'correct horse', fast)
  opened.push({ store, session })
  return { session, edits: createRecordEdits(session) }
}

const root = (el: Element): ShadowRoot => {
  if (el.shadowRoot === null) throw new Error('no shadow root')
  return el.shadowRoot
}
async function until(pred: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}
type Updatable = HTMLElement & { updateComplete: Promise<unknown> }

describe('record section form', () => {
  it('refuses an empty form with messages tied to the fields, then saves a picked code', async () => {
    const { session, edits } = await record()
    const el = document.createElement('phr-record-section') as Updatable & { edits: RecordEdits; section: string }
    el.edits = edits
    el.section = 'allergy'
    document.body.append(el)
    await el.updateComplete
    const r = root(el)
    expect(r.textContent).toContain('No allergies written down yet.')
    ;[...r.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Add an allergy')?.click()
    await el.updateComplete
    const form = r.querySelector('form') as HTMLFormElement
    form.requestSubmit()
    await until(() => r.querySelector('[aria-invalid="true"]') !== null)
    const input = r.querySelector('#allergy-code') as HTMLInputElement
    expect(input.getAttribute('aria-invalid')).toBe('true')
    const describedBy = (input.getAttribute('aria-describedby') ?? '').split(' ')
    const message = r.getElementById(describedBy[0] ?? '')
    expect(message?.textContent).toBe('This is needed.')
    expect(r.activeElement).toBe(input)
    expect(r.querySelector('[data-testid="section-status"]')?.textContent).toContain('Some fields need a look')
    expect(session.get('core').resources.count('AllergyIntolerance')).toBe(0)

    // the combobox: type, ArrowDown, Enter picks the code
    input.value = 'latex'
    input.dispatchEvent(new Event('input'))
    await el.updateComplete
    expect(input.getAttribute('aria-expanded')).toBe('true')
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown' }))
    await el.updateComplete
    expect(input.getAttribute('aria-activedescendant')).toBe('allergy-opt-0')
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
    await el.updateComplete
    expect(input.value).toBe('Latex allergy')
    expect(r.querySelector('[data-testid="code-picked"]')?.textContent).toContain('300916003')
    // the form shown again after the refusal is a new element
    r.querySelector('form')?.requestSubmit()
    await until(() => r.querySelectorAll('[data-testid="entry"]').length === 1).catch((e: unknown) => {
      throw new Error(`${String(e)}: ${r.querySelector('[data-testid="section-status"]')?.textContent ?? ''}`)
    })
    const stored = session.get('core').resources.list('AllergyIntolerance')
    expect(stored.map((a) => a['code'])).toEqual([{ coding: [{ system: 'http://snomed.info/sct', code: '300916003', display: 'Latex allergy' }], text: 'Latex allergy' }])
    expect(stored[0]?.['category']).toEqual(['environment'])
    el.remove()
  })
})

describe('vitals chart', () => {
  it('draws a week of 1 Hz heart rate downsampled to its width, with unit, usual range and a summary', async () => {
    const { session, edits } = await record()
    const end = Date.UTC(2026, 1, 8)
    const week = 7 * 86_400_000
    const vitals = session.get('vitals')
    for (let t = end - week; t < end; t += 1000) vitals.series.append('8867-4', 'strap', t, 60 + Math.round(20 * Math.sin(t / 3_600_000)), '/min')
    vitals.series.append('8867-4', 'strap', end - 3_600_000, 181, '/min')
    vitals.series.flush()
    const el = document.createElement('phr-vitals-charts') as Updatable & { edits: RecordEdits; now: number; data?: { lines: { times: Float64Array }[]; counts: number[] } }
    el.style.width = '800px'
    el.now = end
    el.edits = edits
    document.body.append(el)
    await el.updateComplete
    const r = root(el)
    const rangeButton = (name: string): HTMLButtonElement => [...r.querySelectorAll<HTMLButtonElement>('.ranges button')].find((b) => b.textContent?.trim() === name) as HTMLButtonElement
    rangeButton('1 week').click()
    await until(() => (el.data?.counts[0] ?? 0) > 600_000 && r.querySelector('canvas') !== null, 30_000)
    expect(el.data?.counts[0]).toBe(604_800)
    const width = r.querySelector<HTMLElement>('.plot')?.getBoundingClientRect().width ?? 0
    expect(el.data?.lines[0]?.times.length).toBeLessThanOrEqual(2 * Math.floor(width))
    const summary = r.querySelector('[data-testid="vitals-summary"]')?.textContent?.replace(/\s+/g, ' ') ?? ''
    expect(summary).toContain('Heart rate, readings in this period: 604,800; lowest 40, highest 181')
    expect(summary).toContain('Usual range 51–90 beats/min (NEWS2 (RCP 2017)), shaded.')
    // the canvas has drawn something: the shaded range and the line are not blank
    const canvas = r.querySelector('canvas') as HTMLCanvasElement
    const px = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray()
    let painted = 0
    for (let i = 3; i < px.length; i += 4) if ((px[i] ?? 0) > 0) painted++
    expect(painted).toBeGreaterThan(1000)
    expect(rangeButton('1 week').getAttribute('aria-pressed')).toBe('true')
    // one day: only that day is read
    rangeButton('1 day').click()
    await until(() => el.data?.counts[0] === 86_400)
    expect(r.querySelector('[data-testid="vitals-summary"]')?.textContent).toContain('highest 181')
    el.remove()
  })

  it('with nothing in the month ending now, ends the range at the latest reading and says so', async () => {
    const { session, edits } = await record()
    const last = Date.UTC(2025, 5, 30, 12)
    const vitals = session.get('vitals')
    for (let t = last - 3 * 86_400_000; t <= last; t += 60_000) vitals.series.append('8867-4', 'strap', t, 72, '/min')
    vitals.series.flush()
    const el = document.createElement('phr-vitals-charts') as Updatable & { edits: RecordEdits; now: number; data?: { to: number; counts: number[] } }
    el.style.width = '800px'
    el.now = last + 90 * 86_400_000
    el.edits = edits
    document.body.append(el)
    await until(() => (el.data?.counts[0] ?? 0) > 0, 30_000)
    expect(el.data?.to).toBe(last + 1)
    await el.updateComplete
    const summary = root(el).querySelector('[data-testid="vitals-summary"]')?.textContent?.replace(/\s+/g, ' ') ?? ''
    expect(summary).toContain('Nothing newer was measured: the range ends at the latest reading.')
    expect(summary).toContain('latest 72')
    // another measure with a reading of today: its range ends now again
    const today = Date.now() - 60_000
    await edits.addReading({ measure: 'spo2', values: ['97'], t: today })
    ;(el as unknown as { measure: string }).measure = 'spo2'
    await until(() => (el.data?.counts[0] ?? 0) > 0 && (el.data?.to ?? 0) >= today, 30_000)
    el.remove()
  })
})
