/**
 * The relay bench's load generator, run as a SEPARATE process (`process.execPath`) so that
 * its CPU is not counted as the relay's (not a test file itself). Loopback only.
 *
 * Protocol with the bench (one JSON object per line on stdout; lines on stdin):
 *  1. opens `connections` libp2p connections (each a distinct PeerId) to the relay over
 *     TCP, `dialConcurrency` at a time, and reports `{"phase":"held",…}`;
 *  2. on stdin `go`: the depositing devices (their keys, certificates, registrations and
 *     sealed envelopes come from the workload file) register and deposit everything in
 *     batches, in parallel, and report `{"phase":"deposit",…}`; then fetch it all back and
 *     report `{"phase":"fetch",…}` — all while the idle connections stay open;
 *  3. on stdin `stop` (or stdin closing): closes everything and exits.
 *
 * Usage: node test/relay/load-client.ts <config.json>
 */
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { fromHex, type DocId } from '../../src/lib/index.ts'
import { createMailboxClient } from '../../src/sync/mailbox/index.ts'

/** What the bench hands the load process. */
export interface LoadConfig {
  /** The relay's TCP multiaddr (with /p2p/…). */
  relay: string
  /** Idle connections to open and hold. */
  connections: number
  dialConcurrency: number
  /** Envelopes per DEPOSIT message. */
  batch: number
  /** Path of the workload JSON (`LoadWorkload`). */
  workload: string
}

/** One depositing device and what it deposits, all hex. */
export interface LoadDevice {
  seed: string
  cert: string
  docId: string
  registration: string
  envelopes: string[]
}

/** The deposit workload. */
export interface LoadWorkload {
  devices: LoadDevice[]
}

function say(obj: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`)
}

async function minimalNode(seed?: Uint8Array): Promise<Libp2p> {
  return createLibp2p({
    ...(seed === undefined ? {} : { privateKey: await generateKeyPairFromSeed('Ed25519', seed) }),
    addresses: { listen: [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { maxConnections: 4, dialTimeout: 30_000 }
  })
}

const config = JSON.parse(await readFile(process.argv[2] ?? '', 'utf8')) as LoadConfig
const work = JSON.parse(await readFile(config.workload, 'utf8')) as LoadWorkload
const relay = multiaddr(config.relay)
const lines = createInterface({ input: process.stdin })
const next = (): Promise<string> => new Promise((resolve) => {
  lines.once('line', resolve)
  lines.once('close', () => resolve('stop'))
})

// 1. idle connections, each from its own node (a distinct PeerId, as distinct devices would be)
const idle: Libp2p[] = []
const t0 = performance.now()
let failed = 0
let firstError = ''
let i = 0
await Promise.all(
  Array.from({ length: config.dialConcurrency }, async () => {
    while (i < config.connections) {
      i++
      const node = await minimalNode()
      idle.push(node)
      try {
        await node.dial(relay, { signal: AbortSignal.timeout(30_000) })
      } catch (err) {
        failed++
        firstError ||= (err as Error).message
      }
    }
  })
)
const openMs = performance.now() - t0
const open = idle.filter((n) => n.getConnections().length > 0).length
say({ phase: 'held', attempted: config.connections, open, failed, firstError, openMs, rssMiB: process.memoryUsage().rss / 2 ** 20 })

if ((await next()) === 'go') {
  // 2. deposits from separate devices, in parallel, while the idle connections stay open
  const devices = await Promise.all(
    work.devices.map(async (d) => {
      const node = await minimalNode(fromHex(d.seed))
      const client = createMailboxClient(node, {
        mailbox: relay,
        deviceCert: fromHex(d.cert),
        timeoutMs: 60_000,
        limits: { maxBatchEnvelopes: config.batch }
      })
      await client.register(fromHex(d.registration))
      return { node, client, docId: fromHex(d.docId) as DocId, envelopes: d.envelopes.map(fromHex) }
    })
  )
  const total = devices.reduce((n, d) => n + d.envelopes.length, 0)
  const d0 = performance.now()
  const c0 = process.cpuUsage()
  const stored = await Promise.all(devices.map((d) => d.client.deposit(d.docId, d.envelopes)))
  const depositMs = performance.now() - d0
  const cpu = process.cpuUsage(c0)
  say({ phase: 'deposit', envelopes: total, stored: stored.reduce((n, s) => n + s.stored, 0), ms: depositMs, cpuMs: (cpu.user + cpu.system) / 1000 })

  const f0 = performance.now()
  const fetched = await Promise.all(devices.map((d) => d.client.fetch(d.docId)))
  const fetchMs = performance.now() - f0
  say({ phase: 'fetch', envelopes: fetched.reduce((n, f) => n + f.envelopes.length, 0), ms: fetchMs })
  const stillOpen = idle.filter((n) => n.getConnections().length > 0).length
  say({ phase: 'after', open: stillOpen })
  await next()
  await Promise.all(devices.map(async (d) => {
    await d.node.stop()
  }))
}
await Promise.all(
  idle.map(async (n) => {
    await n.stop()
  })
)
lines.close()
say({ phase: 'done' })
process.exit(0)
