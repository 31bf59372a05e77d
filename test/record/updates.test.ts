import { describe, expect, it } from 'vitest'
import { mergeUpdates, UpdateFormatError } from '../../src/record/index.ts'
import { encodeStateParts, stateMatchesParts } from '../../src/record/updates.ts'
import * as Y from 'yjs'
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

describe('encodeStateParts (the parts of a snapshot in parts)', () => {
  /** Three devices editing the same map and series, with overwrites (deletions) between them. */
  function shared(): Y.Doc[] {
    const docs = [1, 2, 3].map((clientID) => {
      const d = new Y.Doc()
      d.clientID = clientID
      return d
    })
    for (let i = 0; i < 600; i++) {
      const d = docs[i % 3] as Y.Doc
      d.getMap('resources').set(`Observation/o${i % 40}`, JSON.stringify({ i, text: 'y'.repeat(i % 50) }))
      if (i % 25 === 0) for (const x of docs) for (const y of docs) if (x !== y) Y.applyUpdate(y, Y.encodeStateAsUpdate(x))
    }
    return docs
  }

  it('cuts a state into parts that give the same state applied in order (and in any order)', () => {
    const [a] = shared() as [Y.Doc]
    const parts = encodeStateParts(a, 700)!
    expect(parts.length).toBeGreaterThan(5)
    expect(stateMatchesParts(a, parts)).toBe(true)
    const reversed = new Y.Doc()
    for (const p of [...parts].reverse()) Y.applyUpdate(reversed, p)
    expect(reversed.getMap('resources').toJSON()).toEqual(a.getMap('resources').toJSON())
    expect(Y.encodeStateVector(reversed)).toEqual(Y.encodeStateVector(a))
  })

  it('is one part when the state is smaller than the target', () => {
    const [a] = shared() as [Y.Doc]
    const one = encodeStateParts(a, 1 << 30)!
    expect(one).toHaveLength(1)
    expect(stateMatchesParts(a, one)).toBe(true)
  })

  it('does not match a doc that changed after, nor a part list missing one', () => {
    const [a] = shared() as [Y.Doc]
    const parts = encodeStateParts(a, 700)!
    expect(stateMatchesParts(a, parts.slice(1))).toBe(false)
    a.getMap('resources').set('Observation/late', '{}')
    expect(stateMatchesParts(a, parts)).toBe(false)
  })

  it('gives no parts while updates are pending, and refuses a bad target', () => {
    const [a] = shared() as [Y.Doc]
    const c = new Y.Doc()
    Y.applyUpdate(c, Y.encodeStateAsUpdate(a))
    const gap = new Y.Doc()
    gap.clientID = 9
    const m = gap.getMap('resources')
    m.set('a', '1')
    const sv1 = Y.encodeStateVector(gap)
    m.set('b', '2')
    const tail = Y.encodeStateAsUpdate(gap, sv1)
    Y.applyUpdate(c, tail) // depends on gap's first write, which c never saw
    expect(c.store.pendingStructs).not.toBeNull()
    expect(encodeStateParts(c, 700)).toBeUndefined()
    expect(() => encodeStateParts(a, 0)).toThrow(RangeError)
  })
})
