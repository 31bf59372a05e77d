/**
 * Any sequence of puts, withdrawals and appends gives the same record after
 * encodeState() → applyUpdate into a fresh compartment, and that record is what the
 * operations said. The storage layer extends this through save → reopen.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Compartment, FhirResource } from '../../src/record/index.ts'
import { compartment, content, validResources } from './helpers.ts'

const DAY = 86_400_000
const BASE = Date.UTC(2023, 0, 1)
const TYPES = ['Observation', 'Condition', 'Immunization', 'Encounter', 'MedicationStatement', 'CarePlan'] as const

function build(type: (typeof TYPES)[number], id: string, day: number, n: number): FhirResource {
  const date = new Date(BASE + day * DAY).toISOString()
  const base = validResources()
  switch (type) {
    case 'Observation':
      return { ...base['Observation'], id, effectiveDateTime: date, valueQuantity: { value: n, unit: '/min' } } as FhirResource
    case 'Condition':
      return { ...base['Condition'], id, onsetDateTime: date, note: [{ text: `v${n}` }] } as FhirResource
    case 'Immunization':
      return { ...base['Immunization'], id, occurrenceDateTime: date, lotNumber: `L${n}` } as FhirResource
    case 'Encounter':
      return { ...base['Encounter'], id, period: { start: date }, length: { value: n } } as FhirResource
    case 'MedicationStatement':
      return { ...base['MedicationStatement'], id, effectivePeriod: { start: date }, note: [{ text: `v${n}` }] } as FhirResource
    case 'CarePlan':
      return { resourceType: 'CarePlan', id, status: 'active', intent: 'plan', created: date, n }
  }
}

type Op =
  | { kind: 'put'; type: (typeof TYPES)[number]; id: number; day: number; n: number }
  | { kind: 'withdraw'; type: (typeof TYPES)[number]; id: number }
  | { kind: 'append'; code: string; device: string; t: number; value: number; unit: string }
  | { kind: 'flush' }
  | { kind: 'compact'; hours: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('put' as const), type: fc.constantFrom(...TYPES), id: fc.nat(5), day: fc.nat(400), n: fc.integer({ min: -5, max: 500 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), type: fc.constantFrom(...TYPES), id: fc.nat(5) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      code: fc.constantFrom('8867-4', '99504-3', '8310-5'),
      device: fc.constantFrom('a', 'b'),
      // a coarse grid and a few fixed times, so that appends at the same time happen
      t: fc.oneof(fc.integer({ min: BASE, max: BASE + 3 * DAY }), fc.nat(3 * 24 * 60).map((m) => BASE + m * 60_000), fc.constantFrom(BASE, BASE + 1000, BASE + 3_600_000)),
      value: fc.oneof(fc.integer({ min: 30, max: 250 }), fc.integer({ min: 350, max: 420 }).map((x) => x / 10), fc.double({ noNaN: true, noDefaultInfinity: true })),
      unit: fc.constantFrom('/min', 'mg/dL', 'Cel')
    })
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), hours: fc.nat(80) }) }
)

/** Everything a user could read back from a compartment. */
function readAll(c: Compartment): unknown {
  const out: Record<string, unknown> = {}
  for (const type of c.resources.types()) {
    out[type] = c.resources.list(type, { includeWithdrawn: true }).map((r) => ({ r, h: c.resources.history(type, r.id) }))
    out[`${type}:dated`] = c.resources.list(type, { from: BASE + 100 * DAY, to: BASE + 200 * DAY }).map((r) => r.id)
  }
  for (const code of ['8867-4', '99504-3', '8310-5']) {
    const r = c.series.read(code, undefined, BASE, BASE + 4 * DAY)
    out[code] = r.series.map((s) => ({ ...s, times: Array.from(s.times), values: Array.from(s.values) }))
    expect(r.errors).toEqual([])
  }
  return out
}

describe('record property', () => {
  it('encodeState → fresh compartment gives the same record, and the record is what the operations said', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const c = compartment({ clientId: 1 })
        // model: current content per resource, versions count; last value per sample
        const current = new Map<string, { r: FhirResource; versions: number }>()
        const samples = new Map<string, number>()
        for (const o of ops) {
          if (o.kind === 'put') {
            const r = build(o.type, `r${o.id}`, o.day, o.n)
            c.resources.put(r)
            const key = `${o.type}/r${o.id}`
            current.set(key, { r, versions: (current.get(key)?.versions ?? 0) + 1 })
          } else if (o.kind === 'withdraw') {
            const key = `${o.type}/r${o.id}`
            const cur = current.get(key)
            if (cur === undefined) {
              expect(() => c.resources.withdraw(o.type, `r${o.id}`)).toThrow()
              continue
            }
            const before = c.resources.history(o.type, `r${o.id}`).length
            const w = c.resources.withdraw(o.type, `r${o.id}`)
            const after = c.resources.history(o.type, `r${o.id}`).length
            current.set(key, { r: content(w) as FhirResource, versions: cur.versions + (after - before) })
          } else if (o.kind === 'append') {
            c.series.append(o.code, o.device, o.t, o.value, o.unit)
            samples.set(`${o.code}|${o.device}|${o.unit}|${o.t}`, o.value)
          } else if (o.kind === 'flush') {
            c.series.flush()
          } else {
            c.compact(BASE + o.hours * 3_600_000)
          }
        }
        const fresh = compartment({ clientId: 2 })
        fresh.applyUpdate(c.encodeState(), 'snapshot')
        expect(readAll(fresh)).toEqual(readAll(c))
        // against the model
        for (const [key, { r, versions }] of current) {
          const [type, id] = key.split('/') as [string, string]
          expect(content(fresh.resources.get(type, id) as FhirResource)).toEqual(content(r))
          expect(fresh.resources.history(type, id)).toHaveLength(versions)
        }
        expect(fresh.resources.count()).toBe(current.size)
        const seen = new Map<string, number>()
        for (const code of ['8867-4', '99504-3', '8310-5']) {
          for (const s of fresh.series.read(code, undefined, BASE, BASE + 4 * DAY).series) {
            s.times.forEach((t, i) => seen.set(`${code}|${s.device}|${s.unit}|${t}`, s.values[i] as number))
          }
        }
        // one value per (code, device, unit, ms): the later append wins
        expect(seen).toEqual(samples)
      }),
      { numRuns: 200 }
    )
  })
})
