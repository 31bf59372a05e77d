/**
 * Telemonitoring latency (issue 8 §4), through a real circuit relay on loopback, the only
 * connection between the two devices being relayed (the doctor dials the patient's device
 * through the relay, as the app does before browsers upgrade to WebRTC):
 *
 * 1. Reading → doctor's screen: a heart-rate sample recorded on the patient's device
 *    (`recordLiveReading`: into the vitals compartment, sealed and stored at once), pushed by
 *    `/phr/sync/1`, received, verified, decrypted, stored and applied on the doctor's
 *    replica, until the doctor's `Telemonitor` emits it as the latest reading (with a
 *    threshold on heart rate, so every reading is also evaluated). p50 and p99 of 500.
 * 2. Reading past a threshold → alert on the patient's own device: a systolic above the
 *    doctor's threshold goes to the doctor's device, which evaluates it and writes the
 *    DetectedIssue into the visit compartment, which comes back to the patient's device,
 *    where its observer emits the alert. p50 and p99 of 60 (no target named: reported).
 *
 * Baseline, in the same run and over the same relayed connection: the round trip of a
 * frame the size of a reading's envelope on a bare echo protocol (`/phr-bench/echo/1`) —
 * what the network path costs before anything of ours runs. A reading needs one trip
 * (ratio ≈ 0.5 means nothing but the network), an alert two (≈ 1).
 *
 * The relay's default circuit limits (128 KiB each way, 2 min, circuit-relay-v2) end a
 * relayed connection long before 500 readings; the measurements run in rounds of 100
 * readings (10 alerts), each round on a fresh relayed connection, dialled outside the clock.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import type { Connection, Stream } from '@libp2p/interface'
import { createPerson, generateSigningKeyPair, issueDeviceCert, type PersonKeys } from '../src/crypto/index.ts'
import { equalBytes, toHex } from '../src/lib/index.ts'
import { visitCompartment, type Compartment } from '../src/record/index.ts'
import { createMemoryStore } from '../src/storage/index.ts'
import { addCompartment, type Keyring } from '../src/consent/index.ts'
import { createDefaultAuthorizer, createNodePeer, createSyncService, deviceKeyFromSecret, peerIdOfAuthorKey, type Peer, type SyncService, type SyncServiceInit } from '../src/sync/index.ts'
import { frameStream, type FrameStream } from '../src/sync/frames.ts'
import { createRelay } from '../src/relay/index.ts'
import { observationsFromReading, seriesSamples } from '../src/devices/index.ts'
import { bindCompartment, type OpenCompartment } from '../src/app/record-session.ts'
import { recordLiveReading } from '../src/app/live-vitals.ts'
import { createTelemonitor, type Telemonitor } from '../src/app/telemonitor.ts'
import type { BenchRow } from './report.ts'

const ECHO = '/phr-bench/echo/1'
const READINGS = 500
const ALERTS = 60
const PER_ROUND = 100
const ALERTS_PER_ROUND = 10
const WARMUP = 10

interface Replicas {
  vitals: OpenCompartment
  visit: OpenCompartment
  store: ReturnType<typeof createMemoryStore>
}

interface Device {
  author: { secretKey: Uint8Array; publicKey: Uint8Array }
  peerId: string
  cert: Uint8Array
}

function device(person: PersonKeys, name: string): Device {
  const author = generateSigningKeyPair()
  const peerId = peerIdOfAuthorKey(author.publicKey)
  return { author, peerId, cert: issueDeviceCert({ peerId, name, issuedAt: Date.now() }, person.signing.secretKey) }
}

async function node(d: Device, sync: Partial<SyncServiceInit>, listen: string[]): Promise<{ peer: Peer; sync: SyncService }> {
  const peer = await createNodePeer({ privateKey: await deviceKeyFromSecret(d.author.secretKey), allowInsecureLoopback: true, listen })
  // a new session every round is this bench's doing, not a flood: the per-minute session cap is raised
  const service = createSyncService(peer, { deviceCert: d.cert, autoSync: false, allowLimitedConnections: true, maxSessionsPerMinute: 1000, warn: () => undefined, ...sync })
  await service.start()
  return { peer, sync: service }
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = performance.now()
  while (!check()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setImmediate(r))
  }
}

/** Resolves when `tm` emits the reading taken at `t`. */
function readingAt(tm: Telemonitor, t: number): Promise<void> {
  return new Promise((resolve) => {
    const off = tm.on('reading', (r) => {
      if (r.t !== t) return
      off()
      resolve()
    })
  })
}

/** Resolves when `tm` emits the alert about the reading taken at `t`. */
function alertAt(tm: Telemonitor, t: number): Promise<void> {
  return new Promise((resolve) => {
    const off = tm.on('alert', (a) => {
      if (a.at !== t) return
      off()
      resolve()
    })
  })
}

/** `p`, or a named failure after 10 s. */
async function within(p: Promise<void>, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([p, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 10_000)))])
  } finally {
    clearTimeout(timer)
  }
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b)

/** An echo client on a fresh stream of `conn`. */
async function echoClient(conn: Connection): Promise<{ rtt(frame: Uint8Array): Promise<number>; close(): void }> {
  const stream = await conn.newStream(ECHO, { runOnLimitedConnection: true })
  const frames = frameStream(stream, { maxFrameBytes: 64 * 1024, maxBufferedBytes: 1 << 20, frameTimeoutMs: 10_000 })
  return {
    async rtt(frame) {
      const t0 = performance.now()
      await frames.write(frame, AbortSignal.timeout(10_000))
      const back = await frames.read(AbortSignal.timeout(10_000))
      if (back === null || back.length !== frame.length) throw new Error('echo: short answer')
      return performance.now() - t0
    },
    close: () => frames.close()
  }
}

function echoServer(stream: Stream): void {
  const frames: FrameStream = frameStream(stream, { maxFrameBytes: 64 * 1024, maxBufferedBytes: 1 << 20, frameTimeoutMs: 10_000 })
  void (async () => {
    for (;;) {
      const f = await frames.read(new AbortController().signal)
      if (f === null) break
      await frames.write(f, AbortSignal.timeout(10_000))
    }
  })().catch(() => undefined) // the connection closes at the end of each round: the loop ends with it
}

/** Bench entry point (see `bench/report.ts`). */
export default async function run(): Promise<BenchRow[]> {
  const patient = createPerson().keys
  const doctor = createPerson().keys
  const phone = device(patient, 'phone')
  const clinic = device(doctor, 'clinic pc')
  // the record's keyring: vitals and the grant's visit compartment (keys handed over as a grant would)
  const keyring: Keyring = new Map()
  const vitalsKeys = addCompartment(keyring, 'vitals')
  const visitKeys = addCompartment(keyring, visitCompartment('bench'))
  const open = async (d: Device): Promise<Replicas> => {
    const store = createMemoryStore()
    return { store, vitals: await bindCompartment(store, keyring, vitalsKeys, d.author, {}), visit: await bindCompartment(store, keyring, visitKeys, d.author, {}) }
  }
  const p = await open(phone)
  const d = await open(clinic)

  const cleanup: Array<() => Promise<void> | void> = []
  try {
    return await measure(patient, doctor, phone, clinic, p, d, cleanup)
  } finally {
    for (const stop of cleanup.reverse()) await stop()
  }
}

async function measure(
  patient: PersonKeys,
  doctor: PersonKeys,
  phone: Device,
  clinic: Device,
  p: Replicas,
  d: Replicas,
  cleanup: Array<() => Promise<void> | void>
): Promise<BenchRow[]> {
  const vitalsId = p.vitals.compartment.docId
  const visitId = p.visit.compartment.docId
  const relay = await createRelay({ wsPort: 0, tcpPort: 0, privateKey: await generateKeyPair('Ed25519') })
  cleanup.push(() => relay.stop())
  const relayTcp = relay.multiaddrs().find((a) => !a.includes('/ws'))
  if (relayTcp === undefined) throw new Error('relay has no TCP address')
  const auth = createDefaultAuthorizer({ owner: patient.did, allow: [{ person: doctor.did, docs: [vitalsId, visitId] }] })
  const pp = await node(phone, { authorize: auth.authorize, wants: () => true }, ['/p2p-circuit'])
  cleanup.push(() => pp.peer.stop(), () => pp.sync.stop())
  const pd = await node(clinic, { authorize: (person, _d, docId) => person === patient.did && equalBytes(docId, visitId), wants: () => true }, [])
  cleanup.push(() => pd.peer.stop(), () => pd.sync.stop())
  for (const [n, r] of [[pp, p], [pd, d]] as const) for (const c of [r.vitals, r.visit]) n.sync.addDoc({ docId: c.compartment.docId, store: r.store, persistence: c.persistence })
  await pp.peer.handle(ECHO, (stream) => echoServer(stream), { runOnLimitedConnection: true })
  await pp.peer.dial(multiaddr(relayTcp))
  await until(() => pp.peer.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit')), 10_000, 'reservation')
  const target = `${relayTcp}/p2p-circuit/p2p/${phone.peerId}`

  const monitor = createTelemonitor({ vitals: d.vitals.compartment, visit: d.visit.compartment, flush: () => d.visit.persistence.flush(), warn: () => undefined }, { role: 'monitor', author: { display: 'Dr Bench' } })
  const observer = createTelemonitor({ vitals: p.vitals.compartment, visit: p.visit.compartment, warn: () => undefined })
  monitor.start()
  observer.start()
  cleanup.push(() => monitor.stop(), () => observer.stop())
  await monitor.setThresholds([
    { id: 'hr-high', code: '8867-4', comparator: '>', value: 220, unit: '/min' },
    { id: 'sbp-high', code: '8480-6', comparator: '>', value: 160, unit: 'mm[Hg]' }
  ])

  let redials = 0
  const same = (a: Compartment, b: Compartment): boolean => toHex(a.stateVector()) === toHex(b.stateVector())
  const inSync = (): boolean => same(p.vitals.compartment, d.vitals.compartment) && same(p.visit.compartment, d.visit.compartment)

  /** A fresh relayed connection with a live sync session, and an echo stream on it. */
  async function connect(): Promise<{ echo: Awaited<ReturnType<typeof echoClient>>; conn: Connection }> {
    for (let attempt = 1; ; attempt++) {
      await pd.peer.hangUp(pp.peer.peerId)
      await until(() => pd.sync.status().peers.length === 0 && pp.sync.status().peers.length === 0, 10_000, 'sessions closed')
      try {
        await pd.sync.syncWith(target)
        break
      } catch (err) {
        // a circuit the relay is still tearing down can refuse the first stream: dial again (outside the clock)
        if (attempt === 3) throw err
        redials++
        await new Promise((r) => setTimeout(r, 200))
      }
    }
    await until(() => pd.sync.status().peers.length === 1 && pp.sync.status().peers.length === 1, 10_000, 'session through the relay')
    await until(inSync, 10_000, 'in sync')
    const conns = pd.peer.getConnections(pp.peer.peerId)
    const conn = conns[0]
    if (conn === undefined || conns.some((c) => c.limits === undefined)) throw new Error('expected only a relayed connection')
    return { echo: await echoClient(conn), conn }
  }

  const readingMs: number[] = []
  const echoMs: number[] = []
  const alertMs: number[] = []
  let hrEnvelope = 0
  let alerts = 0
  {
    let envelopeBytes = 0
    const sizes = p.vitals.persistence.onSealed((e) => void (envelopeBytes = e.length))
    let t = Math.floor(Date.now() / 1000) * 1000 // whole seconds: an Observation's time is to the second
    let n = 0
    while (readingMs.length < READINGS) {
      const { echo } = await connect()
      for (let i = 0; i < PER_ROUND + WARMUP && readingMs.length < READINGS; i++) {
        t += 1000
        const sampleT = t
        const samples = seriesSamples({ kind: 'heart-rate', value: { bpm: 60 + (n++ % 40), sensorContact: 'detected', rrIntervalsMs: [] } }, { device: { id: 'strap' }, receivedAt: sampleT, timeZone: 'UTC' })
        const seen = readingAt(monitor, sampleT)
        const t0 = performance.now()
        await recordLiveReading(p.vitals, { samples })
        await within(seen, 'the reading at the doctor')
        const ms = performance.now() - t0
        const rtt = await echo.rtt(new Uint8Array(Math.max(envelopeBytes, 64)))
        if (i >= WARMUP) {
          readingMs.push(ms)
          echoMs.push(rtt)
        }
        await new Promise((r) => setTimeout(r, 2))
      }
      echo.close()
    }
    sizes()
    hrEnvelope = envelopeBytes

    let k = 0
    while (alertMs.length < ALERTS) {
      const { echo } = await connect()
      for (let i = 0; i < ALERTS_PER_ROUND && alertMs.length < ALERTS; i++) {
        // a normal reading ends the episode (its end comes back before the clock starts), the next one above 160 opens a new one
        t += 60_000
        await recordLiveReading(p.vitals, { observations: observationsFromReading({ kind: 'blood-pressure', value: { systolic: 120, diastolic: 80, meanArterial: Number.NaN, unit: 'mm[Hg]' } }, { id: `bp-n${k}`, device: { id: 'cuff' }, receivedAt: t, timeZone: 'UTC' }) })
        await new Promise((r) => setTimeout(r, 5))
        await until(inSync, 10_000, 'the end of the episode on both devices')
        t += 60_000
        const at = t
        const seen = alertAt(observer, at)
        const t0 = performance.now()
        await recordLiveReading(p.vitals, { observations: observationsFromReading({ kind: 'blood-pressure', value: { systolic: 170 + (k % 20), diastolic: 95, meanArterial: Number.NaN, unit: 'mm[Hg]' } }, { id: `bp-h${k}`, device: { id: 'cuff' }, receivedAt: at, timeZone: 'UTC' }) })
        await within(seen, 'the alert on the patient device')
        alertMs.push(performance.now() - t0)
        k++
        await echo.rtt(new Uint8Array(Math.max(hrEnvelope, 64))) // keeps the echo stream's use alike across rounds
      }
      echo.close()
    }
    alerts = observer.alerts().length
  }
  if (redials > 0) console.log(`telemon: ${redials} relayed connection(s) dialled again before a round`)
  if (alerts !== ALERTS) throw new Error(`expected ${ALERTS} alerts on the patient's device, saw ${alerts}`)

  const r = sorted(readingMs)
  const e = sorted(echoMs)
  const a = sorted(alertMs)
  const p50 = percentile(r, 50)
  const p99 = percentile(r, 99)
  const echoName = `echo round trip of ${hrEnvelope} B over the same relayed connection`
  return [
    { name: `reading → doctor's screen through a relay (loopback), p50 of ${r.length}`, value: p50, unit: 'ms', baselineName: `${echoName}, p50`, baseline: percentile(e, 50), ratio: p50 / percentile(e, 50) },
    { name: `reading → doctor's screen through a relay (loopback), p99 of ${r.length}`, value: p99, unit: 'ms', baselineName: `${echoName}, p99`, baseline: percentile(e, 99), ratio: p99 / percentile(e, 99), target: '≤ 50 ms', met: p99 <= 50 },
    { name: `reading past a threshold → alert on the patient's device (via the doctor's), p50 of ${a.length}`, value: percentile(a, 50), unit: 'ms', baselineName: `${echoName}, p50`, baseline: percentile(e, 50), ratio: percentile(a, 50) / percentile(e, 50) },
    { name: `reading past a threshold → alert on the patient's device (via the doctor's), p99 of ${a.length}`, value: percentile(a, 99), unit: 'ms', baselineName: `${echoName}, p99`, baseline: percentile(e, 99), ratio: percentile(a, 99) / percentile(e, 99) }
  ]
}
