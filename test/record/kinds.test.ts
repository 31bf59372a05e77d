import { describe, expect, it } from 'vitest'
import { CompartmentKind, compartmentFor, createCompartment, isCompartmentKind, randomDocId, visitCompartment } from '../../src/record/index.ts'
import { OBS_CAT } from './helpers.ts'

describe('compartment kinds', () => {
  it('has the fixed kinds of DESIGN §4', () => {
    expect(Object.values(CompartmentKind)).toEqual(['core', 'results', 'vitals', 'notes', 'documents', 'sensitive', 'audit'])
  })

  it('names visit compartments by grant id', () => {
    expect(visitCompartment('g-1')).toBe('visit:g-1')
    expect(() => visitCompartment('a/b')).toThrow(RangeError)
    expect(() => visitCompartment('')).toThrow(RangeError)
    expect(isCompartmentKind('visit:g-1')).toBe(true)
    expect(isCompartmentKind('visit:')).toBe(false)
    expect(isCompartmentKind('vitals')).toBe(true)
    expect(isCompartmentKind('labs')).toBe(false)
    expect(() => createCompartment({ kind: 'labs' as never, docId: randomDocId() })).toThrow(RangeError)
  })

  it.each([
    ['Patient', 'core'],
    ['AllergyIntolerance', 'core'],
    ['Condition', 'core'],
    ['MedicationStatement', 'core'],
    ['Immunization', 'core'],
    ['Procedure', 'core'],
    ['DiagnosticReport', 'results'],
    ['Encounter', 'notes'],
    ['Composition', 'notes'],
    ['DocumentReference', 'documents'],
    ['AuditEvent', 'audit'],
    ['Device', 'vitals'],
    ['CarePlan', 'notes']
  ])('routes %s to %s', (type, kind) => {
    expect(compartmentFor({ resourceType: type })).toBe(kind)
  })

  it('routes Observations by category', () => {
    const obs = (code: string): { resourceType: string; category: unknown } => ({ resourceType: 'Observation', category: [{ coding: [{ system: OBS_CAT, code }] }] })
    expect(compartmentFor(obs('vital-signs'))).toBe('vitals')
    expect(compartmentFor(obs('activity'))).toBe('vitals')
    expect(compartmentFor(obs('laboratory'))).toBe('results')
    expect(compartmentFor({ resourceType: 'Observation' })).toBe('results')
  })

  it('makes random 16-byte doc ids', () => {
    const a = randomDocId()
    expect(a).toHaveLength(16)
    expect(randomDocId()).not.toEqual(a)
    expect(() => createCompartment({ kind: 'core', docId: new Uint8Array(15) as never })).toThrow(RangeError)
  })
})
