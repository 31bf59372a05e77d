/**
 * The owner material a first device hands a new one: it round-trips, and anything
 * malformed, oversized or belonging to another person is refused by name.
 */
import { describe, it, expect } from 'vitest'
import { createPerson } from '../../src/crypto/index.ts'
import { addCompartment, type Keyring } from '../../src/consent/index.ts'
import { decodeOwnerMaterial, encodeOwnerMaterial, MAX_OWNER_MATERIAL_BYTES } from '../../src/app/owner-material.ts'

function keyring(): Keyring {
  const k: Keyring = new Map()
  addCompartment(k, 'core')
  addCompartment(k, 'vitals')
  return k
}

describe('owner material', () => {
  it('round-trips the person and the keyring', () => {
    const { entropy, keys } = createPerson()
    const ring = keyring()
    const out = decodeOwnerMaterial(encodeOwnerMaterial(entropy, ring), keys.did)
    expect(out.person.did).toBe(keys.did)
    expect([...out.keyring.keys()]).toEqual([...ring.keys()])
    for (const [hex, c] of ring) expect(out.keyring.get(hex)?.epochs.get(0)).toEqual(c.epochs.get(0))
  })

  it("refuses the keys of another person than the link named (fail closed)", () => {
    const { entropy } = createPerson()
    const other = createPerson().keys
    expect(() => decodeOwnerMaterial(encodeOwnerMaterial(entropy, keyring()), other.did)).toThrow(expect.objectContaining({ name: 'OwnerMaterialError' }))
  })

  it('refuses truncated, trailing, unknown-version and oversized bytes', () => {
    const { entropy, keys } = createPerson()
    const good = encodeOwnerMaterial(entropy, keyring())
    const bad = [good.subarray(0, good.length - 1), new Uint8Array([...good, 0]), new Uint8Array([2, ...good.subarray(1)]), new Uint8Array(MAX_OWNER_MATERIAL_BYTES + 1)]
    for (const b of bad) expect(() => decodeOwnerMaterial(b, keys.did)).toThrow(expect.objectContaining({ name: 'OwnerMaterialError' }))
  })

  it('refuses to encode entropy of the wrong length', () => {
    expect(() => encodeOwnerMaterial(new Uint8Array(31), keyring())).toThrow(RangeError)
  })
})
