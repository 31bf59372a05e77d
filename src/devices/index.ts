/**
 * Bluetooth health devices (DESIGN §9): pure GATT parsers (`./gatt/`), the mapping of
 * their readings to FHIR R4 Observations and record time series (`./fhir.ts`), and device
 * sessions over Web Bluetooth (`./bluetooth/`: pairing, subscriptions, reconnects, RACP),
 * which hand the `DataView` of each notification to the parsers.
 *
 * @example
 * ```ts
 * import { parseBloodPressureMeasurement, observationsFromReading, seriesSamples, parseHeartRateMeasurement } from '../devices/index.ts'
 *
 * const bp = parseBloodPressureMeasurement(event.target.value)
 * const ctx = { device: { id: device.id, name: device.name }, receivedAt: Date.now(), timeZone: 'Europe/Berlin' }
 * for (const obs of observationsFromReading({ kind: 'blood-pressure', value: bp }, { ...ctx, id: 'bp-1' })) vitals.resources.put(obs)
 *
 * const hr = { kind: 'heart-rate', value: parseHeartRateMeasurement(value) } as const
 * for (const s of seriesSamples(hr, ctx)) vitals.series.append(s.code, s.device, s.t, s.value, s.unit)
 * ```
 * @packageDocumentation
 */
export * from './gatt/index.ts'
export {
  observationsFromReading,
  readingTime,
  seriesSamples,
  seriesDeviceId,
  DEVICE_LOINC,
  WEB_BLUETOOTH_DEVICE_ID_SYSTEM
} from './fhir.ts'
export type { DeviceReading, ReadingContext, ObservationInit, SeriesSample } from './fhir.ts'
export * from './bluetooth/index.ts'
