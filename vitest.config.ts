import { defineConfig } from 'vitest/config'

/** Unit and Node integration tests. Browser end-to-end tests have their own config. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/**/*.browser.test.ts', 'node_modules/**'],
    environment: 'node',
    // worker threads start and import faster than child processes (forks, the default):
    // measured on 26 files of test/record, test/crypto and test/lib, 131-139 s → 85-93 s
    pool: 'threads',
    // and a worker keeps the modules it has imported from one file to the next, instead of
    // importing the whole tree again for each of 127 files: 223 s → 168 s for the suite.
    // Tests that measure memory collect garbage first (test/helpers/memory.ts).
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
