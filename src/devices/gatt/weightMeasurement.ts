/**
 * Weight Measurement (0x2A9D): Weight Scale Service 1.0 §3.2, field table in the GATT
 * Specification Supplement ("Weight Measurement").
 *
 * ```
 * flags u8  bit 0 units: 0 = SI (kg, m), 1 = imperial (lb, in)
 *           bit 1 Time Stamp present
 *           bit 2 User ID present
 *           bit 3 BMI and Height present
 *           bits 4-7 reserved for future use (ignored)
 * weight u16     SI: 0.005 kg, imperial: 0.01 lb; 0xFFFF = "Measurement Unsuccessful"
 * [time stamp: Date Time, 7]  [user id u8, 255 = unknown user]
 * [BMI u16, 0.1 ‖ height u16, SI: 0.001 m, imperial: 0.1 in]
 * ```
 * WSS: "the special value of 0xFFFF can be used to indicate 'Measurement Unsuccessful'";
 * it throws `GattValueUnavailableError` (special `unsuccessful`).
 */
import { GattReader } from './reader.ts'

const NAME = 'Weight Measurement (0x2A9D)'

/** A parsed Weight Measurement. */
export interface WeightMeasurement {
  readonly weight: number
  readonly unit: 'kg' | '[lb_av]'
  /** `YYYY-MM-DDTHH:MM:SS` as the scale gives it (no zone). */
  readonly timestamp?: string
  readonly timestampUnknown?: true
  /** 0-254 per the scale's user list, 255 = unknown user. */
  readonly userId?: number
  readonly bmi?: number
  /** m for SI, [in_i] for imperial. */
  readonly height?: number
}

/**
 * Parses a Weight Measurement value.
 * @throws {GattFormatError} if truncated, overlong, or the time stamp is out of range.
 * @throws {GattValueUnavailableError} for weight 0xFFFF ("Measurement Unsuccessful").
 * @example parseWeightMeasurement(new DataView(Uint8Array.of(0x00, 0xa0, 0x36).buffer)) // { weight: 70, unit: 'kg' }
 */
export function parseWeightMeasurement(value: DataView): WeightMeasurement {
  const r = new GattReader(value, NAME)
  const flags = r.u8('Flags')
  const imperial = (flags & 0x01) !== 0
  const raw = r.u16('Weight')
  if (raw === 0xffff) throw r.unavailable('Weight', 'unsuccessful')
  // resolution 0.005 kg (×5 / 1000) or 0.01 lb (/ 100), as divisions so they round correctly
  const out: { -readonly [K in keyof WeightMeasurement]: WeightMeasurement[K] } = {
    weight: imperial ? raw / 100 : (raw * 5) / 1000,
    unit: imperial ? '[lb_av]' : 'kg'
  }
  if (flags & 0x02) {
    const ts = r.dateTime('Time Stamp')
    if (ts.iso === undefined) out.timestampUnknown = true
    else out.timestamp = ts.iso
  }
  if (flags & 0x04) out.userId = r.u8('User ID')
  if (flags & 0x08) {
    out.bmi = r.u16('BMI') / 10
    const h = r.u16('Height')
    out.height = imperial ? h / 10 : h / 1000
  }
  r.end()
  return out
}
