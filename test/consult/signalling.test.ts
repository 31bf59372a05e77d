/**
 * `/phr/consult/1` between real Node peers (TCP + Noise + yamux): a ring allowed by both
 * sides' grant check is shown, accepted, carries offers, answers and candidates both ways
 * and a hang-up; a ring without a live grant (either side), a declined, a busy and an
 * unanswered ring are refused by name; a peer that sends nonsense or someone else's
 * certificate is cut off before anything is shown.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { multiaddr } from '@multiformats/multiaddr'
import { createNodePeer, frameStream, type Peer } from '../../src/sync/index.ts'
import { createConsultService, CONSULT_PROTOCOL, encodeConsultMessage, type CallParty, type ConsultService, type IncomingRing } from '../../src/consult/index.ts'
import { device, person, privateKeyOf, type Device } from '../sync/helpers.ts'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function node(d: Device): Promise<Peer> {
  const p = await createNodePeer({ privateKey: await privateKeyOf(d), allowInsecureLoopback: true, listen: ['/ip4/127.0.0.1/tcp/0'] })
  cleanup.push(async () => {
    await p.stop()
  })
  return p
}

const grantId = new Uint8Array(16).fill(7)

interface Side {
  device: Device
  peer: Peer
  service: ConsultService
  rings: IncomingRing[]
  faults: string[]
  allow: { value: boolean }
  addr: string
}

async function side(name: string, opts: { ringTimeoutMs?: number; answer?: (r: IncomingRing) => void } = {}): Promise<Side> {
  const d = device(person(), name)
  const peer = await node(d)
  const rings: IncomingRing[] = []
  const faults: string[] = []
  const allow = { value: true }
  const service = createConsultService(peer, {
    deviceCert: d.cert,
    authorize: () => allow.value,
    onRing: (r) => {
      rings.push(r)
      opts.answer?.(r)
    },
    onPeerFault: (_p, e) => faults.push(e.name),
    ...(opts.ringTimeoutMs === undefined ? {} : { ringTimeoutMs: opts.ringTimeoutMs })
  })
  await service.start()
  cleanup.push(async () => {
    await service.stop()
  })
  return { device: d, peer, service, rings, faults, allow, addr: `${peer.getMultiaddrs()[0]?.toString() ?? ''}` }
}

const partyOf = (s: Side): CallParty => ({ person: s.device.person.did, peerId: s.peer.peerId.toString(), grantId })
const until = async (check: () => boolean, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('/phr/consult/1', () => {
  it('rings, is accepted, carries the negotiation both ways, and ends with a hang-up', async () => {
    const patient = await side('phone')
    const doctor = await side('clinic pc')
    const ringing = doctor.service.ring({ to: partyOf(patient), addr: patient.addr })
    await until(() => patient.rings.length === 1)
    const ring = patient.rings[0] as IncomingRing
    // the callee knows who rings: the person of a certificate proven by the Noise PeerId
    expect(ring.remote.person).toBe(doctor.device.person.did)
    expect(ring.remote.peerId).toBe(doctor.peer.peerId.toString())
    expect(ring.deviceName).toBe('clinic pc')
    expect(patient.service.busy).toBe(true)
    const calleeChannel = await ring.accept()
    const callerChannel = await ringing
    expect(callerChannel.remote.person).toBe(patient.device.person.did)
    expect([...callerChannel.callId]).toEqual([...calleeChannel.callId])

    const atCallee: string[] = []
    const atCaller: string[] = []
    calleeChannel.onMessage((m) => atCallee.push(m.type === 'ice' ? `ice:${m.candidate}` : `${m.type}:${m.sdp}`))
    callerChannel.onMessage((m) => atCaller.push(m.type === 'ice' ? `ice:${m.candidate}` : `${m.type}:${m.sdp}`))
    await callerChannel.send({ type: 'offer', sdp: 'v=0 offer' })
    await callerChannel.send({ type: 'ice', candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 })
    await calleeChannel.send({ type: 'answer', sdp: 'v=0 answer' })
    await calleeChannel.send({ type: 'ice', candidate: '', sdpMid: '0', sdpMLineIndex: 0 })
    await until(() => atCallee.length === 2 && atCaller.length === 2)
    expect(atCallee).toEqual(['offer:v=0 offer', 'ice:candidate:1 1 udp 1 127.0.0.1 5000 typ host'])
    expect(atCaller).toEqual(['answer:v=0 answer', 'ice:'])

    calleeChannel.hangUp()
    expect(await callerChannel.ended).toEqual({ reason: 'hangup' })
    expect(await calleeChannel.ended).toEqual({ reason: 'local' })
    await expect(callerChannel.send({ type: 'offer', sdp: 'late' })).rejects.toMatchObject({ name: 'CallClosedError' })
    await until(() => !patient.service.busy && !doctor.service.busy)
    expect([...patient.faults, ...doctor.faults]).toEqual([])
  })

  it('refuses a ring without a live grant, on the callee’s side and on the caller’s', async () => {
    const patient = await side('phone')
    const doctor = await side('clinic pc')
    patient.allow.value = false // e.g. the grant was revoked
    await expect(doctor.service.ring({ to: partyOf(patient), addr: patient.addr })).rejects.toMatchObject({ name: 'CallNotAllowedError' })
    expect(patient.rings).toEqual([])
    doctor.allow.value = false
    patient.allow.value = true
    await expect(doctor.service.ring({ to: partyOf(patient), addr: patient.addr })).rejects.toMatchObject({ name: 'CallNotAllowedError' })
    expect(patient.rings).toEqual([])
    expect(doctor.service.busy).toBe(false)
  })

  it('reports declined, busy and unanswered rings by reason', async () => {
    const patient = await side('phone', { answer: (r) => r.decline() })
    const doctor = await side('clinic pc')
    await expect(doctor.service.ring({ to: partyOf(patient), addr: patient.addr })).rejects.toMatchObject({ name: 'CallDeclinedError', reason: 'declined' })

    const slow = await side('tablet', { ringTimeoutMs: 300 })
    await expect(doctor.service.ring({ to: partyOf(slow), addr: slow.addr })).rejects.toMatchObject({ name: 'CallDeclinedError', reason: 'no-answer' })
    expect(slow.rings[0]?.signal.aborted).toBe(true)
    await expect((slow.rings[0] as IncomingRing).accept()).rejects.toMatchObject({ name: 'CallClosedError' })

    // in a call already: a second caller hears busy
    const other = await side('other pc')
    const first = doctor.service.ring({ to: partyOf(slow), addr: slow.addr })
    await until(() => slow.rings.length === 2)
    await expect(other.service.ring({ to: partyOf(slow), addr: slow.addr })).rejects.toMatchObject({ name: 'CallDeclinedError', reason: 'busy' })
    const ch = await (slow.rings[1] as IncomingRing).accept()
    ;(await first).hangUp()
    expect((await ch.ended).reason).toBe('hangup')
  })

  it('tells the callee when the caller gives up while it rings', async () => {
    const patient = await side('phone')
    const doctor = await side('clinic pc')
    const stop = new AbortController()
    const ringing = doctor.service.ring({ to: partyOf(patient), addr: patient.addr, signal: stop.signal })
    await until(() => patient.rings.length === 1)
    stop.abort(new Error('caller hung up'))
    await expect(ringing).rejects.toThrow('caller hung up')
    await until(() => patient.rings[0]?.signal.aborted === true)
    expect(patient.service.busy).toBe(false)
  })

  it('cuts off a peer that sends nonsense or another device’s certificate, before showing anything', async () => {
    const patient = await side('phone')
    const intruder = await side('intruder')
    const victim = device(person(), 'victim')
    const send = async (frame: Uint8Array): Promise<void> => {
      const conn = await intruder.peer.dial(multiaddr(patient.addr))
      const stream = await conn.newStream(CONSULT_PROTOCOL)
      const f = frameStream(stream, { maxFrameBytes: 70_000, maxBufferedBytes: 80_000, frameTimeoutMs: 2_000 })
      await f.write(frame, AbortSignal.timeout(2_000))
      await f.read(AbortSignal.timeout(2_000)).catch(() => null)
    }
    await send(new Uint8Array([0xff, 1, 2, 3]))
    await send(encodeConsultMessage({ type: 'offer', sdp: 'v=0 not rung yet' }))
    await send(encodeConsultMessage({ type: 'ring', callId: new Uint8Array(16), grantId, cert: victim.cert }))
    await until(() => patient.faults.length === 3)
    expect(patient.faults).toEqual(['ConsultMessageFormatError', 'ConsultMessageFormatError', 'DeviceCertMismatchError'])
    expect(patient.rings).toEqual([])
    expect(patient.service.busy).toBe(false)
  })
})
