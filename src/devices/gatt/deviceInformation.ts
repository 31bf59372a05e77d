/**
 * Battery Level (0x2A19, Battery Service 1.0 §3.1) and the Device Information Service
 * strings (DIS 1.1 §3: Manufacturer Name 0x2A29, Model Number 0x2A24, Serial Number
 * 0x2A25, Hardware Revision 0x2A27, Firmware Revision 0x2A26, Software Revision 0x2A28),
 * each a UTF-8 string (GSS format `utf8s`) filling the whole value.
 */
import { utf8Decode } from '../../lib/index.ts'
import { GattReader } from './reader.ts'

/** The Device Information string characteristics, by UUID. */
export const DEVICE_INFORMATION_STRINGS = {
  manufacturerName: 0x2a29,
  modelNumber: 0x2a24,
  serialNumber: 0x2a25,
  hardwareRevision: 0x2a27,
  firmwareRevision: 0x2a26,
  softwareRevision: 0x2a28
} as const
export type DeviceInformationString = keyof typeof DEVICE_INFORMATION_STRINGS

const LABELS: Record<DeviceInformationString, string> = {
  manufacturerName: 'Manufacturer Name String',
  modelNumber: 'Model Number String',
  serialNumber: 'Serial Number String',
  hardwareRevision: 'Hardware Revision String',
  firmwareRevision: 'Firmware Revision String',
  softwareRevision: 'Software Revision String'
}

/**
 * Parses Battery Level: one octet, percent 0-100.
 * @throws {GattFormatError} if not exactly one octet or over 100.
 * @example parseBatteryLevel(new DataView(Uint8Array.of(87).buffer)) // 87
 */
export function parseBatteryLevel(value: DataView): number {
  const r = new GattReader(value, 'Battery Level (0x2A19)')
  const level = r.u8('Battery Level')
  r.end()
  if (level > 100) throw r.error('Battery Level', `${level} is over 100 %`)
  return level
}

/**
 * Parses a Device Information string. Trailing NUL octets (C-string padding some devices
 * send) are dropped; other control characters are kept as sent.
 * @throws {GattFormatError} if the bytes are not UTF-8.
 * @example parseDeviceInformationString(view, 'manufacturerName') // 'Acme Medical'
 */
export function parseDeviceInformationString(value: DataView, which: DeviceInformationString): string {
  const label = `${LABELS[which]} (0x${DEVICE_INFORMATION_STRINGS[which].toString(16).toUpperCase()})`
  const r = new GattReader(value, label)
  let bytes = r.rest()
  let end = bytes.length
  while (end > 0 && bytes[end - 1] === 0) end--
  bytes = bytes.subarray(0, end)
  try {
    return utf8Decode(bytes)
  } catch {
    // utf8Decode's TypeError is about the input bytes here: report it as a format error
    throw r.error(LABELS[which], 'not valid UTF-8')
  }
}
