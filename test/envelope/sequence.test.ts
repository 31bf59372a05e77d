import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../src/lib/index.ts'
import { createSequenceTracker } from '../../src/envelope/index.ts'
import { seq, thrown } from '../crypto/helpers.ts'

const authors = [seq(1, 32), seq(2, 32), seq(3, 32)]
const hex = authors.map(toHex)

interface Item {
  a: number
  s: number
}

describe('sequence tracker', () => {
  it('any permutation with duplicates of 1..n per author releases exactly 1..n in order (property)', () => {
    const arb = fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 3 }).chain((counts) => {
      const items: Item[] = counts.flatMap((n, a) => Array.from({ length: n }, (_, i) => ({ a, s: i + 1 })))
      const duplicates = items.length === 0 ? fc.constant<Item[]>([]) : fc.array(fc.constantFrom(...items), { maxLength: 30 })
      return duplicates.chain((dups) => {
        const all = [...items, ...dups]
        return fc.shuffledSubarray(all, { minLength: all.length }).map((offers) => ({ counts, offers }))
      })
    })
    fc.assert(
      fc.property(arb, ({ counts, offers }) => {
        const t = createSequenceTracker<Item>({ maxBuffered: 1000 })
        const released: Item[] = []
        for (const item of offers) released.push(...t.offer({ author: authors[item.a]!, seq: item.s }, item))
        counts.forEach((n, a) => {
          expect(released.filter((r) => r.a === a).map((r) => r.s)).toEqual(Array.from({ length: n }, (_, i) => i + 1))
        })
        expect(released).toHaveLength(counts.reduce((x, y) => x + y, 0))
        expect(t.buffered).toBe(0)
        expect(t.vector()).toEqual(new Map(counts.flatMap((n, a) => (n > 0 ? [[hex[a]!, n] as const] : []))))
      }),
      { numRuns: 200 }
    )
  })

  it('holds a gap until it is filled, then releases the contiguous run', () => {
    const t = createSequenceTracker<string>()
    const a = authors[0]!
    expect(t.offer({ author: a, seq: 3 }, 'c')).toEqual([])
    expect(t.offer({ author: a, seq: 2 }, 'b')).toEqual([])
    expect(t.buffered).toBe(2)
    expect(t.vector()).toEqual(new Map())
    expect(t.offer({ author: a, seq: 1 }, 'a')).toEqual(['a', 'b', 'c'])
    expect(t.vector()).toEqual(new Map([[hex[0], 3]]))
    expect(t.offer({ author: a, seq: 2 }, 'dup')).toEqual([]) // duplicate dropped
  })

  it('bounded buffer: SequenceBufferFullError when exceeded; in-order items still flow', () => {
    const t = createSequenceTracker<number>({ maxBuffered: 2 })
    const a = authors[0]!
    t.offer({ author: a, seq: 10 }, 10)
    t.offer({ author: a, seq: 11 }, 11)
    expect(thrown(() => t.offer({ author: a, seq: 12 }, 12)).name).toBe('SequenceBufferFullError')
    expect(t.offer({ author: a, seq: 11 }, 11)).toEqual([]) // already buffered: a duplicate, not an overflow
    expect(t.offer({ author: a, seq: 1 }, 1)).toEqual([1])
    expect(t.offer({ author: authors[1]!, seq: 1 }, 100)).toEqual([100])
  })

  it('advance() to a snapshot vector drops covered items and releases what becomes contiguous', () => {
    const t = createSequenceTracker<number>()
    const a = authors[0]!
    for (const s of [3, 5, 6]) t.offer({ author: a, seq: s }, s)
    expect(t.advance(new Map([[hex[0]!, 4]]))).toEqual([5, 6])
    expect(t.buffered).toBe(0)
    expect(t.vector()).toEqual(new Map([[hex[0], 6]]))
    expect(t.advance(new Map([[hex[0]!, 2]]))).toEqual([]) // never lowers
    expect(t.vector().get(hex[0]!)).toBe(6)
  })

  it('starts from a stored vector', () => {
    const t = createSequenceTracker<number>({ vector: new Map([[hex[1]!, 7]]) })
    expect(t.offer({ author: authors[1]!, seq: 7 }, 7)).toEqual([])
    expect(t.offer({ author: authors[1]!, seq: 8 }, 8)).toEqual([8])
  })

  it('validates its inputs', () => {
    const t = createSequenceTracker<number>()
    expect(() => t.offer({ author: authors[0]!, seq: 0 }, 0)).toThrow(RangeError) // seq starts at 1
    expect(() => t.offer({ author: seq(0, 31), seq: 1 }, 0)).toThrow(RangeError)
    expect(() => createSequenceTracker({ vector: new Map([['XY', 1]]) })).toThrow(RangeError)
    expect(() => t.advance(new Map([['ab', 1]]))).toThrow(RangeError)
  })
})
