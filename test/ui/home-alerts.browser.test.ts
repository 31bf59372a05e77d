/**
 * The home screen's alerts in Chromium: the open alerts from the person's doctors, newest
 * first, at most three listed, with a link to the Vitals screen; ended or acknowledged ones
 * left out; nothing at all when none is open; a new alert shown and read out without a
 * reload. The record's alerts service is reduced to what the component reads (`alerts`,
 * `subscribe`, `onAlert`): the real one is driven end to end in telemonitor.e2e.
 */
import { describe, expect, it } from 'vitest'
import type { PatientAlert, PatientAlerts } from '../../src/app/index.ts'
import '../../src/ui/home-alerts.ts'

type El = HTMLElement & { alerts: PatientAlerts | undefined; updateComplete: Promise<unknown> }
const text = (el: Element | null | undefined): string => el?.textContent?.replace(/\s+/g, ' ').trim() ?? ''

const T = Date.UTC(2026, 10, 20, 9, 0)
function alert(id: string, value: number, over: Partial<PatientAlert> = {}): PatientAlert {
  return {
    id,
    grantId: 'g1',
    rule: { id: 'hr-high', code: '8867-4', comparator: '>', value: 120, unit: '/min' },
    codes: ['8867-4'],
    value,
    unit: '/min',
    at: T + value * 60_000,
    withdrawn: false,
    ...over
  } as PatientAlert
}

/** A stand-in for the record's alerts service: a list, and the two ways it says it changed. */
function service(initial: PatientAlert[]) {
  let list = initial
  const changed = new Set<() => void>()
  const raised = new Set<(a: PatientAlert) => void>()
  const alerts = {
    alerts: () => [...list].sort((a, b) => b.at - a.at),
    subscribe: (l: () => void) => (changed.add(l), () => void changed.delete(l)),
    onAlert: (l: (a: PatientAlert) => void) => (raised.add(l), () => void raised.delete(l))
  } as unknown as PatientAlerts
  return {
    alerts,
    raise(a: PatientAlert) {
      list = [...list, a]
      for (const l of raised) l(a)
    },
    acknowledgeAll() {
      list = list.map((a) => ({ ...a, acknowledged: { at: T + 3_600_000 } }))
      for (const l of changed) l()
    }
  }
}

async function mount(alerts: PatientAlerts): Promise<El> {
  document.body.replaceChildren()
  const el = document.createElement('phr-home-alerts') as El
  el.alerts = alerts
  document.body.append(el)
  await el.updateComplete
  return el
}

describe('alerts on the home screen', () => {
  it('lists the open alerts newest first, three at most, with the way to all of them; ended and seen ones are left out', async () => {
    const s = service([alert('a', 121), alert('b', 130), alert('c', 140, { endedAt: T + 999 * 60_000 }), alert('d', 150), alert('e', 160), alert('f', 125, { acknowledged: { at: T } })])
    const el = await mount(s.alerts)
    const section = el.shadowRoot?.querySelector('[data-testid=home-alerts]')
    expect(section?.getAttribute('data-count')).toBe('4')
    expect(text(section?.querySelector('h2'))).toBe('4 open alerts from your doctors')
    const items = [...(section?.querySelectorAll('[data-testid=home-alert]') ?? [])].map((li) => text(li))
    expect(items).toHaveLength(3)
    expect(items[0]).toContain('160')
    expect(items[1]).toContain('150')
    expect(items[2]).toContain('130')
    expect(items.join(' ')).not.toContain('140')
    const link = section?.querySelector('a')
    expect(link?.getAttribute('href')).toBe('/patient/vitals')
    expect(text(link)).toContain('Vitals')
  })

  it('shows nothing when no alert is open, then a new one at once, read out; the doctor seeing it takes it away', async () => {
    const s = service([alert('old', 130, { endedAt: T + 200 * 60_000 })])
    const el = await mount(s.alerts)
    expect(el.shadowRoot?.querySelector('[data-testid=home-alerts]')).toBeNull()
    expect(text(el.shadowRoot?.querySelector('[data-testid=home-alert-live]'))).toBe('')
    s.raise(alert('new', 135))
    await el.updateComplete
    expect(text(el.shadowRoot?.querySelector('h2'))).toBe('An open alert from your doctor')
    expect(text(el.shadowRoot?.querySelector('[data-testid=home-alert-live]'))).toContain('New alert: ')
    expect(text(el.shadowRoot?.querySelector('[data-testid=home-alert-live]'))).toContain('135')
    s.acknowledgeAll()
    await el.updateComplete
    expect(el.shadowRoot?.querySelector('[data-testid=home-alerts]')).toBeNull()
  })
})
