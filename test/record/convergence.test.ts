import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Compartment, FhirResource } from '../../src/record/index.ts'
import { compartment, content, HOUR, link, observation, syncAll, T0 } from './helpers.ts'

const HR = '8867-4'

function snapshotOf(c: Compartment): unknown {
  const resources: Record<string, unknown> = {}
  for (const type of c.resources.types()) {
    for (const r of c.resources.list(type, { includeWithdrawn: true })) {
      resources[`${type}/${r.id}`] = { current: r, history: c.resources.history(type, r.id) }
    }
  }
  const series = c.series.list().map((s) => {
    const r = c.series.read(s.code, s.device, 0, 8.64e15)
    return { ...s, data: r.series.map((d) => ({ unit: d.unit, times: Array.from(d.times), values: Array.from(d.values) })), errors: r.errors.length }
  })
  return { resources, series }
}

describe('two replicas', () => {
  it('see each other’s puts, withdrawals and samples, indexed', () => {
    const a = compartment({ clientId: 1 })
    const b = compartment({ clientId: 2 })
    link(a, b)
    a.resources.put(observation('o1', '2024-05-02T08:00:00Z'))
    b.resources.put(observation('o2', '2024-05-03T08:00:00Z', '4548-4', 'laboratory'))
    expect(b.resources.list('Observation', { from: '2024-05-02', to: '2024-05-03' }).map((r) => r.id)).toEqual(['o1'])
    expect(a.resources.list('Observation', { code: '4548-4' }).map((r) => r.id)).toEqual(['o2'])
    b.resources.withdraw('Observation', 'o1', 'wrong device')
    expect(a.resources.list('Observation').map((r) => r.id)).toEqual(['o2'])
    a.series.append(HR, 'strap', T0, 70, '/min')
    a.series.flush()
    expect(b.series.read(HR, undefined, T0, T0 + 1).series[0]?.values[0]).toBe(70)
    expect(snapshotOf(a)).toEqual(snapshotOf(b))
  })

  it('concurrent puts of the same id: last writer wins, history keeps both', () => {
    const a = compartment({ clientId: 1 })
    const b = compartment({ clientId: 2 })
    a.resources.put(observation('o1', '2024-05-02', HR, 'vital-signs', { valueQuantity: { value: 70 } }))
    syncAll([a, b])
    // offline edits of the same version
    a.resources.put(observation('o1', '2024-05-02', HR, 'vital-signs', { valueQuantity: { value: 71 } }))
    b.resources.put(observation('o1', '2024-05-02', HR, 'vital-signs', { valueQuantity: { value: 72 } }))
    syncAll([a, b])
    const cur = a.resources.get('Observation', 'o1')
    expect(b.resources.get('Observation', 'o1')).toEqual(cur)
    const values = (c: Compartment): number[] =>
      c.resources.history('Observation', 'o1').map((r) => (r['valueQuantity'] as { value: number }).value)
    expect(values(a).sort()).toEqual([70, 71, 72])
    expect(values(b)).toEqual(values(a))
    expect(a.resources.history('Observation', 'o1').map((r) => r.meta?.versionId)).toEqual(['1', '2', '2'])
    // the next edit continues after the highest version
    expect(a.resources.put(observation('o1', '2024-05-02')).meta?.versionId).toBe('3')
  })

  it('concurrent creation of the same id: the displaced version is kept in history', () => {
    const a = compartment({ clientId: 1 })
    const b = compartment({ clientId: 2 })
    a.resources.put({ resourceType: 'Patient', id: 'me', name: [{ family: 'Karimov' }] })
    b.resources.put({ resourceType: 'Patient', id: 'me', name: [{ family: 'Каримов' }] })
    syncAll([a, b])
    expect(a.resources.get('Patient', 'me')).toEqual(b.resources.get('Patient', 'me'))
    const families = (c: Compartment): string[] => c.resources.history('Patient', 'me').map((r) => (r['name'] as { family: string }[])[0]!.family)
    expect(families(a).sort()).toEqual(['Karimov', 'Каримов'])
    expect(families(b)).toEqual(families(a))
  })

  it('two replicas writing the same series-hour keep every sample', () => {
    const a = compartment({ clientId: 1 })
    const b = compartment({ clientId: 2 })
    for (let i = 0; i < 30; i++) a.series.append(HR, 'strap', T0 + i * 2000, 70, '/min')
    for (let i = 0; i < 30; i++) b.series.append(HR, 'strap', T0 + i * 2000 + 1000, 80, '/min')
    a.series.flush()
    b.series.flush()
    syncAll([a, b])
    for (const c of [a, b]) expect(c.series.read(HR, 'strap', T0, T0 + HOUR).series[0]!.times.length).toBe(60)
    expect(snapshotOf(a)).toEqual(snapshotOf(b))
  })

  it('closing an hour while another replica appends to it loses nothing', () => {
    const a = compartment({ clientId: 1 })
    const b = compartment({ clientId: 2 })
    for (let i = 0; i < 10; i++) a.series.append(HR, 'strap', T0 + i * 1000, 70, '/min')
    a.series.flush()
    syncAll([a, b])
    // concurrently: A appends more to the open hour, B compacts (closes) it
    for (let i = 10; i < 20; i++) a.series.append(HR, 'strap', T0 + i * 1000, 71, '/min')
    a.series.flush()
    expect(b.compact(T0 + 2 * HOUR)).toBe(1)
    syncAll([a, b])
    for (const c of [a, b]) expect(c.series.read(HR, 'strap', T0, T0 + HOUR).series[0]!.times.length).toBe(20)
    expect(snapshotOf(a)).toEqual(snapshotOf(b))
  })
})

type Op =
  | { kind: 'put'; replica: number; id: number; day: number; value: number }
  | { kind: 'withdraw'; replica: number; id: number }
  | { kind: 'append'; replica: number; device: number; second: number; value: number }
  | { kind: 'flush'; replica: number }
  | { kind: 'compact'; replica: number }
  | { kind: 'deliver'; pick: number; duplicate: boolean }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), replica: fc.nat(2), id: fc.nat(4), day: fc.nat(30), value: fc.integer({ min: 40, max: 200 }) }),
  fc.record({ kind: fc.constant('withdraw' as const), replica: fc.nat(2), id: fc.nat(4) }),
  fc.record({ kind: fc.constant('append' as const), replica: fc.nat(2), device: fc.nat(1), second: fc.nat(3 * 3600), value: fc.integer({ min: 40, max: 200 }) }),
  fc.record({ kind: fc.constant('flush' as const), replica: fc.nat(2) }),
  fc.record({ kind: fc.constant('compact' as const), replica: fc.nat(2) }),
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(), duplicate: fc.boolean() }),
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(), duplicate: fc.boolean() })
)

describe('convergence property', () => {
  it('replicas with reordered, duplicated, delayed delivery end identical, every sample kept', () => {
    let repairs = 0 // local updates written while applying a remote one: displaced data kept
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const replicas = [1, 2, 3].map((clientId) => compartment({ clientId }))
        const inflight: { to: number; update: Uint8Array }[] = []
        let applying = false
        const apply = (to: number, update: Uint8Array): void => {
          applying = true
          try {
            replicas[to]!.applyUpdate(update, 'net')
          } finally {
            applying = false
          }
        }
        replicas.forEach((r, i) =>
          r.onUpdate((update, _o, local) => {
            if (local && applying) repairs++
            if (local) for (let j = 0; j < replicas.length; j++) if (j !== i) inflight.push({ to: j, update })
          })
        )
        // (series, device, second) -> values appended for it, by any replica
        const appended = new Map<string, Set<number>>()
        for (const o of ops) {
          const r = o.kind === 'deliver' ? undefined : replicas[o.replica]!
          switch (o.kind) {
            case 'put':
              r!.resources.put(observation(`o${o.id}`, new Date(T0 + o.day * 86_400_000).toISOString(), HR, 'vital-signs', { valueQuantity: { value: o.value } }))
              break
            case 'withdraw':
              if (r!.resources.get('Observation', `o${o.id}`) !== undefined) r!.resources.withdraw('Observation', `o${o.id}`)
              break
            case 'append': {
              const key = `d${o.device}/${o.second}`
              appended.set(key, (appended.get(key) ?? new Set()).add(o.value))
              r!.series.append(HR, `d${o.device}`, T0 + o.second * 1000, o.value, '/min')
              break
            }
            case 'flush':
              r!.series.flush()
              break
            case 'compact':
              r!.compact(T0 + 4 * HOUR)
              break
            case 'deliver': {
              if (inflight.length === 0) break
              const at = o.pick % inflight.length
              const msg = inflight[at]!
              if (!o.duplicate) inflight.splice(at, 1)
              apply(msg.to, msg.update)
            }
          }
        }
        for (const r of replicas) r.series.flush()
        while (inflight.length > 0) {
          const msg = inflight.shift()!
          apply(msg.to, msg.update)
        }
        syncAll(replicas)
        for (const r of replicas) expect(r.isComplete()).toBe(true)
        const first = snapshotOf(replicas[0]!)
        for (const r of replicas.slice(1)) expect(snapshotOf(r)).toEqual(first)
        // no sample lost: every appended time is there, with one of the values appended for it
        for (const [key, values] of appended) {
          const [device, second] = key.split('/') as [string, string]
          const t = T0 + Number(second) * 1000
          const got = replicas[0]!.series.read(HR, device, t, t + 1).series[0]?.values[0]
          expect(got === undefined ? undefined : values.has(got), key).toBe(true)
        }
        // no version lost: every put's value is in the history of its resource
        for (const o of ops) {
          if (o.kind !== 'put') continue
          const h = replicas[0]!.resources.history('Observation', `o${o.id}`).map((v) => (v['valueQuantity'] as { value: number }).value)
          expect(h).toContain(o.value)
        }
        replicas.forEach((r) => r.destroy())
      }),
      { numRuns: 300 }
    )
    expect(repairs).toBeGreaterThan(0)
  })

  it('a fresh replica loaded from another’s state equals it', () => {
    const a = compartment({ clientId: 1 })
    a.resources.put(observation('o1', '2024-05-02'))
    a.resources.put(observation('o1', '2024-05-03'))
    a.series.append(HR, 'strap', T0, 70, '/min')
    const b = compartment({ clientId: 2 })
    b.applyUpdate(a.encodeState(), 'snapshot')
    expect(snapshotOf(b)).toEqual(snapshotOf(a))
    expect(b.resources.history('Observation', 'o1').map(content)).toHaveLength(2)
    const r: FhirResource | undefined = b.resources.get('Observation', 'o1')
    expect(r?.['effectiveDateTime']).toBe('2024-05-03')
  })
})
