/**
 * Shared browser launch for every end-to-end test: Debian's Chromium driven by
 * playwright-core, with the flags that work headless as root here, plus opt-in flags
 * for WebRTC (fake media) and Web Bluetooth, and CDP sessions for emulation.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core'

export { CHROMIUM_PATH } from './chromium-path.ts'
import { CHROMIUM_PATH } from './chromium-path.ts'

/** What a test needs from the browser. */
export interface LaunchOptions {
  /** Fake camera and microphone, loopback ICE candidates. @default false */
  webrtc?: boolean
  /** `navigator.bluetooth` (emulated devices through CDP). @default false */
  bluetooth?: boolean
  /** More Chromium flags. */
  args?: string[]
}

const BASE_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

function flags(opts: LaunchOptions): string[] {
  const args = [...BASE_FLAGS]
  if (opts.webrtc === true) {
    args.push('--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection')
  }
  if (opts.bluetooth === true) args.push('--enable-features=WebBluetooth')
  args.push(...(opts.args ?? []))
  return args
}

/** Launches a fresh headless Chromium (playwright gives it a new empty user-data-dir). */
export async function launchChromium(opts: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, chromiumSandbox: false, args: flags(opts) })
}

/**
 * Launches Chromium with a persistent (non-incognito) profile in a fresh folder, for what
 * Chromium allows only outside incognito, such as installing the PWA.
 */
export async function launchPersistentChromium(opts: LaunchOptions = {}): Promise<BrowserContext> {
  const dir = mkdtempSync(join(tmpdir(), 'phr-chromium-'))
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    chromiumSandbox: false,
    args: flags(opts),
    viewport: { width: 1280, height: 800 }
  })
  // Chromium may still be writing into the profile as the context closes (ENOTEMPTY): the
  // folder is a temporary one, so removing it is retried, then given up quietly
  context.on('close', () => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
    } catch (err) {
      console.warn(`could not remove the temporary Chromium profile ${dir}:`, err instanceof Error ? err.message : err)
    }
  })
  return context
}

/** A browser-level CDP session (BluetoothEmulation.* lives here). */
export async function browserCdp(browser: Browser): Promise<CDPSession> {
  return browser.newBrowserCDPSession()
}

/** A page-level CDP session (DeviceAccess.*, the device chooser, lives here). */
export async function pageCdp(page: Page): Promise<CDPSession> {
  return page.context().newCDPSession(page)
}

/**
 * Collects the page's uncaught errors and console errors, so a test can assert that a
 * screen rendered without any.
 */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`)
  })
  return errors
}

/** A new context with the size of a phone (390 px) or a desktop (1280 px). */
export async function newContext(browser: Browser, width: 390 | 1280 = 1280): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width, height: width === 390 ? 844 : 800 }, deviceScaleFactor: 1 })
}
