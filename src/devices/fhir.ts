/**
 * Parsed GATT readings → FHIR R4 Observations (vital-signs category, LOINC codes, UCUM
 * quantities, the BLE device as `Observation.device`) and → time-series samples for the
 * record's `SeriesStore`.
 *
 * | reading                  | LOINC                                    | UCUM          |
 * |--------------------------|------------------------------------------|---------------|
 * | heart rate               | 8867-4 Heart rate                        | /min          |
 * | blood pressure           | 85354-9 panel: 8480-6 systolic, 8462-4 diastolic, 8478-0 mean (kPa converted) | mm[Hg] |
 * | blood pressure pulse     | 8867-4 Heart rate                        | /min          |
 * | glucose (meter)          | 2339-0 (mass) or 15074-8 (moles) in Blood| mg/dL, mmol/L |
 * | glucose (CGM)            | 99504-3 in Interstitial fluid            | mg/dL         |
 * | body temperature         | 8310-5 (°F converted)                    | Cel           |
 * | body weight              | 29463-7 (lb converted); BMI 39156-5; height 8302-2 | kg, kg/m2, cm |
 * | SpO2                     | 2708-6 + 59408-5                         | %             |
 * | pulse rate by oximetry   | 8889-8                                   | /min          |
 * | RR interval (series only)| MDC 147240 MDC_ECG_TIME_PD_RR_GL (rr.ts) | ms            |
 *
 * Readings that are not the patient's are dropped (no Observation, no sample): a heart rate
 * whose sensor reports no skin contact, a PLX reading flagged "measurement unavailable",
 * "invalid measurement", "data for demonstration" or "data for testing" (PLXS Measurement
 * Status bits 13, 15, 10, 11), a glucose measured on control solution.
 *
 * Time: a device time stamp (`YYYY-MM-DDTHH:MM:SS`, no zone) is read in the caller's
 * `timeZone`; a PLX time stamp taken while the device clock is not set is ignored; a CGM
 * record's time is the session start plus its offset. Without any of these, the receive
 * time is used.
 */
import {
  DEVICE_ID_PATTERN,
  OBSERVATION_CATEGORY,
  validateResource,
  DEFAULT_MAX_RESOURCE_BYTES,
  type CodeableConcept,
  type Observation,
  type Reference
} from '../record/index.ts'
import type {
  BloodPressureMeasurement,
  CgmRecord,
  GlucoseMeasurement,
  HeartRateMeasurement,
  PlxContinuous,
  PlxSpotCheck,
  TemperatureMeasurement,
  WeightMeasurement
} from './gatt/index.ts'
import { dateTimeInZone, instantOfWallTime, wallAsUtc } from './time.ts'
import { RR_INTERVAL, rrBeatTimes, type RrTimeline } from './rr.ts'

const LOINC = 'http://loinc.org'
const UCUM = 'http://unitsofmeasure.org'
/** System of `Observation.device.identifier`: the Web Bluetooth `BluetoothDevice.id`. */
export const WEB_BLUETOOTH_DEVICE_ID_SYSTEM = 'https://webbluetoothcg.github.io/web-bluetooth/#dom-bluetoothdevice-id'

/** LOINC terms used here, with their UCUM unit. */
export const DEVICE_LOINC = {
  heartRate: { code: '8867-4', display: 'Heart rate', unit: '/min' },
  bpPanel: { code: '85354-9', display: 'Blood pressure panel with all children optional', unit: 'mm[Hg]' },
  systolic: { code: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]' },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure', unit: 'mm[Hg]' },
  meanArterial: { code: '8478-0', display: 'Mean blood pressure', unit: 'mm[Hg]' },
  glucoseMass: { code: '2339-0', display: 'Glucose [Mass/volume] in Blood', unit: 'mg/dL' },
  glucoseMoles: { code: '15074-8', display: 'Glucose [Moles/volume] in Blood', unit: 'mmol/L' },
  cgmGlucose: { code: '99504-3', display: 'Glucose [Mass/volume] in Interstitial fluid', unit: 'mg/dL' },
  temperature: { code: '8310-5', display: 'Body temperature', unit: 'Cel' },
  weight: { code: '29463-7', display: 'Body weight', unit: 'kg' },
  bmi: { code: '39156-5', display: 'Body mass index (BMI) [Ratio]', unit: 'kg/m2' },
  height: { code: '8302-2', display: 'Body height', unit: 'cm' },
  spo2: { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', unit: '%' },
  spo2Arterial: { code: '2708-6', display: 'Oxygen saturation in Arterial blood', unit: '%' },
  pulseOximetry: { code: '8889-8', display: 'Heart rate by Pulse oximetry', unit: '/min' }
} as const
type Term = (typeof DEVICE_LOINC)[keyof typeof DEVICE_LOINC]

/** A parsed reading, tagged with what it is. */
export type DeviceReading =
  | { readonly kind: 'heart-rate'; readonly value: HeartRateMeasurement }
  | { readonly kind: 'blood-pressure'; readonly value: BloodPressureMeasurement }
  | { readonly kind: 'glucose'; readonly value: GlucoseMeasurement }
  /** One CGM record; `sessionStartMs` from the CGM Session Start Time, if known. */
  | { readonly kind: 'cgm'; readonly value: CgmRecord; readonly sessionStartMs?: number }
  | { readonly kind: 'temperature'; readonly value: TemperatureMeasurement }
  | { readonly kind: 'weight'; readonly value: WeightMeasurement }
  | { readonly kind: 'plx-spot-check'; readonly value: PlxSpotCheck }
  | { readonly kind: 'plx-continuous'; readonly value: PlxContinuous }

/** Where and when a reading came from. */
export interface ReadingContext {
  /** The BLE device: `BluetoothDevice.id` and, if known, its name. */
  readonly device: { readonly id: string; readonly name?: string }
  /** When the value arrived, epoch ms (integer). */
  readonly receivedAt: number
  /** IANA zone the device clock runs in (e.g. `Europe/Berlin`), for its time stamps. */
  readonly timeZone: string
}

/** Init of `observationsFromReading`. */
export interface ObservationInit extends ReadingContext {
  /** Id of the first Observation; further ones (pulse, BMI, height) get `<id>.pr`, `.bmi`, `.ht`. At most 60 characters. */
  readonly id: string
  readonly subject?: Reference
}

/** One time-series sample, ready for `SeriesStore.append(code, device, t, value, unit)`. */
export interface SeriesSample {
  readonly code: string
  readonly device: string
  readonly t: number
  readonly value: number
  readonly unit: string
}

/** PLXS Measurement Status bits 10 demonstration, 11 testing, 13 unavailable, 15 invalid. */
const PLX_NOT_PATIENT_DATA = (1 << 10) | (1 << 11) | (1 << 13) | (1 << 15)

/** Whether a reading is a measurement of the patient (see the file comment). */
function isPatientData(r: DeviceReading): boolean {
  switch (r.kind) {
    case 'heart-rate':
      return r.value.sensorContact !== 'not-detected'
    case 'plx-spot-check':
    case 'plx-continuous':
      return ((r.value.measurementStatus ?? 0) & PLX_NOT_PATIENT_DATA) === 0
    case 'glucose':
      return r.value.sampleType !== 'control-solution' && r.value.sampleLocation !== 'control-solution'
    default:
      return true
  }
}

const round = (x: number, places: number): number => Math.round(x * 10 ** places) / 10 ** places
/** 1 mmHg = 133.322387415 Pa (BIPM conventional value). */
const KPA_TO_MMHG = 1000 / 133.322387415
/** 1 lb = 0.45359237 kg exactly (international avoirdupois pound). */
const LB_TO_KG = 0.45359237

const concept = (...terms: Term[]): CodeableConcept => ({
  coding: terms.map((t) => ({ system: LOINC, code: t.code, display: t.display })),
  text: (terms[0] as Term).display
})
const quantity = (value: number, unit: string): { value: number; unit: string; system: string; code: string } => ({ value, unit, system: UCUM, code: unit })

function checkContext(ctx: ReadingContext): void {
  if (!Number.isSafeInteger(ctx.receivedAt) || ctx.receivedAt < 0) throw new RangeError(`receivedAt: expected integer epoch ms, got ${String(ctx.receivedAt)}`)
  if (typeof ctx.device?.id !== 'string' || ctx.device.id === '') throw new TypeError('device.id: expected a non-empty string')
}

/** The device's wall time read in `zone`, or undefined. */
function deviceTime(wall: string | undefined, minutesAfter: number, zone: string): number | undefined {
  if (wall === undefined) return undefined
  return instantOfWallTime(wallAsUtc(wall) + minutesAfter * 60_000, zone)
}

/**
 * When the reading was taken (epoch ms): the device's time stamp read in `ctx.timeZone`,
 * the CGM session start plus the record's offset, or else `ctx.receivedAt`.
 * @throws {RangeError} for a bad `receivedAt` or unknown `timeZone`.
 */
export function readingTime(reading: DeviceReading, ctx: ReadingContext): number {
  checkContext(ctx)
  let t: number | undefined
  switch (reading.kind) {
    case 'blood-pressure':
    case 'temperature':
    case 'weight':
      t = deviceTime(reading.value.timestamp, 0, ctx.timeZone)
      break
    case 'plx-spot-check':
      // PLXS, flag "Device Clock is Not Set": such a timestamp is not the time of the reading
      t = reading.value.deviceClockNotSet === true ? undefined : deviceTime(reading.value.timestamp, 0, ctx.timeZone)
      break
    case 'glucose':
      // GLS: the measurement time is Base Time + Time Offset (minutes), in device local time
      t = deviceTime(reading.value.baseTime, reading.value.timeOffsetMin ?? 0, ctx.timeZone)
      break
    case 'cgm':
      t = reading.sessionStartMs === undefined ? undefined : reading.sessionStartMs + reading.value.timeOffsetMin * 60_000
      break
    default:
      t = undefined
  }
  return t ?? ctx.receivedAt
}

/**
 * FHIR R4 Observations for one reading, each validated by the record's `validateResource`:
 * usually one; a blood pressure with pulse rate adds a heart rate, an SpO2 adds its pulse
 * rate, a weight with BMI adds BMI and height. A glucose record without a concentration,
 * and a reading that is not the patient's (see the file comment), give none.
 * @throws {RangeError} for a bad context (time, zone, id).
 * @throws {ResourceInvalidError} never for parser output (a bug if it does).
 */
export function observationsFromReading(reading: DeviceReading, init: ObservationInit): Observation[] {
  checkContext(init)
  if (typeof init.id !== 'string' || !/^[A-Za-z0-9\-.]{1,60}$/.test(init.id)) throw new RangeError(`id: expected 1-60 of A-Z a-z 0-9 - ., got ${String(init.id)}`)
  const effectiveDateTime = dateTimeInZone(readingTime(reading, init), init.timeZone)
  const device: Reference = {
    display: init.device.name ?? 'Bluetooth device',
    identifier: { system: WEB_BLUETOOTH_DEVICE_ID_SYSTEM, value: init.device.id }
  }
  const base = (suffix: string, code: CodeableConcept): Record<string, unknown> => ({
    resourceType: 'Observation',
    id: init.id + suffix,
    status: 'final',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs', display: 'Vital Signs' }] }],
    code,
    ...(init.subject === undefined ? {} : { subject: init.subject }),
    effectiveDateTime,
    device
  })
  const simple = (suffix: string, term: Term, value: number, extraCodes: Term[] = []): Record<string, unknown> => ({
    ...base(suffix, concept(term, ...extraCodes)),
    valueQuantity: quantity(value, term.unit)
  })
  const out: Record<string, unknown>[] = []
  const r = reading
  if (!isPatientData(r)) return []
  switch (r.kind) {
    case 'heart-rate':
      out.push(simple('', DEVICE_LOINC.heartRate, r.value.bpm))
      break
    case 'blood-pressure': {
      const k = r.value.unit === 'kPa' ? KPA_TO_MMHG : 1
      const mmHg = (x: number): number => (k === 1 ? x : round(x * k, 1))
      const component = [
        { code: concept(DEVICE_LOINC.systolic), valueQuantity: quantity(mmHg(r.value.systolic), 'mm[Hg]') },
        { code: concept(DEVICE_LOINC.diastolic), valueQuantity: quantity(mmHg(r.value.diastolic), 'mm[Hg]') }
      ]
      if (Number.isFinite(r.value.meanArterial)) component.push({ code: concept(DEVICE_LOINC.meanArterial), valueQuantity: quantity(mmHg(r.value.meanArterial), 'mm[Hg]') })
      out.push({ ...base('', concept(DEVICE_LOINC.bpPanel)), component })
      if (r.value.pulseRate !== undefined) out.push(simple('.pr', DEVICE_LOINC.heartRate, r.value.pulseRate))
      break
    }
    case 'glucose': {
      const g = r.value
      if (g.concentration === undefined) break
      out.push(simple('', g.unit === 'mmol/L' ? DEVICE_LOINC.glucoseMoles : DEVICE_LOINC.glucoseMass, g.concentration))
      break
    }
    case 'cgm':
      out.push(simple('', DEVICE_LOINC.cgmGlucose, r.value.glucoseMgDl))
      break
    case 'temperature': {
      const c = r.value.unit === '[degF]' ? round(((r.value.value - 32) * 5) / 9, 2) : r.value.value
      out.push(simple('', DEVICE_LOINC.temperature, c))
      break
    }
    case 'weight': {
      const w = r.value
      const imperial = w.unit === '[lb_av]'
      out.push(simple('', DEVICE_LOINC.weight, imperial ? round(w.weight * LB_TO_KG, 3) : w.weight))
      if (w.bmi !== undefined) out.push(simple('.bmi', DEVICE_LOINC.bmi, w.bmi))
      // height: m × 100 or in × 2.54 → cm
      if (w.height !== undefined) out.push(simple('.ht', DEVICE_LOINC.height, round(imperial ? w.height * 2.54 : w.height * 100, 1)))
      break
    }
    case 'plx-spot-check':
    case 'plx-continuous':
      out.push(simple('', DEVICE_LOINC.spo2Arterial, r.value.spo2, [DEVICE_LOINC.spo2]))
      out.push(simple('.pr', DEVICE_LOINC.pulseOximetry, r.value.pulseRate))
      break
  }
  return out.map((o) => validateResource(o, DEFAULT_MAX_RESOURCE_BYTES).resource as Observation)
}

/**
 * A `BluetoothDevice.id` (base64, may hold `+ / =`) as a series device id
 * (`DEVICE_ID_PATTERN`: no `/`): `ble:` + the id with `+` → `-`, `/` → `~`, padding dropped.
 * @throws {RangeError} if the result is still not a device id.
 * @example seriesDeviceId('ab+c/d==') // 'ble:ab-c~d'
 */
export function seriesDeviceId(bleId: string): string {
  const id = `ble:${String(bleId).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '~')}`
  if (!DEVICE_ID_PATTERN.test(id)) throw new RangeError(`bleId: cannot be made a series device id: ${String(bleId)}`)
  return id
}

/**
 * Time-series samples of a high-rate reading — heart rate (8867-4) and the strap's RR
 * intervals (MDC 147240, one sample per beat, see rr.ts), CGM (99504-3), PLX continuous
 * SpO2 (59408-5) and pulse rate (8889-8) — for `SeriesStore.append`; spot readings give
 * none (they become Observations), nor do readings that are not the patient's (see the
 * file comment). `rr` places a strap's beats across notifications (its session holds one);
 * without it each notification's last beat is placed at its arrival.
 * @throws {RangeError} for a bad context.
 * @example for (const s of seriesSamples(r, ctx, timeline)) vitals.series.append(s.code, s.device, s.t, s.value, s.unit)
 */
export function seriesSamples(reading: DeviceReading, ctx: ReadingContext, rr?: RrTimeline): SeriesSample[] {
  checkContext(ctx)
  const device = seriesDeviceId(ctx.device.id)
  const t = Math.round(readingTime(reading, ctx))
  const sample = (term: Term, value: number): SeriesSample => ({ code: term.code, device, t, value, unit: term.unit })
  if (!isPatientData(reading)) return []
  switch (reading.kind) {
    case 'heart-rate': {
      // rr.ts: whole milliseconds (finer than the strap's 1/1024 s); an interval of 0 is no beat
      const intervals = reading.value.rrIntervalsMs.map((x) => Math.round(x)).filter((x) => x > 0)
      const beats = rr === undefined ? rrBeatTimes(intervals, ctx.receivedAt) : rr.place(intervals, ctx.receivedAt)
      return [sample(DEVICE_LOINC.heartRate, reading.value.bpm), ...intervals.map((value, i) => ({ code: RR_INTERVAL.code, device, t: beats[i] as number, value, unit: RR_INTERVAL.unit }))]
    }
    case 'cgm':
      return [sample(DEVICE_LOINC.cgmGlucose, reading.value.glucoseMgDl)]
    case 'plx-continuous':
      return [sample(DEVICE_LOINC.spo2, reading.value.spo2), sample(DEVICE_LOINC.pulseOximetry, reading.value.pulseRate)]
    default:
      return []
  }
}
