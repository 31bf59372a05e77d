/**
 * The guardian's list of dependents (sealed in their vault): encode/decode round trip for
 * any valid list (fast-check), and named errors for malformed, duplicate, oversized or
 * truncated input; names and birth dates checked as a record takes them.
 */
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { checkPersonDetails, decodeDependents, dependentDbName, encodeDependents, MAX_DEPENDENTS, newDependentId, type DependentEntry } from '../../src/app/dependents.ts'

const entry = (id: string, name = 'Bobur Karimov'): DependentEntry => ({ id, name, birthDate: '2018-03-01', createdAt: 1_764_400_000_000, vaultKey: new Uint8Array(32).fill(7) })

const arbEntry = fc.record({
  id: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('')),
  name: fc.string({ minLength: 1, maxLength: 50 }),
  birthDate: fc.date({ min: new Date('1900-01-01'), max: new Date('2026-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  createdAt: fc.nat(),
  vaultKey: fc.uint8Array({ minLength: 32, maxLength: 32 })
})

describe('dependents list', () => {
  it('round-trips any valid list', () => {
    fc.assert(
      fc.property(fc.uniqueArray(arbEntry, { maxLength: MAX_DEPENDENTS, selector: (e) => e.id }), (list) => {
        expect(decodeDependents(encodeDependents(list))).toEqual(list)
      })
    )
  })

  it('refuses malformed, duplicate, truncated and oversized lists by name', () => {
    const one = encodeDependents([entry('0011223344556677')])
    const dup = encodeDependents([entry('0011223344556677'), entry('8899aabbccddeeff')])
    dup.set(one.subarray(2, 10), 2 + (one.length - 2))
    expect(() => decodeDependents(dup)).toThrow(expect.objectContaining({ name: 'DependentsFormatError' }))
    expect(() => decodeDependents(one.subarray(0, one.length - 1))).toThrow(expect.objectContaining({ name: 'DependentsFormatError' }))
    expect(() => decodeDependents(new Uint8Array([2, 0]))).toThrow(expect.objectContaining({ name: 'DependentsFormatError' }))
    expect(() => decodeDependents(new Uint8Array([1, MAX_DEPENDENTS + 1]))).toThrow(expect.objectContaining({ name: 'DependentsFormatError' }))
    expect(() => encodeDependents(Array.from({ length: MAX_DEPENDENTS + 1 }, () => entry(newDependentId())))).toThrow(RangeError)
    expect(() => encodeDependents([{ ...entry('0011223344556677'), vaultKey: new Uint8Array(31) }])).toThrow(RangeError)
  })

  it('names each dependent’s own database and checks the details', () => {
    const id = newDependentId()
    expect(dependentDbName(id)).toBe(`phr-record-dep-${id}`)
    expect(() => dependentDbName('../own')).toThrow(RangeError)
    const now = Date.UTC(2026, 10, 29)
    expect(checkPersonDetails('  Bobur  ', '2018-03-01', now)).toEqual({ name: 'Bobur', birthDate: '2018-03-01' })
    expect(() => checkPersonDetails(' ', '2018-03-01', now)).toThrow(RangeError)
    expect(() => checkPersonDetails('Bobur', '2030-01-01', now)).toThrow(RangeError)
    expect(() => checkPersonDetails('Bobur', '01/03/2018', now)).toThrow(RangeError)
  })
})
