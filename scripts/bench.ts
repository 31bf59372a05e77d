/**
 * `npm run bench`: runs every `bench/*.bench.ts` module and prints each figure with its
 * ratio against a baseline measured in the same run.
 *
 * A bench module exports `default async function run(): Promise<BenchRow[]>` (see
 * `bench/report.ts`). Pass a substring to run only the matching modules:
 * `npm run bench -- envelope`.
 */
import { readdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { cpus } from 'node:os'
import { formatRows, type BenchRow } from '../bench/report.ts'

const dir = fileURLToPath(new URL('../bench/', import.meta.url))
const filter = process.argv[2]
const files = (await readdir(dir)).filter((f) => f.endsWith('.bench.ts') && (filter === undefined || f.includes(filter))).sort()

console.log(`# bench on ${cpus()[0]?.model ?? 'unknown cpu'} × ${cpus().length}, Node ${process.version}, ${new Date().toISOString()}`)
let failed = false
for (const file of files) {
  const mod = (await import(join(dir, file))) as { default: () => Promise<BenchRow[]> }
  console.log(`\n## ${file.replace('.bench.ts', '')}`)
  try {
    console.log(formatRows(await mod.default()))
  } catch (err) {
    failed = true
    console.error(`bench ${file} failed:`, err)
  }
}
if (failed) process.exitCode = 1
