import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { addCompartment, decodeKeyring, encodeKeyring, epochKeyOf, openVaultItem, sealVaultItem, type Keyring } from '../../src/consent/index.ts'
import { newEpochKey } from '../../src/crypto/index.ts'
import { toHex } from '../../src/lib/index.ts'
import { fuzzRuns } from '../helpers/fuzz.ts'

function sampleKeyring(n: number): Keyring {
  const k: Keyring = new Map()
  for (let i = 0; i < n; i++) {
    const c = addCompartment(k, i === 0 ? 'core' : `visit:g${i}`)
    if (i % 2 === 1) {
      c.epochs.set(1, newEpochKey())
      c.current = 1
    }
  }
  return k
}

describe('keyring', () => {
  it('round-trips every compartment, kind, epoch and key', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), (n) => {
        const k = sampleKeyring(n)
        const back = decodeKeyring(encodeKeyring(k))
        expect([...back.keys()]).toEqual([...k.keys()])
        for (const [hex, c] of k) {
          const b = back.get(hex)!
          expect(b.kind).toBe(c.kind)
          expect(b.current).toBe(c.current)
          expect([...b.epochs].map(([e, key]) => [e, toHex(key)])).toEqual([...c.epochs].map(([e, key]) => [e, toHex(key)]))
        }
      }),
      { numRuns: 50 }
    )
  })

  it('finds an epoch key, and none for an unknown doc or epoch', () => {
    const k = sampleKeyring(2)
    const [first] = k.values()
    expect(epochKeyOf(k, first!.docId, 0)).toBe(first!.epochs.get(0))
    expect(epochKeyOf(k, first!.docId, 9)).toBeUndefined()
    expect(epochKeyOf(k, new Uint8Array(16), 0)).toBeUndefined()
  })

  it('refuses malformed bytes with KeyringFormatError only', () => {
    const good = encodeKeyring(sampleKeyring(3))
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
        const b = good.slice()
        b[i]! ^= x
        return b
      }), fc.nat(good.length - 1).map((n) => good.slice(0, n))), (bytes) => {
        try {
          decodeKeyring(bytes)
        } catch (err) {
          expect((err as Error).name).toBe('KeyringFormatError')
        }
      }),
      { numRuns: fuzzRuns(20_000, 200_000) }
    )
  })
})

describe('vault items', () => {
  it('open only with the same key and purpose', () => {
    const key = newEpochKey()
    const sealed = sealVaultItem(key, 'keyring', new Uint8Array([1, 2, 3]))
    expect(openVaultItem(key, 'keyring', sealed)).toEqual(new Uint8Array([1, 2, 3]))
    expect(() => openVaultItem(newEpochKey(), 'keyring', sealed)).toThrow(expect.objectContaining({ name: 'DecryptError' }))
    expect(() => openVaultItem(key, 'device', sealed)).toThrow(expect.objectContaining({ name: 'DecryptError' }))
    const flipped = sealed.slice()
    flipped[30]! ^= 1
    expect(() => openVaultItem(key, 'keyring', flipped)).toThrow(expect.objectContaining({ name: 'DecryptError' }))
  })
})
