/**
 * Pure parsers of the Bluetooth SIG health characteristics (DESIGN §9), one per file, each
 * citing the service specification and GATT Specification Supplement table it implements.
 * Input is the `DataView` Web Bluetooth hands over (`characteristic.value`, possibly a
 * view into a larger buffer); output is a plain object or a named error:
 *
 * - `GattFormatError` (a `FormatError`): truncated, overlong, out-of-range or inconsistent
 *   bytes; its `characteristic` and `field` say where.
 * - `GattValueUnavailableError`: well formed, but the mandatory measurement is an IEEE 11073
 *   special value (NaN, NRes, ±INFINITY, reserved) or the service's "unsuccessful" code.
 *   Optional values that are special are left out of the result instead.
 *
 * Nothing half-parsed is ever returned.
 *
 * @example
 * ```ts
 * import { parseHeartRateMeasurement, GattFormatError } from './devices/gatt/index.ts'
 *
 * characteristic.addEventListener('characteristicvaluechanged', () => {
 *   try {
 *     const { bpm, rrIntervalsMs } = parseHeartRateMeasurement(characteristic.value!)
 *   } catch (err) {
 *     if (!(err instanceof GattFormatError)) throw err
 *     log.warn(err.characteristic, err.field, err.message)
 *   }
 * })
 * ```
 * @packageDocumentation
 */
export { GattFormatError, GattValueUnavailableError } from './errors.ts'
export type { GattSpecialValue } from './errors.ts'
export { sfloat, float32 } from './ieee11073.ts'
export { MAX_ATTRIBUTE_LENGTH } from './reader.ts'
export { parseHeartRateMeasurement } from './heartRateMeasurement.ts'
export type { HeartRateMeasurement } from './heartRateMeasurement.ts'
export { parseBloodPressureMeasurement, parseIntermediateCuffPressure } from './bloodPressureMeasurement.ts'
export type { BloodPressureMeasurement, IntermediateCuffPressure, BloodPressureStatus } from './bloodPressureMeasurement.ts'
export { parseGlucoseMeasurement, parseGlucoseMeasurementContext } from './glucoseMeasurement.ts'
export type { GlucoseMeasurement, GlucoseMeasurementContext, GlucoseSampleType, GlucoseSampleLocation } from './glucoseMeasurement.ts'
export {
  RacpOpCode,
  RACP_RESPONSE_MEANINGS,
  racpReportAllRecords,
  racpReportRecordsFrom,
  racpReportNumberOfRecords,
  racpAbort,
  parseRacpResponse
} from './recordAccessControlPoint.ts'
export type { RacpResponse } from './recordAccessControlPoint.ts'
export { parseTemperatureMeasurement } from './temperatureMeasurement.ts'
export type { TemperatureMeasurement } from './temperatureMeasurement.ts'
export { parseWeightMeasurement } from './weightMeasurement.ts'
export type { WeightMeasurement } from './weightMeasurement.ts'
export { parsePlxSpotCheck, parsePlxContinuous } from './plx.ts'
export type { PlxSpotCheck, PlxContinuous } from './plx.ts'
export { parseCgmMeasurement, crc16Mcrf4xx } from './cgmMeasurement.ts'
export type { CgmRecord } from './cgmMeasurement.ts'
export { parseBatteryLevel, parseDeviceInformationString, DEVICE_INFORMATION_STRINGS } from './deviceInformation.ts'
export type { DeviceInformationString } from './deviceInformation.ts'
