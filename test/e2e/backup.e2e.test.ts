/**
 * Backup and restore in a real Chromium (issue 10 §6): the demo patient's encrypted
 * backup is downloaded, a fresh browser (its own IndexedDB) refuses it under a wrong
 * passphrase and creates nothing, then restores it with the right one and shows the
 * same patient.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest'
import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, newContext, watchPageErrors } from '../helpers/browser.ts'
import { openPatientScreen } from '../helpers/patient-screens.ts'

const baseUrl = inject('baseUrl')
const dir = mkdtempSync(join(tmpdir(), 'phr-backup-e2e-'))
let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser.close()
  rmSync(dir, { recursive: true, force: true })
})

/** What the patient page shows of the record. */
async function summaryOf(page: Page): Promise<{ name: string; entries: string }> {
  await expect.poll(() => page.getByRole('heading', { name: 'Allergies' }).count(), { timeout: 60_000 }).toBe(1)
  return {
    name: (await page.getByRole('heading', { level: 1 }).textContent())?.trim() ?? '',
    entries: (await page.getByTestId('resource-count').textContent()) ?? ''
  }
}

const recordDbs = (page: Page): Promise<string[]> =>
  page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? '').filter((n) => n.startsWith('phr-record-')))

describe('backup and restore', () => {
  it('downloads an encrypted backup and restores it in a fresh browser, refusing a wrong passphrase', async () => {
    const first = await newContext(browser)
    const page = await first.newPage()
    const errors = watchPageErrors(page)
    await page.goto(`${baseUrl}/patient`)
    await page.getByRole('button', { name: 'Try with a demo patient' }).click()
    const before = await summaryOf(page)

    const started = Date.now()
    await openPatientScreen(page, 'settings')
    await page.getByRole('button', { name: 'Download an encrypted backup' }).click()
    const link = page.getByTestId('backup-download')
    await expect.poll(() => link.count(), { timeout: 60_000 }).toBe(1)
    const made = Date.now() - started
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
    expect(download.suggestedFilename()).toMatch(/^health-record-\d{4}-\d{2}-\d{2}\.phrbak$/)
    const file = join(dir, download.suggestedFilename())
    await download.saveAs(file)
    const bytes = readFileSync(file)
    expect(bytes.subarray(0, 6).toString('latin1')).toBe('PHRBAK')
    // sealed: the patient's name is in no byte of it
    expect(bytes.includes(Buffer.from(before.name.replace('Demo', '').trim().split(' ').at(-1) ?? 'x'))).toBe(false)
    console.log(`backup of the demo record: ${bytes.length} bytes, made in ${made} ms`)
    expect(errors).toEqual([])
    await first.close()

    const fresh = await newContext(browser)
    const other = await fresh.newPage()
    const otherErrors = watchPageErrors(other)
    await other.goto(`${baseUrl}/patient`)
    await expect.poll(() => other.getByRole('heading', { name: 'Restore from a backup file' }).count(), { timeout: 30_000 }).toBe(1)
    await other.getByLabel('Backup file', { exact: true }).setInputFiles(file)

    // a wrong passphrase says so, and nothing is created
    await other.getByLabel('Passphrase', { exact: true }).fill('not the passphrase')
    await other.getByRole('button', { name: 'Restore', exact: true }).click()
    await expect.poll(() => other.getByTestId('restore-error').textContent(), { timeout: 30_000 }).toContain('Wrong passphrase. Nothing was changed.')
    expect(await recordDbs(other)).toEqual([])

    // a damaged file says so, and nothing is created
    const damaged = Buffer.from(bytes)
    damaged[damaged.length - 100]! ^= 0x01
    await other.getByLabel('Backup file', { exact: true }).setInputFiles({ name: 'damaged.phrbak', mimeType: 'application/octet-stream', buffer: damaged })
    await other.getByLabel('Passphrase', { exact: true }).fill('demo')
    await other.getByRole('button', { name: 'Restore', exact: true }).click()
    await expect.poll(() => other.getByTestId('restore-error').textContent(), { timeout: 30_000 }).toContain('This backup file is damaged')
    expect(await recordDbs(other)).toEqual([])

    // the right passphrase restores the same record
    await other.getByLabel('Backup file', { exact: true }).setInputFiles(file)
    const restoring = Date.now()
    await other.getByRole('button', { name: 'Restore', exact: true }).click()
    const after = await summaryOf(other)
    console.log(`restore of the demo record: ${Date.now() - restoring} ms`)
    expect(after).toEqual(before)
    expect(await recordDbs(other)).toEqual(['phr-record-demo'])
    // and it opens again from the restored database after a reload
    await other.reload()
    expect(await summaryOf(other)).toEqual(before)
    expect(otherErrors).toEqual([])
    await fresh.close()
  })
})
