import { describe, expect, it } from 'vitest'
import { mergeUpdates, UpdateFormatError } from '../../src/record/index.ts'
import { compartment, observation, T0 } from './helpers.ts'

describe('mergeUpdates', () => {
  it('merges a burst into one update with the same effect', () => {
    const a = compartment({ clientId: 1 })
    const updates: Uint8Array[] = []
    a.onUpdate((u, _o, local) => local && updates.push(u))
    a.resources.put(observation('o1', '2024-01-01'))
    a.resources.put(observation('o1', '2024-01-02'))
    a.series.append('8867-4', 'strap', T0, 70, '/min')
    a.series.flush()
    expect(updates).toHaveLength(3)
    const b = compartment({ clientId: 2 })
    b.applyUpdate(mergeUpdates(updates), 'storage')
    expect(b.stateMatches(a.encodeState())).toBe(true)
    expect(b.resources.history('Observation', 'o1')).toHaveLength(2)
  })

  it('names malformed input', () => {
    expect(() => mergeUpdates([Uint8Array.of(0xff, 0xff, 0xff, 0xff), Uint8Array.of(0xff, 0xff)])).toThrow(UpdateFormatError)
    expect(() => mergeUpdates(['x' as unknown as Uint8Array])).toThrow(TypeError)
  })
})

describe('stateMatches', () => {
  it('holds for its own snapshot and for a replica’s, and fails after any change', () => {
    const a = compartment({ clientId: 1 })
    a.resources.put(observation('o1', '2024-01-01'))
    a.series.append('8867-4', 'strap', T0, 70, '/min')
    const snapshot = a.encodeState()
    expect(a.stateMatches(snapshot)).toBe(true)
    const b = compartment({ clientId: 2 })
    b.applyUpdate(snapshot, 'sync')
    expect(b.stateMatches(snapshot)).toBe(true)
    a.series.append('8867-4', 'strap', T0 + 1000, 71, '/min') // buffered: not yet state
    expect(a.stateMatches(snapshot)).toBe(true)
    a.series.flush()
    expect(a.stateMatches(snapshot)).toBe(false)
    a.resources.withdraw('Observation', 'o1')
    expect(a.stateMatches(a.encodeState())).toBe(true)
  })

  it('fails for garbage, for a truncated snapshot, and for another doc', () => {
    const a = compartment({ clientId: 1 })
    a.resources.put(observation('o1', '2024-01-01'))
    const snapshot = a.encodeState()
    expect(a.stateMatches(Uint8Array.of(1, 2, 3))).toBe(false)
    expect(a.stateMatches(snapshot.subarray(0, snapshot.length - 3))).toBe(false)
    const other = compartment({ clientId: 1 })
    other.resources.put(observation('o2', '2024-01-01'))
    expect(a.stateMatches(other.encodeState())).toBe(false)
    expect(() => a.stateMatches('x' as unknown as Uint8Array)).toThrow(TypeError)
  })
})
