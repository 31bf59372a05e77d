import { defineConfig } from 'vitest/config'

/**
 * End-to-end tests in a real headless Chromium against the real `npm start` server
 * (started once, on free ports, by test/e2e/setup.ts).
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    environment: 'node',
    globalSetup: ['test/e2e/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // browsers are heavy on 2 cores: one file at a time
    fileParallelism: false
  }
})
