/**
 * Handing a child's record over, as two real Chromium contexts through the real relay:
 * the guardian makes her own record and her son's, adds an allergy to his, and shows the
 * "Link another device" code of his record; on his own device he links with it, ticking
 * that the record is handed over to him; his device syncs the whole record, then takes
 * ownership and shows him a new recovery phrase. His record has the allergy; what he adds
 * afterwards never reaches the guardian's device; his access history names the handover;
 * the relay's mailbox still serves his device;
 * the guardian removes the record from her device.
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

const allergies = (page: Page) => page.locator('phr-record-summary section[aria-labelledby=allergies] li').allTextContents()
const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent()

async function createOwnRecord(page: Page, name: string): Promise<void> {
  await page.goto(`${baseUrl}/patient`)
  await page.getByRole('button', { name: 'Create my record' }).click()
  await page.getByLabel('Your name').fill(name)
  await page.getByLabel('Date of birth').fill('1986-04-12')
  await page.getByLabel('Passphrase', { exact: true }).fill('tashkent spring 2026')
  await page.getByLabel('Passphrase again').fill('tashkent spring 2026')
  await page.getByRole('button', { name: 'Create my record' }).click()
  await expect.poll(() => page.getByTestId('recovery-phrase').locator('li').count(), { timeout: 30_000 }).toBe(24)
  const words = (await page.getByTestId('recovery-phrase').locator('li').allTextContents()).map((w) => w.trim())
  await page.getByRole('button', { name: 'I have written them down' }).click()
  const asked = await page.getByLabel(/^Word \d+$/).evaluateAll((els) => els.map((e) => Number((e.id ?? '').slice(1))))
  for (const i of asked) await page.locator(`#w${i}`).fill(words[i] ?? '')
  await page.getByRole('button', { name: 'Continue' }).click()
  await expect.poll(() => heading(page), { timeout: 30_000 }).toContain(name)
}

async function addAllergy(page: Page, text: string): Promise<void> {
  await openPatientScreen(page, 'record')
  await page.getByLabel('What are you allergic to?').fill(text)
  await page.getByRole('button', { name: 'Add', exact: true }).click()
  await expect.poll(() => allergies(page)).toContain(text)
}

describe('handover of a child’s record', () => {
  it('moves the record to the child’s device under new keys, and the guardian’s access ends', async () => {
    const guardianContext = await newContext(browser, 1280)
    const childContext = await newContext(browser, 390)
    const guardian = await guardianContext.newPage()
    const child = await childContext.newPage()
    const errors = [watchPageErrors(guardian), watchPageErrors(child)]

    await createOwnRecord(guardian, 'Dilnoza Karimova')
    await guardian.getByRole('button', { name: 'Add a record for someone in my care' }).click()
    await guardian.getByLabel('Their name').fill('Bobur Karimov')
    await guardian.getByLabel('Their date of birth').fill('2008-03-01')
    await guardian.getByRole('button', { name: 'Create the record' }).click()
    await expect.poll(() => heading(guardian), { timeout: 30_000 }).toContain('Bobur Karimov')
    await addAllergy(guardian, 'Peanuts (while in care)')
    await expect.poll(() => guardian.getByTestId('sync-relay').getAttribute('data-state'), { timeout: 30_000 }).toBe('connected')
    await openPatientScreen(guardian, 'devices')
    await guardian.getByRole('button', { name: 'Link another device' }).click()
    await expect.poll(() => guardian.getByTestId('link-payload').inputValue(), { timeout: 30_000 }).toMatch(/^phr-link:/)
    const payload = await guardian.getByTestId('link-payload').inputValue()
    await screenshot(guardian, 'handover-offer-1280')

    await openPatientScreen(guardian, 'home')
    // on his own device: link, ticking that the record is handed over to him
    await child.goto(`${baseUrl}/patient`)
    await child.getByRole('button', { name: 'I already have a record on another device' }).click()
    await child.getByLabel('Link code').fill(payload)
    await child.getByLabel('Name of this device').fill('Bobur’s phone')
    await child.getByLabel('Passphrase for this device').fill('my own passphrase')
    await child.getByLabel('The passphrase again').fill('my own passphrase')
    await child.getByLabel(/My guardian is handing my record over to me/).check()
    await child.getByRole('button', { name: 'Link this device' }).click()
    const linkError = child.getByTestId('link-error')
    await expect
      .poll(async () => ((await linkError.count()) > 0 ? linkError.textContent() : String(await child.getByTestId('handover-phrase').locator('li').count())), { timeout: 120_000 })
      .toBe('24')
    await screenshot(child, 'handover-phrase-390')
    await child.getByRole('button', { name: 'I have written them down' }).click()
    await expect.poll(() => heading(child), { timeout: 30_000 }).toContain('Bobur Karimov')
    expect(await allergies(child)).toContain('Peanuts (while in care)')
    await expect.poll(() => child.locator('[data-testid=history-entry][data-action=handover]').count(), { timeout: 30_000 }).toBe(1)
    // the relay's mailbox still takes his device: it registers under the key the compartments were first registered with, listing him
    await expect.poll(() => child.getByTestId('sync-mailbox').getAttribute('data-state'), { timeout: 30_000 }).toBe('reachable')

    // what he adds now never reaches the guardian's device
    await addAllergy(child, 'Sesame (after handover)')
    await new Promise((r) => setTimeout(r, 5_000))
    expect(await heading(guardian)).toContain('Bobur Karimov')
    expect(await allergies(guardian)).not.toContain('Sesame (after handover)')

    // the guardian removes his record from her device
    guardian.once('dialog', (d) => void d.accept())
    await openPatientScreen(guardian, 'settings')
    await guardian.getByRole('button', { name: 'Remove it from this device' }).click()
    await openPatientScreen(guardian, 'home')
    await expect.poll(() => heading(guardian), { timeout: 30_000 }).toContain('Dilnoza Karimova')
    expect(await guardian.getByTestId('record-choice').count()).toBe(1)
    expect(await guardian.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? '').filter((n) => n.startsWith('phr-record-dep-')))).toEqual([])

    expect(errors.flat()).toEqual([])
    await guardianContext.close()
    await childContext.close()
  }, 240_000)
})
