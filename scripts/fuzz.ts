/**
 * `npm run fuzz`: the long fuzz and fault runs. It runs every `*.fuzz.test.ts` with the
 * scale raised (`PHR_FUZZ_SCALE=full`); `npm test` runs the same files at the normal
 * scale. Each fuzz test reads its count through `fuzzRuns()` in `test/helpers/fuzz.ts`.
 */
import { spawnSync } from 'node:child_process'

// `npm run fuzz -- crash.fuzz` runs only the fuzz files whose path contains that text
const filters = process.argv.slice(2)
const res = spawnSync('vitest', ['run', ...(filters.length === 0 ? ['.fuzz.test.ts'] : filters)], {
  stdio: 'inherit',
  env: { ...process.env, PHR_FUZZ_SCALE: 'full' }
})
process.exitCode = res.status ?? 1
