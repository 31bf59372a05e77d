import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../src/lib/index.ts'
import { decodeChunk, encodeChunk, MAX_CHUNK_SAMPLES, SeriesFormatError } from '../../src/record/index.ts'

function formatError(bytes: Uint8Array): SeriesFormatError {
  try {
    decodeChunk(bytes)
  } catch (err) {
    expect((err as Error).name).toBe('SeriesFormatError')
    return err as SeriesFormatError
  }
  throw new Error('expected a SeriesFormatError')
}

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16))

describe('chunk layout', () => {
  it('encodes a known chunk byte for byte', () => {
    // version 01, flags 00 (scale 0), unit 04 "/min", count 03, t0 1000 = e8 07,
    // d1 1000 = e8 07, zz(0) = 00; values zz(72) = 144 = 90 01, zz(+1) = 02, zz(0) = 00
    const bytes = encodeChunk({ unit: '/min', times: [1000, 2000, 3000], values: [72, 73, 73] })
    expect(toHex(bytes)).toBe('0100042f6d696e03e807e8070090010200')
    expect(decodeChunk(bytes)).toEqual({ unit: '/min', times: Float64Array.of(1000, 2000, 3000), values: Float64Array.of(72, 73, 73) })
  })

  it('keeps one decimal of 36.6 °C as scale 1', () => {
    const bytes = encodeChunk({ unit: 'Cel', times: [0, 60_000], values: [36.6, 36.7] })
    expect(bytes[1]).toBe(1)
    expect(Array.from(decodeChunk(bytes).values)).toEqual([36.6, 36.7])
  })

  it.each([
    ['integers', [72, 73, 71, 250, -3], 0],
    ['one decimal', [36.6, 37.15 - 0.05, 98.6], 1],
    ['two decimals', [0.01, 5.25, -1.99], 2],
    ['nine decimals', [1e-9, 2e-9, 0.123456789], 9],
    ['not decimal: float64', [0.1 + 0.2, 1 / 3], 0x10],
    ['negative zero: float64', [-0, 1], 0x10],
    ['too large to scale: float64', [2 ** 60, 1], 0x10]
  ])('round-trips %s exactly', (_what, values, flags) => {
    const times = values.map((_, i) => 1_700_000_000_000 + i * 1000)
    const bytes = encodeChunk({ unit: 'mg/dL', times, values })
    expect(bytes[1]).toBe(flags)
    const back = Array.from(decodeChunk(bytes).values)
    back.forEach((v, i) => expect(Object.is(v, values[i]), `value ${i}: ${v} vs ${values[i]}`).toBe(true))
  })

  it('costs about 2 bytes a sample for a steady 1 Hz heart rate', () => {
    const times = Array.from({ length: 3600 }, (_, i) => 1_700_000_000_000 + i * 1000)
    const values = times.map((_, i) => 70 + Math.round(3 * Math.sin(i / 60)))
    const bytes = encodeChunk({ unit: '/min', times, values })
    expect(bytes.length).toBeLessThan(2 * 3600 + 20)
  })

  it('refuses what it cannot encode', () => {
    expect(() => encodeChunk({ unit: '/min', times: [], values: [] })).toThrow(RangeError)
    expect(() => encodeChunk({ unit: 'a b', times: [1], values: [1] })).toThrow(RangeError)
    expect(() => encodeChunk({ unit: '/min', times: [2, 1], values: [1, 1] })).toThrow(RangeError)
    expect(() => encodeChunk({ unit: '/min', times: [1, 1], values: [1, 1] })).toThrow(RangeError)
    expect(() => encodeChunk({ unit: '/min', times: [1], values: [Number.NaN] })).toThrow(RangeError)
    expect(() => encodeChunk({ unit: '/min', times: [0, 2 ** 33], values: [1, 1] })).toThrow(RangeError)
  })
})

describe('chunk decoder is strict', () => {
  const good = encodeChunk({ unit: '/min', times: [1000, 2000, 3000], values: [72, 73, 73] })
  it.each([
    ['empty', ''],
    ['wrong version', '0200042f6d696e03e807e8070090010200'],
    ['reserved flag bits', '0120042f6d696e03e807e8070090010200'],
    ['scale above 9', '010a042f6d696e03e807e8070090010200'],
    ['float flag with a scale', '0111042f6d696e03e807e8070090010200'],
    ['unit with a space', '0100042f6d20696e03e807e8070090010200'],
    ['empty unit', '01000003e807e8070090010200'],
    ['count 0', '0100042f6d696e00e807'],
    ['count larger than the bytes', '0100042f6d696e7fe807e8070090010200'],
    ['truncated', '0100042f6d696e03e807e8070090'],
    ['trailing byte', '0100042f6d696e03e807e807009001020000'],
    ['non-minimal varint', '0100042f6d696e03e807e887000090010200'],
    ['time not increasing (d1 = 0)', '0100042f6d696e03e807000090010200'],
    ['time going back (d2 = d1 - 1001)', '0100042f6d696e03e807e807d10f90010200']
  ])('rejects %s', (_what, h) => {
    expect(formatError(hex(h))).toBeInstanceOf(SeriesFormatError)
  })

  it('accepts the good chunk the cases above are made from', () => {
    expect(toHex(good)).toBe('0100042f6d696e03e807e8070090010200')
  })

  it('caps the size before parsing', () => {
    expect(formatError(new Uint8Array(16 * 1024 * 1024 + 1)).message).toContain('cap')
  })

  it('refuses more than MAX_CHUNK_SAMPLES', () => {
    expect(MAX_CHUNK_SAMPLES).toBe(3_600_000)
    const bytes = hex('0100042f6d696e' + '81ddeb01' /* 3,600,001 */ + '00')
    expect(formatError(bytes).message).toContain('out of range')
  })
})

describe('chunk property', () => {
  it('decode(encode(samples)) returns the same times and values', () => {
    const sample = fc.record({ gap: fc.integer({ min: 1, max: 3_600_000 }), value: fc.double({ noNaN: true, noDefaultInfinity: true }) })
    const scaled = fc.record({ gap: fc.integer({ min: 1, max: 60_000 }), value: fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 10) })
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8.64e15 - 2 ** 33 }),
        fc.oneof(fc.array(sample, { minLength: 1, maxLength: 200 }), fc.array(scaled, { minLength: 1, maxLength: 200 })),
        fc.constantFrom('/min', 'mg/dL', 'Cel', '{steps}', 'mm[Hg]'),
        (t0, samples, unit) => {
          let t = t0
          const times: number[] = []
          const values: number[] = []
          for (const s of samples) {
            if (t + s.gap - t0 >= 2 ** 32) break
            t += times.length === 0 ? 0 : s.gap
            times.push(t)
            values.push(s.value)
          }
          const d = decodeChunk(encodeChunk({ unit, times, values }))
          expect(d.unit).toBe(unit)
          expect(Array.from(d.times)).toEqual(times)
          d.values.forEach((v, i) => expect(Object.is(v, values[i])).toBe(true))
        }
      ),
      { numRuns: 500 }
    )
  })
})
