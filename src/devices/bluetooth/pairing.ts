/**
 * Pairing through the browser's device chooser, and the devices this origin may use
 * again without it.
 */
import { BATTERY_SERVICE, DEVICE_INFORMATION_SERVICE, deviceKindSpec, type DeviceKind } from './catalogue.ts'
import { BluetoothUnavailableError, PairingCancelledError } from './errors.ts'
import type { BluetoothLike, DeviceLike, RequestDeviceOptionsLike } from './web-bluetooth.ts'

/**
 * `navigator.bluetooth`, or undefined where the browser has no Web Bluetooth (Firefox,
 * Safari, Chromium without the feature, an insecure context, Node).
 */
export function webBluetooth(): BluetoothLike | undefined {
  const nav = (globalThis as { navigator?: { bluetooth?: BluetoothLike } }).navigator
  return nav?.bluetooth ?? undefined
}

function need(bluetooth: BluetoothLike | undefined): BluetoothLike {
  if (bluetooth === undefined) throw new BluetoothUnavailableError('Web Bluetooth is not available in this browser')
  return bluetooth
}

/**
 * The `requestDevice` options for `kind`: devices advertising its primary service; Battery
 * and Device Information as optional services (Web Bluetooth §3.1: a service not named in
 * the filters or `optionalServices` cannot be used after pairing).
 * @throws {TypeError} for an unknown kind.
 */
export function requestOptions(kind: DeviceKind): RequestDeviceOptionsLike {
  const spec = deviceKindSpec(kind)
  return { filters: [{ services: [spec.service] }], optionalServices: [BATTERY_SERVICE, DEVICE_INFORMATION_SERVICE] }
}

/**
 * Opens the browser's chooser for a device of `kind` and returns the one the user picked.
 * Must be called from a user gesture (a click), as `requestDevice` requires.
 * @throws {BluetoothUnavailableError} without Web Bluetooth.
 * @throws {PairingCancelledError} if the user closed the chooser.
 * @throws the browser's `SecurityError` outside a user gesture.
 * @example const device = await pairDevice('heart-rate')
 */
export async function pairDevice(kind: DeviceKind, bluetooth: BluetoothLike | undefined = webBluetooth()): Promise<DeviceLike> {
  const options = requestOptions(kind)
  const bt = need(bluetooth)
  try {
    return await bt.requestDevice(options)
  } catch (err) {
    // Web Bluetooth §3.1 step "user cancels the prompt": rejects with NotFoundError
    if (err instanceof Error && err.name === 'NotFoundError') throw new PairingCancelledError('no device was chosen', { cause: err })
    throw err
  }
}

/**
 * The devices this origin was granted before (`navigator.bluetooth.getDevices()`, Web
 * Bluetooth §3.2), to reconnect without the chooser after a reload. Where the browser has
 * no `getDevices` (Chromium before the new permissions backend, other browsers) this is an
 * empty list: the user pairs again through the chooser after each reload.
 * @throws {BluetoothUnavailableError} without Web Bluetooth.
 */
export async function rememberedDevices(bluetooth: BluetoothLike | undefined = webBluetooth()): Promise<DeviceLike[]> {
  const bt = need(bluetooth)
  if (typeof bt.getDevices !== 'function') return []
  return bt.getDevices()
}
