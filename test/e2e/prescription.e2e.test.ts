/**
 * E-prescriptions in a real Chromium against the real `npm start` (with the DEMO licensing
 * authority on its trust list). The pharmacy page: a prescription signed in Node by a
 * doctor whose licence that authority issued is pasted and shows as valid, with what it
 * says; one changed character shows as changed; one without a licence as an unverified
 * prescriber; in Russian too; and, after one visit, the same check works with no network.
 * The whole way: a licensed doctor, let in for a visit, prescribes; the patient's device
 * receives it, shows it with its QR code; the pharmacy accepts the text.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, newContext, watchPageErrors } from '../helpers/browser.ts'
import { screenshotOf, screenshot } from '../helpers/screenshots.ts'
import { startServer, type StartedServer } from '../helpers/server.ts'
import { createPerson } from '../../src/crypto/index.ts'
import { jwsFromPrescriptionText, prescriptionQrText, signPrescription, type PrescriptionDraft } from '../../src/consult/index.ts'
import { openPatientScreen } from '../helpers/patient-screens.ts'

let browser: Browser
let server: StartedServer

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer({ PHR_DEMO_AUTHORITY: '1' }), launchChromium({ webrtc: true })])
}, 180_000)
afterAll(async () => {
  await browser.close()
  await server.stop('SIGINT')
})

const DAY = 86_400_000
const draft = (now: number): PrescriptionDraft => ({
  medication: { rxnorm: { code: '308182', display: 'amoxicillin 500 MG Oral Capsule' } },
  dosage: '1 capsule three times a day for 7 days',
  quantity: { value: 21, unit: 'capsule' },
  repeats: 0,
  validFrom: now - DAY,
  validUntil: now + 30 * DAY,
  patient: { name: 'Dilnoza Yusupova', birthDate: '1984-03-12' }
})

async function check(page: Page, text: string): Promise<string> {
  await page.getByLabel('Or paste the prescription text').fill(text)
  await page.getByRole('button', { name: 'Check the prescription' }).click()
  await expect.poll(() => page.getByTestId('rx-result').count()).toBe(1)
  return (await page.getByTestId('rx-result').getAttribute('data-status')) ?? ''
}

/** Waits until the service worker controls the page (it precached the shell by then). */
async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready
    if (navigator.serviceWorker.controller === null) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }))
    }
  })
}

describe('the pharmacy page', () => {
  it('verifies a pasted prescription offline, in plain words', async () => {
    const doctor = createPerson().keys
    const res = await fetch(`${server.baseUrl}/demo-authority/credential`, { method: 'POST', body: JSON.stringify({ did: doctor.did, name: 'Dr Aziz Rakhimov', licence: 'UZ-MED-0042', specialty: 'Cardiology' }) })
    expect(res.status).toBe(200)
    const credential = Uint8Array.from(Buffer.from(await res.text(), 'base64'))
    const now = Date.now()
    const licensed = await signPrescription(draft(now), { secretKey: doctor.signing.secretKey, credential })
    const unlicensed = await signPrescription(draft(now), { secretKey: doctor.signing.secretKey })
    // one character of the signature changed to another base64url character (not its last,
    // whose spare bits would make it non-canonical): always a changed prescription, never an unreadable one
    const [head, body, sig] = jwsFromPrescriptionText(licensed.qrText).split('.') as [string, string, string]
    const changed = prescriptionQrText(`${head}.${body}.${sig.slice(0, 20)}${sig[20] === 'A' ? 'B' : 'A'}${sig.slice(21)}`)

    const context = await newContext(browser, 390)
    const page = await context.newPage()
    const errors = watchPageErrors(page)
    await page.goto(`${server.baseUrl}/verify`)
    await waitForServiceWorker(page)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Verify a prescription')

    expect(await check(page, licensed.qrText)).toBe('valid')
    expect(await page.getByTestId('rx-verdict').textContent()).toBe('Valid prescription')
    // the answer takes focus, for keyboard and screen-reader users
    expect(await page.evaluate(() => document.querySelector('phr-app')?.shadowRoot?.querySelector('phr-verify-view')?.shadowRoot?.activeElement?.id)).toBe('verdict-h')
    expect(await page.getByTestId('rx-explanation').textContent()).toContain('DEMO licensing authority (not real)')
    expect(await page.getByTestId('rx-drug').textContent()).toContain('amoxicillin 500 MG Oral Capsule')
    expect(await page.getByTestId('rx-dose').textContent()).toBe('1 capsule three times a day for 7 days')
    expect(await page.getByTestId('rx-patient').textContent()).toContain('Dilnoza Yusupova')
    expect(await page.getByTestId('rx-prescriber').textContent()).toBe('Dr Aziz Rakhimov')
    expect(await page.getByTestId('rx-licence').textContent()).toBe('UZ-MED-0042, Cardiology')
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await screenshot(page, 'pharmacy-valid-390')

    expect(await check(page, changed)).toBe('tampered')
    expect(await page.getByTestId('rx-verdict').textContent()).toBe('Do not dispense: this prescription was changed')
    await screenshot(page, 'pharmacy-tampered-390')
    expect(await check(page, unlicensed.jws)).toBe('unverified-prescriber')
    expect(await page.getByTestId('rx-explanation').textContent()).toBe('No licence came with it.')
    expect(await check(page, 'Amoxicillin 500 mg, 21 capsules')).toBe('malformed')

    // in Russian
    await page.getByTestId('language').selectOption('ru')
    await expect.poll(() => page.getByTestId('rx-verdict').textContent()).toBe('Это не рецепт, который может прочитать это приложение')

    // no network: the page, the app's trust list and the check all come from this device
    await context.setOffline(true)
    await page.reload()
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Проверка рецепта')
    await page.getByLabel('Или вставьте текст рецепта').fill(licensed.qrText)
    await page.getByRole('button', { name: 'Проверить рецепт' }).click()
    await expect.poll(() => page.getByTestId('rx-result').getAttribute('data-status')).toBe('valid')
    expect(await page.getByTestId('rx-verdict').textContent()).toBe('Рецепт действителен')
    await screenshot(page, 'pharmacy-offline-ru-390')
    await context.setOffline(false)

    expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::/.test(e))).toEqual([])
    await context.close()
  }, 240_000)
})

describe('doctor, patient, pharmacy', () => {
  it('a licensed doctor prescribes during a visit; the patient shows it; the pharmacy accepts it', async () => {
    const patientContext = await newContext(browser, 390)
    const doctorContext = await newContext(browser, 1280)
    const pharmacyContext = await newContext(browser, 1280)
    try {
      const patient = await patientContext.newPage()
      const doctor = await doctorContext.newPage()
      const pharmacy = await pharmacyContext.newPage()
      const errors = [patient, doctor, pharmacy].map((p) => watchPageErrors(p))
      await patient.goto(`${server.baseUrl}/patient`)
      await patient.getByRole('button', { name: 'Try with a demo patient' }).click()
      await expect.poll(() => patient.getByRole('heading', { name: 'Allergies' }).count(), { timeout: 90_000 }).toBe(1)
      await expect.poll(() => patient.getByTestId('sync-relay').getAttribute('data-state'), { timeout: 30_000 }).toBe('connected')
      const patientName = (await patient.getByRole('heading', { level: 1 }).textContent())?.replace('Demo', '').trim() ?? ''
      // an allergy the prescribing check must find
      await openPatientScreen(patient, 'record')
      await patient.getByLabel('What are you allergic to?').fill('Penicillin')
      await patient.getByRole('button', { name: 'Add', exact: true }).click()

      // a doctor with a licence from the demo authority
      await doctor.goto(`${server.baseUrl}/doctor`)
      await doctor.getByLabel('Your name as patients should see it').fill('Dr Aziz Rakhimov')
      await doctor.getByLabel('Passphrase for this device').fill('doctor passphrase')
      await doctor.getByLabel('The passphrase again').fill('doctor passphrase')
      await doctor.getByRole('button', { name: 'Create my practitioner profile' }).click()
      await expect.poll(() => doctor.getByTestId('dr-did').count(), { timeout: 30_000 }).toBe(1)
      const did = (await doctor.getByTestId('dr-did').textContent()) ?? ''
      const res = await fetch(`${server.baseUrl}/demo-authority/credential`, { method: 'POST', body: JSON.stringify({ did, name: 'Dr Aziz Rakhimov', licence: 'UZ-MED-0042', specialty: 'Cardiology' }) })
      await doctor.getByLabel('Paste the licence text from your licensing authority').fill(await res.text())
      await doctor.getByRole('button', { name: 'Import the licence' }).click()
      await expect.poll(() => doctor.getByText('Licence UZ-MED-0042, Cardiology').count()).toBe(1)

      // the visit
      await openPatientScreen(patient, 'sharing')
      await patient.getByRole('button', { name: 'Share for a visit' }).click()
      await patient.getByLabel('Vital signs and measurements (heart rate, blood pressure, glucose…)').check()
      await patient.getByRole('button', { name: 'Show the code' }).click()
      await expect.poll(() => patient.getByTestId('invite-payload').inputValue(), { timeout: 30_000 }).toMatch(/^phr-invite:/)
      await doctor.getByLabel('Visit code from the patient').fill(await patient.getByTestId('invite-payload').inputValue())
      await doctor.getByRole('button', { name: 'Ask the patient' }).click()
      await expect.poll(() => patient.getByTestId('visit-request').count(), { timeout: 60_000 }).toBe(1)
      await patient.getByRole('button', { name: 'Approve' }).click()
      await expect.poll(() => doctor.getByTestId('dr-patient').count(), { timeout: 60_000 }).toBe(1)
      // the summary has arrived: the doctor's page names the patient
      await expect.poll(() => doctor.getByTestId('dr-patient').locator('h2').textContent(), { timeout: 90_000 }).toBe(patientName)

      // the shared vital signs give the doctor findings, each with its source
      await expect.poll(() => doctor.getByTestId('dr-patient').getByTestId('insight').count(), { timeout: 90_000 }).toBeGreaterThan(0)
      expect(await doctor.getByTestId('dr-patient').getByTestId('insight-source').first().textContent()).toMatch(/Source:\s+\S/)

      // amoxicillin for a patient with a penicillin allergy: the check warns before anything is signed
      await doctor.getByLabel('Medicine', { exact: true }).fill('amoxicillin 500 MG Oral Capsule')
      await doctor.getByLabel('Dose: how to take it').fill('1 capsule three times a day for 7 days')
      await doctor.getByRole('button', { name: 'Sign the prescription' }).click()
      await expect.poll(() => doctor.getByTestId('rx-warnings').count(), { timeout: 30_000 }).toBe(1)
      const warning = (await doctor.getByTestId('rx-warnings').locator('li').first().textContent()) ?? ''
      expect(warning).toContain('Allergy in the patient’s record:')
      expect(warning).toMatch(/amoxicillin 500 MG Oral Capsule: .*penicillin/i)
      expect(await doctor.getByTestId('rx-warnings').locator('li').first().getAttribute('data-severity')).toBe('high')
      await screenshot(doctor, 'doctor-allergy-warning-1280')
      await doctor.getByRole('button', { name: 'Change the prescription' }).click()

      // the doctor prescribes
      await doctor.getByLabel('Medicine', { exact: true }).fill('Cetirizine 10 mg tablets')
      await doctor.getByLabel('Dose: how to take it').fill('1 tablet at night for 14 days')
      await doctor.getByLabel('Quantity', { exact: true }).fill('14')
      await doctor.getByLabel('Valid for (days)').fill('30')
      await doctor.getByRole('button', { name: 'Sign the prescription' }).click()
      await expect.poll(() => doctor.getByTestId('rx-written').textContent(), { timeout: 30_000 }).toBe('Signed: Cetirizine 10 mg tablets. It is in the patient’s record now.')
      await expect.poll(() => doctor.getByTestId('dr-prescriptions').locator('li').allTextContents()).toEqual([expect.stringContaining('Cetirizine 10 mg tablets: 1 tablet at night for 14 days')])
      await screenshot(doctor, 'doctor-prescribed-1280')

      // the patient's device receives it, and shows its QR code
      await expect.poll(() => patient.getByTestId('rx-card').count(), { timeout: 60_000 }).toBe(1)
      expect(await patient.getByTestId('rx-card').getAttribute('data-status')).toBe('valid')
      expect(await patient.getByTestId('rx-card-drug').textContent()).toBe('Cetirizine 10 mg tablets')
      expect(await patient.getByTestId('rx-card-prescriber').textContent()).toContain('Dr Aziz Rakhimov, verified by DEMO licensing authority (not real)')
      await patient.getByRole('button', { name: 'Show the QR code for the pharmacy' }).click()
      expect(await patient.getByTestId('rx-qr').getAttribute('src')).toMatch(/^data:image\/svg\+xml/)
      const text = await patient.getByTestId('rx-text').inputValue()
      expect(text).toMatch(/^phr-rx:[0-9]+$/)
      expect(await patient.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
      await patient.getByTestId('rx-card').scrollIntoViewIfNeeded()
      await screenshot(patient, 'patient-prescription-390')
      await screenshotOf(patient.getByTestId('prescriptions'), 'patient-prescription-card-390')

      // the pharmacy accepts it, for this patient, from this doctor
      await pharmacy.goto(`${server.baseUrl}/verify`)
      expect(await check(pharmacy, text)).toBe('valid')
      expect(await pharmacy.getByTestId('rx-patient').textContent()).toContain(patientName)
      expect(await pharmacy.getByTestId('rx-prescriber').textContent()).toBe('Dr Aziz Rakhimov')
      expect(await pharmacy.getByTestId('rx-dose').textContent()).toBe('1 tablet at night for 14 days')
      await screenshot(pharmacy, 'pharmacy-from-patient-1280')
      expect(errors.flat()).toEqual([])
    } finally {
      await patientContext.close()
      await doctorContext.close()
      await pharmacyContext.close()
    }
  }, 420_000)
})
