/**
 * Named errors of the GATT parsers. Each carries the characteristic and the field it is
 * about, so a caller (or a test) can tell a truncated RR-Interval from a bad flag without
 * reading the message.
 */
import { FormatError, PhrError } from '../../lib/index.ts'

/**
 * A characteristic value is not well formed: truncated, overlong (trailing bytes, or over
 * the 512-octet attribute limit), a field out of its range, or fields inconsistent with
 * each other (a CGM record's Size that disagrees with its Flags).
 */
export class GattFormatError extends FormatError {
  override name: string = 'GattFormatError'
  /** e.g. `Heart Rate Measurement (0x2A37)`. */
  readonly characteristic: string
  /** e.g. `RR-Interval`. */
  readonly field: string

  constructor(characteristic: string, field: string, detail: string) {
    super(`${characteristic}: ${field}: ${detail}`)
    this.characteristic = characteristic
    this.field = field
  }
}

/** The IEEE 11073-20601 special value (or the service's own "unavailable" value) carried. */
export type GattSpecialValue = 'NaN' | 'NRes' | '+INFINITY' | '-INFINITY' | 'reserved' | 'unsuccessful'

/**
 * A well-formed value whose mandatory measurement is not a number: an IEEE 11073 special
 * value (NaN, NRes, ±INFINITY, reserved) or a service's "measurement unsuccessful" code
 * (Weight 0xFFFF). The device says "no reading"; we return none rather than a number.
 */
export class GattValueUnavailableError extends PhrError {
  override name: string = 'GattValueUnavailableError'
  readonly characteristic: string
  readonly field: string
  readonly special: GattSpecialValue

  constructor(characteristic: string, field: string, special: GattSpecialValue) {
    super(`${characteristic}: ${field}: no measurement (${special})`)
    this.characteristic = characteristic
    this.field = field
    this.special = special
  }
}
