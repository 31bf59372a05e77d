import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { LOCAL_ORIGIN, UpdateFormatError } from '../../src/record/index.ts'
import { compartment, observation } from './helpers.ts'

function updatesOf(): { a: ReturnType<typeof compartment>; updates: Uint8Array[] } {
  const a = compartment({ clientId: 7 })
  const updates: Uint8Array[] = []
  a.onUpdate((u, origin, local) => {
    expect(local).toBe(true)
    expect(origin).toBe(LOCAL_ORIGIN)
    updates.push(u)
  })
  return { a, updates }
}

describe('completeness', () => {
  it('an update whose dependency is missing makes the compartment incomplete until it arrives', () => {
    const { a, updates } = updatesOf()
    a.resources.put({ resourceType: 'AllergyIntolerance', id: 'pen', patient: { reference: 'Patient/p' }, code: { text: 'penicillin' } })
    a.resources.put({ resourceType: 'AllergyIntolerance', id: 'pen', patient: { reference: 'Patient/p' }, code: { text: 'penicillin, severe' } })
    expect(updates).toHaveLength(2)
    const b = compartment({ clientId: 8 })
    const seen: boolean[] = []
    b.onCompletenessChange((complete) => seen.push(complete))
    expect(b.isComplete()).toBe(true)
    b.applyUpdate(updates[1]!, 'sync')
    expect(b.isComplete()).toBe(false)
    expect(b.pending()).toEqual({ complete: false, missing: new Map([[7, 0]]), pendingDeletes: true })
    // the pending update is not visible: the UI must say "incomplete", not "no allergies"
    expect(b.resources.list('AllergyIntolerance')).toEqual([])
    expect(seen).toEqual([false])
    b.applyUpdate(updates[0]!, 'sync')
    expect(b.isComplete()).toBe(true)
    expect(b.pending()).toEqual({ complete: true, missing: new Map(), pendingDeletes: false })
    expect(seen).toEqual([false, true])
    expect(b.resources.get('AllergyIntolerance', 'pen')?.['code']).toEqual({ text: 'penicillin, severe' })
    expect(b.resources.history('AllergyIntolerance', 'pen')).toHaveLength(2)
  })

  it('pending deletions alone count as incomplete', () => {
    const { a, updates } = updatesOf()
    a.resources.put(observation('o1', '2024-01-01'))
    a.resources.put(observation('o1', '2024-01-02'))
    // only the delete set of a's state: the items it deletes are unknown to b
    const deletesOnly = Y.diffUpdate(a.encodeState(), a.stateVector())
    const b = compartment({ clientId: 8 })
    b.applyUpdate(deletesOnly, 'sync')
    expect(b.pending()).toMatchObject({ complete: false, pendingDeletes: true })
    expect(b.isComplete()).toBe(false)
    for (const u of updates) b.applyUpdate(u, 'sync')
    expect(b.isComplete()).toBe(true)
  })

  it('does not report a change when nothing changed, and duplicates are harmless', () => {
    const { a, updates } = updatesOf()
    a.resources.put(observation('o1', '2024-01-01'))
    const b = compartment()
    let calls = 0
    let remote = 0
    b.onCompletenessChange(() => calls++)
    b.onUpdate((_u, origin, local) => {
      expect(local).toBe(false)
      expect(origin).toBe('storage')
      remote++
    })
    b.applyUpdate(updates[0]!, 'storage')
    b.applyUpdate(updates[0]!, 'storage')
    expect(calls).toBe(0)
    expect(remote).toBe(1)
  })

  it('rejects malformed updates with a named error and the reserved origin', () => {
    const b = compartment()
    expect(() => b.applyUpdate(Uint8Array.of(0xff, 0xff, 0xff), 'peer')).toThrow(UpdateFormatError)
    expect(() => b.applyUpdate(new Uint8Array(0), LOCAL_ORIGIN)).toThrow(TypeError)
    expect(() => b.applyUpdate('x' as unknown as Uint8Array, 'peer')).toThrow(TypeError)
    expect(() => b.batch(() => b.applyUpdate(new Uint8Array(0), 'peer'))).toThrow(TypeError)
    expect(b.isComplete()).toBe(true)
  })

  it('state vector and unsubscribe work', () => {
    const { a } = updatesOf()
    const b = compartment()
    const off = b.onUpdate(() => {
      throw new Error('unsubscribed listener called')
    })
    off()
    a.resources.put(observation('o1', '2024-01-01'))
    b.applyUpdate(a.encodeState(), 'sync')
    expect(b.stateVector()).toEqual(a.stateVector())
    a.destroy()
    a.destroy()
  })
})
