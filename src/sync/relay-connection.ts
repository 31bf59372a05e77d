import { multiaddr } from '@multiformats/multiaddr'
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
 * Dials the first reachable relay of `addrs` and identifies it.
 * @throws the last dial error when none answers, or an `AbortError` when `signal` aborts
 */
export async function connectRelay(peer: Peer, addrs: string[], opts: { signal: AbortSignal }): Promise<RelayConnection> {
  let lastErr: unknown = new Error('no relay address configured')
  for (const addr of addrs) {
    const t0 = performance.now()
    try {
      const conn = await peer.dial(multiaddr(addr), { signal: opts.signal })
      const connectMs = performance.now() - t0
      const id = await peer.services.identify.identify(conn, { signal: opts.signal })
      return { addr, peerId: conn.remotePeer.toString(), connectMs, protocols: id.protocols }
    } catch (err) {
      if (opts.signal.aborted) throw err
      lastErr = err
    }
  }
  throw lastErr
}
