import { defineConfig } from 'vitest/config'

/** Unit and Node integration tests. Browser end-to-end tests have their own config. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/**/*.browser.test.ts', 'node_modules/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
