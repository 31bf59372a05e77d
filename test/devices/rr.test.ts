/**
 * RR intervals of a heart-rate strap stored as a time series: the beat times placed from
 * each notification's arrival (and squeezed, in order, when notifications come in a burst),
 * the MDC code and unit, one series per strap, one Yjs update per notification, the size a
 * beat costs in a closed chunk, and the recordings read back for the AF screen.
 */
import { describe, expect, it } from 'vitest'
import { createCompartment, randomDocId } from '../../src/record/index.ts'
import { createRrTimeline, parseHeartRateMeasurement, rrBeatTimes, RR_INTERVAL, seriesDeviceId, seriesSamples, type DeviceReading } from '../../src/devices/index.ts'
import { RR_SERIES_CODE, rrSessionsOfSeries } from '../../src/insights/index.ts'

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0)
const UTC = 'UTC'

/** A Heart Rate Measurement (HRS 1.0 §3.1) with contact detected and RR intervals in 1/1024 s. */
function hrm(bpm: number, rr1024: number[]): DataView {
  const bytes = [0x16, bpm, ...rr1024.flatMap((x) => [x & 0xff, x >> 8])]
  return new DataView(Uint8Array.from(bytes).buffer)
}
const reading = (bpm: number, rr1024: number[]): DeviceReading => ({ kind: 'heart-rate', value: parseHeartRateMeasurement(hrm(bpm, rr1024)) })

describe('RR beat times', () => {
  it('places the last beat at the arrival and each earlier one an interval before', () => {
    expect(rrBeatTimes([800, 810], 10_000)).toEqual([9190, 10_000])
    expect(rrBeatTimes([], 10_000)).toEqual([])
    expect(() => rrBeatTimes([800], 1.5)).toThrow(RangeError)
  })

  it('keeps beats in order across notifications, squeezing a burst instead of overlapping', () => {
    const timeline = createRrTimeline()
    // real time: each notification's intervals fit the time since the previous one
    expect(timeline.place([1000], T0)).toEqual([T0])
    expect(timeline.place([990, 1010], T0 + 2000)).toEqual([T0 + 990, T0 + 2000])
    // a burst: 9 beats (about 7 s) arrive 50 ms later, then 9 more at once
    const burst1 = timeline.place(Array.from({ length: 9 }, () => 800), T0 + 2050)
    const burst2 = timeline.place(Array.from({ length: 9 }, () => 800), T0 + 2050)
    const all = [T0, T0 + 990, T0 + 2000, ...burst1, ...burst2]
    for (let i = 1; i < all.length; i++) expect(all[i]).toBeGreaterThan(all[i - 1] as number)
    expect(burst1[8]).toBeLessThanOrEqual(T0 + 2050)
  })
})

describe('RR intervals in the record', () => {
  it('a strap notification gives the bpm and one MDC 147240 sample per interval, in whole ms', () => {
    const samples = seriesSamples(reading(75, [1024, 819, 0]), { device: { id: 'Qk4+d2Fy/GVzPQ==' }, receivedAt: T0, timeZone: UTC })
    const device = seriesDeviceId('Qk4+d2Fy/GVzPQ==')
    expect(RR_INTERVAL).toMatchObject({ system: 'urn:iso:std:iso:11073:10101', code: '147240', unit: 'ms' })
    expect(RR_SERIES_CODE).toBe(RR_INTERVAL.code) // the code insights reads is the one devices write
    // 1024/1024 s = 1000 ms; 819/1024 s = 799.8 ms → 800; an interval of 0 is no beat
    expect(samples).toEqual([
      { code: '8867-4', device, t: T0, value: 75, unit: '/min' },
      { code: '147240', device, t: T0 - 800, value: 1000, unit: 'ms' },
      { code: '147240', device, t: T0, value: 800, unit: 'ms' }
    ])
    // no skin contact: nothing, RR included
    const off: DeviceReading = { kind: 'heart-rate', value: parseHeartRateMeasurement(new DataView(Uint8Array.of(0x14, 75, 0x00, 0x04).buffer)) }
    expect(seriesSamples(off, { device: { id: 'strap' }, receivedAt: T0, timeZone: UTC })).toEqual([])
  })

  it('stores each strap’s beats as its own series, one update per notification, and reads them back', () => {
    const vitals = createCompartment({ kind: 'vitals', docId: randomDocId() })
    let updates = 0
    vitals.onUpdate(() => updates++)
    const straps = ['strap-A', 'strap-B'].map((id) => ({ id, timeline: createRrTimeline() }))
    const sent = new Map<string, number[]>(straps.map((s) => [s.id, []]))
    for (let i = 0; i < 60; i++) {
      for (const [k, s] of straps.entries()) {
        const rr1024 = Math.round(((800 + k * 100 + (i % 7) * 10) * 1024) / 1000)
        sent.get(s.id)?.push(Math.round((rr1024 * 1000) / 1024))
        const samples = seriesSamples(reading(70, [rr1024]), { device: { id: s.id }, receivedAt: T0 + i * 1000 + k, timeZone: UTC }, s.timeline)
        vitals.batch(() => {
          for (const x of samples) vitals.series.append(x.code, x.device, x.t, x.value, x.unit)
          vitals.series.flush()
        })
      }
    }
    expect(updates).toBe(120)
    const read = vitals.series.read(RR_INTERVAL.code, undefined, T0 - 60_000, T0 + 120_000)
    expect(read.errors).toEqual([])
    expect(read.series.map((s) => [s.device, s.unit, s.values.length])).toEqual([
      ['ble:strap-A', 'ms', 60],
      ['ble:strap-B', 'ms', 60]
    ])
    expect(Array.from(read.series[0]!.values)).toEqual(sent.get('strap-A'))
    expect(vitals.series.list().map((s) => [s.code, s.device])).toEqual([
      ['147240', 'ble:strap-A'],
      ['147240', 'ble:strap-B'],
      ['8867-4', 'ble:strap-A'],
      ['8867-4', 'ble:strap-B']
    ])
    // the AF screen's recordings: one per strap, starting at its first beat
    const sessions = rrSessionsOfSeries(read.series)
    expect(sessions.map((s) => [s.ref, s.startT, s.rrMs.length])).toEqual([
      ['series/147240/ble:strap-A', T0, 60],
      ['series/147240/ble:strap-B', T0 + 1, 60]
    ])
  })

  it('an hour of irregular beats closes into one chunk of a few bytes a beat', () => {
    const vitals = createCompartment({ kind: 'vitals', docId: randomDocId() })
    const timeline = createRrTimeline()
    let seed = 11
    const next = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647
    let t = T0
    let beats = 0
    while (t < T0 + 3_600_000 - 2000) {
      const rr = Array.from({ length: 1 + Math.floor(next() * 2) }, () => Math.round((750 + 150 * next()) * 1.024))
      t += rr.reduce((a, b) => a + b / 1.024, 0)
      const samples = seriesSamples(reading(72, rr), { device: { id: 'strap' }, receivedAt: Math.round(t), timeZone: UTC }, timeline).filter((s) => s.code === RR_INTERVAL.code)
      for (const s of samples) vitals.series.append(s.code, s.device, s.t, s.value, s.unit)
      beats += samples.length
      vitals.series.flush()
    }
    vitals.compact(T0 + 2 * 3_600_000)
    const before = createCompartment({ kind: 'vitals', docId: randomDocId() }).encodeState().byteLength
    const bytes = vitals.encodeState().byteLength
    const perBeat = (bytes - before) / beats
    console.log(`rr: ${beats} beats in one hour, ${bytes} bytes of compartment state with the heart rate left out: ${perBeat.toFixed(2)} B per beat`)
    expect(beats).toBeGreaterThan(3500)
    expect(perBeat).toBeLessThan(4)
  })
})

describe('RR recordings for the AF screen', () => {
  it('splits a series at a silence longer than the interval allows, and leaves out other series', () => {
    const times = [0, 800, 1600, 2400, 9000, 9800].map((x) => T0 + x)
    const values = [800, 800, 800, 800, 800, 800]
    const sessions = rrSessionsOfSeries([
      { code: '147240', device: 'strap', unit: 'ms', times, values },
      { code: '8867-4', device: 'strap', unit: '/min', times, values },
      { code: '147240', device: 'odd', unit: 's', times, values }
    ])
    expect(sessions).toEqual([
      { startT: T0, rrMs: [800, 800, 800, 800], times: times.slice(0, 4), ref: 'series/147240/strap' },
      { startT: T0 + 9000, rrMs: [800, 800], times: times.slice(4), ref: 'series/147240/strap' }
    ])
  })
})
