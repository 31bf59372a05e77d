/**
 * The part of the Web Bluetooth API (W3C Web Bluetooth CG draft, §4-§6) this layer uses,
 * as structural types. The browser's own `BluetoothDevice`, `BluetoothRemoteGATTServer`,
 * `BluetoothRemoteGATTService` and `BluetoothRemoteGATTCharacteristic` satisfy them, and so
 * does a small fake in unit tests; no `@types/web-bluetooth` and no DOM typing of
 * `navigator.bluetooth` is needed, so Node code is unaffected.
 */

/** A UUID as Web Bluetooth takes it: a 16-bit alias number or a 128-bit string. */
export type BluetoothUuid = number | string

/** `BluetoothCharacteristicProperties` (Web Bluetooth §5.4.1). */
export interface CharacteristicPropertiesLike {
  readonly read: boolean
  readonly write: boolean
  readonly writeWithoutResponse?: boolean
  readonly notify: boolean
  readonly indicate: boolean
}

/** `BluetoothRemoteGATTCharacteristic` (Web Bluetooth §5.4). */
export interface CharacteristicLike extends EventTarget {
  readonly uuid: string
  readonly properties: CharacteristicPropertiesLike
  /** The last value read or notified (a `DataView`). */
  readonly value?: DataView | null
  readValue(): Promise<DataView>
  writeValueWithResponse?(value: BufferSource): Promise<void>
  writeValue?(value: BufferSource): Promise<void>
  startNotifications(): Promise<unknown>
  stopNotifications(): Promise<unknown>
}

/** `BluetoothRemoteGATTService` (Web Bluetooth §5.3). */
export interface ServiceLike {
  readonly uuid: string
  getCharacteristic(characteristic: BluetoothUuid): Promise<CharacteristicLike>
}

/** `BluetoothRemoteGATTServer` (Web Bluetooth §5.2). */
export interface GattServerLike {
  readonly connected: boolean
  connect(): Promise<GattServerLike>
  disconnect(): void
  getPrimaryService(service: BluetoothUuid): Promise<ServiceLike>
}

/**
 * `BluetoothDevice` (Web Bluetooth §4.2): fires `gattserverdisconnected`, and
 * `advertisementreceived` while `watchAdvertisements()` runs (§4.2.2; Chromium has it
 * with the new permissions backend).
 */
export interface DeviceLike extends EventTarget {
  readonly id: string
  readonly name?: string | undefined | null
  readonly gatt?: GattServerLike | undefined | null
  watchAdvertisements?(options?: { signal?: AbortSignal }): Promise<void>
}

/** `BluetoothLEScanFilterInit` (Web Bluetooth §3.1), the part used here. */
export interface RequestFilter {
  readonly services?: BluetoothUuid[]
  readonly name?: string
  readonly namePrefix?: string
}

/** `RequestDeviceOptions` (Web Bluetooth §3.1). */
export interface RequestDeviceOptionsLike {
  readonly filters?: RequestFilter[]
  readonly acceptAllDevices?: boolean
  readonly optionalServices?: BluetoothUuid[]
}

/** `navigator.bluetooth` (Web Bluetooth §3). `getDevices` is missing in some browsers. */
export interface BluetoothLike {
  requestDevice(options: RequestDeviceOptionsLike): Promise<DeviceLike>
  getDevices?(): Promise<DeviceLike[]>
  getAvailability?(): Promise<boolean>
}
