/**
 * The relay under load, from a SEPARATE load process (`test/relay/load-client.ts`, spawned
 * with `process.execPath`) on loopback:
 *
 * - connections held: 1,000 idle libp2p connections (TCP + Noise + yamux, each from its
 *   own PeerId), counted on the relay while held; baseline: the number attempted.
 * - mailbox deposit rate: 8 devices deposit sealed envelopes in parallel, batches of 64,
 *   while the 1,000 idle connections stay open; each device deposits its own envelopes, so
 *   the relay checks their structure and author against the Noise-authenticated PeerId
 *   (a forwarded envelope of another author would be signature-checked with
 *   `verifyEnvelope`), and each batch is one SQLite transaction
 *   (WAL, synchronous = FULL). Baseline: raw SQLite inserts of the same envelopes into the
 *   same schema with the same batch size and durability, in this process.
 * - mailbox fetch rate: the same devices fetch everything back; baseline: raw SQLite
 *   reads of the same rows in pages of 256.
 * - for context: `verifyEnvelope` alone on one core, the bound on the rate of forwarded
 *   (other authors') envelopes.
 *
 * Limits raised for the bench (the relay's defaults protect a public relay from a single
 * host): inbound connections per second per host 100 → 100,000 and connections in their
 * handshake at once 10 → 256, because all 1,000 connections come from 127.0.0.1.
 * `maxConnections` stays at its default (2,000).
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { DatabaseSync } from 'node:sqlite'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { createPerson, issueDeviceCert, newDocId, newEpochKey, randomBytes } from '../src/crypto/index.ts'
import { parseEnvelopeHeader, sealEnvelope, verifyEnvelope } from '../src/envelope/index.ts'
import { toHex } from '../src/lib/index.ts'
import { createRelay } from '../src/relay/index.ts'
import { signRegistration } from '../src/sync/mailbox/index.ts'
import type { LoadConfig, LoadDevice } from '../test/relay/load-client.ts'
import type { BenchRow } from './report.ts'

const CONNECTIONS = 1_000
const DEVICES = 8
const PER_DEVICE = 500
const BATCH = 64
const PAYLOAD = 300 // bytes of Yjs update per envelope, a typical small edit

interface Workload {
  devices: LoadDevice[]
  /** Every envelope, in deposit order, for the baseline. */
  all: Uint8Array[]
}

async function makeWorkload(): Promise<Workload> {
  const owner = createPerson().keys
  const devices: LoadDevice[] = []
  const all: Uint8Array[] = []
  for (let d = 0; d < DEVICES; d++) {
    const seed = randomBytes(32)
    const key = await generateKeyPairFromSeed('Ed25519', seed)
    const docId = newDocId()
    const epochKey = newEpochKey()
    const envelopes: string[] = []
    for (let seq = 1; seq <= PER_DEVICE; seq++) {
      const e = sealEnvelope({ docId, epoch: 0, author: key.publicKey.raw, seq, kind: 'update' }, randomBytes(PAYLOAD), { epochKey, authorSecretKey: seed })
      envelopes.push(toHex(e))
      all.push(e)
    }
    devices.push({
      seed: toHex(seed),
      cert: toHex(issueDeviceCert({ peerId: key.publicKey.toString(), name: `bench ${d}`, issuedAt: Date.now() }, owner.signing.secretKey)),
      docId: toHex(docId),
      registration: toHex(signRegistration({ docId, version: 1, issuedAt: Date.now(), parties: [] }, owner.signing.secretKey)),
      envelopes
    })
  }
  return { devices, all }
}

/** Raw SQLite: the mailbox's envelope table, the same batches, the same durability. */
function baselineSqlite(dir: string, envelopes: Uint8Array[]): { insertPerSecond: number; readPerSecond: number } {
  const db = new DatabaseSync(join(dir, 'baseline.sqlite'))
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;')
  db.exec(`CREATE TABLE envelopes (id INTEGER PRIMARY KEY, doc BLOB NOT NULL, author BLOB NOT NULL, seq INTEGER NOT NULL,
    kind INTEGER NOT NULL, covers TEXT, size INTEGER NOT NULL, received_at INTEGER NOT NULL, bytes BLOB NOT NULL, UNIQUE (doc, author, seq));
    CREATE INDEX envelopes_doc ON envelopes (doc, id); CREATE INDEX envelopes_age ON envelopes (received_at);`)
  const insert = db.prepare('INSERT OR IGNORE INTO envelopes (doc, author, seq, kind, covers, size, received_at, bytes) VALUES (?, ?, ?, 0, NULL, ?, ?, ?)')
  const headers = envelopes.map((e) => parseEnvelopeHeader(e))
  const t0 = performance.now()
  for (let i = 0; i < envelopes.length; i += BATCH) {
    db.exec('BEGIN IMMEDIATE')
    for (let j = i; j < Math.min(i + BATCH, envelopes.length); j++) {
      const h = headers[j]
      const e = envelopes[j] as Uint8Array
      if (h === undefined) continue
      insert.run(h.docId, h.author, h.seq, e.length, Date.now(), e)
    }
    db.exec('COMMIT')
  }
  const insertMs = performance.now() - t0
  const page = db.prepare('SELECT id, bytes FROM envelopes WHERE doc = ? AND id > ? ORDER BY id LIMIT 256')
  const docs = [...new Set(headers.map((h) => toHex(h.docId)))]
  let read = 0
  const r0 = performance.now()
  for (const doc of docs) {
    let cursor = 0
    for (;;) {
      const rows = page.all(Buffer.from(doc, 'hex'), cursor) as Array<{ id: number; bytes: Uint8Array }>
      if (rows.length === 0) break
      read += rows.length
      cursor = rows[rows.length - 1]?.id ?? cursor
    }
  }
  const readMs = performance.now() - r0
  db.close()
  return { insertPerSecond: envelopes.length / (insertMs / 1000), readPerSecond: read / (readMs / 1000) }
}

function verifyRate(envelopes: Uint8Array[]): number {
  const sample = envelopes.slice(0, 400)
  for (const e of sample.slice(0, 50)) verifyEnvelope(e)
  const t0 = performance.now()
  for (const e of sample) verifyEnvelope(e)
  return sample.length / ((performance.now() - t0) / 1000)
}

/** Bench entry point (see `bench/report.ts`). */
export default async function run(): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'phr-relay-bench-'))
  const relay = await createRelay({
    host: '127.0.0.1',
    wsPort: 0,
    tcpPort: 0,
    dataDir: join(dir, 'relay'),
    inboundConnectionThreshold: 100_000,
    maxIncomingPendingConnections: 256,
    mailboxOptions: { quotas: { maxEnvelopesPerOwner: 1_000_000, maxBytesPerOwner: 2 ** 32 } }
  })
  const child: { kill(): void } = { kill: () => undefined }
  try {
    const work = await makeWorkload()
    const relayAddr = relay.multiaddrs().find((a) => !a.includes('/ws/'))
    if (relayAddr === undefined) throw new Error('relay has no TCP address')
    await writeFile(join(dir, 'workload.json'), JSON.stringify({ devices: work.devices }))
    const config: LoadConfig = { relay: relayAddr, connections: CONNECTIONS, dialConcurrency: 64, batch: BATCH, workload: join(dir, 'workload.json') }
    await writeFile(join(dir, 'config.json'), JSON.stringify(config))

    const script = fileURLToPath(new URL('../test/relay/load-client.ts', import.meta.url))
    const proc = spawn(process.execPath, ['--no-warnings', script, join(dir, 'config.json')], { stdio: ['pipe', 'pipe', 'inherit'] })
    child.kill = () => proc.kill('SIGKILL')
    const out = createInterface({ input: proc.stdout })
    const messages: Array<Record<string, number | string>> = []
    const waiters: Array<(m: Record<string, number | string>) => void> = []
    out.on('line', (line) => {
      const m = JSON.parse(line) as Record<string, number | string>
      const w = waiters.shift()
      if (w === undefined) messages.push(m)
      else w(m)
    })
    const deadline = setTimeout(() => proc.kill('SIGKILL'), 300_000)
    deadline.unref()
    const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`load process exited (${code}) before reporting`))))
    const nextMessage = (): Promise<Record<string, number | string>> =>
      Promise.race([messages.length > 0 ? Promise.resolve(messages.shift() as Record<string, number | string>) : new Promise<Record<string, number | string>>((resolve) => waiters.push(resolve)), exited])

    const held = await nextMessage()
    await new Promise((resolve) => setTimeout(resolve, 2_000)) // hold, then count on the relay
    const relayHeld = relay.node.getConnections().length
    proc.stdin.write('go\n')
    const c0 = process.cpuUsage()
    const deposit = await nextMessage()
    const relayCpu = process.cpuUsage(c0)
    const fetch = await nextMessage()
    const after = await nextMessage()
    proc.stdin.end('stop\n')
    await nextMessage().catch(() => undefined)
    clearTimeout(deadline)

    const { insertPerSecond, readPerSecond } = baselineSqlite(dir, work.all)
    const verifyPerSecond = verifyRate(work.all)
    const depositRate = Number(deposit['envelopes']) / (Number(deposit['ms']) / 1000)
    const fetchRate = Number(fetch['envelopes']) / (Number(fetch['ms']) / 1000)
    console.log(
      `relay bench: load process opened ${held['open']}/${held['attempted']} connections in ${Number(held['openMs']).toFixed(0)} ms ` +
        `(${held['failed']} failed${held['firstError'] === '' ? '' : `: ${String(held['firstError'])}`}; load rss ${Number(held['rssMiB']).toFixed(0)} MiB); ` +
        `relay counted ${relayHeld}; still open after the deposits: ${after['open']}; deposited ${deposit['stored']}/${deposit['envelopes']} in ${Number(deposit['ms']).toFixed(0)} ms ` +
        `(CPU during it: relay ${((relayCpu.user + relayCpu.system) / 1000).toFixed(0)} ms, load process ${Number(deposit['cpuMs']).toFixed(0)} ms); ` +
        `fetched ${fetch['envelopes']} in ${Number(fetch['ms']).toFixed(0)} ms; relay heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`
    )
    const idleHeld = Math.min(relayHeld, Number(held['open']))
    return [
      {
        name: `connections held (separate process, loopback, ${CONNECTIONS} attempted)`,
        value: idleHeld,
        unit: 'connections',
        baselineName: 'attempted',
        baseline: CONNECTIONS,
        ratio: idleHeld / CONNECTIONS,
        target: '≥ 1000 held',
        met: idleHeld >= 1000
      },
      {
        name: `mailbox deposit (${DEVICES} devices, batches of ${BATCH}, ${PAYLOAD} B updates, own envelopes)`,
        value: depositRate,
        unit: 'envelopes/s',
        baselineName: 'raw SQLite insert, same batches',
        baseline: insertPerSecond,
        ratio: depositRate / insertPerSecond,
        target: '≥ 5000 envelopes/s',
        met: depositRate >= 5000
      },
      {
        name: `mailbox fetch (${DEVICES} devices, pages of 256)`,
        value: fetchRate,
        unit: 'envelopes/s',
        baselineName: 'raw SQLite read, pages of 256',
        baseline: readPerSecond,
        ratio: fetchRate / readPerSecond,
        target: '≥ 5000 envelopes/s',
        met: fetchRate >= 5000
      },
      {
        name: 'verifyEnvelope alone, one core (bounds deposits of forwarded envelopes)',
        value: verifyPerSecond,
        unit: 'envelopes/s'
      }
    ]
  } finally {
    child.kill()
    await relay.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
