/**
 * Telemonitoring, as two real Chromium contexts (patient, doctor) against the real
 * `npm start` and its relay: the patient shares vital signs for a visit and the doctor is
 * approved; the doctor sets an alert limit (an empty limit is refused, naming the field);
 * the patient pairs an emulated heart-rate strap through the chooser on the devices screen
 * and it streams; the doctor's screen shows the value within seconds; a garbage value is
 * named in plain words on the patient's screen; a reading past the limit raises the
 * doctor's alert (live region and feed), which reaches the patient's screen as a
 * DetectedIssue synced back through the visit compartment; the doctor marks it as seen.
 * Then the strap sends the RR intervals of an irregular rhythm: the patient's insights card
 * shows the AF screen's finding with the windows that triggered, and the doctor's device,
 * screening its replica, raises one alert for it in the same feed, which reaches the patient.
 *
 * The strap is played by Chromium's BluetoothEmulation (test/helpers/bluetooth-emulation.ts);
 * a notification is delivered by reading, in the page, the characteristic the app
 * subscribed to (`getDevices()` gives back the same device object, so the same
 * characteristic object and listener).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { browserCdp, launchChromium, newContext, pageCdp, watchPageErrors } from '../helpers/browser.ts'
import { Peripherals } from '../helpers/bluetooth-emulation.ts'
import { screenshot } from '../helpers/screenshots.ts'
import { openPatientScreen } from '../helpers/patient-screens.ts'

const baseUrl = inject('baseUrl')
const STRAP = { address: '09:09:09:09:09:11', name: 'PHR HR Strap' }
let browser: Browser
let emulation: Peripherals

beforeAll(async () => {
  // WebBluetoothNewPermissionsBackend gives navigator.bluetooth.getDevices(); the last --enable-features wins
  browser = await launchChromium({ webrtc: true, bluetooth: true, args: ['--enable-features=WebBluetooth,WebBluetoothNewPermissionsBackend'] })
  emulation = new Peripherals(await browserCdp(browser))
  await emulation.enable()
  await emulation.add(STRAP.address, STRAP.name, [
    { uuid: 0x180d, characteristics: [{ uuid: 0x2a37, notify: true }] },
    { uuid: 0x180f, characteristics: [{ uuid: 0x2a19, notify: true }] }
  ])
}, 120_000)
afterAll(async () => {
  await browser?.close()
})

/** Delivers `bytes` as a Heart Rate Measurement notification to the app's session on `page`. */
async function strapSends(page: Page, bytes: number[]): Promise<void> {
  emulation.queue(STRAP.address, 0x2a37, bytes)
  const got = await page.evaluate(async () => {
    const bt = (navigator as unknown as { bluetooth: { getDevices(): Promise<Array<{ gatt: { getPrimaryService(s: number): Promise<{ getCharacteristic(c: number): Promise<{ readValue(): Promise<DataView> }> }> } }>> } }).bluetooth
    const [device] = await bt.getDevices()
    if (device === undefined) throw new Error('no remembered device')
    const ch = await (await device.gatt.getPrimaryService(0x180d)).getCharacteristic(0x2a37)
    const v = await ch.readValue()
    return [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)]
  })
  expect(got).toEqual(bytes)
}

const liveHeartRate = (doctor: Page) => doctor.locator('[data-testid=tm-live][data-code="8867-4"] [data-testid=tm-live-value]').textContent()

describe('telemonitoring: a strap on the patient’s side, live values and an alert on the doctor’s', () => {
  it('streams the strap to the doctor’s screen and raises the doctor’s alert past the limit', async () => {
    const patientContext = await newContext(browser, 1280)
    const doctorContext = await newContext(browser, 1280)
    const patient = await patientContext.newPage()
    const doctor = await doctorContext.newPage()
    const errors = [patient, doctor].map((p) => watchPageErrors(p))
    try {
      // the chooser of the patient's page picks the strap
      const chooser = await pageCdp(patient)
      await chooser.send('DeviceAccess.enable')
      const answered = new Set<string>()
      chooser.on('DeviceAccess.deviceRequestPrompted', (e) => {
        const device = e.devices.find((d) => d.id === STRAP.address)
        if (device === undefined || answered.has(e.id)) return
        answered.add(e.id)
        chooser.send('DeviceAccess.selectPrompt', { id: e.id, deviceId: device.id }).catch((err: unknown) => emulation.failures.push(`selectPrompt: ${String(err)}`))
      })

      await patient.goto(`${baseUrl}/patient`)
      await patient.getByRole('button', { name: 'Try with a demo patient' }).click()
      await openPatientScreen(patient, 'vitals', 90_000)
      await expect.poll(() => patient.getByRole('heading', { name: 'Devices', exact: true }).count(), { timeout: 90_000 }).toBe(1)
      await expect.poll(() => patient.getByTestId('sync-relay').getAttribute('data-state'), { timeout: 30_000 }).toBe('connected')

      await doctor.goto(`${baseUrl}/doctor`)
      await doctor.getByLabel('Your name as patients should see it').fill('Dr Nodira Karimova')
      await doctor.getByLabel('Passphrase for this device').fill('doctor passphrase')
      await doctor.getByLabel('The passphrase again').fill('doctor passphrase')
      await doctor.getByRole('button', { name: 'Create my practitioner profile' }).click()
      await expect.poll(() => doctor.getByRole('heading', { level: 1 }).textContent(), { timeout: 30_000 }).toBe('Dr Nodira Karimova')

      // the patient shares vital signs too; the doctor asks; the patient approves
      await openPatientScreen(patient, 'sharing')
      await patient.getByRole('button', { name: 'Share for a visit' }).click()
      await patient.getByLabel('Vital signs and measurements (heart rate, blood pressure, glucose…)').check()
      await patient.getByRole('button', { name: 'Show the code' }).click()
      await expect.poll(() => patient.getByTestId('invite-payload').inputValue(), { timeout: 30_000 }).toMatch(/^phr-invite:/)
      await doctor.getByLabel('Visit code from the patient').fill(await patient.getByTestId('invite-payload').inputValue())
      await doctor.getByRole('button', { name: 'Ask the patient' }).click()
      await expect.poll(() => patient.getByTestId('visit-request').count(), { timeout: 60_000 }).toBe(1)
      await patient.getByRole('button', { name: 'Approve' }).click()
      await expect.poll(() => doctor.getByRole('heading', { name: 'Telemonitoring' }).count(), { timeout: 90_000 }).toBe(1)

      // the doctor sets a limit: an empty one is refused, naming the field; then heart rate > 120
      await doctor.getByRole('button', { name: 'Add a limit' }).click()
      const limit1 = doctor.getByTestId('threshold-row')
      await limit1.getByLabel('Measurement', { exact: true }).selectOption({ label: 'Heart rate' })
      expect(await limit1.getByLabel('Unit', { exact: true }).inputValue()).toBe('/min')
      await doctor.getByRole('button', { name: 'Save the limits' }).click()
      await expect.poll(() => doctor.getByTestId('threshold-error').textContent()).toBe('Limit 1, Limit: type a number.')
      expect(await limit1.getByLabel('Limit', { exact: true }).getAttribute('aria-invalid')).toBe('true')
      await limit1.getByLabel('Limit', { exact: true }).fill('120')
      await doctor.getByRole('button', { name: 'Save the limits' }).click()
      await expect.poll(() => doctor.getByTestId('threshold-saved').count()).toBe(1)
      expect(await doctor.getByTestId('threshold-error').count()).toBe(0)

      // the doctor's device holds the vitals the grant covers (the first sync of a month of demo readings)
      await expect.poll(() => doctor.locator('[data-testid=dr-compartment][data-kind=vitals]').getAttribute('data-count'), { timeout: 120_000 }).not.toBe(null)
      await expect.poll(async () => Number(await doctor.locator('[data-testid=dr-compartment][data-kind=vitals]').getAttribute('data-count')), { timeout: 120_000 }).toBeGreaterThan(0)

      // the patient pairs the strap through the chooser
      emulation.queue(STRAP.address, 0x2a19, [76]) // battery level read at connect
      await openPatientScreen(patient, 'vitals')
      await patient.getByLabel('Kind of device').selectOption('heart-rate')
      await patient.getByRole('button', { name: 'Pair a device' }).click()
      await expect.poll(() => patient.getByTestId('device').getAttribute('data-state'), { timeout: 30_000 }).toBe('connected')
      expect(await patient.getByTestId('device-state').textContent()).toBe('Connected')
      expect(await patient.getByTestId('device-battery').textContent()).toBe('Battery: 76%')

      // it streams: the patient sees the value, the doctor sees it within seconds
      await strapSends(patient, [0x00, 72])
      await expect.poll(() => patient.getByTestId('device-values').textContent()).toContain('Heart rate: 72 beats/min')
      const sent = Date.now()
      await expect.poll(() => liveHeartRate(doctor), { timeout: 30_000, interval: 100 }).toBe('72')
      console.log(`telemonitor: the doctor's screen showed 72 bpm ${Date.now() - sent} ms after the strap sent it`)
      await strapSends(patient, [0x00, 88])
      await expect.poll(() => liveHeartRate(doctor), { timeout: 20_000, interval: 100 }).toBe('88')
      expect(await doctor.getByTestId('tm-alerts').count()).toBe(0)
      await expect.poll(() => doctor.getByTestId('trend-summary').textContent()).toContain('Heart rate:')

      // a garbage value: named in plain words, and the stream goes on
      await strapSends(patient, [0x01, 0x48])
      await expect.poll(() => patient.getByTestId('device-problem').textContent()).toBe('The device sent a value that could not be read. It was ignored; nothing wrong was stored.')

      // past the limit: the doctor's alert, read out by the live region and listed
      await strapSends(patient, [0x00, 135])
      await expect.poll(() => doctor.getByTestId('tm-alert-live').textContent(), { timeout: 20_000 }).toBe('New alert: Heart rate 135 beats/min: above 120 beats/min')
      expect(await doctor.getByTestId('tm-alert').count()).toBe(1)
      expect(await doctor.getByTestId('tm-alert').textContent()).toContain('Ongoing')
      expect(await liveHeartRate(doctor)).toBe('135')
      expect(await patient.getByTestId('device-problem').count()).toBe(0)
      await screenshot(doctor, 'telemonitor-alert-1280')

      // the alert is a DetectedIssue in the visit compartment: it syncs to the patient's device
      await expect.poll(() => patient.getByTestId('patient-alert').count(), { timeout: 30_000 }).toBe(1)
      const onPatient = await patient.getByTestId('patient-alert').textContent()
      expect(onPatient).toContain('Heart rate 135 beats/min: above 120 beats/min')
      expect(onPatient).toContain('limit set by Dr Nodira Karimova')
      await screenshot(patient, 'devices-alert-1280')
      // the patient's home screen shows it as open, with the way to the Vitals screen
      await openPatientScreen(patient, 'home')
      await expect.poll(() => patient.getByTestId('home-alert').allTextContents()).toEqual([expect.stringContaining('Heart rate 135 beats/min: above 120 beats/min')])

      // the doctor marks it as seen; the patient sees that too, and it leaves the home screen
      await doctor.getByRole('button', { name: 'Mark as seen: Heart rate 135 beats/min: above 120 beats/min' }).click()
      await expect.poll(() => doctor.getByTestId('tm-alert').getAttribute('data-acknowledged')).toBe('yes')
      await expect.poll(() => patient.getByTestId('home-alerts').count(), { timeout: 30_000 }).toBe(0)
      await openPatientScreen(patient, 'vitals')
      await expect.poll(() => patient.getByTestId('patient-alert').textContent(), { timeout: 30_000 }).toContain('Seen by the doctor')

      // the strap sends RR intervals of an irregular rhythm (independent, 380–1050 ms: AF-like by
      // Dash 2009): 32 notifications of 9 intervals (HRS 1.0: flags 0x10, 1/1024 s each), four a
      // second (a strap sends one a second, and 9 intervals are more time than that anyway: the
      // app keeps the beats in order, squeezed, and the screen judges intervals, not the clock);
      // the app stores them as the strap's RR series (MDC 147240)
      let seed = 7
      const next = (): number => 380 + 670 * ((seed = (seed * 16807) % 2147483647) / 2147483647)
      for (let k = 0; k < 32; k++) {
        const rr = Array.from({ length: 9 }, () => Math.round(next() * 1.024))
        await strapSends(patient, [0x10, 90, ...rr.flatMap((x) => [x & 0xff, x >> 8])])
        await new Promise((r) => setTimeout(r, 250))
      }
      const beatsSent = Date.now()
      // the patient's insights card, worked out in the worker from the stored intervals: 288 beats, 2 windows
      await openPatientScreen(patient, 'home')
      const af = patient.locator('[data-testid=insight][data-rule=af-screen]')
      await expect.poll(() => af.count(), { timeout: 30_000 }).toBe(1)
      console.log(`telemonitor: the patient's insights showed the AF finding ${Date.now() - beatsSent} ms after the last beat was sent`)
      expect(await af.getByRole('heading').textContent()).toBe('An irregular heart rhythm was detected')
      expect(await af.textContent()).toContain('This is not a diagnosis.')
      expect(await af.getByTestId('af-windows').locator('li').count()).toBe(2)
      await screenshot(patient, 'insights-af-1280')
      // the doctor's device screens its replica too, and the finding raises an alert in the same feed
      await expect.poll(() => doctor.locator('[data-testid=insight][data-rule=af-screen]').count(), { timeout: 90_000 }).toBe(1)
      console.log(`telemonitor: the doctor's insights showed the AF finding ${Date.now() - beatsSent} ms after the last beat was sent`)
      await expect.poll(() => doctor.locator('[data-testid=tm-alert][data-kind=af-screen]').count(), { timeout: 30_000 }).toBe(1)
      console.log(`telemonitor: the doctor's feed showed the AF alert ${Date.now() - beatsSent} ms after the last beat was sent`)
      expect(await doctor.getByTestId('tm-alert-live').textContent()).toBe('New alert: An irregular heart rhythm was detected (not a diagnosis)')
      expect(await doctor.locator('[data-testid=tm-alert][data-kind=af-screen]').textContent()).toContain('rule: Dash et al., Ann Biomed Eng 2009')
      expect(await doctor.getByTestId('tm-alert').count()).toBe(2)
      expect(await doctor.locator('[data-testid=insight][data-rule=af-screen]').count()).toBe(1)
      await screenshot(doctor, 'telemonitor-af-alert-1280')
      // the alert reaches the patient's alerts, once
      await expect.poll(() => patient.getByTestId('patient-alert').count(), { timeout: 30_000 }).toBe(2)
      expect(await patient.getByTestId('patient-alert').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('An irregular heart rhythm was detected (not a diagnosis)')]))
      // more beats recompute the findings on both sides; the episode goes on: no second alert
      for (let k = 0; k < 4; k++) {
        const rr = Array.from({ length: 9 }, () => Math.round(next() * 1.024))
        await strapSends(patient, [0x10, 90, ...rr.flatMap((x) => [x & 0xff, x >> 8])])
        await new Promise((r) => setTimeout(r, 250))
      }
      await new Promise((r) => setTimeout(r, 3000))
      expect(await doctor.getByTestId('tm-alert').count()).toBe(2)
      expect(await patient.getByTestId('patient-alert').count()).toBe(2)

      expect(emulation.failures).toEqual([])
      expect(errors.flat()).toEqual([])
    } finally {
      await patientContext.close()
      await doctorContext.close()
    }
  }, 420_000)
})
