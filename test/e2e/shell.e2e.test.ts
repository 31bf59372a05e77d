/**
 * The app shell in a real Chromium against the real `npm start`: every route shows its
 * real state, the relay is reached from the browser, the language switch works and is
 * remembered, and the app opens with no network once it has been loaded.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, launchPersistentChromium, newContext, pageCdp, watchPageErrors } from '../helpers/browser.ts'
import { screenshot } from '../helpers/screenshots.ts'

const baseUrl = inject('baseUrl')
const relayAddr = inject('relayAddr')
let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser.close()
})

const h1 = (page: Page) => page.getByRole('heading', { level: 1 })

/** Waits until the service worker controls the page (it precached the shell by then). */
async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready
    if (navigator.serviceWorker.controller === null) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }))
    }
  })
}

const ROUTES = [
  { path: '/', name: 'home', heading: 'Your health record, on your own devices' },
  { path: '/patient', name: 'patient', heading: 'No record on this device yet' },
  { path: '/doctor', name: 'doctor', heading: 'No practitioner profile on this device yet' },
  { path: '/emergency', name: 'emergency', heading: 'No emergency link opened' },
  { path: '/emergency#not-a-summary', name: 'emergency-unreadable', heading: 'This emergency link cannot be read' },
  { path: '/verify', name: 'verify', heading: 'Verify a prescription' },
  { path: '/no-such-page', name: 'not-found', heading: 'Page not found' }
] as const

describe('app shell', () => {
  for (const width of [390, 1280] as const) {
    it(`shows each route's real state at ${width} px, without errors`, async () => {
      const context = await newContext(browser, width)
      const page = await context.newPage()
      const errors = watchPageErrors(page)
      const warnings: string[] = []
      page.on('console', (m) => void (m.type() === 'warning' && warnings.push(m.text())))
      for (const route of ROUTES) {
        await page.goto(baseUrl + route.path)
        await expect.poll(() => h1(page).textContent()).toBe(route.heading)
        await screenshot(page, `${route.name}-${width}`)
      }
      expect(errors).toEqual([])
      // the production build: Lit's development mode (its checks and warnings) is not shipped,
      // even when the server was built from a test runner
      expect(warnings.filter((w) => w.includes('Lit is in dev mode'))).toEqual([])
      await context.close()
    })
  }

  it('reaches the relay from the browser without the user typing its address', async () => {
    const context = await newContext(browser)
    const page = await context.newPage()
    await page.goto(`${baseUrl}/patient`)
    const badge = page.locator('phr-relay-badge')
    await expect.poll(() => badge.getAttribute('data-state'), { timeout: 15_000 }).toBe('connected')
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Relay' }).textContent()).toBe('Relay connected')
    // the peer id the browser proved through Noise is the relay's
    const title = await badge.locator('[role=status]').getAttribute('title')
    expect(title).toContain(relayAddr.split('/p2p/')[1])
    await context.close()
  })

  it('moves between routes without a page load, and back', async () => {
    const context = await newContext(browser)
    const page = await context.newPage()
    await page.goto(`${baseUrl}/patient`)
    await expect.poll(() => h1(page).textContent()).toBe('No record on this device yet')
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42))
    await page.getByRole('link', { name: 'Doctor' }).click()
    await expect.poll(() => h1(page).textContent()).toBe('No practitioner profile on this device yet')
    expect(new URL(page.url()).pathname).toBe('/doctor')
    expect(await page.getByRole('link', { name: 'Doctor' }).getAttribute('aria-current')).toBe('page')
    await page.goBack()
    await expect.poll(() => h1(page).textContent()).toBe('No record on this device yet')
    // the same document all along: no reload happened
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42)
    await context.close()
  })

  it('switches language, and remembers it across a reload', async () => {
    const context = await newContext(browser)
    const page = await context.newPage()
    const errors = watchPageErrors(page)
    await page.goto(`${baseUrl}/patient`)
    await expect.poll(() => h1(page).textContent()).toBe('No record on this device yet')

    await page.getByTestId('language').selectOption('ru')
    await expect.poll(() => h1(page).textContent()).toBe('На этом устройстве ещё нет карты')
    expect(await page.getByRole('link', { name: 'Врач' }).count()).toBe(1)
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ru')
    await screenshot(page, 'patient-ru-1280')

    await page.reload()
    await expect.poll(() => h1(page).textContent()).toBe('На этом устройстве ещё нет карты')
    expect(await page.getByTestId('language').inputValue()).toBe('ru')

    await page.getByTestId('language').selectOption('uz-Latn')
    await expect.poll(() => h1(page).textContent()).toBe('Bu qurilmada hali karta yo‘q')
    expect(await page.getByRole('link', { name: 'Shifokor' }).count()).toBe(1)
    await screenshot(page, 'patient-uz-1280')

    await page.getByTestId('language').selectOption('en')
    await expect.poll(() => h1(page).textContent()).toBe('No record on this device yet')
    expect(errors).toEqual([])
    await context.close()
  })

  it('starts in the browser’s language when none was chosen', async () => {
    const context = await browser.newContext({ locale: 'uz-UZ' })
    const page = await context.newPage()
    await page.goto(`${baseUrl}/doctor`)
    await expect.poll(() => h1(page).textContent()).toBe('Bu qurilmada hali shifokor profili yo‘q')
    await context.close()
  })

  it('opens with no network after one visit: every route renders from the service worker', async () => {
    const context = await newContext(browser)
    const page = await context.newPage()
    const errors = watchPageErrors(page)
    await page.goto(`${baseUrl}/patient`)
    await waitForServiceWorker(page)
    await page.getByTestId('language').selectOption('ru')
    await expect.poll(() => h1(page).textContent()).toBe('На этом устройстве ещё нет карты')

    await context.setOffline(true)
    // the page notices at once
    await expect.poll(() => page.getByTestId('network').textContent()).toBe('Не в сети')
    await expect.poll(() => page.locator('phr-relay-badge').getAttribute('data-state')).toBe('offline')

    await page.reload()
    await expect.poll(() => h1(page).textContent()).toBe('На этом устройстве ещё нет карты')
    // (Chromium's offline emulation leaves navigator.onLine true in a reloaded document,
    // so the badge may say "unreachable" rather than "offline" here; never "connected")
    await expect.poll(() => page.locator('phr-relay-badge').getAttribute('data-state')).toMatch(/^(offline|unreachable)$/)
    await screenshot(page, 'patient-offline-1280')

    await page.goto(`${baseUrl}/doctor`)
    await expect.poll(() => h1(page).textContent()).toBe('На этом устройстве ещё нет профиля врача')
    await page.goto(`${baseUrl}/emergency`)
    await expect.poll(() => h1(page).textContent()).toBe('Экстренная ссылка не открыта')

    // back online: the relay connection comes back by itself
    await context.setOffline(false)
    await expect.poll(() => page.locator('phr-relay-badge').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected')
    // only network failures while offline are expected in the console
    expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::/.test(e))).toEqual([])
    await context.close()
  })

  it('is installable: Chromium finds a valid manifest and no installability errors', async () => {
    // a persistent profile: Chromium never offers installation in an incognito context
    const context = await launchPersistentChromium()
    const page = await context.newPage()
    await page.goto(`${baseUrl}/patient`)
    await waitForServiceWorker(page)
    const cdp = await pageCdp(page)
    const manifest = (await cdp.send('Page.getAppManifest')) as { errors: unknown[]; url: string }
    expect(manifest.url).toBe(`${baseUrl}/manifest.webmanifest`)
    expect(manifest.errors).toEqual([])
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors')
    expect(installabilityErrors).toEqual([])
    await context.close()
  })
})
