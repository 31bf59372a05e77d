/**
 * A video consultation, as two real Chromium contexts with fake cameras and microphones
 * (doctor, patient) against the real `npm start`, through its relay: after the visit
 * invite, the doctor rings from the patient's card; the patient answers from the people
 * screen; both decode the other's video (framesDecoded > 0 from getStats); chat goes both
 * ways; the patient's mute turns the doctor's remote audio track muted and back; both agree
 * to keep the chat; the doctor ends the visit and the Encounter (with its reason) arrives in
 * the patient's record. After the patient revokes access, a call is refused and never rings.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, newContext, watchPageErrors } from '../helpers/browser.ts'
import { screenshot } from '../helpers/screenshots.ts'
import { openPatientScreen } from '../helpers/patient-screens.ts'

const baseUrl = inject('baseUrl')
let browser: Browser

beforeAll(async () => {
  browser = await launchChromium({ webrtc: true })
})
afterAll(async () => {
  await browser.close()
})

/** Test-only: remember every RTCPeerConnection the page makes, to read its stats. */
function recordPeerConnections(): void {
  const Original = window.RTCPeerConnection
  const made: RTCPeerConnection[] = []
  ;(window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = made
  window.RTCPeerConnection = class extends Original {
    constructor(config?: RTCConfiguration) {
      super(config)
      made.push(this)
    }
  }
}

/** Video frames decoded, over the page's peer connections (libp2p's own carry no video). */
async function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let frames = 0
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue
      ;(await pc.getStats()).forEach((s: { type?: string; kind?: string; framesDecoded?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0
      })
    }
    return frames
  })
}

const phase = (page: Page): Promise<string | null> =>
  page
    .getByTestId('call-view')
    .first()
    .getAttribute('data-phase', { timeout: 1_000 })
    .catch(() => null)

describe('a video consultation', () => {
  it('rings, connects video both ways, chats, mutes, ends as an Encounter in the patient’s record, and is refused after revocation', async () => {
    const patientContext = await newContext(browser, 1280)
    const doctorContext = await newContext(browser, 1280)
    await patientContext.addInitScript(recordPeerConnections)
    await doctorContext.addInitScript(recordPeerConnections)
    const patient = await patientContext.newPage()
    const doctor = await doctorContext.newPage()
    const errors = [patient, doctor].map((p) => watchPageErrors(p))
    const logs: string[] = []
    patient.on('console', (m) => logs.push(`patient ${m.type()}: ${m.text()}`))
    doctor.on('console', (m) => logs.push(`doctor ${m.type()}: ${m.text()}`))
    try {
      // the visit invite, as in visit.e2e.test.ts
      await patient.goto(`${baseUrl}/patient`)
      await patient.getByRole('button', { name: 'Try with a demo patient' }).click()
      await expect.poll(() => patient.getByRole('heading', { name: 'Allergies' }).count(), { timeout: 90_000 }).toBe(1)
      await expect.poll(() => patient.getByTestId('sync-relay').getAttribute('data-state'), { timeout: 30_000 }).toBe('connected')
      await doctor.goto(`${baseUrl}/doctor`)
      await doctor.getByLabel('Your name as patients should see it').fill('Dr Nodira Karimova')
      await doctor.getByLabel('Passphrase for this device').fill('doctor passphrase')
      await doctor.getByLabel('The passphrase again').fill('doctor passphrase')
      await doctor.getByRole('button', { name: 'Create my practitioner profile' }).click()
      await expect.poll(() => doctor.getByRole('heading', { level: 1 }).textContent(), { timeout: 30_000 }).toBe('Dr Nodira Karimova')
      await openPatientScreen(patient, 'sharing')
      await patient.getByRole('button', { name: 'Share for a visit' }).click()
      await patient.getByRole('button', { name: 'Show the code' }).click()
      await expect.poll(() => patient.getByTestId('invite-payload').inputValue(), { timeout: 30_000 }).toMatch(/^phr-invite:/)
      await doctor.getByLabel('Visit code from the patient').fill(await patient.getByTestId('invite-payload').inputValue())
      await doctor.getByRole('button', { name: 'Ask the patient' }).click()
      await expect.poll(() => patient.getByTestId('visit-request').count(), { timeout: 60_000 }).toBe(1)
      await patient.getByRole('button', { name: 'Approve' }).click()
      await expect.poll(() => doctor.getByTestId('dr-patient').count(), { timeout: 60_000 }).toBe(1)
      await expect.poll(() => patient.getByTestId('person').count()).toBe(1)

      // the doctor sees the record first (its devices hold a direct connection by then), then rings
      await expect.poll(() => doctor.getByTestId('dr-conditions').locator('li').count(), { timeout: 120_000 }).toBeGreaterThan(0)
      // the patient's people screen shows who calls
      await doctor.getByTestId('dr-patient').getByRole('button', { name: 'Start a video call' }).click()
      await expect.poll(() => patient.getByTestId('call-incoming').count(), { timeout: 90_000 }).toBe(1)
      // no licence: the doctor is named as their device presented itself
      expect(await patient.getByTestId('call-incoming').textContent()).toMatch(/Dr Nodira Karimova.* is calling you \(video\)\./)
      await screenshot(patient, 'call-incoming-1280')
      await patient.getByRole('button', { name: 'Answer' }).click()
      await expect.poll(() => phase(patient), { timeout: 30_000 }).toBe('in-call')
      await expect.poll(() => phase(doctor), { timeout: 30_000 }).toBe('in-call')

      // both decode the other's video
      await expect.poll(() => framesDecoded(patient), { timeout: 30_000 }).toBeGreaterThan(0)
      await expect.poll(() => framesDecoded(doctor), { timeout: 30_000 }).toBeGreaterThan(0)
      await expect.poll(() => doctor.getByTestId('call-quality').getAttribute('data-level'), { timeout: 30_000 }).not.toBe('unknown')

      // chat both ways
      await doctor.getByLabel('Message', { exact: true }).fill('Good morning, how is the rhinitis?')
      await doctor.getByRole('button', { name: 'Send' }).click()
      await expect.poll(() => patient.locator('[data-testid=chat-line][data-mine=false]').allTextContents(), { timeout: 15_000 }).toEqual([expect.stringMatching(/^Dr Nodira Karimova.*: Good morning, how is the rhinitis\?$/)])
      await patient.getByLabel('Message', { exact: true }).fill('Much better, thank you.')
      await patient.getByRole('button', { name: 'Send' }).click()
      await expect.poll(() => doctor.locator('[data-testid=chat-line][data-mine=false]').allTextContents(), { timeout: 15_000 }).toHaveLength(1)
      expect((await doctor.locator('[data-testid=chat-line][data-mine=false]').textContent()) ?? '').toContain('Much better, thank you.')

      // the patient mutes: the doctor's remote audio track is muted, and back
      await expect.poll(() => doctor.getByTestId('remote-audio').getAttribute('data-muted'), { timeout: 15_000 }).toBe('false')
      await patient.getByRole('button', { name: 'Mute' }).click()
      await expect.poll(() => doctor.getByTestId('remote-audio').getAttribute('data-muted'), { timeout: 15_000 }).toBe('true')
      expect(await patient.getByRole('button', { name: 'Unmute' }).getAttribute('aria-pressed')).toBe('true')
      await patient.getByRole('button', { name: 'Unmute' }).click()
      await expect.poll(() => doctor.getByTestId('remote-audio').getAttribute('data-muted'), { timeout: 15_000 }).toBe('false')

      // both keep the chat; the doctor ends the visit with its reason
      await patient.getByLabel('Keep this chat in the visit record').check()
      await doctor.getByLabel('Keep this chat in the visit record').check()
      await expect.poll(() => doctor.getByTestId('keep-theirs').textContent()).toContain('agrees to keep it')
      await screenshot(doctor, 'call-doctor-1280')
      await doctor.getByLabel('Reason for the visit (saved with it)').fill('Video follow-up: seasonal rhinitis improving')
      await doctor.getByRole('button', { name: 'End the visit' }).click()
      await expect.poll(() => doctor.getByTestId('call-saved').count(), { timeout: 30_000 }).toBe(1)
      await expect.poll(() => patient.getByTestId('call-ended').getAttribute('data-reason'), { timeout: 30_000 }).toBe('remote-hung-up')
      // the Encounter reaches the patient's record, written by the doctor's approved device
      await expect.poll(() => patient.getByTestId('note-text').allTextContents(), { timeout: 60_000 }).toContain('Video follow-up: seasonal rhinitis improving')
      expect(await patient.getByTestId('note-signature').first().textContent()).toContain('Signature valid')
      await screenshot(patient, 'call-ended-patient-1280')
      await patient.getByRole('button', { name: 'Close' }).click()
      await doctor.getByRole('button', { name: 'Close' }).click()

      // the patient revokes: no call button on either side once each knows, and a ring is refused, never shown
      await patient.getByRole('button', { name: 'Revoke Dr Nodira Karimova' }).click()
      await expect.poll(() => patient.getByTestId('person').getAttribute('data-status'), { timeout: 30_000 }).toBe('revoked')
      expect(await patient.getByRole('button', { name: 'Start a video call' }).count()).toBe(0)
      const ringButton = doctor.getByTestId('dr-patient').getByRole('button', { name: 'Start a video call' })
      const rang = await ringButton.click({ timeout: 2_000 }).then(
        () => true,
        () => false // the doctor's device already knows: no button to press
      )
      if (rang) {
        // the doctor's device did not know yet: the patient's device refuses the ring
        await expect.poll(() => doctor.getByTestId('call-ended').getAttribute('data-reason').catch(() => null), { timeout: 30_000 }).toBe('not-allowed')
        expect(await doctor.getByTestId('call-ended').textContent()).toContain('The call was refused')
        await doctor.getByRole('button', { name: 'Close' }).click()
      }
      // which side refused depends on how fast the doctor's device learns of the revocation; say which
      console.info(rang ? 'after revocation: the patient’s device refused the ring' : 'after revocation: the doctor’s device no longer offers a call')
      await expect.poll(() => doctor.getByTestId('dr-patient').getAttribute('data-status'), { timeout: 30_000 }).toBe('revoked')
      expect(await doctor.getByRole('button', { name: 'Start a video call' }).count()).toBe(0)
      expect(await patient.getByTestId('call-incoming').count()).toBe(0)

      expect(errors.flat()).toEqual([])
    } catch (err) {
      // what each side said, to see where a call stopped
      console.log(logs.join('\n'))
      console.log('doctor call view:', await doctor.getByTestId('dr-patient').textContent().catch(() => ''))
      throw err
    } finally {
      await patientContext.close()
      await doctorContext.close()
    }
  }, 420_000)
})
