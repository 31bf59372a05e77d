/**
 * `/phr/sync/1` figures, each against the target the issue names:
 *
 * 1. Initial sync of the synthetic 10-year record (`SYNTHETIC_TEN_YEARS` from src/record:
 *    5 compartments, each compacted into one snapshot envelope; vitals ≈ 43 MB) from one
 *    Node device to another over TCP + Noise + yamux, until every compartment's vector
 *    matches — divided by the in-process baseline: reading the same envelopes from the
 *    store and putting them through the receive pipeline (verify, decrypt, store, apply)
 *    of fresh replicas. Best of 3 rounds each.
 * 2. Sync with an up-to-date peer: 100 compartments (2 authors each) already identical on
 *    both sides; a new session on the open connection until both sides have DONE for all.
 *    Bytes are the sync protocol's messages with their length prefixes, both directions,
 *    HELLOs included (Noise and yamux framing not counted); time per compartment.
 * 3. Live update latency patient → doctor through a circuit relay on loopback (the only
 *    connection between them is relayed): an edit on the patient's device, sealed and
 *    stored at once (`flush()`), pushed, received, verified, stored and applied on the
 *    doctor's; p50 and p99 of 200 sequential updates.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import * as Y from 'yjs'
import { createPerson, generateSigningKeyPair, issueDeviceCert, newDocId, newEpochKey, type PersonKeys } from '../src/crypto/index.ts'
import { toHex, type DocId } from '../src/lib/index.ts'
import { loadSyntheticRecord, SYNTHETIC_TEN_YEARS } from '../src/record/index.ts'
import { createMemoryStore, createPersistence, type EnvelopeStore, type Persistence } from '../src/storage/index.ts'
import { createDefaultAuthorizer, createNodePeer, createSyncService, deviceKeyFromSecret, peerIdOfAuthorKey, type SyncService, type SyncServiceInit, type Peer } from '../src/sync/index.ts'
import { createRelay } from '../src/relay/index.ts'
import { persistableYDoc } from '../test/helpers/ydoc.ts'
import type { BenchRow } from './report.ts'

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

interface Replica {
  docId: DocId
  ydoc: Y.Doc
  store: EnvelopeStore
  persistence: Persistence
}

async function replica(d: Device, docId: DocId, key: Uint8Array): Promise<Replica> {
  const ydoc = new Y.Doc()
  const store = createMemoryStore()
  const persistence = createPersistence({
    docId,
    doc: persistableYDoc(ydoc),
    store,
    batchMs: 1,
    keys: { author: d.author, sealing: () => ({ epoch: 0, key }), epochKey: (_d, e) => (e === 0 ? key : undefined) }
  })
  await persistence.load()
  return { docId, ydoc, store, persistence }
}

async function node(d: Device, sync: Partial<SyncServiceInit> = {}, listen = ['/ip4/127.0.0.1/tcp/0']): Promise<{ peer: Peer; sync: SyncService }> {
  const peer = await createNodePeer({ privateKey: await deviceKeyFromSecret(d.author.secretKey), allowInsecureLoopback: true, listen })
  const service = createSyncService(peer, { deviceCert: d.cert, autoSync: false, warn: () => undefined, ...sync })
  await service.start()
  return { peer, sync: service }
}

const same = (a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v)

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = performance.now()
  while (!check()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setImmediate(r))
  }
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0

async function initialSync(): Promise<BenchRow[]> {
  const person = createPerson().keys
  const phone = device(person, 'phone')
  const record = loadSyntheticRecord(SYNTHETIC_TEN_YEARS)
  const source: Replica[] = []
  const keys = new Map<string, Uint8Array>()
  let bytes = 0
  for (const c of record.compartments.values()) {
    const key = newEpochKey()
    keys.set(toHex(c.docId), key)
    const r = await replica(phone, c.docId, key)
    // the compartment's whole state, then compacted: one snapshot envelope per compartment
    Y.applyUpdate(r.ydoc, c.encodeState())
    await r.persistence.flush()
    await r.persistence.compact()
    const stored = await r.store.read(c.docId)
    bytes += (stored.snapshot?.length ?? 0) + stored.envelopes.reduce((n, e) => n + e.length, 0)
    source.push(r)
    c.destroy()
  }
  const src = await node(phone)
  for (const r of source) src.sync.addDoc({ docId: r.docId, store: r.store, persistence: r.persistence })

  let syncMs = Infinity
  let baselineMs = Infinity
  for (let round = 0; round < 3; round++) {
    // baseline: the same envelopes, read and received in process
    const local = await Promise.all(source.map((r) => replica(phone, r.docId, keys.get(toHex(r.docId)) as Uint8Array)))
    let t0 = performance.now()
    for (const [i, r] of source.entries()) {
      const stored = await r.store.read(r.docId)
      await (local[i] as Replica).persistence.receive(stored.snapshot === undefined ? stored.envelopes : [stored.snapshot, ...stored.envelopes])
    }
    baselineMs = Math.min(baselineMs, performance.now() - t0)
    if (!local.every((l, i) => same(l.persistence.vector(), (source[i] as Replica).persistence.vector()))) throw new Error('baseline did not apply everything')

    // over TCP + Noise: a new device of the same person, empty replicas
    const laptop = device(person, `laptop ${round}`)
    const dst = await node(laptop)
    const target = await Promise.all(source.map((r) => replica(laptop, r.docId, keys.get(toHex(r.docId)) as Uint8Array)))
    for (const r of target) dst.sync.addDoc({ docId: r.docId, store: r.store, persistence: r.persistence })
    const addr = src.peer.getMultiaddrs()[0]
    if (addr === undefined) throw new Error('no address')
    await dst.peer.dial(addr) // connection up first: the figure is the sync, not the TCP dial
    t0 = performance.now()
    await dst.sync.syncWith(addr)
    await until(() => target.every((t, i) => same(t.persistence.vector(), (source[i] as Replica).persistence.vector())), 120_000, 'initial sync')
    syncMs = Math.min(syncMs, performance.now() - t0)
    await dst.sync.stop()
    await dst.peer.stop()
  }
  await src.sync.stop()
  await src.peer.stop()
  const mb = (bytes / 1e6).toFixed(1)
  return [
    {
      name: `initial sync, 10-year record (${mb} MB in ${source.length} snapshots), TCP+Noise`,
      value: syncMs,
      unit: 'ms',
      baselineName: 'in-process read + receive (verify, decrypt, store, apply)',
      baseline: baselineMs,
      ratio: syncMs / baselineMs,
      target: '≤ 2.0',
      met: syncMs / baselineMs <= 2.0
    },
    { name: 'initial sync, 10-year record: absolute', value: syncMs, unit: 'ms', target: '≤ 1000 ms', met: syncMs <= 1000 }
  ]
}

async function upToDate(): Promise<BenchRow[]> {
  const person = createPerson().keys
  const [a, b] = [device(person, 'phone'), device(person, 'laptop')]
  const N = 100
  // every message of b's sessions, both directions: the whole wire of the session
  const wire: number[] = []
  const pa = await node(a)
  const pb = await node(b, { trace: (t) => wire.push(t.bytes.length) })
  const ra: Replica[] = []
  const rb: Replica[] = []
  for (let i = 0; i < N; i++) {
    const docId = newDocId()
    const key = newEpochKey()
    const x = await replica(a, docId, key)
    const y = await replica(b, docId, key)
    x.ydoc.getMap('m').set('a', i)
    y.ydoc.getMap('m').set('b', i)
    await Promise.all([x.persistence.flush(), y.persistence.flush()])
    ra.push(x)
    rb.push(y)
    pa.sync.addDoc({ docId, store: x.store, persistence: x.persistence })
    pb.sync.addDoc({ docId, store: y.store, persistence: y.persistence })
  }
  const addr = pa.peer.getMultiaddrs()[0]
  if (addr === undefined) throw new Error('no address')
  await pb.sync.syncWith(addr)
  await until(() => ra.every((x, i) => same(x.persistence.vector(), (rb[i] as Replica).persistence.vector())), 30_000, 'first sync')
  const allSynced = (s: SyncService): boolean => s.status().docs.every((d) => d.lastSyncedAt !== undefined)
  await until(() => allSynced(pa.sync) && allSynced(pb.sync), 30_000, 'DONE')

  let bestMs = Infinity
  let bestBytes = Infinity
  for (let round = 0; round < 5; round++) {
    for (const s of [...pa.sync.sessions(), ...pb.sync.sessions()]) s.close()
    await until(() => pa.sync.sessions().length === 0 && pb.sync.sessions().length === 0, 5_000, 'sessions closed')
    wire.length = 0
    const doneA = new Set<string>()
    const doneB = new Set<string>()
    const offA = pa.sync.onEvent((e) => void (e.type === 'doc-synced' && doneA.add(e.docId)))
    const offB = pb.sync.onEvent((e) => void (e.type === 'doc-synced' && doneB.add(e.docId)))
    const t0 = performance.now()
    await pb.sync.syncWith(addr) // a new stream on the open connection
    await until(() => doneA.size === N && doneB.size === N, 10_000, 'up-to-date sync')
    const ms = performance.now() - t0
    offA()
    offB()
    // each message plus its varint length prefix
    const bytes = wire.reduce((n, len) => n + len + (len < 128 ? 1 : len < 16_384 ? 2 : 3), 0)
    bestMs = Math.min(bestMs, ms)
    bestBytes = Math.min(bestBytes, bytes)
  }
  await Promise.all([pa.sync.stop(), pb.sync.stop()])
  await Promise.all([pa.peer.stop(), pb.peer.stop()])
  return [
    {
      name: `up-to-date peer: sync bytes per compartment (${N} compartments, 2 authors each, HELLOs included)`,
      value: bestBytes / N,
      unit: 'B',
      target: '≤ 64 B',
      met: bestBytes / N <= 64
    },
    { name: 'up-to-date peer: time per compartment (new session on an open TCP connection)', value: bestMs / N, unit: 'ms', target: '≤ 5 ms', met: bestMs / N <= 5 }
  ]
}

async function liveLatency(): Promise<BenchRow[]> {
  const patient = createPerson().keys
  const doctor = createPerson().keys
  const phone = device(patient, 'phone')
  const clinic = device(doctor, 'clinic pc')
  const docId = newDocId()
  const key = newEpochKey()
  const rp = await replica(phone, docId, key)
  const rd = await replica(clinic, docId, key)
  const relay = await createRelay({ wsPort: 0, tcpPort: 0, privateKey: await generateKeyPair('Ed25519') })
  const relayTcp = relay.multiaddrs().find((a) => !a.includes('/ws'))
  if (relayTcp === undefined) throw new Error('relay has no TCP address')
  const auth = createDefaultAuthorizer({ owner: patient.did, allow: [{ person: doctor.did, docs: [docId] }] })
  const pp = await node(phone, { authorize: auth.authorize, allowLimitedConnections: true }, [])
  const pd = await node(clinic, { wants: () => true, authorize: () => false, allowLimitedConnections: true }, ['/p2p-circuit'])
  pp.sync.addDoc({ docId, store: rp.store, persistence: rp.persistence })
  pd.sync.addDoc({ docId, store: rd.store, persistence: rd.persistence })
  await pd.peer.dial(multiaddr(relayTcp))
  await until(() => pd.peer.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit')), 10_000, 'reservation')
  // the patient reaches the doctor's device only through the relay
  await pp.sync.syncWith(`${relayTcp}/p2p-circuit/p2p/${clinic.peerId}`)
  await until(() => pp.sync.status().peers.length === 1 && pd.sync.status().peers.length === 1, 10_000, 'session through the relay')
  const conns = pp.peer.getConnections(pd.peer.peerId)
  if (conns.length === 0 || conns.some((c) => c.limits === undefined)) throw new Error('expected only a relayed connection')

  const map = rd.ydoc.getMap<number>('hr')
  const samples: number[] = []
  for (let i = 0; i < 220; i++) {
    const arrived = new Promise<void>((resolve) => {
      const h = (): void => {
        if (map.get('bpm') === i) {
          map.unobserve(h)
          resolve()
        }
      }
      map.observe(h)
    })
    const t0 = performance.now()
    rp.ydoc.getMap<number>('hr').set('bpm', i)
    await rp.persistence.flush()
    await arrived
    if (i >= 20) samples.push(performance.now() - t0) // the first 20 warm up
    await new Promise((r) => setTimeout(r, 2))
  }
  await Promise.all([pp.sync.stop(), pd.sync.stop()])
  await Promise.all([pp.peer.stop(), pd.peer.stop()])
  await relay.stop()
  samples.sort((x, y) => x - y)
  const p50 = percentile(samples, 50)
  const p99 = percentile(samples, 99)
  return [
    { name: `live update patient → doctor through a relay (loopback), p50 of ${samples.length}`, value: p50, unit: 'ms' },
    { name: `live update patient → doctor through a relay (loopback), p99 of ${samples.length}`, value: p99, unit: 'ms', target: '≤ 50 ms', met: p99 <= 50 }
  ]
}

/** Bench entry point (see `bench/report.ts`). */
export default async function run(): Promise<BenchRow[]> {
  return [...(await initialSync()), ...(await upToDate()), ...(await liveLatency())]
}
