/**
 * Temperature Measurement (0x2A1C): Health Thermometer Service 1.0 §3.1, field table in
 * the GATT Specification Supplement ("Temperature Measurement").
 *
 * ```
 * flags u8  bit 0 units: 0 = Celsius, 1 = Fahrenheit
 *           bit 1 Time Stamp present
 *           bit 2 Temperature Type present
 *           bits 3-7 reserved for future use (ignored)
 * temperature FLOAT (IEEE 11073 32-bit)
 * [time stamp: Date Time, 7]  [temperature type u8: 1 armpit, 2 body (general), 3 ear,
 *                              4 finger, 5 gastro-intestinal tract, 6 mouth, 7 rectum, 8 toe, 9 tympanum]
 * ```
 * A special temperature value throws `GattValueUnavailableError`.
 */
import { GattReader } from './reader.ts'

const NAME = 'Temperature Measurement (0x2A1C)'

/** A parsed Temperature Measurement. */
export interface TemperatureMeasurement {
  readonly value: number
  readonly unit: 'Cel' | '[degF]'
  /** `YYYY-MM-DDTHH:MM:SS` as the thermometer gives it (no zone). */
  readonly timestamp?: string
  readonly timestampUnknown?: true
  /** Temperature Type (GSS "Temperature Type"), 1-9; other values are reserved. */
  readonly temperatureType?: number
}

/**
 * Parses a Temperature Measurement value.
 * @throws {GattFormatError} if truncated, overlong, or the time stamp is out of range.
 * @throws {GattValueUnavailableError} if the temperature is a special value.
 * @example parseTemperatureMeasurement(new DataView(Uint8Array.of(0x00, 0x6e, 0x01, 0x00, 0xff).buffer))
 *   // { value: 36.6, unit: 'Cel' }
 */
export function parseTemperatureMeasurement(value: DataView): TemperatureMeasurement {
  const r = new GattReader(value, NAME)
  const flags = r.u8('Flags')
  const out: { -readonly [K in keyof TemperatureMeasurement]: TemperatureMeasurement[K] } = {
    value: r.floatRequired('Temperature Measurement Value'),
    unit: flags & 0x01 ? '[degF]' : 'Cel'
  }
  if (flags & 0x02) {
    const ts = r.dateTime('Time Stamp')
    if (ts.iso === undefined) out.timestampUnknown = true
    else out.timestamp = ts.iso
  }
  if (flags & 0x04) out.temperatureType = r.u8('Temperature Type')
  r.end()
  return out
}
