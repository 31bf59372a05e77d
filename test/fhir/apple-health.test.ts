import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  AppleHealthFormatError,
  AppleHealthTruncatedError,
  appleDate,
  createAppleHealthImporter,
  importAppleHealth,
  recordSink,
  type AppleHealthResult,
  type AppleHealthSink
} from '../../src/fhir/index.ts'
import { validateResource, DEFAULT_MAX_RESOURCE_BYTES, type FhirResource } from '../../src/record/index.ts'
import { testRecord } from './helpers.ts'
import { heldBytes } from '../helpers/memory.ts'

/** Synthetic, hand-written in the shape of an Apple Health export (see the comment at its top). */
const XML = readFileSync(new URL('./fixtures/export.xml', import.meta.url))
const TEXT = XML.toString('utf8')

interface Collected {
  samples: Array<{ code: string; device: string; t: number; value: number; unit: string }>
  observations: FhirResource[]
}

function collector(): AppleHealthSink & Collected {
  const samples: Collected['samples'] = []
  const observations: FhirResource[] = []
  return {
    samples,
    observations,
    sample: (code, device, t, value, unit) => samples.push({ code, device, t, value, unit }),
    observation: (o) => observations.push(o)
  }
}

function run(chunks: Iterable<Uint8Array | string>): { result: AppleHealthResult; sink: AppleHealthSink & Collected } {
  const sink = collector()
  const imp = createAppleHealthImporter({ sink })
  for (const c of chunks) imp.write(c)
  return { result: imp.end(), sink }
}

const code = (o: FhirResource): string => (o['code'] as { coding: Array<{ code: string }> }).coding[0]?.code as string
const qty = (o: FhirResource): { value: number; code: string } => o['valueQuantity'] as { value: number; code: string }

describe('Apple Health export.xml', () => {
  it('reads the synthetic export: samples, observations with LOINC/UCUM, paired blood pressure, counts of what was skipped', () => {
    const { result, sink } = run([XML])
    expect(result).toEqual({
      complete: true,
      bytes: XML.length,
      records: 20,
      samples: 7,
      observations: 8,
      bloodPressurePanels: 2,
      skipped: {
        byType: { HKQuantityTypeIdentifierActiveEnergyBurned: 1, HKCategoryTypeIdentifierSleepAnalysis: 1 },
        workouts: 1,
        invalid: 1,
        nested: 2
      }
    })
    const hr = sink.samples.filter((s) => s.code === '8867-4')
    expect(hr.map((s) => [s.t, s.value, s.unit])).toEqual([
      [Date.UTC(2024, 4, 2, 6, 0), 72, '/min'],
      [Date.UTC(2024, 4, 2, 6, 5), 75, '/min'],
      [Date.UTC(2024, 4, 2, 6, 10), 71.5, '/min']
    ])
    expect(hr[0]?.device).toMatch(/^apple-health:Anna-s-Apple-Watch\.[0-9a-f]{8}$/)
    expect(sink.samples.find((s) => s.code === '55423-8')).toMatchObject({ value: 812, unit: '{steps}' })
    expect(sink.samples.find((s) => s.code === '59408-5')).toMatchObject({ value: 97, unit: '%' }) // HealthKit's 0.97
    expect(sink.samples.find((s) => s.code === '9279-1')).toMatchObject({ value: 14, unit: '/min' })

    const byCode = (c: string): FhirResource[] => sink.observations.filter((o) => code(o) === c)
    expect(qty(byCode('2339-0')[0] as FhirResource)).toMatchObject({ value: 99, code: 'mg/dL' })
    expect(qty(byCode('15074-8')[0] as FhirResource)).toMatchObject({ value: 5.5, code: 'mmol/L' })
    expect(byCode('2339-0')[0]?.['category']).toEqual([{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }])
    expect(byCode('29463-7').map((o) => qty(o).value)).toEqual([68.4, 45.3592]) // 100 lb × 0.45359237
    expect(qty(byCode('8310-5')[0] as FhirResource)).toMatchObject({ value: 37, code: 'Cel' }) // 98.6 °F
    const panels = byCode('85354-9')
    expect(panels).toHaveLength(2)
    expect(panels[0]?.['effectiveDateTime']).toBe('2024-05-02T07:05:00+02:00')
    expect((panels[0]?.['component'] as Array<{ valueQuantity: { value: number } }>).map((c) => c.valueQuantity.value)).toEqual([121, 79])
    expect(qty(byCode('8480-6')[0] as FhirResource).value).toBe(119) // the systolic reading without its pair
    // every Observation passes the record's validator; ids are stable hashes
    for (const o of sink.observations) {
      expect(() => validateResource(o, DEFAULT_MAX_RESOURCE_BYTES)).not.toThrow()
      expect(o.id).toMatch(/^ah-[0-9a-f]{32}$/)
    }
    expect(run([XML]).sink.observations.map((o) => o.id)).toEqual(sink.observations.map((o) => o.id))
  })

  it('gives the same result however the bytes are split into chunks (multi-byte characters included)', () => {
    const whole = run([XML])
    const oneByte = run(Array.from({ length: XML.length }, (_, i) => XML.subarray(i, i + 1)))
    expect(oneByte.result).toEqual(whole.result)
    expect(oneByte.sink.samples).toEqual(whole.sink.samples)
    expect(oneByte.sink.observations).toEqual(whole.sink.observations)
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: XML.length - 1 }), { maxLength: 40 }), (cuts) => {
        const at = [0, ...cuts.sort((a, b) => a - b), XML.length]
        const r = run(at.slice(1).map((end, i) => XML.subarray(at[i], end)))
        expect(r.result).toEqual(whole.result)
        expect(r.sink.observations).toEqual(whole.sink.observations)
      }),
      { numRuns: 50 }
    )
    expect(run([TEXT]).result).toEqual(whole.result) // text chunks too
  })

  it('a truncated file ends with AppleHealthTruncatedError in the result, after keeping what was complete', () => {
    const whole = run([XML])
    const cuts = [TEXT.indexOf('<Record type="HKQuantityTypeIdentifierBodyMass"') + 30, TEXT.indexOf('</HealthData>'), TEXT.indexOf('<Workout') + 5, TEXT.length - 3]
    for (const cut of cuts) {
      const bytes = new TextEncoder().encode(TEXT.slice(0, cut))
      const { result, sink } = run([bytes])
      expect(result.complete, String(cut)).toBe(false)
      expect(result.error).toBeInstanceOf(AppleHealthTruncatedError)
      expect(result.error?.name).toBe('AppleHealthTruncatedError')
      expect(result.error?.message).toMatch(/records read before it were kept/)
      // what came before the cut is there, as it would have been in the whole file
      for (const s of sink.samples) expect(whole.sink.samples).toContainEqual(s)
      expect(sink.samples.length).toBeGreaterThan(0)
    }
    const mid = run([TEXT.slice(0, cuts[0])])
    expect(mid.sink.samples).toHaveLength(7)
    expect(mid.result.records).toBe(9) // the BodyMass record cut inside its tag is not read
    // the blood pressure halves read before the cut are still written (unpaired)
    const late = run([TEXT.slice(0, cuts[1])])
    expect(late.result.bloodPressurePanels).toBe(2)
    expect(late.result.observations).toBe(8)
  })

  it('malformed XML or another document is an AppleHealthFormatError in the result, never a throw', () => {
    const cases: Array<[string, RegExp]> = [
      ['<HealthData><Record type="HKQuantityTypeIdentifierHeartRate" value="1"></HealthData>', /not well-formed/],
      ['<Other/>', /root element is <Other>/],
      ['not xml at all', /./],
      ['', /./],
      ['<HealthData><Record type="a" type="b"/></HealthData>', /not well-formed/]
    ]
    for (const [xml, why] of cases) {
      const { result } = run([xml])
      expect(result.complete, xml).toBe(false)
      expect(result.error, xml).toBeInstanceOf(AppleHealthFormatError)
      expect(result.error?.message, xml).toMatch(why)
    }
    // data after the error is not read
    const { result } = run(['<HealthData><Record type="HKQuantityTypeIdentifierHeartRate" sourceName="w" unit="count/min" startDate="2024-05-02 08:00:00 +0000" endDate="2024-05-02 08:00:00 +0000" value="60"/><bad attr=1/>', '<Record/></HealthData>'])
    expect(result).toMatchObject({ complete: false, samples: 1 })
    expect(result.error?.name).toBe('AppleHealthFormatError')
  })

  it('writes into the record: samples to the vitals series, Observations to their compartment; a re-import adds nothing', async () => {
    const rec = testRecord()
    const sink = recordSink({ compartment: rec.get, batchSize: 3 })
    let updates = 0
    rec.get('vitals').onUpdate(() => updates++)
    const progress: number[] = []
    const result = await importAppleHealth([XML.subarray(0, 5000), XML.subarray(5000)], { sink, totalBytes: XML.length, onProgress: (b, total) => progress.push(b, total ?? -1) })
    const counts = sink.flush()
    expect(result.complete).toBe(true)
    expect(progress).toEqual([5000, XML.length, XML.length, XML.length])
    expect(counts).toEqual({ stored: 8, duplicates: 0, rejected: [] })
    const hr = rec.get('vitals').series.read('8867-4', undefined, Date.UTC(2024, 4, 2), Date.UTC(2024, 4, 3))
    expect(hr.series.flatMap((s) => [...s.values])).toEqual([72, 75, 71.5])
    expect(rec.get('vitals').resources.count('Observation')).toBe(6)
    expect(rec.get('results').resources.count('Observation')).toBe(2) // glucose is a laboratory result
    expect(updates).toBeLessThan(10)

    const sink2 = recordSink({ compartment: rec.get })
    await importAppleHealth(new Blob([XML]).stream(), { sink: sink2 })
    expect(sink2.flush()).toEqual({ stored: 0, duplicates: 8, rejected: [] })
    expect(rec.get('vitals').series.read('8867-4', undefined, Date.UTC(2024, 4, 2), Date.UTC(2024, 4, 3)).series.flatMap((s) => [...s.values])).toEqual([72, 75, 71.5])
  })

  it('streams a large generated export with bounded memory and byte progress', async () => {
    const N = 200_000
    const head = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE HealthData [\n<!ELEMENT HealthData ANY>\n]>\n<HealthData locale="en_US">\n'
    const t0 = Date.UTC(2023, 0, 1)
    const pad = (n: number): string => String(n).padStart(2, '0')
    const appleTime = (ms: number): string => {
      const d = new Date(ms)
      return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
    }
    function* generate(): Generator<string> {
      yield head
      let chunk = ''
      for (let i = 0; i < N; i++) {
        const t = appleTime(t0 + i * 5000)
        chunk += ` <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Generated Watch" sourceVersion="10.0" unit="count/min" creationDate="${t}" startDate="${t}" endDate="${t}" value="${60 + (i % 50)}">\n  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n </Record>\n`
        if (chunk.length > 64 * 1024) {
          yield chunk
          chunk = ''
        }
      }
      yield `${chunk}</HealthData>\n`
    }
    let total = 0
    for (const c of generate()) total += c.length // ASCII: characters are bytes
    let samples = 0
    let lastValue = 0
    const sink: AppleHealthSink = { sample: (_c, _d, _t, v) => ((samples++), (lastValue = v)), observation: () => undefined }
    const base = heldBytes().heap
    let peak = 0
    let calls = 0
    let lastBytes = 0
    let monotone = true
    const result = await importAppleHealth(generate(), {
      sink,
      totalBytes: total,
      onProgress: (bytes) => {
        monotone &&= bytes > lastBytes
        lastBytes = bytes
        // a collection before each sample, so garbage is not counted as held
        if (calls++ % 8 === 0) peak = Math.max(peak, heldBytes().heap - base)
      }
    })
    expect(result).toMatchObject({ complete: true, records: N, samples: N, bytes: total })
    expect(samples).toBe(N)
    expect(lastValue).toBe(60 + ((N - 1) % 50))
    expect(monotone).toBe(true)
    expect(calls).toBeGreaterThan(50)
    expect(lastBytes).toBe(total)
    // the file is ~50 MB; holding it (or its records) would cost more than that in heap
    console.log(`apple-health: ${(total / 1e6).toFixed(1)} MB streamed, peak heap growth ${(peak / 1e6).toFixed(1)} MB`)
    expect(total).toBeGreaterThan(40e6)
    expect(peak).toBeLessThan(total / 2)
  })

  it('appleDate reads Apple export dates with their offset', () => {
    expect(appleDate('2024-05-02 08:00:00 +0200')).toBe('2024-05-02T08:00:00+02:00')
    expect(appleDate('2024-05-02 08:00:00 -0530')).toBe('2024-05-02T08:00:00-05:30')
    for (const bad of ['2024-05-02T08:00:00Z', '2024-13-02 08:00:00 +0000', 'yesterday', '', undefined]) expect(appleDate(bad)).toBeUndefined()
  })
})
