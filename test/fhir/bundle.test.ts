import { describe, expect, it } from 'vitest'
import { readBundle, parseBundleJson, BundleFormatError, READABLE_BUNDLE_TYPES } from '../../src/fhir/index.ts'
import { fixture, MINIMAL, NO_INFO } from './helpers.ts'

describe('readBundle', () => {
  it('returns every resource of the IPS document, the Composition first', () => {
    const read = readBundle(fixture(MINIMAL))
    expect(read.type).toBe('document')
    expect(read.rejected).toEqual([])
    expect(read.resources.map((r) => r.resourceType)).toEqual([
      'Composition', 'Patient', 'Practitioner', 'Organization', 'Condition', 'MedicationStatement', 'Medication', 'AllergyIntolerance'
    ])
    expect(read.entries[1]?.fullUrl).toBe('urn:uuid:7685713c-e29e-4a75-8a90-45be7ba3be94')
    expect(readBundle(fixture(NO_INFO)).resources).toHaveLength(8)
  })

  it.each(['collection', 'transaction', 'searchset', 'document', 'batch-response', 'history', 'batch'])('reads a %s Bundle', (type) => {
    const read = readBundle({ resourceType: 'Bundle', type, entry: [{ resource: { resourceType: 'Patient', id: 'p' } }] })
    expect(read.resources).toEqual([{ resourceType: 'Patient', id: 'p' }])
    expect(READABLE_BUNDLE_TYPES).toContain(type)
  })

  it('reports each bad entry with its index and goes on', () => {
    const read = readBundle({
      resourceType: 'Bundle',
      type: 'batch-response',
      entry: [
        { resource: { resourceType: 'Patient', id: 'a' } },
        { response: { status: '201 Created' } },
        'junk',
        { resource: { id: 'no-type' } },
        { resource: [1, 2] },
        { request: { method: 'DELETE', url: 'Patient/x' } },
        { resource: { resourceType: 'Observation', id: 'o' } }
      ]
    })
    expect(read.resources.map((r) => r.id)).toEqual(['a', 'o'])
    expect(read.rejected.map((r) => r.index)).toEqual([1, 2, 3, 4, 5])
    expect(read.rejected[0]?.reason).toMatch(/response without a resource/)
    expect(read.rejected[1]?.reason).toMatch(/not a JSON object/)
    expect(read.rejected[2]?.reason).toMatch(/no resourceType/)
    expect(read.rejected[4]?.reason).toMatch(/DELETE request/)
  })

  it('throws BundleFormatError for what is not a readable Bundle', () => {
    for (const bad of [null, 42, 'Bundle', [], { resourceType: 'Patient' }, { resourceType: 'Bundle' }, { resourceType: 'Bundle', type: 'message' }, { resourceType: 'Bundle', type: 'collection', entry: {} }]) {
      expect(() => readBundle(bad), JSON.stringify(bad)).toThrow(BundleFormatError)
    }
    expect(() => readBundle({ resourceType: 'Observation' })).toThrow(expect.objectContaining({ name: 'BundleFormatError' }) as Error)
  })

  it('an empty Bundle has no resources', () => {
    expect(readBundle({ resourceType: 'Bundle', type: 'searchset', total: 0 })).toMatchObject({ resources: [], rejected: [] })
  })

  it('parseBundleJson caps the size before parsing and names a JSON error', () => {
    expect(() => parseBundleJson('{"resourceType":"Bundle"', 1000)).toThrow(BundleFormatError)
    expect(() => parseBundleJson(' '.repeat(2000), 1000)).toThrow(expect.objectContaining({ name: 'InputTooLargeError' }) as Error)
    expect(parseBundleJson('{"resourceType":"Bundle","type":"collection"}').resources).toEqual([])
  })
})
