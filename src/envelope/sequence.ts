/**
 * Per-doc sequence tracking (DESIGN §5: "seq check (duplicates dropped, gaps buffered)").
 *
 * Each author's `seq` starts at 1 and increases by exactly 1. The tracker releases an
 * author's envelopes strictly in seq order: a duplicate (seq already released or already
 * buffered) is dropped; an envelope after a gap waits in a bounded buffer until the gap is
 * filled. The doc's sync state is the vector author → highest contiguous seq released.
 */
import { assertUint, authorHex, isAuthorHex, SequenceBufferFullError } from '../lib/index.ts'

/** Tracks one doc's per-author sequences. */
export interface SequenceTracker<T> {
  /**
   * Offers an item with its author and seq. Returns the items now released, in order:
   * `[]` for a duplicate or when a gap remains, else this item followed by any buffered
   * items it makes contiguous.
   * @throws {SequenceBufferFullError} if the item would need buffering and the buffer is full.
   */
  offer(header: { readonly author: Uint8Array; readonly seq: number }, item: T): T[]
  /**
   * Raises authors' contiguous seqs to a snapshot's covered vector (never lowers them),
   * drops buffered items it covers and returns those it makes releasable, in order.
   */
  advance(covers: ReadonlyMap<string, number>): T[]
  /** author hex → highest contiguous seq; authors with nothing released are absent. */
  vector(): Map<string, number>
  /** Number of items waiting for a gap to fill. */
  readonly buffered: number
}

/** Options of `createSequenceTracker`. */
export interface SequenceTrackerInit {
  /** Most items held across all gaps of this doc. @default 4096 */
  maxBuffered?: number
  /** Starting vector (author hex → contiguous seq), e.g. restored from storage. @default empty */
  vector?: ReadonlyMap<string, number>
}

interface AuthorState<T> {
  contiguous: number
  readonly pending: Map<number, T>
}

class Tracker<T> implements SequenceTracker<T> {
  readonly #authors = new Map<string, AuthorState<T>>()
  readonly #maxBuffered: number
  #buffered = 0

  constructor(init: SequenceTrackerInit) {
    this.#maxBuffered = init.maxBuffered ?? 4096
    assertUint(this.#maxBuffered, 'maxBuffered')
    for (const [author, seq] of init.vector ?? []) {
      if (!isAuthorHex(author)) throw new RangeError('vector: keys must be 64 lowercase hex digits')
      assertUint(seq, `vector[${author}]`)
      this.#authors.set(author, { contiguous: seq, pending: new Map() })
    }
  }

  get buffered(): number {
    return this.#buffered
  }

  #state(author: string): AuthorState<T> {
    let s = this.#authors.get(author)
    if (s === undefined) {
      s = { contiguous: 0, pending: new Map() }
      this.#authors.set(author, s)
    }
    return s
  }

  #drain(s: AuthorState<T>, out: T[]): void {
    for (;;) {
      const next = s.pending.get(s.contiguous + 1)
      if (next === undefined) return
      s.pending.delete(s.contiguous + 1)
      this.#buffered--
      s.contiguous++
      out.push(next)
    }
  }

  offer(header: { readonly author: Uint8Array; readonly seq: number }, item: T): T[] {
    assertUint(header.seq, 'seq', 1)
    const s = this.#state(authorHex(header.author))
    if (header.seq <= s.contiguous || s.pending.has(header.seq)) return [] // duplicate: drop
    if (header.seq === s.contiguous + 1) {
      s.contiguous++
      const out = [item]
      this.#drain(s, out)
      return out
    }
    if (this.#buffered >= this.#maxBuffered) {
      throw new SequenceBufferFullError(`sequence: ${this.#buffered} envelopes already wait for gaps to fill`)
    }
    s.pending.set(header.seq, item)
    this.#buffered++
    return []
  }

  advance(covers: ReadonlyMap<string, number>): T[] {
    const out: T[] = []
    for (const [author, seq] of covers) {
      if (!isAuthorHex(author)) throw new RangeError('covers: keys must be 64 lowercase hex digits')
      assertUint(seq, `covers[${author}]`)
      const s = this.#state(author)
      if (seq <= s.contiguous) continue
      s.contiguous = seq
      for (const buffered of [...s.pending.keys()]) {
        if (buffered <= seq) {
          s.pending.delete(buffered)
          this.#buffered--
        }
      }
      this.#drain(s, out)
    }
    return out
  }

  vector(): Map<string, number> {
    const v = new Map<string, number>()
    for (const [author, s] of this.#authors) if (s.contiguous > 0) v.set(author, s.contiguous)
    return v
  }
}

/**
 * A sequence tracker for one doc. `T` is whatever the caller wants released in order
 * (envelope bytes, opened updates…).
 * @throws {TypeError} if `init.maxBuffered` is not an integer.
 * @throws {RangeError} if `init.vector` has a bad key or seq.
 * @example
 * const t = createSequenceTracker<Uint8Array>()
 * for (const b of t.offer(parseEnvelopeHeader(bytes), bytes)) apply(b)
 */
export function createSequenceTracker<T>(init: SequenceTrackerInit = {}): SequenceTracker<T> {
  return new Tracker<T>(init)
}
