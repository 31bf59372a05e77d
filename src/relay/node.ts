import { createLibp2p, type Libp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import type { PrivateKey } from '@libp2p/interface'
import { loadOrCreateRelayKey } from './identity.ts'

/** Options of a relay node. Every limit is set on purpose; see each default. */
export interface RelayInit {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string
  /** WebSockets port (browsers dial this). 0 picks a free port. @default 9090 */
  wsPort?: number
  /** TCP port for Node peers; undefined disables the TCP listener. @default undefined */
  tcpPort?: number
  /** Folder for the relay's key (and, later, its mailbox database). @default '.data/relay' */
  dataDir?: string
  /** A fixed key instead of the one in dataDir (tests). */
  privateKey?: PrivateKey
  /** Connections held at once before new inbound ones are refused. @default 2000 */
  maxConnections?: number
  /** Circuit-relay reservations held at once. @default 1000 */
  maxReservations?: number
}

/** A running relay. */
export interface Relay {
  readonly node: Libp2p
  /** The dialable multiaddrs, each ending in `/p2p/<peerId>`. */
  multiaddrs(): string[]
  /** The WebSockets multiaddrs only (what a browser dials). */
  webSocketAddrs(): string[]
  stop(): Promise<void>
}

/**
 * Starts a libp2p relay: circuit-relay-v2 server and identify over WebSockets (and TCP
 * when `tcpPort` is set), Noise and yamux.
 * @throws when a port is taken (the libp2p error, code `EADDRINUSE` in its cause chain)
 * @example const relay = await createRelay({ wsPort: 0 }); console.log(relay.webSocketAddrs())
 */
export async function createRelay(init: RelayInit = {}): Promise<Relay> {
  const host = init.host ?? '127.0.0.1'
  const wsPort = init.wsPort ?? 9090
  const privateKey = init.privateKey ?? (await loadOrCreateRelayKey(init.dataDir ?? '.data/relay'))
  const listen = [`/ip4/${host}/tcp/${wsPort}/ws`]
  if (init.tcpPort !== undefined) listen.push(`/ip4/${host}/tcp/${init.tcpPort}`)
  const maxReservations = init.maxReservations ?? 1000

  const node = await createLibp2p({
    privateKey,
    addresses: { listen },
    transports: [webSockets(), tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: init.maxConnections ?? 2000,
      // a relay serves many peers that each open a few streams; refuse floods early
      inboundConnectionThreshold: 100
    },
    services: {
      identify: identify(),
      relay: circuitRelayServer({
        reservations: { maxReservations },
        hopTimeout: 15_000
      })
    }
  })

  const all = (): string[] => node.getMultiaddrs().map((ma) => ma.toString())
  return {
    node,
    multiaddrs: all,
    webSocketAddrs: () => all().filter((a) => a.includes('/ws/')),
    stop: async () => {
      await node.stop()
    }
  }
}
