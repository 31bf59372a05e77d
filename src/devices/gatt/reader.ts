/**
 * A bounds-checked little-endian reader over a characteristic value (Bluetooth Core v5.4
 * Vol 3 Part G §3.3.3 / GATT Supplement §2.1: multi-octet fields are least significant
 * octet first). Every read checks the remaining length first and throws a
 * `GattFormatError` naming the characteristic and field, so a parser never touches the
 * DataView out of range and never returns half a result.
 */
import { GattFormatError, GattValueUnavailableError } from './errors.ts'
import { decimal, decodeFloat, decodeSfloat } from './ieee11073.ts'

/** Core v5.4 Vol 3 Part F §3.2.9: an attribute value is at most 512 octets. */
export const MAX_ATTRIBUTE_LENGTH = 512

/** A Date Time field (GATT Supplement §3.70 "Date Time", 7 octets). */
export interface GattDateTime {
  /** `YYYY-MM-DDTHH:MM:SS` (no zone, as the device gives it), or `undefined` if year, month or day is 0 ("not known"). */
  readonly iso: string | undefined
}

/** Days in `month` (1-12) of `year`, Gregorian. */
function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0')

/** Reads one characteristic value; private to the gatt folder. */
export class GattReader {
  readonly #view: DataView
  readonly #name: string
  #pos = 0

  /**
   * @throws {TypeError} if `value` is not a DataView (a programming error).
   * @throws {GattFormatError} if it is longer than 512 octets.
   */
  constructor(value: DataView, characteristic: string) {
    if (!(value instanceof DataView)) throw new TypeError(`${characteristic}: expected a DataView, got ${Object.prototype.toString.call(value)}`)
    this.#view = value
    this.#name = characteristic
    if (value.byteLength > MAX_ATTRIBUTE_LENGTH) {
      throw this.error('value', `${value.byteLength} octets, over the ${MAX_ATTRIBUTE_LENGTH}-octet attribute limit`)
    }
  }

  /** Octets not read yet. */
  get remaining(): number {
    return this.#view.byteLength - this.#pos
  }

  /** Offset of the next octet. */
  get offset(): number {
    return this.#pos
  }

  /** A `GattFormatError` about `field` of this characteristic. */
  error(field: string, detail: string): GattFormatError {
    return new GattFormatError(this.#name, field, detail)
  }

  /** A `GattValueUnavailableError` about `field` of this characteristic. */
  unavailable(field: string, special: GattValueUnavailableError['special']): GattValueUnavailableError {
    return new GattValueUnavailableError(this.#name, field, special)
  }

  #need(n: number, field: string): number {
    if (this.remaining < n) {
      throw this.error(field, `truncated: needs ${n} octet${n === 1 ? '' : 's'} at offset ${this.#pos}, ${this.remaining} left`)
    }
    const at = this.#pos
    this.#pos += n
    return at
  }

  u8(field: string): number {
    return this.#view.getUint8(this.#need(1, field))
  }

  u16(field: string): number {
    return this.#view.getUint16(this.#need(2, field), true)
  }

  s16(field: string): number {
    return this.#view.getInt16(this.#need(2, field), true)
  }

  u24(field: string): number {
    const at = this.#need(3, field)
    return this.#view.getUint16(at, true) | (this.#view.getUint8(at + 2) << 16)
  }

  /** An SFLOAT that may be special: `NaN` / `±Infinity` stand for the special values. */
  sfloat(field: string): number {
    return decodeSfloat(this.u16(field)).value
  }

  /** An SFLOAT that must be a finite number. @throws {GattValueUnavailableError} if special. */
  sfloatRequired(field: string): number {
    const f = decodeSfloat(this.u16(field))
    if (f.special !== null) throw this.unavailable(field, f.special)
    return f.value
  }

  /**
   * An SFLOAT that must be finite, times 10^`shift` (a unit change such as kg/L → mg/dL,
   * shift 5), applied to the exponent so the result is correctly rounded.
   * @throws {GattValueUnavailableError} if special.
   */
  sfloatScaled(field: string, shift: number): number {
    const f = decodeSfloat(this.u16(field))
    if (f.special !== null) throw this.unavailable(field, f.special)
    return decimal(f.mantissa, f.exponent + shift)
  }

  /** Like `sfloatScaled`, but `undefined` when special. */
  sfloatScaledOptional(field: string, shift: number): number | undefined {
    const f = decodeSfloat(this.u16(field))
    return f.special === null ? decimal(f.mantissa, f.exponent + shift) : undefined
  }

  /** An SFLOAT that is dropped (`undefined`) when special. */
  sfloatOptional(field: string): number | undefined {
    const f = decodeSfloat(this.u16(field))
    return f.special === null ? f.value : undefined
  }

  /** A FLOAT that must be a finite number. @throws {GattValueUnavailableError} if special. */
  floatRequired(field: string): number {
    const at = this.#need(4, field)
    const f = decodeFloat(this.#view.getUint32(at, true))
    if (f.special !== null) throw this.unavailable(field, f.special)
    return f.value
  }

  /**
   * A Date Time (GATT Supplement §3.70): year uint16 (1582-9999, 0 = not known), month
   * (0-12, 0 = not known), day (0-31, 0 = not known), hours 0-23, minutes 0-59, seconds 0-59.
   * @throws {GattFormatError} for a value out of those ranges or a day past the month's end.
   */
  dateTime(field: string): GattDateTime {
    const year = this.u16(field)
    const month = this.u8(field)
    const day = this.u8(field)
    const hours = this.u8(field)
    const minutes = this.u8(field)
    const seconds = this.u8(field)
    if (year !== 0 && (year < 1582 || year > 9999)) throw this.error(field, `year ${year} is not 0 or 1582-9999`)
    if (month > 12) throw this.error(field, `month ${month} is not 0-12`)
    if (day > 31) throw this.error(field, `day ${day} is not 0-31`)
    if (hours > 23 || minutes > 59 || seconds > 59) throw this.error(field, `time ${hours}:${minutes}:${seconds} is not a time of day`)
    if (year === 0 || month === 0 || day === 0) return { iso: undefined }
    if (day > daysIn(year, month)) throw this.error(field, `day ${day} is past the end of ${pad(year, 4)}-${pad(month, 2)}`)
    return { iso: `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}` }
  }

  /** Skips `n` octets. */
  skip(n: number, field: string): void {
    this.#need(n, field)
  }

  /** Octets [start, end) of the value, already read (a view, not a copy). */
  bytesRead(start: number, end: number): Uint8Array {
    if (start < 0 || end > this.#pos || start > end) throw new RangeError(`bytesRead: [${start}, ${end}) is not inside the ${this.#pos} octets read`)
    const v = this.#view
    return new Uint8Array(v.buffer, v.byteOffset + start, end - start)
  }

  /** The rest of the value as bytes (a copy). */
  rest(): Uint8Array {
    const at = this.#need(this.remaining, 'value')
    const v = this.#view
    return new Uint8Array(v.buffer, v.byteOffset + at, v.byteLength - at).slice()
  }

  /** @throws {GattFormatError} if octets are left over. */
  end(): void {
    if (this.remaining !== 0) throw this.error('value', `${this.remaining} trailing octet${this.remaining === 1 ? '' : 's'} after the last field (offset ${this.#pos})`)
  }
}
