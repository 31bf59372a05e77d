/**
 * PLX Spot-check Measurement (0x2A5E) and PLX Continuous Measurement (0x2A5F): Pulse
 * Oximeter Service 1.0 §3.1 / §3.2, field tables in the GATT Specification Supplement.
 *
 * ```
 * Spot-check
 * flags u8  bit 0 Timestamp present, bit 1 Measurement Status present,
 *           bit 2 Device and Sensor Status present, bit 3 Pulse Amplitude Index present,
 *           bit 4 Device Clock is Not Set, bits 5-7 reserved (ignored)
 * SpO2 SFLOAT (%) ‖ PR SFLOAT (/min)
 * [timestamp: Date Time, 7] [measurement status u16] [device and sensor status u24] [PAI SFLOAT, %]
 *
 * Continuous
 * flags u8  bit 0 SpO2PR-Fast present, bit 1 SpO2PR-Slow present, bit 2 Measurement Status
 *           present, bit 3 Device and Sensor Status present, bit 4 PAI present, bits 5-7 reserved
 * SpO2PR-Normal: SpO2 SFLOAT ‖ PR SFLOAT
 * [SpO2PR-Fast: 2 × SFLOAT] [SpO2PR-Slow: 2 × SFLOAT] [measurement status u16]
 * [device and sensor status u24] [PAI SFLOAT]
 * ```
 * A special SpO2 or PR (of the spot-check or of SpO2PR-Normal) throws
 * `GattValueUnavailableError`; special optional values are left out.
 */
import { GattReader } from './reader.ts'

const SPOT = 'PLX Spot-check Measurement (0x2A5E)'
const CONT = 'PLX Continuous Measurement (0x2A5F)'

/** A parsed PLX Spot-check Measurement. */
export interface PlxSpotCheck {
  /** %. */
  readonly spo2: number
  /** /min. */
  readonly pulseRate: number
  /** `YYYY-MM-DDTHH:MM:SS` as the oximeter gives it (no zone). */
  readonly timestamp?: string
  readonly timestampUnknown?: true
  /** Flag bit 4: the oximeter's clock is not set, so its timestamp is not the real time. */
  readonly deviceClockNotSet?: true
  /** Measurement Status bits (5 ongoing … 13 unavailable, 14 questionable, 15 invalid). */
  readonly measurementStatus?: number
  /** Device and Sensor Status bits (24). */
  readonly deviceAndSensorStatus?: number
  /** Pulse Amplitude Index, %. */
  readonly pulseAmplitudeIndex?: number
}

/** A parsed PLX Continuous Measurement. */
export interface PlxContinuous {
  /** SpO2PR-Normal, %. */
  readonly spo2: number
  /** SpO2PR-Normal, /min. */
  readonly pulseRate: number
  readonly fast?: { readonly spo2?: number; readonly pulseRate?: number }
  readonly slow?: { readonly spo2?: number; readonly pulseRate?: number }
  readonly measurementStatus?: number
  readonly deviceAndSensorStatus?: number
  readonly pulseAmplitudeIndex?: number
}

/**
 * Parses a PLX Spot-check Measurement value.
 * @throws {GattFormatError} if truncated, overlong, or the timestamp is out of range.
 * @throws {GattValueUnavailableError} if SpO2 or PR is a special value.
 */
export function parsePlxSpotCheck(value: DataView): PlxSpotCheck {
  const r = new GattReader(value, SPOT)
  const flags = r.u8('Flags')
  const out: { -readonly [K in keyof PlxSpotCheck]: PlxSpotCheck[K] } = {
    spo2: r.sfloatRequired('SpO2PR-Spot-Check - SpO2'),
    pulseRate: r.sfloatRequired('SpO2PR-Spot-Check - PR')
  }
  if (flags & 0x01) {
    const ts = r.dateTime('Timestamp')
    if (ts.iso === undefined) out.timestampUnknown = true
    else out.timestamp = ts.iso
  }
  if (flags & 0x10) out.deviceClockNotSet = true
  if (flags & 0x02) out.measurementStatus = r.u16('Measurement Status')
  if (flags & 0x04) out.deviceAndSensorStatus = r.u24('Device and Sensor Status')
  if (flags & 0x08) {
    const pai = r.sfloatOptional('Pulse Amplitude Index')
    if (pai !== undefined) out.pulseAmplitudeIndex = pai
  }
  r.end()
  return out
}

function pair(r: GattReader, name: string): { spo2?: number; pulseRate?: number } {
  const spo2 = r.sfloatOptional(`${name} - SpO2`)
  const pulseRate = r.sfloatOptional(`${name} - PR`)
  return { ...(spo2 === undefined ? {} : { spo2 }), ...(pulseRate === undefined ? {} : { pulseRate }) }
}

/**
 * Parses a PLX Continuous Measurement value.
 * @throws {GattFormatError} if truncated or overlong.
 * @throws {GattValueUnavailableError} if the SpO2PR-Normal SpO2 or PR is a special value.
 */
export function parsePlxContinuous(value: DataView): PlxContinuous {
  const r = new GattReader(value, CONT)
  const flags = r.u8('Flags')
  const out: { -readonly [K in keyof PlxContinuous]: PlxContinuous[K] } = {
    spo2: r.sfloatRequired('SpO2PR-Normal - SpO2'),
    pulseRate: r.sfloatRequired('SpO2PR-Normal - PR')
  }
  if (flags & 0x01) out.fast = pair(r, 'SpO2PR-Fast')
  if (flags & 0x02) out.slow = pair(r, 'SpO2PR-Slow')
  if (flags & 0x04) out.measurementStatus = r.u16('Measurement Status')
  if (flags & 0x08) out.deviceAndSensorStatus = r.u24('Device and Sensor Status')
  if (flags & 0x10) {
    const pai = r.sfloatOptional('Pulse Amplitude Index')
    if (pai !== undefined) out.pulseAmplitudeIndex = pai
  }
  r.end()
  return out
}
