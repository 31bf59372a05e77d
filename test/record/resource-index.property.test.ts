/**
 * The resource index against a model: a compartment opened from a stored state (its index
 * seeded from the stored headers and built on first use), then edited locally and by a
 * replica, answers every list, date-range, code, category and count query exactly as a
 * scan of the resources would, whatever order queries and edits come in.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Compartment, FhirResource } from '../../src/record/index.ts'
import { compartment, link, LOINC, observation } from './helpers.ts'

const DAY = 86_400_000
const BASE = Date.UTC(2023, 0, 1)
const CODES = ['8867-4', '8310-5', '29463-7'] as const
const CATEGORIES = ['vital-signs', 'laboratory'] as const

type Edit = { kind: 'put'; local: boolean; id: number; day: number; code: number; category: number } | { kind: 'withdraw'; local: boolean; id: number }
type Query = { kind: 'query'; from?: number; to?: number; code?: number; category?: number; withdrawn: boolean } | { kind: 'count' }

const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('put' as const), local: fc.boolean(), id: fc.nat(30), day: fc.nat(60), code: fc.nat(2), category: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), local: fc.boolean(), id: fc.nat(30) }) }
)
const query: fc.Arbitrary<Query> = fc.oneof(
  fc.record(
    { kind: fc.constant('query' as const), from: fc.nat(60), to: fc.nat(60), code: fc.nat(2), category: fc.nat(1), withdrawn: fc.boolean() },
    { requiredKeys: ['kind', 'withdrawn'] }
  ),
  fc.constant({ kind: 'count' as const })
)

const obs = (id: number, day: number, code: number, category: number): FhirResource =>
  observation(`o${id}`, new Date(BASE + day * DAY).toISOString(), CODES[code], CATEGORIES[category])

/** What a query should give: a scan of every resource, filtered and sorted by (date, id). */
function expected(all: readonly FhirResource[], q: Extract<Query, { kind: 'query' }>): string[] {
  const dateOf = (r: FhirResource): number => Date.parse(r['effectiveDateTime'] as string)
  const coded = (r: FhirResource, key: 'code' | 'category', code: string): boolean => JSON.stringify(r[key]).includes(`"code":"${code}"`)
  return all
    .filter((r) => q.withdrawn || r['status'] !== 'entered-in-error')
    .filter((r) => q.from === undefined || dateOf(r) >= BASE + q.from * DAY)
    .filter((r) => q.to === undefined || dateOf(r) < BASE + q.to * DAY)
    .filter((r) => q.code === undefined || coded(r, 'code', CODES[q.code] as string))
    .filter((r) => q.category === undefined || coded(r, 'category', CATEGORIES[q.category] as string))
    .sort((a, b) => dateOf(a) - dateOf(b) || (a.id < b.id ? -1 : 1))
    .map((r) => r.id)
}

function apply(c: Compartment, e: Edit): void {
  if (e.kind === 'put') c.resources.put(obs(e.id, e.day, e.code, e.category))
  else if (c.resources.get('Observation', `o${e.id}`) !== undefined) c.resources.withdraw('Observation', `o${e.id}`)
}

describe('resource index property', () => {
  it('a reopened compartment, edited locally and by a replica, answers every query as a scan would', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.nat(30), day: fc.nat(60), code: fc.nat(2), category: fc.nat(1) }), { maxLength: 40 }),
        fc.array(fc.oneof(edit, query), { maxLength: 40 }),
        (initial, steps) => {
          const writer = compartment({ clientId: 1 })
          for (const r of initial) writer.resources.put(obs(r.id, r.day, r.code, r.category))
          // the reopened copy: nothing read from it yet, so its index is built on the first query
          const opened = compartment({ clientId: 2 })
          opened.applyUpdate(writer.encodeState(), 'open')
          const replica = compartment({ clientId: 3 })
          replica.applyUpdate(writer.encodeState(), 'sync')
          // each one's edits reach the other at once, as a remote update
          link(opened, replica)
          for (const step of steps) {
            if (step.kind === 'put' || step.kind === 'withdraw') {
              apply(step.local ? opened : replica, step)
              continue
            }
            // the model: every resource, read one by one from the map (never through the index)
            const all = Array.from({ length: 31 }, (_, i) => opened.resources.get('Observation', `o${i}`)).filter((r) => r !== undefined)
            if (step.kind === 'count') {
              expect(opened.resources.count('Observation')).toBe(all.length)
              expect(opened.resources.types()).toEqual(all.length > 0 ? ['Observation'] : [])
              continue
            }
            const got = opened.resources.list('Observation', {
              ...(step.from !== undefined ? { from: BASE + step.from * DAY } : {}),
              ...(step.to !== undefined ? { to: BASE + step.to * DAY } : {}),
              ...(step.code !== undefined ? { code: `${LOINC}|${CODES[step.code]}` } : {}),
              ...(step.category !== undefined ? { category: CATEGORIES[step.category] } : {}),
              includeWithdrawn: step.withdrawn
            })
            expect(got.map((r) => r.id)).toEqual(expected(all, step))
          }
        }
      ),
      { numRuns: 300 }
    )
  })
})
