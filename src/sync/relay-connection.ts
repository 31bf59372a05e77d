import { multiaddr } from '@multiformats/multiaddr'
import type { PeerId } from '@libp2p/interface'
import type { Peer } from './peer.ts'

/** What the app learns from reaching a relay. */
export interface RelayConnection {
  /** The multiaddr that answered. */
  addr: string
  /** The relay's PeerId, proven by the Noise handshake. */
  peerId: string
  /** Milliseconds from dial to an open, encrypted connection. */
  connectMs: number
  /** The relay's protocols, from identify (e.g. the circuit-relay hop protocol). */
  protocols: string[]
}

/**
 * The protocols `remote` announced through identify. libp2p runs identify by itself on
 * every new connection (a second identify stream would be refused), so this waits for
 * that run's result.
 */
async function identified(peer: Peer, remote: PeerId, signal: AbortSignal): Promise<string[]> {
  return new Promise<string[]>((resolve, reject) => {
    const done = (protocols: string[]): void => {
      cleanup()
      resolve(protocols)
    }
    const onIdentify = (evt: CustomEvent<{ peerId: PeerId; protocols: string[] }>): void => {
      if (evt.detail.peerId.equals(remote)) done(evt.detail.protocols)
    }
    const onAbort = (): void => {
      cleanup()
      reject(signal.reason as Error)
    }
    const cleanup = (): void => {
      peer.removeEventListener('peer:identify', onIdentify)
      signal.removeEventListener('abort', onAbort)
    }
    // listen first, then look: identify may finish while the peer store is read
    peer.addEventListener('peer:identify', onIdentify)
    signal.addEventListener('abort', onAbort)
    peer.peerStore.get(remote).then(
      (known) => {
        if (known.protocols.length > 0) done(known.protocols)
      },
      () => {
        // not in the peer store yet: the identify event will come
      }
    )
  })
}

/**
 * Dials the first reachable relay of `addrs` and waits for its identify.
 * @throws the last dial error when none answers, or the abort reason when `signal` aborts
 */
export async function connectRelay(peer: Peer, addrs: string[], opts: { signal: AbortSignal }): Promise<RelayConnection> {
  let lastErr: unknown = new Error('no relay address configured')
  for (const addr of addrs) {
    const t0 = performance.now()
    try {
      const conn = await peer.dial(multiaddr(addr), { signal: opts.signal })
      const connectMs = performance.now() - t0
      const protocols = await identified(peer, conn.remotePeer, opts.signal)
      return { addr, peerId: conn.remotePeer.toString(), connectMs, protocols }
    } catch (err) {
      if (opts.signal.aborted) throw err
      lastErr = err
    }
  }
  throw lastErr
}
