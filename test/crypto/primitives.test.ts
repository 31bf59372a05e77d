import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../src/lib/index.ts'
import { aeadOpen, aeadSeal, hkdfSha256, newDocId, newEpochKey, randomBytes } from '../../src/crypto/index.ts'
import { seq, thrown } from './helpers.ts'

describe('AEAD wrapper', () => {
  const key = seq(1, 32)
  const nonce = seq(2, 24)

  it('seal/open round-trip; any change of key, nonce, aad or ciphertext → DecryptError (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 20 }), fc.nat(), (pt, aad, at) => {
        const ct = aeadSeal(key, nonce, aad, pt)
        expect(aeadOpen(key, nonce, aad, ct)).toEqual(pt)
        const m = ct.slice()
        m[at % m.length]! ^= 1
        expect(thrown(() => aeadOpen(key, nonce, aad, m)).name).toBe('DecryptError')
        expect(thrown(() => aeadOpen(seq(3, 32), nonce, aad, ct)).name).toBe('DecryptError')
        expect(thrown(() => aeadOpen(key, seq(3, 24), aad, ct)).name).toBe('DecryptError')
        expect(thrown(() => aeadOpen(key, nonce, Uint8Array.of(...aad, 0), ct)).name).toBe('DecryptError')
      }),
      { numRuns: 50 }
    )
  })

  it('writes into a caller-provided view (no extra copy) with the same result', () => {
    const pt = seq(9, 100)
    const buf = new Uint8Array(7 + 116 + 5)
    const view = buf.subarray(7, 7 + 116)
    const out = aeadSeal(key, nonce, seq(0, 3), pt, view)
    expect(out.buffer).toBe(buf.buffer)
    expect(out).toEqual(aeadSeal(key, nonce, seq(0, 3), pt))
    expect(() => aeadSeal(key, nonce, seq(0, 3), pt, new Uint8Array(115))).toThrow(RangeError)
  })

  it('a ciphertext shorter than the tag is a DecryptError, not a library error', () => {
    expect(thrown(() => aeadOpen(key, nonce, new Uint8Array(0), seq(0, 15))).name).toBe('DecryptError')
  })

  it('HKDF-SHA256 reproduces RFC 5869 A.1 and separates by info', () => {
    const v = JSON.parse(readFileSync(new URL('../vectors/rfc5869-hkdf-sha256.json', import.meta.url), 'utf8')) as Record<string, string>
    const okm = hkdfSha256(fromHex(v['ikm']!), fromHex(v['salt']!), fromHex(v['info']!), Number(v['length']))
    expect(toHex(okm)).toBe(v['okm'])
    expect(hkdfSha256(fromHex(v['ikm']!), fromHex(v['salt']!), Uint8Array.of(2), 42)).not.toEqual(okm)
    expect(() => hkdfSha256(seq(0, 22), seq(0, 13), Uint8Array.of(1), 255 * 32 + 1)).toThrow(RangeError)
  })

  it('fresh ids and keys have the right size and differ', () => {
    expect(newDocId()).toHaveLength(16)
    expect(newEpochKey()).toHaveLength(32)
    expect(newEpochKey()).not.toEqual(newEpochKey())
    expect(randomBytes(0)).toHaveLength(0)
    expect(() => randomBytes(-1)).toThrow(RangeError)
  })
})
