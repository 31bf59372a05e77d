/**
 * Telemonitoring thresholds: rule validation by named error and field, unit conversion
 * (glucose mg/dL ↔ mmol/L, kPa, °F), the verdict at and around each boundary, hysteresis,
 * episodes (one alert per excursion, property-tested against a naive count), and the FHIR
 * forms: the rule set as Basic and the alert as DetectedIssue, both stored in a real
 * compartment (which validates them) and read back; tampered forms are refused by name.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createCompartment, randomDocId, visitCompartment, type Observation } from '../../src/record/index.ts'
import {
  acknowledgeAlert,
  alertFromDetectedIssue,
  alertId,
  alertToDetectedIssue,
  checkReading,
  convertValue,
  endAlert,
  episodesOf,
  measurementsOf,
  observationsFromReading,
  quantityKey,
  stepEpisode,
  thresholdsFromBasic,
  thresholdsToBasic,
  validateThresholdRule,
  validateThresholdRules,
  INITIAL_EPISODE,
  MAX_THRESHOLD_RULES,
  THRESHOLD_RULE_URL,
  type Measurement,
  type ThresholdRule
} from '../../src/devices/index.ts'

const T0 = Date.UTC(2026, 0, 5, 8)
const MIN = 60_000
const sbp: ThresholdRule = validateThresholdRule({ id: 'sbp-high', code: '8480-6', comparator: '>', value: 160, unit: 'mm[Hg]', label: 'Systolic > 160' })
const glucose: ThresholdRule = validateThresholdRule({ id: 'glu-low', code: '2339-0', comparator: '<', value: 70, unit: 'mg/dL', hysteresis: 0 })
const spo2: ThresholdRule = validateThresholdRule({ id: 'spo2-low', code: '59408-5', comparator: '<', value: 92, unit: '%' })

const m = (codes: string[], value: number, unit: string, t = T0): Measurement => ({ codes, value, unit, t, source: { kind: 'series', device: 'strap-1' } })
const verdict = (rule: ThresholdRule, codes: string[], value: number, unit: string): string => checkReading(rule, m(codes, value, unit)).verdict
const errorOf = (fn: () => unknown): { name: string; field?: string } => {
  try {
    fn()
  } catch (err) {
    return { name: (err as Error).name, field: (err as { field?: string }).field }
  }
  return { name: 'none' }
}

describe('rule validation', () => {
  it('returns a frozen copy with only the known fields', () => {
    const r = validateThresholdRule({ id: 'a', code: '8480-6', comparator: '>=', value: 140, unit: 'mm[Hg]', label: '  High  ', extra: 1 })
    expect(r).toEqual({ id: 'a', code: '8480-6', comparator: '>=', value: 140, unit: 'mm[Hg]', label: 'High' })
    expect(Object.isFrozen(r)).toBe(true)
  })

  it('names the field of each bad input', () => {
    const ok = { id: 'a', code: '8480-6', comparator: '>', value: 160, unit: 'mm[Hg]' }
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ ...ok, id: '' }, 'ThresholdRuleError', 'rule.id'],
      [{ ...ok, id: 'a/b' }, 'ThresholdRuleError', 'rule.id'],
      [{ ...ok, id: 'x'.repeat(33) }, 'ThresholdRuleError', 'rule.id'],
      [{ ...ok, code: 'systolic' }, 'ThresholdRuleError', 'rule.code'],
      [{ ...ok, comparator: '!=' }, 'ThresholdRuleError', 'rule.comparator'],
      [{ ...ok, value: Number.NaN }, 'ThresholdRuleError', 'rule.value'],
      [{ ...ok, value: Number.POSITIVE_INFINITY }, 'ThresholdRuleError', 'rule.value'],
      [{ ...ok, value: '160' }, 'ThresholdRuleError', 'rule.value'],
      [{ ...ok, unit: 'mm Hg' }, 'ThresholdRuleError', 'rule.unit'],
      [{ ...ok, unit: 'mg/dL' }, 'ThresholdUnitError', 'rule.unit'],
      [{ ...ok, code: '2339-0', unit: 'mm[Hg]' }, 'ThresholdUnitError', 'rule.unit'],
      [{ ...ok, label: 'x'.repeat(121) }, 'ThresholdRuleError', 'rule.label'],
      [{ ...ok, label: '   ' }, 'ThresholdRuleError', 'rule.label'],
      [{ ...ok, hysteresis: -1 }, 'ThresholdRuleError', 'rule.hysteresis'],
      [{ ...ok, clearAfterMs: 1.5 }, 'ThresholdRuleError', 'rule.clearAfterMs'],
      [{ ...ok, clearAfterMs: 86_400_001 }, 'ThresholdRuleError', 'rule.clearAfterMs'],
      [{ ...ok, since: -1 }, 'ThresholdRuleError', 'rule.since']
    ]
    for (const [input, name, field] of cases) expect(errorOf(() => validateThresholdRule(input)), JSON.stringify(input)).toEqual({ name, field })
    expect(errorOf(() => validateThresholdRule(null))).toEqual({ name: 'ThresholdRuleError', field: 'rule' })
    // a glucose rule may be set in either unit; a code this layer does not know takes any UCUM unit
    expect(validateThresholdRule({ ...ok, code: '15074-8', unit: 'mg/dL' }).unit).toBe('mg/dL')
    expect(validateThresholdRule({ ...ok, code: '9279-1', unit: '/min' }).code).toBe('9279-1')
  })

  it('checks a set: an array, at most 32 rules, distinct ids', () => {
    const rule = { id: 'a', code: '8480-6', comparator: '>', value: 160, unit: 'mm[Hg]' }
    expect(errorOf(() => validateThresholdRules({}))).toEqual({ name: 'ThresholdRuleError', field: 'rules' })
    expect(errorOf(() => validateThresholdRules(Array.from({ length: MAX_THRESHOLD_RULES + 1 }, (_, i) => ({ ...rule, id: `r${i}` }))))).toEqual({ name: 'ThresholdRuleError', field: 'rules' })
    expect(errorOf(() => validateThresholdRules([rule, { ...rule, value: 170 }]))).toEqual({ name: 'ThresholdRuleError', field: 'rules[1].id' })
    expect(errorOf(() => validateThresholdRules([rule, { ...rule, id: 'b', value: 'x' }]))).toEqual({ name: 'ThresholdRuleError', field: 'rules[1].value' })
    expect(validateThresholdRules([rule, { ...rule, id: 'b' }]).map((r) => r.id)).toEqual(['a', 'b'])
  })
})

describe('units', () => {
  it('converts glucose between mg/dL and mmol/L (M = 180.156 g/mol), and only glucose', () => {
    expect(convertValue(3.9, 'mmol/L', 'mg/dL', '15074-8')).toBeCloseTo(70.26, 2)
    expect(convertValue(70, 'mg/dL', 'mmol/L', '2339-0')).toBeCloseTo(3.886, 3)
    expect(convertValue(5.5, 'mmol/L', 'mg/dL', '99504-3')).toBeCloseTo(99.09, 2)
    // a molar conversion depends on the analyte: none for cholesterol, none without a code
    expect(convertValue(5, 'mmol/L', 'mg/dL', '2093-3')).toBeUndefined()
    expect(convertValue(5, 'mmol/L', 'mg/dL')).toBeUndefined()
  })

  it('converts pressure, temperature and weight; nothing else', () => {
    expect(convertValue(21.3315, 'kPa', 'mm[Hg]')).toBeCloseTo(160, 2)
    expect(convertValue(160, 'mm[Hg]', 'kPa')).toBeCloseTo(21.3316, 4)
    expect(convertValue(100.4, '[degF]', 'Cel')).toBeCloseTo(38, 9)
    expect(convertValue(38, 'Cel', '[degF]')).toBeCloseTo(100.4, 9)
    expect(convertValue(220, '[lb_av]', 'kg')).toBeCloseTo(99.79, 2)
    expect(convertValue(92, '%', 'mm[Hg]')).toBeUndefined()
    expect(convertValue(7, '/min', '/min')).toBe(7)
  })

  it('round-trips every conversion', () => {
    const pairs: Array<[string, string, string | undefined]> = [['mmol/L', 'mg/dL', '2339-0'], ['kPa', 'mm[Hg]', undefined], ['[degF]', 'Cel', undefined], ['[lb_av]', 'kg', undefined]]
    fc.assert(
      fc.property(fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.constantFrom(...pairs), (x, [a, b, code]) => {
        const there = convertValue(x, a, b, code) as number
        expect(convertValue(there, b, a, code)).toBeCloseTo(x, 6)
      })
    )
  })
})

describe('verdicts', () => {
  it('at each boundary: > and >= differ at the threshold, < and <= too', () => {
    expect(verdict(sbp, ['8480-6'], 160, 'mm[Hg]')).toBe('hold')
    expect(verdict(sbp, ['8480-6'], 160.1, 'mm[Hg]')).toBe('past')
    const ge = { ...sbp, comparator: '>=' as const }
    expect(verdict(ge, ['8480-6'], 160, 'mm[Hg]')).toBe('past')
    expect(verdict(ge, ['8480-6'], 159.9, 'mm[Hg]')).toBe('hold')
    expect(verdict(glucose, ['2339-0'], 70, 'mg/dL')).toBe('clear')
    expect(verdict(glucose, ['2339-0'], 69.9, 'mg/dL')).toBe('past')
    const le = { ...spo2, comparator: '<=' as const }
    expect(verdict(le, ['59408-5'], 92, '%')).toBe('past')
    expect(verdict(spo2, ['59408-5'], 92, '%')).toBe('hold')
  })

  it('compares a reading in another unit after converting it', () => {
    // 3.88 mmol/L = 69.9 mg/dL is below 70; 3.9 mmol/L = 70.26 is not
    expect(verdict(glucose, ['15074-8'], 3.88, 'mmol/L')).toBe('past')
    expect(verdict(glucose, ['15074-8'], 3.9, 'mmol/L')).toBe('clear')
    // and a rule in mmol/L against a CGM reading in mg/dL
    const mmol = validateThresholdRule({ id: 'g', code: '15074-8', comparator: '<', value: 3.9, unit: 'mmol/L' })
    expect(verdict(mmol, ['99504-3'], 65, 'mg/dL')).toBe('past')
    // a BP reading in kPa against a rule in mm[Hg]: 21.5 kPa = 161.3 mmHg
    expect(verdict(sbp, ['8480-6'], 21.5, 'kPa')).toBe('past')
    expect(checkReading(sbp, m(['8480-6'], 21.5, 'kPa')).value).toBeCloseTo(161.26, 2)
  })

  it('applies a rule to the codes of the same quantity, and to nothing else', () => {
    expect(verdict(spo2, ['2708-6'], 90, '%')).toBe('past')
    expect(verdict(spo2, ['2708-6', '59408-5'], 90, '%')).toBe('past')
    expect(verdict(glucose, ['99504-3'], 60, 'mg/dL')).toBe('past')
    expect(verdict(sbp, ['8462-4'], 200, 'mm[Hg]')).toBe('incomparable')
    expect(verdict(sbp, ['8480-6'], 200, '%')).toBe('incomparable')
    expect(verdict(sbp, ['8480-6'], Number.NaN, 'mm[Hg]')).toBe('incomparable')
    expect(quantityKey('2708-6')).toBe('59408-5')
    expect(quantityKey('8889-8')).toBe('8867-4')
    expect(quantityKey('8480-6')).toBe('8480-6')
  })

  it('holds inside the hysteresis: > 160 with 5 mm[Hg] ends at ≤ 155, < 92 % with 1 at ≥ 93', () => {
    expect(verdict(sbp, ['8480-6'], 155.1, 'mm[Hg]')).toBe('hold')
    expect(verdict(sbp, ['8480-6'], 155, 'mm[Hg]')).toBe('clear')
    const ge = { ...sbp, comparator: '>=' as const }
    expect(verdict(ge, ['8480-6'], 155, 'mm[Hg]')).toBe('hold')
    expect(verdict(ge, ['8480-6'], 154.9, 'mm[Hg]')).toBe('clear')
    expect(verdict(spo2, ['59408-5'], 92.9, '%')).toBe('hold')
    expect(verdict(spo2, ['59408-5'], 93, '%')).toBe('clear')
  })
})

describe('episodes', () => {
  const series = (rule: ThresholdRule, values: number[], unit: string, step = MIN): Measurement[] => values.map((v, i) => m([rule.code], v, unit, T0 + i * step))

  it('one long excursion is one episode; flicker inside the hysteresis does not end it', () => {
    const eps = episodesOf(sbp, series(sbp, [150, 165, 170, 158, 162, 159, 161, 150, 140], 'mm[Hg]'))
    expect(eps).toHaveLength(1)
    expect(eps[0]?.start.value).toBe(165)
    expect(eps[0]?.end).toBe(T0 + 7 * MIN)
  })

  it('a return to clear and a new excursion are two', () => {
    expect(episodesOf(sbp, series(sbp, [165, 150, 165, 150], 'mm[Hg]')).map((e) => [e.start.t, e.end])).toEqual([
      [T0, T0 + MIN],
      [T0 + 2 * MIN, T0 + 3 * MIN]
    ])
  })

  it('with clearAfterMs the values must stay clear that long (CGM consensus: 15 min)', () => {
    const hypo = { ...glucose, clearAfterMs: 15 * MIN }
    // every 5 min: low, clear for 10 min, low again → one event; then clear for 15 min → it ends at the first clear reading
    const eps = episodesOf(hypo, series(hypo, [65, 75, 80, 60, 72, 74, 76, 78], 'mg/dL', 5 * MIN))
    expect(eps).toEqual([{ start: expect.objectContaining({ value: 65 }) as unknown, end: T0 + 20 * MIN }])
  })

  it('ignores readings before the rule existed, out of order, at the same time, or incomparable', () => {
    const later = { ...sbp, since: T0 + 2 * MIN }
    expect(episodesOf(later, series(later, [170, 170, 150, 170], 'mm[Hg]')).map((e) => e.start.t)).toEqual([T0 + 3 * MIN])
    let s = stepEpisode(sbp, INITIAL_EPISODE, m(['8480-6'], 170, 'mm[Hg]', T0)).state
    expect(stepEpisode(sbp, s, m(['8480-6'], 100, 'mm[Hg]', T0)).state).toBe(s)
    expect(stepEpisode(sbp, s, m(['8480-6'], 100, 'mm[Hg]', T0 - 1)).state).toBe(s)
    expect(stepEpisode(sbp, s, m(['8480-6'], 100, '%', T0 + 1)).state).toBe(s)
    s = stepEpisode(sbp, s, m(['8480-6'], 100, 'mm[Hg]', T0 + 1)).state
    expect(s).toEqual({ lastT: T0 + 1 })
  })

  it('with no hysteresis, episodes are exactly the runs of readings past the threshold (property)', () => {
    const rule = { ...sbp, hysteresis: 0 }
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 120, max: 200 }), { maxLength: 200 }), (values) => {
        const readings = series(rule, values, 'mm[Hg]')
        let runs = 0
        values.forEach((v, i) => {
          if (v > 160 && !((values[i - 1] ?? 0) > 160)) runs++
        })
        const eps = episodesOf(rule, readings)
        expect(eps).toHaveLength(runs)
        for (const e of eps) expect(e.start.value).toBeGreaterThan(160)
      })
    )
  })

  it('never opens more episodes with hysteresis than without, and episodes never overlap (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 80, max: 100, noNaN: true }), { maxLength: 200 }), fc.double({ min: 0, max: 5, noNaN: true }), (values, h) => {
        const readings = series(spo2, values, '%')
        const withH = episodesOf({ ...spo2, hysteresis: h }, readings)
        expect(withH.length).toBeLessThanOrEqual(episodesOf({ ...spo2, hysteresis: 0 }, readings).length)
        for (let i = 1; i < withH.length; i++) expect(withH[i]!.start.t).toBeGreaterThanOrEqual(withH[i - 1]!.end as number)
      })
    )
  })
})

describe('FHIR forms', () => {
  const visit = () => createCompartment({ kind: visitCompartment('g1'), docId: randomDocId() })

  it('readings from the device layer: a BP panel gives systolic, diastolic and mean; SpO2 both codes', () => {
    const ctx = { device: { id: 'cuff' }, receivedAt: T0, timeZone: 'UTC' }
    const [bp] = observationsFromReading({ kind: 'blood-pressure', value: { systolic: 172, diastolic: 95, meanArterial: 121, unit: 'mm[Hg]' } }, { ...ctx, id: 'bp-1' })
    expect(measurementsOf(bp as Observation).map((x) => [x.codes, x.value, x.unit, x.t, x.source])).toEqual([
      [['8480-6'], 172, 'mm[Hg]', T0, { kind: 'observation', id: 'bp-1', component: '8480-6' }],
      [['8462-4'], 95, 'mm[Hg]', T0, { kind: 'observation', id: 'bp-1', component: '8462-4' }],
      [['8478-0'], 121, 'mm[Hg]', T0, { kind: 'observation', id: 'bp-1', component: '8478-0' }]
    ])
    const [ox] = observationsFromReading({ kind: 'plx-spot-check', value: { spo2: 90, pulseRate: 80 } }, { ...ctx, id: 'ox-1' })
    expect(measurementsOf(ox as Observation)[0]?.codes).toEqual(['2708-6', '59408-5'])
    expect(measurementsOf({ ...(bp as Observation), status: 'entered-in-error' })).toEqual([])
    expect(measurementsOf({ ...(bp as Observation), effectiveDateTime: 'yesterday' })).toEqual([])
  })

  it('the rule set as Basic: stored, read back equal', () => {
    const rules = [{ ...sbp, since: T0 }, { ...glucose, clearAfterMs: 15 * MIN }, spo2]
    const c = visit()
    const stored = c.resources.put(thresholdsToBasic({ rules, at: T0, author: { display: 'Dr A' } }))
    expect(stored['created']).toBe('2026-01-05')
    expect(thresholdsFromBasic(c.resources.get('Basic', 'telemonitoring-thresholds'))).toEqual(rules)
  })

  it('refuses a tampered rule set by name and field', () => {
    const basic = thresholdsToBasic({ rules: [sbp], at: T0 }) as unknown as Record<string, unknown> & { extension: Array<{ extension: Array<Record<string, unknown>> }> }
    const withRule = (f: (parts: Array<Record<string, unknown>>) => void): unknown => {
      const copy = structuredClone(basic)
      f(copy.extension[0]!.extension)
      return copy
    }
    const cases: Array<[unknown, string]> = [
      [{ ...basic, resourceType: 'Observation' }, 'resource'],
      [{ ...basic, code: { text: 'x' } }, 'Basic.code'],
      [{ ...basic, modifierExtension: [{ url: 'urn:x', valueBoolean: true }] }, 'Basic.modifierExtension'],
      [{ ...basic, extension: Array.from({ length: 33 }, () => basic.extension[0]) }, 'Basic.extension'],
      [{ ...basic, extension: [basic.extension[0], basic.extension[0]] }, 'Basic.extension'],
      [withRule((p) => ((p[2]!['valueQuantity'] as Record<string, unknown>)['comparator'] = '!=')), 'Basic.extension[0].comparator'],
      [withRule((p) => ((p[2]!['valueQuantity'] as Record<string, unknown>)['system'] = 'urn:other')), 'Basic.extension[0].threshold'],
      [withRule((p) => ((p[1]!['valueCoding'] as Record<string, unknown>)['system'] = 'http://snomed.info/sct')), 'Basic.extension[0].code'],
      [withRule((p) => p.push({ url: 'since', valueInstant: 'soon' })), 'Basic.extension[0].since'],
      [withRule((p) => p.push({ url: 'clearAfter', valueDuration: { value: 1, code: 'wk' } })), 'Basic.extension[0].clearAfter']
    ]
    for (const [input, field] of cases) expect(errorOf(() => thresholdsFromBasic(input)), field).toEqual({ name: 'ThresholdFormatError', field })
    // an extension of someone else's is not a rule
    expect(thresholdsFromBasic({ ...basic, extension: [...basic.extension, { url: 'urn:other', valueString: 'x' }] })).toEqual([sbp])
  })

  it('the alert as DetectedIssue: names the reading, the rule and the time; ends and acknowledgement read back', () => {
    const reading: Measurement = { codes: ['8480-6'], value: 172, unit: 'mm[Hg]', t: T0, source: { kind: 'observation', id: 'bp-1', component: '8480-6' } }
    const c = visit()
    const issue = c.resources.put(alertToDetectedIssue({ rule: sbp, reading, author: { display: 'Dr A' } }))
    expect(issue.id).toBe(alertId('sbp-high', T0))
    expect(issue['evidence']).toEqual([
      { code: [{ coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }] }], detail: [{ reference: '#reading' }, { reference: 'Basic/telemonitoring-thresholds', display: 'rule sbp-high' }] }
    ])
    expect(c.resources.list('DetectedIssue', { from: T0, to: T0 + 1 }).map((r) => r.id)).toEqual([issue.id])
    expect(alertFromDetectedIssue(issue)).toEqual({
      id: issue.id,
      rule: sbp,
      codes: ['8480-6'],
      value: 172,
      unit: 'mm[Hg]',
      at: T0,
      observation: 'Observation/bp-1',
      detail: 'Systolic blood pressure 172 mm[Hg] (threshold > 160 mm[Hg])',
      withdrawn: false
    })
    const ended = c.resources.put(acknowledgeAlert(endAlert(issue, T0 + 10 * MIN), T0 + 11 * MIN, { display: 'Dr A' }))
    expect(alertFromDetectedIssue(ended)).toMatchObject({ endedAt: T0 + 10 * MIN, acknowledged: { at: T0 + 11 * MIN, by: 'Dr A' } })
    // a series sample: the contained reading names the series device
    const fromSeries = alertToDetectedIssue({ rule: spo2, reading: m(['59408-5'], 88, '%') })
    expect(alertFromDetectedIssue(c.resources.put(fromSeries))).toMatchObject({ device: 'strap-1', value: 88 })
    // tampered: no rule, two rules, no reading
    expect(errorOf(() => alertFromDetectedIssue({ ...issue, extension: [] }))).toEqual({ name: 'ThresholdFormatError', field: 'DetectedIssue.extension' })
    expect(errorOf(() => alertFromDetectedIssue({ ...issue, extension: [...(issue.extension ?? []), { url: THRESHOLD_RULE_URL }] }))).toEqual({ name: 'ThresholdFormatError', field: 'DetectedIssue.extension' })
    expect(errorOf(() => alertFromDetectedIssue({ ...issue, contained: [] }))).toEqual({ name: 'ThresholdFormatError', field: 'DetectedIssue.contained' })
    expect(errorOf(() => alertFromDetectedIssue({ ...issue, code: { text: 'drug interaction' } }))).toEqual({ name: 'ThresholdFormatError', field: 'DetectedIssue.code' })
  })
})
