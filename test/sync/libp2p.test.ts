/**
 * `/phr/sync/1` between real libp2p nodes on 127.0.0.1 (TCP and WebSockets, Noise, yamux):
 * devices converge (2 and 5 peers), a late joiner catches up, duplicates and reorders on
 * the wire change nothing, peers with a missing, forged or misbound device certificate are
 * refused, and a doc the authorizer refuses is answered DENIED without a byte of it on
 * the wire.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { newDocId, newEpochKey, type PersonKeys } from '../../src/crypto/index.ts'
import { toHex } from '../../src/lib/index.ts'
import { createDefaultAuthorizer, SYNC_PROTOCOL, type SyncEvent } from '../../src/sync/index.ts'
import { Rng } from '../envelope/fuzz-engine.ts'
import { canonical, contentOf, converged, device, edit, eventually, person, replica, sortedVector, type Device, type Replica } from './helpers.ts'
import { messages, rawSession, startPeer, type RunningPeer } from './nodes.ts'

const running: RunningPeer[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()))
})

async function start(d: Device, opts: Parameters<typeof startPeer>[1] = {}): Promise<RunningPeer> {
  const p = await startPeer(d, opts)
  running.push(p)
  return p
}

/** Edits every replica a few times, each write sealed and stored. */
async function editAll(rng: Rng, replicas: readonly Replica[], rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    for (const r of replicas) {
      edit(rng, r)
      await r.persistence.flush()
    }
  }
}

describe.each(['tcp', 'ws'] as const)('sync over %s', (transport) => {
  it('two devices with edits on both converge to the same content and vector', async () => {
    const owner = person()
    const [phone, laptop] = [device(owner, 'phone'), device(owner, 'laptop')]
    const docId = newDocId()
    const key = newEpochKey()
    const reps = [await replica(phone, docId, key), await replica(laptop, docId, key)]
    await editAll(new Rng(1), reps, 5)
    const [a, b] = [await start(phone, { transport }), await start(laptop, { transport })]
    a.sync.addDoc(reps[0]!.doc)
    b.sync.addDoc(reps[1]!.doc)
    expect(converged(reps)).toBe(false)
    await a.sync.syncWith(b.addr)
    await eventually(() => converged(reps), 10_000, 'convergence')
    // live: an edit made now arrives too
    reps[1]!.ydoc.getMap('m').set('live', transport)
    await eventually(() => reps[0]!.ydoc.getMap('m').get('live') === transport, 10_000, 'live push')
    await eventually(() => converged(reps))
    expect(sortedVector(await reps[0]!.store.vector(docId))).toEqual(sortedVector(await reps[1]!.store.vector(docId)))
    // each side reports the other connected and the doc synced
    const status = a.sync.status()
    expect(status.peers.map((p) => p.peerId)).toEqual([laptop.peerId])
    expect(status.peers[0]?.person).toBe(owner.did)
    expect(status.docs[0]?.lastSyncedAt).toBeTypeOf('number')
  })
})

describe('sync between real nodes', () => {
  it('five devices (a chain of connections, live forwarding) converge', async () => {
    const owner = person()
    const devices = Array.from({ length: 5 }, (_, i) => device(owner, `device ${i}`))
    const docId = newDocId()
    const key = newEpochKey()
    const reps: Replica[] = []
    for (const d of devices) reps.push(await replica(d, docId, key))
    const rng = new Rng(5)
    await editAll(rng, reps, 3)
    const peers: RunningPeer[] = []
    for (const [i, d] of devices.entries()) {
      const p = await start(d)
      p.sync.addDoc(reps[i]!.doc)
      peers.push(p)
    }
    // 0–1–2–3–4: what 4 writes reaches 0 only through 3, 2 and 1
    for (let i = 1; i < 5; i++) await peers[i]!.sync.syncWith(peers[i - 1]!.addr)
    await eventually(() => converged(reps), 20_000, 'five-peer convergence')
    await editAll(rng, reps, 2)
    await eventually(() => converged(reps), 20_000, 'convergence after live edits')
    expect(JSON.stringify(contentOf(reps[0]!))).toContain('"m"')
  })

  it('a device that joins late catches up, then follows live edits', async () => {
    const owner = person()
    const [a, b, late] = [device(owner, 'a'), device(owner, 'b'), device(owner, 'late')]
    const docId = newDocId()
    const key = newEpochKey()
    const reps = [await replica(a, docId, key), await replica(b, docId, key)]
    const rng = new Rng(7)
    await editAll(rng, reps, 10)
    const pa = await start(a)
    const pb = await start(b)
    pa.sync.addDoc(reps[0]!.doc)
    pb.sync.addDoc(reps[1]!.doc)
    await pb.sync.syncWith(pa.addr)
    await eventually(() => converged(reps))
    // the history is compacted on a before the late device appears: it receives a snapshot
    await reps[0]!.persistence.compact()
    await editAll(rng, reps, 2)
    await eventually(() => converged(reps))
    const lateRep = await replica(late, docId, key)
    const pl = await start(late)
    pl.sync.addDoc(lateRep.doc)
    await pl.sync.syncWith(pb.addr)
    await eventually(() => converged([...reps, lateRep]), 10_000, 'late joiner caught up')
    reps[0]!.ydoc.getText('t').insert(0, 'after-join ')
    await eventually(() => lateRep.ydoc.getText('t').toJSON().startsWith('after-join '), 10_000, 'live edit through b')
  })

  it('autoSync opens one session per pair as soon as two devices connect', async () => {
    const owner = person()
    const [a, b] = [device(owner, 'a'), device(owner, 'b')]
    const docId = newDocId()
    const key = newEpochKey()
    const reps = [await replica(a, docId, key), await replica(b, docId, key)]
    await editAll(new Rng(3), reps, 2)
    const pa = await start(a, { sync: { autoSync: true } })
    const pb = await start(b, { sync: { autoSync: true } })
    pa.sync.addDoc(reps[0]!.doc)
    pb.sync.addDoc(reps[1]!.doc)
    await pa.node.dial(pb.addr)
    await eventually(() => converged(reps), 10_000, 'auto convergence')
    expect(pa.sync.sessions()).toHaveLength(1)
    expect(pb.sync.sessions()).toHaveLength(1)
  })

  it('duplicated and reordered envelopes on the wire change nothing', async () => {
    const owner = person()
    const [a, b, c] = [device(owner, 'a'), device(owner, 'b'), device(owner, 'replayer')]
    const docId = newDocId()
    const key = newEpochKey()
    const reps = [await replica(a, docId, key), await replica(b, docId, key)]
    await editAll(new Rng(11), reps, 6)
    const pa = await start(a)
    const pb = await start(b)
    pa.sync.addDoc(reps[0]!.doc)
    pb.sync.addDoc(reps[1]!.doc)
    await pb.sync.syncWith(pa.addr)
    await eventually(() => converged(reps))
    const before = { content: canonical(contentOf(reps[1]!)), vector: sortedVector(reps[1]!.persistence.vector()) }
    const stored = await reps[0]!.store.read(docId)
    const all = [...stored.envelopes]
    // a certified device of the same person replays everything reversed, each envelope twice
    const replayer = await start(c)
    const raw = await rawSession(replayer.node, pb.addr)
    await raw.send({ type: 'hello', cert: c.cert, grants: [] })
    const hello = await raw.next()
    expect(hello?.type).toBe('hello')
    const want = await raw.next()
    expect(want?.type).toBe('want')
    const shuffled = [...all].reverse().flatMap((e) => [e, e])
    for (let i = 0; i < shuffled.length; i += 64) {
      await raw.send({ type: 'envelopes', docId, envelopes: shuffled.slice(i, i + 64) })
      expect((await raw.next())?.type).toBe('ack')
    }
    await raw.send({ type: 'done', want: 0 })
    await new Promise((r) => setTimeout(r, 100))
    expect(canonical(contentOf(reps[1]!))).toBe(before.content)
    expect(sortedVector(reps[1]!.persistence.vector())).toEqual(before.vector)
    expect((await reps[1]!.store.read(docId)).envelopes.length).toBe((await reps[0]!.store.read(docId)).envelopes.length)
    expect(pb.bans.isBanned(c.peerId)).toBe(false)
  })

  it('refuses a peer whose device certificate is missing, forged or for another PeerId', async () => {
    const owner = person()
    const b = device(owner, 'b')
    const docId = newDocId()
    const rep = await replica(b, docId, newEpochKey())
    await editAll(new Rng(2), [rep], 3)
    const pb = await start(b)
    pb.sync.addDoc(rep.doc)
    const refused: SyncEvent[] = []
    pb.sync.onEvent((e) => {
      if (e.type === 'peer-refused') refused.push(e)
    })
    const other = device(owner, 'someone else')
    const cases: Array<{ name: string; cert: (d: Device) => Uint8Array; error: string }> = [
      { name: 'missing (garbage bytes)', cert: () => Uint8Array.of(0), error: 'DeviceCertFormatError' },
      {
        name: 'forged (signature does not verify)',
        cert: (d) => {
          const forged = d.cert.slice()
          forged[forged.length - 1]! ^= 1
          return forged
        },
        error: 'SignatureInvalidError'
      },
      { name: 'for another PeerId', cert: () => other.cert, error: 'DeviceCertMismatchError' }
    ]
    for (const [i, c] of cases.entries()) {
      const intruder = device(owner, `intruder ${i}`)
      const pi = await start(intruder)
      const raw = await rawSession(pi.node, pb.addr)
      await raw.send({ type: 'hello', cert: c.cert(intruder), grants: [] })
      // b sends its own HELLO first, then nothing more: the stream ends and the connection closes
      const got: string[] = []
      try {
        for (let m = await raw.next(); m !== null; m = await raw.next()) got.push(m.type)
      } catch {
        // the reset is the expected end
      }
      expect(got.filter((t) => t !== 'hello'), c.name).toEqual([])
      await eventually(() => pb.bans.isBanned(intruder.peerId), 5_000, `${c.name}: banned`)
      await eventually(() => pb.node.getConnections(pi.node.peerId).length === 0, 5_000, `${c.name}: connection closed`)
      const out = messages(pb.trace, intruder.peerId, 'out').map((m) => m.type)
      expect(out, c.name).toEqual(['hello'])
      const event = refused.find((e) => e.type === 'peer-refused' && e.peerId === intruder.peerId)
      expect(event?.type === 'peer-refused' ? event.error : undefined, c.name).toBe('PeerCertificateError')
      const cause = pb.sync.status().refused.find((r) => r.peerId === intruder.peerId)
      expect(cause?.message, c.name).toContain(c.error)
      // banned: a new connection from it is refused by the gater
      await eventually(() => pi.node.getConnections(pb.node.peerId).length === 0, 5_000, `${c.name}: closed on its side`)
      const again = await pi.node.dial(pb.addr).then(
        async (conn) => conn.newStream(SYNC_PROTOCOL).then(() => 'opened', () => 'refused'),
        () => 'refused'
      )
      expect(again, c.name).toBe('refused')
    }
    // and a peer that skips HELLO altogether is cut off too
    const rude = device(owner, 'no hello')
    const pr = await start(rude)
    const raw = await rawSession(pr.node, pb.addr)
    await raw.send({ type: 'want', authors: [], docs: [{ docId, vector: [] }] })
    await eventually(() => pb.bans.isBanned(rude.peerId), 5_000, 'no-HELLO peer banned')
    expect(messages(pb.trace, rude.peerId, 'out').map((m) => m.type)).toEqual(['hello'])
  })

  it('answers DENIED for a doc the authorizer refuses, with not a byte of it on the wire', async () => {
    const patient: PersonKeys = person()
    const doctor: PersonKeys = person()
    const phone = device(patient, 'phone')
    const clinic = device(doctor, 'clinic pc')
    const shared = newDocId()
    const secret = newDocId()
    const keys = { [toHex(shared)]: newEpochKey(), [toHex(secret)]: newEpochKey() }
    const pShared = await replica(phone, shared, keys[toHex(shared)]!)
    const pSecret = await replica(phone, secret, keys[toHex(secret)]!)
    pSecret.ydoc.getMap('m').set('diagnosis', 'very private')
    await pSecret.persistence.flush()
    await editAll(new Rng(9), [pShared, pSecret], 4)
    // the doctor's device has (empty) replicas of both and asks for both
    const dShared = await replica(clinic, shared, keys[toHex(shared)]!)
    const dSecret = await replica(clinic, secret, keys[toHex(secret)]!)
    const auth = createDefaultAuthorizer({ owner: patient.did, allow: [{ person: doctor.did, docs: [shared] }] })
    const asked: string[] = []
    const pp = await start(phone, {
      sync: {
        authorize: (person, peer, docId) => {
          asked.push(`${person === doctor.did ? 'doctor' : person}:${toHex(docId) === toHex(secret) ? 'secret' : 'shared'}`)
          return auth.authorize(person, peer, docId)
        }
      }
    })
    const pd = await start(clinic, { sync: { wants: () => true, authorize: () => true } })
    pp.sync.addDoc(pShared.doc)
    pp.sync.addDoc(pSecret.doc)
    pd.sync.addDoc(dShared.doc)
    pd.sync.addDoc(dSecret.doc)
    const denied: SyncEvent[] = []
    pd.sync.onEvent((e) => {
      if (e.type === 'doc-denied') denied.push(e)
    })
    await pd.sync.syncWith(pp.addr)
    await eventually(() => converged([pShared, dShared]), 10_000, 'shared doc synced')
    await eventually(() => denied.length === 1, 5_000, 'DENIED received')
    expect(denied[0]).toMatchObject({ type: 'doc-denied', docId: toHex(secret), reason: 'not-allowed' })
    expect(asked).toContain('doctor:secret')
    // what the phone put on the wire to the doctor: DENIED for the secret doc, and nothing of it
    const out = messages(pp.trace, clinic.peerId, 'out')
    expect(out.some((m) => m.type === 'denied' && toHex(m.docId) === toHex(secret))).toBe(true)
    for (const m of out) {
      if (m.type === 'envelopes' || m.type === 'keys') expect(toHex(m.docId)).toBe(toHex(shared))
    }
    const rawOut = pp.trace.filter((t) => t.peerId === clinic.peerId && t.direction === 'out').map((t) => toHex(t.bytes)).join('|')
    for (const e of (await pSecret.store.read(secret)).envelopes) expect(rawOut.includes(toHex(e.subarray(e.length - 64)))).toBe(false)
    expect(dSecret.ydoc.getMap('m').size).toBe(0)
    expect(dSecret.persistence.vector().size).toBe(0)
    // live edits of the secret doc are not pushed either
    pSecret.ydoc.getMap('m').set('later', 1)
    await pSecret.persistence.flush()
    pShared.ydoc.getMap('m').set('later', 2)
    await eventually(() => dShared.ydoc.getMap('m').get('later') === 2)
    expect(messages(pp.trace, clinic.peerId, 'out').filter((m) => (m.type === 'envelopes' || m.type === 'keys') && toHex(m.docId) === toHex(secret))).toEqual([])
    expect(pp.sync.status().peers[0]?.person).toBe(doctor.did)
  })
})
