/**
 * The home screen's latest vitals and trends, from a real vitals compartment (spot
 * Observations and time series, as devices and the manual form store them): a systolic
 * pressure rising over weeks shows "up" with its change, a steady one "steady", no
 * readings nothing, and values keep the measure's unit (a weight typed in pounds is shown
 * in kilograms, converted).
 */
import { describe, expect, it } from 'vitest'
import { asDocId } from '../../src/lib/index.ts'
import { createCompartment, type Compartment, type Observation } from '../../src/record/index.ts'
import { bpObservation, quantityObservation } from '../helpers/observations.ts'
import { vitalTrends, directionOf, MIN_EARLIER_READINGS, STEADY_BAND, type VitalTrend } from '../../src/app/vitals-trends.ts'

const DAY = 86_400_000
const END = Date.UTC(2026, 10, 20, 8)

let docs = 0
function vitals(): Compartment {
  const id = new Uint8Array(16)
  id[0] = 0x70
  id[1] = ++docs
  return createCompartment({ kind: 'vitals', docId: asDocId(id) })
}

let ids = 0
const bp = (t: number, systolic: number, diastolic: number): Observation => bpObservation(`bp-${++ids}`, t, systolic, diastolic)
const quantity = (code: string, t: number, value: number, unit: string): Observation => quantityObservation(`q-${++ids}`, code, t, value, unit)

const measure = (ts: VitalTrend[], m: string): VitalTrend | undefined => ts.find((t) => t.measure === m)

describe('vitalTrends', () => {
  it('shows a systolic pressure rising over the weeks as "up", with the change, and a steady diastolic as "steady"', async () => {
    const c = vitals()
    // 28 days of morning readings: systolic 120 for three weeks, then 135 in the last week; diastolic 80 throughout
    for (let d = 27; d >= 0; d--) c.resources.put(bp(END - d * DAY, d < 7 ? 135 : 120, 80))
    const trends = await vitalTrends(c)
    const bpTrend = measure(trends, 'blood-pressure')
    expect(bpTrend?.unit).toBe('mm[Hg]')
    expect(bpTrend?.latestT).toBe(END)
    const [sys, dia] = bpTrend?.lines ?? []
    expect(sys).toMatchObject({ code: '8480-6', value: 135, t: END })
    expect(sys?.trend?.direction).toBe('up')
    expect(sys?.trend?.change).toBeCloseTo(15, 6)
    expect(sys?.trend?.recentCount).toBe(7)
    expect(sys?.trend?.earlierCount).toBe(21)
    expect(dia).toMatchObject({ code: '8462-4', value: 80 })
    expect(dia?.trend?.direction).toBe('steady')
  })

  it('shows a falling pressure as "down"', async () => {
    const c = vitals()
    for (let d = 27; d >= 0; d--) c.resources.put(bp(END - d * DAY, d < 7 ? 118 : 140, 80))
    const sys = measure(await vitalTrends(c), 'blood-pressure')?.lines[0]
    expect(sys?.trend?.direction).toBe('down')
    expect(sys?.trend?.change).toBeCloseTo(-22, 6)
  })

  it('calls a change within the steady band "steady", and one just beyond it a trend', () => {
    expect(directionOf(2.9, STEADY_BAND['blood-pressure'])).toBe('steady')
    expect(directionOf(-2.9, STEADY_BAND['blood-pressure'])).toBe('steady')
    expect(directionOf(3, STEADY_BAND['blood-pressure'])).toBe('up')
    expect(directionOf(-0.5, STEADY_BAND.weight)).toBe('down')
  })

  it('reads time series too: a strap’s heart rate, one sample a minute for four weeks, drifting a little, is steady', async () => {
    const c = vitals()
    c.batch(() => {
      for (let t = END - 28 * DAY + 60_000; t <= END; t += 60_000) c.series.append('8867-4', 'strap-1', t, 62 + (Math.floor(t / 60_000) % 3), '/min')
      c.series.flush()
    })
    const hr = measure(await vitalTrends(c), 'heart-rate')
    expect(hr?.unit).toBe('/min')
    expect(hr?.lines[0]?.t).toBe(END)
    expect(hr?.lines[0]?.trend?.direction).toBe('steady')
    expect(hr?.lines[0]?.trend?.recentCount).toBe(7 * 24 * 60)
  })

  it('uses the newest reading of series and Observations together', async () => {
    const c = vitals()
    c.batch(() => {
      // the strap was worn until a week ago; the one reading since was typed in
      for (let d = 27; d >= 8; d--) c.series.append('8867-4', 'strap-1', END - d * DAY, 70, '/min')
      c.series.flush()
    })
    c.resources.put(quantity('8867-4', END, 88, '/min'))
    const hr = measure(await vitalTrends(c), 'heart-rate')?.lines[0]
    expect(hr).toMatchObject({ value: 88, t: END })
    expect(hr?.trend).toMatchObject({ direction: 'up', recentCount: 1, earlierCount: 20 })
    expect(hr?.trend?.change).toBeCloseTo(18, 6)
  })

  it('keeps the measure’s unit: a weight typed in pounds is given in kilograms', async () => {
    const c = vitals()
    c.resources.put(quantity('29463-7', END - 20 * DAY, 80, 'kg'))
    c.resources.put(quantity('29463-7', END - 13 * DAY, 80.2, 'kg'))
    c.resources.put(quantity('29463-7', END, 180, '[lb_av]'))
    const w = measure(await vitalTrends(c), 'weight')
    expect(w?.unit).toBe('kg')
    expect(w?.lines[0]?.value).toBeCloseTo(81.647, 2)
    expect(w?.lines[0]?.trend?.direction).toBe('up')
    const t = measure(await vitalTrends((() => {
      const v = vitals()
      v.resources.put(quantity('8310-5', END, 37.2, 'Cel'))
      return v
    })()), 'temperature')
    expect(t).toMatchObject({ unit: 'Cel', lines: [{ value: 37.2, t: END }] })
  })

  it('gives the latest value without a trend when the earlier weeks have too few readings', async () => {
    const c = vitals()
    c.resources.put(quantity('59408-5', END - 10 * DAY, 97, '%'))
    c.resources.put(quantity('59408-5', END, 95, '%'))
    expect(MIN_EARLIER_READINGS).toBe(2)
    const s = measure(await vitalTrends(c), 'spo2')
    expect(s?.lines[0]).toMatchObject({ value: 95, t: END })
    expect(s?.lines[0]?.trend).toBeUndefined()
  })

  it('shows nothing without readings, and leaves out withdrawn ones', async () => {
    expect(await vitalTrends(vitals())).toEqual([])
    const c = vitals()
    const wrong = quantity('8867-4', END, 180, '/min')
    c.resources.put(wrong)
    c.resources.withdraw('Observation', wrong.id)
    expect(await vitalTrends(c)).toEqual([])
  })

  it('leaves readings older than four weeks before the newest out of the trend', async () => {
    const c = vitals()
    // very high readings two months back must not make this month's steady pressure look like a fall
    for (let d = 60; d >= 50; d--) c.resources.put(bp(END - d * DAY, 190, 110))
    for (let d = 27; d >= 0; d--) c.resources.put(bp(END - d * DAY, 125, 80))
    const sys = measure(await vitalTrends(c), 'blood-pressure')?.lines[0]
    expect(sys?.trend).toMatchObject({ direction: 'steady', recentCount: 7, earlierCount: 21 })
  })

  it('stops when aborted', async () => {
    const c = vitals()
    c.resources.put(quantity('8867-4', END, 70, '/min'))
    const abort = new AbortController()
    abort.abort(new Error('left the screen'))
    // a compartment with a series is read window by window, checking the signal
    c.batch(() => {
      c.series.append('8867-4', 'strap-1', END - DAY, 70, '/min')
      c.series.flush()
    })
    await expect(vitalTrends(c, { signal: abort.signal })).rejects.toThrow('left the screen')
  })
})
