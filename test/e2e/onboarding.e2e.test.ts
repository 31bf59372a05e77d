/**
 * Making one's own record in a real Chromium: name, birth date and passphrase; the 24-word
 * recovery phrase is shown once and three of its words are asked back (a wrong word is
 * refused and the record stays behind the check); then the record opens with the name; after
 * a reload it asks for the passphrase, refuses a wrong one and opens with the right one.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchChromium, newContext, watchPageErrors } from '../helpers/browser.ts'
import { openPatientScreen } from '../helpers/patient-screens.ts'

const baseUrl = inject('baseUrl')
let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser.close()
})

describe('onboarding', () => {
  it('creates one’s own record behind a recovery phrase check, then locks and unlocks it', async () => {
    const context = await newContext(browser)
    const page = await context.newPage()
    const errors = watchPageErrors(page)
    await page.goto(`${baseUrl}/patient`)
    await page.getByRole('button', { name: 'Create my record' }).click()
    await page.getByLabel('Your name').fill('Dilnoza Karimova')
    await page.getByLabel('Date of birth').fill('1986-04-12')
    await page.getByLabel('Passphrase', { exact: true }).fill('short')
    await page.getByLabel('Passphrase again').fill('short')
    await page.getByRole('button', { name: 'Create my record' }).click()
    expect(await page.getByRole('alert').textContent()).toContain('at least 8 characters')
    await page.getByLabel('Passphrase', { exact: true }).fill('tashkent spring 2026')
    await page.getByLabel('Passphrase again').fill('tashkent spring 2026')
    await page.getByRole('button', { name: 'Create my record' }).click()

    // the phrase: 24 BIP39 words, shown once
    await expect.poll(() => page.getByTestId('recovery-phrase').locator('li').count(), { timeout: 30_000 }).toBe(24)
    const words = (await page.getByTestId('recovery-phrase').locator('li').allTextContents()).map((w) => w.trim())
    expect(words.every((w) => /^[a-z]{3,8}$/.test(w))).toBe(true)
    await page.getByRole('button', { name: 'I have written them down' }).click()

    // three words asked back: a wrong answer is refused
    const asked = await page.getByLabel(/^Word \d+$/).evaluateAll((els) => els.map((e) => Number((e.id ?? '').slice(1))))
    expect(asked).toHaveLength(3)
    for (const i of asked) await page.locator(`#w${i}`).fill('wrong')
    await page.getByRole('button', { name: 'Continue' }).click()
    expect(await page.getByRole('alert').textContent()).toContain('does not match')
    for (const i of asked) await page.locator(`#w${i}`).fill(words[i] ?? '')
    await page.getByRole('button', { name: 'Continue' }).click()
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 30_000 }).toContain('Dilnoza Karimova')

    // after a reload it is locked: a wrong passphrase changes nothing, the right one opens it
    await page.reload()
    await page.getByLabel('Passphrase').fill('not my passphrase')
    await page.getByRole('button', { name: 'Open' }).click()
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 30_000 }).toContain('Wrong passphrase')
    await page.getByLabel('Passphrase').fill('tashkent spring 2026')
    await page.getByRole('button', { name: 'Open' }).click()
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 30_000 }).toContain('Dilnoza Karimova')

    // the emergency QR: the critical summary in the link's fragment, read on another page
    // with no network (the app shell comes from the service worker)
    await openPatientScreen(page, 'record')
    await page.getByLabel('What are you allergic to?').fill('Penicillin')
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    await openPatientScreen(page, 'sharing')
    await page.getByRole('button', { name: 'Make my emergency QR code' }).click()
    await expect.poll(() => page.getByTestId('emergency-qr').count(), { timeout: 30_000 }).toBe(1)
    const link = (await page.getByTestId('emergency-link').inputValue()).trim()
    expect(link).toMatch(/\/emergency#e1\./)
    expect(link).not.toContain('Penicillin')
    await context.setOffline(true)
    const viewer = await context.newPage()
    await viewer.goto(link)
    await expect.poll(() => viewer.getByTestId('emergency-card').count(), { timeout: 30_000 }).toBe(1)
    expect(await viewer.getByRole('heading', { level: 1 }).textContent()).toBe('Dilnoza Karimova')
    expect(await viewer.getByTestId('emergency-allergies').textContent()).toContain('Penicillin')
    // one changed character: refused, not shown altered
    const at = link.length - 12
    await viewer.goto(`${link.slice(0, at)}${link[at] === 'A' ? 'B' : 'A'}${link.slice(at + 1)}`)
    await expect.poll(() => viewer.getByRole('heading', { level: 1 }).textContent(), { timeout: 30_000 }).toBe('This emergency link cannot be read')
    await context.setOffline(false)
    expect(errors).toEqual([])
    await context.close()
  }, 120_000)
})
