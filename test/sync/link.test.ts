/**
 * Device linking: the payload format and proof, then `/phr/link/1` between real nodes —
 * directly over TCP and through an in-process circuit relay — after which the new device
 * registers the docs it was given and syncs every compartment. Tokens work once, expire
 * (injected clock), refuse a wrong proof; the user may decline.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { generateSigningKeyPair, newDocId, newEpochKey, type PersonKeys } from '../../src/crypto/index.ts'
import { createReader, createWriter, FormatError, toHex, type DocId } from '../../src/lib/index.ts'
import {
  createDeviceLinker,
  createNodePeer,
  createSyncService,
  deviceKeyFromSecret,
  encodeLinkPayload,
  linkDevice,
  linkProof,
  parseLinkPayload,
  peerIdOfAuthorKey,
  type DeviceLinker,
  type Peer
} from '../../src/sync/index.ts'
import { createRelay, type Relay } from '../../src/relay/index.ts'
import { Rng } from '../envelope/fuzz-engine.ts'
import { converged, device, edit, eventually, person, privateKeyOf, replica, type Device, type Replica } from './helpers.ts'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

function errorName(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    return (err as Error).name
  }
  return 'no error'
}

describe('link payload', () => {
  const owner = person()
  const first = device(owner, 'phone')
  const offer = { token: new Uint8Array(16).fill(7), person: owner.did, peerId: first.peerId, expiresAt: 1_800_000_000_000, addrs: ['/ip4/127.0.0.1/tcp/9090/ws/p2p/' + first.peerId] }

  it('round-trips, fits a QR code, and starts with its prefix', () => {
    const text = encodeLinkPayload(offer)
    expect(text.startsWith('phr-link:')).toBe(true)
    expect(text.length).toBeLessThan(400)
    expect(parseLinkPayload(text)).toEqual({ ...offer, addrs: offer.addrs })
  })

  it('refuses malformed payloads by name, the size cap first', () => {
    const text = encodeLinkPayload(offer)
    expect(errorName(() => parseLinkPayload('x'.repeat(5000)))).toBe('LinkPayloadFormatError')
    expect(errorName(() => parseLinkPayload(text.replace('phr-link:', 'phr-lnk:')))).toBe('LinkPayloadFormatError')
    expect(errorName(() => parseLinkPayload(text + '!'))).toBe('LinkPayloadFormatError')
    expect(errorName(() => parseLinkPayload(text.slice(0, -3)))).toBe('LinkPayloadFormatError')
    expect(errorName(() => parseLinkPayload('phr-link:Ag'))).toBe('LinkPayloadFormatError') // version 2, truncated
    expect(errorName(() => parseLinkPayload(12 as unknown as string))).toBe('LinkPayloadFormatError')
  })

  it('binds the proof to the token and both PeerIds', () => {
    const other = device(owner, 'other')
    const p = linkProof(offer.token, first.peerId, other.peerId)
    expect(toHex(linkProof(offer.token, first.peerId, other.peerId))).toBe(toHex(p))
    expect(toHex(linkProof(offer.token, other.peerId, first.peerId))).not.toBe(toHex(p))
    expect(toHex(linkProof(new Uint8Array(16), first.peerId, other.peerId))).not.toBe(toHex(p))
  })
})

/** Owner material for the test: the epoch key of each doc (a real app sends person keys + keyring). */
function ownerMaterial(keys: Map<string, Uint8Array>): Uint8Array {
  const w = createWriter().varUint(keys.size)
  for (const [doc, key] of keys) w.varString(doc).varBytes(key)
  return w.finish()
}
function readOwnerMaterial(bytes: Uint8Array): Map<string, Uint8Array> {
  const r = createReader(bytes, FormatError)
  const out = new Map<string, Uint8Array>()
  for (let n = r.varUint('n'); n > 0; n--) out.set(r.varString('doc', 64), r.varBytes('key', 32, 32).slice())
  return out
}

interface FirstDevice {
  dev: Device
  node: Peer
  linker: DeviceLinker
  reps: Replica[]
  keys: Map<string, Uint8Array>
  now: { t: number }
  approvals: string[]
}

async function firstDevice(owner: PersonKeys, opts: { relay?: Relay; approve?: boolean } = {}): Promise<FirstDevice> {
  const dev = device(owner, 'phone')
  const node = await createNodePeer({ privateKey: await privateKeyOf(dev), allowInsecureLoopback: true, listen: ['/ip4/127.0.0.1/tcp/0'], listenThroughRelays: opts.relay !== undefined })
  const keys = new Map<string, Uint8Array>()
  const reps: Replica[] = []
  const rng = new Rng(21)
  for (let i = 0; i < 2; i++) {
    const docId = newDocId()
    const key = newEpochKey()
    keys.set(toHex(docId), key)
    const r = await replica(dev, docId, key)
    for (let k = 0; k < 3; k++) {
      edit(rng, r)
      await r.persistence.flush()
    }
    reps.push(r)
  }
  const now = { t: 1_000_000 }
  const approvals: string[] = []
  const linker = createDeviceLinker(node, {
    deviceCert: dev.cert,
    clock: () => now.t,
    approve: (req) => {
      approvals.push(req.name)
      return opts.approve === false ? undefined : owner.signing.secretKey
    },
    ownerMaterial: () => ownerMaterial(keys),
    docIds: () => reps.map((r) => r.docId)
  })
  await linker.start()
  cleanup.push(async () => {
    await linker.stop()
    await node.stop()
  })
  return { dev, node, linker, reps, keys, now, approvals }
}

async function newNode(): Promise<{ node: Peer; secret: Uint8Array; peerId: string }> {
  const secret = generateSigningKeyPair().secretKey
  const node = await createNodePeer({ privateKey: await deviceKeyFromSecret(secret), allowInsecureLoopback: true, listen: ['/ip4/127.0.0.1/tcp/0'] })
  cleanup.push(async () => {
    await node.stop()
  })
  return { node, secret, peerId: node.peerId.toString() }
}

describe('device linking over /phr/link/1', () => {
  it('links a new device directly, which then syncs every compartment', async () => {
    const owner = person()
    const first = await firstDevice(owner)
    const firstAddr = first.node.getMultiaddrs()[0]!.toString()
    const { payload } = first.linker.createOffer([firstAddr])
    const joiner = await newNode()
    const result = await linkDevice(joiner.node, payload, { name: 'Laptop', clock: () => first.now.t })
    expect(result.person).toBe(owner.did)
    expect(result.cert).toMatchObject({ person: owner.did, peerId: joiner.peerId, name: 'Laptop', issuedAt: 1_000_000 })
    expect(result.issuer.peerId).toBe(first.dev.peerId)
    expect(result.docIds.map(toHex).sort()).toEqual([...first.keys.keys()].sort())
    expect(first.approvals).toEqual(['Laptop'])
    expect(first.linker.openOffers).toBe(0)

    // the new device registers the docs with the keys it received and syncs them all
    const keys = readOwnerMaterial(result.ownerMaterial)
    const me: Device = {
      name: 'Laptop',
      person: owner,
      author: { secretKey: joiner.secret, publicKey: generateSigningKeyPair(joiner.secret).publicKey },
      peerId: joiner.peerId,
      cert: result.deviceCert
    }
    const mine: Replica[] = []
    for (const docId of result.docIds) mine.push(await replica(me, docId, keys.get(toHex(docId))!))
    const firstSync = createSyncService(first.node, { deviceCert: first.dev.cert, autoSync: false, warn: () => undefined })
    const newSync = createSyncService(joiner.node, { deviceCert: result.deviceCert, autoSync: false, warn: () => undefined })
    await firstSync.start()
    await newSync.start()
    cleanup.push(async () => {
      await newSync.stop()
      await firstSync.stop()
    })
    for (const r of first.reps) firstSync.addDoc(r.doc)
    for (const r of mine) newSync.addDoc(r.doc)
    await newSync.syncWith(first.node.getMultiaddrs()[0]!)
    for (let i = 0; i < mine.length; i++) {
      const docId: DocId = mine[i]!.docId
      const theirs = first.reps.find((r) => toHex(r.docId) === toHex(docId))!
      await eventually(() => converged([theirs, mine[i]!]), 10_000, `compartment ${i}`)
    }
  })

  it('a token works once, expires, and refuses a wrong proof; the user may decline', async () => {
    const owner = person()
    const first = await firstDevice(owner)
    const addr = first.node.getMultiaddrs()[0]!.toString()
    const clock = () => first.now.t

    const { payload } = first.linker.createOffer([addr])
    await linkDevice((await newNode()).node, payload, { name: 'one', clock })
    await expect(linkDevice((await newNode()).node, payload, { name: 'two', clock })).rejects.toMatchObject({ name: 'LinkTokenError' })

    // expiry: refused before dialing, and by the first device if the joiner's clock is behind
    const late = first.linker.createOffer([addr])
    first.now.t += 11 * 60_000
    await expect(linkDevice((await newNode()).node, late.payload, { name: 'late', clock })).rejects.toMatchObject({ name: 'LinkTokenError' })
    await expect(linkDevice((await newNode()).node, late.payload, { name: 'late', clock: () => 0 })).rejects.toMatchObject({ name: 'LinkTokenError' })

    // a wrong token (someone who saw the PeerId but not the code)
    const real = parseLinkPayload(first.linker.createOffer([addr]).payload)
    const guessed = encodeLinkPayload({ ...real, token: new Uint8Array(16) })
    await expect(linkDevice((await newNode()).node, guessed, { name: 'guess', clock })).rejects.toMatchObject({ name: 'LinkTokenError' })
    expect(first.linker.openOffers).toBe(1)
    for (let i = 0; i < 2; i++) await expect(linkDevice((await newNode()).node, guessed, { name: 'guess', clock })).rejects.toMatchObject({ name: 'LinkTokenError' })
    // three wrong proofs: every open offer is revoked
    expect(first.linker.openOffers).toBe(0)
    expect(first.approvals).toEqual(['one'])
  })

  it('reports a decline as LinkRejectedError, and the token is spent', async () => {
    const first = await firstDevice(person(), { approve: false })
    const { payload } = first.linker.createOffer([first.node.getMultiaddrs()[0]!.toString()])
    const clock = () => first.now.t
    await expect(linkDevice((await newNode()).node, payload, { name: 'nope', clock })).rejects.toMatchObject({ name: 'LinkRejectedError' })
    await expect(linkDevice((await newNode()).node, payload, { name: 'nope', clock })).rejects.toMatchObject({ name: 'LinkTokenError' })
  })

  it('links and syncs through a circuit relay (the payload names only the relay)', async () => {
    const relay = await createRelay({ wsPort: 0, tcpPort: 0, privateKey: await generateKeyPair('Ed25519') })
    cleanup.push(() => relay.stop())
    const relayTcp = relay.multiaddrs().find((a) => !a.includes('/ws'))!
    const owner = person()
    const first = await firstDevice(owner, { relay })
    await first.node.dial(multiaddr(relayTcp))
    await eventually(() => first.node.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit')), 10_000, 'relay reservation')
    const { payload } = first.linker.createOffer([relayTcp])
    const joiner = await newNode()
    const result = await linkDevice(joiner.node, payload, { name: 'Tablet', clock: () => first.now.t })
    expect(result.cert.peerId).toBe(joiner.peerId)
    // the only connection between the two is relayed (limited)
    const conns = joiner.node.getConnections(first.node.peerId)
    expect(conns.length).toBeGreaterThan(0)
    expect(conns.every((c) => c.limits !== undefined)).toBe(true)

    // sync over the relayed connection (small docs fit the relay's data cap)
    const keys = readOwnerMaterial(result.ownerMaterial)
    const me: Device = {
      name: 'Tablet',
      person: owner,
      author: { secretKey: joiner.secret, publicKey: generateSigningKeyPair(joiner.secret).publicKey },
      peerId: peerIdOfAuthorKey(generateSigningKeyPair(joiner.secret).publicKey),
      cert: result.deviceCert
    }
    const firstSync = createSyncService(first.node, { deviceCert: first.dev.cert, autoSync: false, allowLimitedConnections: true, warn: () => undefined })
    const newSync = createSyncService(joiner.node, { deviceCert: result.deviceCert, autoSync: false, allowLimitedConnections: true, warn: () => undefined })
    await firstSync.start()
    await newSync.start()
    cleanup.push(async () => {
      await newSync.stop()
      await firstSync.stop()
    })
    for (const r of first.reps) firstSync.addDoc(r.doc)
    const mine: Replica[] = []
    for (const docId of result.docIds) {
      const r = await replica(me, docId, keys.get(toHex(docId))!)
      mine.push(r)
      newSync.addDoc(r.doc)
    }
    await newSync.syncWith(`${relayTcp}/p2p-circuit/p2p/${first.dev.peerId}`)
    for (const r of mine) {
      const theirs = first.reps.find((x) => toHex(x.docId) === toHex(r.docId))!
      await eventually(() => converged([theirs, r]), 10_000, 'compartment through the relay')
    }
  })
})
