/**
 * The doctor's patient list, rendered in Chromium: with nobody it says how a patient is
 * added; with patients it shows each one's time left ("expired", "access ended" once over)
 * and open alerts, those in force first — most alerts first, then the soonest to end — and
 * a click on a name asks the view to show that patient.
 */
import { describe, it, expect } from 'vitest'
import type { PatientView } from '../../src/app/index.ts'
import { orderPatients, type PatientList, type PatientRow } from '../../src/ui/patient-list.ts'
import '../../src/ui/patient-list.ts'

const HOUR = 3_600_000
const now = Date.UTC(2026, 10, 29, 9, 0)

function row(name: string, status: PatientView['status'], notAfter: number, openAlerts: number): PatientRow {
  const view = {
    grantId: name.toLowerCase().replace(/\s/g, ''),
    patientName: name,
    status,
    notAfter,
    allergies: [],
    conditions: [],
    medications: [],
    complete: true,
    compartments: [],
    granted: ['core'],
    notes: [],
    prescriptions: [],
    connected: true,
    emergency: false
  } satisfies PatientView
  return { view, openAlerts }
}

async function mount(rows: PatientRow[]): Promise<PatientList> {
  const el = document.createElement('phr-patient-list') as PatientList
  el.rows = rows
  el.now = now
  document.body.append(el)
  await el.updateComplete
  return el
}

describe('phr-patient-list', () => {
  it('says what to do when no patient has shared yet', async () => {
    const el = await mount([])
    const root = el.shadowRoot as ShadowRoot
    expect(root.querySelectorAll('[data-testid=patient-row]').length).toBe(0)
    expect(root.querySelector('[data-testid=patient-list-empty]')?.textContent).toContain('phr-invite:')
    el.remove()
  })

  it('lists time left and open alerts, in force first (alerts first, then soonest to end), ended last', async () => {
    const rows = [
      row('Ended Earlier', 'expired', now - 48 * HOUR, 0),
      row('Calm Long', 'active', now + 50 * HOUR + 30 * 60_000, 0),
      row('Revoked Recently', 'revoked', now + 5 * HOUR, 3),
      row('Calm Soon', 'active', now + 2 * HOUR + 5 * 60_000, 0),
      row('Two Alerts', 'active', now + 20 * HOUR, 2),
      row('Almost Over', 'active', now + 40_000, 0)
    ]
    expect(orderPatients(rows).map((r) => r.view.patientName)).toEqual(['Two Alerts', 'Almost Over', 'Calm Soon', 'Calm Long', 'Revoked Recently', 'Ended Earlier'])
    const el = await mount(rows)
    const root = el.shadowRoot as ShadowRoot
    const shown = [...root.querySelectorAll('[data-testid=patient-row]')].map((li) => [
      li.querySelector('a')?.textContent?.trim(),
      li.querySelector('[data-testid=patient-expiry]')?.textContent,
      li.querySelector('[data-testid=patient-alerts]')?.textContent
    ])
    expect(shown).toEqual([
      ['Two Alerts', '20 h 0 min left', '2 open alerts'],
      ['Almost Over', '1 min left', 'no open alerts'],
      ['Calm Soon', '2 h 5 min left', 'no open alerts'],
      ['Calm Long', '2 d 2 h left', 'no open alerts'],
      ['Revoked Recently', 'access ended', '3 open alerts'],
      ['Ended Earlier', 'expired', 'no open alerts']
    ])
    const picked: string[] = []
    el.addEventListener('pick', (e) => picked.push((e as CustomEvent<string>).detail))
    root.querySelector<HTMLAnchorElement>('a')?.click()
    expect(picked).toEqual(['twoalerts'])
    expect(location.hash).toBe('')
    el.remove()
  })
})
