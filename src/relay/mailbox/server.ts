/**
 * The mailbox service: registers `/phr/mailbox/1` on a libp2p node and serves each
 * inbound stream as a session over the SQLite store. It never holds or asks for a key.
 *
 * Bounds (each an `Init` option): streams per connection, sessions in total, bytes
 * buffered for all peers together, requests per second per peer, a timeout on every
 * wait, and a short ban for peers that break the protocol.
 */
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import {
  DEFAULT_MAILBOX_LIMITS,
  encodeMailboxMessage,
  MAILBOX_PROTOCOL,
  MailboxBusyError,
  MailboxErrorCode,
  mailboxFrameOf,
  MAX_MESSAGE_BYTES_CEILING,
  type MailboxLimits
} from '../../sync/mailbox/index.ts'
import { createBanList, createByteBudget, createRateLimiter } from './limiter.ts'
import { serveSession, type SessionContext } from './session.ts'
import { createMailboxStore, type MailboxQuotas, type MailboxStore } from './store.ts'

/** Options of the mailbox service. Every limit is set on purpose; see each default. */
export interface MailboxServerInit {
  /** The SQLite database file. */
  path: string
  /** Per-owner and total quotas. @default DEFAULT_MAILBOX_QUOTAS */
  quotas?: Partial<MailboxQuotas>
  /** Envelopes older than this many ms are deleted; `undefined` keeps them until a snapshot covers them. @default undefined */
  maxAgeMs?: number
  /** How often age expiry runs. @default min(maxAgeMs / 4, 1 hour) */
  expiryIntervalMs?: number
  /** Message and batch caps. @default DEFAULT_MAILBOX_LIMITS (4 MiB envelopes, 4 MiB + 64 KiB messages, 256 per batch) */
  limits?: Partial<MailboxLimits>
  /** Concurrent mailbox streams per connection. @default 4 */
  maxStreamsPerConnection?: number
  /** Concurrent sessions in total; more are refused as busy. @default 512 */
  maxSessions?: number
  /** Bytes buffered for all sessions together before a session is refused as busy. @default 67108864 (64 MiB) */
  maxBufferedBytes?: number
  /** Streams plus requests per second per peer (burst: twice this); a peer above it is cut off. @default 50 */
  requestsPerSecond?: number
  /** HELLO must arrive within this many ms of the stream opening. @default 10000 */
  helloTimeoutMs?: number
  /** A request must arrive, whole, within this many ms of the previous reply. @default 30000 */
  idleTimeoutMs?: number
  /** A reply must be taken within this many ms. @default 30000 */
  writeTimeoutMs?: number
  /** Refused requests per session before it is closed. @default 16 */
  maxStrikes?: number
  /** How long a peer that broke the protocol is refused. @default 60000 */
  banMs?: number
  /** Clock, ms since the Unix epoch. @default Date.now */
  now?: () => number
  /** Log line sink (violations, refusals). @default none */
  log?: (line: string) => void
}

/** What the service is given. */
export interface MailboxServerComponents {
  /** The node to register the protocol on. */
  registrar: Pick<Libp2p, 'handle' | 'unhandle'>
}

/** Counters, for monitoring and tests. */
export interface MailboxStats {
  /** Sessions being served now. */
  sessions: number
  /** Bytes buffered for all sessions now. */
  bufferedBytes: number
  /** Peers banned now (may include expired bans not yet looked at). */
  bannedPeers: number
  /** Peers cut off since start. */
  cutOff: number
  /** Streams refused as busy since start. */
  refusedStreams: number
  /** Envelope bytes and count held. */
  storedBytes: number
  storedEnvelopes: number
}

/** The running mailbox service. */
export interface MailboxServer {
  start(): Promise<void>
  /** Unregisters the protocol, aborts open sessions and closes the database. */
  stop(): Promise<void>
  /** Whether a peer is banned now (for the node's connection gater). */
  isBanned(peerId: string): boolean
  stats(): MailboxStats
  /** Runs age expiry now. @returns envelopes deleted */
  expire(): number
  /** The store (for tests and tools). */
  readonly store: MailboxStore
}

/**
 * Creates the mailbox service; `start()` opens nothing new (the database opens here) and
 * registers the protocol.
 * @throws {MailboxServerError} if the database cannot be opened.
 * @throws {RangeError} if a limit is not positive.
 * @example const mailbox = createMailboxServer({ path: join(dataDir, 'mailbox.sqlite') }, { registrar: node }); await mailbox.start()
 */
export function createMailboxServer(init: MailboxServerInit, components: MailboxServerComponents): MailboxServer {
  const now = init.now ?? Date.now
  const limits: MailboxLimits = { ...DEFAULT_MAILBOX_LIMITS, ...init.limits }
  // what WELCOME announces must be what a client's decoder accepts
  if (!(limits.maxMessageBytes >= 1 && limits.maxMessageBytes <= MAX_MESSAGE_BYTES_CEILING)) throw new RangeError(`limits.maxMessageBytes: expected 1..${MAX_MESSAGE_BYTES_CEILING}`)
  if (!(limits.maxEnvelopeBytes >= 1 && limits.maxEnvelopeBytes <= limits.maxMessageBytes)) throw new RangeError('limits.maxEnvelopeBytes: expected 1..maxMessageBytes')
  if (!(limits.maxBatchEnvelopes >= 1 && limits.maxBatchEnvelopes <= limits.maxMessageBytes)) throw new RangeError('limits.maxBatchEnvelopes: expected 1..maxMessageBytes')
  const maxSessions = init.maxSessions ?? 512
  const perSecond = init.requestsPerSecond ?? 50
  const log = init.log ?? (() => undefined)
  const budget = createByteBudget(init.maxBufferedBytes ?? 64 * 1024 * 1024)
  // at most this many peers are tracked at once; the least recent are forgotten first
  const rate = createRateLimiter(perSecond, perSecond * 2, 10_000, now)
  const bans = createBanList(init.banMs ?? 60_000, 10_000, now)
  // opened last, so that a bad option above leaves no database handle behind
  const store = createMailboxStore({ path: init.path, ...(init.quotas === undefined ? {} : { quotas: init.quotas }), now })
  const open = new Set<Stream>()
  let cutOff = 0
  let refusedStreams = 0
  let timer: ReturnType<typeof setInterval> | undefined
  let running = false

  const ctx: SessionContext = {
    store,
    limits,
    budget,
    rate,
    helloTimeoutMs: init.helloTimeoutMs ?? 10_000,
    idleTimeoutMs: init.idleTimeoutMs ?? 30_000,
    writeTimeoutMs: init.writeTimeoutMs ?? 30_000,
    maxStrikes: init.maxStrikes ?? 16,
    log,
    onViolation(connection: Connection, err: Error) {
      cutOff++
      bans.ban(connection.remotePeer.toString())
      connection.abort(err)
    }
  }

  /** Says why a stream is refused, in one frame, then closes it without waiting long. */
  function refuse(stream: Stream, err: Error): void {
    refusedStreams++
    try {
      stream.send(mailboxFrameOf(encodeMailboxMessage({ type: 'error', code: MailboxErrorCode.busy, detail: err.message })))
      stream.close({ signal: AbortSignal.timeout(1_000) }).catch(() => stream.abort(err))
    } catch {
      // the stream is already closed: nothing to tell
      stream.abort(err)
    }
  }

  const handler = (stream: Stream, connection: Connection): void => {
    const peer = connection.remotePeer.toString()
    if (!running) return stream.abort(new MailboxBusyError('mailbox: stopping'))
    if (bans.isBanned(peer)) {
      stream.abort(new MailboxBusyError('mailbox: banned for a while'))
      connection.abort(new MailboxBusyError('mailbox: banned for a while'))
      return
    }
    if (!rate.take(peer)) {
      // a stream flood: cut the peer off, as for garbage
      const err = new MailboxBusyError('mailbox: stream rate exceeded')
      log(`${peer}: cut off: ${err.message}`)
      stream.abort(err)
      ctx.onViolation(connection, err)
      return
    }
    if (open.size >= maxSessions) return refuse(stream, new MailboxBusyError('mailbox: at capacity; try again later'))
    open.add(stream)
    void serveSession(stream, connection, ctx).finally(() => open.delete(stream))
  }

  function expire(): number {
    if (init.maxAgeMs === undefined) return 0
    const n = store.expireBefore(now() - init.maxAgeMs)
    if (n > 0) log(`expired ${n} envelopes older than ${init.maxAgeMs} ms`)
    return n
  }

  return {
    store,
    async start() {
      if (running) return
      await components.registrar.handle(MAILBOX_PROTOCOL, handler, {
        maxInboundStreams: init.maxStreamsPerConnection ?? 4,
        maxOutboundStreams: 1
      })
      running = true
      if (init.maxAgeMs !== undefined) {
        expire()
        timer = setInterval(() => {
          try {
            expire()
          } catch (err) {
            log(`expiry failed: ${(err as Error).message}`)
          }
        }, init.expiryIntervalMs ?? Math.min(init.maxAgeMs / 4, 3_600_000))
        timer.unref?.()
      }
    },
    async stop() {
      running = false
      clearInterval(timer)
      try {
        await components.registrar.unhandle(MAILBOX_PROTOCOL)
      } catch (err) {
        // the node may already be stopped; its handlers went with it
        log(`unhandle failed: ${(err as Error).message}`)
      }
      for (const s of open) s.abort(new MailboxBusyError('mailbox: stopping'))
      open.clear()
      store.close()
    },
    isBanned: (peerId) => bans.isBanned(peerId),
    stats() {
      const totals = store.totals()
      return {
        sessions: open.size,
        bufferedBytes: budget.used,
        bannedPeers: bans.size,
        cutOff,
        refusedStreams,
        storedBytes: totals.bytes,
        storedEnvelopes: totals.envelopes
      }
    },
    expire
  }
}
