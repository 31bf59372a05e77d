/**
 * Restoring one's own record on a new device from the recovery phrase, in real Chromium
 * against the real relay and mailbox: browser A makes the record and adds an allergy (its
 * envelopes go to the relay's mailbox, though A knows no other device). In a fresh browser
 * B the person types the 24 words — a wrong word is named as it is typed and refused, and
 * nothing is stored; swapped words fail the checksum — then a new passphrase: the allergy
 * arrives from the mailbox, B finds A (an author of the record) and an allergy A adds
 * afterwards arrives live. Then A is closed, as a lost phone would be, and a third browser
 * C restores from the mailbox alone.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, newContext, watchPageErrors } from '../helpers/browser.ts'
import { openPatientScreen } from '../helpers/patient-screens.ts'

const baseUrl = inject('baseUrl')
let browser: Browser
beforeAll(async () => {
  browser = await launchChromium({ webrtc: true })
})
afterAll(async () => {
  await browser.close()
})

const allergiesOf = (page: Page): Promise<string | null> => page.getByRole('heading', { name: 'Allergies' }).locator('xpath=..').textContent()

/** Types the phrase and a passphrase in the restore screen and waits for the record's content to arrive from the mailbox. */
async function restore(page: Page, words: string[]): Promise<void> {
  await page.goto(`${baseUrl}/patient`)
  await page.getByRole('button', { name: 'Restore from my recovery phrase' }).click()
  await page.getByLabel('Recovery phrase (24 words)').fill(words.join(' '))
  await expect.poll(() => page.getByTestId('phrase-check').getAttribute('data-verdict')).toBe('ok')
  await page.getByLabel('New passphrase for this device').fill('bukhara winter 2026')
  await page.getByLabel('Passphrase again').fill('bukhara winter 2026')
  await page.getByRole('button', { name: 'Restore my record' }).click()
  await expect.poll(() => page.getByTestId('restore-waiting').count(), { timeout: 60_000 }).toBe(1)
  // at least the Patient and the allergy, fetched from the relay's mailbox
  await expect.poll(async () => Number(await page.getByTestId('restore-fetched').getAttribute('data-count')), { timeout: 60_000 }).toBeGreaterThanOrEqual(2)
  await page.getByRole('button', { name: 'Open my record' }).click()
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 30_000 }).toContain('Aziz Rahimov')
}

/** Makes the own record in `page` and returns the 24 words. */
async function createRecord(page: Page): Promise<string[]> {
  await page.goto(`${baseUrl}/patient`)
  await page.getByRole('button', { name: 'Create my record' }).click()
  await page.getByLabel('Your name').fill('Aziz Rahimov')
  await page.getByLabel('Date of birth').fill('1979-09-30')
  await page.getByLabel('Passphrase', { exact: true }).fill('samarkand autumn 1979')
  await page.getByLabel('Passphrase again').fill('samarkand autumn 1979')
  await page.getByRole('button', { name: 'Create my record' }).click()
  await expect.poll(() => page.getByTestId('recovery-phrase').locator('li').count(), { timeout: 30_000 }).toBe(24)
  const words = (await page.getByTestId('recovery-phrase').locator('li').allTextContents()).map((w) => w.trim())
  await page.getByRole('button', { name: 'I have written them down' }).click()
  const asked = await page.getByLabel(/^Word \d+$/).evaluateAll((els) => els.map((e) => Number((e.id ?? '').slice(1))))
  for (const i of asked) await page.locator(`#w${i}`).fill(words[i] ?? '')
  await page.getByRole('button', { name: 'Continue' }).click()
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 30_000 }).toContain('Aziz Rahimov')
  return words
}

describe('restore from the recovery phrase', () => {
  it('brings the identity back in a fresh browser, refuses a wrong word by name; the record comes from the mailbox and the other device', { timeout: 300_000 }, async () => {
    const a = await newContext(browser)
    const pageA = await a.newPage()
    const errorsA = watchPageErrors(pageA)
    const words = await createRecord(pageA)
    await openPatientScreen(pageA, 'record')
    await pageA.getByLabel('What are you allergic to?').fill('Sulfonamides')
    await pageA.getByRole('button', { name: 'Add', exact: true }).click()
    await openPatientScreen(pageA, 'home')
    await expect.poll(() => allergiesOf(pageA), { timeout: 30_000 }).toContain('Sulfonamides')
    // with no other device known, one's own record still keeps a copy in the mailbox
    await expect.poll(async () => Number(await pageA.getByTestId('mailbox-deposited').getAttribute('data-count')), { timeout: 60_000 }).toBeGreaterThanOrEqual(2)
    // the allergy's envelope is sealed (batched for 200 ms) and deposited: nothing waits
    await pageA.waitForTimeout(2_000)
    await expect.poll(() => pageA.getByTestId('sync-pending').textContent(), { timeout: 30_000 }).toContain('Nothing pending')

    const b = await newContext(browser)
    const page = await b.newPage()
    const errors = watchPageErrors(page)
    await page.goto(`${baseUrl}/patient`)
    await page.getByRole('button', { name: 'Restore from my recovery phrase' }).click()

    // a mistyped word is named as it is typed, with words that start like it
    const typo = [...words]
    const right = typo[8] as string
    typo[8] = `${right.slice(0, 4)}xq`
    await page.getByLabel('Recovery phrase (24 words)').fill(typo.join(' '))
    const check = page.getByTestId('phrase-check')
    await expect.poll(() => check.getAttribute('data-verdict')).toBe('unknown-words')
    expect(await check.textContent()).toContain(`Word 9, “${right.slice(0, 4)}xq”, is not in the word list`)
    expect(await check.textContent()).toContain(right)
    // submitted anyway: refused by name, and nothing is stored on this device
    await page.getByLabel('New passphrase for this device').fill('bukhara winter 2026')
    await page.getByLabel('Passphrase again').fill('bukhara winter 2026')
    await page.getByRole('button', { name: 'Restore my record' }).click()
    expect(await page.getByTestId('restore-error').textContent()).toContain('Word 9')
    expect(await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).toEqual([])
    // two different words swapped: every word is in the list, the checksum says it is wrong
    const at = words.findIndex((w, i) => i > 0 && w !== words[i - 1])
    const swapped = [...words]
    ;[swapped[at - 1], swapped[at]] = [swapped[at] as string, swapped[at - 1] as string]
    await page.getByLabel('Recovery phrase (24 words)').fill(swapped.join(' '))
    await expect.poll(() => check.getAttribute('data-verdict')).toBe('checksum')
    expect(await check.textContent()).toContain('two are swapped')

    // the right words: the allergy comes from the mailbox
    await restore(page, words)
    await expect.poll(() => allergiesOf(page), { timeout: 30_000 }).toContain('Sulfonamides')
    // B finds A, an author of the record, and they sync directly: A's next allergy arrives live
    await expect.poll(() => page.getByTestId('sync-peers').textContent(), { timeout: 90_000 }).not.toContain('None connected now')
    await openPatientScreen(pageA, 'record')
    await pageA.getByLabel('What are you allergic to?').fill('Latex')
    await pageA.getByRole('button', { name: 'Add', exact: true }).click()
    await expect.poll(() => allergiesOf(page), { timeout: 30_000 }).toContain('Latex')
    await expect.poll(async () => Number(await pageA.getByTestId('mailbox-deposited').getAttribute('data-count')), { timeout: 60_000 }).toBeGreaterThanOrEqual(3)
    await pageA.waitForTimeout(2_000)
    expect(errorsA).toEqual([])
    // the phone is lost
    await a.close()

    // after a reload the restored record opens with the new passphrase
    await page.reload()
    await page.getByLabel('Passphrase').fill('bukhara winter 2026')
    await page.getByRole('button', { name: 'Open' }).click()
    await expect.poll(() => allergiesOf(page), { timeout: 30_000 }).toContain('Latex')
    expect(errors).toEqual([])
    await b.close()

    // a third browser, with A gone and B closed: everything from the mailbox alone
    const c = await newContext(browser)
    const pageC = await c.newPage()
    const errorsC = watchPageErrors(pageC)
    await restore(pageC, words)
    await expect.poll(() => allergiesOf(pageC), { timeout: 30_000 }).toContain('Sulfonamides')
    await expect.poll(() => allergiesOf(pageC), { timeout: 30_000 }).toContain('Latex')
    expect(errorsC).toEqual([])
    await c.close()
  })
})
