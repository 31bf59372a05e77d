import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Locator, Page } from 'playwright-core'
import { ROOT } from './server.ts'

/** Where screenshots go (git-ignored). */
export const SCREENSHOT_DIR = join(ROOT, 'screenshots')

/** Saves a full-page screenshot as `screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  const path = join(SCREENSHOT_DIR, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/**
 * Saves a screenshot of what the viewport shows (a page) or of one element (a locator) as
 * `screenshots/<name>.png`: a part of a long page, small enough for the README.
 */
export async function screenshotOf(target: Page | Locator, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  const path = join(SCREENSHOT_DIR, `${name}.png`)
  await target.screenshot({ path })
  return path
}
