/**
 * Peer-to-peer transport: the libp2p node factory and (later) the `/phr/sync/1` and
 * `/phr/mailbox/1` protocols.
 *
 * @example
 * ```ts
 * const peer = await createBrowserPeer({ allowInsecureLoopback: location.hostname === '127.0.0.1' })
 * const rtt = await pingRelay(peer, '/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3Koo…', { signal })
 * ```
 * @packageDocumentation
 */
export { createBrowserPeer, type BrowserPeerInit, type Peer } from './peer.ts'
export { dialPolicy, isLoopbackAddr } from './gater.ts'
export { connectRelay, type RelayConnection } from './relay-connection.ts'
