/**
 * The relay's blind mailbox (DESIGN §7, `/phr/mailbox/1`): a store-and-forward of sealed
 * envelopes in SQLite, for docs whose owners registered a signed list of who may fetch
 * and deposit. It never holds or asks for a key. The protocol codec and the client are in
 * `src/sync/mailbox/`.
 *
 * @example
 * ```ts
 * const mailbox = createMailboxServer({ path: join(dataDir, 'mailbox.sqlite'), maxAgeMs: 90 * 86_400_000 }, { registrar: node })
 * await mailbox.start()
 * ```
 * @packageDocumentation
 */
export { createMailboxServer } from './server.ts'
export type { MailboxServer, MailboxServerInit, MailboxServerComponents, MailboxStats } from './server.ts'
export { createMailboxStore, DEFAULT_MAILBOX_QUOTAS } from './store.ts'
export type { MailboxStore, MailboxStoreInit, MailboxQuotas, StoredRegistration, DepositEntry, FetchPage, OwnerUsage } from './store.ts'
