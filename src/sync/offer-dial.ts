/**
 * Reaching the device that showed a one-time offer (device link, visit invite): each of
 * its addresses in turn — its own (`…/p2p/<peerId>`) as is, a relay's through the relay's
 * circuit (as WebRTC from a browser) — and checking that Noise proved the PeerId the offer
 * names.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Connection } from '@libp2p/interface'
import type { Peer } from './peer.ts'

/**
 * Dials the offering device.
 * @throws the last dial error when no address works, `what`'s error when another device answered
 */
export async function dialOffer(
  peer: Peer,
  offer: { readonly peerId: string; readonly addrs: readonly string[] },
  opts: { webRTC?: boolean; signal: AbortSignal; wrongPeer: (message: string) => Error }
): Promise<Connection> {
  let lastErr: unknown = new Error('no address to dial')
  for (const addr of offer.addrs) {
    const target = addr.endsWith(`/p2p/${offer.peerId}`) ? addr : `${addr}/p2p-circuit/${opts.webRTC === true ? 'webrtc/' : ''}p2p/${offer.peerId}`
    let connection: Connection
    try {
      connection = await peer.dial(multiaddr(target), { signal: opts.signal })
    } catch (err) {
      if (opts.signal.aborted) throw err
      lastErr = err
      continue
    }
    // Noise proved the PeerId; it must be the one in the offer
    if (connection.remotePeer.toString() !== offer.peerId) throw opts.wrongPeer('reached another device than the code names')
    return connection
  }
  throw lastErr
}
