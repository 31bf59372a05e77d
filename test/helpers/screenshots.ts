import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Locator, Page } from 'playwright-core'
import { ROOT } from './server.ts'

/** Where screenshots go (git-ignored). */
export const SCREENSHOT_DIR = join(ROOT, 'screenshots')

/**
 * Whether screenshots are saved: yes unless `PHR_SCREENSHOTS=0`. They are for people to look
 * at and assert nothing, and a full-page one of a long screen costs seconds of rasterising on
 * two cores, so `npm test` leaves them out; `npm run test:e2e` saves them.
 */
export const SCREENSHOTS = process.env['PHR_SCREENSHOTS'] !== '0'

/** Saves a full-page screenshot as `screenshots/<name>.png`; resolves with its path, or `undefined` when `SCREENSHOTS` is off. */
export async function screenshot(page: Page, name: string): Promise<string | undefined> {
  if (!SCREENSHOTS) return undefined
  const path = join(SCREENSHOT_DIR, `${name}.png`)
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  await page.screenshot({ path, fullPage: true })
  return path
}

/**
 * Saves a screenshot of what the viewport shows (a page) or of one element (a locator) as
 * `screenshots/<name>.png`: a part of a long page, small enough for the README.
 */
export async function screenshotOf(target: Page | Locator, name: string): Promise<string | undefined> {
  if (!SCREENSHOTS) return undefined
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  const path = join(SCREENSHOT_DIR, `${name}.png`)
  await target.screenshot({ path })
  return path
}
