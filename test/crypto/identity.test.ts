import { wordlist } from '@scure/bip39/wordlists/english.js'
import { describe, expect, it } from 'vitest'
import {
  createPerson,
  didKeyFromEd25519,
  entropyFromRecoveryPhrase,
  personFromEntropy,
  recoveryPhraseFromEntropy,
  restorePerson,
  unwrapKey,
  verifyProfile,
  profileOf,
  wipePerson,
  wrapKey
} from '../../src/crypto/index.ts'
import { seq, thrown } from './helpers.ts'

describe('person keys and recovery phrase', () => {
  it('a new person gets 24 words, a did:key and both receiving keys', () => {
    const { phrase, entropy, keys } = createPerson()
    expect(phrase.split(' ')).toHaveLength(24)
    expect(entropy).toHaveLength(32)
    expect(keys.did).toBe(didKeyFromEd25519(keys.signing.publicKey))
    expect(keys.did.startsWith('did:key:z6Mk')).toBe(true)
    expect(keys.agreement.publicKey).toHaveLength(32)
    expect(keys.kem.publicKey).toHaveLength(1184)
    expect(keys.kem.secretKey).toHaveLength(2400)
  })

  it('the phrase restores the same did, X25519 and ML-KEM keys', () => {
    const { phrase, keys } = createPerson()
    const restored = restorePerson(phrase)
    expect(restored.did).toBe(keys.did)
    expect(restored.signing).toEqual(keys.signing)
    expect(restored.agreement).toEqual(keys.agreement)
    expect(restored.kem).toEqual(keys.kem)
  })

  it('a restored person can unwrap keys wrapped for the original', () => {
    const { phrase, keys } = createPerson()
    const sender = createPerson().keys
    const key = seq(1, 32)
    const wrapped = wrapKey(key, { docId: seq(0, 16), epoch: 1, grantId: seq(9, 4) }, sender.signing.secretKey, verifyProfile(profileOf(keys, 5)))
    expect(unwrapKey(wrapped, restorePerson(phrase)).key).toEqual(key)
  })

  it('derivation is deterministic and each key uses its own label', () => {
    const a = personFromEntropy(seq(0, 32))
    const b = personFromEntropy(seq(0, 32))
    expect(a).toEqual(b)
    expect(a.signing.secretKey).not.toEqual(a.agreement.secretKey)
    expect(personFromEntropy(seq(1, 32)).did).not.toBe(a.did)
  })

  it('normalises case and whitespace of a typed phrase', () => {
    const entropy = seq(0x55, 32)
    const phrase = recoveryPhraseFromEntropy(entropy)
    const typed = `  ${phrase.toUpperCase().split(' ').join('   \n')}\t`
    expect(entropyFromRecoveryPhrase(typed)).toEqual(entropy)
  })

  const phrase = recoveryPhraseFromEntropy(seq(0x10, 32))
  const words = phrase.split(' ')
  const swapLast = [...words.slice(0, 23), wordlist[(wordlist.indexOf(words[23]!) + 1) % 2048]!].join(' ')
  const cases: Array<[string, string]> = [
    ['bad checksum (last word changed)', swapLast],
    ['two words swapped', [words[1], words[0], ...words.slice(2)].join(' ')],
    ['a word not in the list', ['zzzz', ...words.slice(1)].join(' ')],
    ['a misspelt word', [words[0] + 'x', ...words.slice(1)].join(' ')],
    ['23 words', words.slice(0, 23).join(' ')],
    ['25 words', [...words, words[0]].join(' ')],
    ['12 valid words (BIP39, but not our 24)', 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'],
    ['empty', ''],
    ['very long', 'abandon '.repeat(500)]
  ]
  it.each(cases)('rejects %s with RecoveryPhraseError', (_, bad) => {
    const err = thrown(() => restorePerson(bad))
    expect(err.name).toBe('RecoveryPhraseError')
  })

  it('names the position of an unknown word', () => {
    expect(thrown(() => entropyFromRecoveryPhrase([...words.slice(0, 4), 'notaword', ...words.slice(5)].join(' '))).message).toMatch(/word 5/)
  })

  it('wipePerson zeroes the secret keys', () => {
    const keys = personFromEntropy(seq(3, 32))
    wipePerson(keys)
    expect(keys.signing.secretKey.every((b) => b === 0)).toBe(true)
    expect(keys.agreement.secretKey.every((b) => b === 0)).toBe(true)
    expect(keys.kem.secretKey.every((b) => b === 0)).toBe(true)
  })

  it('rejects entropy of the wrong length', () => {
    expect(() => personFromEntropy(new Uint8Array(16))).toThrow(RangeError)
    expect(() => createPerson({ entropy: new Uint8Array(31) })).toThrow(RangeError)
  })
})

describe('rotated epoch keys', () => {
  it('are the same on every device of the person, differ per compartment, epoch and person, and refuse bad input', async () => {
    const { deriveEpochKey, deriveEpochSeed, newDocId, createPerson, hkdfSha256 } = await import('../../src/crypto/index.ts')
    const entropy = createPerson().entropy
    const seed = deriveEpochSeed(entropy)
    const docA = newDocId()
    const docB = newDocId()
    const k1 = deriveEpochKey(seed, docA, 1)
    expect(deriveEpochKey(deriveEpochSeed(entropy.slice()), docA, 1)).toEqual(k1)
    expect(k1).toHaveLength(32)
    const others = [deriveEpochKey(seed, docA, 2), deriveEpochKey(seed, docB, 1), deriveEpochKey(deriveEpochSeed(createPerson().entropy), docA, 1)]
    for (const k of others) expect(k).not.toEqual(k1)
    // RFC 5869 HKDF-SHA256: salt = doc id, info = label ‖ epoch (u32 BE), from the seed
    const info = new Uint8Array([...new TextEncoder().encode('phr/v1/epoch-key'), 0, 0, 0, 1])
    expect(hkdfSha256(seed, docA, info, 32)).toEqual(k1)
    // the seed is not any of the person's own keys
    const person = createPerson({ entropy }).keys
    expect(seed).not.toEqual(person.signing.secretKey)
    expect(() => deriveEpochKey(seed, docA, 0)).toThrow(RangeError)
    expect(() => deriveEpochKey(seed, docA, 2 ** 32)).toThrow(RangeError)
    expect(() => deriveEpochKey(seed.subarray(1), docA, 1)).toThrow()
    expect(() => deriveEpochSeed(new Uint8Array(31))).toThrow()
  })
})
