/**
 * Known-answer tests against published vectors (sources in test/vectors/README.md),
 * run through this project's wrappers, not noble directly.
 */
import { readFileSync } from 'node:fs'
import { base58 } from '@scure/base'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex, utf8Encode } from '../../src/lib/index.ts'
import {
  aeadOpen,
  aeadSeal,
  didKeyFromEd25519,
  ed25519FromDidKey,
  ed25519PublicKey,
  ed25519SignRaw,
  ed25519VerifyRaw,
  ed25519VerifyRawAsync,
  ed25519SignRawAsync,
  x25519KeyPair,
  x25519SharedSecret
} from '../../src/crypto/index.ts'
import { sha512 } from '@noble/hashes/sha2.js'

function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as T
}

interface Rfc8032 { tests: Array<{ name: string; secretKey: string; publicKey: string; message: string; signature: string }> }
interface Rfc7748 {
  scalarMult: Array<{ name: string; scalar: string; u: string; output: string }>
  iterated: { start: string; after1: string; after1000: string }
  diffieHellman: { alicePrivate: string; alicePublic: string; bobPrivate: string; bobPublic: string; shared: string }
}
interface XChaChaDraft { key: string; nonce: string; aad: string; plaintext: string; plaintextText: string; ciphertext: string; tag: string }
interface DidKeyVectors { tests: Array<{ did: string; seed: string; publicKeyBase58: string }> }
interface WycheproofEd { testGroups: Array<{ publicKey: string; tests: Array<{ tcId: number; comment: string; msg: string; sig: string; result: string }> }> }
interface WycheproofX { testGroups: Array<{ tests: Array<{ tcId: number; comment: string; flags: string[]; public: string; private: string; shared: string; result: string }> }> }
interface WycheproofAead {
  testGroups: Array<{ ivSize: number; tests: Array<{ tcId: number; comment: string; flags: string[]; key: string; iv: string; aad: string; msg: string; ct: string; tag: string; result: string }> }>
}

describe('RFC 8032 §7.1 Ed25519', () => {
  const { tests } = load<Rfc8032>('rfc8032-ed25519.json')
  it('covers TEST 1, 2, 3, 1024 and SHA(abc)', () => {
    expect(tests.map((t) => t.name)).toEqual(['TEST 1', 'TEST 2', 'TEST 3', 'TEST 1024', 'TEST SHA(abc)'])
    expect(fromHex(tests[3]!.message)).toHaveLength(1023)
    expect(tests[4]!.message).toBe(toHex(sha512(utf8Encode('abc'))))
  })
  it.each(tests)('$name: public key, signature and verification', (t) => {
    const sk = fromHex(t.secretKey)
    const msg = fromHex(t.message)
    expect(toHex(ed25519PublicKey(sk))).toBe(t.publicKey)
    expect(toHex(ed25519SignRaw(sk, msg))).toBe(t.signature)
    expect(ed25519VerifyRaw(fromHex(t.publicKey), msg, fromHex(t.signature))).toBe(true)
    const tampered = fromHex(t.signature)
    tampered[0]! ^= 1
    expect(ed25519VerifyRaw(fromHex(t.publicKey), msg, tampered)).toBe(false)
  })
  it.each(tests)('$name: the platform signer (Web Crypto) gives the same signature', async (t) => {
    expect(toHex(await ed25519SignRawAsync(fromHex(t.secretKey), fromHex(t.message)))).toBe(t.signature)
  })
})

describe('RFC 7748 X25519', () => {
  const v = load<Rfc7748>('rfc7748-x25519.json')
  it.each(v.scalarMult)('$name', (t) => {
    expect(toHex(x25519SharedSecret(fromHex(t.scalar), fromHex(t.u)) ?? new Uint8Array(0))).toBe(t.output)
  })
  it('§5.2 iterated ladder, 1 and 1,000 iterations', () => {
    let k = fromHex(v.iterated.start)
    let u = fromHex(v.iterated.start)
    for (let i = 1; i <= 1000; i++) {
      const next = x25519SharedSecret(k, u)
      if (next === undefined) throw new Error('low order')
      u = k
      k = next
      if (i === 1) expect(toHex(k)).toBe(v.iterated.after1)
    }
    expect(toHex(k)).toBe(v.iterated.after1000)
  })
  it('§6.1 Diffie-Hellman', () => {
    const d = v.diffieHellman
    const alice = x25519KeyPair(fromHex(d.alicePrivate))
    const bob = x25519KeyPair(fromHex(d.bobPrivate))
    expect(toHex(alice.publicKey)).toBe(d.alicePublic)
    expect(toHex(bob.publicKey)).toBe(d.bobPublic)
    expect(toHex(x25519SharedSecret(alice.secretKey, bob.publicKey)!)).toBe(d.shared)
    expect(toHex(x25519SharedSecret(bob.secretKey, alice.publicKey)!)).toBe(d.shared)
  })
})

describe('draft-irtf-cfrg-xchacha-03 A.3.1 XChaCha20-Poly1305', () => {
  const v = load<XChaChaDraft>('xchacha20poly1305-draft03.json')
  it('seals and opens the example', () => {
    expect(toHex(utf8Encode(v.plaintextText))).toBe(v.plaintext)
    const sealed = aeadSeal(fromHex(v.key), fromHex(v.nonce), fromHex(v.aad), fromHex(v.plaintext))
    expect(toHex(sealed)).toBe(v.ciphertext + v.tag)
    expect(toHex(aeadOpen(fromHex(v.key), fromHex(v.nonce), fromHex(v.aad), sealed))).toBe(v.plaintext)
  })
})

describe('W3C did:key Ed25519 test vectors', () => {
  const { tests } = load<DidKeyVectors>('did-key-ed25519.json')
  it.each(tests)('$did', (t) => {
    const pk = ed25519PublicKey(fromHex(t.seed))
    expect(base58.encode(pk)).toBe(t.publicKeyBase58)
    expect(didKeyFromEd25519(pk)).toBe(t.did)
    expect(ed25519FromDidKey(t.did)).toEqual(base58.decode(t.publicKeyBase58))
  })
})

describe('Wycheproof ed25519 (strict RFC 8032 verification)', () => {
  const cases = load<WycheproofEd>('wycheproof-ed25519.json').testGroups.flatMap((g) =>
    g.tests.map((t) => ({ ...t, publicKey: g.publicKey }))
  )
  it('has a few dozen cases, valid and invalid', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50)
    expect(cases.filter((c) => c.result === 'invalid').length).toBeGreaterThanOrEqual(25)
  })
  it.each(cases)('tcId $tcId $comment → $result', (t) => {
    expect(ed25519VerifyRaw(fromHex(t.publicKey), fromHex(t.msg), fromHex(t.sig))).toBe(t.result === 'valid')
  })
  it.each(cases)('through the platform verifier (Node Web Crypto): tcId $tcId → $result', async (t) => {
    expect(await ed25519VerifyRawAsync(fromHex(t.publicKey), fromHex(t.msg), fromHex(t.sig))).toBe(t.result === 'valid')
  })
})

describe('Wycheproof x25519', () => {
  const cases = load<WycheproofX>('wycheproof-x25519.json').testGroups.flatMap((g) => g.tests)
  it.each(cases)('tcId $tcId $comment → $result', (t) => {
    const out = x25519SharedSecret(fromHex(t.private), fromHex(t.public))
    if (t.flags.includes('ZeroSharedSecret')) {
      // RFC 7748 §6.1 allows rejecting the all-zero output; we do (the wrap must not use it)
      expect(out).toBeUndefined()
    } else {
      // "valid" and "acceptable" (twist points): the result must be the correct one
      expect(out && toHex(out)).toBe(t.shared)
    }
  })
})

describe('Wycheproof xchacha20_poly1305', () => {
  const cases = load<WycheproofAead>('wycheproof-xchacha20poly1305.json').testGroups.flatMap((g) => g.tests)
  it.each(cases)('tcId $tcId $comment → $result', (t) => {
    const [key, iv, aad, msg] = [fromHex(t.key), fromHex(t.iv), fromHex(t.aad), fromHex(t.msg)]
    const sealed = fromHex(t.ct + t.tag)
    if (t.result === 'valid') {
      expect(toHex(aeadSeal(key, iv, aad, msg))).toBe(t.ct + t.tag)
      expect(aeadOpen(key, iv, aad, sealed)).toEqual(msg)
    } else if (t.flags.includes('InvalidNonceSize')) {
      expect(() => aeadOpen(key, iv, aad, sealed)).toThrow(RangeError) // our code never builds such a nonce
      expect(() => aeadSeal(key, iv, aad, msg)).toThrow(RangeError)
    } else {
      let err: unknown
      try {
        aeadOpen(key, iv, aad, sealed)
      } catch (e) {
        err = e
      }
      expect((err as Error).name).toBe('DecryptError')
    }
  })
})
