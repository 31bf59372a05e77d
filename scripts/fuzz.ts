/**
 * `npm run fuzz`: the long fuzz and fault runs. It runs every `*.fuzz.test.ts` with the
 * scale raised (`PHR_FUZZ_SCALE=full`); `npm test` runs the same files at the normal
 * scale. Each fuzz test reads its count through `fuzzRuns()` in `test/helpers/fuzz.ts`.
 */
import { spawnSync } from 'node:child_process'

const res = spawnSync('vitest', ['run', '.fuzz.test.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, PHR_FUZZ_SCALE: 'full' }
})
process.exitCode = res.status ?? 1
