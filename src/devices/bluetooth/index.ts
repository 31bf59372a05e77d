/**
 * Device sessions over Web Bluetooth (DESIGN §9): the catalogue of supported device kinds,
 * pairing through the browser's chooser, remembered devices, and a `DeviceSession` per
 * device that connects, subscribes, parses every value with `../gatt` into readings with
 * their FHIR Observations and series samples (`../fhir.ts`), shows battery and connection
 * state, reconnects with exponential backoff, and fetches a glucose meter's stored records
 * through RACP since the last sequence number seen.
 *
 * The browser objects are typed structurally (`./web-bluetooth.ts`), so this folder loads in
 * Node too; only `pairDevice` and `rememberedDevices` touch `navigator.bluetooth`.
 *
 * @example
 * ```ts
 * import { pairDevice, createDeviceSession, memorySequenceStore } from './devices/index.ts'
 *
 * const device = await pairDevice('glucose') // in a click handler
 * const session = createDeviceSession({ kind: 'glucose', timeZone: 'Europe/Berlin' }, { device, sequences: memorySequenceStore() })
 * session.on('reading', (r) => r.observations.forEach((o) => vitals.resources.put(o)))
 * session.on('state', (s) => (status.textContent = s.state === 'reconnecting' ? `reconnecting in ${Math.ceil(s.inMs / 1000)} s` : s.state))
 * session.on('error', (e) => log.warn(e.name, e.message))
 * await session.start()
 * ```
 * @packageDocumentation
 */
export {
  DeviceKinds,
  DEVICE_CATALOGUE,
  BATTERY_SERVICE,
  BATTERY_LEVEL,
  DEVICE_INFORMATION_SERVICE,
  RECORD_ACCESS_CONTROL_POINT,
  bluetoothUuid,
  deviceKindSpec
} from './catalogue.ts'
export type { DeviceKind, DeviceKindSpec, CharacteristicSpec, DecodedValue } from './catalogue.ts'
export {
  BluetoothUnavailableError,
  PairingCancelledError,
  DeviceUnsupportedError,
  GattTimeoutError,
  DeviceSessionClosedError,
  DeviceValueError,
  RacpRequestError,
  RacpTimeoutError
} from './errors.ts'
export { webBluetooth, requestOptions, pairDevice, rememberedDevices } from './pairing.ts'
export { createDeviceSession } from './session.ts'
export { ConnectionStates } from './session-types.ts'
export type { DeviceSession, DeviceSessionInit, DeviceSessionComponents, DeviceSessionEvents, ConnectionState, SessionReading, DeviceInfo } from './session-types.ts'
export type { StoredRecordsResult } from './racp.ts'
export { memorySequenceStore } from './sequence-store.ts'
export type { SequenceStore } from './sequence-store.ts'
export { backoffDelay, realTimers } from './timing.ts'
export type { BackoffInit, Timers } from './timing.ts'
export type {
  BluetoothLike,
  DeviceLike,
  GattServerLike,
  ServiceLike,
  CharacteristicLike,
  CharacteristicPropertiesLike,
  RequestDeviceOptionsLike,
  RequestFilter,
  BluetoothUuid
} from './web-bluetooth.ts'
