/**
 * One `/phr/sync/1` session as a transport-independent state machine. Both sides run the
 * same code: each sends HELLO, verifies the other's (certificate against the transport's
 * PeerId), then asks (WANT) for the docs it wants from that person, and serves what the
 * other asks for:
 *
 * - **Serving** runs in one pump loop. For each asked doc it first asks the authorizer
 *   (before any byte of the doc), sends DENIED or the doc's KEYS, then reads the store
 *   beyond the asker's vector and sends ENVELOPES in bounded batches, waiting for ACKs when
 *   `windowBytes` are unacknowledged. After the docs of a WANT it sends DONE. From then on
 *   every envelope newly stored for a served doc is pushed (live), or — when too many queue
 *   up — read again from the store. What the peer is believed to hold is tracked per doc,
 *   so nothing it sent is echoed back.
 * - **Asking**: ENVELOPES go through `persistence.receive()` (verify, store, apply), then
 *   an ACK. A snapshot larger than one message arrives as PARTs, reassembled in order (one
 *   at a time per session, held only as its pieces arrive). A peer that sends forged or malformed envelopes, unasked-for docs, unknown
 *   author indexes, an ACK for nothing, or more messages per second than allowed is cut
 *   off with a `PeerFaultError`.
 *
 * Every send is queued in call order (one message at a time), so the transport's
 * back-pressure holds the queue, never an unbounded buffer.
 */
import { fromHex, toHex, type DocId } from '../../lib/index.ts'
import { verifyDeviceCert } from '../../crypto/index.ts'
import { parseEnvelopeHeader, type EnvelopeHeader } from '../../envelope/index.ts'
import { PeerCertificateError, PeerRateLimitError, SyncClosedError, SyncProtocolError } from '../errors.ts'
import type { SyncLimits } from './limits.ts'
import { decodeSyncMessage, DeniedReason, encodeSyncMessage, type SyncMessage, type WantDoc } from './messages.ts'
import { advance, behind, dominates, isCovered, type MutableVector } from './vector.ts'
import { abortReason, TokenBucket, Wakeup, withTimeout } from './wait.ts'
import type { RemoteIdentity, SessionEvent, SessionTransport, SyncDoc, SyncSession } from './types.ts'

/** What a session needs from the engine that runs it. */
export interface SessionHost {
  readonly limits: SyncLimits
  /** This device's certificate and the grants it presents. */
  hello(): { cert: Uint8Array; grants: Uint8Array[] }
  now(): number
  doc(hex: string): SyncDoc | undefined
  docs(): Iterable<SyncDoc>
  authorize(remote: RemoteIdentity, docId: DocId): boolean | Promise<boolean>
  wants(remote: RemoteIdentity, docId: DocId): boolean | Promise<boolean>
  keysFor(remote: RemoteIdentity, docId: DocId): Uint8Array[] | Promise<Uint8Array[]>
  acceptKeys(remote: RemoteIdentity, docId: DocId, keys: Uint8Array[]): void | Promise<void>
  report(session: Session, event: SessionEvent): void
  trace(peerId: string, direction: 'in' | 'out', bytes: Uint8Array): void
  /** Logs a problem that is not the peer's fault (a failing callback, a store error). */
  warn(message: string, error?: unknown): void
}

/** Problems of received envelopes that only a faulty or hostile sender produces. */
const GARBAGE = new Set(['EnvelopeFormatError', 'EnvelopeTooLargeError', 'SignatureInvalidError'])
/** WANTs a peer may have outstanding (not yet answered with DONE). */
const MAX_OPEN_WANTS = 64

interface Served {
  readonly docId: DocId
  known: MutableVector
  state: 'new' | 'serving' | 'denied'
  needsRead: boolean
  push: Uint8Array[]
  pushBytes: number
  wants: number[]
}

/** A snapshot being reassembled from PART messages. */
interface Assembly {
  readonly hex: string
  readonly total: number
  readonly pieces: Uint8Array[]
  received: number
}

interface Asked {
  readonly docId: DocId
  denied?: DeniedReason
  synced: boolean
}

/** A session over `transport` with the peer the transport authenticated as `remotePeerId`. */
export class Session implements SyncSession {
  readonly remotePeerId: string
  readonly closed: Promise<Error | undefined>
  readonly #host: SessionHost
  readonly #transport: SessionTransport
  readonly #limits: SyncLimits
  readonly #ac = new AbortController()
  readonly #rate: TokenBucket
  #state: 'hello' | 'open' | 'closed' = 'hello'
  #remote: RemoteIdentity | undefined
  #helloSeen!: () => void
  readonly #hello: Promise<void>
  #resolveClosed!: (e: Error | undefined) => void
  #sendChain: Promise<void> = Promise.resolve()
  // asking
  readonly #asked = new Map<string, Asked>()
  readonly #outWants = new Map<number, string[]>()
  #outWantCount = 0
  readonly #outAuthors = new Map<string, number>()
  // serving
  readonly #inAuthors: string[] = []
  readonly #inAuthorSet = new Set<string>()
  readonly #served = new Map<string, Served>()
  readonly #dirty = new Set<string>()
  readonly #wakeup = new Wakeup()
  #inWantCount = 0
  readonly #wantRemaining = new Map<number, number>()
  #assembly: Assembly | undefined
  // flow control
  readonly #inFlight: number[] = []
  #inFlightBytes = 0
  readonly #acked = new Wakeup()

  /** Size cap for reading an envelope's header: the larger of the two envelope caps. */
  get #maxParse(): number {
    return Math.max(this.#limits.maxEnvelopeBytes, this.#limits.maxSnapshotBytes)
  }

  constructor(host: SessionHost, remotePeerId: string, transport: SessionTransport) {
    this.#host = host
    this.#limits = host.limits
    this.remotePeerId = remotePeerId
    this.#transport = transport
    this.#rate = new TokenBucket(host.limits.messagesPerSecond, host.limits.messageBurst, () => host.now())
    this.#hello = new Promise<void>((resolve) => (this.#helloSeen = resolve))
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve))
  }

  get remote(): RemoteIdentity | undefined {
    return this.#remote
  }

  get signal(): AbortSignal {
    return this.#ac.signal
  }

  get isClosed(): boolean {
    return this.#state === 'closed'
  }

  async start(): Promise<void> {
    try {
      await this.#send({ type: 'hello', ...this.#host.hello() })
      await withTimeout(this.#hello, this.#limits.helloTimeoutMs, this.signal, 'HELLO')
      const remote = this.#remote
      if (remote === undefined) return
      const wanted: SyncDoc[] = []
      for (const doc of this.#host.docs()) if (await this.#ask(remote, doc.docId)) wanted.push(doc)
      await this.#sendWant(wanted)
    } catch (err) {
      this.close(asError(err))
    }
  }

  async receive(message: Uint8Array): Promise<void> {
    if (this.#state === 'closed') return
    try {
      if (!this.#rate.take()) throw new PeerRateLimitError(`more than ${this.#limits.messagesPerSecond} messages/s`)
      const msg = decodeSyncMessage(message, this.#limits)
      this.#host.trace(this.remotePeerId, 'in', message)
      await this.#handle(msg)
    } catch (err) {
      this.close(asError(err))
    }
  }

  close(error?: Error): void {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    this.#ac.abort(error ?? new SyncClosedError('session closed'))
    this.#transport.close(error)
    this.#resolveClosed(error)
    this.#host.report(this, error === undefined ? { type: 'closed' } : { type: 'closed', error })
  }

  // ── engine hooks ──────────────────────────────────────────────────────────

  /** Envelopes newly stored for a doc: push them to the peer if it asked for the doc. */
  stored(hex: string, envelopes: readonly Uint8Array[]): void {
    const s = this.#served.get(hex)
    if (s === undefined || s.state === 'denied' || this.#state !== 'open') return
    if (!s.needsRead) {
      let size = 0
      for (const e of envelopes) size += e.length
      if (s.pushBytes + size > this.#limits.maxPushQueueBytes) {
        // too much queued: drop the queue and read from the store instead (bounded memory)
        s.needsRead = true
        s.push = []
        s.pushBytes = 0
      } else {
        s.push.push(...envelopes)
        s.pushBytes += size
      }
    }
    this.#dirty.add(hex)
    this.#wakeup.wake()
  }

  /** A doc was registered while the session is open: ask for it if wanted. */
  docAdded(doc: SyncDoc): void {
    const remote = this.#remote
    if (remote === undefined || this.#state !== 'open') return
    void (async () => {
      if (await this.#ask(remote, doc.docId)) await this.#sendWant([doc])
    })().catch((err: unknown) => this.close(asError(err)))
  }

  /** A doc was unregistered: answer later asks for it with DENIED (not held). */
  docRemoved(hex: string): void {
    const s = this.#served.get(hex)
    if (s === undefined) return
    s.state = 'new'
    s.needsRead = true
    this.#dirty.add(hex)
    this.#wakeup.wake()
  }

  /** Envelopes of `hex` the peer still lacks, if it asked for the doc; else undefined. */
  pendingFor(hex: string, local: ReadonlyMap<string, number>): number | undefined {
    const s = this.#served.get(hex)
    return s === undefined || s.state !== 'serving' ? undefined : behind(local, s.known)
  }

  // ── receiving ─────────────────────────────────────────────────────────────

  async #handle(msg: SyncMessage): Promise<void> {
    if (this.#state === 'hello') {
      if (msg.type !== 'hello') throw new SyncProtocolError(`${msg.type.toUpperCase()} before HELLO`)
      this.#onHello(msg.cert, msg.grants)
      return
    }
    switch (msg.type) {
      case 'hello':
        throw new SyncProtocolError('a second HELLO')
      case 'want':
        this.#onWant(msg.authors, msg.docs)
        return
      case 'envelopes':
        await this.#onEnvelopes(msg.docId, msg.envelopes)
        await this.#send({ type: 'ack', count: 1 })
        return
      case 'part':
        await this.#onPart(msg.docId, msg.total, msg.offset, msg.piece)
        return
      case 'keys':
        await this.#onKeys(msg.docId, msg.keys)
        return
      case 'denied':
        this.#askedFor(msg.docId).denied = msg.reason
        this.#host.report(this, { type: 'denied', docHex: toHex(msg.docId), reason: msg.reason === DeniedReason.notAllowed ? 'not-allowed' : 'not-held' })
        return
      case 'done':
        this.#onDone(msg.want)
        return
      case 'ack':
        this.#onAck(msg.count)
        return
    }
  }

  #onHello(certBytes: Uint8Array, grants: Uint8Array[]): void {
    let remote: RemoteIdentity
    try {
      // the certificate must bind the PeerId that Noise proved (DESIGN §3)
      const cert = verifyDeviceCert(certBytes, { peerId: this.remotePeerId })
      remote = { peerId: this.remotePeerId, person: cert.person, deviceName: cert.name, cert, grants: grants.map((g) => g.slice()) }
    } catch (err) {
      const name = err instanceof Error ? err.name : 'Error'
      throw new PeerCertificateError(`device certificate refused (${name})`, { cause: err })
    }
    this.#remote = remote
    this.#state = 'open'
    this.#helloSeen()
    this.#host.report(this, { type: 'open', remote })
    void this.#pump()
  }

  #askedFor(docId: Uint8Array): Asked {
    const a = this.#asked.get(toHex(docId))
    if (a === undefined) throw new SyncProtocolError('a message about a doc that was not asked for')
    return a
  }

  async #onEnvelopes(docId: Uint8Array, envelopes: Uint8Array[]): Promise<void> {
    const hex = toHex(docId)
    const asked = this.#askedFor(docId)
    if (asked.denied !== undefined) throw new SyncProtocolError('envelopes of a doc the peer denied')
    if (this.#assembly?.hex === hex) throw new SyncProtocolError('envelopes of a doc while its snapshot is arriving in parts')
    const served = this.#served.get(hex)
    const doc = this.#host.doc(hex)
    const local = doc?.persistence.vector()
    const fresh: Uint8Array[] = []
    const inBatch = new Set<string>()
    let duplicates = 0
    for (const e of envelopes) {
      const h = headerOf(e, this.#maxParse)
      if (h !== undefined) {
        // the sender holds it: never push it back
        if (served !== undefined) advance(served.known, h)
        // Already applied (or repeated in this batch): drop it before the receive pipeline,
        // which would verify its signature only to find a duplicate. Nothing is applied
        // without verification; this only skips work.
        const id = h.kind === 'snapshot' ? '' : `${toHex(h.author)}:${h.seq}`
        if ((local !== undefined && isCovered(local, h)) || (id !== '' && inBatch.has(id))) {
          duplicates++
          continue
        }
        if (id !== '') inBatch.add(id)
      }
      fresh.push(e)
    }
    if (doc !== undefined) {
      const report = fresh.length === 0 ? { applied: 0, duplicates: 0, held: 0, problems: [] } : await doc.persistence.receive(fresh)
      const bad = report.problems.find((p) => GARBAGE.has(p.error))
      if (bad !== undefined) throw new SyncProtocolError(`the peer sent an envelope that fails with ${bad.error}: ${bad.message}`)
      this.#host.report(this, { type: 'received', docHex: hex, report: { ...report, duplicates: report.duplicates + duplicates } })
    }
    if (asked.synced) this.#host.report(this, { type: 'synced', docHex: hex, at: this.#host.now() })
  }

  async #onPart(docId: Uint8Array, total: number, offset: number, piece: Uint8Array): Promise<void> {
    const hex = toHex(docId)
    const asked = this.#askedFor(docId)
    if (asked.denied !== undefined) throw new SyncProtocolError('a snapshot part of a doc the peer denied')
    let a = this.#assembly
    if (offset === 0) {
      if (a !== undefined) throw new SyncProtocolError('a new snapshot started before the previous one ended')
      a = { hex, total, pieces: [], received: 0 }
      this.#assembly = a
    } else if (a === undefined || a.hex !== hex || a.total !== total || a.received !== offset) {
      throw new SyncProtocolError('a snapshot part out of order')
    }
    // held as pieces (memory grows only with what actually arrived), joined once complete
    a.pieces.push(piece.slice())
    a.received += piece.length
    if (a.received === a.total) {
      this.#assembly = undefined
      const whole = new Uint8Array(a.total)
      let at = 0
      for (const p of a.pieces) {
        whole.set(p, at)
        at += p.length
      }
      await this.#onEnvelopes(docId, [whole])
    }
    await this.#send({ type: 'ack', count: 1 })
  }

  async #onKeys(docId: Uint8Array, keys: Uint8Array[]): Promise<void> {
    const asked = this.#askedFor(docId)
    if (asked.denied !== undefined) throw new SyncProtocolError('keys of a doc the peer denied')
    const remote = this.#remote
    if (remote === undefined) return
    try {
      await withTimeout(this.#host.acceptKeys(remote, asked.docId, keys.map((k) => k.slice())), this.#limits.callbackTimeoutMs, this.signal, 'keys receiver')
    } catch (err) {
      if (this.signal.aborted) throw err
      // a failing local callback is not the peer's fault: without keys, opening fails closed
      this.#host.warn('the keys receiver failed', err)
    }
  }

  #onDone(index: number): void {
    const hexes = this.#outWants.get(index)
    if (hexes === undefined) throw new SyncProtocolError(`DONE for WANT ${index}, which is not open`)
    this.#outWants.delete(index)
    const at = this.#host.now()
    for (const hex of hexes) {
      const a = this.#asked.get(hex)
      if (a === undefined || a.denied !== undefined) continue
      a.synced = true
      this.#host.report(this, { type: 'synced', docHex: hex, at })
    }
  }

  #onAck(count: number): void {
    if (count > this.#inFlight.length) throw new SyncProtocolError(`ACK of ${count} messages, ${this.#inFlight.length} unacknowledged`)
    for (const size of this.#inFlight.splice(0, count)) this.#inFlightBytes -= size
    this.#acked.wake()
  }

  #onWant(authors: Uint8Array[], docs: WantDoc[]): void {
    for (const a of authors) {
      const hex = toHex(a)
      if (this.#inAuthorSet.has(hex)) throw new SyncProtocolError('an author announced twice')
      if (this.#inAuthors.length >= this.#limits.maxSessionAuthors) throw new SyncProtocolError('too many authors in one session')
      this.#inAuthorSet.add(hex)
      this.#inAuthors.push(hex)
    }
    if (this.#wantRemaining.size >= MAX_OPEN_WANTS) throw new SyncProtocolError(`more than ${MAX_OPEN_WANTS} WANTs open`)
    const index = this.#inWantCount++
    this.#wantRemaining.set(index, docs.length)
    for (const d of docs) {
      const known: MutableVector = new Map()
      for (const [i, seq] of d.vector) {
        const author = this.#inAuthors[i]
        if (author === undefined) throw new SyncProtocolError(`unknown author index ${i}`)
        known.set(author, seq)
      }
      const hex = toHex(d.docId)
      let s = this.#served.get(hex)
      if (s === undefined) {
        if (this.#served.size >= this.#limits.maxServedDocs) throw new SyncProtocolError('too many docs asked for in one session')
        s = { docId: d.docId.slice() as DocId, known, state: 'new', needsRead: true, push: [], pushBytes: 0, wants: [] }
        this.#served.set(hex, s)
      }
      // a new WANT restarts the doc: authorize again, read from the peer's stated vector
      s.known = known
      s.state = 'new'
      s.needsRead = true
      s.push = []
      s.pushBytes = 0
      s.wants.push(index)
      this.#dirty.add(hex)
    }
    this.#wakeup.wake()
  }

  // ── serving ───────────────────────────────────────────────────────────────

  async #pump(): Promise<void> {
    const signal = this.signal
    try {
      for (;;) {
        const hex = this.#dirty.values().next().value
        if (hex === undefined) {
          await this.#wakeup.wait(signal)
          continue
        }
        this.#dirty.delete(hex)
        const s = this.#served.get(hex)
        if (s !== undefined) await this.#serve(hex, s)
      }
    } catch (err) {
      if (!signal.aborted) this.close(asError(err))
    }
  }

  async #serve(hex: string, s: Served): Promise<void> {
    const remote = this.#remote
    if (remote === undefined) return
    if (s.state === 'new' || s.state === 'serving') {
      // DESIGN §7: authorize before a single byte of the doc is sent — and again before
      // every later push, so that a grant revoked or expired mid-session stops it at once
      const allowed = await this.#call(() => this.#host.authorize(remote, s.docId), false, 'authorize')
      const held = this.#host.doc(hex) !== undefined
      if (!allowed || !held) {
        s.state = 'denied'
        s.push = []
        s.pushBytes = 0
        await this.#send({ type: 'denied', docId: s.docId, reason: allowed ? DeniedReason.notHeld : DeniedReason.notAllowed })
        await this.#finishWants(s)
        return
      }
      if (s.state === 'new') {
        s.state = 'serving'
        const keys = await this.#call(() => this.#host.keysFor(remote, s.docId), [], 'keys provider')
        for (let i = 0; i < keys.length; i += this.#limits.maxKeys) {
          await this.#send({ type: 'keys', docId: s.docId, keys: keys.slice(i, i + this.#limits.maxKeys) })
        }
      }
    }
    const doc = this.#host.doc(hex)
    if (s.state === 'serving' && doc !== undefined) {
      let list: Uint8Array[]
      if (s.needsRead) {
        s.needsRead = false
        s.push = []
        s.pushBytes = 0
        if (dominates(s.known, doc.persistence.vector())) list = []
        else {
          const stored = await doc.store.read(doc.docId, s.known)
          list = stored.snapshot === undefined ? stored.envelopes : [stored.snapshot, ...stored.envelopes]
        }
      } else {
        list = s.push
        s.push = []
        s.pushBytes = 0
      }
      await this.#sendEnvelopes(s, list)
    }
    await this.#finishWants(s)
  }

  async #sendEnvelopes(s: Served, list: Uint8Array[]): Promise<void> {
    const { maxEnvelopesPerMessage, batchBytes, maxEnvelopeBytes, maxSnapshotBytes } = this.#limits
    let batch: Uint8Array[] = []
    let headers: EnvelopeHeader[] = []
    let bytes = 0
    let served = 0
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return
      const msg = encodeSyncMessage({ type: 'envelopes', docId: s.docId, envelopes: batch }, this.#limits)
      const sent = headers
      batch = []
      headers = []
      bytes = 0
      await this.#credit(msg.length)
      await this.#sendBytes(msg)
      for (const h of sent) advance(s.known, h)
      served += sent.length
    }
    for (const e of list) {
      const h = headerOf(e, this.#maxParse)
      // unreadable: the store's problem, reported by load(); skip it
      if (h === undefined || isCovered(s.known, h)) continue
      if (e.length > maxEnvelopeBytes) {
        // An update over the cap stays local (storage seals it alone; the next snapshot
        // carries it). A snapshot goes in PARTs, each waiting for the window.
        if (h.kind !== 'snapshot' || e.length > maxSnapshotBytes) continue
        await flush()
        const step = Math.min(batchBytes, maxEnvelopeBytes)
        for (let offset = 0; offset < e.length; offset += step) {
          const piece = e.subarray(offset, Math.min(e.length, offset + step))
          const msg = encodeSyncMessage({ type: 'part', docId: s.docId, total: e.length, offset, piece }, this.#limits)
          await this.#credit(msg.length)
          await this.#sendBytes(msg)
        }
        advance(s.known, h)
        served++
        continue
      }
      if (batch.length > 0 && (batch.length >= maxEnvelopesPerMessage || bytes + e.length > batchBytes)) await flush()
      batch.push(e)
      headers.push(h)
      bytes += e.length
    }
    await flush()
    // for the audit: how many envelopes of this doc the remote device was given
    if (served > 0) this.#host.report(this, { type: 'served', docHex: toHex(s.docId), count: served })
  }

  async #finishWants(s: Served): Promise<void> {
    const wants = s.wants
    s.wants = []
    for (const index of wants) {
      const left = (this.#wantRemaining.get(index) ?? 1) - 1
      if (left > 0) {
        this.#wantRemaining.set(index, left)
        continue
      }
      this.#wantRemaining.delete(index)
      await this.#send({ type: 'done', want: index })
    }
  }

  /** Waits until `size` more bytes fit in the window (a message always fits an empty window). */
  async #credit(size: number): Promise<void> {
    while (this.#inFlightBytes > 0 && this.#inFlightBytes + size > this.#limits.windowBytes) {
      await withTimeout(this.#acked.wait(this.signal), this.#limits.ackTimeoutMs, this.signal, 'ACK')
    }
    this.#inFlight.push(size)
    this.#inFlightBytes += size
  }

  // ── asking ────────────────────────────────────────────────────────────────

  async #ask(remote: RemoteIdentity, docId: DocId): Promise<boolean> {
    return this.#call(() => this.#host.wants(remote, docId), false, 'wants')
  }

  async #sendWant(docs: SyncDoc[]): Promise<void> {
    const { maxWantDocs, maxWantAuthors, maxWantBytes, maxSessionAuthors } = this.#limits
    let entries: WantDoc[] = []
    let authors: Uint8Array[] = []
    let hexes: string[] = []
    let size = 8
    const flush = async (): Promise<void> => {
      if (entries.length === 0) return
      const index = this.#outWantCount++
      this.#outWants.set(index, hexes)
      const msg: SyncMessage = { type: 'want', authors, docs: entries }
      entries = []
      authors = []
      hexes = []
      size = 8
      await this.#send(msg)
    }
    for (const doc of docs) {
      const vector = doc.persistence.vector()
      const fresh = [...vector.keys()].filter((a) => !this.#outAuthors.has(a))
      const docSize = 16 + 3 + vector.size * 12 + fresh.length * 32
      if (entries.length >= maxWantDocs || authors.length + fresh.length > maxWantAuthors || size + docSize > maxWantBytes) await flush()
      if (this.#outAuthors.size + fresh.length > maxSessionAuthors) throw new RangeError('want: more authors than a session may announce')
      for (const a of fresh) {
        this.#outAuthors.set(a, this.#outAuthors.size)
        authors.push(fromHex(a))
      }
      const pairs = [...vector].map(([a, seq]) => [this.#outAuthors.get(a) ?? 0, seq] as const).sort((x, y) => x[0] - y[0])
      const hex = toHex(doc.docId)
      const prior = this.#asked.get(hex)
      this.#asked.set(hex, { docId: doc.docId, synced: prior?.synced === true && prior.denied === undefined })
      entries.push({ docId: doc.docId, vector: pairs })
      hexes.push(hex)
      size += docSize
    }
    await flush()
  }

  // ── plumbing ──────────────────────────────────────────────────────────────

  /** Runs an injected callback under the callback timeout; a throw or timeout yields `fallback`. */
  async #call<T>(fn: () => T | Promise<T>, fallback: T, what: string): Promise<T> {
    try {
      return await withTimeout(Promise.resolve().then(fn), this.#limits.callbackTimeoutMs, this.signal, what)
    } catch (err) {
      if (this.signal.aborted) throw abortReason(this.signal)
      // fail closed: a refusing, throwing or hanging callback means "no"
      this.#host.warn(`${what} failed; treated as no`, err)
      return fallback
    }
  }

  #send(msg: SyncMessage): Promise<void> {
    return this.#sendBytes(encodeSyncMessage(msg, this.#limits))
  }

  /** Queues one message behind the ones sent before it; each waits for the transport. */
  #sendBytes(bytes: Uint8Array): Promise<void> {
    const run = this.#sendChain.then(async () => {
      if (this.#state === 'closed') throw abortReason(this.signal)
      this.#host.trace(this.remotePeerId, 'out', bytes)
      await withTimeout(this.#transport.send(bytes, this.signal), this.#limits.sendTimeoutMs, this.signal, 'send')
    })
    this.#sendChain = run.catch(() => undefined)
    return run
  }
}

function headerOf(envelope: Uint8Array, maxBytes: number): EnvelopeHeader | undefined {
  try {
    return parseEnvelopeHeader(envelope, { maxBytes })
  } catch {
    // malformed: the receive pipeline reports it by name; here it is only skipped
    return undefined
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
