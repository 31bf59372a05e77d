import { describe, expect, it } from 'vitest'
import { ResourceInvalidError, ResourceTooLargeError, validateResource, type FhirResource } from '../../src/record/index.ts'
import { compartment, validResources } from './helpers.ts'

const MIB = 1 << 20

function invalid(resource: unknown): ResourceInvalidError {
  try {
    validateResource(resource, MIB)
  } catch (err) {
    expect(err).toBeInstanceOf(ResourceInvalidError)
    expect((err as Error).name).toBe('ResourceInvalidError')
    return err as ResourceInvalidError
  }
  throw new Error('expected a ResourceInvalidError')
}

/** Deletes a dotted path like `content[0].attachment` from a copy. */
function without(r: FhirResource, path: string): FhirResource {
  const copy = structuredClone(r) as Record<string, unknown>
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.')
  let cur = copy
  for (const p of parts.slice(0, -1)) cur = cur[p] as Record<string, unknown>
  delete cur[parts.at(-1) as string]
  return copy as FhirResource
}

// FHIR R4 required elements (min cardinality ≥ 1) of each type, from the R4 resource pages
const REQUIRED: [type: string, path: string, remove?: string][] = [
  ['AllergyIntolerance', 'patient'],
  ['Condition', 'subject'],
  ['MedicationStatement', 'status'],
  ['MedicationStatement', 'medication[x]', 'medicationCodeableConcept'],
  ['MedicationStatement', 'subject'],
  ['MedicationRequest', 'status'],
  ['MedicationRequest', 'intent'],
  ['MedicationRequest', 'medication[x]', 'medicationCodeableConcept'],
  ['MedicationRequest', 'subject'],
  ['Immunization', 'status'],
  ['Immunization', 'vaccineCode'],
  ['Immunization', 'patient'],
  ['Immunization', 'occurrence[x]', 'occurrenceDateTime'],
  ['Procedure', 'status'],
  ['Procedure', 'subject'],
  ['Observation', 'status'],
  ['Observation', 'code'],
  ['DiagnosticReport', 'status'],
  ['DiagnosticReport', 'code'],
  ['Encounter', 'status'],
  ['Encounter', 'class'],
  ['DocumentReference', 'status'],
  ['DocumentReference', 'content'],
  ['DocumentReference', 'content[0].attachment'],
  ['Consent', 'status'],
  ['Consent', 'scope'],
  ['Consent', 'category'],
  ['AuditEvent', 'type'],
  ['AuditEvent', 'recorded'],
  ['AuditEvent', 'agent'],
  ['AuditEvent', 'agent[0].requestor'],
  ['AuditEvent', 'source'],
  ['AuditEvent', 'source.observer'],
  ['DetectedIssue', 'status'],
  ['Flag', 'status'],
  ['Flag', 'code'],
  ['Flag', 'subject'],
  ['Composition', 'status'],
  ['Composition', 'type'],
  ['Composition', 'date'],
  ['Composition', 'author'],
  ['Composition', 'title']
]

describe('required elements', () => {
  it('accepts a minimal valid resource of every known type', () => {
    for (const r of Object.values(validResources())) expect(() => validateResource(r, MIB)).not.toThrow()
  })

  it.each(REQUIRED)('%s.%s is required', (type, path, remove) => {
    const r = validResources()[type] as FhirResource
    const err = invalid(without(r, remove ?? path))
    expect(err.field).toBe(`${type}.${path}`)
    expect(err.message).toMatch(new RegExp(`^${`${type}.${path}`.replace(/[.[\]]/g, '\\$&')} is required`))
  })

  it('rejects an empty required array as missing', () => {
    const r = { ...validResources()['Composition'], author: [] } as FhirResource
    const err = invalid(r)
    expect(err.field).toBe('Composition.author')
    expect(err.message).toMatch(/^Composition.author is required/)
  })

  it('rejects a required element of the wrong type, naming it', () => {
    const err = invalid({ ...validResources()['Observation'], code: 'heart rate' })
    expect(err.field).toBe('Observation.code')
    expect(err.message).toBe('Observation.code must be an object')
  })

  it('rejects both choices of medication[x] at once', () => {
    const r = { ...validResources()['MedicationStatement'], medicationReference: { reference: 'Medication/m1' } }
    expect(invalid(r).field).toBe('MedicationStatement.medication[x]')
  })

  it('rejects an AuditEvent.recorded that is not an instant', () => {
    const err = invalid({ ...validResources()['AuditEvent'], recorded: '2024-01-01' })
    expect(err.field).toBe('AuditEvent.recorded')
  })
})

// R4 required bindings
const BAD_CODES: [type: string, element: string][] = [
  ['Observation', 'status'],
  ['DiagnosticReport', 'status'],
  ['MedicationStatement', 'status'],
  ['MedicationRequest', 'status'],
  ['MedicationRequest', 'intent'],
  ['Immunization', 'status'],
  ['Procedure', 'status'],
  ['Encounter', 'status'],
  ['DocumentReference', 'status'],
  ['Consent', 'status'],
  ['DetectedIssue', 'status'],
  ['Flag', 'status'],
  ['Composition', 'status'],
  ['Medication', 'status'],
  ['Device', 'status'],
  ['Patient', 'gender'],
  ['AllergyIntolerance', 'criticality']
]

describe('required bindings', () => {
  it.each(BAD_CODES)('%s.%s must be in its value set', (type, element) => {
    const err = invalid({ ...validResources()[type], [element]: 'bogus' })
    expect(err.field).toBe(`${type}.${element}`)
    expect(err.message).toContain('must be one of')
  })

  it('accepts every R4 Observation.status', () => {
    for (const s of ['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown']) {
      expect(() => validateResource({ ...validResources()['Observation'], status: s }, MIB)).not.toThrow()
    }
  })

  it('checks AllergyIntolerance.category items', () => {
    expect(invalid({ ...validResources()['AllergyIntolerance'], category: ['food', 'pollen'] }).field).toBe('AllergyIntolerance.category[1]')
  })

  it('checks HL7 codings of Condition.clinicalStatus and verificationStatus', () => {
    const sys = 'http://terminology.hl7.org/CodeSystem/condition-clinical'
    const err = invalid({ ...validResources()['Condition'], clinicalStatus: { coding: [{ system: sys, code: 'cured' }] } })
    expect(err.field).toBe('Condition.clinicalStatus.coding[0].code')
    const ok = { ...validResources()['Condition'], clinicalStatus: { coding: [{ system: sys, code: 'remission' }] } }
    expect(() => validateResource(ok, MIB)).not.toThrow()
    // codings of other systems are translations, not checked
    const other = { ...validResources()['Condition'], verificationStatus: { coding: [{ system: 'urn:local', code: 'x' }] } }
    expect(() => validateResource(other, MIB)).not.toThrow()
  })

  it('checks the dates the index reads', () => {
    const err = invalid({ ...validResources()['Observation'], effectiveDateTime: 'yesterday' })
    expect(err.field).toBe('Observation.effectiveDateTime')
    expect(invalid({ ...validResources()['Encounter'], period: { start: '2024-02-30' } }).field).toBe('Encounter.period.start')
  })
})

describe('identity', () => {
  it.each([['observation'], ['O'], ['Observation1'], [''], [42], [undefined]])('rejects resourceType %j', (t) => {
    expect(invalid({ resourceType: t, id: 'a' }).field).toBe('resourceType')
  })

  it.each([['a/b'], ['x'.repeat(65)], [''], ['a b'], [7]])('rejects id %j', (id) => {
    const err = invalid({ resourceType: 'Patient', id })
    expect(err.field).toBe('Patient.id')
  })

  it('requires an id', () => {
    expect(invalid({ resourceType: 'Patient' }).message).toBe('Patient.id is required')
  })

  it('accepts and keeps unknown resource types with a valid identity', () => {
    const c = compartment()
    const r = { resourceType: 'CarePlan', id: 'cp-1', status: 'active', intent: 'plan', note: [{ text: 'walk daily' }] }
    c.resources.put(r)
    expect(c.resources.get('CarePlan', 'cp-1')).toMatchObject(r)
  })

  it('rejects a non-object', () => {
    expect(invalid('Patient').field).toBe('resource')
    expect(invalid([]).field).toBe('resource')
  })
})

describe('plain JSON only', () => {
  const base = { resourceType: 'Basic', id: 'b1' }
  class Thing {
    x = 1
  }
  it.each([
    ['undefined in an array', [1, undefined], 'Basic.x[1]'],
    ['a function', () => 1, 'Basic.x'],
    ['NaN', Number.NaN, 'Basic.x'],
    ['Infinity', Number.POSITIVE_INFINITY, 'Basic.x'],
    ['a Date', new Date(0), 'Basic.x'],
    ['a Map', new Map(), 'Basic.x'],
    ['a class instance', new Thing(), 'Basic.x'],
    ['a bigint', 1n, 'Basic.x'],
    ['a Uint8Array', new Uint8Array(1), 'Basic.x'],
    ['a lone surrogate', 'a\ud800b', 'Basic.x'],
    ['a symbol', Symbol('s'), 'Basic.x']
  ])('rejects %s, naming the path', (_what, value, field) => {
    expect(invalid({ ...base, x: value }).field).toBe(field)
  })

  it('leaves out properties set to undefined, as JSON does', () => {
    expect(validateResource({ ...base, x: undefined, y: { z: undefined } }, MIB).resource).toEqual({ ...base, y: {} })
  })

  it('rejects holes in arrays, naming the index', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(invalid({ ...base, x: [1, , 3] }).field).toBe('Basic.x[1]')
  })

  it('rejects a __proto__ key', () => {
    expect(invalid(JSON.parse('{"resourceType":"Basic","id":"b1","x":{"__proto__":{"a":1}}}')).field).toBe('Basic.x.__proto__')
  })

  it('rejects cycles and deep nesting', () => {
    const cyclic: Record<string, unknown> = { ...base }
    cyclic['self'] = cyclic
    expect(invalid(cyclic).message).toContain('nests deeper')
    let deep: unknown = 1
    for (let i = 0; i < 80; i++) deep = { d: deep }
    expect(invalid({ ...base, deep }).message).toContain('nests deeper')
  })

  it('stores a copy: later changes to the input do not reach the record, and reads are frozen', () => {
    const c = compartment()
    const input = { resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] } }
    c.resources.put(input)
    input.code.coding[0]!.code = 'changed'
    const got = c.resources.get('Observation', 'o1')
    expect(got?.code.coding?.[0]?.code).toBe('8867-4')
    expect(Object.isFrozen(got)).toBe(true)
    expect(Object.isFrozen(got?.code.coding?.[0])).toBe(true)
  })
})

describe('size cap', () => {
  it('rejects a resource over 1 MiB serialised with a named error', () => {
    const big = { resourceType: 'Basic', id: 'b1', text: 'x'.repeat(MIB) }
    expect(() => validateResource(big, MIB)).toThrow(ResourceTooLargeError)
    try {
      compartment().resources.put(big)
    } catch (err) {
      expect((err as Error).name).toBe('ResourceTooLargeError')
      expect((err as ResourceTooLargeError).maxBytes).toBe(MIB)
    }
  })

  it('counts UTF-8 bytes and honours a custom cap', () => {
    const c = compartment({ maxResourceBytes: 200 })
    expect(() => c.resources.put({ resourceType: 'Basic', id: 'b', note: 'ж'.repeat(80) })).toThrow(ResourceTooLargeError)
    expect(() => c.resources.put({ resourceType: 'Basic', id: 'b', note: 'z'.repeat(80) })).not.toThrow()
  })
})
