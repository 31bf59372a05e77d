/**
 * The sync engine: the docs registered for sync, the open sessions (one per stream, over
 * any transport), and the status the app shows. It holds no network code; the libp2p
 * binding (`service.ts`) and the test network hand it transports.
 */
import { asDocId, assertBytes, DOC_ID_LENGTH, toHex, type DocId } from '../lib/index.ts'
import { verifyDeviceCert, type DeviceCert } from '../crypto/index.ts'
import { isPeerFault } from './errors.ts'
import { createDefaultAuthorizer } from './authorize.ts'
import { resolveLimits, type SyncLimits } from './protocol/limits.ts'
import { Session, type SessionHost } from './protocol/session.ts'
import type { Authorizer, KeysProvider, KeysReceiver, RemoteIdentity, SessionEvent, SessionTransport, SyncDoc, SyncSession, SyncTrace } from './protocol/types.ts'

/** Options of the sync engine (and of the sync service, which adds transport options). */
export interface SyncEngineInit {
  /** This device's certificate (from its person's root key), sent in HELLO. */
  deviceCert: Uint8Array
  /** Grants this device presents in HELLO (opaque bytes; the consent layer makes them). @default none */
  grants?: () => Uint8Array[]
  /**
   * Who may read which doc; asked before a byte of a doc is sent.
   * @default the person's own certified devices read everything, nobody else anything
   */
  authorize?: Authorizer
  /** Which docs to ask a peer for (asking reveals their ids to it). @default `authorize` */
  wants?: Authorizer
  /** Wrapped keys to send with a doc, as KEYS. @default none */
  keys?: KeysProvider
  /** Receives KEYS from a peer. @default ignores them */
  onKeys?: KeysReceiver
  /** Wall clock (ms). @default Date.now */
  clock?: () => number
  /** Protocol limits; see `SyncLimits` for each default. */
  limits?: Partial<SyncLimits>
  /** Called with every message sent and received (diagnostics, byte counts). @default none */
  trace?: (entry: SyncTrace) => void
  /** Where problems that are not a peer's fault are logged. @default console.warn */
  warn?: (message: string, error?: unknown) => void
}

/** A connected, verified peer. */
export interface SyncPeerStatus {
  readonly peerId: string
  readonly person: string
  readonly deviceName: string
  /** Sessions open with it. */
  readonly sessions: number
  /** When the first of them verified (ms). */
  readonly since: number
}

/** One registered doc. */
export interface SyncDocStatus {
  /** Doc id, lowercase hex. */
  readonly docId: string
  /** When a peer last confirmed the doc up to date (its DONE, or a push after it); undefined: never. */
  readonly lastSyncedAt?: number
  /** Envelopes this device holds that a connected peer asking for the doc has not been sent yet (the largest over peers). */
  readonly pendingOut: number
  /** Envelopes received but held until a gap before them is filled (the doc is incomplete meanwhile). */
  readonly held: number
  /** Peers that denied this doc in an open session. */
  readonly deniedBy: readonly string[]
}

/** A peer cut off for misbehaving. */
export interface RefusedPeer {
  readonly peerId: string
  /** The named error, e.g. `PeerCertificateError`. */
  readonly error: string
  readonly message: string
  readonly at: number
}

/** Everything the status UI shows. */
export interface SyncStatus {
  readonly peers: readonly SyncPeerStatus[]
  readonly docs: readonly SyncDocStatus[]
  /** The most recent refusals (at most 32). */
  readonly refused: readonly RefusedPeer[]
}

/** Discrete sync events. */
export type SyncEvent =
  | { type: 'peer-connected'; peerId: string; person: string; deviceName: string }
  | { type: 'peer-disconnected'; peerId: string; error?: string }
  | { type: 'peer-refused'; peerId: string; error: string; message: string }
  | { type: 'doc-synced'; docId: string; peerId: string; at: number }
  | { type: 'doc-denied'; docId: string; peerId: string; reason: 'not-allowed' | 'not-held' }
  | { type: 'envelopes-received'; docId: string; peerId: string; applied: number; held: number; duplicates: number; problems: number }
  | { type: 'envelopes-sent'; docId: string; peerId: string; count: number }

/** The transport-independent sync engine. */
export interface SyncEngine {
  /** did:key of this device's person (from its certificate). */
  readonly person: string
  /** This device's PeerId (from its certificate). */
  readonly peerId: string
  readonly limits: SyncLimits
  /**
   * Registers a doc: peers that want it are asked for it and served it; what it stores is pushed.
   * @throws {RangeError} if a doc with this id is already registered.
   */
  addDoc(doc: SyncDoc): void
  /** Unregisters a doc (later asks for it are answered DENIED, not held). */
  removeDoc(docId: Uint8Array): void
  /** The registered doc ids. */
  docs(): DocId[]
  /** Starts a session over `transport` with the peer it authenticated. Call `start()` on the result and feed it messages. */
  openSession(remotePeerId: string, transport: SessionTransport): SyncSession
  /** The sessions not yet closed. */
  sessions(): SyncSession[]
  /** The current status. */
  status(): SyncStatus
  /** Calls `listener` (at most once per microtask) whenever the status may have changed. */
  subscribe(listener: (status: SyncStatus) => void): () => void
  /** Calls `listener` with each event. */
  onEvent(listener: (event: SyncEvent) => void): () => void
  /** Notes a peer cut off by the transport binding (stream flood, oversize frame…). */
  noteRefused(peerId: string, error: Error): void
  /** Closes every session and forgets the docs' hooks. */
  stop(): void
}

interface Registered {
  readonly doc: SyncDoc
  readonly unsubscribe: () => void
  lastSyncedAt?: number
  readonly deniedBy: Set<string>
}

/**
 * Creates the engine. Verifies this device's own certificate first.
 * @throws {TypeError} if `deviceCert` is not a `Uint8Array` or a callback is not a function.
 * @throws {DeviceCertFormatError | SignatureInvalidError | InputTooLargeError} if the certificate is not valid.
 * @throws {RangeError} if a limit is out of range.
 * @example const engine = createSyncEngine({ deviceCert }); engine.addDoc({ docId, store, persistence })
 */
export function createSyncEngine(init: SyncEngineInit): SyncEngine {
  assertBytes(init.deviceCert, 'deviceCert')
  const own: DeviceCert = verifyDeviceCert(init.deviceCert)
  const limits = resolveLimits(init.limits)
  const clock = init.clock ?? Date.now
  const authorize = init.authorize ?? createDefaultAuthorizer({ owner: own.person }).authorize
  const wants = init.wants ?? authorize
  const warn = init.warn ?? ((message: string, error?: unknown) => console.warn(`sync: ${message}`, error ?? ''))
  const docs = new Map<string, Registered>()
  const open = new Set<Session>()
  const since = new Map<Session, number>()
  const refused: RefusedPeer[] = []
  const statusListeners = new Set<(s: SyncStatus) => void>()
  const eventListeners = new Set<(e: SyncEvent) => void>()
  let notifyQueued = false

  const notify = (): void => {
    if (notifyQueued || statusListeners.size === 0) return
    notifyQueued = true
    queueMicrotask(() => {
      notifyQueued = false
      const s = status()
      for (const l of statusListeners) l(s)
    })
  }
  const emit = (e: SyncEvent): void => {
    for (const l of eventListeners) l(e)
    notify()
  }

  const host: SessionHost = {
    limits,
    hello: () => ({ cert: init.deviceCert, grants: init.grants?.() ?? [] }),
    now: clock,
    doc: (hex) => docs.get(hex)?.doc,
    docs: () => [...docs.values()].map((r) => r.doc),
    authorize: (remote: RemoteIdentity, docId) => authorize(remote.person, remote.peerId, docId),
    wants: (remote: RemoteIdentity, docId) => wants(remote.person, remote.peerId, docId),
    keysFor: (remote, docId) => init.keys?.(remote, docId) ?? [],
    acceptKeys: (remote, docId, keys) => init.onKeys?.(remote, docId, keys),
    warn,
    trace: (peerId, direction, bytes) => init.trace?.({ peerId, direction, bytes }),
    report(session, e: SessionEvent) {
      const peerId = session.remotePeerId
      switch (e.type) {
        case 'open':
          since.set(session, clock())
          emit({ type: 'peer-connected', peerId, person: e.remote.person, deviceName: e.remote.deviceName })
          return
        case 'synced': {
          const r = docs.get(e.docHex)
          if (r !== undefined) r.lastSyncedAt = Math.max(r.lastSyncedAt ?? 0, e.at)
          emit({ type: 'doc-synced', docId: e.docHex, peerId, at: e.at })
          return
        }
        case 'received':
          emit({
            type: 'envelopes-received',
            docId: e.docHex,
            peerId,
            applied: e.report.applied,
            held: e.report.held,
            duplicates: e.report.duplicates,
            problems: e.report.problems.length
          })
          return
        case 'served':
          emit({ type: 'envelopes-sent', docId: e.docHex, peerId, count: e.count })
          return
        case 'denied':
          docs.get(e.docHex)?.deniedBy.add(peerId)
          emit({ type: 'doc-denied', docId: e.docHex, peerId, reason: e.reason })
          return
        case 'closed':
          open.delete(session)
          since.delete(session)
          if (![...open].some((s) => s.remotePeerId === peerId)) for (const r of docs.values()) r.deniedBy.delete(peerId)
          if (e.error !== undefined && isPeerFault(e.error)) noteRefused(peerId, e.error)
          emit(e.error === undefined ? { type: 'peer-disconnected', peerId } : { type: 'peer-disconnected', peerId, error: e.error.name })
          return
      }
    }
  }

  function noteRefused(peerId: string, error: Error): void {
    refused.push({ peerId, error: error.name, message: error.message, at: clock() })
    if (refused.length > 32) refused.shift()
    emit({ type: 'peer-refused', peerId, error: error.name, message: error.message })
  }

  function status(): SyncStatus {
    const peers = new Map<string, SyncPeerStatus>()
    for (const s of open) {
      const remote = s.remote
      const at = since.get(s)
      if (remote === undefined || at === undefined) continue
      const prior = peers.get(remote.peerId)
      peers.set(remote.peerId, {
        peerId: remote.peerId,
        person: remote.person,
        deviceName: remote.deviceName,
        sessions: (prior?.sessions ?? 0) + 1,
        since: Math.min(prior?.since ?? at, at)
      })
    }
    const docStatus: SyncDocStatus[] = []
    for (const [hex, r] of docs) {
      const local = r.doc.persistence.vector()
      let pendingOut = 0
      for (const s of open) pendingOut = Math.max(pendingOut, s.pendingFor(hex, local) ?? 0)
      docStatus.push({
        docId: hex,
        ...(r.lastSyncedAt === undefined ? {} : { lastSyncedAt: r.lastSyncedAt }),
        pendingOut,
        held: r.doc.persistence.held,
        deniedBy: [...r.deniedBy]
      })
    }
    return { peers: [...peers.values()], docs: docStatus, refused: [...refused] }
  }

  return {
    person: own.person,
    peerId: own.peerId,
    limits,
    addDoc(doc) {
      assertBytes(doc.docId, 'doc.docId', DOC_ID_LENGTH)
      const hex = toHex(doc.docId)
      if (docs.has(hex)) throw new RangeError(`doc ${hex} is already registered`)
      const unsubscribe = doc.persistence.onStored((envelopes) => {
        for (const s of open) s.stored(hex, envelopes)
        notify()
      })
      docs.set(hex, { doc: { ...doc, docId: asDocId(doc.docId.slice()) }, unsubscribe, deniedBy: new Set() })
      for (const s of open) s.docAdded(doc)
      notify()
    },
    removeDoc(docId) {
      assertBytes(docId, 'docId', DOC_ID_LENGTH)
      const hex = toHex(docId)
      const r = docs.get(hex)
      if (r === undefined) return
      r.unsubscribe()
      docs.delete(hex)
      for (const s of open) s.docRemoved(hex)
      notify()
    },
    docs: () => [...docs.values()].map((r) => r.doc.docId),
    openSession(remotePeerId, transport) {
      const session = new Session(host, remotePeerId, transport)
      open.add(session)
      return session
    },
    sessions: () => [...open],
    status,
    subscribe(listener) {
      statusListeners.add(listener)
      return () => statusListeners.delete(listener)
    },
    onEvent(listener) {
      eventListeners.add(listener)
      return () => eventListeners.delete(listener)
    },
    noteRefused,
    stop() {
      for (const s of [...open]) s.close()
      for (const r of docs.values()) r.unsubscribe()
      docs.clear()
    }
  }
}
