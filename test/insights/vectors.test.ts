/**
 * Known answers of test/vectors/insights (sources in test/vectors/README.md): every NEWS2
 * band edge of RCP Chart 1 and the risk bands of Chart 2, every ACC/AHA 2017 blood
 * pressure category edge, and CGM traces whose metrics were computed outside src/ —
 * including gaps — plus the GMI table of Bergenstal 2018.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { bpCategory, cgmMetrics, type BpCategory, type CgmMetrics, type GlucoseSample, type News2Input, type News2Risk, news2 } from '../../src/insights/index.ts'

const DIR = new URL('../vectors/insights/', import.meta.url)
const load = <T>(file: string): T => JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as T

interface News2Vectors {
  base: News2Input
  bands: Record<string, [number | string | boolean, number][]>
  spo2Scale2: [number, boolean, number][]
  examples: { name: string; input: News2Input; score: number; risk: News2Risk }[]
}

describe('NEWS2 vectors (RCP 2017, Chart 1 and Chart 2)', () => {
  const v = load<News2Vectors>('news2-rcp-2017.json')

  it('cover every parameter of Chart 1', () => {
    expect(Object.keys(v.bands).sort()).toEqual(['consciousness', 'onOxygen', 'pulse', 'respiratoryRate', 'spo2', 'systolic', 'temperatureC'])
  })

  for (const [param, cases] of Object.entries(v.bands)) {
    it(`scores each band edge of ${param}`, () => {
      expect(news2(v.base).score).toBe(0)
      for (const [value, points] of cases) {
        const r = news2({ ...v.base, [param]: value })
        expect(r.points[param], `${param} = ${String(value)}`).toBe(points)
        expect(r.score, `${param} = ${String(value)}`).toBe(points)
      }
    })
  }

  it('scores SpO2 scale 2 on air and on oxygen', () => {
    for (const [spo2, onOxygen, points] of v.spo2Scale2) {
      const r = news2({ ...v.base, spo2, onOxygen, spo2Scale: 2 })
      expect(r.points['spo2'], `${spo2} % ${onOxygen ? 'on oxygen' : 'on air'}`).toBe(points)
      expect(r.points['onOxygen']).toBe(onOxygen ? 2 : 0)
      expect(r.score).toBe(points + (onOxygen ? 2 : 0))
    }
  })

  for (const ex of v.examples) {
    it(`example: ${ex.name}`, () => {
      const r = news2(ex.input)
      expect(r.score).toBe(ex.score)
      expect(r.risk).toBe(ex.risk)
    })
  }
})

describe('blood pressure vectors (ACC/AHA 2017, Table 6 and §11.2)', () => {
  const v = load<{ cases: [number, number, BpCategory][] }>('bp-acc-aha-2017.json')
  it(`categorises ${v.cases.length} edge cases`, () => {
    for (const [s, d, c] of v.cases) expect(bpCategory(s, d), `${s}/${d}`).toBe(c)
  })
  it('include both sides of every edge', () => {
    const cats = new Set(v.cases.map(([, , c]) => c))
    expect([...cats].sort()).toEqual(['crisis', 'elevated', 'normal', 'stage1', 'stage2'])
  })
})

interface CgmVectors {
  gmiTable: { rows: [number, number][] }
  cases: { name: string; intervalMin?: number; samples: GlucoseSample[]; expected: CgmMetrics }[]
}

describe('CGM vectors (Battelino 2019; Bergenstal 2018)', () => {
  const v = load<CgmVectors>('cgm-consensus.json')

  for (const c of v.cases) {
    it(c.name, () => {
      const m = cgmMetrics(c.samples, c.intervalMin !== undefined ? { intervalMin: c.intervalMin } : undefined)
      expect(Object.keys(m).sort()).toEqual(Object.keys(c.expected).sort())
      for (const key of Object.keys(c.expected) as (keyof CgmMetrics)[]) expect(m[key], key).toBeCloseTo(c.expected[key], 9)
    })
  }

  it('reproduces the published GMI table to its 0.1 % precision', () => {
    for (const [mean, gmi] of v.gmiTable.rows) {
      // a flat trace at the table's mean glucose
      const m = cgmMetrics([{ t: 0, mgdl: mean }, { t: 300_000, mgdl: mean }])
      expect(Math.round(m.gmiPercent * 10) / 10, `mean ${mean}`).toBe(gmi)
    }
  })

  it('say so when coverage is below 70 %', () => {
    const gap = v.cases.find((c) => c.name.includes('65-minute gap'))
    expect(gap?.expected.activePercent).toBeLessThan(70)
  })
})
