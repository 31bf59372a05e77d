import { createLibp2p, type Libp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, type Identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import { dialPolicy } from './gater.ts'

/** Options of a browser peer. */
export interface BrowserPeerInit {
  /** The device's libp2p key; a fresh one when absent. */
  privateKey?: PrivateKey
  /** Allow `ws://` and private addresses when they are loopback. @default false */
  allowInsecureLoopback?: boolean
  /** Connections held at once: a browser talks to a few relays and peers. @default 32 */
  maxConnections?: number
}

/** A libp2p node with the services the app relies on. */
export type Peer = Libp2p<{ identify: Identify }>

/**
 * Builds (and starts) a libp2p node for the browser: WebSockets to relays, Noise, yamux,
 * identify. The dial policy refuses insecure and private addresses unless
 * `allowInsecureLoopback` is set and the address is loopback.
 */
export async function createBrowserPeer(init: BrowserPeerInit = {}): Promise<Peer> {
  return createLibp2p({
    ...(init.privateKey === undefined ? {} : { privateKey: init.privateKey }),
    addresses: { listen: [] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: dialPolicy(init.allowInsecureLoopback ?? false),
    connectionManager: { maxConnections: init.maxConnections ?? 32, dialTimeout: 10_000 },
    services: { identify: identify() }
  })
}
