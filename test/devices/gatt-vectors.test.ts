/**
 * Known-answer vectors of every GATT parser (test/vectors/gatt, built from the Bluetooth
 * SIG field tables): each valid vector parses to its expected value — read from a view at
 * offset 0 and from one inside a larger buffer — and each invalid one fails with its named
 * error and field. Every proper prefix and every one-octet extension of a valid vector is
 * refused (where the format does not make it another valid value).
 */
import { describe, expect, it } from 'vitest'
import { FormatError } from '../../src/lib/index.ts'
import { GattFormatError, GattValueUnavailableError, float32, sfloat } from '../../src/devices/gatt/index.ts'
import { IEEE11073, VECTOR_FILES, fromHex, parserOf, viewOf } from './vectors.ts'

/** Formats where a prefix or extension may itself be a valid value. */
const PREFIX_MAY_PARSE = new Set(['parseHeartRateMeasurement', 'parseCgmMeasurement', 'parseDeviceInformationString:manufacturerName'])
const EXTENSION_MAY_PARSE = new Set(['parseDeviceInformationString:manufacturerName'])

function named(fn: () => unknown): Error | null {
  try {
    fn()
    return null
  } catch (err) {
    if (!(err instanceof GattFormatError) && !(err instanceof GattValueUnavailableError)) throw err
    return err
  }
}

describe('GATT known-answer vectors', () => {
  it('cover every characteristic with both valid and invalid cases', () => {
    expect(VECTOR_FILES.map((f) => f.uuid).sort()).toEqual(['0x2A18', '0x2A19', '0x2A1C', '0x2A29', '0x2A34', '0x2A35', '0x2A36', '0x2A37', '0x2A52', '0x2A5E', '0x2A5F', '0x2A9D', '0x2AA7'].sort())
    for (const f of VECTOR_FILES) {
      expect(f.valid.length, f.file).toBeGreaterThan(0)
      expect(f.invalid.length, f.file).toBeGreaterThan(0)
    }
  })

  for (const file of VECTOR_FILES) {
    describe(`${file.characteristic} (${file.uuid})`, () => {
      const parse = parserOf(file.parser)
      it(`parses ${file.valid.length} valid vectors, at offset 0 and inside a larger buffer`, () => {
        for (const v of file.valid) {
          const bytes = fromHex(v.hex)
          expect(parse(viewOf(bytes)), `${v.name}: ${v.comment}`).toEqual(v.expected)
          expect(parse(viewOf(bytes, 5)), `${v.name} (offset 5)`).toEqual(v.expected)
        }
      })
      it(`refuses ${file.invalid.length} invalid vectors with the named error and field`, () => {
        for (const v of file.invalid) {
          const err = named(() => parse(viewOf(fromHex(v.hex), 3)))
          expect(err, `${v.name}: ${v.comment}`).not.toBeNull()
          expect(err?.name, v.name).toBe(v.error)
          expect((err as GattFormatError).field, v.name).toBe(v.field)
          expect(err?.message, v.name).toContain(file.characteristic === 'Manufacturer Name String' ? 'Manufacturer Name String' : file.uuid)
        }
      })
      it('refuses every proper prefix and every one-octet extension of a valid vector', () => {
        for (const v of file.valid) {
          const bytes = fromHex(v.hex)
          for (let n = 0; n < bytes.length; n++) {
            const err = named(() => parse(viewOf(bytes.subarray(0, n), 2)))
            if (!PREFIX_MAY_PARSE.has(file.parser)) expect(err, `${v.name} cut to ${n}`).toBeInstanceOf(GattFormatError)
          }
          if (!EXTENSION_MAY_PARSE.has(file.parser)) {
            const longer = new Uint8Array(bytes.length + 1)
            longer.set(bytes)
            expect(named(() => parse(viewOf(longer, 1))), `${v.name} + 1 octet`).toBeInstanceOf(GattFormatError)
          }
        }
      })
    })
  }
})

describe('IEEE 11073 SFLOAT and FLOAT vectors', () => {
  it('decode to the listed numbers, specials to NaN / ±Infinity', () => {
    for (const v of IEEE11073.sfloat) expect(sfloat(Number(v.raw)), `${v.raw} ${v.comment}`).toEqual(v.value)
    for (const v of IEEE11073.float) expect(float32(Number(v.raw)), `${v.raw} ${v.comment}`).toEqual(v.value)
  })

  it('GattFormatError is a FormatError with a stable name', () => {
    const err = named(() => parserOf('parseBatteryLevel')(viewOf(new Uint8Array(0))))
    expect(err).toBeInstanceOf(FormatError)
    expect(err?.name).toBe('GattFormatError')
  })
})
