/**
 * Which GATT service and characteristics each supported device kind uses, and how each
 * characteristic value is decoded (Bluetooth SIG Assigned Numbers §3.4 services, §3.8
 * characteristics; each service specification names which are mandatory and whether they
 * notify or indicate).
 */
import {
  parseBloodPressureMeasurement,
  parseCgmMeasurement,
  parseGlucoseMeasurement,
  parseGlucoseMeasurementContext,
  parseHeartRateMeasurement,
  parseIntermediateCuffPressure,
  parsePlxContinuous,
  parsePlxSpotCheck,
  parseRacpResponse,
  parseTemperatureMeasurement,
  parseWeightMeasurement,
  type GlucoseMeasurementContext,
  type IntermediateCuffPressure,
  type RacpResponse
} from '../gatt/index.ts'
import type { DeviceReading } from '../fhir.ts'

/** The device kinds a user can pair, one doc line each. */
export const DeviceKinds = {
  /** Heart Rate Service 1.0 (a chest strap, a watch). */
  heartRate: 'heart-rate',
  /** Blood Pressure Service 1.1 (a cuff). */
  bloodPressure: 'blood-pressure',
  /** Glucose Service 1.0 (a blood glucose meter with stored records). */
  glucose: 'glucose',
  /** Health Thermometer Service 1.0. */
  thermometer: 'thermometer',
  /** Weight Scale Service 1.0. */
  weightScale: 'weight-scale',
  /** Pulse Oximeter Service 1.0 (spot-check and/or continuous). */
  pulseOximeter: 'pulse-oximeter',
  /** Continuous Glucose Monitoring Service 1.0.1. */
  cgm: 'cgm'
} as const
export type DeviceKind = (typeof DeviceKinds)[keyof typeof DeviceKinds]

/** The full 128-bit UUID of a 16-bit SIG alias (Core v5.4 Vol 3 Part B §2.5.1: base UUID). */
export function bluetoothUuid(alias: number): string {
  if (!Number.isInteger(alias) || alias < 0 || alias > 0xffff) throw new RangeError(`alias: expected an integer 0-0xFFFF, got ${String(alias)}`)
  return `0000${alias.toString(16).padStart(4, '0')}-0000-1000-8000-00805f9b34fb`
}

/** What a characteristic value decodes to. */
export type DecodedValue =
  /** Measurements to store (a CGM notification may hold several). */
  | { readonly type: 'readings'; readonly readings: readonly DeviceReading[] }
  /** BLS Intermediate Cuff Pressure: live cuff pressure during a measurement, not stored. */
  | { readonly type: 'intermediate-cuff'; readonly value: IntermediateCuffPressure }
  /** GLS Glucose Measurement Context: follows the measurement with the same sequence number. */
  | { readonly type: 'glucose-context'; readonly value: GlucoseMeasurementContext }
  /** A Record Access Control Point indication. */
  | { readonly type: 'racp'; readonly value: RacpResponse }

/** One characteristic a session subscribes to. */
export interface CharacteristicSpec {
  /** 16-bit SIG alias. */
  readonly uuid: number
  /** e.g. `Heart Rate Measurement`. */
  readonly name: string
  /** How the device sends it (the session calls `startNotifications()` for both). */
  readonly mode: 'notify' | 'indicate'
  /** Whether the service specification makes it mandatory: a missing one fails the connection. */
  readonly required: boolean
  /** @throws {GattFormatError | GattValueUnavailableError} for a bad value. */
  readonly decode: (value: DataView) => DecodedValue
}

/** One device kind. */
export interface DeviceKindSpec {
  readonly kind: DeviceKind
  /** Primary service, 16-bit alias. */
  readonly service: number
  readonly serviceName: string
  readonly characteristics: readonly CharacteristicSpec[]
  /** Record Access Control Point (GLS): the session fetches stored records through it. */
  readonly racp?: number
}

const readings = (...r: DeviceReading[]): DecodedValue => ({ type: 'readings', readings: r })

/** Battery Service 1.0 §3.1: Battery Level 0x2A19, read (notify optional). */
export const BATTERY_SERVICE = 0x180f
export const BATTERY_LEVEL = 0x2a19
/** Device Information Service 1.1 §3. */
export const DEVICE_INFORMATION_SERVICE = 0x180a
/** GLS 1.0 §3.4: Record Access Control Point, write + indicate. */
export const RECORD_ACCESS_CONTROL_POINT = 0x2a52

/** The catalogue, one entry per kind. */
export const DEVICE_CATALOGUE: Readonly<Record<DeviceKind, DeviceKindSpec>> = {
  'heart-rate': {
    kind: 'heart-rate',
    service: 0x180d,
    serviceName: 'Heart Rate',
    characteristics: [
      // HRS 1.0 §3.1: Heart Rate Measurement, notify, mandatory
      { uuid: 0x2a37, name: 'Heart Rate Measurement', mode: 'notify', required: true, decode: (v) => readings({ kind: 'heart-rate', value: parseHeartRateMeasurement(v) }) }
    ]
  },
  'blood-pressure': {
    kind: 'blood-pressure',
    service: 0x1810,
    serviceName: 'Blood Pressure',
    characteristics: [
      // BLS 1.1 §3.1: Blood Pressure Measurement, indicate, mandatory
      { uuid: 0x2a35, name: 'Blood Pressure Measurement', mode: 'indicate', required: true, decode: (v) => readings({ kind: 'blood-pressure', value: parseBloodPressureMeasurement(v) }) },
      // BLS 1.1 §3.2: Intermediate Cuff Pressure, notify, optional
      { uuid: 0x2a36, name: 'Intermediate Cuff Pressure', mode: 'notify', required: false, decode: (v) => ({ type: 'intermediate-cuff', value: parseIntermediateCuffPressure(v) }) }
    ]
  },
  glucose: {
    kind: 'glucose',
    service: 0x1808,
    serviceName: 'Glucose',
    characteristics: [
      // GLS 1.0 §3.1: Glucose Measurement, notify, mandatory
      { uuid: 0x2a18, name: 'Glucose Measurement', mode: 'notify', required: true, decode: (v) => readings({ kind: 'glucose', value: parseGlucoseMeasurement(v) }) },
      // GLS 1.0 §3.2: Glucose Measurement Context, notify, optional
      { uuid: 0x2a34, name: 'Glucose Measurement Context', mode: 'notify', required: false, decode: (v) => ({ type: 'glucose-context', value: parseGlucoseMeasurementContext(v) }) },
      // GLS 1.0 §3.4: Record Access Control Point, write + indicate, mandatory
      { uuid: RECORD_ACCESS_CONTROL_POINT, name: 'Record Access Control Point', mode: 'indicate', required: true, decode: (v) => ({ type: 'racp', value: parseRacpResponse(v) }) }
    ],
    racp: RECORD_ACCESS_CONTROL_POINT
  },
  thermometer: {
    kind: 'thermometer',
    service: 0x1809,
    serviceName: 'Health Thermometer',
    characteristics: [
      // HTS 1.0 §3.1: Temperature Measurement, indicate, mandatory
      { uuid: 0x2a1c, name: 'Temperature Measurement', mode: 'indicate', required: true, decode: (v) => readings({ kind: 'temperature', value: parseTemperatureMeasurement(v) }) }
    ]
  },
  'weight-scale': {
    kind: 'weight-scale',
    service: 0x181d,
    serviceName: 'Weight Scale',
    characteristics: [
      // WSS 1.0 §3.2: Weight Measurement, indicate, mandatory
      { uuid: 0x2a9d, name: 'Weight Measurement', mode: 'indicate', required: true, decode: (v) => readings({ kind: 'weight', value: parseWeightMeasurement(v) }) }
    ]
  },
  'pulse-oximeter': {
    kind: 'pulse-oximeter',
    service: 0x1822,
    serviceName: 'Pulse Oximeter',
    characteristics: [
      // PLXS 1.0 §3.1-3.2: Spot-check (indicate) and Continuous (notify); each optional, at least one present
      { uuid: 0x2a5e, name: 'PLX Spot-check Measurement', mode: 'indicate', required: false, decode: (v) => readings({ kind: 'plx-spot-check', value: parsePlxSpotCheck(v) }) },
      { uuid: 0x2a5f, name: 'PLX Continuous Measurement', mode: 'notify', required: false, decode: (v) => readings({ kind: 'plx-continuous', value: parsePlxContinuous(v) }) }
    ]
  },
  cgm: {
    kind: 'cgm',
    service: 0x181f,
    serviceName: 'Continuous Glucose Monitoring',
    characteristics: [
      // CGMS 1.0.1 §3.1: CGM Measurement, notify, mandatory; one notification may carry several records
      { uuid: 0x2aa7, name: 'CGM Measurement', mode: 'notify', required: true, decode: (v) => readings(...parseCgmMeasurement(v).map((value) => ({ kind: 'cgm', value }) as const)) }
    ]
  }
}

/**
 * The catalogue entry of `kind`.
 * @throws {TypeError} for an unknown kind.
 */
export function deviceKindSpec(kind: DeviceKind): DeviceKindSpec {
  const spec = Object.hasOwn(DEVICE_CATALOGUE, kind) ? DEVICE_CATALOGUE[kind] : undefined
  if (spec === undefined) throw new TypeError(`kind: unknown device kind ${String(kind)}`)
  return spec
}
