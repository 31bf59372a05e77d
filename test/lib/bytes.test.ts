import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  compareBytes,
  concatBytes,
  equalBytes,
  fromHex,
  toHex,
  utf8Decode,
  utf8Encode,
  wipe
} from '../../src/lib/index.ts'

describe('bytes', () => {
  it('concatenates in order', () => {
    expect(concatBytes(Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3))).toEqual(Uint8Array.of(1, 2, 3))
    expect(concatBytes()).toEqual(new Uint8Array(0))
  })

  it('equalBytes agrees with element-wise comparison', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        const expected = a.length === b.length && a.every((v, i) => v === b[i])
        expect(equalBytes(a, b)).toBe(expected)
        expect(equalBytes(a, a.slice())).toBe(true)
      })
    )
  })

  it('compareBytes orders like hex strings of equal-length input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.uint8Array({ minLength: 8, maxLength: 8 }), (a, b) => {
        expect(Math.sign(compareBytes(a, b))).toBe(Math.sign(toHex(a).localeCompare(toHex(b))))
      })
    )
    expect(compareBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBeLessThan(0)
  })

  it('hex round-trips and is lowercase', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (a) => {
        const h = toHex(a)
        expect(h).toMatch(/^[0-9a-f]*$/)
        expect(fromHex(h)).toEqual(a)
        expect(fromHex(h.toUpperCase())).toEqual(a)
      })
    )
  })

  it('rejects bad hex with TypeError / RangeError', () => {
    expect(() => fromHex('abc')).toThrow(RangeError)
    expect(() => fromHex('zz')).toThrow(TypeError)
    expect(() => fromHex(42 as unknown as string)).toThrow(TypeError)
  })

  it('utf8 decoding is strict and keeps a BOM', () => {
    expect(utf8Decode(utf8Encode('héllo ✓'))).toBe('héllo ✓')
    expect(utf8Decode(Uint8Array.of(0xef, 0xbb, 0xbf, 0x41))).toBe('\ufeffA')
    expect(() => utf8Decode(Uint8Array.of(0xc3))).toThrow(TypeError)
    expect(() => utf8Decode(Uint8Array.of(0xed, 0xa0, 0x80))).toThrow(TypeError) // encoded surrogate
  })

  it('wipe zeroes every array given', () => {
    const a = Uint8Array.of(1, 2, 3)
    const b = Uint8Array.of(4)
    wipe(a, undefined, b)
    expect([...a, ...b]).toEqual([0, 0, 0, 0])
  })
})
