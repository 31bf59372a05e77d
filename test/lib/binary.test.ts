import fc from 'fast-check'
import * as decoding from 'lib0/decoding'
import { describe, expect, it } from 'vitest'
import {
  createReader,
  createWriter,
  EnvelopeFormatError,
  varUintLength,
  type Reader
} from '../../src/lib/index.ts'

type Field =
  | { t: 'byte'; v: number }
  | { t: 'varUint'; v: number }
  | { t: 'bytes'; v: Uint8Array }
  | { t: 'varBytes'; v: Uint8Array }
  | { t: 'varString'; v: string }

const field: fc.Arbitrary<Field> = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((v) => ({ t: 'byte' as const, v })),
  fc.oneof(fc.integer({ min: 0, max: 300 }), fc.maxSafeNat()).map((v) => ({ t: 'varUint' as const, v })),
  fc.uint8Array({ maxLength: 20 }).map((v) => ({ t: 'bytes' as const, v })),
  fc.uint8Array({ maxLength: 20 }).map((v) => ({ t: 'varBytes' as const, v })),
  fc.string({ unit: 'grapheme', maxLength: 10 }).map((v) => ({ t: 'varString' as const, v }))
)

function readField(r: Reader, f: Field): unknown {
  switch (f.t) {
    case 'byte':
      return r.byte('b')
    case 'varUint':
      return r.varUint('u')
    case 'bytes':
      return r.bytes('x', f.v.length)
    case 'varBytes':
      return r.varBytes('x', 0, 1000)
    case 'varString':
      return r.varString('s', 1000)
  }
}

function reader(bytes: number[]): Reader {
  return createReader(Uint8Array.from(bytes), EnvelopeFormatError)
}

describe('binary writer / strict reader', () => {
  it('round-trips any sequence of fields (property)', () => {
    fc.assert(
      fc.property(fc.array(field, { maxLength: 12 }), (fields) => {
        const w = createWriter()
        for (const f of fields) {
          if (f.t === 'byte') w.byte(f.v)
          else if (f.t === 'varUint') w.varUint(f.v)
          else if (f.t === 'bytes') w.bytes(f.v)
          else if (f.t === 'varBytes') w.varBytes(f.v)
          else w.varString(f.v)
        }
        const bytes = w.finish()
        expect(w.length).toBe(bytes.length)
        const r = createReader(bytes, EnvelopeFormatError)
        for (const f of fields) expect(readField(r, f)).toEqual(f.v)
        r.end('record')
      })
    )
  })

  it('writes exactly lib0 format (lib0 decoder reads it back)', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.string({ maxLength: 12 }), fc.uint8Array({ maxLength: 12 }), (n, s, b) => {
        const bytes = createWriter().varUint(n).varString(s).varBytes(b).finish()
        const d = decoding.createDecoder(bytes)
        expect(decoding.readVarUint(d)).toBe(n)
        expect(decoding.readVarString(d)).toBe(s)
        expect(decoding.readVarUint8Array(d)).toEqual(b)
        expect(varUintLength(n)).toBe(createWriter().varUint(n).length)
      })
    )
  })

  it('rejects a non-minimal varuint', () => {
    expect(() => reader([0x80, 0x00]).varUint('n')).toThrow(EnvelopeFormatError)
    expect(() => reader([0x81, 0x80, 0x00]).varUint('n')).toThrow(/non-minimal/)
    expect(reader([0x80, 0x01]).varUint('n')).toBe(128)
  })

  it('rejects varuints beyond Number.MAX_SAFE_INTEGER or 8 bytes', () => {
    const max = createWriter().varUint(Number.MAX_SAFE_INTEGER).finish()
    expect(createReader(max, EnvelopeFormatError).varUint('n')).toBe(Number.MAX_SAFE_INTEGER)
    expect(() => reader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x10]).varUint('n')).toThrow(/out of range/) // 2^53
    expect(() => reader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).varUint('n')).toThrow(/longer than 8/)
  })

  it('enforces ranges, bounds and the end', () => {
    expect(() => reader([5]).varUint('n', 1, 4)).toThrow(/out of range 1..4/)
    expect(() => reader([]).byte('b')).toThrow(/unexpected end/)
    expect(() => reader([0x80]).varUint('n')).toThrow(/unexpected end/)
    expect(() => reader([1, 2]).bytes('x', 3)).toThrow(/needs 3 bytes/)
    expect(() => reader([5, 1, 2]).varBytes('x', 0, 10)).toThrow(EnvelopeFormatError)
    expect(() => reader([3, 1, 2, 3]).varBytes('x', 0, 2)).toThrow(/out of range/)
    const r = reader([1, 2])
    r.byte('b')
    expect(() => r.end('record')).toThrow(/1 trailing bytes/)
  })

  it('rejects invalid UTF-8 with the named error, not TypeError', () => {
    const err = (() => {
      try {
        reader([2, 0xc3, 0x28]).varString('s', 10)
      } catch (e) {
        return e as Error
      }
      throw new Error('no throw')
    })()
    expect(err.name).toBe('EnvelopeFormatError')
    expect(err.cause).toBeInstanceOf(TypeError)
  })

  it('returns views, not copies, for bytes', () => {
    const src = Uint8Array.of(9, 8, 7)
    const view = createReader(src, EnvelopeFormatError).bytes('x', 2)
    src[0] = 1
    expect(view[0]).toBe(1)
  })
})
