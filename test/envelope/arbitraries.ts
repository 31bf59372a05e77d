/** fast-check arbitraries for envelope headers (not a test file itself). */
import fc from 'fast-check'
import { toHex } from '../../src/lib/index.ts'
import type { EnvelopeHeader } from '../../src/envelope/index.ts'

const uint = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 2 ** 32 }), fc.maxSafeNat())
const seqNo = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }))

/** A covered vector: author hex → seq ≥ 1. */
export const coversArb: fc.Arbitrary<Map<string, number>> = fc
  .uniqueArray(fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex), seqNo), {
    maxLength: 6,
    selector: ([k]) => k
  })
  .map((entries) => new Map(entries))

/** Any valid header; `author` is given (it must match the signing key). */
export function headerArb(author: Uint8Array): fc.Arbitrary<EnvelopeHeader> {
  return fc.record({
    docId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    epoch: uint,
    seq: seqNo,
    kind: fc.constantFrom('update' as const, 'snapshot' as const),
    covers: coversArb
  }).map(({ docId, epoch, seq, kind, covers }) =>
    kind === 'update' ? { docId, epoch, author, seq, kind } : { docId, epoch, author, seq, kind, covers }
  )
}
