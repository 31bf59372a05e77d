/**
 * Runs npm scripts side by side and fails if any fails: `node scripts/run-parallel.ts
 * typecheck lint layers`. Each one's output is printed whole when it ends, so the lines of
 * two checks never interleave. The static checks are single-threaded; on two cores, running
 * them together saves about a third of their time.
 */
import { spawn } from 'node:child_process'

const names = process.argv.slice(2)
if (names.length === 0) {
  console.error('usage: node scripts/run-parallel.ts <npm script>…')
  process.exit(2)
}

const results = await Promise.all(
  names.map(
    (name) =>
      new Promise<{ name: string; code: number; ms: number }>((resolve) => {
        const t0 = performance.now()
        const child = spawn('npm', ['run', '--silent', name], { stdio: ['ignore', 'pipe', 'pipe'] })
        const out: Buffer[] = []
        child.stdout.on('data', (b: Buffer) => out.push(b))
        child.stderr.on('data', (b: Buffer) => out.push(b))
        child.on('close', (code) => {
          const ms = performance.now() - t0
          process.stdout.write(Buffer.concat(out))
          console.log(`${name}: ${code === 0 ? 'passed' : `FAILED (exit ${String(code)})`} in ${(ms / 1000).toFixed(1)} s`)
          resolve({ name, code: code ?? 1, ms })
        })
      })
  )
)
const failed = results.filter((r) => r.code !== 0)
if (failed.length > 0) {
  console.error(`failed: ${failed.map((r) => r.name).join(', ')}`)
  process.exit(1)
}
