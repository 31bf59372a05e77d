/**
 * The relay: a Node process that browsers and Node peers dial to find each other
 * (circuit-relay-v2 over WebSockets and TCP). It never holds a key to any record.
 *
 * @example
 * ```ts
 * import { createRelay } from './src/relay/index.ts'
 * const relay = await createRelay({ wsPort: 9090 })
 * console.log(relay.webSocketAddrs()) // ['/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3Koo…']
 * ```
 * @packageDocumentation
 */
export { createRelay, type Relay, type RelayInit } from './node.ts'
export { portInUse, describeStartError } from './errors.ts'
