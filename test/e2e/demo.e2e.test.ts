/**
 * "Try with a demo patient": in a real Chromium, the demo record is generated, encrypted
 * and stored in IndexedDB; the patient page shows its real facts; after a reload it opens
 * again from the encrypted store; and no byte at rest carries the patient's name. The home
 * screen shows findings of the demo's readings, each with its source, dated to the demo month.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchChromium, newContext, watchPageErrors } from '../helpers/browser.ts'
import { screenshot } from '../helpers/screenshots.ts'
import { openPatientScreen } from '../helpers/patient-screens.ts'

const baseUrl = inject('baseUrl')
let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser.close()
})

describe('demo patient', () => {
  it('is created encrypted on this device, shown, and reopened after a reload', async () => {
    const context = await newContext(browser)
    const page = await context.newPage()
    const errors = watchPageErrors(page)
    await page.goto(`${baseUrl}/patient`)
    await page.getByRole('button', { name: 'Try with a demo patient' }).click()
    // progress is shown while it is made, then the patient
    await expect.poll(() => page.getByRole('heading', { name: 'Allergies' }).count(), { timeout: 60_000 }).toBe(1)
    const name = (await page.getByRole('heading', { level: 1 }).textContent())?.replace('Demo', '').trim() ?? ''
    expect(name.length).toBeGreaterThan(3)
    const entries = Number(await page.getByTestId('resource-count').textContent())
    expect(entries).toBeGreaterThan(100)
    // findings of the demo's readings, worked out in the insights worker: each names its source,
    // and the card says the readings are from the demo month, not from today
    await expect.poll(() => page.getByTestId('insight').count(), { timeout: 30_000 }).toBeGreaterThan(0)
    expect(await page.getByRole('heading', { name: 'Findings from the readings' }).count()).toBe(1)
    expect(await page.getByTestId('insight').first().getByRole('heading').textContent()).toMatch(/blood pressure|Glucose|NEWS2/)
    expect(await page.getByTestId('insight-source').first().textContent()).toMatch(/Source:\s+\S.*(19|20)\d\d/)
    expect(await page.getByTestId('insights-dated').textContent()).toContain('There are no readings from the last 30 days')
    await screenshot(page, 'patient-demo-1280')

    await page.reload()
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 30_000 }).toContain(name)
    expect(Number(await page.getByTestId('resource-count').textContent())).toBe(entries)

    // the timeline holds every entry, newest first; a search finds the patient by family name
    await openPatientScreen(page, 'timeline')
    const timeline = page.locator('phr-timeline')
    await expect.poll(() => timeline.getByRole('status').textContent(), { timeout: 30_000 }).toContain(`${entries} entries, newest first`)
    expect(await timeline.getByRole('article').count()).toBeGreaterThan(3)
    const surname = name.split(' ').at(-1) ?? name
    await timeline.getByLabel('Search the record').fill(surname)
    await expect.poll(() => timeline.getByRole('status').textContent(), { timeout: 30_000 }).toMatch(/^\s*\d+ of \d+ entries\s*$/)
    const hit = timeline.getByRole('article').filter({ hasText: name })
    expect(await hit.count()).toBeGreaterThan(0)
    expect(await hit.first().textContent()).toContain('Patient')
    await screenshot(page, 'patient-timeline-1280')

    // at rest: every value in the record's database is ciphertext
    const family = name.split(' ').at(-1) ?? name
    const found = await page.evaluate(async (needle) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('phr-record-demo')
        r.onsuccess = () => resolve(r.result)
        r.onerror = () => reject(r.error ?? new Error('IndexedDB open failed'))
      })
      const want = new TextEncoder().encode(needle)
      let values = 0
      let hits = 0
      const contains = (hay: Uint8Array): boolean => {
        outer: for (let i = 0; i + want.length <= hay.length; i++) {
          for (let j = 0; j < want.length; j++) if (hay[i + j] !== want[j]) continue outer
          return true
        }
        return false
      }
      for (const store of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((resolve, reject) => {
          const r = db.transaction(store).objectStore(store).getAll()
          r.onsuccess = () => resolve(r.result)
          r.onerror = () => reject(r.error ?? new Error('IndexedDB open failed'))
        })
        for (const v of all) {
          const bytes = v instanceof Uint8Array ? v : (v as { bytes?: Uint8Array }).bytes
          if (bytes === undefined) continue
          values++
          if (contains(bytes)) hits++
        }
      }
      db.close()
      return { values, hits }
    }, family)
    expect(found.values).toBeGreaterThan(5)
    expect(found.hits).toBe(0)

    await openPatientScreen(page, 'home')
    await page.getByTestId('language').selectOption('ru')
    await expect.poll(() => page.getByRole('heading', { name: 'Аллергии' }).count()).toBe(1)
    await screenshot(page, 'patient-demo-ru-1280')
    expect(errors).toEqual([])
    await context.close()
  }, 120_000)

  it('fits a phone screen', async () => {
    const context = await newContext(browser, 390)
    const page = await context.newPage()
    await page.goto(`${baseUrl}/patient`)
    await page.getByRole('button', { name: 'Try with a demo patient' }).click()
    await expect.poll(() => page.getByRole('heading', { name: 'Allergies' }).count(), { timeout: 60_000 }).toBe(1)
    // nothing sticks out sideways
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await screenshot(page, 'patient-demo-390')
    await context.close()
  })
})
