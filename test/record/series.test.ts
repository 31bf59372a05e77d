import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { decodeChunk, encodeChunk, SeriesFormatError, type Compartment } from '../../src/record/index.ts'
import { compartment, HOUR, T0 } from './helpers.ts'

const HR = '8867-4'
const DEV = 'hr-strap-1'

function fill(c: Compartment, from: number, n: number, step = 1000, code = HR, device = DEV, unit = '/min'): void {
  for (let i = 0; i < n; i++) c.series.append(code, device, from + i * step, 60 + (i % 7), unit)
}

/** The raw value of a series key, read through a plain Y.Doc from the compartment's state. */
function rawValue(c: Compartment, key: string): unknown {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, c.encodeState())
  return doc.getMap('series').get(key)
}

describe('append, flush, read', () => {
  it('reads a range across hours exactly, [from, to)', () => {
    const c = compartment()
    fill(c, T0, 3 * 3600) // three hours at 1 Hz
    c.series.flush()
    const r = c.series.read(HR, DEV, T0 + HOUR - 5000, T0 + HOUR + 5000)
    expect(r.errors).toEqual([])
    expect(r.series).toHaveLength(1)
    const s = r.series[0]!
    expect(s).toMatchObject({ code: HR, device: DEV, unit: '/min' })
    expect(Array.from(s.times)).toEqual(Array.from({ length: 10 }, (_, i) => T0 + HOUR - 5000 + i * 1000))
    expect(Array.from(s.values)).toEqual(Array.from({ length: 10 }, (_, i) => 60 + ((3600 - 5 + i) % 7)))
    expect(c.series.read(HR, DEV, T0, T0 + 3 * HOUR).series[0]!.times.length).toBe(3 * 3600)
    expect(c.series.read(HR, DEV, '2024-05-02T10:00:00Z', '2024-05-02T10:00:02Z').series[0]!.times.length).toBe(2)
  })

  it('shows unflushed samples, alone and merged with flushed ones', () => {
    const c = compartment()
    fill(c, T0, 10)
    expect(c.series.buffered).toBe(10)
    expect(c.series.read(HR, undefined, T0, T0 + HOUR).series[0]!.times.length).toBe(10)
    c.series.flush()
    fill(c, T0 + 10_000, 5)
    const s = c.series.read(HR, DEV, T0, T0 + HOUR).series[0]!
    expect(s.times.length).toBe(15)
    expect(c.series.list()).toEqual([{ code: HR, device: DEV, firstChunk: T0, lastChunk: T0, chunks: 1 }])
  })

  it('sorts out-of-order appends; a later sample at the same time wins', () => {
    const c = compartment()
    c.series.append(HR, DEV, T0 + 3000, 63, '/min')
    c.series.append(HR, DEV, T0 + 1000, 61, '/min')
    c.series.append(HR, DEV, T0 + 2000, 62, '/min')
    c.series.append(HR, DEV, T0 + 1000, 99, '/min')
    const before = c.series.read(HR, DEV, T0, T0 + HOUR).series[0]!
    c.series.flush()
    c.series.append(HR, DEV, T0 + 2000, 77, '/min') // correction after the flush
    c.series.flush()
    const after = c.series.read(HR, DEV, T0, T0 + HOUR).series[0]!
    expect(Array.from(before.values)).toEqual([99, 62, 63])
    expect(Array.from(after.times)).toEqual([T0 + 1000, T0 + 2000, T0 + 3000])
    expect(Array.from(after.values)).toEqual([99, 77, 63])
  })

  it('keeps units apart and devices apart', () => {
    const c = compartment()
    c.series.append('99504-3', 'cgm-1', T0, 110, 'mg/dL')
    c.series.append('99504-3', 'cgm-1', T0 + 300_000, 6.2, 'mmol/L')
    c.series.append('99504-3', 'cgm-2', T0, 115, 'mg/dL')
    c.series.flush()
    const r = c.series.read('99504-3', undefined, T0, T0 + HOUR)
    expect(r.series.map((s) => [s.device, s.unit, Array.from(s.values)])).toEqual([
      ['cgm-1', 'mg/dL', [110]],
      ['cgm-1', 'mmol/L', [6.2]],
      ['cgm-2', 'mg/dL', [115]]
    ])
    expect(c.series.read('99504-3', 'cgm-2', T0, T0 + HOUR).series).toHaveLength(1)
    expect(c.series.read('8480-6', undefined, T0, T0 + HOUR).series).toEqual([])
  })

  it('validates its arguments', () => {
    const c = compartment()
    expect(() => c.series.append('88/67', DEV, T0, 1, '/min')).toThrow(RangeError)
    expect(() => c.series.append(HR, 'hr strap', T0, 1, '/min')).toThrow(RangeError)
    expect(() => c.series.append(HR, DEV, T0, 1, 'beats per min')).toThrow(RangeError)
    expect(() => c.series.append(HR, DEV, -1, 1, '/min')).toThrow(RangeError)
    expect(() => c.series.append(HR, DEV, T0 + 0.5, 1, '/min')).toThrow(RangeError)
    expect(() => c.series.append(HR, DEV, T0, Number.NaN, '/min')).toThrow(TypeError)
    c.series.append(HR, DEV, T0, 1, '/min') // the fast path checks values too
    expect(() => c.series.append(HR, DEV, T0 + 1, Number.POSITIVE_INFINITY, '/min')).toThrow(TypeError)
    expect(() => c.series.read('a/b', undefined, 0, 1)).toThrow(RangeError)
    expect(c.series.buffered).toBe(1)
  })

  it('flushes by itself at maxBufferedSamples', () => {
    const c = compartment({ maxBufferedSamples: 100 })
    let updates = 0
    c.onUpdate(() => updates++)
    fill(c, T0, 250)
    expect(updates).toBe(2)
    expect(c.series.buffered).toBe(50)
  })
})

describe('flush is one small update', () => {
  it('turns a burst into ONE update, sized by the new samples only', () => {
    const c = compartment()
    const sizes: number[] = []
    c.onUpdate((u, _o, local) => local && sizes.push(u.length))
    fill(c, T0, 60)
    expect(c.series.flush()).toBe(60)
    fill(c, T0 + 60_000, 3000)
    c.series.flush()
    fill(c, T0 + 3_060_000, 60)
    c.series.flush()
    expect(sizes).toHaveLength(3)
    const [first, big, last] = sizes as [number, number, number]
    // the third flush lands in an hour already holding 3,060 samples: it does not rewrite them
    expect(last).toBeLessThan(first)
    expect(last).toBeLessThan(60 * 2 + 64)
    expect(big).toBeGreaterThan(3000 * 1.5)
    expect(big).toBeLessThan(3000 * 2.5)
    expect(c.series.flush()).toBe(0)
    expect(sizes).toHaveLength(3)
  })

  it('closes an hour into one chunk when a later hour is flushed', () => {
    const c = compartment()
    const key = 'series/8867-4/hr-strap-1/2024-05-02T10:00:00Z'
    fill(c, T0, 10)
    c.series.flush()
    fill(c, T0 + 10_000, 10)
    c.series.flush()
    expect(rawValue(c, key)).toBeInstanceOf(Y.Array)
    fill(c, T0 + HOUR, 10)
    c.series.flush()
    const closed = rawValue(c, key)
    expect(closed).toBeInstanceOf(Uint8Array)
    expect(decodeChunk(closed as Uint8Array).times.length).toBe(20)
    // a late sample for the closed hour reopens it without loss
    c.series.append(HR, DEV, T0 + 30 * 60_000, 80, '/min')
    c.series.flush()
    expect(c.series.read(HR, DEV, T0, T0 + HOUR).series[0]!.times.length).toBe(21)
  })

  it('compact() closes finished periods; the state shrinks', () => {
    const c = compartment()
    for (let i = 0; i < 60; i++) {
      fill(c, T0 + i * 60_000, 60)
      c.series.flush()
    }
    const open = c.encodeState().length
    expect(c.compact(T0 + HOUR - 1)).toBe(0)
    expect(c.compact(T0 + HOUR)).toBe(1)
    expect(c.encodeState().length).toBeLessThan(open)
    expect(c.series.read(HR, DEV, T0, T0 + HOUR).series[0]!.times.length).toBe(3600)
  })

  it('chunks CGM per day: one key for a day of 5-minute readings', () => {
    const c = compartment()
    const day = Date.UTC(2024, 4, 2)
    for (let k = 0; k < 288; k++) c.series.append('99504-3', 'cgm-1', day + k * 300_000, 100 + (k % 9), 'mg/dL')
    c.series.flush()
    expect(c.series.list()).toEqual([{ code: '99504-3', device: 'cgm-1', firstChunk: day, lastChunk: day, chunks: 1 }])
    // a read of one hour in the afternoon finds the day's chunk that started before it
    expect(c.series.read('99504-3', 'cgm-1', day + 15 * HOUR, day + 16 * HOUR).series[0]!.times.length).toBe(12)
  })
})

describe('bad chunks from a peer', () => {
  function peerUpdate(entries: Record<string, unknown>): Uint8Array {
    const doc = new Y.Doc()
    const m = doc.getMap('series')
    for (const [k, v] of Object.entries(entries)) m.set(k, v)
    return Y.encodeStateAsUpdate(doc)
  }

  it('reports the bad chunk by key and still reads the others', () => {
    const c = compartment()
    fill(c, T0 + HOUR, 30)
    c.series.flush()
    const badKey = 'series/8867-4/hr-strap-1/2024-05-02T10:00:00Z'
    const outside = 'series/8867-4/hr-strap-1/2024-05-02T12:00:00Z'
    c.applyUpdate(
      peerUpdate({
        [badKey]: Uint8Array.of(1, 0, 4, 0x2f, 0x6d, 0x69, 0x6e, 9, 9),
        // well-formed, but its samples are not in its key's period
        [outside]: encodeChunk({ unit: '/min', times: [T0 + 5 * 86_400_000], values: [70] }),
        'series/8867-4/other/2024-05-02T10:00:00Z': 'not bytes',
        'series/not a key': Uint8Array.of(1),
        'series/8867-4/x/2024-05-02T10:30:00Z': Uint8Array.of(1)
      }),
      'peer'
    )
    const r = c.series.read(HR, DEV, T0, T0 + 4 * HOUR)
    expect(r.series[0]!.times.length).toBe(30)
    expect(r.errors.map((e) => [e.name, e.key])).toEqual([
      ['SeriesFormatError', badKey],
      ['SeriesFormatError', outside]
    ])
    expect(r.errors[0]).toBeInstanceOf(SeriesFormatError)
    const other = c.series.read(HR, 'other', T0, T0 + HOUR)
    expect(other.series).toEqual([])
    expect(other.errors.map((e) => e.key)).toEqual(['series/8867-4/other/2024-05-02T10:00:00Z'])
    // malformed keys are never indexed
    expect(c.series.list().map((s) => s.device).sort()).toEqual(['hr-strap-1', 'other'])
  })

  it('leaves an hour holding a bad chunk open rather than losing it on compaction', () => {
    const c = compartment()
    const key = 'series/8867-4/hr-strap-1/2024-05-02T10:00:00Z'
    const doc = new Y.Doc()
    const arr = new Y.Array<Uint8Array>()
    arr.push([Uint8Array.of(7, 7, 7), encodeChunk({ unit: '/min', times: [T0], values: [70] })])
    doc.getMap('series').set(key, arr)
    c.applyUpdate(Y.encodeStateAsUpdate(doc), 'peer')
    expect(c.compact(T0 + 2 * HOUR)).toBe(0)
    const r = c.series.read(HR, DEV, T0, T0 + HOUR)
    expect(r.series[0]!.times.length).toBe(1)
    expect(r.errors).toHaveLength(1)
  })
})
