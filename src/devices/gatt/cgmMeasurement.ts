/**
 * CGM Measurement (0x2AA7): Continuous Glucose Monitoring Service 1.0.1 §3.1, field table
 * in the GATT Specification Supplement ("CGM Measurement"). One notification carries one
 * or more records, back to back, each starting with its own Size.
 *
 * ```
 * size  u8   the record's length in octets, this field included (≥ 6)
 * flags u8   bit 0 CGM Trend Information present, bit 1 CGM Quality present,
 *            bits 2-4 reserved (ignored),
 *            bit 5 Sensor Status Annunciation Warning-Octet present,
 *            bit 6 … Cal/Temp-Octet present, bit 7 … Status-Octet present
 * glucose SFLOAT, mg/dL ‖ time offset u16, minutes since the session start
 * [status octet] [cal/temp octet] [warning octet]   (annunciation bits 0-7, 8-15, 16-23)
 * [trend SFLOAT, (mg/dL)/min] [quality SFLOAT, %]
 * [E2E-CRC u16]  present iff the sensor's CGM Feature says E2E-CRC is supported
 * ```
 *
 * Annunciation octet order: as the GSS field table numbers the bits (0-23, fields least
 * significant octet first), as GSS-YAML readers and Nordic's nRF Connect SDK sensor
 * (`bt_cgms_notify_meas`) send them; the older nRF5 SDK sensor sends the warning octet
 * first. Only a record carrying two or more of the octets is affected.
 *
 * Whether a record carries the E2E-CRC is read from its Size: the flagged fields either
 * fill it exactly (no CRC) or leave exactly 2 octets (the CRC). Any other Size is
 * inconsistent and throws. A present CRC is verified — CGMS 1.0.1, E2E-CRC field: CRC-CCITT
 * g(D) = D^16 + D^12 + D^5 + 1, seed 0xFFFF, over all fields of the record before it; as
 * implemented by Nordic's and Cypress's CGMS stacks, bit-reflected (poly 0x8408, no final
 * XOR: the CRC-16/MCRF4XX catalogue entry) — and a mismatch throws. A special glucose
 * value in any record throws `GattValueUnavailableError` for the whole notification
 * (nothing half-parsed).
 */
import { GattReader } from './reader.ts'

const NAME = 'CGM Measurement (0x2AA7)'

/**
 * CRC-16/MCRF4XX: reflected CRC-CCITT (0x8408), init 0xFFFF, no final XOR.
 * @throws Never.
 * @example crc16Mcrf4xx(new TextEncoder().encode('123456789')) // 0x6F91
 */
export function crc16Mcrf4xx(bytes: Uint8Array): number {
  let crc = 0xffff
  for (const b of bytes) {
    crc ^= b
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1
  }
  return crc
}

/** One parsed CGM Measurement record. */
export interface CgmRecord {
  readonly glucoseMgDl: number
  /** Minutes since the CGM session start. */
  readonly timeOffsetMin: number
  /** Sensor Status Annunciation (24 bits: status, cal/temp, warning octets; absent octets 0). */
  readonly sensorStatus?: number
  /** (mg/dL)/min. */
  readonly trendMgDlPerMin?: number
  /** %. */
  readonly qualityPercent?: number
  /** The record's E2E-CRC, verified. */
  readonly e2eCrc?: number
}

/**
 * Parses a CGM Measurement notification into its records, in order.
 * @throws {GattFormatError} if empty, a record is truncated, or a Size disagrees with its Flags.
 * @throws {GattValueUnavailableError} if a record's glucose is a special value.
 */
export function parseCgmMeasurement(value: DataView): CgmRecord[] {
  const r = new GattReader(value, NAME)
  if (r.remaining === 0) throw r.error('Size', 'no record')
  const records: CgmRecord[] = []
  while (r.remaining > 0) {
    const start = r.offset
    const size = r.u8('Size')
    if (size < 6) throw r.error('Size', `record at offset ${start}: size ${size} is under the 6-octet minimum`)
    if (size - 1 > r.remaining) throw r.error('Size', `record at offset ${start}: size ${size} but only ${r.remaining + 1} octets left`)
    const flags = r.u8('Flags')
    const out: { -readonly [K in keyof CgmRecord]: CgmRecord[K] } = {
      glucoseMgDl: r.sfloatRequired('CGM Glucose Concentration'),
      timeOffsetMin: r.u16('Time Offset')
    }
    if (flags & 0xe0) {
      let status = 0
      if (flags & 0x80) status |= r.u8('Sensor Status Annunciation (Status-Octet)')
      if (flags & 0x40) status |= r.u8('Sensor Status Annunciation (Cal/Temp-Octet)') << 8
      if (flags & 0x20) status |= r.u8('Sensor Status Annunciation (Warning-Octet)') << 16
      out.sensorStatus = status
    }
    if (flags & 0x01) {
      const trend = r.sfloatOptional('CGM Trend Information')
      if (trend !== undefined) out.trendMgDlPerMin = trend
    }
    if (flags & 0x02) {
      const quality = r.sfloatOptional('CGM Quality')
      if (quality !== undefined) out.qualityPercent = quality
    }
    const left = size - (r.offset - start)
    if (left === 2) {
      const fieldsEnd = r.offset
      const crc = r.u16('E2E-CRC')
      const expected = crc16Mcrf4xx(r.bytesRead(start, fieldsEnd))
      if (crc !== expected) throw r.error('E2E-CRC', `record at offset ${start}: CRC 0x${crc.toString(16).padStart(4, '0')} but the fields give 0x${expected.toString(16).padStart(4, '0')}`)
      out.e2eCrc = crc
    } else if (left !== 0) throw r.error('Size', `record at offset ${start}: size ${size} disagrees with its flags (0x${flags.toString(16).padStart(2, '0')}): ${left} octets unaccounted for`)
    records.push(out)
  }
  return records
}
