/**
 * Writes the GATT known-answer vectors (`test/vectors/gatt/*.json`) from the field tables
 * of the Bluetooth SIG specifications (GATT Specification Supplement; HRS, BLS, GLS, HTS,
 * WSS, PLXS, CGMS, BAS, DIS), by an encoder written here from those tables: it shares no
 * code with `src/devices/gatt`. Every flag combination of every characteristic is built
 * from fixed field values, each vector commented with its flag bits and field bytes; the
 * edge cases (special values, bad dates, inconsistent sizes…) are listed by hand below.
 *
 * Regenerate only for a deliberate change: `npx node test/vectors/gatt/generate.ts`, then
 * review the diff.
 */
import { writeFileSync } from 'node:fs'

interface Part {
  readonly label: string
  readonly hex: string
}
interface Valid {
  readonly name: string
  readonly comment: string
  readonly hex: string
  readonly expected: unknown
}
interface Invalid {
  readonly name: string
  readonly comment: string
  readonly hex: string
  readonly error: 'GattFormatError' | 'GattValueUnavailableError'
  readonly field: string
}
interface VectorFile {
  readonly characteristic: string
  readonly uuid: string
  readonly parser: string
  readonly source: string
  readonly valid: Valid[]
  readonly invalid: Invalid[]
}

const h = (n: number, bytes: number): string => {
  let s = ''
  for (let i = 0; i < bytes; i++) s += ((n >>> (8 * i)) & 0xff).toString(16).padStart(2, '0')
  return s
}
const u8 = (n: number): string => h(n, 1)
const u16 = (n: number): string => h(n & 0xffff, 2)
const u24 = (n: number): string => h(n, 3)
/** SFLOAT from exponent and mantissa (two's complement 4 + 12 bits), little-endian. */
const sf = (mantissa: number, exponent: number): string => u16(((exponent & 0xf) << 12) | (mantissa & 0xfff))
/** FLOAT from exponent and mantissa (8 + 24 bits), little-endian. */
const fl = (mantissa: number, exponent: number): string => h((((exponent & 0xff) << 24) | (mantissa & 0xffffff)) >>> 0, 4)
/** Date Time: year u16, month, day, hours, minutes, seconds. */
const dt = (y: number, mo: number, d: number, hh: number, mi: number, s: number): string => u16(y) + u8(mo) + u8(d) + u8(hh) + u8(mi) + u8(s)

const bits = (flags: number, names: Record<number, string>): string => {
  const on = Object.entries(names)
    .filter(([b]) => (flags >> Number(b)) & 1)
    .map(([b, n]) => `b${b} ${n}`)
  return `flags 0x${u8(flags)}${on.length > 0 ? ` = ${on.join(', ')}` : ' (none set)'}`
}
const vector = (name: string, flagText: string, parts: Part[], expected: unknown): Valid => ({
  name,
  comment: `${flagText} · ${parts.map((p) => `${p.label}: ${p.hex}`).join(' ‖ ')}`,
  hex: parts.map((p) => p.hex).join(' '),
  expected
})
const bad = (name: string, comment: string, hex: string, field: string, error: Invalid['error'] = 'GattFormatError'): Invalid => ({ name, comment, hex, error, field })
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

const TS = { hex: dt(2024, 5, 2, 8, 15, 30), iso: '2024-05-02T08:15:30', label: 'time stamp 2024-05-02 08:15:30' }

// ── Heart Rate Measurement ──────────────────────────────────────────────────────────────
function heartRate(): VectorFile {
  const valid: Valid[] = []
  for (const f of range(32)) {
    const parts: Part[] = [{ label: 'flags', hex: u8(f) }]
    const wide = f & 1
    parts.push(wide ? { label: 'HR u16 260', hex: u16(260) } : { label: 'HR u8 72', hex: u8(72) })
    const contact = (f >> 1) & 3
    const exp: Record<string, unknown> = { bpm: wide ? 260 : 72, sensorContact: contact === 3 ? 'detected' : contact === 2 ? 'not-detected' : 'unsupported', rrIntervalsMs: [] }
    if (f & 8) {
      parts.push({ label: 'energy 291 kJ', hex: u16(291) })
      exp['energyExpendedKJ'] = 291
    }
    if (f & 16) {
      parts.push({ label: 'RR 1024/1024 s', hex: u16(1024) }, { label: 'RR 819/1024 s', hex: u16(819) })
      exp['rrIntervalsMs'] = [1000, 799.8046875]
    }
    valid.push(vector(`flags 0x${u8(f)}`, bits(f, { 0: 'HR uint16', 1: 'contact detected (if supported)', 2: 'contact feature supported', 3: 'energy expended', 4: 'RR-Interval' }), parts, exp))
  }
  valid.push(vector('reserved flag bits ignored', 'flags 0xe0 = b5-b7 reserved', [{ label: 'flags', hex: 'e0' }, { label: 'HR u8 61', hex: '3d' }], { bpm: 61, sensorContact: 'unsupported', rrIntervalsMs: [] }))
  valid.push(
    vector('one RR interval, max energy', bits(0x18, { 3: 'energy expended', 4: 'RR-Interval' }), [{ label: 'flags', hex: '18' }, { label: 'HR 55', hex: '37' }, { label: 'energy 65535 (saturated)', hex: 'ffff' }, { label: 'RR 65535/1024 s', hex: 'ffff' }], {
      bpm: 55,
      sensorContact: 'unsupported',
      energyExpendedKJ: 65535,
      rrIntervalsMs: [63999.0234375]
    })
  )
  return {
    characteristic: 'Heart Rate Measurement',
    uuid: '0x2A37',
    parser: 'parseHeartRateMeasurement',
    source: 'Heart Rate Service 1.0 §3.1; GATT Specification Supplement v8 §3.113 (Heart Rate Measurement field table)',
    valid,
    invalid: [
      bad('empty', 'no flags octet', '', 'Flags'),
      bad('no value', 'flags 0x00 and nothing else', '00', 'Heart Rate Measurement Value (uint8)'),
      bad('uint16 value cut', 'flags 0x01 (uint16) but one value octet', '01 48', 'Heart Rate Measurement Value (uint16)'),
      bad('energy cut', 'flags 0x08, energy needs 2 octets, 1 sent', '08 48 23', 'Energy Expended'),
      bad('RR flagged, none sent', 'flags 0x10, no RR-Interval follows', '10 48', 'RR-Interval'),
      bad('odd RR length', 'flags 0x10, RR 0004 then one stray octet', '10 48 0004 01', 'RR-Interval'),
      bad('trailing octet', 'flags 0x00, HR 72, then 0x00', '00 48 00', 'value'),
      bad('over 512 octets', 'flags 0x10, HR, 255 RR intervals + 1 octet = 513 octets', `10 48 ${'0004'.repeat(255)} 00`, 'value')
    ]
  }
}

// ── Blood Pressure Measurement / Intermediate Cuff Pressure ─────────────────────────────
const BP_FLAGS = { 0: 'kPa', 1: 'time stamp', 2: 'pulse rate', 3: 'user id', 4: 'measurement status' }
function bpTail(f: number, parts: Part[], exp: Record<string, unknown>): void {
  if (f & 2) {
    parts.push({ label: TS.label, hex: TS.hex })
    exp['timestamp'] = TS.iso
  }
  if (f & 4) {
    parts.push({ label: 'pulse 72', hex: sf(72, 0) })
    exp['pulseRate'] = 72
  }
  if (f & 8) {
    parts.push({ label: 'user 3', hex: u8(3) })
    exp['userId'] = 3
  }
  if (f & 16) {
    parts.push({ label: 'status 0x0025 (movement, irregular pulse, position)', hex: u16(0x25) })
    exp['status'] = { bodyMovement: true, cuffTooLoose: false, irregularPulse: true, pulseRateRange: 'in-range', improperPosition: true }
  }
}
function bloodPressure(): VectorFile {
  const valid: Valid[] = []
  for (const f of range(32)) {
    const kpa = f & 1
    const parts: Part[] = [{ label: 'flags', hex: u8(f) }]
    if (kpa) parts.push({ label: 'sys 16.1 kPa (m 161, e -1)', hex: sf(161, -1) }, { label: 'dia 10.8 kPa', hex: sf(108, -1) }, { label: 'MAP 12.6 kPa', hex: sf(126, -1) })
    else parts.push({ label: 'sys 121 mmHg', hex: sf(121, 0) }, { label: 'dia 81 mmHg', hex: sf(81, 0) }, { label: 'MAP 94 mmHg', hex: sf(94, 0) })
    const exp: Record<string, unknown> = kpa ? { systolic: 16.1, diastolic: 10.8, meanArterial: 12.6, unit: 'kPa' } : { systolic: 121, diastolic: 81, meanArterial: 94, unit: 'mm[Hg]' }
    bpTail(f, parts, exp)
    valid.push(vector(`flags 0x${u8(f)}`, bits(f, BP_FLAGS), parts, exp))
  }
  valid.push(
    vector('MAP NaN, pulse NRes dropped, status ranges', bits(0x14, BP_FLAGS), [{ label: 'flags', hex: '14' }, { label: 'sys 140', hex: sf(140, 0) }, { label: 'dia 90', hex: sf(90, 0) }, { label: 'MAP NaN', hex: 'ff07' }, { label: 'pulse NRes', hex: '0008' }, { label: 'status 0x0012 (cuff loose, pulse range 2 = below)', hex: u16(0x12) }], {
      systolic: 140,
      diastolic: 90,
      meanArterial: 'NaN',
      unit: 'mm[Hg]',
      status: { bodyMovement: false, cuffTooLoose: true, irregularPulse: false, pulseRateRange: 'below-lower-limit', improperPosition: false }
    })
  )
  valid.push(
    vector('time stamp not known (year 0)', bits(0x02, BP_FLAGS), [{ label: 'flags', hex: '02' }, { label: 'sys 120', hex: sf(120, 0) }, { label: 'dia 80', hex: sf(80, 0) }, { label: 'MAP 93', hex: sf(93, 0) }, { label: 'time stamp 0000-00-00 08:00:00', hex: dt(0, 0, 0, 8, 0, 0) }], {
      systolic: 120,
      diastolic: 80,
      meanArterial: 93,
      unit: 'mm[Hg]',
      timestampUnknown: true
    })
  )
  valid.push(vector('leap day, unknown user', bits(0x0a, BP_FLAGS), [{ label: 'flags', hex: '0a' }, { label: 'sys 118', hex: sf(118, 0) }, { label: 'dia 76', hex: sf(76, 0) }, { label: 'MAP 90', hex: sf(90, 0) }, { label: 'time stamp 2024-02-29 23:59:59', hex: dt(2024, 2, 29, 23, 59, 59) }, { label: 'user 255 (unknown)', hex: 'ff' }], { systolic: 118, diastolic: 76, meanArterial: 90, unit: 'mm[Hg]', timestamp: '2024-02-29T23:59:59', userId: 255 }))
  const head = `00 ${sf(120, 0)} ${sf(80, 0)} ${sf(93, 0)}`
  return {
    characteristic: 'Blood Pressure Measurement',
    uuid: '0x2A35',
    parser: 'parseBloodPressureMeasurement',
    source: 'Blood Pressure Service 1.0 §3.1; GATT Specification Supplement (Blood Pressure Measurement field table); Date Time (GSS)',
    valid,
    invalid: [
      bad('empty', 'no flags', '', 'Flags'),
      bad('diastolic cut', 'flags 0x00, systolic, one octet of diastolic', `00 ${sf(120, 0)} 50`, 'Diastolic'),
      bad('systolic NaN', 'SFLOAT 0x07FF in the systolic field', `00 ff07 ${sf(80, 0)} ${sf(93, 0)}`, 'Systolic', 'GattValueUnavailableError'),
      bad('diastolic +INFINITY', 'SFLOAT 0x07FE in the diastolic field', `00 ${sf(120, 0)} fe07 ${sf(93, 0)}`, 'Diastolic', 'GattValueUnavailableError'),
      bad('systolic reserved', 'SFLOAT 0x0801 (reserved)', `00 0108 ${sf(80, 0)} ${sf(93, 0)}`, 'Systolic', 'GattValueUnavailableError'),
      bad('time stamp cut', 'flags 0x02, time stamp needs 7 octets, 6 sent', `02 ${head.slice(3)} ${dt(2024, 5, 2, 8, 15, 30).slice(0, 12)}`, 'Time Stamp'),
      bad('month 13', 'flags 0x02, time stamp 2024-13-02', `02 ${head.slice(3)} ${dt(2024, 13, 2, 8, 0, 0)}`, 'Time Stamp'),
      bad('February 30', 'flags 0x02, time stamp 2023-02-30', `02 ${head.slice(3)} ${dt(2023, 2, 30, 8, 0, 0)}`, 'Time Stamp'),
      bad('February 29 of 1900', 'flags 0x02, 1900 is not a leap year', `02 ${head.slice(3)} ${dt(1900, 2, 29, 8, 0, 0)}`, 'Time Stamp'),
      bad('year 1000', 'flags 0x02, year below 1582', `02 ${head.slice(3)} ${dt(1000, 1, 1, 0, 0, 0)}`, 'Time Stamp'),
      bad('hour 24', 'flags 0x02, 24:00:00', `02 ${head.slice(3)} ${dt(2024, 1, 1, 24, 0, 0)}`, 'Time Stamp'),
      bad('second 60', 'flags 0x02, leap second not allowed by Date Time', `02 ${head.slice(3)} ${dt(2024, 1, 1, 23, 59, 60)}`, 'Time Stamp'),
      bad('status cut', 'flags 0x10, status needs 2 octets, 1 sent', `10 ${head.slice(3)} 01`, 'Measurement Status'),
      bad('trailing octets', 'flags 0x00 then 2 extra octets', `${head} 0000`, 'value')
    ]
  }
}
function cuffPressure(): VectorFile {
  const valid: Valid[] = []
  for (const f of range(32)) {
    const kpa = f & 1
    const parts: Part[] = [{ label: 'flags', hex: u8(f) }, kpa ? { label: 'cuff 20.5 kPa', hex: sf(205, -1) } : { label: 'cuff 154 mmHg', hex: sf(154, 0) }, { label: 'diastolic unused NaN', hex: 'ff07' }, { label: 'MAP unused NaN', hex: 'ff07' }]
    const exp: Record<string, unknown> = { cuffPressure: kpa ? 20.5 : 154, unit: kpa ? 'kPa' : 'mm[Hg]' }
    bpTail(f, parts, exp)
    valid.push(vector(`flags 0x${u8(f)}`, bits(f, BP_FLAGS), parts, exp))
  }
  return {
    characteristic: 'Intermediate Cuff Pressure',
    uuid: '0x2A36',
    parser: 'parseIntermediateCuffPressure',
    source: 'Blood Pressure Service 1.0 §3.2 (same format as Blood Pressure Measurement; Systolic = current cuff pressure, Diastolic and MAP unused)',
    valid,
    invalid: [bad('cuff NRes', 'SFLOAT 0x0800 as cuff pressure', '00 0008 ff07 ff07', 'Current Cuff Pressure', 'GattValueUnavailableError'), bad('unused fields missing', 'flags 0x00, cuff pressure only', `00 ${sf(154, 0)}`, 'Diastolic and Mean Arterial Pressure (unused)')]
  }
}

// ── Glucose Measurement / Context ──────────────────────────────────────────────────────
function glucose(): VectorFile {
  const valid: Valid[] = []
  const names = { 0: 'time offset', 1: 'concentration+type+location', 2: 'mol/L', 3: 'sensor status', 4: 'context follows' }
  for (const f of range(32)) {
    const parts: Part[] = [{ label: 'flags', hex: u8(f) }, { label: 'seq 23', hex: u16(23) }, { label: 'base time 2024-05-02 07:45:00', hex: dt(2024, 5, 2, 7, 45, 0) }]
    const exp: Record<string, unknown> = { sequence: 23, baseTime: '2024-05-02T07:45:00', contextFollows: (f & 16) !== 0 }
    if (f & 1) {
      parts.push({ label: 'offset -15 min', hex: u16(-15) })
      exp['timeOffsetMin'] = -15
    }
    if (f & 2) {
      if (f & 4) {
        parts.push({ label: '0.0062 mol/L (m 62, e -4)', hex: sf(62, -4) })
        exp['concentration'] = 6.2
        exp['unit'] = 'mmol/L'
      } else {
        parts.push({ label: '0.00112 kg/L (m 112, e -5)', hex: sf(112, -5) })
        exp['concentration'] = 112
        exp['unit'] = 'mg/dL'
      }
      parts.push({ label: 'type 1 capillary whole blood, location 1 finger', hex: '11' })
      exp['sampleType'] = 'capillary-whole-blood'
      exp['sampleLocation'] = 'finger'
    }
    if (f & 8) {
      parts.push({ label: 'sensor status 0x0001 (battery low)', hex: u16(1) })
      exp['sensorStatus'] = 1
    }
    valid.push(vector(`flags 0x${u8(f)}`, bits(f, names), parts, exp))
  }
  valid.push(vector('venous plasma, location n/a, other exponent', bits(0x02, names), [{ label: 'flags', hex: '02' }, { label: 'seq 65535', hex: 'ffff' }, { label: 'base time 2025-12-31 23:59:59', hex: dt(2025, 12, 31, 23, 59, 59) }, { label: '9.5e-4 kg/L (m 950, e -6)', hex: sf(950, -6) }, { label: 'type 4 venous plasma, location 15 n/a', hex: 'f4' }], { sequence: 65535, baseTime: '2025-12-31T23:59:59', contextFollows: false, concentration: 95, unit: 'mg/dL', sampleType: 'venous-plasma', sampleLocation: 'not-available' }))
  valid.push(vector('control solution, reserved type', bits(0x02, names), [{ label: 'flags', hex: '02' }, { label: 'seq 2', hex: u16(2) }, { label: 'base time 2024-05-02 07:45:00', hex: dt(2024, 5, 2, 7, 45, 0) }, { label: '0.001 kg/L (m 1, e -3)', hex: sf(1, -3) }, { label: 'type 10 control solution, location 4 control solution', hex: '4a' }], { sequence: 2, baseTime: '2024-05-02T07:45:00', contextFollows: false, concentration: 100, unit: 'mg/dL', sampleType: 'control-solution', sampleLocation: 'control-solution' }))
  const head = `${u16(23)} ${dt(2024, 5, 2, 7, 45, 0)}`
  return {
    characteristic: 'Glucose Measurement',
    uuid: '0x2A18',
    parser: 'parseGlucoseMeasurement',
    source: 'Glucose Service 1.0 §3.1; GATT Specification Supplement (Glucose Measurement field table)',
    valid,
    invalid: [
      bad('no base time', 'flags 0x00, sequence only', `00 ${u16(23)}`, 'Base Time'),
      bad('base time not known', 'base time 0000-00-00: a record must have a date', `00 ${u16(23)} ${dt(0, 0, 0, 0, 0, 0)}`, 'Base Time'),
      bad('concentration NaN', 'flags 0x02, concentration SFLOAT 0x07FF', `02 ${head} ff07 11`, 'Glucose Concentration (kg/L)', 'GattValueUnavailableError'),
      bad('mol/L -INFINITY', 'flags 0x06, concentration SFLOAT 0x0802', `06 ${head} 0208 11`, 'Glucose Concentration (mol/L)', 'GattValueUnavailableError'),
      bad('type-location missing', 'flags 0x02, concentration but no type octet', `02 ${head} ${sf(112, -5)}`, 'Type-Sample Location'),
      bad('offset cut', 'flags 0x01, one octet of time offset', `01 ${head} f1`, 'Time Offset'),
      bad('trailing octet', 'flags 0x00 then 0xff', `00 ${head} ff`, 'value')
    ]
  }
}
function glucoseContext(): VectorFile {
  const valid: Valid[] = []
  const names = { 0: 'carbohydrate', 1: 'meal', 2: 'tester-health', 3: 'exercise', 4: 'medication', 5: 'medication in L', 6: 'HbA1c', 7: 'extended flags' }
  for (const f of range(256)) {
    const parts: Part[] = [{ label: 'flags', hex: u8(f) }, { label: 'seq 23', hex: u16(23) }]
    const exp: Record<string, unknown> = { sequence: 23 }
    if (f & 0x80) parts.push({ label: 'extended flags 0x00 (reserved)', hex: '00' })
    if (f & 1) {
      parts.push({ label: 'carb id 1 breakfast', hex: '01' }, { label: 'carb 0.05 kg (m 50, e -3)', hex: sf(50, -3) })
      exp['carbohydrate'] = { id: 1, grams: 50 }
    }
    if (f & 2) {
      parts.push({ label: 'meal 1 preprandial', hex: '01' })
      exp['meal'] = 1
    }
    if (f & 4) {
      parts.push({ label: 'tester 1 self, health 5 none', hex: '51' })
      exp['tester'] = 1
      exp['health'] = 5
    }
    if (f & 8) {
      parts.push({ label: 'exercise 1800 s', hex: u16(1800) }, { label: 'intensity 60 %', hex: u8(60) })
      exp['exercise'] = { durationS: 1800, intensityPercent: 60 }
    }
    if (f & 16) {
      if (f & 32) {
        parts.push({ label: 'medication id 1 rapid insulin', hex: '01' }, { label: '0.004 L (m 4, e -3)', hex: sf(4, -3) })
        exp['medication'] = { id: 1, amount: 4, unit: 'mL' }
      } else {
        parts.push({ label: 'medication id 1 rapid insulin', hex: '01' }, { label: '0.00025 kg (m 25, e -5)', hex: sf(25, -5) })
        exp['medication'] = { id: 1, amount: 250, unit: 'mg' }
      }
    }
    if (f & 64) {
      parts.push({ label: 'HbA1c 6.8 %', hex: sf(68, -1) })
      exp['hba1c'] = 6.8
    }
    valid.push(vector(`flags 0x${u8(f)}`, bits(f, names), parts, exp))
  }
  valid.push(vector('special amounts left out', bits(0x51, names), [{ label: 'flags', hex: '51' }, { label: 'seq 7', hex: u16(7) }, { label: 'carb id 3', hex: '03' }, { label: 'carb NaN', hex: 'ff07' }, { label: 'med id 2', hex: '02' }, { label: 'med NRes', hex: '0008' }, { label: 'HbA1c NaN', hex: 'ff07' }], { sequence: 7, carbohydrate: { id: 3 }, medication: { id: 2, unit: 'mg' } }))
  return {
    characteristic: 'Glucose Measurement Context',
    uuid: '0x2A34',
    parser: 'parseGlucoseMeasurementContext',
    source: 'Glucose Service 1.0 §3.2; GATT Specification Supplement (Glucose Measurement Context field table)',
    valid,
    invalid: [bad('no sequence', 'flags only', '00', 'Sequence Number'), bad('HbA1c cut', 'flags 0x40, HbA1c needs 2 octets', `40 ${u16(1)} 44`, 'HbA1c'), bad('extended flags missing', 'flags 0x80, no extended flags octet', `80 ${u16(1)}`, 'Extended Flags')]
  }
}

// ── Record Access Control Point (responses) ────────────────────────────────────────────
function racp(): VectorFile {
  const meanings = ['Reserved for future use', 'Success', 'Op Code not supported', 'Invalid Operator', 'Operator not supported', 'Invalid Operand', 'No records found', 'Abort unsuccessful', 'Procedure not completed', 'Operand not supported', 'Reserved for future use']
  const valid: Valid[] = []
  for (const count of [0, 1, 300, 65535]) valid.push(vector(`number of records ${count}`, 'op 0x05 number of stored records response, operator 0x00 null', [{ label: 'op', hex: '05' }, { label: 'operator', hex: '00' }, { label: `count ${count}`, hex: u16(count) }], { kind: 'number-of-records', count }))
  for (const req of [1, 2, 3, 4]) {
    for (const code of range(11)) {
      if (req !== 1 && code > 1 && code !== 6 && code !== 9) continue
      valid.push(vector(`response ${code} to op ${req}`, 'op 0x06 response code, operator 0x00 null', [{ label: 'op', hex: '06' }, { label: 'operator', hex: '00' }, { label: `request op ${req}`, hex: u8(req) }, { label: `code ${code}`, hex: u8(code) }], { kind: 'response-code', requestOpCode: req, code, meaning: meanings[code], success: code === 1 }))
    }
  }
  return {
    characteristic: 'Record Access Control Point',
    uuid: '0x2A52',
    parser: 'parseRacpResponse',
    source: 'Glucose Service 1.0 §3.4 (RACP procedures, uint16 number of records); GATT Specification Supplement (Record Access Control Point: op codes, operators, response code values)',
    valid,
    invalid: [
      bad('request op code', 'op 0x01 (a request, not a response)', '01 01', 'Op Code'),
      bad('reserved op code', 'op 0x07', '07 00', 'Op Code'),
      bad('non-null operator', 'op 0x05 with operator 0x01', '05 01 0100', 'Operator'),
      bad('count cut', 'op 0x05, one octet of count', '05 00 01', 'Operand (Number of Records)'),
      bad('response code missing', 'op 0x06 with request op only', '06 00 01', 'Operand (Response Code Value)'),
      bad('trailing', 'op 0x06 then an extra octet', '06 00 01 01 00', 'value'),
      bad('empty', 'nothing', '', 'Op Code')
    ]
  }
}

// ── Temperature Measurement ────────────────────────────────────────────────────────────
function temperature(): VectorFile {
  const valid: Valid[] = []
  const names = { 0: 'Fahrenheit', 1: 'time stamp', 2: 'temperature type' }
  for (const f of range(8)) {
    const parts: Part[] = [{ label: 'flags', hex: u8(f) }, f & 1 ? { label: '97.9 °F (m 979, e -1)', hex: fl(979, -1) } : { label: '36.6 °C (m 366, e -1)', hex: fl(366, -1) }]
    const exp: Record<string, unknown> = { value: f & 1 ? 97.9 : 36.6, unit: f & 1 ? '[degF]' : 'Cel' }
    if (f & 2) {
      parts.push({ label: TS.label, hex: TS.hex })
      exp['timestamp'] = TS.iso
    }
    if (f & 4) {
      parts.push({ label: 'type 6 mouth', hex: '06' })
      exp['temperatureType'] = 6
    }
    valid.push(vector(`flags 0x${u8(f)}`, bits(f, names), parts, exp))
  }
  valid.push(vector('negative exponent -2', 'flags 0x00', [{ label: 'flags', hex: '00' }, { label: '37.25 °C (m 3725, e -2)', hex: fl(3725, -2) }], { value: 37.25, unit: 'Cel' }))
  valid.push(vector('positive exponent, negative mantissa', 'flags 0x00', [{ label: 'flags', hex: '00' }, { label: '-20 (m -2, e 1)', hex: fl(-2, 1) }], { value: -20, unit: 'Cel' }))
  return {
    characteristic: 'Temperature Measurement',
    uuid: '0x2A1C',
    parser: 'parseTemperatureMeasurement',
    source: 'Health Thermometer Service 1.0 §3.1; GATT Specification Supplement (Temperature Measurement, Temperature Type); IEEE 11073-20601 FLOAT',
    valid,
    invalid: [
      bad('value cut', 'flags 0x00, 3 of 4 FLOAT octets', '00 6e0100', 'Temperature Measurement Value'),
      bad('NaN', 'FLOAT 0x007FFFFF', '00 ffff7f00', 'Temperature Measurement Value', 'GattValueUnavailableError'),
      bad('NRes', 'FLOAT 0x00800000', '00 00008000', 'Temperature Measurement Value', 'GattValueUnavailableError'),
      bad('+INFINITY', 'FLOAT 0x007FFFFE', '00 feff7f00', 'Temperature Measurement Value', 'GattValueUnavailableError'),
      bad('type missing', 'flags 0x04, no type octet', `04 ${fl(366, -1)}`, 'Temperature Type'),
      bad('trailing', 'flags 0x00 then one octet', `00 ${fl(366, -1)} 02`, 'value')
    ]
  }
}

// ── Weight Measurement ─────────────────────────────────────────────────────────────────
function weight(): VectorFile {
  const valid: Valid[] = []
  const names = { 0: 'imperial', 1: 'time stamp', 2: 'user id', 3: 'BMI and height' }
  for (const f of range(16)) {
    const imp = f & 1
    const parts: Part[] = [{ label: 'flags', hex: u8(f) }, imp ? { label: 'weight 15540 × 0.01 lb', hex: u16(15540) } : { label: 'weight 14100 × 0.005 kg', hex: u16(14100) }]
    const exp: Record<string, unknown> = { weight: imp ? 155.4 : 70.5, unit: imp ? '[lb_av]' : 'kg' }
    if (f & 2) {
      parts.push({ label: TS.label, hex: TS.hex })
      exp['timestamp'] = TS.iso
    }
    if (f & 4) {
      parts.push({ label: 'user 1', hex: '01' })
      exp['userId'] = 1
    }
    if (f & 8) {
      parts.push({ label: 'BMI 230 × 0.1', hex: u16(230) }, imp ? { label: 'height 689 × 0.1 in', hex: u16(689) } : { label: 'height 1751 × 0.001 m', hex: u16(1751) })
      exp['bmi'] = 23
      exp['height'] = imp ? 68.9 : 1.751
    }
    valid.push(vector(`flags 0x${u8(f)}`, bits(f, names), parts, exp))
  }
  valid.push(vector('odd raw weight', 'flags 0x00', [{ label: 'flags', hex: '00' }, { label: 'weight 13001 × 0.005 kg', hex: u16(13001) }], { weight: 65.005, unit: 'kg' }))
  return {
    characteristic: 'Weight Measurement',
    uuid: '0x2A9D',
    parser: 'parseWeightMeasurement',
    source: "Weight Scale Service 1.0 §3.2 (0xFFFF = 'Measurement Unsuccessful'); GATT Specification Supplement (Weight Measurement field table)",
    valid,
    invalid: [
      bad('unsuccessful', 'weight 0xFFFF', '00 ffff', 'Weight', 'GattValueUnavailableError'),
      bad('unsuccessful with time stamp', 'flags 0x02, weight 0xFFFF, time stamp', `02 ffff ${TS.hex}`, 'Weight', 'GattValueUnavailableError'),
      bad('weight cut', 'one octet of weight', '00 14', 'Weight'),
      bad('height missing', 'flags 0x08, BMI but no height', `08 ${u16(14100)} ${u16(230)}`, 'Height'),
      bad('trailing', 'flags 0x00 then an octet', `00 ${u16(14100)} 00`, 'value')
    ]
  }
}

// ── PLX ────────────────────────────────────────────────────────────────────────────────
function plxSpot(): VectorFile {
  const valid: Valid[] = []
  const names = { 0: 'timestamp', 1: 'measurement status', 2: 'device and sensor status', 3: 'pulse amplitude index', 4: 'device clock not set' }
  for (const f of range(32)) {
    const parts: Part[] = [{ label: 'flags', hex: u8(f) }, { label: 'SpO2 97', hex: sf(97, 0) }, { label: 'PR 64', hex: sf(64, 0) }]
    const exp: Record<string, unknown> = { spo2: 97, pulseRate: 64 }
    if (f & 1) {
      parts.push({ label: TS.label, hex: TS.hex })
      exp['timestamp'] = TS.iso
    }
    if (f & 16) exp['deviceClockNotSet'] = true
    if (f & 2) {
      parts.push({ label: 'status 0x0080 validated', hex: u16(0x80) })
      exp['measurementStatus'] = 0x80
    }
    if (f & 4) {
      parts.push({ label: 'device status 0x000020 low perfusion', hex: u24(0x20) })
      exp['deviceAndSensorStatus'] = 0x20
    }
    if (f & 8) {
      parts.push({ label: 'PAI 3.5 % (m 35, e -1)', hex: sf(35, -1) })
      exp['pulseAmplitudeIndex'] = 3.5
    }
    valid.push(vector(`flags 0x${u8(f)}`, bits(f, names), parts, exp))
  }
  valid.push(vector('PAI NaN dropped, 24-bit status high octet', bits(0x0c, names), [{ label: 'flags', hex: '0c' }, { label: 'SpO2 99', hex: sf(99, 0) }, { label: 'PR 58', hex: sf(58, 0) }, { label: 'device status 0x00c001', hex: u24(0xc001) }, { label: 'PAI NaN', hex: 'ff07' }], { spo2: 99, pulseRate: 58, deviceAndSensorStatus: 0xc001 }))
  return {
    characteristic: 'PLX Spot-check Measurement',
    uuid: '0x2A5E',
    parser: 'parsePlxSpotCheck',
    source: 'Pulse Oximeter Service 1.0 §3.1; GATT Specification Supplement (PLX Spot-check Measurement field table)',
    valid,
    invalid: [
      bad('SpO2 NaN', 'SpO2 SFLOAT 0x07FF', `00 ff07 ${sf(64, 0)}`, 'SpO2PR-Spot-Check - SpO2', 'GattValueUnavailableError'),
      bad('PR NRes', 'PR SFLOAT 0x0800', `00 ${sf(97, 0)} 0008`, 'SpO2PR-Spot-Check - PR', 'GattValueUnavailableError'),
      bad('PR cut', 'one octet of PR', `00 ${sf(97, 0)} 40`, 'SpO2PR-Spot-Check - PR'),
      bad('device status cut', 'flags 0x04, 2 of 3 octets', `04 ${sf(97, 0)} ${sf(64, 0)} 2000`, 'Device and Sensor Status'),
      bad('trailing', 'flags 0x00 then an octet', `00 ${sf(97, 0)} ${sf(64, 0)} 00`, 'value')
    ]
  }
}
function plxContinuous(): VectorFile {
  const valid: Valid[] = []
  const names = { 0: 'SpO2PR-Fast', 1: 'SpO2PR-Slow', 2: 'measurement status', 3: 'device and sensor status', 4: 'pulse amplitude index' }
  for (const f of range(32)) {
    const parts: Part[] = [{ label: 'flags', hex: u8(f) }, { label: 'normal SpO2 98', hex: sf(98, 0) }, { label: 'normal PR 70', hex: sf(70, 0) }]
    const exp: Record<string, unknown> = { spo2: 98, pulseRate: 70 }
    if (f & 1) {
      parts.push({ label: 'fast SpO2 97', hex: sf(97, 0) }, { label: 'fast PR 72', hex: sf(72, 0) })
      exp['fast'] = { spo2: 97, pulseRate: 72 }
    }
    if (f & 2) {
      parts.push({ label: 'slow SpO2 98', hex: sf(98, 0) }, { label: 'slow PR 69', hex: sf(69, 0) })
      exp['slow'] = { spo2: 98, pulseRate: 69 }
    }
    if (f & 4) {
      parts.push({ label: 'status 0x0100 fully qualified', hex: u16(0x100) })
      exp['measurementStatus'] = 0x100
    }
    if (f & 8) {
      parts.push({ label: 'device status 0x000010 poor signal', hex: u24(0x10) })
      exp['deviceAndSensorStatus'] = 0x10
    }
    if (f & 16) {
      parts.push({ label: 'PAI 4.2 %', hex: sf(42, -1) })
      exp['pulseAmplitudeIndex'] = 4.2
    }
    valid.push(vector(`flags 0x${u8(f)}`, bits(f, names), parts, exp))
  }
  valid.push(vector('fast values special', bits(0x01, names), [{ label: 'flags', hex: '01' }, { label: 'SpO2 95', hex: sf(95, 0) }, { label: 'PR 80', hex: sf(80, 0) }, { label: 'fast SpO2 NaN', hex: 'ff07' }, { label: 'fast PR +INF', hex: 'fe07' }], { spo2: 95, pulseRate: 80, fast: {} }))
  return {
    characteristic: 'PLX Continuous Measurement',
    uuid: '0x2A5F',
    parser: 'parsePlxContinuous',
    source: 'Pulse Oximeter Service 1.0 §3.2; GATT Specification Supplement (PLX Continuous Measurement field table)',
    valid,
    invalid: [
      bad('normal SpO2 NaN', 'SpO2PR-Normal SpO2 0x07FF', `00 ff07 ${sf(70, 0)}`, 'SpO2PR-Normal - SpO2', 'GattValueUnavailableError'),
      bad('slow cut', 'flags 0x02, 1 of 2 slow fields', `02 ${sf(98, 0)} ${sf(70, 0)} ${sf(98, 0)}`, 'SpO2PR-Slow - PR'),
      bad('trailing', 'flags 0x00 then an octet', `00 ${sf(98, 0)} ${sf(70, 0)} 00`, 'value')
    ]
  }
}

// ── CGM Measurement ────────────────────────────────────────────────────────────────────
function cgmRecord(f: number, crc: boolean, glucose = 120, offset = 405): { parts: Part[]; exp: Record<string, unknown> } {
  const parts: Part[] = [{ label: 'flags', hex: u8(f) }, { label: `glucose ${glucose} mg/dL`, hex: sf(glucose, 0) }, { label: `offset ${offset} min`, hex: u16(offset) }]
  const exp: Record<string, unknown> = { glucoseMgDl: glucose, timeOffsetMin: offset }
  let status = 0
  if (f & 0x80) {
    parts.push({ label: 'status octet 0x02 battery low', hex: '02' })
    status |= 0x02
  }
  if (f & 0x40) {
    parts.push({ label: 'cal/temp octet 0x04 calibration recommended', hex: '04' })
    status |= 0x04 << 8
  }
  if (f & 0x20) {
    parts.push({ label: 'warning octet 0x08 above hyper level', hex: '08' })
    status |= 0x08 << 16
  }
  if (f & 0xe0) exp['sensorStatus'] = status
  if (f & 1) {
    parts.push({ label: 'trend -1.5 (m -15, e -1)', hex: sf(-15, -1) })
    exp['trendMgDlPerMin'] = -1.5
  }
  if (f & 2) {
    parts.push({ label: 'quality 95 %', hex: sf(95, 0) })
    exp['qualityPercent'] = 95
  }
  const size = 1 + parts.reduce((n, p) => n + p.hex.length / 2, 0) + (crc ? 2 : 0)
  const all: Part[] = [{ label: `size ${size}`, hex: u8(size) }, ...parts]
  if (crc) {
    const value = mcrf4xx(all.map((p) => p.hex).join(''))
    all.push({ label: `E2E-CRC 0x${value.toString(16).padStart(4, '0')} (CRC-16/MCRF4XX of the octets before)`, hex: u16(value) })
    exp['e2eCrc'] = value
  }
  return { parts: all, exp }
}
/** CRC-CCITT reflected (0x8408), seed 0xFFFF, no final XOR, over hex octets. */
function mcrf4xx(hex: string): number {
  let crc = 0xffff
  for (let i = 0; i < hex.length; i += 2) {
    crc ^= parseInt(hex.slice(i, i + 2), 16)
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1
  }
  return crc
}
function cgm(): VectorFile {
  const valid: Valid[] = []
  const names = { 0: 'trend', 1: 'quality', 5: 'warning octet', 6: 'cal/temp octet', 7: 'status octet' }
  for (const low of range(4)) {
    for (const high of range(8)) {
      for (const crc of [false, true]) {
        const f = low | (high << 5)
        const { parts, exp } = cgmRecord(f, crc)
        valid.push(vector(`flags 0x${u8(f)}${crc ? ' + E2E-CRC' : ''}`, bits(f, names), parts, [exp]))
      }
    }
  }
  const a = cgmRecord(0x00, false, 110, 400)
  const b = cgmRecord(0x03, false, 114, 405)
  const c = cgmRecord(0xe0, true, 119, 410)
  valid.push(vector('three records in one notification', 'records: flags 0x00 / 0x03 / 0xe0 with CRC', [...a.parts, ...b.parts, ...c.parts], [a.exp, b.exp, c.exp]))
  valid.push(vector('reserved flag bits ignored, trend NaN dropped', 'flags 0x1d = b0 trend, b2-b4 reserved', [{ label: 'size 8', hex: '08' }, { label: 'flags', hex: '1d' }, { label: 'glucose 90', hex: sf(90, 0) }, { label: 'offset 0', hex: u16(0) }, { label: 'trend NaN', hex: 'ff07' }], [{ glucoseMgDl: 90, timeOffsetMin: 0 }]))
  return {
    characteristic: 'CGM Measurement',
    uuid: '0x2AA7',
    parser: 'parseCgmMeasurement',
    source: 'Continuous Glucose Monitoring Service 1.0.1 §3.1; GATT Specification Supplement (CGM Measurement field table: annunciation octets status, cal/temp, warning = bits 0-7, 8-15, 16-23, least significant octet first); E2E-CRC = CRC-CCITT seed 0xFFFF, reflected (CRC-16/MCRF4XX, check value 0x6F91)',
    valid,
    invalid: [
      bad('empty', 'no record', '', 'Size'),
      bad('size under 6', 'size 5', `05 00 ${sf(120, 0)} ${u16(1)}`, 'Size'),
      bad('size past the end', 'size 9 with 6 octets sent', `09 00 ${sf(120, 0)} ${u16(1)}`, 'Size'),
      bad('size vs flags', 'size 7: flags 0x00 fill 6, 1 octet unaccounted for', `07 00 ${sf(120, 0)} ${u16(1)} 00`, 'Size'),
      bad('size too small for flags', 'size 6 but flags 0x03 need 10', `06 03 ${sf(120, 0)} ${u16(1)} ${sf(-15, -1)} ${sf(95, 0)}`, 'Size'),
      bad('second record truncated', 'a whole record then size 6 with 3 octets', `06 00 ${sf(120, 0)} ${u16(1)} 06 00 78`, 'Size'),
      bad('E2E-CRC mismatch', 'size 8 (6 + CRC), CRC 0xBEEF is not the CRC of 08 00 7800 0100', `08 00 ${sf(120, 0)} ${u16(1)} efbe`, 'E2E-CRC'),
      bad('glucose NaN', 'glucose SFLOAT 0x07FF', `06 00 ff07 ${u16(1)}`, 'CGM Glucose Concentration', 'GattValueUnavailableError'),
      bad('glucose NaN in second record', 'first record fine, second NaN: nothing returned', `06 00 ${sf(120, 0)} ${u16(1)} 06 00 ff07 ${u16(6)}`, 'CGM Glucose Concentration', 'GattValueUnavailableError')
    ]
  }
}

// ── Battery Level, Device Information ──────────────────────────────────────────────────
function battery(): VectorFile {
  return {
    characteristic: 'Battery Level',
    uuid: '0x2A19',
    parser: 'parseBatteryLevel',
    source: 'Battery Service 1.0 §3.1 (uint8, 0-100 %)',
    valid: [0, 1, 87, 100].map((n) => vector(`${n} %`, 'no flags', [{ label: `level ${n}`, hex: u8(n) }], n)),
    invalid: [bad('101 %', 'over 100', '65', 'Battery Level'), bad('255', 'over 100', 'ff', 'Battery Level'), bad('empty', 'nothing', '', 'Battery Level'), bad('two octets', 'extra octet', '5700', 'value')]
  }
}
function deviceInfo(): VectorFile {
  const utf = (s: string): string => Buffer.from(s, 'utf8').toString('hex')
  return {
    characteristic: 'Manufacturer Name String',
    uuid: '0x2A29',
    parser: 'parseDeviceInformationString:manufacturerName',
    source: 'Device Information Service 1.1 §3.2 (utf8s, the whole value)',
    valid: [
      vector('ASCII', 'utf8s', [{ label: '"Acme Medical"', hex: utf('Acme Medical') }], 'Acme Medical'),
      vector('NUL padded', 'utf8s + 2 NUL', [{ label: '"A&D"', hex: utf('A&D') }, { label: 'NUL NUL', hex: '0000' }], 'A&D'),
      vector('non-ASCII', 'utf8s', [{ label: '"Zoë Médical"', hex: utf('Zoë Médical') }], 'Zoë Médical'),
      vector('empty', 'zero octets', [{ label: '(none)', hex: '' }], '')
    ],
    invalid: [bad('invalid UTF-8', 'lone continuation octet 0x80', '41 80 42', 'Manufacturer Name String'), bad('overlong encoding', 'C0 AF is an overlong "/"', 'c0af', 'Manufacturer Name String')]
  }
}

// ── IEEE 11073 numbers ──────────────────────────────────────────────────────────────────
const sfloats = [
  { raw: 0x0072, value: 114, comment: 'e 0, m 114' },
  { raw: 0xf16e, value: 36.6, comment: 'e -1, m 366' },
  { raw: 0xe0c8, value: 2, comment: 'e -2, m 200 (HL7 PHD table: 2.00)' },
  { raw: 0x1002, value: 20, comment: 'e 1, m 2' },
  { raw: 0x2002, value: 200, comment: 'e 2, m 2' },
  { raw: 0x0b2e, value: -1234, comment: 'e 0, m -1234' },
  { raw: 0xfff1, value: -1.5, comment: 'e -1, m -15' },
  { raw: 0x07fd, value: 2045, comment: 'e 0, m 2045: largest ordinary mantissa' },
  { raw: 0x0803, value: -2045, comment: 'e 0, m -2045' },
  { raw: 0x17ff, value: 20470, comment: 'e 1, m 2047: not NaN (specials need e 0)' },
  { raw: 0x7001, value: 10000000, comment: 'e 7, m 1' },
  { raw: 0x8001, value: 1e-8, comment: 'e -8, m 1' },
  { raw: 0x0000, value: 0, comment: 'zero' },
  { raw: 0x07ff, value: 'NaN', comment: 'NaN' },
  { raw: 0x0800, value: 'NaN', comment: 'NRes' },
  { raw: 0x0801, value: 'NaN', comment: 'reserved' },
  { raw: 0x07fe, value: 'Infinity', comment: '+INFINITY' },
  { raw: 0x0802, value: '-Infinity', comment: '-INFINITY' }
]
const floats = [
  { raw: 0x00000002, value: 2, comment: 'e 0, m 2' },
  { raw: 0xff000014, value: 2, comment: 'e -1, m 20 (HL7 PHD table: 2.0)' },
  { raw: 0xfe0000c8, value: 2, comment: 'e -2, m 200' },
  { raw: 0x01000002, value: 20, comment: 'e 1, m 2' },
  { raw: 0x00fffb2e, value: -1234, comment: 'e 0, m -1234' },
  { raw: 0xff00016e, value: 36.6, comment: 'e -1, m 366' },
  { raw: 0x007fffff, value: 'NaN', comment: 'NaN' },
  { raw: 0x00800000, value: 'NaN', comment: 'NRes' },
  { raw: 0x00800001, value: 'NaN', comment: 'reserved' },
  { raw: 0x007ffffe, value: 'Infinity', comment: '+INFINITY' },
  { raw: 0x00800002, value: '-Infinity', comment: '-INFINITY' },
  { raw: 0x017fffff, value: 83886070, comment: 'e 1, m 2^23-1: not NaN' }
]

const dir = new URL('./', import.meta.url)
const files: Record<string, VectorFile> = {
  'heart-rate-measurement.json': heartRate(),
  'blood-pressure-measurement.json': bloodPressure(),
  'intermediate-cuff-pressure.json': cuffPressure(),
  'glucose-measurement.json': glucose(),
  'glucose-measurement-context.json': glucoseContext(),
  'record-access-control-point.json': racp(),
  'temperature-measurement.json': temperature(),
  'weight-measurement.json': weight(),
  'plx-spot-check.json': plxSpot(),
  'plx-continuous.json': plxContinuous(),
  'cgm-measurement.json': cgm(),
  'battery-level.json': battery(),
  'device-information-string.json': deviceInfo()
}
/** Pretty at the top, one line per vector, so a diff shows whole vectors. */
function format(file: VectorFile): string {
  const list = (items: readonly unknown[]): string => (items.length === 0 ? '[]' : `[\n${items.map((v) => `    ${JSON.stringify(v)}`).join(',\n')}\n  ]`)
  const head = { characteristic: file.characteristic, uuid: file.uuid, parser: file.parser, source: file.source }
  const fields = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
  return `{\n${fields.join(',\n')},\n  "valid": ${list(file.valid)},\n  "invalid": ${list(file.invalid)}\n}\n`
}
let total = 0
for (const [name, file] of Object.entries(files)) {
  writeFileSync(new URL(name, dir), format(file))
  total += file.valid.length + file.invalid.length
  console.log(`${name}: ${file.valid.length} valid, ${file.invalid.length} invalid`)
}
writeFileSync(
  new URL('ieee11073.json', dir),
  `${JSON.stringify({ source: 'IEEE 11073-20601 §F.8 (SFLOAT/FLOAT special values, exponent 0); examples from HL7 PHD IG "Mder FLOATs and SFLOATs" (HL7/phd input/pagecontent/MderFLOATsandSFLOATs.md)', sfloat: sfloats.map((s) => ({ ...s, raw: `0x${s.raw.toString(16).padStart(4, '0')}` })), float: floats.map((s) => ({ ...s, raw: `0x${s.raw.toString(16).padStart(8, '0')}` })) }, null, 1)}\n`
)
console.log(`ieee11073.json: ${sfloats.length} SFLOAT, ${floats.length} FLOAT; total GATT vectors ${total}`)
