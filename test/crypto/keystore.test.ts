import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PhrError } from '../../src/lib/index.ts'
import { DEFAULT_SCRYPT_PARAMS, derivePassphraseKey, keystoreParams, openSecret, sealSecret } from '../../src/crypto/index.ts'
import { rejected, seq } from './helpers.ts'

/** Cheap parameters for tests; production uses DEFAULT_SCRYPT_PARAMS (N = 2^16). */
const FAST = { log2N: 4, r: 8, p: 1 }

describe('key store', () => {
  it('seals and opens; parameters round-trip through the blob (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 200 }),
        fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.normalize('NFKC').length > 0 && !/\p{Cs}/u.test(s)),
        fc.record({ log2N: fc.integer({ min: 1, max: 6 }), r: fc.integer({ min: 1, max: 8 }), p: fc.integer({ min: 1, max: 2 }) }),
        async (secret, passphrase, params) => {
          const blob = await sealSecret(secret, passphrase, { params })
          expect(keystoreParams(blob)).toEqual(params)
          expect(await openSecret(blob, passphrase)).toEqual(secret)
        }
      ),
      { numRuns: 40 }
    )
  })

  it('defaults to N = 2^16, r = 8, p = 1', () => {
    expect(DEFAULT_SCRYPT_PARAMS).toEqual({ log2N: 16, r: 8, p: 1 })
  })

  it('wrong passphrase → WrongPassphraseError, never garbage', async () => {
    const blob = await sealSecret(seq(1, 32), 'correct horse', { params: FAST })
    for (const wrong of ['correct hors', 'Correct horse', 'correct horse ', 'x']) {
      expect((await rejected(() => openSecret(blob, wrong))).name).toBe('WrongPassphraseError')
    }
  })

  it('normalises the passphrase (NFKC), so a composed and a decomposed é open the same blob', async () => {
    const blob = await sealSecret(seq(1, 8), 'caf\u00e9', { params: FAST })
    expect(await openSecret(blob, 'cafe\u0301')).toEqual(seq(1, 8))
  })

  it('every flipped byte → a named error (corruption is told apart from a wrong passphrase)', async () => {
    const blob = await sealSecret(seq(7, 16), 'pw', { params: FAST })
    const names = new Set<string>()
    for (let i = 0; i < blob.length; i++) {
      const m = blob.slice()
      m[i]! ^= 0x04
      const err = await rejected(() => openSecret(m, 'pw'))
      expect(err).toBeInstanceOf(PhrError)
      names.add(err.name)
    }
    expect([...names]).toEqual(['KeystoreFormatError']) // the checksum catches every accidental flip
  })

  it('a deliberate change with a recomputed checksum is still refused (AEAD over the header)', async () => {
    const { sha256 } = await import('../../src/crypto/index.ts')
    const blob = await sealSecret(seq(7, 16), 'pw', { params: FAST, salt: seq(0, 16), nonce: seq(0, 24) })
    for (const i of [4, 7, 12, 30, 40, blob.length - 9]) {
      const m = blob.slice()
      m[i]! ^= 0x01
      m.set(sha256(m.subarray(0, m.length - 8)).subarray(0, 8), m.length - 8)
      const err = await rejected(() => openSecret(m, 'pw'))
      expect(['KeystoreFormatError', 'WrongPassphraseError']).toContain(err.name)
    }
  })

  it('refuses blobs whose parameters exceed the memory limit, before deriving', async () => {
    const blob = await sealSecret(seq(7, 16), 'pw', { params: { log2N: 10, r: 8, p: 1 } }) // 1 MiB
    expect((await rejected(() => openSecret(blob, 'pw', { maxMemoryBytes: 512 * 1024 }))).name).toBe('KeystoreFormatError')
    expect(await openSecret(blob, 'pw', { maxMemoryBytes: 1024 * 1024 })).toEqual(seq(7, 16))
  })

  it('malformed input: named errors', async () => {
    expect((await rejected(() => openSecret(new Uint8Array(0), 'pw'))).name).toBe('KeystoreFormatError')
    expect((await rejected(() => openSecret(seq(0, 100), 'pw'))).name).toBe('KeystoreFormatError')
    expect((await rejected(() => openSecret(new Uint8Array(100_000), 'pw'))).name).toBe('InputTooLargeError')
  })

  it('argument errors are TypeError / RangeError', async () => {
    await expect(sealSecret(seq(0, 4), '', { params: FAST })).rejects.toThrow(RangeError)
    await expect(sealSecret('x' as unknown as Uint8Array, 'pw')).rejects.toThrow(TypeError)
    await expect(sealSecret(seq(0, 4), 'pw', { params: { log2N: 31, r: 8, p: 1 } })).rejects.toThrow(RangeError)
    await expect(sealSecret(seq(0, 4), 'pw', { salt: new Uint8Array(8) })).rejects.toThrow(RangeError)
  })
})

describe('derivePassphraseKey', () => {
  const params = { log2N: 10, r: 8, p: 1 }
  const salt = seq(0, 16)
  it('is scrypt over the NFKC form: the same key for the same passphrase, another for another salt or passphrase', async () => {
    const a = await derivePassphraseKey('caf\u00e9', salt, params)
    expect(a).toHaveLength(32)
    expect(await derivePassphraseKey('cafe\u0301', salt, params)).toEqual(a)
    expect(await derivePassphraseKey('cafe', salt, params)).not.toEqual(a)
    expect(await derivePassphraseKey('caf\u00e9', seq(1, 16), params)).not.toEqual(a)
  })
  it('refuses a short salt, an empty passphrase and parameters over the memory cap', async () => {
    await expect(derivePassphraseKey('x', seq(0, 8), params)).rejects.toThrow(RangeError)
    await expect(derivePassphraseKey('', salt, params)).rejects.toThrow(RangeError)
    await expect(derivePassphraseKey('x', salt, { log2N: 20, r: 8, p: 1 }, { maxMemoryBytes: 1024 * 1024 })).rejects.toThrow(RangeError)
  })
})
