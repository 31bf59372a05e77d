/**
 * Readings → FHIR R4 Observations and time-series samples: LOINC codes and UCUM units,
 * unit conversions, the device reference, and the reading time read in the caller's zone.
 * Every Observation is put into a real vitals compartment (which validates it), and the
 * samples are appended to its SeriesStore and read back.
 */
import { describe, expect, it } from 'vitest'
import { compartmentFor, createCompartment, randomDocId, validateResource, type Observation } from '../../src/record/index.ts'
import {
  observationsFromReading,
  parseBloodPressureMeasurement,
  parseCgmMeasurement,
  parseGlucoseMeasurement,
  parseHeartRateMeasurement,
  parsePlxContinuous,
  parsePlxSpotCheck,
  parseTemperatureMeasurement,
  parseWeightMeasurement,
  readingTime,
  seriesDeviceId,
  seriesSamples,
  WEB_BLUETOOTH_DEVICE_ID_SYSTEM,
  type DeviceReading,
  type ObservationInit
} from '../../src/devices/index.ts'
import { fromHex, viewOf } from './vectors.ts'

const v = (hex: string): DataView => viewOf(fromHex(hex), 2)
const RECEIVED = Date.UTC(2024, 4, 2, 10, 0, 0) // 2024-05-02T10:00:00Z
const init = (id: string, timeZone = 'Europe/Berlin'): ObservationInit => ({
  id,
  device: { id: 'Qk4+d2Fy/GVzPQ==', name: 'Cuff BP-7' },
  receivedAt: RECEIVED,
  timeZone
})
const codes = (o: Observation): (string | undefined)[] => (o.code.coding ?? []).map((c) => c.code)

function stored(observations: Observation[]): Observation[] {
  const vitals = createCompartment({ kind: 'vitals', docId: randomDocId() })
  for (const o of observations) {
    expect(validateResource(o, 1 << 20).resource).toEqual(o)
    expect(compartmentFor(o)).toBe('vitals')
    vitals.resources.put(o)
  }
  return observations
}

describe('observationsFromReading', () => {
  it('heart rate: 8867-4 in /min, at the receive time, with the BLE device as Observation.device', () => {
    const [o, ...rest] = stored(observationsFromReading({ kind: 'heart-rate', value: parseHeartRateMeasurement(v('16 48 0004')) }, init('hr-1')))
    expect(rest).toEqual([])
    expect(codes(o!)).toEqual(['8867-4'])
    expect(o!['valueQuantity']).toEqual({ value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' })
    expect(o!.category?.[0]?.coding?.[0]?.code).toBe('vital-signs')
    expect(o!.effectiveDateTime).toBe('2024-05-02T12:00:00+02:00')
    expect(o!.device).toEqual({ display: 'Cuff BP-7', identifier: { system: WEB_BLUETOOTH_DEVICE_ID_SYSTEM, value: 'Qk4+d2Fy/GVzPQ==' } })
  })

  it('blood pressure in kPa: panel 85354-9 with systolic, diastolic and mean converted to mm[Hg], pulse as its own heart rate', () => {
    // flags 0x07: kPa, time stamp, pulse rate; 16.1 / 10.8 / 12.6 kPa; 2024-05-02 08:15:30; pulse 72
    const bp = parseBloodPressureMeasurement(v('07 a1f0 6cf0 7ef0 e807 05 02 08 0f 1e 4800'))
    const [panel, pulse] = stored(observationsFromReading({ kind: 'blood-pressure', value: bp }, init('bp-1')))
    expect(codes(panel!)).toEqual(['85354-9'])
    expect(panel!.component?.map((c) => [c.code.coding?.[0]?.code, c.valueQuantity?.value, c.valueQuantity?.code])).toEqual([
      ['8480-6', 120.8, 'mm[Hg]'],
      ['8462-4', 81, 'mm[Hg]'],
      ['8478-0', 94.5, 'mm[Hg]']
    ])
    expect(panel!.effectiveDateTime).toBe('2024-05-02T08:15:30+02:00')
    expect(pulse!.id).toBe('bp-1.pr')
    expect(codes(pulse!)).toEqual(['8867-4'])
    expect(pulse!.effectiveDateTime).toBe(panel!.effectiveDateTime)
  })

  it('blood pressure without a MAP (NaN) has no mean component', () => {
    const bp = parseBloodPressureMeasurement(v('00 8c00 5a00 ff07'))
    const [panel] = stored(observationsFromReading({ kind: 'blood-pressure', value: bp }, init('bp-2')))
    expect(panel!.component?.map((c) => c.code.coding?.[0]?.code)).toEqual(['8480-6', '8462-4'])
  })

  it('reads the device time stamp in the given zone, daylight saving included', () => {
    const bp = { kind: 'blood-pressure', value: parseBloodPressureMeasurement(v('02 7800 5000 5d00 e807 05 02 08 0f 1e')) } as const
    expect(observationsFromReading(bp, init('a', 'America/New_York'))[0]!.effectiveDateTime).toBe('2024-05-02T08:15:30-04:00')
    expect(observationsFromReading(bp, init('a', 'Asia/Kolkata'))[0]!.effectiveDateTime).toBe('2024-05-02T08:15:30+05:30')
    expect(observationsFromReading(bp, init('a', 'UTC'))[0]!.effectiveDateTime).toBe('2024-05-02T08:15:30+00:00')
    expect(readingTime(bp, init('a', 'Europe/Berlin'))).toBe(Date.UTC(2024, 4, 2, 6, 15, 30))
    // 02:30 does not exist in Berlin on 2024-03-31 (clocks go 02:00 → 03:00): read as 03:30 CEST
    const gap = { kind: 'blood-pressure', value: parseBloodPressureMeasurement(v('02 7800 5000 5d00 e807 03 1f 02 1e 00')) } as const
    expect(observationsFromReading(gap, init('a'))[0]!.effectiveDateTime).toBe('2024-03-31T03:30:00+02:00')
    // 02:30 happens twice on 2024-10-27: the earlier (CEST) instant is taken
    const twice = { kind: 'blood-pressure', value: parseBloodPressureMeasurement(v('02 7800 5000 5d00 e807 0a 1b 02 1e 00')) } as const
    expect(observationsFromReading(twice, init('a'))[0]!.effectiveDateTime).toBe('2024-10-27T02:30:00+02:00')
  })

  it('body temperature in °F is converted to Cel (8310-5)', () => {
    const t = parseTemperatureMeasurement(v('01 d30300ff'))
    const [o] = stored(observationsFromReading({ kind: 'temperature', value: t }, init('t-1')))
    expect(codes(o!)).toEqual(['8310-5'])
    expect(o!['valueQuantity']).toMatchObject({ value: 36.61, code: 'Cel' })
  })

  it('body weight in lb is converted to kg (29463-7), with BMI (39156-5) and height in cm (8302-2)', () => {
    const w = parseWeightMeasurement(v('09 b43c e600 b102'))
    const obs = stored(observationsFromReading({ kind: 'weight', value: w }, init('w-1')))
    expect(obs.map((o) => [o.id, codes(o)[0], (o['valueQuantity'] as { value: number; code: string }).value, (o['valueQuantity'] as { code: string }).code])).toEqual([
      ['w-1', '29463-7', 70.488, 'kg'],
      ['w-1.bmi', '39156-5', 23, 'kg/m2'],
      ['w-1.ht', '8302-2', 175, 'cm']
    ])
  })

  it('glucose: 2339-0 in mg/dL or 15074-8 in mmol/L at base time + offset; control solution is not recorded', () => {
    const mg = parseGlucoseMeasurement(v('03 1700 e807 05 02 07 2d 00 f1ff 70b0 11'))
    const [a] = stored(observationsFromReading({ kind: 'glucose', value: mg }, init('g-1')))
    expect(codes(a!)).toEqual(['2339-0'])
    expect(a!['valueQuantity']).toMatchObject({ value: 112, code: 'mg/dL' })
    expect(a!.effectiveDateTime).toBe('2024-05-02T07:30:00+02:00')
    const mmol = parseGlucoseMeasurement(v('06 1700 e807 05 02 07 2d 00 3ec0 11'))
    const [b] = stored(observationsFromReading({ kind: 'glucose', value: mmol }, init('g-2')))
    expect(codes(b!)).toEqual(['15074-8'])
    expect(b!['valueQuantity']).toMatchObject({ value: 6.2, code: 'mmol/L' })
    const control = parseGlucoseMeasurement(v('02 0200 e807 05 02 07 2d 00 01d0 4a'))
    expect(observationsFromReading({ kind: 'glucose', value: control }, init('g-3'))).toEqual([])
    const noValue = parseGlucoseMeasurement(v('00 0300 e807 05 02 07 2d 00'))
    expect(observationsFromReading({ kind: 'glucose', value: noValue }, init('g-4'))).toEqual([])
  })

  it('SpO2: 2708-6 and 59408-5 in %, and pulse rate by oximetry 8889-8; an unset device clock is ignored', () => {
    const spot = parsePlxSpotCheck(v('11 6100 4000 e807 05 02 08 0f 1e'))
    expect(spot.timestamp).toBe('2024-05-02T08:15:30')
    const [s, p] = stored(observationsFromReading({ kind: 'plx-spot-check', value: spot }, init('ox-1')))
    expect(codes(s!)).toEqual(['2708-6', '59408-5'])
    expect(s!['valueQuantity']).toMatchObject({ value: 97, code: '%' })
    expect(codes(p!)).toEqual(['8889-8'])
    expect(p!['valueQuantity']).toMatchObject({ value: 64, code: '/min' })
    expect(s!.effectiveDateTime).toBe('2024-05-02T12:00:00+02:00') // receive time, not the unset clock
  })

  it('CGM: 99504-3 at session start + offset', () => {
    const [rec] = parseCgmMeasurement(v('06 00 7800 0500'))
    const start = Date.UTC(2024, 4, 2, 6, 0, 0)
    const [o] = stored(observationsFromReading({ kind: 'cgm', value: rec!, sessionStartMs: start }, init('cgm-1')))
    expect(codes(o!)).toEqual(['99504-3'])
    expect(o!.effectiveDateTime).toBe('2024-05-02T08:05:00+02:00')
  })

  it('refuses a context that cannot make a valid Observation', () => {
    const hr: DeviceReading = { kind: 'heart-rate', value: parseHeartRateMeasurement(v('00 48')) }
    expect(() => observationsFromReading(hr, { ...init('x'), id: 'has space' })).toThrow(RangeError)
    expect(() => observationsFromReading(hr, { ...init('x'), receivedAt: 1.5 })).toThrow(RangeError)
    expect(() => observationsFromReading(hr, { ...init('x'), timeZone: 'Mars/Olympus' })).toThrow(RangeError)
  })
})

describe('readings that are not the patient\'s', () => {
  it('give neither Observations nor samples: no skin contact, PLX unavailable / invalid / demo / test data', () => {
    const ctx = init('n-1')
    const dropped: DeviceReading[] = [
      { kind: 'heart-rate', value: parseHeartRateMeasurement(v('04 00')) }, // contact supported, not detected
      { kind: 'plx-continuous', value: parsePlxContinuous(v('04 6200 4600 0020')) }, // status bit 13 unavailable
      { kind: 'plx-continuous', value: parsePlxContinuous(v('04 6200 4600 0080')) }, // bit 15 invalid
      { kind: 'plx-spot-check', value: parsePlxSpotCheck(v('02 6100 4000 0004')) }, // bit 10 demonstration
      { kind: 'plx-spot-check', value: parsePlxSpotCheck(v('02 6100 4000 0008')) } // bit 11 testing
    ]
    for (const r of dropped) {
      expect(observationsFromReading(r, ctx)).toEqual([])
      expect(seriesSamples(r, ctx)).toEqual([])
    }
    const kept: DeviceReading = { kind: 'plx-continuous', value: parsePlxContinuous(v('04 6200 4600 8000')) } // bit 7 validated data
    expect(seriesSamples(kept, ctx)).toHaveLength(2)
    expect(observationsFromReading({ kind: 'heart-rate', value: parseHeartRateMeasurement(v('06 48')) }, ctx)).toHaveLength(1)
  })
})

describe('seriesSamples', () => {
  it('gives heart rate, CGM and continuous SpO2 samples that append to the record and read back', () => {
    const vitals = createCompartment({ kind: 'vitals', docId: randomDocId() })
    const ctx = { device: { id: 'Qk4+d2Fy/GVzPQ==' }, receivedAt: RECEIVED, timeZone: 'Europe/Berlin' }
    const start = RECEIVED - 3_600_000
    const readings: DeviceReading[] = [
      { kind: 'heart-rate', value: parseHeartRateMeasurement(v('00 48')) },
      ...parseCgmMeasurement(v('06 00 7800 0000 06 00 7a00 0500')).map((r): DeviceReading => ({ kind: 'cgm', value: r, sessionStartMs: start })),
      { kind: 'plx-continuous', value: parsePlxContinuous(v('00 6200 4600')) },
      { kind: 'weight', value: parseWeightMeasurement(v('00 1437')) }
    ]
    const samples = readings.flatMap((r) => seriesSamples(r, ctx))
    expect(samples.map((s) => [s.code, s.value, s.unit, s.t - RECEIVED])).toEqual([
      ['8867-4', 72, '/min', 0],
      ['99504-3', 120, 'mg/dL', -3_600_000],
      ['99504-3', 122, 'mg/dL', -3_300_000],
      ['59408-5', 98, '%', 0],
      ['8889-8', 70, '/min', 0]
    ])
    for (const s of samples) vitals.series.append(s.code, s.device, s.t, s.value, s.unit)
    vitals.series.flush()
    const cgm = vitals.series.read('99504-3', seriesDeviceId(ctx.device.id), start, RECEIVED)
    expect(cgm.errors).toEqual([])
    expect(Array.from(cgm.series[0]!.values)).toEqual([120, 122])
  })

  it('makes a Web Bluetooth device id (base64) a series device id', () => {
    expect(seriesDeviceId('Qk4+d2Fy/GVzPQ==')).toBe('ble:Qk4-d2Fy~GVzPQ')
    expect(() => seriesDeviceId('has space')).toThrow(RangeError)
  })
})
