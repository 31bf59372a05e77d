/**
 * Heart Rate Measurement (0x2A37): Heart Rate Service 1.0 §3.1 and its field table in the
 * GATT Specification Supplement (§3.113 in v8, "Heart Rate Measurement").
 *
 * ```
 * flags  u8   bit 0      Heart Rate Value Format: 0 = uint8, 1 = uint16
 *             bits 1-2   Sensor Contact Status: 0/1 = not supported, 2 = not detected, 3 = detected
 *             bit 3      Energy Expended present
 *             bit 4      RR-Interval present
 *             bits 5-7   reserved for future use (ignored)
 * value  u8 | u16        beats per minute
 * [energy expended u16]  kJ since the last reset (65535 = "at least 65535")
 * [RR-Interval u16]…     one or more, 1/1024 s each, oldest first
 * ```
 */
import { GattReader } from './reader.ts'

const NAME = 'Heart Rate Measurement (0x2A37)'

/** A parsed Heart Rate Measurement. */
export interface HeartRateMeasurement {
  /** Beats per minute. */
  readonly bpm: number
  readonly sensorContact: 'detected' | 'not-detected' | 'unsupported'
  /** Energy expended since the last reset, kJ (present only if flagged). */
  readonly energyExpendedKJ?: number
  /** RR intervals in milliseconds, oldest first (empty if none were sent). */
  readonly rrIntervalsMs: number[]
}

/**
 * Parses a Heart Rate Measurement value.
 * @throws {GattFormatError} if truncated, if RR-Interval is flagged but absent or odd in
 * length, or if octets follow the last field.
 * @example parseHeartRateMeasurement(new DataView(Uint8Array.of(0x16, 72, 0x00, 0x04).buffer))
 *   // { bpm: 72, sensorContact: 'detected', rrIntervalsMs: [1000] }
 */
export function parseHeartRateMeasurement(value: DataView): HeartRateMeasurement {
  const r = new GattReader(value, NAME)
  const flags = r.u8('Flags')
  const bpm = flags & 0x01 ? r.u16('Heart Rate Measurement Value (uint16)') : r.u8('Heart Rate Measurement Value (uint8)')
  const contactBits = (flags >> 1) & 0x03
  // HRS 1.0, Sensor Contact Status: bit 2 = contact feature supported, bit 1 = contact detected
  const sensorContact = contactBits === 3 ? 'detected' : contactBits === 2 ? 'not-detected' : 'unsupported'
  const energy = flags & 0x08 ? r.u16('Energy Expended') : undefined
  const rrIntervalsMs: number[] = []
  if (flags & 0x10) {
    if (r.remaining === 0) throw r.error('RR-Interval', 'flagged present but no interval follows')
    // RR-Interval resolution is 1/1024 s; ×1000/1024 is exact in binary floating point
    while (r.remaining > 0) rrIntervalsMs.push((r.u16('RR-Interval') * 1000) / 1024)
  }
  r.end()
  return energy === undefined ? { bpm, sensorContact, rrIntervalsMs } : { bpm, sensorContact, energyExpendedKJ: energy, rrIntervalsMs }
}
