/**
 * Glucose Measurement (0x2A18) and Glucose Measurement Context (0x2A34): Glucose Service
 * 1.0 §3.1 / §3.2, field tables in the GATT Specification Supplement ("Glucose
 * Measurement", "Glucose Measurement Context").
 *
 * ```
 * Glucose Measurement
 * flags u8   bit 0 Time Offset present
 *            bit 1 Glucose Concentration, Type and Sample Location present
 *            bit 2 concentration units: 0 = kg/L, 1 = mol/L
 *            bit 3 Sensor Status Annunciation present
 *            bit 4 Context Information follows (a 0x2A34 with the same sequence number)
 *            bits 5-7 reserved for future use (ignored)
 * sequence number u16 ‖ base time (Date Time, 7)
 * [time offset s16, minutes]
 * [concentration SFLOAT ‖ type-sample location u8 (type: low nibble, location: high nibble)]
 * [sensor status annunciation u16]
 * ```
 *
 * A flagged concentration that is a special value throws `GattValueUnavailableError`; a
 * record without the concentration flag parses without `concentration` (the meter stored
 * no result). A base time with year, month or day 0 ("not known") is refused: a stored
 * record without a date cannot be placed.
 */
import { GattReader } from './reader.ts'

const GM = 'Glucose Measurement (0x2A18)'
const GMC = 'Glucose Measurement Context (0x2A34)'

/** GLS "Type" nibble, keys 1-10 (0 and 11-15 reserved). */
const SAMPLE_TYPES = [
  'reserved',
  'capillary-whole-blood',
  'capillary-plasma',
  'venous-whole-blood',
  'venous-plasma',
  'arterial-whole-blood',
  'arterial-plasma',
  'undetermined-whole-blood',
  'undetermined-plasma',
  'interstitial-fluid',
  'control-solution'
] as const
export type GlucoseSampleType = (typeof SAMPLE_TYPES)[number]

/** GLS "Sample Location" nibble: 1-4, 15 = not available (0 and 5-14 reserved). */
export type GlucoseSampleLocation = 'finger' | 'alternate-site' | 'earlobe' | 'control-solution' | 'not-available' | 'reserved'
const LOCATIONS: Record<number, GlucoseSampleLocation> = { 1: 'finger', 2: 'alternate-site', 3: 'earlobe', 4: 'control-solution', 15: 'not-available' }

/** A parsed Glucose Measurement. */
export interface GlucoseMeasurement {
  readonly sequence: number
  /** `YYYY-MM-DDTHH:MM:SS` as the meter gives it (no zone). */
  readonly baseTime: string
  /** Minutes to add to `baseTime` for the time of the measurement. */
  readonly timeOffsetMin?: number
  /** In `unit`: kg/L is converted to mg/dL (×100000), mol/L to mmol/L (×1000). */
  readonly concentration?: number
  readonly unit?: 'mg/dL' | 'mmol/L'
  readonly sampleType?: GlucoseSampleType
  readonly sampleLocation?: GlucoseSampleLocation
  /** Sensor Status Annunciation bits (bit 0 battery low … bit 11 time fault). */
  readonly sensorStatus?: number
  /** A Glucose Measurement Context with the same sequence number follows. */
  readonly contextFollows: boolean
}

/**
 * Parses a Glucose Measurement value.
 * @throws {GattFormatError} if truncated, overlong, the base time is not known or out of range.
 * @throws {GattValueUnavailableError} if a flagged concentration is a special value.
 * @example parseGlucoseMeasurement(view) // { sequence: 1, baseTime: '2024-05-02T08:15:00', concentration: 112, unit: 'mg/dL', … }
 */
export function parseGlucoseMeasurement(value: DataView): GlucoseMeasurement {
  const r = new GattReader(value, GM)
  const flags = r.u8('Flags')
  const sequence = r.u16('Sequence Number')
  const base = r.dateTime('Base Time')
  if (base.iso === undefined) throw r.error('Base Time', 'date not known (year, month or day is 0)')
  const out: { -readonly [K in keyof GlucoseMeasurement]: GlucoseMeasurement[K] } = { sequence, baseTime: base.iso, contextFollows: (flags & 0x10) !== 0 }
  if (flags & 0x01) out.timeOffsetMin = r.s16('Time Offset')
  if (flags & 0x02) {
    const molar = (flags & 0x04) !== 0
    // kg/L × 10^5 = mg/dL; mol/L × 10^3 = mmol/L
    out.concentration = r.sfloatScaled(molar ? 'Glucose Concentration (mol/L)' : 'Glucose Concentration (kg/L)', molar ? 3 : 5)
    out.unit = molar ? 'mmol/L' : 'mg/dL'
    const tl = r.u8('Type-Sample Location')
    out.sampleType = SAMPLE_TYPES[tl & 0x0f] ?? 'reserved'
    out.sampleLocation = LOCATIONS[tl >> 4] ?? 'reserved'
  }
  if (flags & 0x08) out.sensorStatus = r.u16('Sensor Status Annunciation')
  r.end()
  return out
}

/** A parsed Glucose Measurement Context; amounts with special values are left out. */
export interface GlucoseMeasurementContext {
  readonly sequence: number
  /** Carbohydrate ID 1-7 (breakfast, lunch, dinner, snack, drink, supper, brunch) and grams. */
  readonly carbohydrate?: { readonly id: number; readonly grams?: number }
  /** 1 preprandial, 2 postprandial, 3 fasting, 4 casual, 5 bedtime. */
  readonly meal?: number
  /** Tester nibble (1 self, 2 professional, 3 lab, 15 n/a) and Health nibble (1-5, 15 n/a). */
  readonly tester?: number
  readonly health?: number
  readonly exercise?: { readonly durationS: number; readonly intensityPercent: number }
  /** Medication ID 1-5 (insulin kinds) and amount in mg (sent as kg) or mL (sent as L). */
  readonly medication?: { readonly id: number; readonly amount?: number; readonly unit: 'mg' | 'mL' }
  /** HbA1c, %. */
  readonly hba1c?: number
}

/**
 * Parses a Glucose Measurement Context value.
 * @throws {GattFormatError} if truncated or overlong.
 */
export function parseGlucoseMeasurementContext(value: DataView): GlucoseMeasurementContext {
  const r = new GattReader(value, GMC)
  const flags = r.u8('Flags')
  const out: { -readonly [K in keyof GlucoseMeasurementContext]: GlucoseMeasurementContext[K] } = { sequence: r.u16('Sequence Number') }
  if (flags & 0x80) r.skip(1, 'Extended Flags') // all bits reserved for future use
  if (flags & 0x01) {
    const id = r.u8('Carbohydrate ID')
    const grams = r.sfloatScaledOptional('Carbohydrate', 3) // kg → g
    out.carbohydrate = grams === undefined ? { id } : { id, grams }
  }
  if (flags & 0x02) out.meal = r.u8('Meal')
  if (flags & 0x04) {
    const th = r.u8('Tester-Health')
    out.tester = th & 0x0f
    out.health = th >> 4
  }
  if (flags & 0x08) out.exercise = { durationS: r.u16('Exercise Duration'), intensityPercent: r.u8('Exercise Intensity') }
  if (flags & 0x10) {
    const id = r.u8('Medication ID')
    const litres = (flags & 0x20) !== 0
    const amount = r.sfloatScaledOptional('Medication', litres ? 3 : 6) // L → mL, kg → mg
    out.medication = amount === undefined ? { id, unit: litres ? 'mL' : 'mg' } : { id, amount, unit: litres ? 'mL' : 'mg' }
  }
  if (flags & 0x40) {
    const hba1c = r.sfloatOptional('HbA1c')
    if (hba1c !== undefined) out.hba1c = hba1c
  }
  r.end()
  return out
}
