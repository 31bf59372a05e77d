/**
 * libp2p node factories. Every connection, stream and buffer limit is set here on purpose
 * (the libp2p defaults suit a public DHT node, not a phone holding a health record):
 *
 * | limit | browser | Node | why |
 * |---|---|---|---|
 * | `maxConnections` | 32 | 256 | a browser talks to a few relays and devices; a home/clinic node to more |
 * | `inboundConnectionThreshold` (per host per s) | 5 | 10 | refuse connection floods early |
 * | `maxIncomingPendingConnections` | 5 | 32 | handshakes in progress at once |
 * | `dialTimeout` | 10 s | 10 s | |
 * | yamux `maxInboundStreams` / `maxOutboundStreams` (per connection, all protocols) | 64 | 64 | sync needs 1–2, identify and relay a few more |
 * | yamux `maxEarlyStreams` | 8 | 8 | streams opened before the connection is ready |
 * | yamux `maxStreamWindowSize` | 4 MiB | 4 MiB | one sync window; bounds what one stream has in flight |
 * | yamux `maxMessageSize` | 64 KiB | 64 KiB | frame size, so one stream cannot hog the connection |
 * | stream `maxReadBufferLength` | 4 MiB | 4 MiB | bytes held while a stream is paused |
 * | stream `maxWriteBufferLength` | 8 MiB | 8 MiB | bytes queued under back-pressure (sync waits for drain, so it stays near one message) |
 * | WebRTC `maxBufferedAmount` | 4 MiB | 4 MiB | data-channel send buffer before waiting |
 * | ICE servers | none | none | no third-party STUN by default (privacy); pass trusted ones |
 *
 * Per-protocol stream limits (`maxInboundStreams` of `/phr/sync/1`, `/phr/link/1`) and the
 * message-size cap of the length-prefixed codec live with the protocols (`service.ts`,
 * `link/linker.ts`, `protocol/limits.ts`). Dialing obeys `dialPolicy` (`gater.ts`):
 * insecure `ws://` and private addresses only for loopback and only when
 * `allowInsecureLoopback` is set; banned peers (`bans.ts`) are neither dialed nor accepted.
 */
import { createLibp2p, type Libp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { tcp } from '@libp2p/tcp'
import { webRTC } from '@libp2p/webrtc'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, type Identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import { dialPolicy } from './gater.ts'
import { withBans, type BanList } from './bans.ts'

/** A libp2p node with the services the app relies on. */
export type Peer = Libp2p<{ identify: Identify }>

/** Options shared by both factories. */
interface CommonPeerInit {
  /** The device's libp2p key (Ed25519; see `deviceKeyFromSecret`); a fresh one when absent. */
  privateKey?: PrivateKey
  /** Allow `ws://` and private addresses when they are loopback (development, tests). @default false */
  allowInsecureLoopback?: boolean
  /** Connections held at once. @default 32 (browser), 256 (Node) */
  maxConnections?: number
  /** Peers refused for misbehaving (shared with the sync service). @default none */
  bans?: BanList
  /** ICE servers for WebRTC (STUN/TURN you trust). @default [] */
  iceServers?: RTCIceServer[]
}

/** Options of a browser peer. */
export interface BrowserPeerInit extends CommonPeerInit {
  /**
   * Listen on `/p2p-circuit` (a reservation on each relay it connects to) and `/webrtc`,
   * so that other browsers can reach it through a relay and upgrade to direct WebRTC.
   * @default true
   */
  listenThroughRelays?: boolean
}

/** Options of a Node peer. */
export interface NodePeerInit extends CommonPeerInit {
  /** Listen addresses. @default ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'] */
  listen?: string[]
  /** Add WebRTC (node-datachannel) and listen on `/webrtc`. @default false */
  webRTC?: boolean
  /** Also listen on `/p2p-circuit` (reachable through relays it connects to). @default false */
  listenThroughRelays?: boolean
}

const MiB = 1024 * 1024

function muxer(): ReturnType<typeof yamux> {
  return yamux({
    maxInboundStreams: 64,
    maxOutboundStreams: 64,
    maxEarlyStreams: 8,
    maxMessageSize: 64 * 1024,
    streamOptions: {
      maxStreamWindowSize: 4 * MiB,
      maxReadBufferLength: 4 * MiB,
      maxWriteBufferLength: 8 * MiB
    }
  })
}

function rtc(init: CommonPeerInit): ReturnType<typeof webRTC> {
  return webRTC({
    rtcConfiguration: { iceServers: init.iceServers ?? [] },
    dataChannel: { maxBufferedAmount: 4 * MiB },
    maxEarlyStreams: 8
  })
}

function gater(init: CommonPeerInit): ReturnType<typeof dialPolicy> {
  const policy = dialPolicy(init.allowInsecureLoopback ?? false)
  return init.bans === undefined ? policy : withBans(policy, init.bans)
}

/**
 * Builds and starts a libp2p node for the browser: WebSockets to relays, WebRTC between
 * browsers (signalled through a circuit relay), Noise, yamux, identify.
 * @throws the libp2p error when the node cannot start.
 * @example const peer = await createBrowserPeer({ privateKey, allowInsecureLoopback: location.hostname === '127.0.0.1' })
 */
export async function createBrowserPeer(init: BrowserPeerInit = {}): Promise<Peer> {
  const listen = init.listenThroughRelays ?? true
  return createLibp2p({
    ...(init.privateKey === undefined ? {} : { privateKey: init.privateKey }),
    addresses: { listen: listen ? ['/p2p-circuit', '/webrtc'] : [] },
    transports: [webSockets(), rtc(init), circuitRelayTransport({ maxInboundStopStreams: 16, maxOutboundStopStreams: 16 })],
    connectionEncrypters: [noise()],
    streamMuxers: [muxer()],
    connectionGater: gater(init),
    connectionManager: {
      maxConnections: init.maxConnections ?? 32,
      inboundConnectionThreshold: 5,
      maxIncomingPendingConnections: 5,
      dialTimeout: 10_000
    },
    services: { identify: identify() }
  })
}

/**
 * Builds and starts a libp2p node for Node.js: TCP and WebSockets (and WebRTC through
 * node-datachannel when asked), circuit-relay dialing, Noise, yamux, identify.
 * @throws the libp2p error when a listen address cannot be bound.
 * @example const peer = await createNodePeer({ privateKey, allowInsecureLoopback: true })
 */
export async function createNodePeer(init: NodePeerInit = {}): Promise<Peer> {
  const listen = [...(init.listen ?? ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'])]
  if (init.webRTC === true) listen.push('/webrtc')
  if (init.listenThroughRelays === true) listen.push('/p2p-circuit')
  return createLibp2p({
    ...(init.privateKey === undefined ? {} : { privateKey: init.privateKey }),
    addresses: { listen },
    transports: [
      tcp(),
      webSockets(),
      circuitRelayTransport({ maxInboundStopStreams: 64, maxOutboundStopStreams: 64 }),
      ...(init.webRTC === true ? [rtc(init)] : [])
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [muxer()],
    connectionGater: gater(init),
    connectionManager: {
      maxConnections: init.maxConnections ?? 256,
      inboundConnectionThreshold: 10,
      maxIncomingPendingConnections: 32,
      dialTimeout: 10_000
    },
    services: { identify: identify() }
  })
}
