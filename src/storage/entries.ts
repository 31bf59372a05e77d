/**
 * The logic every adapter shares: what an envelope is indexed by, which envelopes a
 * snapshot or a vector covers, and the contiguous vector of what is held.
 */
import { toHex, EnvelopeFormatError } from '../lib/index.ts'
import { parseEnvelopeHeader } from '../envelope/index.ts'
import type { Vector } from './port.ts'

/**
 * Largest envelope a store keeps: a snapshot holds a whole compartment (ten years of
 * vitals: 43 MB of state, about 3 MB as a compressed snapshot; a raw snapshot written
 * before compression keeps its full size). Update envelopes from peers have a smaller cap
 * at receive.
 */
export const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024

/** What a store indexes an envelope by (parsed from its header; no keys needed). */
export interface Entry {
  /** Doc id, lowercase hex. */
  doc: string
  /** Author public key, lowercase hex. */
  author: string
  seq: number
  kind: 'update' | 'snapshot'
  /** Snapshots: the covered vector. */
  covers?: Map<string, number>
  bytes: Uint8Array
}

/**
 * Parses an envelope's header into its index entry. Copies the bytes so that the caller
 * may reuse its buffer.
 * @throws {EnvelopeFormatError | EnvelopeTooLargeError} for malformed bytes
 */
export function entryOf(bytes: Uint8Array): Entry {
  const h = parseEnvelopeHeader(bytes, { maxBytes: MAX_SNAPSHOT_BYTES })
  const entry: Entry = { doc: toHex(h.docId), author: toHex(h.author), seq: h.seq, kind: h.kind, bytes: bytes.slice() }
  if (h.kind === 'snapshot') {
    const covers = h.covers ?? new Map<string, number>()
    // a snapshot covers its own author's stream up to and including itself
    if ((covers.get(entry.author) ?? 0) < h.seq) {
      throw new EnvelopeFormatError(`snapshot: covers[author] must be at least its own seq ${h.seq}`)
    }
    entry.covers = covers
  }
  return entry
}

/** The covered vector of a stored snapshot's bytes. */
export function coversOf(snapshot: Uint8Array): Map<string, number> {
  const h = parseEnvelopeHeader(snapshot, { maxBytes: MAX_SNAPSHOT_BYTES })
  if (h.kind !== 'snapshot' || h.covers === undefined) throw new EnvelopeFormatError('expected a snapshot envelope')
  return h.covers
}

/** Whether vector `a` covers vector `b`: a[x] ≥ b[x] for every author of b. */
export function dominates(a: Vector, b: Vector): boolean {
  for (const [author, seq] of b) if ((a.get(author) ?? 0) < seq) return false
  return true
}

/** Whether `(author, seq)` is covered by `v`. */
export function covered(v: Vector | undefined, author: string, seq: number): boolean {
  return v !== undefined && seq <= (v.get(author) ?? 0)
}

/**
 * The contiguous vector of what is held: every author's seq up to the highest cover of
 * any held snapshot, then as far as the held envelopes run without a gap.
 * @param snapshots covered vectors of every held snapshot (base and received)
 * @param seqs every held (author, seq), in any order
 */
export function contiguousVector(snapshots: Iterable<Vector>, seqs: Iterable<{ author: string; seq: number }>): Map<string, number> {
  const vector = new Map<string, number>()
  for (const covers of snapshots) {
    for (const [author, seq] of covers) if (seq > (vector.get(author) ?? 0)) vector.set(author, seq)
  }
  const byAuthor = new Map<string, number[]>()
  for (const { author, seq } of seqs) {
    let list = byAuthor.get(author)
    if (list === undefined) byAuthor.set(author, (list = []))
    list.push(seq)
  }
  for (const [author, list] of byAuthor) {
    list.sort((x, y) => x - y)
    let top = vector.get(author) ?? 0
    for (const seq of list) {
      if (seq <= top) continue
      if (seq !== top + 1) break
      top = seq
    }
    if (top > 0) vector.set(author, top)
  }
  return vector
}

/** Sort order of `read`: by author, then seq. */
export function byAuthorSeq(a: { author: string; seq: number }, b: { author: string; seq: number }): number {
  return a.author < b.author ? -1 : a.author > b.author ? 1 : a.seq - b.seq
}
