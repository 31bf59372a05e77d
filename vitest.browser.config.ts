import { defineConfig } from 'vitest/config'
import { playwright } from '@vitest/browser-playwright'
import { CHROMIUM_PATH } from './test/helpers/chromium-path.ts'

/**
 * Tests that need a real browser API (IndexedDB, WebCrypto, Web Workers) run inside
 * headless Debian Chromium: files named `*.browser.test.ts`.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.browser.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: {
          executablePath: CHROMIUM_PATH,
          chromiumSandbox: false,
          args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
            // WebRTC tests: a fake camera and microphone, no permission prompt, loopback host candidates
            '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection']
        }
      }),
      instances: [{ browser: 'chromium' }]
    }
  }
})
