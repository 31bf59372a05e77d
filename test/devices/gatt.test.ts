/**
 * Behaviour of the GATT parsers beyond the vectors: RACP request encoders, how special
 * values surface, argument checks, the 512-octet cap, and a real-world capture layout.
 */
import { describe, expect, it } from 'vitest'
import {
  GattFormatError,
  GattValueUnavailableError,
  MAX_ATTRIBUTE_LENGTH,
  parseBloodPressureMeasurement,
  crc16Mcrf4xx,
  parseCgmMeasurement,
  parseDeviceInformationString,
  parseHeartRateMeasurement,
  parseRacpResponse,
  parseWeightMeasurement,
  racpAbort,
  racpReportAllRecords,
  racpReportNumberOfRecords,
  racpReportRecordsFrom,
  sfloat
} from '../../src/devices/gatt/index.ts'
import { viewOf } from './vectors.ts'

const view = (...bytes: number[]): DataView => viewOf(Uint8Array.from(bytes), 4)

describe('Record Access Control Point requests', () => {
  it('encode the four procedures as GLS defines them', () => {
    expect([...racpReportAllRecords()]).toEqual([0x01, 0x01])
    expect([...racpReportRecordsFrom(0x1234)]).toEqual([0x01, 0x03, 0x01, 0x34, 0x12])
    expect([...racpReportRecordsFrom(0)]).toEqual([0x01, 0x03, 0x01, 0x00, 0x00])
    expect([...racpReportRecordsFrom(65535)]).toEqual([0x01, 0x03, 0x01, 0xff, 0xff])
    expect([...racpReportNumberOfRecords()]).toEqual([0x04, 0x01])
    expect([...racpAbort()]).toEqual([0x03, 0x00])
  })

  it('refuses a sequence number that does not fit in 16 bits', () => {
    for (const bad of [-1, 65536, 1.5, Number.NaN]) expect(() => racpReportRecordsFrom(bad)).toThrow(RangeError)
  })

  it('names the response code a meter sends when it has nothing stored', () => {
    expect(parseRacpResponse(view(0x06, 0x00, 0x01, 0x06))).toEqual({ kind: 'response-code', requestOpCode: 1, code: 6, meaning: 'No records found', success: false })
  })
})

describe('special values', () => {
  it('sfloat maps the five specials and keeps ordinary mantissas with a non-zero exponent', () => {
    expect(sfloat(0x07ff)).toBeNaN()
    expect(sfloat(0x0800)).toBeNaN()
    expect(sfloat(0x0801)).toBeNaN()
    expect(sfloat(0x07fe)).toBe(Number.POSITIVE_INFINITY)
    expect(sfloat(0x0802)).toBe(Number.NEGATIVE_INFINITY)
    expect(sfloat(0xf7ff)).toBeCloseTo(204.7, 10)
  })

  it('a special systolic pressure says which field and which special', () => {
    try {
      parseBloodPressureMeasurement(view(0x00, 0x00, 0x08, 0x50, 0x00, 0x5d, 0x00))
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(GattValueUnavailableError)
      const e = err as GattValueUnavailableError
      expect([e.name, e.field, e.special]).toEqual(['GattValueUnavailableError', 'Systolic', 'NRes'])
      expect(e.message).toContain('Blood Pressure Measurement (0x2A35)')
    }
  })

  it('weight 0xFFFF is "measurement unsuccessful", not 327.675 kg', () => {
    expect(() => parseWeightMeasurement(view(0x00, 0xff, 0xff))).toThrow(expect.objectContaining({ name: 'GattValueUnavailableError', special: 'unsuccessful' }))
  })
})

describe('input handling', () => {
  it('throws TypeError (a programming error) for something that is not a DataView', () => {
    expect(() => parseHeartRateMeasurement(Uint8Array.of(0, 60) as unknown as DataView)).toThrow(TypeError)
  })

  it(`refuses values over ${MAX_ATTRIBUTE_LENGTH} octets before parsing`, () => {
    const big = new Uint8Array(MAX_ATTRIBUTE_LENGTH + 1)
    expect(() => parseDeviceInformationString(viewOf(big), 'serialNumber')).toThrow(GattFormatError)
    expect(parseDeviceInformationString(viewOf(big.subarray(0, MAX_ATTRIBUTE_LENGTH)), 'serialNumber')).toBe('')
  })

  it('reads a notification that is a slice of a larger buffer without touching the rest', () => {
    const buf = Uint8Array.of(0xff, 0xff, 0x10, 0x48, 0x00, 0x04, 0xff)
    const hr = parseHeartRateMeasurement(new DataView(buf.buffer, 2, 4))
    expect(hr).toEqual({ bpm: 72, sensorContact: 'unsupported', rrIntervalsMs: [1000] })
  })

  it('a GattFormatError names the characteristic and the field', () => {
    try {
      parseHeartRateMeasurement(view(0x10, 0x48, 0x00))
      expect.unreachable()
    } catch (err) {
      const e = err as GattFormatError
      expect([e.name, e.characteristic, e.field]).toEqual(['GattFormatError', 'Heart Rate Measurement (0x2A37)', 'RR-Interval'])
    }
  })
})

describe('CGM notifications', () => {
  it('return records in order with their own sizes, a CRC only where the size leaves room', () => {
    const second = Uint8Array.of(0x08, 0x00, 0x7a, 0x00, 0x06, 0x00)
    const crc = crc16Mcrf4xx(second)
    const records = parseCgmMeasurement(view(0x06, 0x00, 0x78, 0x00, 0x01, 0x00, ...second, crc & 0xff, crc >> 8))
    expect(records).toEqual([
      { glucoseMgDl: 120, timeOffsetMin: 1 },
      { glucoseMgDl: 122, timeOffsetMin: 6, e2eCrc: crc }
    ])
  })

  it('E2E-CRC is CRC-16/MCRF4XX (catalogue check value of "123456789" is 0x6F91)', () => {
    expect(crc16Mcrf4xx(new TextEncoder().encode('123456789'))).toBe(0x6f91)
    expect(crc16Mcrf4xx(new Uint8Array(0))).toBe(0xffff)
  })

  it('a corrupted record fails its CRC instead of returning a wrong glucose value', () => {
    const rec = Uint8Array.of(0x08, 0x00, 0x78, 0x00, 0x01, 0x00)
    const crc = crc16Mcrf4xx(rec)
    const good = [...rec, crc & 0xff, crc >> 8]
    expect(parseCgmMeasurement(view(...good))[0]?.glucoseMgDl).toBe(120)
    const bad = [...good]
    bad[2] = 0x79 // 121 mg/dL in transit
    expect(() => parseCgmMeasurement(view(...bad))).toThrow(expect.objectContaining({ name: 'GattFormatError', field: 'E2E-CRC' }))
  })
})
