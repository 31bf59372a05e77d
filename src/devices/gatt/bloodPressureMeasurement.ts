/**
 * Blood Pressure Measurement (0x2A35) and Intermediate Cuff Pressure (0x2A36): Blood
 * Pressure Service 1.0 §3.1 and §3.2, field table in the GATT Specification Supplement
 * ("Blood Pressure Measurement"; Intermediate Cuff Pressure has the same format, its
 * Systolic field holding the current cuff pressure and Diastolic and MAP unused).
 *
 * ```
 * flags  u8   bit 0  units: 0 = mmHg, 1 = kPa
 *             bit 1  Time Stamp present
 *             bit 2  Pulse Rate present
 *             bit 3  User ID present
 *             bit 4  Measurement Status present
 *             bits 5-7 reserved for future use (ignored)
 * systolic SFLOAT ‖ diastolic SFLOAT ‖ mean arterial pressure SFLOAT
 * [time stamp: Date Time, 7]  [pulse rate SFLOAT, /min]  [user id u8, 255 = unknown user]
 * [measurement status u16: bit 0 body movement, 1 cuff too loose, 2 irregular pulse,
 *                          3-4 pulse rate range (0 in range, 1 over, 2 under), 5 improper position]
 * ```
 *
 * Special values: systolic and diastolic are the measurement, so a special value there
 * throws `GattValueUnavailableError`; a special mean arterial pressure is returned as
 * `NaN` (many cuffs do not compute it); a special pulse rate drops the field.
 */
import { GattReader } from './reader.ts'

const BPM = 'Blood Pressure Measurement (0x2A35)'
const ICP = 'Intermediate Cuff Pressure (0x2A36)'

/** Decoded Measurement Status field of a blood pressure reading. */
export interface BloodPressureStatus {
  readonly bodyMovement: boolean
  readonly cuffTooLoose: boolean
  readonly irregularPulse: boolean
  readonly pulseRateRange: 'in-range' | 'above-upper-limit' | 'below-lower-limit' | 'reserved'
  readonly improperPosition: boolean
}

/** A parsed Blood Pressure Measurement. */
export interface BloodPressureMeasurement {
  readonly systolic: number
  readonly diastolic: number
  /** `NaN` when the device sent a special value (no MAP computed). */
  readonly meanArterial: number
  readonly unit: 'mm[Hg]' | 'kPa'
  /** `YYYY-MM-DDTHH:MM:SS` as the device gives it (no zone). */
  readonly timestamp?: string
  /** Time Stamp present but with year, month or day 0 ("not known"). */
  readonly timestampUnknown?: true
  /** Beats per minute. */
  readonly pulseRate?: number
  /** 0-254 per the device's user list, 255 = unknown user. */
  readonly userId?: number
  readonly status?: BloodPressureStatus
}

/** A parsed Intermediate Cuff Pressure. */
export interface IntermediateCuffPressure {
  readonly cuffPressure: number
  readonly unit: 'mm[Hg]' | 'kPa'
  readonly timestamp?: string
  readonly timestampUnknown?: true
  readonly pulseRate?: number
  readonly userId?: number
  readonly status?: BloodPressureStatus
}

const RANGES = ['in-range', 'above-upper-limit', 'below-lower-limit', 'reserved'] as const

function decodeStatus(bits: number): BloodPressureStatus {
  return {
    bodyMovement: (bits & 0x01) !== 0,
    cuffTooLoose: (bits & 0x02) !== 0,
    irregularPulse: (bits & 0x04) !== 0,
    pulseRateRange: RANGES[(bits >> 3) & 0x03] as BloodPressureStatus['pulseRateRange'],
    improperPosition: (bits & 0x20) !== 0
  }
}

interface Tail {
  timestamp?: string
  timestampUnknown?: true
  pulseRate?: number
  userId?: number
  status?: BloodPressureStatus
}

function readTail(r: GattReader, flags: number): Tail {
  const tail: Tail = {}
  if (flags & 0x02) {
    const ts = r.dateTime('Time Stamp')
    if (ts.iso === undefined) tail.timestampUnknown = true
    else tail.timestamp = ts.iso
  }
  if (flags & 0x04) {
    const pulse = r.sfloatOptional('Pulse Rate')
    if (pulse !== undefined) tail.pulseRate = pulse
  }
  if (flags & 0x08) tail.userId = r.u8('User ID')
  if (flags & 0x10) tail.status = decodeStatus(r.u16('Measurement Status'))
  r.end()
  return tail
}

/**
 * Parses a Blood Pressure Measurement value.
 * @throws {GattFormatError} if truncated, overlong, or a time stamp is out of range.
 * @throws {GattValueUnavailableError} if systolic or diastolic is a special value.
 * @example parseBloodPressureMeasurement(new DataView(Uint8Array.of(0x00, 0x79, 0x00, 0x51, 0x00, 0x5f, 0x00).buffer))
 *   // { systolic: 121, diastolic: 81, meanArterial: 95, unit: 'mm[Hg]' }
 */
export function parseBloodPressureMeasurement(value: DataView): BloodPressureMeasurement {
  const r = new GattReader(value, BPM)
  const flags = r.u8('Flags')
  const systolic = r.sfloatRequired('Systolic')
  const diastolic = r.sfloatRequired('Diastolic')
  const meanArterial = r.sfloat('Mean Arterial Pressure')
  const unit = flags & 0x01 ? 'kPa' : 'mm[Hg]'
  const tail = readTail(r, flags)
  return { systolic, diastolic, meanArterial: Number.isFinite(meanArterial) ? meanArterial : Number.NaN, unit, ...tail }
}

/**
 * Parses an Intermediate Cuff Pressure value (the cuff pressure while a measurement runs).
 * @throws {GattFormatError} if truncated, overlong, or a time stamp is out of range.
 * @throws {GattValueUnavailableError} if the current cuff pressure is a special value.
 */
export function parseIntermediateCuffPressure(value: DataView): IntermediateCuffPressure {
  const r = new GattReader(value, ICP)
  const flags = r.u8('Flags')
  const cuffPressure = r.sfloatRequired('Current Cuff Pressure')
  // BLS 1.0 §3.2: Diastolic and MAP are unused in this characteristic (sent as NaN)
  r.skip(4, 'Diastolic and Mean Arterial Pressure (unused)')
  const unit = flags & 0x01 ? 'kPa' : 'mm[Hg]'
  return { cuffPressure, unit, ...readTail(r, flags) }
}
