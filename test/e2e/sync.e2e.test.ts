/**
 * `/phr/sync/1` between two real Chromium browsers: each runs a browser peer (a test page
 * served by Vite: `test/sync/browser/`), reaches a relay over WebSockets, and they connect
 * over WebRTC (`<relay>/p2p-circuit/webrtc/p2p/<peer>`), sync a doc both ways, and — with
 * a relay of the test's own — keep syncing after that relay stops.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createPerson, newDocId, newEpochKey } from '../../src/crypto/index.ts'
import { toHex } from '../../src/lib/index.ts'
import { createRelay } from '../../src/relay/index.ts'
import { launchChromium, watchPageErrors } from '../helpers/browser.ts'
import { startPageServer, type PageServer } from '../helpers/vite-server.ts'
import type { InitArgs, SyncPageApi } from '../sync/browser/page.ts'

const sharedRelay = inject('relayAddr')
let server: PageServer
let pageUrl: string
let browser: Browser

beforeAll(async () => {
  server = await startPageServer()
  pageUrl = server.url('test/sync/browser/index.html')
  browser = await launchChromium({ webrtc: true })
})

afterAll(async () => {
  await browser.close()
  await server.close()
})

type Call = <K extends keyof SyncPageApi>(name: K, ...args: Parameters<SyncPageApi[K]>) => Promise<Awaited<ReturnType<SyncPageApi[K]>>>

interface BrowserPeer {
  context: BrowserContext
  page: Page
  errors: string[]
  peerId: string
  call: Call
}

/** A fresh browser context running one peer. */
async function browserPeer(args: InitArgs): Promise<BrowserPeer> {
  const context = await browser.newContext()
  const page = await context.newPage()
  const errors = watchPageErrors(page)
  await page.goto(pageUrl)
  await page.waitForFunction(() => (window as unknown as { __sync?: unknown }).__sync !== undefined, undefined, { timeout: 60_000 })
  const call: Call = (name, ...a) =>
    page.evaluate(
      async ([n, x]) => {
        const api = (window as unknown as { __sync: Record<string, (...v: unknown[]) => unknown> }).__sync
        return (await api[n as string]?.(...(x as unknown[]))) as never
      },
      [name, a] as const
    )
  const peerId = await call('init', args)
  return { context, page, errors, peerId, call }
}

/** Two devices of one person, one doc, both on `relayAddr`; b dials a over WebRTC through the relay. */
async function pair(relayAddr: string): Promise<[BrowserPeer, BrowserPeer]> {
  const person = createPerson().keys
  const common = { relayAddr, rootSecretHex: toHex(person.signing.secretKey), docIdHex: toHex(newDocId()), epochKeyHex: toHex(newEpochKey()) }
  const a = await browserPeer({ ...common, name: 'phone' })
  const b = await browserPeer({ ...common, name: 'laptop' })
  await a.call('set', 'from-a', 'before connecting')
  await b.call('set', 'from-b', 'before connecting')
  await b.call('syncWith', `${relayAddr}/p2p-circuit/webrtc/p2p/${a.peerId}`)
  return [a, b]
}

async function expectBothHave(a: BrowserPeer, b: BrowserPeer, key: string, value: string): Promise<void> {
  for (const p of [a, b]) await expect.poll(async () => (await p.call('content'))[key], { timeout: 15_000 }).toBe(value)
}

describe('sync between two browsers over WebRTC', () => {
  it('find each other through the relay of npm start and sync a doc both ways', async () => {
    const [a, b] = await pair(sharedRelay)
    await expectBothHave(a, b, 'from-a', 'before connecting')
    await expectBothHave(a, b, 'from-b', 'before connecting')
    // the sync connection is direct WebRTC, not the relayed (limited) one
    const conns = await b.call('connections', a.peerId)
    expect(conns.some((c) => c.addr.includes('/webrtc') && !c.limited)).toBe(true)
    expect(await a.call('syncedPeers')).toContain(b.peerId)
    await a.call('set', 'live', 'pushed from a')
    await expectBothHave(a, b, 'live', 'pushed from a')
    expect([...a.errors, ...b.errors]).toEqual([])
    for (const p of [a, b]) {
      await p.call('stop')
      await p.context.close()
    }
  }, 180_000)

  it('keep syncing after the relay stops', async () => {
    const relay = await createRelay({ wsPort: 0, privateKey: await generateKeyPair('Ed25519') })
    const relayAddr = relay.webSocketAddrs()[0]
    if (relayAddr === undefined) throw new Error('the relay has no WebSockets address')
    const [a, b] = await pair(relayAddr)
    await expectBothHave(a, b, 'from-b', 'before connecting')
    await relay.stop()
    // the relayed connections are gone; the direct WebRTC one stays
    await expect.poll(async () => (await b.call('connections', a.peerId)).every((c) => !c.limited), { timeout: 15_000 }).toBe(true)
    await a.call('set', 'after-relay', 'a, relay gone')
    await b.call('set', 'also-after', 'b, relay gone')
    await expectBothHave(a, b, 'after-relay', 'a, relay gone')
    await expectBothHave(a, b, 'also-after', 'b, relay gone')
    expect((await a.call('connections', b.peerId)).some((c) => c.addr.includes('/webrtc'))).toBe(true)
    for (const p of [a, b]) {
      await p.call('stop')
      await p.context.close()
    }
  }, 180_000)
})
