/**
 * How many fuzz/fault iterations to run: `normal` in `npm test`, `full` in `npm run fuzz`.
 * @example fc.assert(prop, { numRuns: fuzzRuns(100_000, 1_000_000) })
 */
export function fuzzRuns(normal: number, full: number): number {
  return process.env['PHR_FUZZ_SCALE'] === 'full' ? full : normal
}
