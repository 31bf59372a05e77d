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
 *
 * // telemonitoring: a doctor's thresholds, checked against readings; alerts as DetectedIssue
 * const rules = validateThresholdRules([{ id: 'sbp', code: '8480-6', comparator: '>', value: 160, unit: 'mm[Hg]' }])
 * visit.resources.put(thresholdsToBasic({ rules, at: Date.now() }))
 * for (const m of measurementsOf(obs)) if (checkReading(rules[0], m).verdict === 'past') …
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
export { RR_INTERVAL, RR_GAP_TOLERANCE_MS, rrBeatTimes, createRrTimeline, type RrTimeline } from './rr.ts'
export * from './bluetooth/index.ts'
export {
  validateThresholdRule,
  validateThresholdRules,
  sameRule,
  describeRule,
  convertValue,
  canonicalUnit,
  quantityKey,
  sameQuantity,
  quantityCodes,
  hysteresisOf,
  matchingCode,
  checkReading,
  stepEpisode,
  episodesOf,
  INITIAL_EPISODE,
  SAME_QUANTITY,
  DEFAULT_HYSTERESIS,
  MAX_THRESHOLD_RULES,
  MAX_RULE_LABEL,
  MAX_CLEAR_AFTER_MS,
  ThresholdRuleError,
  ThresholdUnitError
} from './thresholds.ts'
export type { ThresholdRule, ThresholdComparator, Measurement, MeasurementSource, Verdict, EpisodeState, EpisodeEvent, Episode } from './thresholds.ts'
export {
  measurementsOf,
  observationTime,
  loincDisplay,
  ruleExtension,
  ruleFromExtension,
  thresholdsToBasic,
  thresholdsFromBasic,
  alertId,
  alertToDetectedIssue,
  endAlert,
  acknowledgeAlert,
  isThresholdAlert,
  alertFromDetectedIssue,
  ThresholdFormatError,
  TELEMONITORING_SYSTEM,
  THRESHOLD_RULE_URL,
  SERIES_DEVICE_SYSTEM,
  THRESHOLDS_RESOURCE_ID,
  THRESHOLDS_REFERENCE
} from './threshold-fhir.ts'
export type { ThresholdSetInit, AlertInit, ThresholdAlert } from './threshold-fhir.ts'
