/**
 * A browser peer for `test/e2e/sync.e2e.test.ts` (served by a Vite dev server): one device
 * with one doc (a Y.Doc through persistence into a memory store) and the sync service on a
 * browser libp2p node (WebSockets to the relay, WebRTC between browsers). The test drives
 * it through `window.__sync`.
 */
import * as Y from 'yjs'
import { multiaddr } from '@multiformats/multiaddr'
import { asDocId, fromHex } from '../../../src/lib/index.ts'
import { generateSigningKeyPair, issueDeviceCert } from '../../../src/crypto/index.ts'
import { createMemoryStore, createPersistence } from '../../../src/storage/index.ts'
import { createBrowserPeer, createSyncService, deviceKeyFromSecret, type Peer, type SyncService } from '../../../src/sync/index.ts'
import { persistableYDoc } from '../../helpers/ydoc.ts'

/** What the test passes to `init`. */
export interface InitArgs {
  relayAddr: string
  /** The person's root secret key (hex): the page certifies its own new device with it. */
  rootSecretHex: string
  docIdHex: string
  epochKeyHex: string
  name: string
}

let peer: Peer | undefined
let sync: SyncService | undefined
let ydoc: Y.Doc | undefined

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now()
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const api = {
  /** Starts the peer, reaches the relay, waits for a relay reservation; returns the PeerId. */
  async init(a: InitArgs): Promise<string> {
    const author = generateSigningKeyPair()
    peer = await createBrowserPeer({ privateKey: await deviceKeyFromSecret(author.secretKey), allowInsecureLoopback: true })
    const deviceCert = issueDeviceCert({ peerId: peer.peerId.toString(), name: a.name, issuedAt: Date.now() }, fromHex(a.rootSecretHex))
    const epochKey = fromHex(a.epochKeyHex)
    const docId = asDocId(fromHex(a.docIdHex))
    ydoc = new Y.Doc()
    const store = createMemoryStore()
    const persistence = createPersistence({
      docId,
      doc: persistableYDoc(ydoc),
      store,
      batchMs: 5,
      keys: { author, sealing: () => ({ epoch: 0, key: epochKey }), epochKey: (_d, e) => (e === 0 ? epochKey : undefined) }
    })
    await persistence.load()
    sync = createSyncService(peer, { deviceCert, dialTimeoutMs: 20_000, warn: (m, e) => console.warn(m, e) })
    await sync.start()
    sync.addDoc({ docId, store, persistence })
    await peer.dial(multiaddr(a.relayAddr))
    const p = peer
    await until(() => p.getMultiaddrs().some((ma) => ma.toString().includes('/p2p-circuit')), 15_000, 'a relay reservation')
    return peer.peerId.toString()
  },
  /**
   * Opens a sync session with `addr` (a `<relay>/p2p-circuit/webrtc/p2p/<peer>` address),
   * trying up to six times with a growing pause, as the app's reconnect does: on a loaded
   * machine a WebRTC dial can lose its ICE race or hang in its signalling (then the next
   * try connects at once), or reach the relay while it renews the other peer's reservation
   * (NO_RESERVATION). A try that has not connected in 10 s is given up.
   */
  async syncWith(addr: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await sync?.syncWith(addr, { signal: AbortSignal.timeout(10_000) })
        return
      } catch (err) {
        if (attempt === 6) throw err
        console.warn(`sync: attempt ${attempt} to reach ${addr} failed:`, err instanceof Error ? err.message : err)
        // a reservation the relay dropped is renewed by the peer: give it a moment
        await new Promise((r) => setTimeout(r, 1000 * attempt))
      }
    }
  },
  set(key: string, value: string): void {
    ydoc?.getMap('m').set(key, value)
  },
  content(): Record<string, unknown> {
    return ydoc?.getMap('m').toJSON() ?? {}
  },
  /** The connections to `peerId`: their address and whether a relay limits them. */
  connections(peerId: string): Array<{ addr: string; limited: boolean; direct: boolean }> {
    return (peer?.getConnections().filter((c) => c.remotePeer.toString() === peerId) ?? []).map((c) => ({
      addr: c.remoteAddr.toString(),
      limited: c.limits !== undefined,
      direct: c.direct
    }))
  },
  syncedPeers(): string[] {
    return sync?.status().peers.map((p) => p.peerId) ?? []
  },
  async stop(): Promise<void> {
    await sync?.stop()
    await peer?.stop()
  }
}

/** The page's API, as the test sees it. */
export type SyncPageApi = typeof api
;(window as unknown as { __sync: SyncPageApi }).__sync = api
