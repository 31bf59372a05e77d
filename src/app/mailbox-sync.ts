/**
 * The record's use of the relays' blind mailboxes (DESIGN §7, `/phr/mailbox/1`): register
 * every compartment with a signed list (the person's own devices), deposit whatever of this
 * device's envelopes a mailbox does not hold yet while another of the person's devices is
 * away, and fetch what was missed on start and on every reconnect, through the persistence
 * receive pipeline (size cap, signature, sequence, then decrypt) like anything from a peer.
 *
 * What to deposit is read from the local store, above a mark per mailbox and compartment
 * kept in the sealed vault, so nothing waits in memory: changes made offline, in an app
 * closed before it reconnected, are deposited on the next connection.
 *
 * One call at a time; a failure leaves the marks where they were, for the next attempt.
 */
import { toHex, type DocId } from '../lib/index.ts'
import { MailboxEnvelopeRefusedError, MailboxMessageTooLargeError, MailboxStaleRegistrationError, signRegistration, type MailboxClient, type MailboxParty } from '../sync/index.ts'
import type { Persistence } from '../storage/index.ts'
import type { DepositMarks } from './vault-items.ts'

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
  /** Envelopes of this device the mailbox does not hold yet, while another device is away (as of the last attempt). */
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

/** This device's own envelopes of one compartment above a seq, as the local store holds them. */
export interface Backlog {
  /** Oldest first, each with its seq (this device's own snapshot when one replaced them). */
  readonly items: ReadonlyArray<{ readonly bytes: Uint8Array; readonly seq: number }>
  /** The highest own seq the store accounts for (also what another device's snapshot covers). */
  readonly upTo: number
}

/** A mailbox: its relay's PeerId (the key of its deposit marks) and a client for it. */
export interface MailboxTarget {
  readonly id: string
  readonly client: MailboxClient
}

/** What the mailbox sync is given. */
export interface AppMailboxComponents {
  readonly docs: readonly MailboxDoc[]
  /** The person's root secret key (signs registrations; used, then wiped). */
  ownerSecretKey(): Promise<Uint8Array>
  /** Who besides the owner's certified devices is listed: the person's own devices, by PeerId. */
  parties(): Promise<MailboxParty[]>
  /** This device's highest seq in a compartment. */
  ownSeq(docId: DocId): number
  /** This device's envelopes of a compartment above `afterSeq`, from the local store. */
  backlog(docId: DocId, afterSeq: number): Promise<Backlog>
  /** How far each mailbox holds this device's envelopes (durable). */
  marks(): Promise<DepositMarks>
  /** Raises a mark (durably) after a deposit. */
  markDeposited(mailbox: string, docHex: string, seq: number): Promise<void>
  /** Whether one of the person's devices is away now: only then do deposits happen. */
  wanted(): boolean
  /**
   * Called when a fetch applied envelopes of another device to a compartment and none of
   * them waits behind a gap: what the mailbox held of it has arrived. @default nothing
   */
  arrived?(docHex: string): void
}

/** Options. */
export interface AppMailboxInit {
  /** Wall clock (ms); also the registration version, so a newer list replaces an older one. @default Date.now */
  clock?: () => number
  /** Envelopes per deposit call at most. @default 128 */
  maxBatch?: number
  /** Bytes per deposit call at most (one larger envelope still goes alone). @default 1 MiB */
  maxBatchBytes?: number
  /** Timeout of each call, ms. @default 15000 */
  timeoutMs?: number
}

/** The mailbox sync of an open record. */
export interface AppMailbox {
  status(): MailboxStatus
  subscribe(listener: (s: MailboxStatus) => void): () => void
  /** Registers (once per client, or again after `reregister`), fetches every compartment, deposits what the mailbox lacks. */
  sync(mailbox: MailboxTarget, signal?: AbortSignal): Promise<void>
  /** Deposits what the mailbox lacks now (nothing while no other device is away). */
  deposit(mailbox: MailboxTarget, signal?: AbortSignal): Promise<void>
  /** The list of parties changed: register again on the next `sync`. */
  reregister(): void
}

/** Creates the mailbox sync of an open record. */
export function createAppMailbox(components: AppMailboxComponents, init: AppMailboxInit = {}): AppMailbox {
  const clock = init.clock ?? Date.now
  const maxBatch = init.maxBatch ?? 128
  const maxBatchBytes = init.maxBatchBytes ?? 1 << 20
  const timeoutMs = init.timeoutMs ?? 15_000
  const listeners = new Set<(s: MailboxStatus) => void>()
  const registeredWith = new Set<MailboxClient>()
  let status: MailboxStatus = { state: MailboxState.unknown, deposited: 0, fetched: 0, queued: 0 }
  let chain: Promise<unknown> = Promise.resolve()

  const set = (patch: Partial<MailboxStatus>): void => {
    status = { ...status, ...patch }
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
  const opts = (signal?: AbortSignal): { timeoutMs: number; signal?: AbortSignal } => (signal === undefined ? { timeoutMs } : { timeoutMs, signal })

  async function register(client: MailboxClient, signal?: AbortSignal): Promise<void> {
    const parties = await components.parties()
    const secret = await components.ownerSecretKey()
    try {
      for (const doc of components.docs) {
        const now = clock()
        const registration = signRegistration({ docId: doc.docId, version: now, issuedAt: now, parties }, secret)
        try {
          await client.register(registration, opts(signal))
        } catch (err) {
          // another of the person's devices registered a newer list: that one stands
          if (!(err instanceof MailboxStaleRegistrationError)) throw err
        }
      }
    } finally {
      secret.fill(0)
    }
    registeredWith.add(client)
  }

  /** What the mailbox lacks, per compartment, by its marks. */
  async function lacking(id: string): Promise<Array<{ doc: MailboxDoc; hex: string; mark: number }>> {
    const marks = (await components.marks()).get(id)
    const out: Array<{ doc: MailboxDoc; hex: string; mark: number }> = []
    for (const doc of components.docs) {
      const hex = toHex(doc.docId)
      const mark = marks?.get(hex) ?? 0
      if (components.ownSeq(doc.docId) > mark) out.push({ doc, hex, mark })
    }
    return out
  }

  async function depositLacking({ id, client }: MailboxTarget, signal?: AbortSignal): Promise<void> {
    if (!components.wanted()) {
      set({ queued: 0 })
      return
    }
    const todo = await lacking(id)
    let left = todo.reduce((n, t) => n + components.ownSeq(t.doc.docId) - t.mark, 0)
    set({ queued: left })
    for (const { doc, hex, mark } of todo) {
      const { items, upTo } = await components.backlog(doc.docId, mark)
      for (let at = 0; at < items.length; ) {
        const batch: Uint8Array[] = []
        let bytes = 0
        let seq = mark
        while (at < items.length && batch.length < maxBatch) {
          const item = items[at] as { bytes: Uint8Array; seq: number }
          if (batch.length > 0 && bytes + item.bytes.length > maxBatchBytes) break
          batch.push(item.bytes)
          bytes += item.bytes.length
          seq = Math.max(seq, item.seq)
          at++
        }
        try {
          const result = await client.deposit(doc.docId, batch, opts(signal))
          set({ deposited: status.deposited + result.stored })
        } catch (err) {
          // the mailbox will never take these (too large, or refused); they stay in the local
          // store and reach the other devices by direct sync, so waiting would only block the rest
          if (!(err instanceof MailboxMessageTooLargeError || err instanceof MailboxEnvelopeRefusedError)) throw err
          console.warn(`mailbox: ${batch.length} envelopes not taken (${err.name}); they go by direct sync`)
        }
        await components.markDeposited(id, hex, seq)
        left = Math.max(0, left - batch.length)
        set({ queued: left })
      }
      // covered by a snapshot this device cannot deposit (another device's), or nothing held
      if (upTo > mark) await components.markDeposited(id, hex, upTo)
    }
    set({ queued: 0 })
  }

  return {
    status: () => status,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    sync: (target, signal) =>
      serial(async () => {
        try {
          if (!registeredWith.has(target.client)) await register(target.client, signal)
          let fetched = 0
          for (const doc of components.docs) {
            const { envelopes } = await target.client.fetch(doc.docId, { vector: doc.persistence.vector(), ...opts(signal) })
            if (envelopes.length === 0) continue
            const report = await doc.persistence.receive(envelopes)
            fetched += report.applied
            if (report.applied > 0 && report.held === 0) components.arrived?.(toHex(doc.docId))
            if (report.problems.length > 0) console.warn(`mailbox: ${report.problems.length} fetched envelopes refused:`, report.problems.map((p) => p.error).join(', '))
          }
          set({ state: MailboxState.reachable, fetched: status.fetched + fetched, lastFetchAt: clock() })
          await depositLacking(target, signal)
          set({ state: MailboxState.reachable })
        } catch (err) {
          failed(err)
        }
      }),
    deposit: (target, signal) =>
      serial(async () => {
        try {
          if (!registeredWith.has(target.client)) await register(target.client, signal)
          await depositLacking(target, signal)
          set({ state: MailboxState.reachable })
        } catch (err) {
          failed(err)
        }
      }),
    reregister() {
      // a new list of parties: every mailbox gets it on its next call
      registeredWith.clear()
    }
  }
}
