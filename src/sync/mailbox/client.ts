/**
 * The mailbox client: register a doc, deposit envelopes while the other side is offline,
 * fetch what was missed. Each call is one stream: HELLO → WELCOME, then the call's
 * requests in strict request → reply order, then a clean close. Every wait (dial, each
 * reply, each drain) has a timeout and honours the call's AbortSignal; on any failure
 * the stream is aborted and the error rethrown.
 */
import type { PeerId, Stream } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { assertBytes, DOC_ID_LENGTH, equalBytes, type DocId } from '../../lib/index.ts'
import { MailboxMessageTooLargeError, MailboxProtocolError } from './errors.ts'
import { createMailboxFramedStream, type MailboxFramedStream } from './framing.ts'
import { withMailboxDeadline } from './deadline.ts'
import {
  DEFAULT_MAILBOX_LIMITS,
  MAILBOX_PROTOCOL,
  MAILBOX_PROTOCOL_VERSION,
  MAX_DEPOSIT_CERTS,
  MESSAGE_OVERHEAD_BYTES,
  type MailboxLimits
} from './limits.ts'
import { decodeMailboxMessage, encodeMailboxMessage, type ClientMessage, type MailboxVector, type ServerMessage } from './messages.ts'
import { mailboxErrorOfCode } from './wire-errors.ts'

/** What the client needs of a libp2p node: a way to open a protocol stream. */
export interface MailboxDialer {
  dialProtocol(peer: PeerId | Multiaddr | Multiaddr[], protocols: string | string[], options?: { signal?: AbortSignal }): Promise<Stream>
}

/** Options of a mailbox client. */
export interface MailboxClientInit {
  /** The mailbox: its PeerId, or a multiaddr ending in `/p2p/<peerId>` (object or string). */
  mailbox: PeerId | Multiaddr | string
  /** This device's certificate (`issueDeviceCert`), shown in HELLO; omit for a device listed by PeerId only. */
  deviceCert?: Uint8Array
  /** Timeout of each wait (dial, each reply, each drain), in ms. @default 15000 */
  timeoutMs?: number
  /** Our caps on what the mailbox sends us. @default DEFAULT_MAILBOX_LIMITS (4 MiB envelopes, 256 per batch) */
  limits?: Partial<MailboxLimits>
}

/** Options of one call. */
export interface MailboxCallOptions {
  /** Aborts the call (its stream is aborted too). */
  signal?: AbortSignal
  /** Overrides `MailboxClientInit.timeoutMs` for this call's waits. */
  timeoutMs?: number
}

/** Options of `deposit`. */
export interface MailboxDepositOptions extends MailboxCallOptions {
  /** Device certificates of authors other than this device (≤ 16), so the mailbox can tie them to a listed person. */
  certs?: readonly Uint8Array[]
}

/** Options of `fetch`. */
export interface MailboxFetchOptions extends MailboxCallOptions {
  /** What this device already holds (author hex → highest contiguous seq); those envelopes are not sent. @default empty */
  vector?: MailboxVector
  /** Stop after this many envelopes. @default 100000 */
  maxEnvelopes?: number
  /** Stop after this many bytes. @default 268435456 (256 MiB) */
  maxBytes?: number
}

/** What `deposit` did. */
export interface MailboxDepositResult {
  /** Envelopes newly stored. */
  stored: number
  /** Envelopes the mailbox already held, or that a held snapshot covers. */
  skipped: number
}

/** What `fetch` returned. */
export interface MailboxFetchResult {
  /** Sealed envelopes in the mailbox's deposit order: feed them to `persistence.receive()`. */
  envelopes: Uint8Array[]
  /** `false` when `maxEnvelopes` or `maxBytes` stopped the fetch before the end. */
  complete: boolean
}

/** A client of one mailbox. */
export interface MailboxClient {
  /**
   * Registers a doc (or replaces its registration) with a signed registration (`signRegistration`).
   * @throws {MailboxRegistrationRefusedError} bad signature, or another owner holds the doc.
   * @throws {MailboxStaleRegistrationError} the version is not newer than the held one.
   * @throws {MailboxQuotaExceededError} the owner has too many docs here.
   * @throws {MailboxTimeoutError | MailboxClosedError | MailboxBusyError} transport and capacity failures.
   */
  register(registration: Uint8Array, opts?: MailboxCallOptions): Promise<{ version: number }>
  /**
   * Deposits sealed envelopes of one doc, in batches that fit the mailbox's limits; each
   * batch is stored whole or not at all (so a failure leaves earlier batches stored).
   * @throws {MailboxAccessDeniedError} the doc is not registered, or this device/person may not deposit.
   * @throws {MailboxEnvelopeRefusedError} an envelope is malformed, badly signed, of another doc, or by an author not on the list.
   * @throws {MailboxQuotaExceededError} the owner's quota would be exceeded.
   * @throws {MailboxMessageTooLargeError} an envelope is larger than the mailbox accepts (nothing sent).
   * @throws {MailboxTimeoutError | MailboxClosedError | MailboxBusyError} transport and capacity failures.
   */
  deposit(docId: DocId, envelopes: readonly Uint8Array[], opts?: MailboxDepositOptions): Promise<MailboxDepositResult>
  /**
   * Fetches the doc's envelopes that `opts.vector` does not cover, page by page.
   * @throws {MailboxAccessDeniedError} the doc is not registered, or this device/person may not fetch.
   * @throws {MailboxTimeoutError | MailboxClosedError | MailboxBusyError} transport and capacity failures.
   */
  fetch(docId: DocId, opts?: MailboxFetchOptions): Promise<MailboxFetchResult>
}

interface Session {
  /** Limits both sides accept: the smaller of ours and the mailbox's. */
  readonly limits: MailboxLimits
  request<T extends ServerMessage['type']>(message: ClientMessage, expect: T): Promise<Extract<ServerMessage, { type: T }>>
}

function target(mailbox: PeerId | Multiaddr | string): PeerId | Multiaddr {
  if (typeof mailbox !== 'string') return mailbox
  return mailbox.startsWith('/') ? multiaddr(mailbox) : peerIdFromString(mailbox)
}

/**
 * A client of the mailbox at `init.mailbox`, dialled through `node`.
 * @throws {TypeError} if `init.deviceCert` is given and is not a `Uint8Array`.
 * @example
 * const mailbox = createMailboxClient(node, { mailbox: relayAddr, deviceCert })
 * await mailbox.register(signRegistration({ docId, version: 1, issuedAt: Date.now(), parties }, root.secretKey))
 * await mailbox.deposit(docId, envelopes)
 * const { envelopes } = await mailbox.fetch(docId, { vector: persistence.vector() }); await persistence.receive(envelopes)
 */
export function createMailboxClient(node: MailboxDialer, init: MailboxClientInit): MailboxClient {
  if (init.deviceCert !== undefined) assertBytes(init.deviceCert, 'deviceCert')
  const peer = target(init.mailbox)
  const ours: MailboxLimits = { ...DEFAULT_MAILBOX_LIMITS, ...init.limits }

  async function session<T>(what: string, opts: MailboxCallOptions, fn: (s: Session) => Promise<T>): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? init.timeoutMs ?? 15_000
    opts.signal?.throwIfAborted()
    const stream = await withMailboxDeadline(timeoutMs, `mailbox ${what}: dial`, opts.signal, (signal) => node.dialProtocol(peer, MAILBOX_PROTOCOL, { signal }))
    const framed: MailboxFramedStream = createMailboxFramedStream(stream, { maxFrameBytes: ours.maxMessageBytes })
    let limits = ours
    const request = async <K extends ServerMessage['type']>(message: ClientMessage, expect: K): Promise<Extract<ServerMessage, { type: K }>> =>
      withMailboxDeadline(timeoutMs, `mailbox ${what}: ${message.type}`, opts.signal, async (signal) => {
        await framed.write(encodeMailboxMessage(message), signal)
        const reply = decodeMailboxMessage(await framed.read(signal), limits) as ServerMessage
        if (reply.type === 'error') throw mailboxErrorOfCode(reply.code, reply.detail)
        if (reply.type !== expect) throw new MailboxProtocolError(`mailbox ${what}: expected ${expect}, got ${reply.type}`)
        return reply as Extract<ServerMessage, { type: K }>
      })
    try {
      const welcome = await request({ type: 'hello', version: MAILBOX_PROTOCOL_VERSION, deviceCert: init.deviceCert }, 'welcome')
      if (welcome.version !== MAILBOX_PROTOCOL_VERSION) throw new MailboxProtocolError(`mailbox: speaks version ${welcome.version}, not ${MAILBOX_PROTOCOL_VERSION}`)
      limits = {
        maxMessageBytes: Math.min(ours.maxMessageBytes, welcome.limits.maxMessageBytes),
        maxEnvelopeBytes: Math.min(ours.maxEnvelopeBytes, welcome.limits.maxEnvelopeBytes),
        maxBatchEnvelopes: Math.min(ours.maxBatchEnvelopes, welcome.limits.maxBatchEnvelopes)
      }
      const out = await fn({ limits, request })
      await withMailboxDeadline(timeoutMs, `mailbox ${what}: close`, opts.signal, (signal) => stream.close({ signal }))
      return out
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    } finally {
      framed.dispose()
    }
  }

  function checkDocId(docId: Uint8Array): void {
    assertBytes(docId, 'docId', DOC_ID_LENGTH)
  }

  return {
    async register(registration, opts = {}) {
      assertBytes(registration, 'registration')
      return session('register', opts, async (s) => {
        const reply = await s.request({ type: 'register', registration }, 'registered')
        return { version: reply.version }
      })
    },

    async deposit(docId, envelopes, opts = {}) {
      checkDocId(docId)
      const certs = opts.certs ?? []
      if (certs.length > MAX_DEPOSIT_CERTS) throw new RangeError(`certs: at most ${MAX_DEPOSIT_CERTS}`)
      for (const e of envelopes) assertBytes(e, 'envelope')
      if (envelopes.length === 0) return { stored: 0, skipped: 0 }
      return session('deposit', opts, async (s) => {
        const certBytes = certs.reduce((n, c) => n + c.length + 4, 0)
        const room = s.limits.maxMessageBytes - certBytes - 64
        let stored = 0
        let skipped = 0
        let i = 0
        while (i < envelopes.length) {
          const batch: Uint8Array[] = []
          let bytes = 0
          while (i < envelopes.length && batch.length < s.limits.maxBatchEnvelopes) {
            const e = envelopes[i] as Uint8Array
            if (e.length > s.limits.maxEnvelopeBytes) throw new MailboxMessageTooLargeError(`deposit: envelope ${i} is ${e.length} bytes; the mailbox takes at most ${s.limits.maxEnvelopeBytes}`)
            if (batch.length > 0 && bytes + e.length + 4 > room) break
            batch.push(e)
            bytes += e.length + 4
            i++
          }
          const reply = await s.request({ type: 'deposit', docId, certs, envelopes: batch }, 'deposited')
          if (!equalBytes(reply.docId, docId) || reply.stored + reply.skipped !== batch.length) {
            throw new MailboxProtocolError('deposit: the acknowledgement does not match the batch')
          }
          stored += reply.stored
          skipped += reply.skipped
        }
        return { stored, skipped }
      })
    },

    async fetch(docId, opts = {}) {
      checkDocId(docId)
      const vector = opts.vector ?? new Map<string, number>()
      const maxEnvelopes = opts.maxEnvelopes ?? 100_000
      const maxBytes = opts.maxBytes ?? 256 * 1024 * 1024
      return session('fetch', opts, async (s) => {
        const envelopes: Uint8Array[] = []
        let bytes = 0
        let cursor = 0
        for (;;) {
          const wantEnvelopes = Math.min(s.limits.maxBatchEnvelopes, maxEnvelopes - envelopes.length)
          const wantBytes = Math.max(1, Math.min(s.limits.maxMessageBytes - MESSAGE_OVERHEAD_BYTES, maxBytes - bytes))
          const page = await s.request({ type: 'fetch', docId, cursor, maxEnvelopes: wantEnvelopes, maxBytes: wantBytes, vector }, 'envelopes')
          if (!equalBytes(page.docId, docId) || page.envelopes.length > wantEnvelopes || page.cursor < cursor || (page.more && page.envelopes.length === 0)) {
            throw new MailboxProtocolError('fetch: the page does not match the request')
          }
          // copies: the page's bytes are views into a network buffer
          for (const e of page.envelopes) {
            envelopes.push(e.slice())
            bytes += e.length
          }
          cursor = page.cursor
          if (!page.more) return { envelopes, complete: true }
          if (envelopes.length >= maxEnvelopes || bytes >= maxBytes) return { envelopes, complete: false }
        }
      })
    }
  }
}
