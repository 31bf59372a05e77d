/**
 * Named errors of device sessions. Each is reported through the session's `error` event
 * (the session goes on) unless a method's doc says it throws it.
 */
import { PhrError } from '../../lib/index.ts'

/** `navigator.bluetooth` is missing: no Web Bluetooth in this browser (or not a secure context). */
export class BluetoothUnavailableError extends PhrError {
  override name: string = 'BluetoothUnavailableError'
}

/** The user closed the device chooser without picking a device (`NotFoundError` from `requestDevice`). */
export class PairingCancelledError extends PhrError {
  override name: string = 'PairingCancelledError'
}

/** A device lacks a characteristic its service specification makes mandatory. */
export class DeviceUnsupportedError extends PhrError {
  override name: string = 'DeviceUnsupportedError'
}

/** A GATT operation did not finish in time (the session drops the link and reconnects). */
export class GattTimeoutError extends PhrError {
  override name: string = 'GattTimeoutError'
  readonly operation: string
  constructor(operation: string, ms: number) {
    super(`${operation}: no answer within ${ms} ms`)
    this.operation = operation
  }
}

/** The session was closed (or its signal aborted) while an operation waited. */
export class DeviceSessionClosedError extends PhrError {
  override name: string = 'DeviceSessionClosedError'
}

/** A characteristic value could not be read into a reading; `cause` is the parser's named error. */
export class DeviceValueError extends PhrError {
  override name: string = 'DeviceValueError'
  /** e.g. `Heart Rate Measurement`. */
  readonly characteristic: string
  constructor(characteristic: string, cause: unknown) {
    super(`${characteristic}: value dropped: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`, { cause })
    this.characteristic = characteristic
  }
}

/** The meter answered a Record Access Control Point request with a failure code (GLS 1.0 §3.4). */
export class RacpRequestError extends PhrError {
  override name: string = 'RacpRequestError'
  /** The RACP response code value (GSS "Response Code Values"), e.g. 5 Invalid Operand. */
  readonly code: number
  constructor(code: number, meaning: string) {
    super(`Record Access Control Point: request failed: ${code} ${meaning}`)
    this.code = code
  }
}

/** The meter gave no RACP response in time (GLS 1.0 §3.4: the client may then abort). */
export class RacpTimeoutError extends PhrError {
  override name: string = 'RacpTimeoutError'
}
