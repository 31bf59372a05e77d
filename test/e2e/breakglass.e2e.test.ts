/**
 * Break-glass, as two real Chromium contexts against a real `npm start` (its relay, the
 * DEMO licensing authority switched on): the patient switches emergency access on and
 * makes the emergency QR; a clinician with a licence pastes its link into "Emergency
 * access" and reads the summary — allergies — while the patient clicks nothing; the
 * clinician holds no other part of the record; the patient sees the banner and the
 * emergency override in the access history, ends it, the summary's key is renewed, and
 * the clinician's access ends.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, newContext, watchPageErrors } from '../helpers/browser.ts'
import { screenshot } from '../helpers/screenshots.ts'
import { startServer, type StartedServer } from '../helpers/server.ts'
import { openPatientScreen } from '../helpers/patient-screens.ts'

let browser: Browser
let server: StartedServer

beforeAll(async () => {
  ;[browser, server] = await Promise.all([launchChromium({ webrtc: true }), startServer({ PHR_DEMO_AUTHORITY: '1' })])
}, 180_000)
afterAll(async () => {
  await browser.close()
  await server.stop('SIGINT')
})

const listed = (page: Page, section: string) => page.locator(`phr-record-summary section[aria-labelledby=${section}] li`).allTextContents()
const drList = (page: Page, id: string) => page.getByTestId(`dr-${id}`).locator('li').allTextContents()

describe('break-glass: emergency access when the patient cannot approve', () => {
  it('opens the summary to a licensed clinician without the patient, shows it, and ends on revocation', async () => {
    const started = Date.now()
    const patientContext = await newContext(browser, 1280)
    const doctorContext = await newContext(browser, 390)
    try {
      const patient = await patientContext.newPage()
      const doctor = await doctorContext.newPage()
      const errors = [patient, doctor].map((p) => watchPageErrors(p))

      // the patient (a record of their own, made here) and the clinician (a profile with a DEMO licence) get ready side by side
      const patientReady = (async () => {
        await patient.goto(`${server.baseUrl}/patient`)
        await patient.getByRole('button', { name: 'Create my record' }).click()
        await patient.getByLabel('Your name').fill('Dilnoza Karimova')
        await patient.getByLabel('Date of birth').fill('1986-04-12')
        await patient.getByLabel('Passphrase', { exact: true }).fill('tashkent spring 2026')
        await patient.getByLabel('Passphrase again').fill('tashkent spring 2026')
        await patient.getByRole('button', { name: 'Create my record' }).click()
        await expect.poll(() => patient.getByTestId('recovery-phrase').locator('li').count(), { timeout: 30_000 }).toBe(24)
        const words = (await patient.getByTestId('recovery-phrase').locator('li').allTextContents()).map((w) => w.trim())
        await patient.getByRole('button', { name: 'I have written them down' }).click()
        const asked = await patient.getByLabel(/^Word \d+$/).evaluateAll((els) => els.map((e) => Number((e.id ?? '').slice(1))))
        for (const i of asked) await patient.locator(`#w${i}`).fill(words[i] ?? '')
        await patient.getByRole('button', { name: 'Continue' }).click()
        await expect.poll(() => patient.getByRole('heading', { level: 1 }).textContent(), { timeout: 30_000 }).toContain('Dilnoza Karimova')
        await expect.poll(() => patient.getByTestId('sync-relay').getAttribute('data-state'), { timeout: 30_000 }).toBe('connected')
      })()
      await doctor.goto(`${server.baseUrl}/doctor`)
      await doctor.getByLabel('Your name as patients should see it').fill('Dr Bobur Aliyev')
      await doctor.getByLabel('Passphrase for this device').fill('doctor passphrase')
      await doctor.getByLabel('The passphrase again').fill('doctor passphrase')
      await doctor.getByRole('button', { name: 'Create my practitioner profile' }).click()
      await expect.poll(() => doctor.getByTestId('dr-did').count(), { timeout: 30_000 }).toBe(1)
      const did = (await doctor.getByTestId('dr-did').textContent()) ?? ''
      const res = await fetch(`${server.baseUrl}/demo-authority/credential`, { method: 'POST', body: JSON.stringify({ did, name: 'Dr Bobur Aliyev', licence: 'UZ-EM-0077', specialty: 'Emergency medicine' }) })
      expect(res.status).toBe(200)
      await doctor.getByLabel('Paste the licence text from your licensing authority').fill(await res.text())
      await doctor.getByRole('button', { name: 'Import the licence' }).click()
      await expect.poll(() => doctor.getByText('Licence UZ-EM-0077, Emergency medicine').count()).toBe(1)
      await patientReady
      const lap = (what: string): void => console.log(`break-glass e2e: ${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`)
      lap('both ready')
      // an allergy the clinician must see
      await openPatientScreen(patient, 'record')
      await patient.getByLabel('What are you allergic to?').fill('Penicillin (anaphylaxis)')
      await patient.getByRole('button', { name: 'Add', exact: true }).click()
      await expect.poll(() => listed(patient, 'allergies')).toContain('Penicillin (anaphylaxis)')
      const allergies = await listed(patient, 'allergies')

      // the patient opts in (2 hours, the default) and makes the emergency QR: it carries emergency access
      expect(await patient.getByTestId('break-glass-settings').getAttribute('data-enabled')).toBe('no')
      await openPatientScreen(patient, 'sharing')
      await patient.getByLabel('How long an emergency clinician may read').selectOption('2')
      await patient.getByRole('button', { name: 'Switch emergency access on' }).click()
      await expect.poll(() => patient.getByTestId('break-glass-settings').getAttribute('data-enabled')).toBe('yes')
      await patient.getByRole('button', { name: 'Make my emergency QR code' }).click()
      await expect.poll(() => patient.getByTestId('emergency-link').inputValue(), { timeout: 30_000 }).toMatch(/\/emergency#e1\..+~phr-btg:/)
      const link = await patient.getByTestId('emergency-link').inputValue()
      expect(await patient.getByTestId('emergency-qr-access').count()).toBe(1)
      await screenshot(patient, 'break-glass-opt-in-1280')
      lap('QR made')

      // the card still opens offline from that link, capability and all
      const card = await doctorContext.newPage()
      await card.goto(link)
      await expect.poll(() => card.getByTestId('emergency-allergies').locator('li').allTextContents()).toEqual(expect.arrayContaining(allergies))
      await card.close()

      // the clinician uses the link; the patient clicks nothing (the emergency: they could not)
      await doctor.getByLabel('Emergency QR code link').fill(link)
      await doctor.getByRole('button', { name: 'Open in an emergency' }).click()
      await expect.poll(() => doctor.getByTestId('dr-patient').count(), { timeout: 30_000 }).toBe(1)
      expect(await doctor.getByTestId('dr-emergency').count()).toBe(1)
      await expect.poll(() => drList(doctor, 'allergies'), { timeout: 45_000 }).toEqual(expect.arrayContaining(allergies))
      // nothing but the summary is held, and there is no note form (read only)
      const kinds = await doctor.locator('[data-testid=dr-compartment]').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))
      expect(kinds).toEqual(['core'])
      expect(await doctor.getByLabel('Write a visit note').count()).toBe(0)
      expect(await patient.getByTestId('visit-request').count()).toBe(0)
      await screenshot(doctor, 'break-glass-clinician-390')
      lap('clinician reads')

      // the patient sees the banner, the emergency entry among the people, and the override in the history
      await expect.poll(() => patient.getByTestId('break-glass-banner').count(), { timeout: 15_000 }).toBe(1)
      expect(await patient.getByTestId('break-glass-banner').locator('h2').textContent()).toMatch(/^Emergency access by Dr Bobur Aliyev until /)
      expect(await patient.getByTestId('break-glass-banner').textContent()).toContain('Verified by DEMO licensing authority (not real)')
      expect(await patient.getByTestId('person').getAttribute('data-emergency')).toBe('yes')
      await expect.poll(() => patient.locator('[data-testid=history-entry][data-action=emergency-access]').count()).toBe(1)
      expect(await patient.locator('[data-testid=history-entry][data-action=emergency-access]').textContent()).toContain('Emergency override: Dr Bobur Aliyev opened your summary without asking you')
      expect(await patient.locator('[data-testid=history-entry][data-action=grant]').count()).toBe(0)
      await openPatientScreen(patient, 'home')
      await screenshot(patient, 'break-glass-banner-1280')
      lap('patient sees')

      // the patient ends it: the summary's key is renewed, and the clinician's access ends
      expect(await patient.getByTestId('core-epoch').getAttribute('data-epoch')).toBe('0')
      await patient.getByRole('button', { name: 'End emergency access now' }).click()
      await expect.poll(() => patient.getByTestId('break-glass-banner').count(), { timeout: 15_000 }).toBe(0)
      await expect.poll(() => patient.getByTestId('person').getAttribute('data-status')).toBe('revoked')
      expect(await patient.getByTestId('core-epoch').getAttribute('data-epoch')).toBe('1')
      await expect.poll(() => patient.locator('[data-testid=history-entry][data-action=revoke]').count()).toBe(1)
      expect(await patient.getByTestId('history-problems').count()).toBe(0)
      await expect.poll(() => doctor.getByTestId('dr-patient').getAttribute('data-status'), { timeout: 30_000 }).toBe('revoked')
      // and it holds no key of the new epoch
      expect(await doctor.locator('[data-testid=dr-compartment][data-kind=core]').getAttribute('data-key-epochs')).toBe('0')
      await screenshot(doctor, 'break-glass-ended-390')

      expect(errors.flat()).toEqual([])
      console.log(`break-glass e2e: ${((Date.now() - started) / 1000).toFixed(1)} s`)
    } finally {
      await patientContext.close()
      await doctorContext.close()
    }
  }, 120_000)
})
