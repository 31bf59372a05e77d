import { createLibp2p, type Libp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import type { PrivateKey } from '@libp2p/interface'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { loadOrCreateRelayKey } from './identity.ts'
import { createMailboxServer, type MailboxServer, type MailboxServerInit } from './mailbox/index.ts'

/** Mailbox options of a relay: everything of `MailboxServerInit` but the file, which lives in `dataDir`. */
export type RelayMailboxInit = Omit<MailboxServerInit, 'path'>

/** File name of the mailbox database inside the relay's `dataDir`. */
export const MAILBOX_DB_FILE = 'mailbox.sqlite'

/** Options of a relay node. Every limit is set on purpose; see each default. */
export interface RelayInit {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string
  /** WebSockets port (browsers dial this). 0 picks a free port. @default 9090 */
  wsPort?: number
  /** TCP port for Node peers; undefined disables the TCP listener. @default undefined */
  tcpPort?: number
  /** Folder for the relay's key and its mailbox database. @default '.data/relay' */
  dataDir?: string
  /** A fixed key instead of the one in dataDir (tests). */
  privateKey?: PrivateKey
  /** Connections held at once before new inbound ones are refused. @default 2000 */
  maxConnections?: number
  /** Circuit-relay reservations held at once. @default 1000 */
  maxReservations?: number
  /** New inbound connections accepted per second from one host. @default 100 */
  inboundConnectionThreshold?: number
  /** Inbound connections in their handshake at once. @default 10 (libp2p's default) */
  maxIncomingPendingConnections?: number
  /**
   * Run the blind mailbox (`/phr/mailbox/1`), storing into `<dataDir>/mailbox.sqlite`.
   * @default true when `dataDir` is given, else false (so a throwaway test relay writes no file)
   */
  mailbox?: boolean
  /** Quotas, limits and expiry of the mailbox. @default the `MailboxServerInit` defaults */
  mailboxOptions?: RelayMailboxInit
}

/** A running relay. */
export interface Relay {
  readonly node: Libp2p
  /** The dialable multiaddrs, each ending in `/p2p/<peerId>`. */
  multiaddrs(): string[]
  /** The WebSockets multiaddrs only (what a browser dials). */
  webSocketAddrs(): string[]
  /** The mailbox service, when it runs. */
  readonly mailbox: MailboxServer | undefined
  /** Stops the mailbox (closing its database) and the node. */
  stop(): Promise<void>
}

/**
 * Starts a libp2p relay: circuit-relay-v2 server and identify over WebSockets (and TCP
 * when `tcpPort` is set), Noise and yamux; and the blind mailbox when `mailbox` is on
 * (by default whenever `dataDir` is given). Peers the mailbox cut off are refused new
 * connections for a while.
 * @throws when a port is taken (the libp2p error, code `EADDRINUSE` in its cause chain)
 * @throws {MailboxServerError} when the mailbox database cannot be opened
 * @example const relay = await createRelay({ wsPort: 0 }); console.log(relay.webSocketAddrs())
 */
export async function createRelay(init: RelayInit = {}): Promise<Relay> {
  const host = init.host ?? '127.0.0.1'
  const wsPort = init.wsPort ?? 9090
  const dataDir = init.dataDir ?? '.data/relay'
  const privateKey = init.privateKey ?? (await loadOrCreateRelayKey(dataDir))
  const withMailbox = init.mailbox ?? (init.dataDir !== undefined)
  let mailbox: MailboxServer | undefined
  const listen = [`/ip4/${host}/tcp/${wsPort}/ws`]
  if (init.tcpPort !== undefined) listen.push(`/ip4/${host}/tcp/${init.tcpPort}`)
  const maxReservations = init.maxReservations ?? 1000

  const node = await createLibp2p({
    start: false,
    privateKey,
    addresses: { listen },
    transports: [webSockets(), tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: init.maxConnections ?? 2000,
      // a relay serves many peers that each open a few streams; refuse floods early
      inboundConnectionThreshold: init.inboundConnectionThreshold ?? 100,
      ...(init.maxIncomingPendingConnections === undefined ? {} : { maxIncomingPendingConnections: init.maxIncomingPendingConnections })
    },
    connectionGater: {
      // a peer the mailbox cut off (garbage, floods) is refused for the length of its ban
      denyInboundEncryptedConnection: (peer) => mailbox?.isBanned(peer.toString()) ?? false
    },
    services: {
      identify: identify(),
      relay: circuitRelayServer({
        reservations: { maxReservations },
        hopTimeout: 15_000
      })
    }
  })

  try {
    if (withMailbox) {
      await mkdir(dataDir, { recursive: true, mode: 0o700 })
      mailbox = createMailboxServer({ ...init.mailboxOptions, path: join(dataDir, MAILBOX_DB_FILE) }, { registrar: node })
      await mailbox.start()
    }
    await node.start()
  } catch (err) {
    await mailbox?.stop()
    await node.stop()
    throw err
  }

  const all = (): string[] => node.getMultiaddrs().map((ma) => ma.toString())
  return {
    node,
    mailbox,
    multiaddrs: all,
    webSocketAddrs: () => all().filter((a) => a.includes('/ws/')),
    stop: async () => {
      await mailbox?.stop()
      await node.stop()
    }
  }
}
