import { connectRelay, createBrowserPeer, isLoopbackAddr, type Peer, type RelayConnection } from '../sync/index.ts'
import { multiaddr } from '@multiformats/multiaddr'
import { loadAppConfig } from './config.ts'

/** Where the app stands with its relay. */
export const RelayState = {
  /** Not started yet. */
  idle: 'idle',
  /** Loading the config or dialing the relay. */
  connecting: 'connecting',
  /** An encrypted connection to a relay is open. */
  connected: 'connected',
  /** The browser says it has no network; the app works from this device only. */
  offline: 'offline',
  /** The server named no relay. */
  none: 'none',
  /** The relay did not answer; retrying. */
  unreachable: 'unreachable'
} as const
export type RelayState = (typeof RelayState)[keyof typeof RelayState]

/** A snapshot of the relay connection for the UI. */
export interface RelayStatusSnapshot {
  state: RelayState
  connection?: RelayConnection
  /** When the next attempt is due (ms since epoch), while unreachable. */
  retryAt?: number
}

/** What the relay status service needs from the page. */
export interface RelayStatusComponents {
  fetch: typeof fetch
  /** `navigator.onLine` and the `online`/`offline` events. */
  window: Pick<Window, 'addEventListener' | 'removeEventListener'> & { navigator: { onLine: boolean } }
}

/** Another holder of a relay connection (an open record's sync runtime). */
export interface RelaySource {
  snapshot(): { relay: RelayState; relayConnection?: RelayConnection }
  subscribe(listener: (s: { relay: RelayState; relayConnection?: RelayConnection }) => void): () => void
}

/** The relay connection, kept up in the background, observable by the UI. */
export interface RelayStatus {
  snapshot(): RelayStatusSnapshot
  subscribe(listener: (s: RelayStatusSnapshot) => void): () => void
  start(): void
  stop(): Promise<void>
  /**
   * While an open record's runtime holds its own connection to the relay (on the device's
   * key), shows that one and closes this page-wide one, so that the device keeps a single
   * connection; `undefined` (the record closed) reconnects on its own again.
   */
  follow(source: RelaySource | undefined): void
}

const MIN_RETRY_MS = 1_000
const MAX_RETRY_MS = 30_000
const CONNECT_TIMEOUT_MS = 10_000

/**
 * Finds the relay from `/config.json`, connects to it over WebSockets and keeps the
 * connection up: it reconnects with backoff after a failure or a drop, and waits while
 * the browser is offline.
 */
export function createRelayStatus(components: RelayStatusComponents): RelayStatus {
  let snap: RelayStatusSnapshot = { state: RelayState.idle }
  const listeners = new Set<(s: RelayStatusSnapshot) => void>()
  let peer: Peer | undefined
  let running = false
  let attempt = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let controller: AbortController | undefined
  let following: (() => void) | undefined

  const set = (next: RelayStatusSnapshot): void => {
    snap = next
    for (const l of listeners) l(snap)
  }

  const schedule = (ms: number): void => {
    clearTimeout(timer)
    timer = setTimeout(() => void connect(), ms)
  }

  async function connect(): Promise<void> {
    if (!running || following !== undefined) return
    if (!components.window.navigator.onLine) {
      set({ state: RelayState.offline })
      return
    }
    controller?.abort()
    controller = new AbortController()
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(CONNECT_TIMEOUT_MS)])
    set({ state: RelayState.connecting })
    try {
      const config = await loadAppConfig(components.fetch, signal)
      if (config.relays.length === 0) {
        set({ state: RelayState.none })
        return
      }
      // ws:// to a relay on this machine is allowed only when every relay is loopback
      const loopback = config.relays.every((a) => isLoopbackAddr(multiaddr(a)))
      if (peer === undefined) {
        peer = await createBrowserPeer({ allowInsecureLoopback: loopback })
        peer.addEventListener('peer:disconnect', onDisconnect)
      }
      const connection = await connectRelay(peer, config.relays, { signal })
      attempt = 0
      set({ state: RelayState.connected, connection })
    } catch (err) {
      if (!running || following !== undefined) return
      console.warn('relay: connection failed', err instanceof Error ? err.message : err)
      const delay = Math.min(MAX_RETRY_MS, MIN_RETRY_MS * 2 ** attempt++)
      set({ state: components.window.navigator.onLine ? RelayState.unreachable : RelayState.offline, retryAt: Date.now() + delay })
      schedule(delay)
    }
  }

  const onOnline = (): void => schedule(0)
  const onOffline = (): void => {
    if (following === undefined) set({ state: RelayState.offline })
  }

  /** Closes this service's own peer (another one holds the connection now). */
  function release(): void {
    clearTimeout(timer)
    controller?.abort()
    const p = peer
    peer = undefined
    p?.removeEventListener('peer:disconnect', onDisconnect)
    if (p !== undefined) {
      Promise.resolve(p.stop()).catch((err: unknown) => console.warn('relay: closing the page connection failed', err instanceof Error ? err.name : err))
    }
  }
  const onDisconnect = (evt: CustomEvent<{ toString(): string }>): void => {
    if (following === undefined && snap.connection?.peerId === evt.detail.toString()) {
      set({ state: RelayState.unreachable, retryAt: Date.now() + MIN_RETRY_MS })
      schedule(MIN_RETRY_MS)
    }
  }

  return {
    snapshot: () => snap,
    subscribe(listener) {
      listeners.add(listener)
      listener(snap)
      return () => listeners.delete(listener)
    },
    start() {
      if (running) return
      running = true
      components.window.addEventListener('online', onOnline)
      components.window.addEventListener('offline', onOffline)
      void connect()
    },
    follow(source) {
      following?.()
      following = undefined
      if (source === undefined) {
        if (running) schedule(0)
        return
      }
      release()
      const mirror = (s: { relay: RelayState; relayConnection?: RelayConnection }): void =>
        set(s.relayConnection === undefined ? { state: s.relay } : { state: s.relay, connection: s.relayConnection })
      const off = source.subscribe(mirror)
      following = off
      mirror(source.snapshot())
    },
    async stop() {
      following?.()
      following = undefined
      running = false
      clearTimeout(timer)
      controller?.abort()
      components.window.removeEventListener('online', onOnline)
      components.window.removeEventListener('offline', onOffline)
      peer?.removeEventListener('peer:disconnect', onDisconnect)
      await peer?.stop()
      peer = undefined
    }
  }
}
