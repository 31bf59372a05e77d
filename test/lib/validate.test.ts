import { describe, expect, it } from 'vitest'
import {
  asDocId,
  assertBytes,
  assertBytesInRange,
  assertText,
  assertUint,
  authorHex,
  isAuthorHex
} from '../../src/lib/index.ts'

describe('validation', () => {
  it('assertBytes: TypeError for the wrong type, RangeError for the wrong length, labelled', () => {
    expect(() => assertBytes('x', 'key')).toThrow(new TypeError('key: expected Uint8Array, got string'))
    expect(() => assertBytes([1, 2], 'key')).toThrow(TypeError)
    expect(() => assertBytes(null, 'key')).toThrow(/got null/)
    expect(() => assertBytes(new Uint8Array(3), 'key', 32)).toThrow(new RangeError('key: expected 32 bytes, got 3'))
    expect(() => assertBytes(new Uint8Array(32), 'key', 32)).not.toThrow()
    expect(() => assertBytesInRange(new Uint8Array(0), 'grantId', 1, 64)).toThrow(RangeError)
  })

  it('assertUint: integers in range only', () => {
    expect(() => assertUint('1', 'epoch')).toThrow(TypeError)
    expect(() => assertUint(1.5, 'epoch')).toThrow(TypeError)
    expect(() => assertUint(Number.NaN, 'epoch')).toThrow(TypeError)
    expect(() => assertUint(-1, 'epoch')).toThrow(RangeError)
    expect(() => assertUint(2 ** 53, 'epoch')).toThrow(RangeError)
    expect(() => assertUint(0, 'seq', 1)).toThrow(/seq: expected 1\.\./)
    expect(() => assertUint(Number.MAX_SAFE_INTEGER, 'epoch')).not.toThrow()
  })

  it('assertText: well-formed and bounded', () => {
    expect(() => assertText(1, 'name', 10)).toThrow(TypeError)
    expect(() => assertText('\ud800', 'name', 10)).toThrow(/lone surrogate/)
    expect(() => assertText('ééééé é', 'name', 10)).toThrow(RangeError) // 13 UTF-8 bytes
    expect(() => assertText('😀', 'name', 4)).not.toThrow()
  })

  it('branded ids check their shape', () => {
    expect(() => asDocId(new Uint8Array(15))).toThrow(RangeError)
    expect(asDocId(new Uint8Array(16))).toHaveLength(16)
    const hex = authorHex(new Uint8Array(32).fill(0xab))
    expect(hex).toBe('ab'.repeat(32))
    expect(isAuthorHex(hex)).toBe(true)
    expect(isAuthorHex('AB'.repeat(32))).toBe(false)
    expect(isAuthorHex('ab'.repeat(31))).toBe(false)
  })
})
