/**
 * `npm start` as a user runs it: it prints the patient, doctor and relay addresses, serves
 * the app and a relay that a libp2p node can reach, refuses a taken port with one clear
 * line, and stops cleanly on Ctrl-C.
 */
import { describe, it, expect, afterAll, beforeAll } from 'vitest'
import { createServer, type Server } from 'node:net'
import { createLibp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { multiaddr } from '@multiformats/multiaddr'
import { startServer, startExpectingFailure, type StartedServer } from './helpers/server.ts'

async function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const addr = server.address()
  if (addr === null || typeof addr === 'string') throw new Error('no port')
  return { server, port: addr.port }
}

describe('npm start', () => {
  let started: StartedServer
  beforeAll(async () => {
    started = await startServer()
  }, 180_000)
  afterAll(async () => {
    await started.stop('SIGKILL')
  })

  it('prints the patient app, doctor app and relay addresses', () => {
    expect(started.output()).toMatch(/patient app: http:\/\/127\.0\.0\.1:\d+\/patient/)
    expect(started.output()).toMatch(/doctor app: +http:\/\/127\.0\.0\.1:\d+\/doctor/)
    expect(started.relayAddr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\/12D3Koo\w+$/)
  })

  it('serves the app shell on every app route, with a strict content security policy', async () => {
    for (const path of ['/', '/patient', '/patient/timeline', '/patient/record', '/patient/vitals', '/patient/sharing', '/patient/devices', '/patient/settings', '/doctor', '/emergency', '/verify']) {
      const res = await fetch(started.baseUrl + path)
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('<phr-app>')
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
    }
    expect((await fetch(`${started.baseUrl}/sw.js`)).status).toBe(200)
    expect((await fetch(`${started.baseUrl}/manifest.webmanifest`)).status).toBe(200)
    expect((await fetch(`${started.baseUrl}/../../etc/passwd`)).status).toBe(404)
    expect((await fetch(`${started.baseUrl}/patient`, { method: 'POST' })).status).toBe(405)
  })

  it('hosts SMART Health Links on the app’s origin (the relay’s SHL server), refusing what is not signed', async () => {
    const res = await fetch(`${started.baseUrl}/shl/links`, { method: 'POST', body: 'not a registration' })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toMatch(/^ShlHostingFormatError/)
    expect((await fetch(`${started.baseUrl}/shl/${'A'.repeat(43)}`, { method: 'POST', body: '{"recipient":"x"}' })).status).toBe(404)
  })

  it('tells the app where the relay is, and the relay answers a libp2p dial', async () => {
    const config = (await (await fetch(`${started.baseUrl}/config.json`)).json()) as { relays: string[] }
    expect(config.relays).toEqual([started.relayAddr])
    const client = await createLibp2p({
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() }
    })
    try {
      const identified = new Promise<string[]>((resolve) =>
        client.addEventListener('peer:identify', (evt) => resolve(evt.detail.protocols), { once: true })
      )
      const conn = await client.dial(multiaddr(started.relayAddr), { signal: AbortSignal.timeout(10_000) })
      expect(conn.remotePeer.toString()).toBe(started.relayAddr.split('/p2p/')[1])
      expect(await identified).toContain('/libp2p/circuit/relay/0.2.0/hop')
    } finally {
      await client.stop()
    }
  })
})

describe('npm start, refused and stopped', () => {
  it('says in one line that PORT is taken, without a stack trace', async () => {
    const { server, port } = await occupyPort()
    try {
      const res = await startExpectingFailure({ PORT: String(port), RELAY_PORT: '0' })
      expect(res.code).not.toBe(0)
      expect(res.stderr).toContain(`The app server could not start: port ${port} is already in use. Stop the other program or set PORT to a free port.`)
      expect(res.stderr).not.toMatch(/^\s+at /m)
    } finally {
      server.close()
    }
  }, 180_000)

  it('says in one line that RELAY_PORT is taken, without a stack trace', async () => {
    const { server, port } = await occupyPort()
    try {
      const res = await startExpectingFailure({ PORT: '0', RELAY_PORT: String(port) })
      expect(res.code).not.toBe(0)
      expect(res.stderr).toContain(`The relay could not start: port ${port} is already in use. Stop the other program or set RELAY_PORT to a free port.`)
      expect(res.stderr).not.toMatch(/^\s+at /m)
    } finally {
      server.close()
    }
  }, 180_000)

  it('stops the app server and the relay on Ctrl-C and exits 0', async () => {
    const s = await startServer()
    await s.stop('SIGINT')
    // npm itself dies of the signal, as in a terminal; what matters is that our process
    // shut both listeners down and said so
    expect(s.output()).toContain('stopped')
    expect(s.output()).not.toMatch(/^\s+at /m)
    await expect(fetch(`${s.baseUrl}/config.json`)).rejects.toThrow()
    const relayPort = Number(/tcp\/(\d+)/.exec(s.relayAddr)?.[1])
    const probe = createServer()
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject)
      probe.listen(relayPort, '127.0.0.1', resolve)
    })
    probe.close()
  }, 180_000)
})
