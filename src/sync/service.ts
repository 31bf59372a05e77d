/**
 * The `/phr/sync/1` service on a libp2p node: the engine's sessions over libp2p streams.
 *
 * - Inbound streams: at most `maxInboundStreams` at once per connection (the registrar
 *   resets more), at most `maxSessionsPerPeer` sessions at once and `maxSessionsPerMinute`
 *   per peer; beyond that the peer is flooding: it is banned and its connection closed.
 * - A session that ends with a peer fault (garbage, oversize, rate, forged certificate…)
 *   bans the peer and closes that connection; other peers' sessions carry on.
 * - With `autoSync`, a session starts whenever a peer whose identify lists `/phr/sync/1`
 *   connects (the side with the smaller PeerId opens it, so there is one per pair).
 * - Relayed (limited) connections are not used unless `allowLimitedConnections`: a
 *   circuit relay caps them (128 KiB and 2 minutes by default), and browsers upgrade to
 *   direct WebRTC anyway.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { verifyDeviceCert } from '../crypto/index.ts'
import { createBanList, type BanList } from './bans.ts'
import { createSyncEngine, type SyncEngine, type SyncEngineInit } from './engine.ts'
import { isPeerFault, PeerBannedError, TooManyStreamsError } from './errors.ts'
import { frameStream } from './frames.ts'
import type { Peer } from './peer.ts'
import type { SyncSession } from './protocol/types.ts'

/** The protocol id. */
export const SYNC_PROTOCOL = '/phr/sync/1'

/** Options of the sync service. */
export interface SyncServiceInit extends SyncEngineInit {
  /** Peers refused for misbehaving; share it with the peer factory so the gater refuses them too. @default a new list */
  bans?: BanList
  /** Run sessions over relayed (limited) connections. @default false */
  allowLimitedConnections?: boolean
  /** Start a session with every connected peer that speaks `/phr/sync/1`. @default true */
  autoSync?: boolean
  /** Inbound `/phr/sync/1` streams per connection at once (the registrar resets more). @default 4 */
  maxInboundStreams?: number
  /** Outbound `/phr/sync/1` streams per connection at once. @default 4 */
  maxOutboundStreams?: number
  /** Sessions at once with one peer; one more is a flood. @default 2 */
  maxSessionsPerPeer?: number
  /** Inbound sessions per peer per minute; more is a flood. @default 10 */
  maxSessionsPerMinute?: number
  /** Time to dial a peer and open a stream in `syncWith`. @default 10 s */
  dialTimeoutMs?: number
}

/** The sync service: the engine's API plus starting sessions over libp2p. */
export interface SyncService extends Omit<SyncEngine, 'openSession' | 'stop'> {
  /** The ban list in use. */
  readonly bans: BanList
  /** Registers the protocol handler and the auto-sync listener. */
  start(): Promise<void>
  /** Unregisters, closes every session. */
  stop(): Promise<void>
  /**
   * Opens a session with a peer (dialing it first when needed), or returns an open one.
   * @throws {PeerBannedError} if the peer is banned.
   * @throws the dial or stream error, or a `SyncTimeoutError`/abort reason.
   */
  syncWith(target: PeerId | Multiaddr | string, opts?: { signal?: AbortSignal }): Promise<SyncSession>
}

/**
 * Creates the sync service for `peer` (call `start()`).
 * @throws {DeviceCertMismatchError} if `init.deviceCert` certifies another PeerId than the node's.
 * @throws as `createSyncEngine` for a bad certificate or limits.
 * @example
 * const sync = createSyncService(peer, { deviceCert, bans })
 * await sync.start()
 * sync.addDoc({ docId, store, persistence })
 */
export function createSyncService(peer: Peer, init: SyncServiceInit): SyncService {
  verifyDeviceCert(init.deviceCert, { peerId: peer.peerId.toString() })
  const engine = createSyncEngine(init)
  const bans = init.bans ?? createBanList()
  const limits = engine.limits
  const allowLimited = init.allowLimitedConnections ?? false
  const maxPerPeer = init.maxSessionsPerPeer ?? 2
  const perMinute = init.maxSessionsPerMinute ?? 10
  const dialTimeoutMs = init.dialTimeoutMs ?? 10_000
  const clock = init.clock ?? Date.now
  const opened = new Map<string, number[]>()
  let started = false

  function fault(peerId: string, connection: Connection, err: Error): void {
    bans.ban(peerId, err.name)
    connection.abort(err)
  }

  function sessionsWith(peerId: string): SyncSession[] {
    return engine.sessions().filter((s) => s.remotePeerId === peerId && !s.isClosed)
  }

  function run(stream: Stream, connection: Connection): SyncSession {
    const remote = connection.remotePeer.toString()
    const frames = frameStream(stream, {
      maxFrameBytes: limits.maxMessageBytes,
      maxBufferedBytes: limits.maxBufferedBytes,
      frameTimeoutMs: limits.frameTimeoutMs
    })
    const session = engine.openSession(remote, {
      send: (bytes, signal) => frames.write(bytes, signal),
      close: (error) => frames.close(error)
    })
    void session.start()
    void (async () => {
      try {
        for (;;) {
          const frame = await frames.read(session.signal)
          if (frame === null) break
          await session.receive(frame)
          if (session.isClosed) break
        }
        session.close()
      } catch (err) {
        session.close(err instanceof Error ? err : new Error(String(err)))
      }
    })()
    void session.closed.then((error) => {
      if (error !== undefined && isPeerFault(error)) fault(remote, connection, error)
    })
    return session
  }

  function onInbound(stream: Stream, connection: Connection): void {
    const remote = connection.remotePeer.toString()
    if (bans.isBanned(remote)) {
      const err = new PeerBannedError(`${remote} is banned`)
      stream.abort(err)
      connection.abort(err)
      return
    }
    const now = clock()
    const recent = (opened.get(remote) ?? []).filter((t) => now - t < 60_000)
    recent.push(now)
    opened.set(remote, recent)
    if (recent.length > perMinute || sessionsWith(remote).length >= maxPerPeer) {
      const err = new TooManyStreamsError(`${remote} opened ${recent.length} sync streams in a minute, ${sessionsWith(remote).length} open`)
      stream.abort(err)
      engine.noteRefused(remote, err)
      fault(remote, connection, err)
      return
    }
    run(stream, connection)
  }

  async function openOn(connection: Connection, signal: AbortSignal): Promise<SyncSession> {
    const stream = await connection.newStream(SYNC_PROTOCOL, { signal, runOnLimitedConnection: allowLimited })
    return run(stream, connection)
  }

  const onIdentify = (evt: CustomEvent<{ peerId: PeerId; protocols: string[]; connection: Connection }>): void => {
    const { peerId, protocols, connection } = evt.detail
    const remote = peerId.toString()
    if (!protocols.includes(SYNC_PROTOCOL) || (connection.limits !== undefined && !allowLimited)) return
    // one session per pair: the smaller PeerId opens it
    if (peer.peerId.toString() >= remote || bans.isBanned(remote) || sessionsWith(remote).length > 0) return
    openOn(connection, AbortSignal.timeout(dialTimeoutMs)).catch((err: unknown) => {
      // the peer went away or refused: the next connection tries again
      console.warn(`sync: could not open a session with ${remote}:`, err instanceof Error ? err.message : err)
    })
  }

  return {
    get person() {
      return engine.person
    },
    get peerId() {
      return engine.peerId
    },
    limits,
    bans,
    addDoc: (doc) => engine.addDoc(doc),
    removeDoc: (docId) => engine.removeDoc(docId),
    docs: () => engine.docs(),
    sessions: () => engine.sessions(),
    status: () => engine.status(),
    subscribe: (l) => engine.subscribe(l),
    onEvent: (l) => engine.onEvent(l),
    noteRefused: (peerId, error) => engine.noteRefused(peerId, error),
    async start() {
      if (started) return
      started = true
      await peer.handle(SYNC_PROTOCOL, onInbound, {
        maxInboundStreams: init.maxInboundStreams ?? 4,
        maxOutboundStreams: init.maxOutboundStreams ?? 4,
        runOnLimitedConnection: allowLimited
      })
      if (init.autoSync ?? true) peer.addEventListener('peer:identify', onIdentify)
    },
    async stop() {
      if (!started) return
      started = false
      peer.removeEventListener('peer:identify', onIdentify)
      await peer.unhandle(SYNC_PROTOCOL)
      engine.stop()
    },
    async syncWith(target, opts = {}) {
      const signal = opts.signal === undefined ? AbortSignal.timeout(dialTimeoutMs) : AbortSignal.any([opts.signal, AbortSignal.timeout(dialTimeoutMs)])
      const addr = typeof target === 'string' ? multiaddr(target) : target
      const remote = 'getComponents' in addr ? addr.getComponents().findLast((c) => c.name === 'p2p')?.value : addr.toString()
      if (remote !== undefined) {
        if (bans.isBanned(remote)) throw new PeerBannedError(`${remote} is banned`)
        const existing = sessionsWith(remote)[0]
        if (existing !== undefined) return existing
      }
      const connection = await peer.dial(addr, { signal })
      return openOn(connection, signal)
    }
  }
}
