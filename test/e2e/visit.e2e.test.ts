/**
 * A visit, as two real Chromium contexts (patient, doctor) against the real `npm start`,
 * through its relay: the patient shares the summary for a visit and shows a code; the
 * doctor creates a practitioner profile, pastes the code and waits; the patient sees who
 * asks (unverified: no licence) and approves; the doctor sees the allergies and nothing of
 * the `sensitive` compartment; the doctor writes a visit note; the patient sees it with
 * its author and a valid signature; the patient revokes; the summary's key is renewed; a
 * new allergy written after that never reaches the doctor's device, and the doctor holds
 * no key that could open it.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, newContext, watchPageErrors } from '../helpers/browser.ts'
import { screenshot } from '../helpers/screenshots.ts'
import { startServer, type StartedServer } from '../helpers/server.ts'
import { expectNoAxeViolations } from '../helpers/a11y.ts'
import { openPatientScreen } from '../helpers/patient-screens.ts'

const baseUrl = inject('baseUrl')
let browser: Browser
/** A server of its own with the DEMO licensing authority switched on, started with the browser. */
let demoServer: StartedServer | undefined

beforeAll(async () => {
  ;[browser, demoServer] = await Promise.all([launchChromium({ webrtc: true }), startServer({ PHR_DEMO_AUTHORITY: '1' })])
}, 180_000)
afterAll(async () => {
  await browser.close()
  await demoServer?.stop('SIGINT')
})

const listed = (page: Page, section: string) => page.locator(`phr-record-summary section[aria-labelledby=${section}] li`).allTextContents()
const drList = (page: Page, id: string) => page.getByTestId(`dr-${id}`).locator('li').allTextContents()

/** What the doctor's device holds of a compartment: stored envelope epochs and key epochs. */
async function held(page: Page, kind: string): Promise<{ stored: number[]; keys: number[]; count: number } | undefined> {
  const el = page.locator(`[data-testid=dr-compartment][data-kind="${kind}"]`)
  if ((await el.count()) === 0) return undefined
  const nums = (s: string | null): number[] => (s === null || s === '' ? [] : s.split(',').map(Number))
  return { stored: nums(await el.getAttribute('data-stored-epochs')), keys: nums(await el.getAttribute('data-key-epochs')), count: Number(await el.getAttribute('data-count')) }
}

describe('a visit: share, approve, read, note, revoke', () => {
  it('gives the doctor the summary and not the sensitive part, and nothing after revocation', async () => {
    const patientContext = await newContext(browser, 1280)
    const doctorContext = await newContext(browser, 390)
    const patient = await patientContext.newPage()
    const doctor = await doctorContext.newPage()
    const errors = [...[patient, doctor].map((p) => watchPageErrors(p))]

    // the patient: the demo record, connected to the relay
    await patient.goto(`${baseUrl}/patient`)
    await patient.getByRole('button', { name: 'Try with a demo patient' }).click()
    await expect.poll(() => patient.getByRole('heading', { name: 'Allergies' }).count(), { timeout: 90_000 }).toBe(1)
    // an allergy the doctor must see
    await openPatientScreen(patient, 'record')
    await patient.getByLabel('What are you allergic to?').fill('Penicillin (before the visit)')
    await patient.getByRole('button', { name: 'Add', exact: true }).click()
    await expect.poll(() => listed(patient, 'allergies')).toContain('Penicillin (before the visit)')
    const allergiesAtStart = await listed(patient, 'allergies')
    await expect.poll(() => patient.getByTestId('sync-relay').getAttribute('data-state'), { timeout: 30_000 }).toBe('connected')

    // the doctor: a practitioner profile made on first use
    await doctor.goto(`${baseUrl}/doctor`)
    await expect.poll(() => doctor.getByRole('heading', { level: 1 }).textContent()).toBe('No practitioner profile on this device yet')
    await screenshot(doctor, 'doctor-new-390')
    await doctor.getByLabel('Your name as patients should see it').fill('Dr Nodira Karimova')
    await doctor.getByLabel('Licence number (optional)').fill('UZ-GP-20417')
    await doctor.getByLabel('Issuing authority (optional)').fill('Ministry of Health of Uzbekistan')
    await doctor.getByLabel('Passphrase for this device').fill('doctor passphrase')
    await doctor.getByLabel('The passphrase again').fill('doctor passphrase')
    await doctor.getByRole('button', { name: 'Create my practitioner profile' }).click()
    await expect.poll(() => doctor.getByRole('heading', { level: 1 }).textContent(), { timeout: 30_000 }).toBe('Dr Nodira Karimova')
    expect(await doctor.getByTestId('dr-declared').textContent()).toContain('UZ-GP-20417, issued by Ministry of Health of Uzbekistan')
    // no patient yet: the list says how one is added
    expect(await doctor.getByTestId('patient-list-empty').textContent()).toContain('Share for a visit')

    // the patient shares the summary (the default) for 24 hours
    await openPatientScreen(patient, 'sharing')
    await patient.getByRole('button', { name: 'Share for a visit' }).click()
    expect(await patient.getByLabel('Summary: allergies, conditions, medications, immunizations, procedures').isChecked()).toBe(true)
    expect(await patient.getByLabel('Sensitive: mental, sexual and reproductive health').isChecked()).toBe(false)
    await screenshot(patient, 'share-choose-1280')
    await patient.getByRole('button', { name: 'Show the code' }).click()
    await expect.poll(() => patient.getByTestId('invite-payload').inputValue(), { timeout: 30_000 }).toMatch(/^phr-invite:/)
    const invite = await patient.getByTestId('invite-payload').inputValue()
    expect(await patient.getByTestId('invite-qr').getAttribute('src')).toMatch(/^data:image\/svg\+xml/)
    await screenshot(patient, 'share-code-1280')

    // the doctor pastes it and waits; the patient sees who asks
    await doctor.getByLabel('Visit code from the patient').fill(invite)
    await doctor.getByRole('button', { name: 'Ask the patient' }).click()
    await expect.poll(() => doctor.getByTestId('invite-waiting').count()).toBe(1)
    await screenshot(doctor, 'doctor-waiting-390')
    await expect.poll(() => patient.getByTestId('visit-request').count(), { timeout: 60_000 }).toBe(1)
    expect(await patient.getByTestId('request-verdict').textContent()).toBe('Unverified: no licence was presented')
    await screenshot(patient, 'share-request-1280')
    await patient.getByRole('button', { name: 'Approve' }).click()
    await expect.poll(() => patient.getByTestId('share-done').count(), { timeout: 30_000 }).toBe(1)

    // the doctor sees the allergies; nothing of the sensitive compartment is there
    await expect.poll(() => doctor.getByTestId('dr-patient').count(), { timeout: 60_000 }).toBe(1)
    await expect.poll(() => drList(doctor, 'allergies'), { timeout: 90_000 }).toEqual(expect.arrayContaining(allergiesAtStart))
    expect(await held(doctor, 'sensitive')).toBeUndefined()
    // what is shown may be on screen a moment before its envelopes are listed as stored
    await expect.poll(async () => (await held(doctor, 'core'))?.stored, { timeout: 30_000 }).toEqual([0])
    const core0 = await held(doctor, 'core')
    expect(core0?.keys).toEqual([0])
    expect(core0?.stored).toEqual([0])
    expect(await doctor.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    // the patient list: the grant's time left (24 h asked) and no open alert; the parts not shared say so
    await expect.poll(() => doctor.getByTestId('patient-row').count(), { timeout: 30_000 }).toBe(1)
    expect(await doctor.getByTestId('patient-row').getAttribute('data-status')).toBe('active')
    expect(await doctor.getByTestId('patient-expiry').textContent()).toMatch(/^2[34] h \d+ min left$/)
    expect(await doctor.getByTestId('patient-alerts').textContent()).toBe('no open alerts')
    expect(await doctor.locator('[data-testid=dr-parts] li[data-kind=core]').getAttribute('data-shared')).toBe('yes')
    expect(await doctor.locator('[data-testid=dr-parts] li[data-kind=sensitive]').textContent()).toContain('not shared')
    expect(await doctor.locator('[data-testid=dr-parts] li[data-shared=no]').count()).toBe(5)
    await screenshot(doctor, 'doctor-patient-390')
    // the doctor's view of a patient, with what was shared, is accessible (axe, WCAG 2.1 AA)
    await expectNoAxeViolations(doctor, 'doctor: a patient’s shared record (phone)')

    // the patient lists the doctor among the people with access
    await expect.poll(() => patient.getByTestId('person').count()).toBe(1)
    expect(await patient.getByTestId('person').getAttribute('data-status')).toBe('active')
    expect(await patient.getByTestId('person').textContent()).toContain('Dr Nodira Karimova')

    // the doctor writes a visit note; the patient sees it with its author and a valid signature
    await doctor.getByLabel('Write a visit note').fill('Seasonal rhinitis; cetirizine 10 mg for 14 days.')
    await doctor.getByRole('button', { name: 'Save the note' }).click()
    // the doctor's own screen while the note travels: the note listed, the editor empty again;
    // the NEWS2 form with an entry left out says what is missing (nothing is recorded)
    await expect.poll(() => drList(doctor, 'notes')).toContain('Seasonal rhinitis; cetirizine 10 mg for 14 days.')
    expect(await doctor.getByLabel('Write a visit note').inputValue()).toBe('')
    await doctor.getByLabel('On supplemental oxygen').check()
    await doctor.getByRole('button', { name: 'Record for NEWS2' }).click()
    await expect.poll(() => doctor.getByTestId('dr-news2').locator('.error').count()).toBe(1)
    await expectNoAxeViolations(doctor, 'doctor: the NEWS2 form, a value missing (phone)', { within: ['phr-app', 'phr-doctor-view', 'phr-news2-context-form'] })
    // the same screen on a wide screen, checked whole, then back to the phone
    await doctor.setViewportSize({ width: 1280, height: 800 })
    await expectNoAxeViolations(doctor, 'doctor: a patient’s shared record, a note written (desktop)')
    await doctor.setViewportSize({ width: 390, height: 844 })
    await expect.poll(() => patient.getByTestId('note-text').allTextContents(), { timeout: 60_000 }).toContain('Seasonal rhinitis; cetirizine 10 mg for 14 days.')
    expect(await patient.getByTestId('note-author').first().textContent()).toContain('Dr Nodira Karimova')
    expect(await patient.getByTestId('note-signature').first().textContent()).toContain('Signature valid')
    // the doctor's app recorded that it opened the record; the patient's access history shows it
    await expect.poll(() => patient.locator('[data-testid=history-entry][data-action=record-opened]').count(), { timeout: 30_000 }).toBe(1)
    expect(await patient.locator('[data-testid=history-entry][data-action=record-opened]').textContent()).toContain('Dr Nodira Karimova')
    await screenshot(patient, 'people-notes-1280')

    // the patient revokes: the summary's key is renewed
    expect(await patient.getByTestId('core-epoch').getAttribute('data-epoch')).toBe('0')
    await patient.getByRole('button', { name: 'Revoke Dr Nodira Karimova' }).click()
    await expect.poll(() => patient.getByTestId('person').getAttribute('data-status'), { timeout: 30_000 }).toBe('revoked')
    expect(await patient.getByTestId('core-epoch').getAttribute('data-epoch')).toBe('1')
    await expect.poll(() => patient.locator('[data-testid=history-entry][data-action=rotate]').count()).toBeGreaterThan(0)
    expect(await patient.locator('[data-testid=history-entry][data-action=grant]').count()).toBe(1)
    expect(await patient.locator('[data-testid=history-entry][data-action=revoke]').count()).toBe(1)
    expect(await patient.getByTestId('history-problems').count()).toBe(0)
    await screenshot(patient, 'people-revoked-1280')

    // a new allergy after the revocation: it never reaches the doctor's device
    await openPatientScreen(patient, 'record')
    await patient.getByLabel('What are you allergic to?').fill('Latex (after revocation)')
    await patient.getByRole('button', { name: 'Add', exact: true }).click()
    await expect.poll(() => listed(patient, 'allergies')).toContain('Latex (after revocation)')
    await expect.poll(() => doctor.getByTestId('dr-patient').getAttribute('data-status'), { timeout: 30_000 }).toBe('revoked')
    await expect.poll(() => doctor.getByTestId('patient-expiry').textContent()).toBe('access ended')
    // give a sync every chance to deliver it
    await new Promise((r) => setTimeout(r, 5_000))
    expect(await drList(doctor, 'allergies')).not.toContain('Latex (after revocation)')
    const core1 = await held(doctor, 'core')
    expect(core1?.stored.every((e) => e === 0)).toBe(true)
    // and no key of the new epoch is held, so none of it could be opened if it arrived
    expect(core1?.keys).toEqual([0])
    await screenshot(doctor, 'doctor-revoked-390')

    // layouts: the patient's new screens at 390, the doctor's at 1280
    await patient.setViewportSize({ width: 390, height: 844 })
    expect(await patient.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await openPatientScreen(patient, 'sharing')
    await screenshot(patient, 'people-history-390')
    await doctor.setViewportSize({ width: 1280, height: 800 })
    await screenshot(doctor, 'doctor-patient-1280')
    await expectNoAxeViolations(doctor, 'doctor: a patient whose access ended (desktop)')

    expect(errors.flat()).toEqual([])
    await patientContext.close()
    await doctorContext.close()
  }, 420_000)
})

describe('a verified doctor, declined; a code used twice', () => {
  it('shows the demo authority’s verdict, licence and specialty, and refuses a used code', async () => {
    // a server of its own, with the DEMO licensing authority switched on
    const server = demoServer as StartedServer
    const patientContext = await newContext(browser, 390)
    const doctorContext = await newContext(browser, 1280)
    try {
      const patient = await patientContext.newPage()
      const doctor = await doctorContext.newPage()
      const errors = [patient, doctor].map((p) => watchPageErrors(p))
      await patient.goto(`${server.baseUrl}/patient`)
      await patient.getByRole('button', { name: 'Try with a demo patient' }).click()
      await expect.poll(() => patient.getByRole('heading', { name: 'Allergies' }).count(), { timeout: 90_000 }).toBe(1)
      await expect.poll(() => patient.getByTestId('sync-relay').getAttribute('data-state'), { timeout: 30_000 }).toBe('connected')

      await doctor.goto(`${server.baseUrl}/doctor`)
      await doctor.getByLabel('Your name as patients should see it').fill('Dr Aziz Rakhimov')
      await doctor.getByLabel('Passphrase for this device').fill('doctor passphrase')
      await doctor.getByLabel('The passphrase again').fill('doctor passphrase')
      await doctor.getByRole('button', { name: 'Create my practitioner profile' }).click()
      await expect.poll(() => doctor.getByTestId('dr-did').count(), { timeout: 30_000 }).toBe(1)
      const did = (await doctor.getByTestId('dr-did').textContent()) ?? ''
      // the demo authority signs a licence for that key; the doctor pastes it
      const res = await fetch(`${server.baseUrl}/demo-authority/credential`, { method: 'POST', body: JSON.stringify({ did, name: 'Dr Aziz Rakhimov', licence: 'UZ-MED-0042', specialty: 'Cardiology' }) })
      expect(res.status).toBe(200)
      await doctor.getByLabel('Paste the licence text from your licensing authority').fill(await res.text())
      await doctor.getByRole('button', { name: 'Import the licence' }).click()
      await expect.poll(() => doctor.getByText('Licence UZ-MED-0042, Cardiology').count()).toBe(1)
      await screenshot(doctor, 'doctor-licence-1280')

      // the patient picks the sensitive part too, and sees who asks: verified, licence, specialty
      await openPatientScreen(patient, 'sharing')
      await patient.getByRole('button', { name: 'Share for a visit' }).click()
      await patient.getByLabel('Sensitive: mental, sexual and reproductive health').check()
      await screenshot(patient, 'share-choose-390')
      await patient.getByRole('button', { name: 'Show the code' }).click()
      await expect.poll(() => patient.getByTestId('invite-payload').inputValue(), { timeout: 30_000 }).toMatch(/^phr-invite:/)
      const invite = await patient.getByTestId('invite-payload').inputValue()
      await doctor.getByLabel('Visit code from the patient').fill(invite)
      await doctor.getByRole('button', { name: 'Ask the patient' }).click()
      await expect.poll(() => patient.getByTestId('visit-request').count(), { timeout: 60_000 }).toBe(1)
      expect(await patient.getByTestId('request-verdict').textContent()).toBe('Verified by DEMO licensing authority (not real)')
      expect(await patient.getByTestId('visit-request').textContent()).toContain('Licence: UZ-MED-0042')
      expect(await patient.getByTestId('visit-request').textContent()).toContain('Specialty: Cardiology')
      expect(await patient.getByTestId('request-name').textContent()).toBe('Dr Aziz Rakhimov')
      expect(await patient.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
      await screenshot(patient, 'share-request-verified-390')

      // declined: the doctor is told, and nothing was shared
      await patient.getByRole('button', { name: 'Decline' }).click()
      await expect.poll(() => doctor.getByTestId('invite-error').textContent(), { timeout: 30_000 }).toBe('The patient declined.')
      expect(await doctor.getByTestId('dr-patient').count()).toBe(0)
      expect(await patient.getByTestId('person').count()).toBe(0)

      // the same code again: it worked once, and is refused now
      await doctor.getByLabel('Visit code from the patient').fill(invite)
      await doctor.getByRole('button', { name: 'Ask the patient' }).click()
      await expect.poll(() => doctor.getByTestId('invite-error').textContent(), { timeout: 60_000 }).toBe('The code was already used or has expired. Ask the patient for a new one.')
      expect(await patient.getByTestId('visit-request').count()).toBe(0)
      await screenshot(doctor, 'doctor-code-used-1280')
      // a verified licence, and a refused code: the doctor's screen is accessible (axe, WCAG 2.1 AA)
      await expectNoAxeViolations(doctor, 'doctor: licence imported, a code refused (desktop)')

      expect(errors.flat()).toEqual([])
    } finally {
      await patientContext.close()
      await doctorContext.close()
    }
  }, 300_000)
})
