/**
 * Vector arithmetic for serving a doc: what a peer is believed to hold (author hex →
 * highest seq), whether an envelope is already covered, and how far behind it is.
 */
import { toHex } from '../../lib/index.ts'
import type { EnvelopeHeader } from '../../envelope/index.ts'

/** A mutable vector: author hex → highest seq. */
export type MutableVector = Map<string, number>

/**
 * Whether `a` covers `b`: a[x] ≥ b[x] for every author of b.
 * @throws Never.
 */
export function dominates(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  for (const [author, seq] of b) if ((a.get(author) ?? 0) < seq) return false
  return true
}

/**
 * Whether the envelope with this header adds nothing to `known`.
 * @throws Never.
 */
export function isCovered(known: ReadonlyMap<string, number>, h: EnvelopeHeader): boolean {
  if (h.kind === 'snapshot') return h.covers !== undefined && dominates(known, h.covers)
  return h.seq <= (known.get(toHex(h.author)) ?? 0)
}

/**
 * Raises `known` by what the envelope with this header carries (never lowers it).
 * @throws Never.
 */
export function advance(known: MutableVector, h: EnvelopeHeader): void {
  if (h.kind === 'snapshot') {
    for (const [author, seq] of h.covers ?? []) if (seq > (known.get(author) ?? 0)) known.set(author, seq)
    return
  }
  const author = toHex(h.author)
  if (h.seq > (known.get(author) ?? 0)) known.set(author, h.seq)
}

/**
 * Envelopes `local` holds beyond `known`: Σ max(0, local[x] − known[x]).
 * @throws Never.
 */
export function behind(local: ReadonlyMap<string, number>, known: ReadonlyMap<string, number>): number {
  let n = 0
  for (const [author, seq] of local) n += Math.max(0, seq - (known.get(author) ?? 0))
  return n
}
