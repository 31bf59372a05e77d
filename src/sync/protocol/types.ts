/**
 * The shapes shared by the transport-independent sync engine, its sessions and the
 * transport bindings (libp2p, the test network).
 */
import type { DeviceCert } from '../../crypto/index.ts'
import type { DocId } from '../../lib/index.ts'
import type { EnvelopeStore, Persistence, ReceiveReport } from '../../storage/index.ts'

/**
 * A doc registered with sync: its store (read by vector, to serve it) and its persistence
 * binding (receive pipeline for what peers send, vector, and the stored-envelope hook).
 * A `{ docId, store, persistence }` from `createMemoryStore`/`createPersistence` satisfies it.
 */
export interface SyncDoc {
  readonly docId: DocId
  readonly store: Pick<EnvelopeStore, 'read'>
  readonly persistence: Pick<Persistence, 'receive' | 'vector' | 'onStored' | 'held'>
}

/**
 * Decides whether `remotePerson` (a did:key, proven through the device certificate) on
 * `remoteDevice` (its PeerId, proven by Noise) may read `docId`. Asked before a single
 * byte of the doc is sent; a throw or a timeout counts as "no".
 */
export type Authorizer = (remotePerson: string, remoteDevice: string, docId: Uint8Array) => boolean | Promise<boolean>

/** Who is at the other end of a session, once its HELLO verified. */
export interface RemoteIdentity {
  /** Noise-proven PeerId. */
  readonly peerId: string
  /** The person whose root key certified the device (did:key). */
  readonly person: string
  /** The device's name from its certificate. */
  readonly deviceName: string
  /** The verified certificate. */
  readonly cert: DeviceCert
  /** Grants presented in HELLO (opaque here; the consent layer reads them). */
  readonly grants: readonly Uint8Array[]
}

/** Wrapped keys for `remote` to read `docId` (sent as KEYS before its envelopes); [] for none. */
export type KeysProvider = (remote: RemoteIdentity, docId: DocId) => Uint8Array[] | Promise<Uint8Array[]>

/** Receives wrapped keys that a peer sent for `docId`, before that doc's envelopes are received. */
export type KeysReceiver = (remote: RemoteIdentity, docId: DocId, keys: Uint8Array[]) => void | Promise<void>

/** What a session needs from its transport: one message at a time, in order. */
export interface SessionTransport {
  /**
   * Sends one whole message; resolves once the transport accepted it (after waiting for
   * drain when it applies back-pressure). Rejects on timeout, abort or a closed transport.
   */
  send(message: Uint8Array, signal: AbortSignal): Promise<void>
  /** Ends the transport: gracefully without `error`, by abort with it. */
  close(error?: Error): void
}

/** A wire trace entry (diagnostics, metrics and tests): one whole message. */
export interface SyncTrace {
  readonly peerId: string
  readonly direction: 'in' | 'out'
  /** The message bytes (without the length prefix). */
  readonly bytes: Uint8Array
}

/** What the engine hears from its sessions. */
export type SessionEvent =
  | { type: 'open'; remote: RemoteIdentity }
  | { type: 'synced'; docHex: string; at: number }
  | { type: 'received'; docHex: string; report: ReceiveReport }
  | { type: 'served'; docHex: string; count: number }
  | { type: 'denied'; docHex: string; reason: 'not-allowed' | 'not-held' }
  | { type: 'closed'; error?: Error }

/** One session with one remote device. */
export interface SyncSession {
  /** The remote PeerId the transport authenticated. */
  readonly remotePeerId: string
  /** The remote identity, once its HELLO verified. */
  readonly remote: RemoteIdentity | undefined
  /** Aborted when the session ends. */
  readonly signal: AbortSignal
  /** Resolves when the session ends: with the error that ended it, or undefined for a clean close. */
  readonly closed: Promise<Error | undefined>
  /** Whether the session has ended. */
  readonly isClosed: boolean
  /** Sends HELLO, waits for the peer's, then asks for every doc it wants. Never rejects. */
  start(): Promise<void>
  /** Handles one message from the peer; a bad one ends the session. Never rejects. */
  receive(message: Uint8Array): Promise<void>
  /** Ends the session (with `error`: as a failure). */
  close(error?: Error): void
}
