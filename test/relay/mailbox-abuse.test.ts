/**
 * Abuse of the mailbox over real libp2p: oversized frames, malformed messages, data sent
 * before a reply, silence, and stream floods are cut off (the peer's connection dropped
 * and its PeerId refused for a while) while a well-behaved peer keeps working, and the
 * relay's memory stays bounded through a flood.
 */
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { multiaddr } from '@multiformats/multiaddr'
import type { Stream } from '@libp2p/interface'
import {
  createMailboxFramedStream,
  decodeMailboxMessage,
  DEFAULT_MAILBOX_LIMITS,
  encodeMailboxMessage,
  mailboxFrameOf,
  MAILBOX_PROTOCOL,
  MAILBOX_PROTOCOL_VERSION,
  MailboxErrorCode,
  signRegistration,
  type MailboxFramedStream
} from '../../src/sync/mailbox/index.ts'
import { newDocSecrets, openDoc, startDevice, startRelay, type TestDevice, type TestRelay } from './helpers.ts'

async function waitFor(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** A raw mailbox stream, to send what the client never would. */
async function raw(d: TestDevice, addr: string): Promise<{ stream: Stream; framed: MailboxFramedStream }> {
  const stream = await d.node.dialProtocol(multiaddr(addr), MAILBOX_PROTOCOL, { signal: AbortSignal.timeout(5_000) })
  return { stream, framed: createMailboxFramedStream(stream, { maxFrameBytes: 8 * 1024 * 1024 }) }
}

function hello(d: TestDevice): Uint8Array {
  return mailboxFrameOf(encodeMailboxMessage({ type: 'hello', version: MAILBOX_PROTOCOL_VERSION, deviceCert: d.cert }))
}

/** What the raw stream sees next: an ERROR's code, another message type, or that it closed. */
async function outcome(framed: MailboxFramedStream): Promise<string> {
  try {
    const msg = decodeMailboxMessage(await framed.read(AbortSignal.timeout(5_000)), DEFAULT_MAILBOX_LIMITS)
    return msg.type === 'error' ? `error ${msg.code}` : msg.type
  } catch (err) {
    return (err as Error).name
  }
}

/** A length prefix (unsigned LEB128) for `n` bytes, without the bytes. */
function prefix(n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return Uint8Array.from(out)
}

describe('mailbox abuse', () => {
  let r: TestRelay
  let good: TestDevice
  let goodDoc: ReturnType<typeof newDocSecrets>
  let goodCompartment: Awaited<ReturnType<typeof openDoc>>
  const devices: TestDevice[] = []
  const device = async (): Promise<TestDevice> => {
    const d = await startDevice()
    devices.push(d)
    return d
  }

  /** The well-behaved peer still registers, deposits and fetches. */
  async function goodPeerWorks(): Promise<void> {
    const doc = goodCompartment
    await doc.write(`k${doc.sealed.length}`, 'v')
    const mb = good.mailbox(r.tcpAddr)
    expect(await mb.deposit(goodDoc.docId, doc.sealed.slice(-1))).toEqual({ stored: 1, skipped: 0 })
    expect((await mb.fetch(goodDoc.docId)).envelopes.length).toBe(doc.sealed.length)
  }

  async function expectCutOff(attacker: TestDevice, cutOffBefore: number): Promise<void> {
    await waitFor('the attacker’s connection to drop', () => attacker.node.getConnections().length === 0)
    expect(r.relay.mailbox?.stats().cutOff).toBeGreaterThan(cutOffBefore)
    expect(r.relay.mailbox?.isBanned(attacker.peerId)).toBe(true)
    // a banned PeerId is refused a new connection by the relay's gater
    await expect(attacker.node.dialProtocol(multiaddr(r.tcpAddr), MAILBOX_PROTOCOL, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow()
    await goodPeerWorks()
  }

  beforeAll(async () => {
    r = await startRelay({ helloTimeoutMs: 1_000, idleTimeoutMs: 2_000 })
    good = await device()
    goodDoc = newDocSecrets()
    goodCompartment = await openDoc(good, goodDoc)
    await good.mailbox(r.tcpAddr).register(signRegistration({ docId: goodDoc.docId, version: 1, issuedAt: Date.now(), parties: [] }, good.person.signing.secretKey))
  })
  afterAll(async () => {
    await Promise.all(devices.map((d) => d.stop()))
    await r.stop()
  })

  it('an oversized frame is refused at its length prefix and the peer is cut off', async () => {
    const attacker = await device()
    const before = r.relay.mailbox?.stats().cutOff ?? 0
    const { stream, framed } = await raw(attacker, r.tcpAddr)
    stream.send(hello(attacker))
    expect(await outcome(framed)).toBe('welcome')
    // announce 100 MiB and send only the first bytes: refused without waiting for the rest
    stream.send(prefix(100 * 1024 * 1024))
    stream.send(new Uint8Array(1024))
    expect(await outcome(framed)).toMatch(new RegExp(`error ${MailboxErrorCode.tooLarge}|MailboxClosedError`))
    await expectCutOff(attacker, before)
  })

  it.each([
    ['an unknown message type', (d: TestDevice) => [hello(d), mailboxFrameOf(Uint8Array.of(0x7f, 1, 2, 3))]],
    ['a non-canonical length prefix', (d: TestDevice) => [hello(d), Uint8Array.of(0x85, 0x00, 0x01)]],
    ['a length prefix longer than 4 bytes', () => [Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7f)]],
    ['a FETCH before HELLO', () => [mailboxFrameOf(encodeMailboxMessage({ type: 'fetch', docId: newDocSecrets().docId, cursor: 0, maxEnvelopes: 1, maxBytes: 1, vector: new Map() }))]],
    ['a reply-type message from a client', (d: TestDevice) => [hello(d), mailboxFrameOf(encodeMailboxMessage({ type: 'welcome', version: 1, limits: DEFAULT_MAILBOX_LIMITS }))]],
    ['trailing bytes inside a message', (d: TestDevice) => [hello(d), mailboxFrameOf(Uint8Array.of(...encodeMailboxMessage({ type: 'register', registration: Uint8Array.of(1) }), 0))]],
    ['HELLO and a request sent together (no waiting for the reply)', (d: TestDevice) => {
      const both = [...hello(d), ...mailboxFrameOf(encodeMailboxMessage({ type: 'register', registration: Uint8Array.of(1) }))]
      return [Uint8Array.from(both)]
    }]
  ] as Array<[string, (d: TestDevice) => Uint8Array[]]>)('%s cuts the peer off', async (_what, build) => {
    const attacker = await device()
    const before = r.relay.mailbox?.stats().cutOff ?? 0
    const { stream, framed } = await raw(attacker, r.tcpAddr)
    const chunks = build(attacker)
    for (const c of chunks) stream.send(c)
    const seen = [await outcome(framed)]
    if (seen[0] === 'welcome') seen.push(await outcome(framed))
    expect(seen.at(-1)).toMatch(new RegExp(`error (${MailboxErrorCode.malformed}|${MailboxErrorCode.protocol}|${MailboxErrorCode.tooLarge})|MailboxClosedError`))
    await expectCutOff(attacker, before)
  })

  it('a stream that never says HELLO is closed after the HELLO timeout (not banned: it may be slow)', async () => {
    const slow = await device()
    const { framed } = await raw(slow, r.tcpAddr)
    const t0 = Date.now()
    expect(await outcome(framed)).toMatch(new RegExp(`error ${MailboxErrorCode.timeout}|MailboxClosedError`))
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900)
    expect(r.relay.mailbox?.isBanned(slow.peerId)).toBe(false)
  })

  it('400 streams opened at once are refused (libp2p stream limits, before the mailbox), and the well-behaved peer keeps working', async () => {
    const attacker = await device()
    const target = multiaddr(r.tcpAddr)
    const results = await Promise.allSettled(
      Array.from({ length: 400 }, async () => {
        const s = await attacker.node.dialProtocol(target, MAILBOX_PROTOCOL, { signal: AbortSignal.timeout(5_000) })
        s.send(hello(attacker))
        return outcome(createMailboxFramedStream(s, { maxFrameBytes: 1 << 20 }))
      })
    )
    const welcomed = results.filter((x) => x.status === 'fulfilled' && x.value === 'welcome').length
    const seen: Record<string, number> = {}
    for (const x of results) {
      const k = x.status === 'fulfilled' ? x.value : (x.reason as Error).name
      seen[k] = (seen[k] ?? 0) + 1
    }
    console.log(`concurrent stream flood: ${welcomed} of 400 streams got a WELCOME; ${JSON.stringify(seen)}`)
    // at most maxStreamsPerConnection (4) sessions at a time on one connection
    expect(welcomed).toBeLessThanOrEqual(4)
    await goodPeerWorks()
    await waitFor('the flood’s sessions to end', () => (r.relay.mailbox?.stats().sessions ?? 1) === 0)
  })
})

describe('mailbox request-rate flood', () => {
  it('streams opened faster than the request rate cut the peer off while a well-behaved peer keeps working', async () => {
    // a low rate (10/s, burst 20), so that the flood outruns it however slow the machine is
    const r = await startRelay({ requestsPerSecond: 10 })
    const good = await startDevice()
    const attacker = await startDevice()
    try {
      const secrets = newDocSecrets()
      const mb = good.mailbox(r.tcpAddr)
      await mb.register(signRegistration({ docId: secrets.docId, version: 1, issuedAt: Date.now(), parties: [] }, good.person.signing.secretKey))
      const target = multiaddr(r.tcpAddr)
      let opened = 0
      // three at a time (under the per-connection stream limit), each HELLO then close, as fast as possible
      await Promise.allSettled(
        Array.from({ length: 3 }, async () => {
          for (let i = 0; i < 100; i++) {
            const s = await attacker.node.dialProtocol(target, MAILBOX_PROTOCOL, { signal: AbortSignal.timeout(5_000) })
            opened++
            s.send(hello(attacker))
            await s.close()
          }
        })
      )
      console.log(`sequential stream flood: ${opened} streams opened before the cut-off`)
      expect(opened).toBeLessThan(300)
      await waitFor('the attacker’s connection to drop', () => attacker.node.getConnections().length === 0)
      expect(r.relay.mailbox?.stats().cutOff).toBe(1)
      expect(r.relay.mailbox?.isBanned(attacker.peerId)).toBe(true)
      await expect(attacker.node.dialProtocol(target, MAILBOX_PROTOCOL, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow()
      const doc = await openDoc(good, secrets)
      await doc.write('still', 'served')
      expect(await mb.deposit(secrets.docId, doc.sealed)).toEqual({ stored: 1, skipped: 0 })
      expect((await mb.fetch(secrets.docId)).envelopes.length).toBe(1)
    } finally {
      await Promise.all([good.stop(), attacker.stop()])
      await r.stop()
    }
  })
})

describe('mailbox session cap', () => {
  it('beyond maxSessions a new session is refused as busy (not cut off), and is served once a slot frees', async () => {
    const r = await startRelay({ maxSessions: 1, helloTimeoutMs: 1_000, idleTimeoutMs: 1_000 })
    const holder = await startDevice()
    const other = await startDevice()
    try {
      const { stream, framed } = await raw(holder, r.tcpAddr)
      stream.send(hello(holder))
      expect(await outcome(framed)).toBe('welcome')
      const mb = other.mailbox(r.tcpAddr)
      const docId = newDocSecrets().docId
      await expect(mb.register(signRegistration({ docId, version: 1, issuedAt: Date.now(), parties: [] }, other.person.signing.secretKey))).rejects.toMatchObject({
        name: 'MailboxBusyError'
      })
      expect(r.relay.mailbox?.stats().refusedStreams).toBe(1)
      expect(r.relay.mailbox?.isBanned(other.peerId)).toBe(false)
      await waitFor('the idle session to time out', () => (r.relay.mailbox?.stats().sessions ?? 1) === 0)
      expect(await mb.register(signRegistration({ docId, version: 1, issuedAt: Date.now(), parties: [] }, other.person.signing.secretKey))).toEqual({ version: 1 })
    } finally {
      await Promise.all([holder.stop(), other.stop()])
      await r.stop()
    }
  })
})

describe('mailbox memory under a flood', () => {
  it('stays bounded: buffered bytes never pass the budget, and the heap returns near its start after the flood', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const budget = 8 * 1024 * 1024
    const r = await startRelay({ maxBufferedBytes: budget, helloTimeoutMs: 1_000, idleTimeoutMs: 1_500 })
    const heap = (): number => {
      gc()
      gc()
      return process.memoryUsage().heapUsed
    }
    const good = await startDevice()
    const secrets = newDocSecrets()
    const mb = good.mailbox(r.tcpAddr)
    await mb.register(signRegistration({ docId: secrets.docId, version: 1, issuedAt: Date.now(), parties: [] }, good.person.signing.secretKey))
    const before = heap()

    const attackers = await Promise.all(Array.from({ length: 24 }, () => startDevice()))
    let peak = 0
    const sampler = setInterval(() => {
      peak = Math.max(peak, r.relay.mailbox?.stats().bufferedBytes ?? 0)
    }, 5)
    // each attacker starts a 4 MiB frame and sends 1 MiB of it, then goes quiet (slowloris)
    const outcomes = await Promise.allSettled(
      attackers.map(async (a) => {
        const { stream, framed } = await raw(a, r.tcpAddr)
        stream.send(hello(a))
        await outcome(framed)
        stream.send(prefix(4 * 1024 * 1024))
        for (let i = 0; i < 16; i++) stream.send(new Uint8Array(64 * 1024).fill(0x41))
        return outcome(framed)
      })
    )
    clearInterval(sampler)
    const seen: Record<string, number> = {}
    for (const o of outcomes) {
      const key = o.status === 'fulfilled' ? o.value : (o.reason as Error).name
      seen[key] = (seen[key] ?? 0) + 1
    }
    await waitFor('every flood session to end', () => (r.relay.mailbox?.stats().sessions ?? 1) === 0)
    expect(r.relay.mailbox?.stats().bufferedBytes).toBe(0)
    // the well-behaved peer is served once the flood is over
    const doc = await openDoc(good, secrets)
    await doc.write('after', 'flood')
    expect((await mb.deposit(secrets.docId, doc.sealed)).stored).toBe(1)
    await Promise.all(attackers.map((a) => a.stop()))
    await new Promise((resolve) => setTimeout(resolve, 200))
    const after = heap()
    console.log(
      `memory flood: 24 peers × 1 MiB partial frames; peak buffered ${(peak / 2 ** 20).toFixed(2)} MiB (budget ${budget / 2 ** 20} MiB); ` +
        `what the attackers saw: ${JSON.stringify(seen)} (error ${MailboxErrorCode.busy} = busy, ${MailboxErrorCode.timeout} = timeout); heap before ${(before / 2 ** 20).toFixed(1)} MiB, after ${(after / 2 ** 20).toFixed(1)} MiB`
    )
    expect(peak).toBeLessThanOrEqual(budget)
    expect(after - before).toBeLessThan(16 * 1024 * 1024)
    await good.stop()
    await r.stop()
  })
})
