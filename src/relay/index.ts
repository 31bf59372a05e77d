/**
 * The relay: a Node process that browsers and Node peers dial to find each other
 * (circuit-relay-v2 over WebSockets and TCP), and the blind mailbox that holds sealed
 * envelopes for peers that are offline (`/phr/mailbox/1`). It never holds a key to any
 * record.
 *
 * @example
 * ```ts
 * import { createRelay } from './src/relay/index.ts'
 * const relay = await createRelay({ wsPort: 9090, dataDir: '.data/relay' }) // mailbox on
 * console.log(relay.webSocketAddrs()) // ['/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3Koo…']
 * ```
 * @packageDocumentation
 */
export { createRelay, MAILBOX_DB_FILE, type Relay, type RelayInit, type RelayMailboxInit } from './node.ts'
export { portInUse, describeStartError } from './errors.ts'
export { createMailboxServer, createMailboxStore, DEFAULT_MAILBOX_QUOTAS } from './mailbox/index.ts'
export type { MailboxServer, MailboxServerInit, MailboxServerComponents, MailboxStats, MailboxStore, MailboxQuotas } from './mailbox/index.ts'
export { createShlServer, type ShlServer, type ShlServerInit } from './shl.ts'
