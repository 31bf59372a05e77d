/**
 * Abuse over real libp2p connections: a peer that sends oversized or malformed messages,
 * malformed or forged envelopes, too many messages per second, or floods streams is cut
 * off (session ended, connection closed, peer banned and listed as refused), while a
 * well-behaved device keeps syncing with the same victim throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newDocId, newEpochKey, type PersonKeys } from '../../src/crypto/index.ts'
import { SYNC_PROTOCOL } from '../../src/sync/index.ts'
import { sealEnvelope } from '../../src/envelope/index.ts'
import type { DocId } from '../../src/lib/index.ts'
import { device, eventually, person, replica, type Device, type Replica } from './helpers.ts'
import { rawSession, startPeer, type RawSession, type RunningPeer } from './nodes.ts'

let owner: PersonKeys
let docId: DocId
let key: Uint8Array
let victim: RunningPeer
let good: RunningPeer
let victimRep: Replica
let goodRep: Replica
const attackers: RunningPeer[] = []
let n = 0

beforeAll(async () => {
  owner = person()
  docId = newDocId()
  key = newEpochKey()
  const v = device(owner, 'victim')
  const g = device(owner, 'good')
  victimRep = await replica(v, docId, key)
  goodRep = await replica(g, docId, key)
  // a low message rate on the victim so that the rate test is quick; honest traffic stays far below
  victim = await startPeer(v, { sync: { limits: { messagesPerSecond: 20, messageBurst: 40 } } })
  good = await startPeer(g)
  victim.sync.addDoc(victimRep.doc)
  good.sync.addDoc(goodRep.doc)
  goodRep.ydoc.getMap('m').set('before', 1)
  await goodRep.persistence.flush()
  await good.sync.syncWith(victim.addr)
  await eventually(() => victimRep.ydoc.getMap('m').get('before') === 1, 10_000, 'initial sync')
})

afterAll(async () => {
  await Promise.all([...attackers, victim, good].map((p) => p.stop()))
})

/** A certified device of the victim's own person (the worst case: it passes HELLO). */
async function attacker(): Promise<{ dev: Device; peer: RunningPeer }> {
  const dev = device(owner, `attacker ${n++}`)
  const peer = await startPeer(dev)
  attackers.push(peer)
  return { dev, peer }
}

/** Opens a raw session and completes HELLO (reads the victim's HELLO and WANT). */
async function greeted(a: { dev: Device; peer: RunningPeer }): Promise<RawSession> {
  const raw = await rawSession(a.peer.node, victim.addr)
  await raw.send({ type: 'hello', cert: a.dev.cert, grants: [] })
  expect((await raw.next())?.type).toBe('hello')
  expect((await raw.next())?.type).toBe('want')
  return raw
}

/** The victim cut `dev` off with `error`: banned, listed, no connection left. */
async function cutOff(dev: Device, peer: RunningPeer, error: string): Promise<void> {
  await eventually(() => victim.bans.isBanned(dev.peerId), 15_000, `${error}: banned`)
  await eventually(() => victim.node.getConnections(peer.node.peerId).length === 0, 15_000, `${error}: connection closed`)
  const refused = victim.sync.status().refused.filter((r) => r.peerId === dev.peerId)
  expect(refused.map((r) => r.error)).toContain(error)
}

let goodEdits = 0
/** The good device and the victim still sync both ways, on the session they had. */
async function goodStillSyncs(): Promise<void> {
  const i = ++goodEdits
  goodRep.ydoc.getMap('m').set(`good-${i}`, i)
  await eventually(() => victimRep.ydoc.getMap('m').get(`good-${i}`) === i, 15_000, 'good → victim')
  victimRep.ydoc.getMap('m').set(`victim-${i}`, i)
  await eventually(() => goodRep.ydoc.getMap('m').get(`victim-${i}`) === i, 15_000, 'victim → good')
  expect(victim.sync.status().peers.map((p) => p.peerId)).toContain(good.device.peerId)
  expect(victim.bans.isBanned(good.device.peerId)).toBe(false)
}

describe('a misbehaving peer is cut off; a good one keeps syncing', () => {
  it('oversized message (length prefix beyond the cap) → SyncMessageTooLargeError', async () => {
    const a = await attacker()
    const raw = await greeted(a)
    // claim a 64 MiB message and start sending it
    raw.stream.send(Uint8Array.of(0x80, 0x80, 0x80, 0x20, 0x03, 1, 2, 3))
    await cutOff(a.dev, a.peer, 'SyncMessageTooLargeError')
    await goodStillSyncs()
  })

  it('oversized for its type (a 100 KiB HELLO) → SyncMessageTooLargeError', async () => {
    const a = await attacker()
    const raw = await rawSession(a.peer.node, victim.addr)
    const body = new Uint8Array(100 * 1024)
    body[0] = 0x01
    await raw.sendFrame(body)
    await cutOff(a.dev, a.peer, 'SyncMessageTooLargeError')
    await goodStillSyncs()
  })

  it('malformed message (unknown type) → SyncMessageFormatError', async () => {
    const a = await attacker()
    const raw = await greeted(a)
    await raw.sendFrame(Uint8Array.of(0x7f, 1, 2, 3))
    await cutOff(a.dev, a.peer, 'SyncMessageFormatError')
    await goodStillSyncs()
  })

  it('malformed envelope inside ENVELOPES → SyncProtocolError', async () => {
    const a = await attacker()
    const raw = await greeted(a)
    // the victim asked this device for the doc; answer with bytes that are no envelope
    await raw.send({ type: 'envelopes', docId, envelopes: [Uint8Array.of(1, 2, 3, 4)] })
    await cutOff(a.dev, a.peer, 'SyncProtocolError')
    await goodStillSyncs()
  })

  it('forged envelope (valid shape, signature broken) → SyncProtocolError, nothing applied', async () => {
    const a = await attacker()
    const raw = await greeted(a)
    // a new envelope (its own seq 1) that the victim does not hold, with one ciphertext byte changed
    const real = sealEnvelope({ docId, epoch: 0, author: a.dev.author.publicKey, seq: 1, kind: 'update' }, Uint8Array.of(0, 0), {
      epochKey: key,
      authorSecretKey: a.dev.author.secretKey
    })
    const forged = real.slice()
    forged[forged.length - 70]! ^= 0xff
    const vectorBefore = [...victimRep.persistence.vector()]
    await raw.send({ type: 'envelopes', docId, envelopes: [forged.subarray(0)] })
    await cutOff(a.dev, a.peer, 'SyncProtocolError')
    expect([...victimRep.persistence.vector()]).toEqual(vectorBefore)
    await goodStillSyncs()
  })

  it('too many messages per second → PeerRateLimitError', async () => {
    const a = await attacker()
    const raw = await greeted(a)
    for (let i = 0; i < 60; i++) {
      await raw.send({ type: 'want', authors: [], docs: [{ docId: newDocId(), vector: [] }] }).catch(() => undefined)
    }
    await cutOff(a.dev, a.peer, 'PeerRateLimitError')
    await goodStillSyncs()
  })

  it('a flood of sync streams → TooManyStreamsError', async () => {
    const a = await attacker()
    const conn = await a.peer.node.dial(victim.addr)
    const opened = await Promise.allSettled(Array.from({ length: 8 }, () => conn.newStream(SYNC_PROTOCOL)))
    // write something on each so the victim sees every stream (it may have reset them already)
    for (const o of opened) {
      if (o.status !== 'fulfilled') continue
      try {
        o.value.send(Uint8Array.of(1, 0x07))
      } catch {
        // the victim cut the connection before this stream: what the test expects
      }
    }
    await cutOff(a.dev, a.peer, 'TooManyStreamsError')
    await goodStillSyncs()
  })
})
