/**
 * IEEE 11073-20601 SFLOAT (16-bit) and FLOAT (32-bit), as the Bluetooth health services
 * carry them (GATT Specification Supplement §2.2 "medfloat16" / "medfloat32"; Personal
 * Health Devices Transcoding White Paper §2.2).
 *
 * SFLOAT = 4-bit signed exponent ‖ 12-bit signed mantissa (two's complement), value =
 * mantissa × 10^exponent. FLOAT = 8-bit signed exponent ‖ 24-bit signed mantissa. The
 * special values all have exponent 0 (11073-20601 §F.8):
 *
 * | value      | SFLOAT | FLOAT      | mantissa       |
 * |------------|--------|------------|----------------|
 * | NaN        | 0x07FF | 0x007FFFFF | +(2^(n-1) − 1) |
 * | NRes       | 0x0800 | 0x00800000 | −2^(n-1)       |
 * | +INFINITY  | 0x07FE | 0x007FFFFE | +(2^(n-1) − 2) |
 * | −INFINITY  | 0x0802 | 0x00800002 | −(2^(n-1) − 2) |
 * | reserved   | 0x0801 | 0x00800001 | −(2^(n-1) − 1) |
 *
 * A mantissa of, say, 2047 with a non-zero exponent is an ordinary number (20470 for
 * exponent 1), as the standard defines the specials by exponent AND mantissa.
 */
import type { GattSpecialValue } from './errors.ts'

/** A decoded medical float: a finite number, or which special value it was. */
export type MedFloat =
  | { readonly special: null; readonly value: number; readonly mantissa: number; readonly exponent: number }
  | { readonly special: Exclude<GattSpecialValue, 'unsuccessful'>; readonly value: number }

const SFLOAT_SPECIAL: ReadonlyMap<number, Exclude<GattSpecialValue, 'unsuccessful'>> = new Map([
  [0x07ff, 'NaN'],
  [0x0800, 'NRes'],
  [0x07fe, '+INFINITY'],
  [0x0802, '-INFINITY'],
  [0x0801, 'reserved']
])

const FLOAT_SPECIAL: ReadonlyMap<number, Exclude<GattSpecialValue, 'unsuccessful'>> = new Map([
  [0x007fffff, 'NaN'],
  [0x00800000, 'NRes'],
  [0x007ffffe, '+INFINITY'],
  [0x00800002, '-INFINITY'],
  [0x00800001, 'reserved']
])

const SPECIAL_NUMBER = { NaN: Number.NaN, NRes: Number.NaN, reserved: Number.NaN, '+INFINITY': Number.POSITIVE_INFINITY, '-INFINITY': Number.NEGATIVE_INFINITY } as const

/**
 * mantissa × 10^exponent, correctly rounded: a negative power is applied as a division by
 * an exact power of ten (366 / 10 is the double nearest 36.6; 366 × 0.1 is not).
 * @throws Never.
 */
export function decimal(mantissa: number, exponent: number): number {
  return exponent >= 0 ? mantissa * 10 ** exponent : mantissa / 10 ** -exponent
}

/**
 * Decodes a 16-bit SFLOAT.
 * @throws Never (`raw` is taken modulo 2^16).
 */
export function decodeSfloat(raw: number): MedFloat {
  const bits = raw & 0xffff
  const special = SFLOAT_SPECIAL.get(bits)
  if (special !== undefined) return { special, value: SPECIAL_NUMBER[special] }
  const exponent = (bits << 16) >> 28 // sign-extend the top 4 bits
  const mantissa = (bits << 20) >> 20 // sign-extend the low 12 bits
  return { special: null, value: decimal(mantissa, exponent), mantissa, exponent }
}

/**
 * Decodes a 32-bit FLOAT.
 * @throws Never (`raw` is taken modulo 2^32).
 */
export function decodeFloat(raw: number): MedFloat {
  const bits = raw >>> 0
  const special = FLOAT_SPECIAL.get(bits)
  if (special !== undefined) return { special, value: SPECIAL_NUMBER[special] }
  const exponent = bits >> 24 // arithmetic shift of the int32 view: signed 8-bit exponent
  const mantissa = (bits << 8) >> 8
  return { special: null, value: decimal(mantissa, exponent), mantissa, exponent }
}

/**
 * The number an IEEE 11073 SFLOAT stands for: NaN for NaN, NRes and the reserved value,
 * ±Infinity for ±INFINITY.
 * @throws Never.
 * @example sfloat(0x0072) // 114 — sfloat(0xF16E) // 36.6 — sfloat(0x07FF) // NaN
 */
export function sfloat(raw: number): number {
  return decodeSfloat(raw).value
}

/**
 * The number an IEEE 11073 32-bit FLOAT stands for, with the same special values as `sfloat`.
 * @throws Never.
 * @example float32(0xFF00016E) // 36.6
 */
export function float32(raw: number): number {
  return decodeFloat(raw).value
}
