/**
 * Crash safety (Node + SQLite): a child process writes in a loop and is killed (SIGKILL)
 * at random moments. After each kill the store opens without a problem and holds every
 * change whose save was acknowledged. ≥ 20 kills in `npm test`, ≥ 200 in `npm run fuzz`.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import { createPersistence } from '../../src/storage/index.ts'
import { createSqliteStore } from '../../src/storage/sqlite.ts'
import { toHex } from '../../src/lib/index.ts'
import { generateSigningKeyPair, newDocId, newEpochKey, randomBytes } from '../../src/crypto/index.ts'
import { persistableYDoc } from '../helpers/ydoc.ts'
import { fuzzRuns } from '../helpers/fuzz.ts'
import { ROOT } from '../helpers/server.ts'

const dir = mkdtempSync(join(tmpdir(), 'phr-crash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A small deterministic PRNG (mulberry32) so that a failing seed can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Runs the writer until `killAfterMs` after it loaded, kills it, returns the highest acknowledged count. */
function runAndKill(args: string[], killAfterMs: number): Promise<{ acked: number; loaded: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'test/storage/crash-writer.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let stderr = ''
    let timer: ReturnType<typeof setTimeout> | undefined
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (timer === undefined && out.includes('loaded ')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    })
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited on its own (code ${code}): ${stderr}`))
      const acks = [...out.matchAll(/^ack (\d+)$/gm)].map((m) => Number(m[1]))
      const loaded = Number(/^loaded (\d+)$/m.exec(out)?.[1] ?? -1)
      resolve({ acked: acks.length === 0 ? loaded : Math.max(...acks), loaded, stderr })
    })
  })
}

describe('crash safety', () => {
  const kills = fuzzRuns(20, 200)
  it(`keeps every acknowledged change across ${kills} kills at random moments`, async () => {
    const seed = Number(process.env['PHR_CRASH_SEED'] ?? Date.now() % 1e9)
    const random = prng(seed)
    const path = join(dir, 'crash.db')
    const docId = newDocId()
    const key = newEpochKey()
    const deviceSeed = randomBytes(32)
    const args = [path, toHex(docId), toHex(key), toHex(deviceSeed)]
    let acked = 0
    for (let i = 0; i < kills; i++) {
      const run = await runAndKill(args, Math.floor(random() * 150))
      // what it loaded after the previous kill held everything acknowledged before it
      expect(run.loaded, `seed ${seed}, kill ${i}: loaded less than was acknowledged`).toBeGreaterThanOrEqual(acked)
      acked = Math.max(acked, run.acked)
    }
    // the writer made real progress between kills (else this proves nothing)
    expect(acked).toBeGreaterThan(kills)
    // and a final independent open sees all of it, in order, with no problem
    const store = createSqliteStore({ path })
    const p = persistableYDoc(new Y.Doc())
    const device = generateSigningKeyPair(deviceSeed)
    const persistence = createPersistence({ docId, doc: p, store, keys: { author: device, sealing: () => ({ epoch: 0, key }), epochKey: () => key } })
    const report = await persistence.load()
    expect(report.problems).toEqual([])
    const list = p.doc.getArray<number>('acked').toArray()
    expect(list.length, `seed ${seed}`).toBeGreaterThanOrEqual(acked)
    expect(list).toEqual(list.map((_, i) => i))
    await store.close()
  }, 60_000 + kills * 8_000)
})
