/**
 * The persistence binding: keeps one compartment (a CRDT doc) in an `EnvelopeStore`.
 *
 * - Local updates are batched (a burst of changes becomes one envelope), sealed under the
 *   doc's current epoch key, signed by this device, and appended; `whenSaved()` resolves
 *   once the store's transaction has committed.
 * - `load()` reads the newest snapshot plus later envelopes and applies them. A stored
 *   envelope that fails its check is reported by name and skipped; the rest still opens.
 * - `receive()` is the receive pipeline for envelopes from peers, in DESIGN §5's order:
 *   size cap → parse → author allowed → signature → seq (duplicates dropped, gaps held)
 *   → decrypt → store → apply. In-memory state changes only after the store committed.
 * - `compact()` writes a compressed snapshot of the whole state, after checking that it
 *   decodes to the same state (`sealSnapshot` also checks that the payload inflates back
 *   to exactly those bytes), and lets the store drop the envelopes it covers. Compression
 *   lives in the envelope layer and is for snapshots only (see `envelope/compression.ts`);
 *   opening inflates them after the signature and tag checks, under `maxInflatedBytes`.
 *
 * The doc is reached only through `PersistableDoc` (its update hook and apply), so this
 * layer never imports the CRDT library.
 */
import { authorHex, equalBytes, toHex, EnvelopeFormatError, type DocId } from '../lib/index.ts'
import {
  createSequenceTracker,
  DEFAULT_MAX_ENVELOPE_BYTES,
  DEFAULT_MAX_INFLATED_BYTES,
  MAX_PART_BYTES,
  openEnvelopeParts,
  parseEnvelopeHeader,
  sealEnvelopeAsync,
  sealSnapshot,
  sealSnapshotParts,
  SEGMENT_BYTES,
  type EnvelopeHeader,
  type SequenceTracker
} from '../envelope/index.ts'
import type { EnvelopeStore, StoredDoc } from './port.ts'
import { MAX_SNAPSHOT_BYTES } from './entries.ts'
import { SnapshotMismatchError } from './errors.ts'

/** What the binding needs from a compartment's doc. */
export interface PersistableDoc {
  /** Calls `listener` for every update to the doc, with the origin it was applied with. */
  onUpdate(listener: (update: Uint8Array, origin: unknown) => void): () => void
  /** Applies an update (from storage or a peer) under `origin`. */
  applyUpdate(update: Uint8Array, origin: unknown): void
  /** The whole state as one update. */
  encodeState(): Uint8Array
  /** Several updates merged into one. */
  mergeUpdates(updates: Uint8Array[]): Uint8Array
  /** Whether a whole-state update decodes to exactly this doc's current state. */
  stateMatches(state: Uint8Array): boolean
  /**
   * The whole state as several updates applied in order, or `undefined` when it must be
   * one (then compaction seals one). Without it, snapshots are one update.
   */
  encodeStateParts?(target: number): Uint8Array[] | undefined
  /** Whether parts from `encodeStateParts`, applied in order, give exactly the current state. */
  stateMatchesParts?(parts: readonly Uint8Array[]): boolean
}

/** The keys of one doc as this device holds them. */
export interface DocKeys {
  /** This device's signing key pair: the author of what it writes. */
  author: { publicKey: Uint8Array; secretKey: Uint8Array }
  /** The epoch and key that new envelopes are sealed under. */
  sealing(): { epoch: number; key: Uint8Array }
  /** The key of an epoch of this doc; `undefined` when not held (opening then fails closed). */
  epochKey(docId: Uint8Array, epoch: number): Uint8Array | undefined
  /** Whether `author` may write this doc at the header's epoch. @default every author */
  isAllowed?(author: Uint8Array, header: EnvelopeHeader): boolean
}

/** Options of the binding. */
export interface PersistenceInit {
  docId: DocId
  doc: PersistableDoc
  store: EnvelopeStore
  keys: DocKeys
  /** How long local updates gather before they are sealed as one envelope. @default 200 */
  batchMs?: number
  /**
   * Pending local update bytes that trigger an immediate save, and the most one envelope
   * seals when updates can be split. 32 KiB: merged, encrypted and signed in a few ms in
   * Chromium, and in 20–45 ms the first time on a page (the pure-JavaScript ciphers are not
   * compiled yet; 64 KiB took 45–90 ms then). @default 32768
   */
  maxBatchBytes?: number
  /** Size cap of an update envelope. @default 4 MiB (the envelope default) */
  maxEnvelopeBytes?: number
  /**
   * Size cap of a snapshot envelope (a whole compartment: the vitals of ten years are 43 MB
   * of state, about 3 MB compressed). Checked from the header's kind before anything else
   * is parsed; the state a compressed one inflates to has its own cap, `maxInflatedBytes`.
   * @default MAX_SNAPSHOT_BYTES (256 MiB)
   */
  maxSnapshotBytes?: number
  /**
   * Cap on the state a compressed snapshot may inflate to (a decompression bomb is refused
   * with `InflatedTooLargeError`). @default DEFAULT_MAX_INFLATED_BYTES (256 MiB)
   */
  maxInflatedBytes?: number
  /** Whether `compact()` compresses the snapshot it writes. @default true */
  compressSnapshots?: boolean
}

/** One stored or received envelope that could not be used. */
export interface EnvelopeProblem {
  /** Author hex and seq when the header could be read. */
  author?: string
  seq?: number
  /** The named error, e.g. `SignatureInvalidError`. */
  error: string
  message: string
}

/** Stored envelopes opened at once at most (see `openAhead`), and their bytes at most. */
const OPEN_AHEAD = 32
const OPEN_AHEAD_BYTES = 4 * 1024 * 1024

/** Stored updates up to this size are merged with their neighbours before being applied. */
const MERGE_MAX_BYTES = 64 * 1024
/** Most bytes of updates merged into one. */
const MERGE_RUN_BYTES = 4 * 1024 * 1024

/** Longest run of applying received updates before the page gets the thread back, ms. */
const APPLY_SLICE_MS = 8

/** Resolves in a new task (after input and paint had their turn). */
const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

/** What `load()` found. */
export interface LoadReport {
  snapshot: boolean
  envelopes: number
  problems: EnvelopeProblem[]
}

/** What `receive()` did with a batch. */
export interface ReceiveReport {
  applied: number
  duplicates: number
  /** Held until the gap before them is filled. */
  held: number
  problems: EnvelopeProblem[]
}

/** Options of `Persistence.load`. */
export interface LoadOptions {
  /** What the store holds for this doc, read already (e.g. to weigh several docs' progress). @default read from the store */
  stored?: StoredDoc
  /**
   * Called as the stored bytes are applied: how many of them (ciphertext; a snapshot in
   * parts counts part by part) out of all. Ends at `total` unless loading throws.
   */
  onProgress?: (done: number, total: number) => void
}

/** A compartment kept in a store. */
export interface Persistence {
  load(opts?: LoadOptions): Promise<LoadReport>
  /** Seals and stores pending local updates now. */
  flush(): Promise<void>
  /** Resolves when every local update made so far is committed; rejects if saving failed. */
  whenSaved(): Promise<void>
  /** Verifies and applies envelopes from a peer; stores before applying. */
  receive(envelopes: readonly Uint8Array[]): Promise<ReceiveReport>
  /** Writes a snapshot of the whole state and drops what it covers. @returns envelopes removed */
  compact(): Promise<number>
  /** The vector of what has been applied: author hex → highest contiguous seq. */
  vector(): Map<string, number>
  /** Envelopes held in memory for a gap before them. */
  readonly held: number
  /** Calls `listener` with each envelope this device sealed and stored (for live sync). */
  onSealed(listener: (envelope: Uint8Array) => void): () => void
  /**
   * Calls `listener` with every batch of envelopes newly stored for this doc — sealed here,
   * received from a peer, or a snapshot written by `compact()` — once the store has
   * committed them, so that live sync can forward what one peer sent to the others.
   * Duplicates and envelopes still held behind a gap are not reported (they are not stored).
   * A listener must not throw; it is called inside the save/receive sequence.
   */
  onStored(listener: (envelopes: readonly Uint8Array[]) => void): () => void
  /** Flushes and stops listening to the doc. */
  close(): Promise<void>
}

/** An envelope waiting in seq order; `plaintext` once opened. */
interface Held {
  bytes: Uint8Array
  header: EnvelopeHeader
  /** The Yjs updates it holds, in order (several for a snapshot in parts). */
  updates?: Uint8Array[]
}

/** Marks updates that came from storage or peers, so they are not sealed again. */
const FROM_STORE = Symbol('phr-persistence')

function problemOf(err: unknown, header?: { author: Uint8Array; seq: number }): EnvelopeProblem {
  const e = err instanceof Error ? err : new Error(String(err))
  return { ...(header === undefined ? {} : { author: toHex(header.author), seq: header.seq }), error: e.name, message: e.message }
}

/** Binds `init.doc` to `init.store`. Call `load()` before making changes. */
export function createPersistence(init: PersistenceInit): Persistence {
  const { docId, doc, store, keys } = init
  const batchMs = init.batchMs ?? 200
  const maxBatchBytes = init.maxBatchBytes ?? 32 * 1024
  const me = authorHex(keys.author.publicKey)
  const openKeys = { epochKey: (d: Uint8Array, e: number) => keys.epochKey(d, e) }
  const maxUpdate = init.maxEnvelopeBytes ?? DEFAULT_MAX_ENVELOPE_BYTES
  const maxSnapshot = init.maxSnapshotBytes ?? MAX_SNAPSHOT_BYTES
  const maxInflatedBytes = init.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES
  const compress = init.compressSnapshots ?? true
  const isAllowed = keys.isAllowed?.bind(keys)
  /**
   * Opens with the size cap of the envelope's kind (read from its header first) and hands
   * its updates to `onUpdate` in order (a snapshot in parts: each part once inflated).
   */
  const openEach = (bytes: Uint8Array, onUpdate: (update: Uint8Array, share: number) => void, transientParts = false): Promise<EnvelopeHeader> => {
    const kind = parseEnvelopeHeader(bytes, { maxBytes: Math.max(maxUpdate, maxSnapshot) }).kind
    const maxBytes = kind === 'snapshot' ? maxSnapshot : maxUpdate
    return openEnvelopeParts(bytes, openKeys, { maxBytes, maxInflatedBytes, transientParts, ...(isAllowed === undefined ? {} : { isAllowed }) }, onUpdate)
  }
  /** Opens an envelope whole: its header and its updates. */
  const open = async (bytes: Uint8Array): Promise<{ header: EnvelopeHeader; updates: Uint8Array[] }> => {
    const updates: Uint8Array[] = []
    const header = await openEach(bytes, (u) => void updates.push(u))
    return { header, updates }
  }
  /**
   * Opens `list` a few envelopes ahead of the caller: `next()` answers each in order, opened
   * or with its error. At most `OPEN_AHEAD` envelopes, or `OPEN_AHEAD_BYTES`, are in flight.
   */
  const openAhead = (list: readonly Uint8Array[]): { next(): Promise<{ header: EnvelopeHeader; updates: Uint8Array[] } | { error: unknown }> } => {
    const inFlight: Array<Promise<{ header: EnvelopeHeader; updates: Uint8Array[] } | { error: unknown }>> = []
    let started = 0
    let taken = 0
    let bytes = 0
    const fill = (): void => {
      while (started < list.length && (started === taken || (started - taken < OPEN_AHEAD && bytes < OPEN_AHEAD_BYTES))) {
        const b = list[started++] as Uint8Array
        bytes += b.length
        inFlight.push(open(b).catch((error: unknown) => ({ error })))
      }
    }
    return {
      next() {
        fill()
        const b = list[taken++] as Uint8Array
        bytes -= b.length
        return inFlight.shift() as (typeof inFlight)[number]
      }
    }
  }

  /**
   * Applies stored updates in order, runs of small ones merged into one update: a day's
   * 500 envelopes applied one by one were 500 transactions, each running the doc's
   * observers and checks. Merging is exact (a Yjs update merge gives the state applying
   * them one after another gives). Should a run not merge or apply, its updates go one by
   * one, and one that does not apply is named in `problems` (Yjs updates are idempotent,
   * so what a failed merged apply integrated is not applied twice).
   */
  const applyMerged = (updates: readonly { update: Uint8Array; header: EnvelopeHeader }[], problems: EnvelopeProblem[]): void => {
    const applyOne = (u: { update: Uint8Array; header: EnvelopeHeader }): void => {
      try {
        doc.applyUpdate(u.update, FROM_STORE)
      } catch (err) {
        problems.push(problemOf(err, u.header))
      }
    }
    let run: { update: Uint8Array; header: EnvelopeHeader }[] = []
    let runBytes = 0
    const flushRun = (): void => {
      if (run.length === 1) applyOne(run[0] as (typeof run)[number])
      else if (run.length > 1) {
        try {
          doc.applyUpdate(doc.mergeUpdates(run.map((u) => u.update)), FROM_STORE)
        } catch {
          for (const u of run) applyOne(u)
        }
      }
      run = []
      runBytes = 0
    }
    for (const u of updates) {
      // a big update (a snapshot's part) is applied on its own: merging would decode and
      // encode it once more
      if (u.update.length > MERGE_MAX_BYTES) {
        flushRun()
        applyOne(u)
        continue
      }
      if (runBytes + u.update.length > MERGE_RUN_BYTES) flushRun()
      run.push(u)
      runBytes += u.update.length
    }
    flushRun()
  }

  let tracker: SequenceTracker<Held> = createSequenceTracker()
  let nextSeq = 1
  let pending: Uint8Array[] = []
  let pendingBytes = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let chain: Promise<void> = Promise.resolve()
  let lastError: unknown
  const sealedListeners = new Set<(envelope: Uint8Array) => void>()
  const storedListeners = new Set<(envelopes: readonly Uint8Array[]) => void>()
  const stored = (envelopes: readonly Uint8Array[]): void => {
    for (const l of storedListeners) l(envelopes)
  }

  const unsubscribe = doc.onUpdate((update, origin) => {
    if (origin === FROM_STORE) return
    pending.push(update)
    pendingBytes += update.length
    if (pendingBytes >= maxBatchBytes) void flush()
    else if (timer === undefined) timer = setTimeout(() => void flush(), batchMs)
  })

  /** Runs `fn` after everything queued before it (saves, receives, compactions). */
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = chain.then(fn)
    chain = run.then(
      () => undefined,
      () => undefined
    )
    return run
  }

  /**
   * Groups pending updates so that each sealed envelope stays under `maxBatchBytes` (a burst
   * of small updates becomes one envelope; an import of megabytes becomes envelopes of
   * 32 KiB, each sealed in a task of its own) and always under the update cap. A single
   * update larger than that is sealed on its own: beyond the cap it is kept locally and reaches
   * peers inside the next snapshot.
   */
  function groups(updates: Uint8Array[]): Uint8Array[][] {
    const budget = Math.min(maxUpdate - 4096, maxBatchBytes) // header, nonce, tag and signature
    const out: Uint8Array[][] = []
    let group: Uint8Array[] = []
    let size = 0
    for (const u of updates) {
      if (group.length > 0 && size + u.length > budget) {
        out.push(group)
        group = []
        size = 0
      }
      group.push(u)
      size += u.length
    }
    if (group.length > 0) out.push(group)
    return out
  }

  /**
   * Seals and stores what is pending, one group (one envelope) per task: merging, signing
   * and encrypting an import's megabytes in one go held the page for a quarter of a second. Each envelope counts
   * as saved once its own transaction commits; if one fails, it and the ones after it stay
   * pending for the next attempt.
   */
  function flush(): Promise<void> {
    clearTimeout(timer)
    timer = undefined
    return serial(async () => {
      if (pending.length === 0) return
      // sealed from a task of its own, not inside the task whose change filled the batch
      await nextTask()
      const { epoch, key } = keys.sealing()
      let first = true
      // what is pending now; changes made meanwhile wait for the next flush
      for (const group of groups(pending.slice())) {
        if (!first) await nextTask()
        first = false
        const update = group.length === 1 ? (group[0] as Uint8Array) : doc.mergeUpdates(group)
        const header: EnvelopeHeader = { docId, epoch, author: keys.author.publicKey, seq: nextSeq, kind: 'update' }
        const envelope = await sealEnvelopeAsync(header, update, { epochKey: key, authorSecretKey: keys.author.secretKey })
        try {
          await store.append([envelope])
        } catch (err) {
          // keep this group and the ones after it for the next attempt; whenSaved() reports the failure
          lastError = err
          throw err
        }
        lastError = undefined
        pending = pending.slice(group.length)
        for (const u of group) pendingBytes -= u.length
        nextSeq++
        tracker.offer(header, { bytes: envelope, header })
        for (const l of sealedListeners) l(envelope)
        stored([envelope])
      }
    })
  }

  /** Verifies, decrypts and applies one envelope already in seq order. */
  async function applyEnvelope(bytes: Uint8Array, onShare?: (share: number) => void): Promise<void> {
    // a snapshot in parts: each part is applied while the next ones inflate; applying keeps
    // no reference to a part (Yjs' V1 decoder copies what it keeps), so its buffer is reused
    const header = await openEach(
      bytes,
      (u, share) => {
        doc.applyUpdate(u, FROM_STORE)
        onShare?.(share)
      },
      true
    )
    if (header.kind === 'snapshot' && header.covers !== undefined) tracker.advance(header.covers)
  }

  return {
    load: (opts = {}) =>
      serial(async () => {
        const stored = opts.stored ?? (await store.read(docId))
        const problems: EnvelopeProblem[] = []
        tracker = createSequenceTracker()
        let snapshot = false
        const onProgress = opts.onProgress
        const total = (stored.snapshot?.length ?? 0) + stored.envelopes.reduce((n, b) => n + b.length, 0)
        let done = 0
        if (stored.snapshot !== undefined) {
          const snapBytes = stored.snapshot.length
          let snapShare = 0
          try {
            await applyEnvelope(
              stored.snapshot,
              onProgress === undefined
                ? undefined
                : (share) => {
                    snapShare = Math.min(1, snapShare + share)
                    onProgress(Math.round(snapBytes * snapShare), total)
                  }
            )
            snapshot = true
          } catch (err) {
            problems.push(problemOf(err, safeHeader(stored.snapshot)))
          }
          done = snapBytes
          onProgress?.(done, total)
        }
        let envelopes = 0
        const waiting = new Set<Held>()
        // the updates of the envelopes after the snapshot, applied together (see applyMerged)
        const toApply: { update: Uint8Array; header: EnvelopeHeader }[] = []
        // verify and decrypt before an envelope may advance the vector; several are opened
        // at once (each waits for the platform's signature check), taken in stored order
        const opening = openAhead(stored.envelopes)
        for (const bytes of stored.envelopes) {
          done += bytes.length
          onProgress?.(done, total)
          const opened = await opening.next()
          if ('error' in opened) {
            problems.push(problemOf(opened.error, safeHeader(bytes)))
            continue
          }
          const item: Held = { bytes, header: opened.header, updates: opened.updates }
          waiting.add(item)
          const released = item.header.kind === 'snapshot' ? [item, ...tracker.advance(item.header.covers ?? new Map())] : tracker.offer(item.header, item)
          for (const ready of released) {
            waiting.delete(ready)
            for (const update of ready.updates ?? []) toApply.push({ update, header: ready.header })
            envelopes++
          }
        }
        // What waits behind a gap will not come from this store (the missing one was
        // damaged): apply it anyway so that the rest of the doc opens. The vector stays at
        // the gap, so a peer can still supply the missing envelope; the doc itself reports
        // whatever depends on it as incomplete.
        for (const item of waiting) {
          for (const update of item.updates ?? []) toApply.push({ update, header: item.header })
          envelopes++
        }
        applyMerged(toApply, problems)
        onProgress?.(total, total)
        // never reuse one of our own seqs, even past a damaged or held envelope
        nextSeq = (tracker.vector().get(me) ?? 0) + 1
        for (const h of [stored.snapshot, ...stored.envelopes].map((b) => (b === undefined ? undefined : safeHeader(b)))) {
          if (h !== undefined && toHex(h.author) === me && h.seq >= nextSeq) nextSeq = h.seq + 1
        }
        return { snapshot, envelopes, problems }
      }),
    flush,
    async whenSaved() {
      if (pending.length > 0 || timer !== undefined) await flush()
      await chain
      if (lastError !== undefined) throw lastError instanceof Error ? lastError : new Error('saving failed', { cause: lastError })
    },
    receive: (list) =>
      serial(async () => {
        const report: ReceiveReport = { applied: 0, duplicates: 0, held: 0, problems: [] }
        const ready: Held[] = []
        const saved = tracker.vector()
        for (const bytes of list) {
          try {
            // size cap, parse, author allowed, signature, then decrypt: nothing kept before
            const { header, updates } = await open(bytes)
            if (!equalBytes(header.docId, docId)) throw new EnvelopeFormatError('envelope belongs to another doc')
            const item = { bytes, header, updates }
            if (header.kind === 'snapshot') {
              ready.push(item, ...tracker.advance(header.covers ?? new Map()))
              continue
            }
            if (header.seq <= (tracker.vector().get(toHex(header.author)) ?? 0)) {
              report.duplicates++
              continue
            }
            const released = tracker.offer(header, item)
            if (released.length === 0) report.held++
            ready.push(...released)
          } catch (err) {
            report.problems.push(problemOf(err, safeHeader(bytes)))
          }
        }
        if (ready.length === 0) return report
        try {
          await store.append(ready.map((r) => r.bytes))
        } catch (err) {
          // nothing applied: forget what this batch advanced; peers will send it again
          tracker = createSequenceTracker({ vector: saved })
          throw err
        }
        // a big batch (a whole snapshot from a peer) is applied in slices between which the
        // page handles input and paints; one update (a snapshot part, ~4 MiB) is the smallest slice
        let slice = performance.now()
        for (const r of ready) {
          if (r.updates === undefined) continue
          for (const u of r.updates) {
            if (performance.now() - slice > APPLY_SLICE_MS) {
              await nextTask()
              slice = performance.now()
            }
            doc.applyUpdate(u, FROM_STORE)
          }
          report.applied++
        }
        stored(ready.map((r) => r.bytes))
        return report
      }),
    compact: () =>
      serial(async () => {
        // a big state goes in parts (a reader applies one while the next inflates); a small
        // one, or one with pending updates, as one update
        const parts = compress ? doc.encodeStateParts?.(SEGMENT_BYTES) : undefined
        const inParts = parts !== undefined && parts.length > 1 && parts.every((p) => p.length <= MAX_PART_BYTES)
        const state = inParts ? undefined : doc.encodeState()
        const matches = inParts ? doc.stateMatchesParts?.(parts) === true : doc.stateMatches(state as Uint8Array)
        if (!matches) throw new SnapshotMismatchError('the snapshot does not decode to the current state')
        const covers = tracker.vector()
        const seq = nextSeq
        covers.set(me, seq)
        const { epoch, key } = keys.sealing()
        const header: EnvelopeHeader = { docId, epoch, author: keys.author.publicKey, seq, kind: 'snapshot', covers }
        const sealKeys = { epochKey: key, authorSecretKey: keys.author.secretKey }
        const snapshot = inParts ? await sealSnapshotParts(header, parts, sealKeys) : await sealSnapshot(header, state as Uint8Array, sealKeys, { compress })
        const removed = await store.compact(snapshot)
        nextSeq++
        tracker.advance(covers)
        stored([snapshot])
        return removed
      }),
    vector: () => tracker.vector(),
    get held() {
      return tracker.buffered
    },
    onSealed(listener) {
      sealedListeners.add(listener)
      return () => sealedListeners.delete(listener)
    },
    onStored(listener) {
      storedListeners.add(listener)
      return () => storedListeners.delete(listener)
    },
    async close() {
      await flush()
      unsubscribe()
      sealedListeners.clear()
      storedListeners.clear()
    }
  }
}

function safeHeader(bytes: Uint8Array): EnvelopeHeader | undefined {
  try {
    return parseEnvelopeHeader(bytes, { maxBytes: MAX_SNAPSHOT_BYTES })
  } catch {
    // unreadable header: reported by the caller without an author or seq
    return undefined
  }
}
