/**
 * The session state machine through the engine, over an in-memory, in-order pipe: flow
 * control (never more than the window unacknowledged), KEYS before ENVELOPES, the
 * authorizer failing closed (throws, hangs), protocol violations by name, HELLO timeout,
 * status (peers, last synced, pending) and an ENVELOPES batch that stays within its caps.
 */
import { describe, expect, it } from 'vitest'
import { newDocId, newEpochKey, randomBytes } from '../../src/crypto/index.ts'
import { toHex } from '../../src/lib/index.ts'
import {
  createSyncEngine,
  decodeSyncMessage,
  encodeSyncMessage,
  type SyncEngine,
  type SyncEngineInit,
  type SyncMessage,
  type SyncSession
} from '../../src/sync/index.ts'
import { Rng } from '../envelope/fuzz-engine.ts'
import { converged, device, edit, eventually, person, replica, type Device } from './helpers.ts'

interface Wire {
  a: SyncSession
  b: SyncSession
  /** Messages each way, decoded. */
  ab: SyncMessage[]
  ba: SyncMessage[]
  /** Largest number of ENVELOPES bytes b had received but not acknowledged. */
  maxUnacked: { bytes: number }
}

/** Two engines joined by an in-order pipe; `slowMs` delays each message b processes. */
function pipe(ea: SyncEngine, da: Device, eb: SyncEngine, db: Device, slowMs = 0): Wire {
  const ab: SyncMessage[] = []
  const ba: SyncMessage[] = []
  const maxUnacked = { bytes: 0 }
  let unacked: number[] = []
  const s: { a?: SyncSession; b?: SyncSession } = {}
  const queues = { toA: Promise.resolve(), toB: Promise.resolve() }
  const transport = (to: 'toA' | 'toB', log: SyncMessage[]) => ({
    send: async (bytes: Uint8Array) => {
      const msg = decodeSyncMessage(bytes, ea.limits)
      log.push(msg)
      if (to === 'toB' && (msg.type === 'envelopes' || msg.type === 'part')) {
        unacked.push(bytes.length)
        maxUnacked.bytes = Math.max(maxUnacked.bytes, unacked.reduce((x, y) => x + y, 0))
      }
      if (to === 'toA' && msg.type === 'ack') unacked = unacked.slice(msg.count)
      const copy = bytes.slice()
      queues[to] = queues[to].then(async () => {
        await new Promise((r) => setTimeout(r, to === 'toB' ? slowMs : 0))
        await (to === 'toA' ? s.a : s.b)?.receive(copy)
      })
    },
    close: () => {
      s.a?.close()
      s.b?.close()
    }
  })
  const a = ea.openSession(db.peerId, transport('toB', ab))
  const b = eb.openSession(da.peerId, transport('toA', ba))
  s.a = a
  s.b = b
  void a.start()
  void b.start()
  return { a, b, ab, ba, maxUnacked }
}

function engine(d: Device, init: Partial<SyncEngineInit> = {}): SyncEngine {
  return createSyncEngine({ deviceCert: d.cert, warn: () => undefined, ...init })
}

describe('sync session', () => {
  it('never has more than the window of ENVELOPES unacknowledged, and still converges', async () => {
    const owner = person()
    const [da, db] = [device(owner, 'a'), device(owner, 'b')]
    const docId = newDocId()
    const key = newEpochKey()
    const ra = await replica(da, docId, key)
    const rb = await replica(db, docId, key)
    const rng = new Rng(4)
    for (let i = 0; i < 60; i++) {
      edit(rng, ra)
      ra.ydoc.getText('t').insert(0, 'x'.repeat(400))
      await ra.persistence.flush()
    }
    const limits = { windowBytes: 4096, batchBytes: 1024 }
    const ea = engine(da, { limits })
    const eb = engine(db, { limits })
    ea.addDoc(ra.doc)
    eb.addDoc(rb.doc)
    const w = pipe(ea, da, eb, db, 2)
    await eventually(() => converged([ra, rb]), 20_000)
    const batches = w.ab.filter((m) => m.type === 'envelopes')
    expect(batches.length).toBeGreaterThan(10)
    // one message may exceed an empty window's remainder, never the window plus one batch
    expect(w.maxUnacked.bytes).toBeLessThanOrEqual(4096 + 1024 + 64)
    expect(w.maxUnacked.bytes).toBeGreaterThan(1024)
    ea.stop()
    eb.stop()
  })

  it('sends KEYS from the provider before the envelopes, to the receiver callback', async () => {
    const owner = person()
    const [da, db] = [device(owner, 'a'), device(owner, 'b')]
    const docId = newDocId()
    const key = newEpochKey()
    const ra = await replica(da, docId, key)
    const rb = await replica(db, docId, key)
    ra.ydoc.getMap('m').set('x', 1)
    await ra.persistence.flush()
    const wrapped = Uint8Array.of(9, 9, 9)
    const got: Array<{ person: string; doc: string; keys: string[] }> = []
    const ea = engine(da, { keys: (remote, d) => (remote.person === owner.did && toHex(d) === toHex(docId) ? [wrapped] : []) })
    const eb = engine(db, { onKeys: (remote, d, keys) => void got.push({ person: remote.person, doc: toHex(d), keys: keys.map(toHex) }) })
    ea.addDoc(ra.doc)
    eb.addDoc(rb.doc)
    const w = pipe(ea, da, eb, db)
    await eventually(() => converged([ra, rb]))
    const types = w.ab.map((m) => m.type)
    expect(types.indexOf('keys')).toBeGreaterThan(-1)
    expect(types.indexOf('keys')).toBeLessThan(types.indexOf('envelopes'))
    expect(got).toEqual([{ person: owner.did, doc: toHex(docId), keys: ['090909'] }])
    ea.stop()
    eb.stop()
  })

  it('fails closed: an authorizer that throws or hangs means DENIED', async () => {
    const owner = person()
    const [da, db] = [device(owner, 'a'), device(owner, 'b')]
    const throwing = newDocId()
    const hanging = newDocId()
    const missing = newDocId()
    const key = newEpochKey()
    const ra1 = await replica(da, throwing, key)
    const ra2 = await replica(da, hanging, key)
    ra1.ydoc.getMap('m').set('x', 1)
    ra2.ydoc.getMap('m').set('x', 1)
    await Promise.all([ra1.persistence.flush(), ra2.persistence.flush()])
    const rb1 = await replica(db, throwing, key)
    const rb2 = await replica(db, hanging, key)
    const rb3 = await replica(db, missing, key)
    const ea = engine(da, {
      limits: { callbackTimeoutMs: 200 },
      authorize: (_p, _d, docId) => {
        if (toHex(docId) === toHex(throwing)) throw new Error('policy store unavailable')
        if (toHex(docId) === toHex(hanging)) return new Promise<boolean>(() => undefined)
        return true
      }
    })
    const eb = engine(db)
    ea.addDoc(ra1.doc)
    ea.addDoc(ra2.doc)
    for (const r of [rb1, rb2, rb3]) eb.addDoc(r.doc)
    const w = pipe(ea, da, eb, db)
    await eventually(() => w.ab.filter((m) => m.type === 'denied').length === 3, 5_000)
    const denied = w.ab.flatMap((m) => (m.type === 'denied' ? [[toHex(m.docId), m.reason]] : []))
    expect(new Map(denied as Array<[string, number]>)).toEqual(
      new Map([
        [toHex(throwing), 1],
        [toHex(hanging), 1],
        [toHex(missing), 2]
      ])
    )
    expect(w.ab.some((m) => m.type === 'envelopes')).toBe(false)
    expect(eb.status().docs.find((d) => d.docId === toHex(throwing))?.deniedBy).toEqual([da.peerId])
    ea.stop()
    eb.stop()
  })

  it('reports status: peer, last synced, pending envelopes for a slow peer', async () => {
    const owner = person()
    const [da, db] = [device(owner, 'phone'), device(owner, 'laptop')]
    const docId = newDocId()
    const key = newEpochKey()
    const ra = await replica(da, docId, key)
    const rb = await replica(db, docId, key)
    for (let i = 0; i < 20; i++) {
      ra.ydoc.getMap('m').set(`k${i}`, 'y'.repeat(2000))
      await ra.persistence.flush()
    }
    let now = 1_000
    const ea = engine(da, { clock: () => now, limits: { windowBytes: 2048, batchBytes: 1024 } })
    const eb = engine(db, { clock: () => now })
    ea.addDoc(ra.doc)
    eb.addDoc(rb.doc)
    const seen: number[] = []
    ea.subscribe((s) => seen.push(s.docs[0]?.pendingOut ?? -1))
    pipe(ea, da, eb, db, 20)
    await eventually(() => ea.status().docs[0]!.pendingOut > 0, 5_000, 'pending > 0')
    now = 2_000
    await eventually(() => converged([ra, rb]), 20_000)
    await eventually(() => ea.status().docs[0]!.pendingOut === 0)
    // DONE follows the last batch
    await eventually(() => eb.status().docs[0]?.lastSyncedAt !== undefined, 5_000, 'DONE')
    const sb = eb.status()
    expect(sb.peers).toEqual([{ peerId: da.peerId, person: owner.did, deviceName: 'phone', sessions: 1, since: 1_000 }])
    expect(sb.docs[0]).toMatchObject({ docId: toHex(docId), lastSyncedAt: 2_000, held: 0, pendingOut: 0 })
    expect(Math.max(...seen)).toBeGreaterThan(0)
    ea.stop()
    eb.stop()
  })

  it('names protocol violations and a missing HELLO', async () => {
    const owner = person()
    const [da, db] = [device(owner, 'a'), device(owner, 'b')]
    const run = async (script: (send: (m: SyncMessage) => Promise<void>) => Promise<void>, init: Partial<SyncEngineInit> = {}): Promise<string | undefined> => {
      const eb = engine(db, init)
      eb.addDoc((await replica(db, newDocId(), newEpochKey())).doc)
      const session = eb.openSession(da.peerId, { send: async () => undefined, close: () => undefined })
      void session.start()
      await script((m) => session.receive(encodeSyncMessage(m)))
      const error = await Promise.race([session.closed, new Promise<Error>((r) => setTimeout(() => r(new Error('still open')), 2_000))])
      eb.stop()
      return error?.name
    }
    const hello: SyncMessage = { type: 'hello', cert: da.cert, grants: [] }
    expect(await run(async (send) => send({ type: 'ack', count: 1 }))).toBe('SyncProtocolError') // before HELLO
    expect(await run(async (send) => send(hello).then(() => send(hello)))).toBe('SyncProtocolError') // twice
    expect(await run(async (send) => send(hello).then(() => send({ type: 'ack', count: 1 })))).toBe('SyncProtocolError') // nothing outstanding
    expect(await run(async (send) => send(hello).then(() => send({ type: 'done', want: 7 })))).toBe('SyncProtocolError')
    expect(await run(async (send) => send(hello).then(() => send({ type: 'want', authors: [], docs: [{ docId: newDocId(), vector: [[3, 1]] }] })))).toBe('SyncProtocolError')
    expect(await run(async (send) => send(hello).then(() => send({ type: 'envelopes', docId: newDocId(), envelopes: [Uint8Array.of(1)] })))).toBe('SyncProtocolError')
    expect(await run(async (send) => send({ type: 'hello', cert: db.cert, grants: [] }))).toBe('PeerCertificateError') // not the transport's PeerId
    expect(await run(async () => undefined, { limits: { helloTimeoutMs: 100 } })).toBe('SyncTimeoutError')
  })
})

describe('snapshots larger than one message', () => {
  it('travel as PARTs under the window and converge', async () => {
    const owner = person()
    const [da, db] = [device(owner, 'a'), device(owner, 'b')]
    const docId = newDocId()
    const key = newEpochKey()
    const ra = await replica(da, docId, key)
    const rb = await replica(db, docId, key)
    for (let i = 0; i < 30; i++) {
      // random text: a compressed snapshot of it still spans several messages
      ra.ydoc.getMap('m').set(`k${i}`, toHex(randomBytes(700)))
      await ra.persistence.flush()
    }
    await ra.persistence.compact()
    const snapshot = (await ra.store.read(docId)).snapshot
    expect(snapshot?.length).toBeGreaterThan(16_384)
    const limits = { maxEnvelopeBytes: 8192, maxSnapshotBytes: 1 << 20, batchBytes: 4096, windowBytes: 8192 }
    const ea = engine(da, { limits })
    const eb = engine(db, { limits })
    ea.addDoc(ra.doc)
    eb.addDoc(rb.doc)
    const w = pipe(ea, da, eb, db, 1)
    await eventually(() => converged([ra, rb]), 10_000)
    const parts = w.ab.filter((m) => m.type === 'part')
    expect(parts.length).toBe(Math.ceil(snapshot!.length / 4096))
    expect(parts.map((p) => (p.type === 'part' ? p.offset : -1))).toEqual(parts.map((_, i) => i * 4096))
    expect(w.maxUnacked.bytes).toBeLessThanOrEqual(8192 + 4096 + 64)
    ea.stop()
    eb.stop()
  })

  it('refuses parts out of order or interleaved', async () => {
    const owner = person()
    const [da, db] = [device(owner, 'a'), device(owner, 'b')]
    const docId = newDocId()
    const eb = engine(db, { limits: { maxEnvelopeBytes: 1024, maxSnapshotBytes: 1 << 20 } })
    eb.addDoc((await replica(db, docId, newEpochKey())).doc)
    const session = eb.openSession(da.peerId, { send: async () => undefined, close: () => undefined })
    void session.start()
    const send = (m: SyncMessage): Promise<void> => session.receive(encodeSyncMessage(m, eb.limits))
    await send({ type: 'hello', cert: da.cert, grants: [] })
    await new Promise((r) => setTimeout(r, 20))
    await send({ type: 'part', docId, total: 5000, offset: 0, piece: new Uint8Array(1000) })
    await send({ type: 'part', docId, total: 5000, offset: 2000, piece: new Uint8Array(1000) })
    expect((await session.closed)?.name).toBe('SyncProtocolError')
    eb.stop()
  })
})
