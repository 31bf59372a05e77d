/**
 * The patient's home screen parts in Chromium: the latest vitals with their trend, read from
 * a real vitals compartment (a rising blood pressure says so, with its numbers and unit; a
 * new reading is shown without a reload; no readings says so), and who has access now (the
 * grants in force with the time left, revoked and expired ones left out, a link to the
 * sharing screen; a revocation drops the person at once). The record around them is reduced
 * to what the two components read: the vitals compartment and its changes, the consent's
 * people and its changes.
 */
import { describe, expect, it } from 'vitest'
import { page } from 'vitest/browser'
import { asDocId } from '../../src/lib/index.ts'
import { createCompartment, type Compartment, type Observation } from '../../src/record/index.ts'
import type { OpenRecord, PersonWithAccess } from '../../src/app/index.ts'
import { bpObservation, quantityObservation } from '../helpers/observations.ts'
import '../../src/ui/vitals-trends.ts'
import '../../src/ui/access-now.ts'

const DAY = 86_400_000
const HOUR = 3_600_000

type El = HTMLElement & { record: unknown; edits?: unknown; updateComplete: Promise<unknown> }

const text = (el: Element | null | undefined): string => el?.textContent?.replace(/\s+/g, ' ').trim() ?? ''
async function until(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

let ids = 0
const bp = (t: number, systolic: number, diastolic: number): Observation => bpObservation(`bp-${++ids}`, t, systolic, diastolic)
const weight = (t: number, kg: number): Observation => quantityObservation(`w-${++ids}`, '29463-7', t, kg, 'kg')

let docs = 0
function vitals(): Compartment {
  const id = new Uint8Array(16)
  id[0] = 0x71
  id[1] = ++docs
  return createCompartment({ kind: 'vitals', docId: asDocId(id) })
}

async function mountTrends(c: Compartment): Promise<El> {
  document.body.replaceChildren()
  const el = document.createElement('phr-vitals-trends') as El
  el.record = { session: { compartments: new Map([['vitals', { compartment: c }]]) } }
  el.edits = { onChange: (listener: () => void) => c.onUpdate(() => listener()) }
  document.body.append(el)
  await el.updateComplete
  return el
}

describe('home: latest vitals with trend', () => {
  it('shows the latest blood pressure with its unit and time, rising systolic in words and numbers, steady diastolic', async () => {
    await page.viewport(390, 844)
    const c = vitals()
    const end = Date.now() - HOUR
    for (let d = 27; d >= 0; d--) c.resources.put(bp(end - d * DAY, d < 7 ? 138 : 122, 79))
    const el = await mountTrends(c)
    const root = el.shadowRoot as ShadowRoot
    await until(() => root.querySelector('[data-measure="blood-pressure"]') !== null)
    const card = root.querySelector('[data-measure="blood-pressure"]') as HTMLElement
    expect(text(card.querySelector('[data-testid="vital-latest"]'))).toBe('138/79 mmHg')
    expect(text(card)).toContain('Latest: ')
    expect(text(card)).toContain(new Date(end).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' }))
    const [sys, dia] = [...card.querySelectorAll<HTMLElement>('[data-testid="vital-trend-line"]')]
    expect(sys?.dataset['direction']).toBe('up')
    expect(text(sys)).toBe('↑Systolic blood pressure: Rising: the last 7 days average 16 mmHg more than the 3 weeks before.')
    expect(dia?.dataset['direction']).toBe('steady')
    expect(text(dia)).toContain('Steady: the last 7 days average within 3 mmHg of the 3 weeks before.')
    // the arrow is decoration; the words carry the meaning
    expect(sys?.querySelector('.arrow')?.getAttribute('aria-hidden')).toBe('true')
    // a measure without readings is not shown
    expect(root.querySelector('[data-measure="glucose"]')).toBeNull()
  })

  it('shows a new reading without a reload, and a latest value without a trend when the earlier weeks are empty', async () => {
    const c = vitals()
    const end = Date.now() - HOUR
    c.resources.put(weight(end - DAY, 80.4))
    const el = await mountTrends(c)
    const root = el.shadowRoot as ShadowRoot
    await until(() => root.querySelector('[data-measure="weight"]') !== null)
    expect(text(root.querySelector('[data-measure="weight"] [data-testid="vital-latest"]'))).toBe('80.4 kg')
    expect(text(root.querySelector('[data-measure="weight"] [data-testid="vital-trend-line"]'))).toBe('Not enough earlier readings to show a trend.')
    // a reading arrives (typed in, or from another device)
    c.resources.put(weight(end, 79.1))
    await until(() => text(root.querySelector('[data-measure="weight"] [data-testid="vital-latest"]')) === '79.1 kg')
  })

  it('says there are no readings yet, and links to the vitals screen', async () => {
    const el = await mountTrends(vitals())
    const root = el.shadowRoot as ShadowRoot
    await until(() => root.querySelector('[data-testid="vitals-trends-empty"]') !== null)
    expect(text(root.querySelector('[data-testid="vitals-trends-empty"]'))).toBe('No readings yet. Add one by hand or connect a device on the Vitals screen.')
    expect(new URL((root.querySelector('a') as HTMLAnchorElement).href).pathname).toBe('/patient/vitals')
    expect(root.querySelectorAll('[data-testid="vital-trend"]')).toHaveLength(0)
  })
})

function person(name: string, status: PersonWithAccess['status'], notAfter: number, extra: Partial<PersonWithAccess> = {}): PersonWithAccess {
  return {
    grantId: `g-${name}`,
    did: `did:key:z${name}`,
    name,
    credential: { status: 'none' },
    compartments: ['core'],
    notAfter,
    status,
    role: 'visit',
    emergency: false,
    ...extra
  }
}

describe('home: who has access now', () => {
  it('lists the grants in force, soonest to end first, with the time left and a link to sharing; a revocation drops one at once', async () => {
    const now = Date.now()
    let people = [
      person('Dr Nodira Karimova', 'active', now + 3 * HOUR + 10 * 60_000),
      person('Malika Karimova', 'active', now + 10 * DAY + HOUR, { role: 'caregiver' }),
      person('Dr Revoked', 'revoked', now + DAY),
      person('Dr Expired', 'expired', now - DAY),
      person('Ambulance crew', 'active', now + 40 * 60_000 + 30_000, { emergency: true })
    ]
    const listeners: Array<() => void> = []
    const record = {
      consent: {
        people: () => people,
        subscribe: (l: () => void) => {
          listeners.push(l)
          return () => listeners.splice(listeners.indexOf(l), 1)
        }
      },
      sync: { onRemoteChange: () => () => undefined }
    } as unknown as OpenRecord
    document.body.replaceChildren()
    const el = document.createElement('phr-access-now') as El
    el.record = record
    document.body.append(el)
    await el.updateComplete
    const root = el.shadowRoot as ShadowRoot
    const rows = (): string[] => [...root.querySelectorAll('[data-testid="access-now-person"]')].map((li) => [li.querySelector('strong'), li.querySelector('.role'), li.querySelector('.left')].map(text).join(' | '))
    expect(rows()).toEqual([
      'Ambulance crew | Emergency access | Access ends in 40 minutes',
      'Dr Nodira Karimova | Doctor | Access ends in 3 hours',
      'Malika Karimova | Family | Access ends in 10 days'
    ])
    expect(text(root.querySelector('h2'))).toBe('Who has access now')
    const link = root.querySelector('a') as HTMLAnchorElement
    expect(new URL(link.href).pathname).toBe('/patient/sharing')
    expect(text(link)).toBe('Share or revoke access')

    people = people.map((p) => (p.name === 'Dr Nodira Karimova' ? { ...p, status: 'revoked' } : p))
    for (const l of listeners) l()
    await el.updateComplete
    expect(rows().map((r) => r.split(' | ')[0])).toEqual(['Ambulance crew', 'Malika Karimova'])

    people = []
    for (const l of listeners) l()
    await el.updateComplete
    expect(text(root.querySelector('[data-testid="access-now-none"]'))).toBe('Nobody else can see your record now.')
  })
})
