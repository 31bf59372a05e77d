/**
 * Convergence under faults (STYLE: seeded peers on a simulated network that partitions,
 * drops, delays, duplicates and reorders, ending identical). Each seed runs 3–4 devices of
 * one person with 1–2 docs through the real sync engine, envelope sealing/opening and
 * persistence (memory stores): random edits, compactions and link flaps while the network
 * mangles ENVELOPES messages; then the network heals (every link re-established, no
 * faults) and every replica must hold the same content and the same vector, in memory and
 * in its store.
 *
 * Count: `fuzzRuns(100, 1000)` seeds. Base seed: PHR_FUZZ_SEED (default 0x5eed); a failure
 * names the seed that failed so it can be replayed with PHR_SYNC_SEED=<seed>.
 */
import { describe, expect, it } from 'vitest'
import { newDocId, newEpochKey } from '../../src/crypto/index.ts'
import { createSyncEngine, type SyncEngine } from '../../src/sync/index.ts'
import { fuzzRuns } from '../helpers/fuzz.ts'
import { Rng } from '../envelope/fuzz-engine.ts'
import { contentOf, device, edit, person, replica, sortedVector, type Replica } from './helpers.ts'
import { SimNet, NO_FAULTS } from './simnet.ts'

const SEEDS = fuzzRuns(100, 1000)
const BASE = Number(process.env['PHR_FUZZ_SEED'] ?? 0x5eed)
const ONLY = process.env['PHR_SYNC_SEED']
const owner = person()
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

interface Outcome {
  steps: number
  envelopes: number
}

async function runSeed(seed: number): Promise<Outcome> {
  const rng = new Rng(seed)
  const n = rng.chance(0.3) ? 4 : 3
  const docCount = 1 + rng.int(2)
  const devices = Array.from({ length: n }, (_, i) => device(owner, `device ${i}`, rng.bytes(32)))
  const docs = Array.from({ length: docCount }, () => ({ docId: newDocId(), key: newEpochKey() }))
  const engines: SyncEngine[] = []
  const replicas: Replica[][] = []
  // the network reads `engines` when links come up, after they are all created below
  const net = new SimNet(rng, engines, devices.map((d) => d.peerId), { duplicate: 0.2, shuffle: 0.3, drop: 0.05, replay: 0.2 })
  for (const [i, d] of devices.entries()) {
    const engine = createSyncEngine({
      deviceCert: d.cert,
      clock: () => net.now,
      warn: () => undefined,
      // small batches and window: many messages, flow control exercised
      limits: { messagesPerSecond: 1e9, messageBurst: 1e9, batchBytes: 2048, windowBytes: 4096, maxEnvelopesPerMessage: 8, maxPushQueueBytes: 4096 }
    })
    const mine: Replica[] = []
    for (const doc of docs) {
      const r = await replica(d, doc.docId, doc.key, { clientId: i + 1, batchMs: 1e9 })
      engine.addDoc(r.doc)
      mine.push(r)
    }
    engines.push(engine)
    replicas.push(mine)
  }
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (rng.chance(0.6)) net.connect(a, b)

  const steps = 150 + rng.int(150)
  let envelopes = 0
  for (let s = 0; s < steps; s++) {
    net.now += 1
    const r = rng.next()
    if (r < 0.12) {
      const peer = replicas[rng.int(n)] as Replica[]
      const target = rng.pick(peer)
      edit(rng, target)
      await target.persistence.flush()
      envelopes++
    } else if (r < 0.17) {
      const a = rng.int(n)
      const b = (a + 1 + rng.int(n - 1)) % n
      if (net.isUp(a, b)) net.disconnect(a, b)
      else net.connect(a, b)
    } else if (r < 0.18) {
      await rng.pick(rng.pick(replicas)).persistence.compact()
    } else {
      for (let k = 0; k < 1 + rng.int(3); k++) net.deliverOne()
    }
    await tick()
  }

  // heal: fresh sessions on every link, no faults, run until nothing moves
  net.faults = NO_FAULTS
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) net.disconnect(a, b)
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) net.connect(a, b)
  let quiet = 0
  for (let i = 0; quiet < 20; i++) {
    if (i > 200_000) throw new Error('the network did not go quiet')
    net.now += 1
    let moved = false
    for (let k = 0; k < 8; k++) moved = net.deliverOne() || moved
    await tick()
    // receiving a compressed snapshot inflates over several turns: wait for every store too
    await Promise.all(replicas.flat().map((r) => r.persistence.whenSaved()))
    quiet = moved || !net.idle ? 0 : quiet + 1
  }
  expect(net.problems).toEqual([])

  for (let d = 0; d < docCount; d++) {
    const copies = replicas.map((mine) => mine[d] as Replica)
    const first = copies[0] as Replica
    const content = contentOf(first)
    const vector = sortedVector(first.persistence.vector())
    for (const c of copies) {
      expect(contentOf(c)).toEqual(content)
      expect(sortedVector(c.persistence.vector())).toEqual(vector)
      expect(sortedVector(await c.store.vector(c.docId))).toEqual(vector)
      expect(c.persistence.held).toBe(0)
    }
  }
  for (const e of engines) e.stop()
  return { steps, envelopes }
}

describe(`sync convergence on a faulty simulated network (${SEEDS} seeds from ${BASE})`, () => {
  it(
    'every seed ends with identical content and identical vectors',
    async () => {
      const seeds = ONLY === undefined ? Array.from({ length: SEEDS }, (_, i) => BASE + i) : [Number(ONLY)]
      let steps = 0
      let envelopes = 0
      const t0 = performance.now()
      for (const seed of seeds) {
        try {
          const o = await runSeed(seed)
          steps += o.steps
          envelopes += o.envelopes
        } catch (err) {
          throw new Error(`convergence failed for seed ${seed} (replay: PHR_SYNC_SEED=${seed}): ${(err as Error).message}`, { cause: err })
        }
      }
      console.log(`convergence: ${seeds.length} seeds (${seeds[0]}…${seeds[seeds.length - 1]}), ${steps} fault steps, ${envelopes} edits, ${(performance.now() - t0).toFixed(0)} ms`)
    },
    SEEDS > 100 ? 3_600_000 : 300_000
  )
})
