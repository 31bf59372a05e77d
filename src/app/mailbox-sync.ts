/**
 * The record's use of the relay's blind mailbox (DESIGN §7, `/phr/mailbox/1`): register
 * every compartment with a signed list (the person's own devices), deposit this device's
 * new envelopes while another of the person's devices is away, and fetch what was missed
 * on start and on every reconnect, through the persistence receive pipeline (size cap,
 * signature, sequence, then decrypt) like anything from a peer.
 *
 * One call at a time; a failure leaves what is queued queued for the next attempt.
 */
import { toHex, type DocId } from '../lib/index.ts'
import { MailboxEnvelopeRefusedError, MailboxMessageTooLargeError, MailboxStaleRegistrationError, signRegistration, type MailboxClient, type MailboxParty } from '../sync/index.ts'
import type { Persistence } from '../storage/index.ts'

/** Where the app stands with the mailbox. */
export const MailboxState = {
  /** Not tried yet (no relay connection so far). */
  unknown: 'unknown',
  /** The last call succeeded. */
  reachable: 'reachable',
  /** The last call failed; retried on the next reconnect. */
  unreachable: 'unreachable'
} as const
export type MailboxState = (typeof MailboxState)[keyof typeof MailboxState]

/** The mailbox as the status panel shows it. */
export interface MailboxStatus {
  readonly state: MailboxState
  /** Envelopes of this device stored in the mailbox since the record was opened. */
  readonly deposited: number
  /** Envelopes fetched from the mailbox and applied since the record was opened. */
  readonly fetched: number
  /** Envelopes waiting to be deposited. */
  readonly queued: number
  /** When the last fetch of every compartment finished (ms). */
  readonly lastFetchAt?: number
  /** The named error of the last failure. */
  readonly lastError?: string
}

/** One compartment, as the mailbox sync sees it. */
export interface MailboxDoc {
  readonly docId: DocId
  readonly persistence: Pick<Persistence, 'receive' | 'vector'>
}

/** What the mailbox sync is given. */
export interface AppMailboxComponents {
  readonly docs: readonly MailboxDoc[]
  /** The person's root secret key (signs registrations; used, then wiped). */
  ownerSecretKey(): Promise<Uint8Array>
  /** Who besides the owner's certified devices is listed: the person's own devices, by PeerId. */
  parties(): Promise<MailboxParty[]>
}

/** Options. */
export interface AppMailboxInit {
  /** Wall clock (ms); also the registration version, so a newer list replaces an older one. @default Date.now */
  clock?: () => number
  /** Envelopes queued per compartment at most (the oldest are dropped: they stay in the local store). @default 1024 */
  maxQueued?: number
  /** Timeout of each call, ms. @default 15000 */
  timeoutMs?: number
}

/** The mailbox sync of an open record. */
export interface AppMailbox {
  status(): MailboxStatus
  subscribe(listener: (s: MailboxStatus) => void): () => void
  /** Queues an envelope this device sealed, for the next deposit. */
  queue(docId: DocId, envelope: Uint8Array): void
  /** Registers (once per client, or again after `reregister`), fetches every compartment, deposits what is queued. */
  sync(client: MailboxClient, signal?: AbortSignal): Promise<void>
  /** Deposits what is queued now. */
  deposit(client: MailboxClient, signal?: AbortSignal): Promise<void>
  /** The list of parties changed: register again on the next `sync`. */
  reregister(): void
}

/** Creates the mailbox sync of an open record. */
export function createAppMailbox(components: AppMailboxComponents, init: AppMailboxInit = {}): AppMailbox {
  const clock = init.clock ?? Date.now
  const maxQueued = init.maxQueued ?? 1024
  const timeoutMs = init.timeoutMs ?? 15_000
  const queues = new Map<string, { docId: DocId; envelopes: Uint8Array[] }>()
  const listeners = new Set<(s: MailboxStatus) => void>()
  let registeredWith: MailboxClient | undefined
  let status: MailboxStatus = { state: MailboxState.unknown, deposited: 0, fetched: 0, queued: 0 }
  let chain: Promise<unknown> = Promise.resolve()

  const queued = (): number => [...queues.values()].reduce((n, q) => n + q.envelopes.length, 0)
  const set = (patch: Partial<MailboxStatus>): void => {
    status = { ...status, ...patch, queued: queued() }
    for (const l of listeners) l(status)
  }
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const next = chain.then(task, task)
    chain = next.catch(() => undefined)
    return next
  }
  const failed = (err: unknown): never => {
    set({ state: MailboxState.unreachable, lastError: err instanceof Error ? err.name : 'Error' })
    throw err
  }

  async function register(client: MailboxClient, signal?: AbortSignal): Promise<void> {
    const parties = await components.parties()
    const secret = await components.ownerSecretKey()
    try {
      for (const doc of components.docs) {
        const now = clock()
        const registration = signRegistration({ docId: doc.docId, version: now, issuedAt: now, parties }, secret)
        try {
          await client.register(registration, { timeoutMs, ...(signal === undefined ? {} : { signal }) })
        } catch (err) {
          // another of the person's devices registered a newer list: that one stands
          if (!(err instanceof MailboxStaleRegistrationError)) throw err
        }
      }
    } finally {
      secret.fill(0)
    }
    registeredWith = client
  }

  async function depositQueued(client: MailboxClient, signal?: AbortSignal): Promise<void> {
    for (const [hex, q] of queues) {
      if (q.envelopes.length === 0) continue
      const batch = q.envelopes.slice()
      let result: { stored: number }
      try {
        result = await client.deposit(q.docId, batch, { timeoutMs, ...(signal === undefined ? {} : { signal }) })
      } catch (err) {
        // the mailbox will never take these (too large, or refused); they stay in the local
        // store and reach the other devices by direct sync, so waiting would only block the rest
        if (!(err instanceof MailboxMessageTooLargeError || err instanceof MailboxEnvelopeRefusedError)) throw err
        console.warn(`mailbox: ${batch.length} envelopes not taken (${err.name}); they go by direct sync`)
        q.envelopes.splice(0, batch.length)
        if (q.envelopes.length === 0) queues.delete(hex)
        continue
      }
      // what was queued meanwhile stays
      q.envelopes.splice(0, batch.length)
      if (q.envelopes.length === 0) queues.delete(hex)
      set({ deposited: status.deposited + result.stored })
    }
  }

  return {
    status: () => status,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    queue(docId, envelope) {
      const hex = toHex(docId)
      let q = queues.get(hex)
      if (q === undefined) queues.set(hex, (q = { docId, envelopes: [] }))
      q.envelopes.push(envelope)
      if (q.envelopes.length > maxQueued) q.envelopes.shift()
      set({})
    },
    sync: (client, signal) =>
      serial(async () => {
        try {
          if (registeredWith !== client) await register(client, signal)
          let fetched = 0
          for (const doc of components.docs) {
            const { envelopes } = await client.fetch(doc.docId, { vector: doc.persistence.vector(), timeoutMs, ...(signal === undefined ? {} : { signal }) })
            if (envelopes.length === 0) continue
            const report = await doc.persistence.receive(envelopes)
            fetched += report.applied
            if (report.problems.length > 0) console.warn(`mailbox: ${report.problems.length} fetched envelopes refused:`, report.problems.map((p) => p.error).join(', '))
          }
          set({ fetched: status.fetched + fetched, lastFetchAt: clock() })
          await depositQueued(client, signal)
          set({ state: MailboxState.reachable })
        } catch (err) {
          failed(err)
        }
      }),
    deposit: (client, signal) =>
      serial(async () => {
        try {
          if (registeredWith !== client) await register(client, signal)
          await depositQueued(client, signal)
          set({ state: MailboxState.reachable })
        } catch (err) {
          failed(err)
        }
      }),
    reregister() {
      registeredWith = undefined
    }
  }
}
