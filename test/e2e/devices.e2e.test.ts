/**
 * Two devices of one person, as two real Chromium contexts (separate storage) against the
 * real `npm start`: device A makes the demo record and shows a link code; device B links
 * by pasting it, receives the keys, syncs every compartment and shows A's facts; a change
 * on A reaches B live; then, with A closed, a change on B is left in the relay's mailbox,
 * B closes too, and A — reopened with its own storage — picks it up from the mailbox (no
 * other path exists at that moment: B is closed). Finally B reopens with its passphrase
 * and finds A again directly.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import QRCode from 'qrcode'
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

const PASSPHRASE = 'correct horse battery'

/**
 * A Y4M video (what Chromium's fake camera plays from a file) showing `text` as a QR code:
 * 640×480, 4:2:0, black modules on white, ten identical frames.
 */
function qrVideo(text: string): string {
  const W = 640
  const H = 480
  const modules = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules
  const cell = Math.floor((H - 40) / (modules.size + 8))
  const x0 = Math.floor((W - cell * modules.size) / 2)
  const y0 = Math.floor((H - cell * modules.size) / 2)
  const luma = new Uint8Array(W * H).fill(235)
  for (let r = 0; r < modules.size; r++)
    for (let c = 0; c < modules.size; c++) {
      if (!modules.get(r, c)) continue
      for (let dy = 0; dy < cell; dy++) luma.fill(16, (y0 + r * cell + dy) * W + x0 + c * cell, (y0 + r * cell + dy) * W + x0 + (c + 1) * cell)
    }
  const chroma = new Uint8Array((W / 2) * (H / 2) * 2).fill(128)
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma])
  const dir = mkdtempSync(join(tmpdir(), 'phr-camera-'))
  const path = join(dir, 'qr.y4m')
  writeFileSync(path, Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`), ...Array.from({ length: 10 }, () => frame)]))
  return path
}

const h1 = (page: Page) => page.getByRole('heading', { level: 1 })
const listed = (page: Page, section: string) => page.locator(`phr-record-summary section[aria-labelledby=${section}] li`).allTextContents()
const allergies = (page: Page) => listed(page, 'allergies')
/** The critical facts the summary shows, as text. */
const facts = async (page: Page) => ({ conditions: await listed(page, 'conditions'), medications: await listed(page, 'medications') })
const peers = async (page: Page) => (await page.getByTestId('sync-peers').textContent())?.trim()
const count = async (page: Page, id: string): Promise<number> => Number(await page.getByTestId(id).getAttribute('data-count'))

async function addAllergy(page: Page, text: string): Promise<void> {
  await openPatientScreen(page, 'record')
  await page.getByLabel('What are you allergic to?').fill(text)
  await page.getByRole('button', { name: 'Add', exact: true }).click()
}

describe('linking a second device', () => {
  it('links by pasted text, syncs the record both ways, and carries a change through the mailbox', async () => {
    const contextA = await newContext(browser, 1280)
    const contextB = await newContext(browser, 390)
    const errors: string[] = []
    let pageA = await contextA.newPage()
    const watch = (page: Page): void => {
      const list = watchPageErrors(page)
      page.on('close', () => errors.push(...list))
    }
    watch(pageA)

    // device A: the demo record
    await pageA.goto(`${baseUrl}/patient`)
    await pageA.getByRole('button', { name: 'Try with a demo patient' }).click()
    await expect.poll(() => pageA.getByRole('heading', { name: 'Allergies' }).count(), { timeout: 90_000 }).toBe(1)
    const name = (await h1(pageA).textContent())?.replace('Demo', '').trim() ?? ''
    const factsA = await facts(pageA)
    const entriesA = Number(await pageA.getByTestId('resource-count').textContent())
    expect(factsA.conditions.length).toBeGreaterThan(0)
    expect(factsA.medications.length).toBeGreaterThan(0)
    await expect.poll(() => pageA.getByTestId('sync-relay').getAttribute('data-state'), { timeout: 30_000 }).toBe('connected')

    // A shows a link code: a QR and the same text
    await openPatientScreen(pageA, 'devices')
    await pageA.getByRole('button', { name: 'Link another device' }).click()
    await expect.poll(() => pageA.getByTestId('link-payload').inputValue(), { timeout: 30_000 }).toMatch(/^phr-link:/)
    const payload = await pageA.getByTestId('link-payload').inputValue()
    expect(await pageA.getByTestId('link-qr').getAttribute('src')).toMatch(/^data:image\/svg\+xml/)
    await screenshot(pageA, 'link-offer-1280')

    // a phone's camera reads the QR code: a second Chromium whose fake camera shows it
    const video = qrVideo(payload)
    const camera = await launchChromium({ webrtc: true, args: [`--use-file-for-fake-video-capture=${video}`] })
    try {
      const scanPage = await (await newContext(camera, 390)).newPage()
      const scanErrors = watchPageErrors(scanPage)
      await scanPage.goto(`${baseUrl}/patient`)
      await scanPage.getByRole('button', { name: 'I already have a record on another device' }).click()
      await scanPage.getByRole('button', { name: 'Scan the QR code with the camera' }).click()
      await expect.poll(() => scanPage.getByLabel('Link code').inputValue(), { timeout: 30_000 }).toBe(payload)
      expect(await scanPage.getByTestId('scan-note').textContent()).toBe('The code was read from the camera.')
      await screenshot(scanPage, 'link-join-scanned-390')
      errors.push(...scanErrors)
    } finally {
      await camera.close()
      rmSync(join(video, '..'), { recursive: true, force: true })
    }

    // device B pastes instead: a wrong text is named, and nothing is saved
    const pageB = await contextB.newPage()
    const errorsB = watchPageErrors(pageB)
    await pageB.goto(`${baseUrl}/patient`)
    await expect.poll(() => h1(pageB).textContent()).toBe('No record on this device yet')
    await pageB.getByRole('button', { name: 'I already have a record on another device' }).click()
    await pageB.getByLabel('Link code').fill('phr-link:not-a-code')
    await pageB.getByLabel('Name of this device').fill('Laptop B')
    await pageB.getByLabel('Passphrase for this device').fill(PASSPHRASE)
    await pageB.getByLabel('The passphrase again').fill(PASSPHRASE)
    await pageB.getByRole('button', { name: 'Link this device' }).click()
    await expect.poll(() => pageB.getByTestId('link-error').textContent()).toContain('This is not a link code')
    expect(await pageB.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).not.toContain('phr-record-own')
    await screenshot(pageB, 'link-join-error-390')

    // the real code links B, which then syncs every compartment from A
    await pageB.getByLabel('Link code').fill(payload)
    await screenshot(pageB, 'link-join-390')
    await pageB.getByRole('button', { name: 'Link this device' }).click()
    // (a failure would show its named message instead: the poll then reports it)
    const linkError = pageB.getByTestId('link-error')
    await expect.poll(async () => ((await linkError.count()) > 0 ? linkError.textContent() : h1(pageB).textContent()), { timeout: 120_000 }).toBe(name)
    await expect.poll(() => pageB.getByTestId('resource-count').textContent(), { timeout: 90_000 }).toBe(String(entriesA))
    await expect.poll(() => facts(pageB), { timeout: 30_000 }).toEqual(factsA)
    // every compartment arrived: none reads "not arrived yet" any more
    await expect.poll(() => pageB.getByTestId('sync-panel').getByText('Not arrived yet').count(), { timeout: 60_000 }).toBe(0)
    // A says so where it showed the code; each side names the other
    await expect.poll(() => pageA.getByTestId('link-done').textContent(), { timeout: 30_000 }).toContain('Laptop B is now linked')
    await expect.poll(() => peers(pageA), { timeout: 30_000 }).toContain('Laptop B')
    await expect.poll(() => peers(pageB), { timeout: 30_000 }).toContain('Linux computer')
    expect(await pageB.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await openPatientScreen(pageB, 'devices')
    await screenshot(pageB, 'sync-status-390')
    // the longest language still fits a phone
    await pageB.getByTestId('language').selectOption('ru')
    await expect.poll(() => pageB.getByRole('heading', { name: 'Синхронизация между вашими устройствами' }).count()).toBe(1)
    await screenshot(pageB, 'sync-status-ru-390')
    expect(await pageB.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await pageB.getByTestId('language').selectOption('en')
    await expect.poll(() => pageB.getByRole('heading', { name: 'Sync between your devices' }).count()).toBe(1)
    await screenshot(pageA, 'sync-status-1280')

    // a change on A appears on B, live
    await addAllergy(pageA, 'Kiwi (from A)')
    await expect.poll(() => allergies(pageB), { timeout: 30_000 }).toContain('Kiwi (from A)')

    // A closes (its storage stays); B notices, and its change goes to the mailbox
    await pageA.close()
    await expect.poll(() => peers(pageB), { timeout: 45_000 }).toBe('None connected now')
    await addAllergy(pageB, 'Latex (from B)')
    await expect.poll(() => count(pageB, 'mailbox-deposited'), { timeout: 30_000 }).toBeGreaterThan(0)
    await pageB.close()
    errors.push(...errorsB)

    // A reopens while B is closed: B's change can only come from the mailbox
    pageA = await contextA.newPage()
    watch(pageA)
    await pageA.goto(`${baseUrl}/patient`)
    await expect.poll(() => allergies(pageA), { timeout: 60_000 }).toContain('Latex (from B)')
    await expect.poll(() => count(pageA, 'mailbox-fetched'), { timeout: 30_000 }).toBeGreaterThan(0)
    expect(await allergies(pageA)).toContain('Kiwi (from A)')

    // B reopens with its passphrase and finds A again directly
    const pageB2 = await contextB.newPage()
    watch(pageB2)
    await pageB2.goto(`${baseUrl}/patient`)
    await expect.poll(() => h1(pageB2).textContent()).toBe('A record is stored on this device')
    await pageB2.getByLabel('Passphrase', { exact: true }).fill('wrong passphrase')
    await pageB2.getByRole('button', { name: 'Open' }).click()
    await expect.poll(() => pageB2.getByRole('alert').textContent()).toContain('Wrong passphrase')
    await pageB2.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE)
    await pageB2.getByRole('button', { name: 'Open' }).click()
    await expect.poll(() => h1(pageB2).textContent(), { timeout: 30_000 }).toBe(name)
    await expect.poll(() => peers(pageB2), { timeout: 60_000 }).toContain('Linux computer')
    await expect.poll(() => allergies(pageB2)).toEqual(expect.arrayContaining(['Kiwi (from A)', 'Latex (from B)']))

    await pageA.close()
    await pageB2.close()
    expect(errors).toEqual([])
    await contextA.close()
    await contextB.close()
  }, 480_000)
})
