/**
 * A compartment (DESIGN §4): one Y.Doc with its own 16-byte id, holding FHIR resources and
 * time series. This is the object the persistence and sync layers bind to: local updates
 * out through `onUpdate`, stored and remote updates in through `applyUpdate`, full state
 * through `encodeState`, and completeness through `pending`/`isComplete`.
 *
 * Completeness: Yjs keeps an update whose dependencies (earlier updates of the same
 * author) have not arrived in `doc.store.pendingStructs`, and deletions of items it does
 * not have yet in `doc.store.pendingDs`; neither is visible in the doc. While either is
 * set the compartment is incomplete, and a UI must say so rather than show "none".
 */
import * as Y from 'yjs'
import { assertBytes, assertFunction, assertUint, toHex, type DocId } from '../lib/index.ts'
import { UpdateFormatError } from './errors.ts'
import { isCompartmentKind, type CompartmentKind } from './kinds.ts'
import { LOCAL_ORIGIN } from './origin.ts'
import { ResourceStoreImpl, type ResourceStore } from './resources.ts'
import { SeriesStoreImpl, type SeriesStore } from './series.ts'
import { DEFAULT_MAX_RESOURCE_BYTES } from './validate.ts'
import { encodeStateParts, stateMatchesDoc, stateMatchesParts } from './updates.ts'

/** Options of `createCompartment`. */
export interface CompartmentInit {
  /** Which compartment of the record this is. */
  kind: CompartmentKind
  /** Its 16-byte id. */
  docId: DocId
  /** Wall clock in ms, for `meta.lastUpdated` and compaction. @default Date.now */
  clock?: () => number
  /** Yjs client id of this replica (tests pin it to order concurrent writes). @default random */
  clientId?: number
  /** Cap on one resource's serialised JSON, in bytes. @default 1 MiB */
  maxResourceBytes?: number
  /** Buffered samples that trigger a flush on append. @default 100_000 */
  maxBufferedSamples?: number
}

/**
 * Called with each update of the doc. `local` is true for changes made through this
 * compartment (origin `LOCAL_ORIGIN`): the Yjs update of the transaction. For an update
 * given to `applyUpdate` that changed the doc, `local` is false and `update` is the bytes
 * given, with their origin. Those bytes are lent for the call only: opening a stored
 * snapshot reuses a part's buffer for the next part once it is applied (copy to keep).
 */
export type UpdateListener = (update: Uint8Array, origin: unknown, local: boolean) => void

/** What the doc is waiting for. */
export interface PendingState {
  /** No pending structs and no pending deletions. */
  readonly complete: boolean
  /** Yjs client id → the clock of the first missing struct that pending updates depend on. */
  readonly missing: ReadonlyMap<number, number>
  /** Whether deletions of not-yet-received items are pending. */
  readonly pendingDeletes: boolean
}

/** One compartment: a Y.Doc with typed FHIR resources and time series. */
export interface Compartment {
  readonly kind: CompartmentKind
  readonly docId: DocId
  /** FHIR resources. */
  readonly resources: ResourceStore
  /** Time series. */
  readonly series: SeriesStore
  /**
   * Subscribes to every update of the doc; returns the unsubscribe function.
   * @throws {TypeError} if `listener` is not a function.
   */
  onUpdate(listener: UpdateListener): () => void
  /**
   * Applies a stored or remote update. `origin` (anything but `LOCAL_ORIGIN`) is passed to
   * update listeners with `local === false`. Afterwards, values that the update displaced
   * are kept (history, series samples: see resources.ts, series.ts), which may emit local
   * updates, and completeness listeners hear of any change.
   * @throws {TypeError} if `update` is not a Uint8Array, `origin` is `LOCAL_ORIGIN`, or it is called inside `batch()`.
   * @throws {UpdateFormatError} if Yjs cannot decode it.
   */
  applyUpdate(update: Uint8Array, origin: unknown): void
  /**
   * Runs `fn` in one transaction: everything it writes becomes ONE update (e.g. an import).
   * `fn` must not call `applyUpdate` on this compartment.
   * @throws Whatever `fn` throws (changes made before the throw stay).
   */
  batch<T>(fn: () => T): T
  /**
   * The whole state as one update (pending updates included). Flushes buffered samples first,
   * which emits their update, so a snapshot never misses them.
   * @throws Never.
   */
  encodeState(): Uint8Array
  /**
   * Whether `state` (e.g. a snapshot about to replace the update log) decodes to exactly this
   * compartment's current state: same state vector, deletions, pending parts and values.
   * Buffered samples are not part of the state until flushed.
   * @throws {TypeError} if `state` is not a Uint8Array.
   */
  stateMatches(state: Uint8Array): boolean
  /**
   * The whole state as several updates of about `target` bytes, applied in order (see
   * `encodeStateParts`); `undefined` while updates are pending. Flushes buffered samples first.
   * @throws {RangeError} if `target` is not a positive integer.
   */
  encodeStateParts(target: number): Uint8Array[] | undefined
  /**
   * Whether `parts`, applied in order, give exactly this compartment's current state.
   * @throws Never.
   */
  stateMatchesParts(parts: readonly Uint8Array[]): boolean
  /**
   * The Yjs state vector.
   * @throws Never.
   */
  stateVector(): Uint8Array
  /**
   * Flushes samples and closes finished series hours (see `SeriesStore.compact`); call it
   * before taking a snapshot. Returns the number of hours closed.
   * @throws Never.
   */
  compact(before?: number): number
  /**
   * What the doc is waiting for.
   * @throws Never.
   */
  pending(): PendingState
  /**
   * Whether nothing is pending: a missing dependency must never read as "no data".
   * @throws Never.
   */
  isComplete(): boolean
  /**
   * Subscribes to completeness changes; returns the unsubscribe function.
   * @throws {TypeError} if `listener` is not a function.
   */
  onCompletenessChange(listener: (complete: boolean) => void): () => void
  /**
   * Flushes buffered samples (emitting their update), then releases the doc and listeners.
   * @throws Never.
   */
  destroy(): void
}

class YCompartment implements Compartment {
  readonly kind: CompartmentKind
  readonly docId: DocId
  readonly resources: ResourceStoreImpl
  readonly series: SeriesStoreImpl
  readonly #doc: Y.Doc
  readonly #updateListeners = new Set<UpdateListener>()
  readonly #completeListeners = new Set<(complete: boolean) => void>()
  #complete = true
  #destroyed = false
  #batchDepth = 0

  constructor(init: CompartmentInit) {
    if (!isCompartmentKind(init.kind)) throw new RangeError(`kind: not a compartment kind: ${String(init.kind)}`)
    assertBytes(init.docId, 'docId', 16)
    const clock = init.clock ?? Date.now
    assertFunction(clock, 'clock')
    const maxResourceBytes = init.maxResourceBytes ?? DEFAULT_MAX_RESOURCE_BYTES
    assertUint(maxResourceBytes, 'maxResourceBytes', 1)
    const maxBufferedSamples = init.maxBufferedSamples ?? 100_000
    assertUint(maxBufferedSamples, 'maxBufferedSamples', 1)
    this.kind = init.kind
    this.docId = init.docId
    this.#doc = new Y.Doc({ guid: toHex(init.docId) })
    if (init.clientId !== undefined) {
      assertUint(init.clientId, 'clientId', 0, 0xffffffff)
      this.#doc.clientID = init.clientId
    }
    this.resources = new ResourceStoreImpl({ doc: this.#doc, clock, maxResourceBytes })
    this.series = new SeriesStoreImpl({ doc: this.#doc, clock, maxBufferedSamples })
    this.#doc.on('update', this.#onYUpdate)
  }

  readonly #onYUpdate = (update: Uint8Array, origin: unknown, _doc: Y.Doc, tr: Y.Transaction): void => {
    for (const l of [...this.#updateListeners]) l(update, origin, tr.local)
  }

  onUpdate(listener: UpdateListener): () => void {
    assertFunction(listener, 'listener')
    this.#updateListeners.add(listener)
    return () => this.#updateListeners.delete(listener)
  }

  applyUpdate(update: Uint8Array, origin: unknown): void {
    assertBytes(update, 'update')
    // Yjs would mark the enclosing local transaction as remote: its changes would never be sent
    if (this.#batchDepth > 0) throw new TypeError('applyUpdate: not allowed inside batch()')
    if (origin === LOCAL_ORIGIN) throw new TypeError('origin: LOCAL_ORIGIN is reserved for changes made through the compartment')
    // While a given update is applied, Yjs is not asked to re-encode what it integrated (for a
    // snapshot, as long as decoding it): listeners get the bytes given, if they changed the doc.
    let changed = false
    const watch = (tr: Y.Transaction): void => {
      if (tr.deleteSet.clients.size > 0) changed = true
      for (const [client, clock] of tr.afterState) if (tr.beforeState.get(client) !== clock) changed = true
    }
    this.#doc.off('update', this.#onYUpdate)
    this.#doc.on('afterTransaction', watch)
    try {
      Y.applyUpdate(this.#doc, update, origin)
    } catch (err) {
      throw new UpdateFormatError(`update: not a well-formed Yjs update (${err instanceof Error ? err.message : String(err)})`, { cause: err })
    } finally {
      this.#doc.off('afterTransaction', watch)
      this.#doc.on('update', this.#onYUpdate)
      if (changed) for (const l of [...this.#updateListeners]) l(update, origin, false)
      this.resources.repair()
      this.series.repair()
      this.#checkComplete()
    }
  }

  batch<T>(fn: () => T): T {
    assertFunction(fn, 'fn')
    let out: T | undefined
    this.#batchDepth++
    try {
      this.#doc.transact(() => {
        out = fn()
      }, LOCAL_ORIGIN)
    } finally {
      this.#batchDepth--
    }
    return out as T
  }

  encodeState(): Uint8Array {
    this.series.flush()
    return Y.encodeStateAsUpdate(this.#doc)
  }

  stateMatches(state: Uint8Array): boolean {
    assertBytes(state, 'state')
    return stateMatchesDoc(this.#doc, state)
  }

  encodeStateParts(target: number): Uint8Array[] | undefined {
    this.series.flush()
    return encodeStateParts(this.#doc, target)
  }

  stateMatchesParts(parts: readonly Uint8Array[]): boolean {
    return stateMatchesParts(this.#doc, parts)
  }

  stateVector(): Uint8Array {
    return Y.encodeStateVector(this.#doc)
  }

  compact(before?: number): number {
    return this.series.compact(before)
  }

  pending(): PendingState {
    const ps = this.#doc.store.pendingStructs
    const pendingDeletes = this.#doc.store.pendingDs !== null
    return { complete: ps === null && !pendingDeletes, missing: new Map(ps?.missing ?? []), pendingDeletes }
  }

  isComplete(): boolean {
    return this.#doc.store.pendingStructs === null && this.#doc.store.pendingDs === null
  }

  onCompletenessChange(listener: (complete: boolean) => void): () => void {
    assertFunction(listener, 'listener')
    this.#completeListeners.add(listener)
    return () => this.#completeListeners.delete(listener)
  }

  #checkComplete(): void {
    const now = this.isComplete()
    if (now === this.#complete) return
    this.#complete = now
    for (const l of [...this.#completeListeners]) l(now)
  }

  destroy(): void {
    if (this.#destroyed) return
    this.#destroyed = true
    this.series.flush()
    this.#doc.destroy()
    this.#updateListeners.clear()
    this.#completeListeners.clear()
  }
}

/**
 * Creates an empty compartment; load it by applying stored updates or a snapshot.
 * @throws {RangeError} if `kind` is not a compartment kind, `docId` is not 16 bytes, or a numeric option is out of range.
 * @throws {TypeError} if `docId` is not a Uint8Array, `clock` not a function, or a numeric option not an integer.
 * @example const vitals = createCompartment({ kind: 'vitals', docId: randomDocId() })
 */
export function createCompartment(init: CompartmentInit): Compartment {
  return new YCompartment(init)
}
