/**
 * The platform Ed25519 verifier in Chromium (Web Crypto) gives the strict RFC 8032 answer
 * on every Wycheproof case, as noble does (test/vectors/README.md names the source); the
 * platform signer gives the RFC 8032 §7.1 signatures and noble's on any key and message.
 */
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../src/lib/index.ts'
import { ed25519SignRawAsync, ed25519VerifyRaw, ed25519VerifyRawAsync, generateSigningKeyPair, signLabelled, signLabelledAsync, SignatureLabel, verifyLabelledAsync } from '../../src/crypto/index.ts'
import rfc8032 from '../vectors/rfc8032-ed25519.json' with { type: 'json' }
import wycheproof from '../vectors/wycheproof-ed25519.json' with { type: 'json' }

interface Group { publicKey: string; tests: Array<{ tcId: number; comment: string; msg: string; sig: string; result: string }> }

describe('platform Ed25519 in Chromium', () => {
  it('has Ed25519 in Web Crypto (else this test proves nothing)', async () => {
    const key = await crypto.subtle.importKey('raw', new Uint8Array(32).fill(0).map((_, i) => (i === 0 ? 1 : 0)), { name: 'Ed25519' }, false, ['verify'])
    expect(key.algorithm.name).toBe('Ed25519')
    // and signing keys from a seed, as RFC 8410 wraps it (what the platform signer imports)
    const pkcs8 = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, ...new Uint8Array(32).fill(7))
    const signing = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign'])
    expect(signing.usages).toEqual(['sign'])
  })
  it('agrees with strict noble on every Wycheproof case', async () => {
    const cases = (wycheproof as unknown as { testGroups: Group[] }).testGroups.flatMap((g) => g.tests.map((t) => ({ ...t, publicKey: g.publicKey })))
    expect(cases.length).toBeGreaterThanOrEqual(50)
    const disagreements: number[] = []
    for (const t of cases) {
      const expected = t.result === 'valid'
      const got = await ed25519VerifyRawAsync(fromHex(t.publicKey), fromHex(t.msg), fromHex(t.sig))
      expect(ed25519VerifyRaw(fromHex(t.publicKey), fromHex(t.msg), fromHex(t.sig))).toBe(expected)
      if (got !== expected) disagreements.push(t.tcId)
    }
    expect(disagreements).toEqual([])
  })
  it('verifies a labelled signature and refuses it under another label or with one bit changed', async () => {
    const { publicKey, secretKey } = generateSigningKeyPair()
    const msg = new TextEncoder().encode('an envelope')
    const sig = signLabelled(SignatureLabel.envelope, secretKey, msg)
    expect(await verifyLabelledAsync(SignatureLabel.envelope, publicKey, msg, sig)).toBe(true)
    expect(await verifyLabelledAsync(SignatureLabel.deviceCert, publicKey, msg, sig)).toBe(false)
    const bad = sig.slice()
    bad[5] = (bad[5] as number) ^ 1
    expect(await verifyLabelledAsync(SignatureLabel.envelope, publicKey, msg, bad)).toBe(false)
  })
  it('signs as RFC 8032 §7.1 says, and as noble does on random keys and messages', async () => {
    const { tests } = rfc8032 as unknown as { tests: Array<{ name: string; secretKey: string; message: string; signature: string }> }
    expect(tests.length).toBe(5)
    for (const t of tests) expect(toHex(await ed25519SignRawAsync(fromHex(t.secretKey), fromHex(t.message)))).toBe(t.signature)
    for (const size of [0, 1, 100, 32 * 1024, 300_000]) {
      const { secretKey } = generateSigningKeyPair()
      const msg = new Uint8Array(size)
      for (let at = 0; at < size; at += 65536) crypto.getRandomValues(msg.subarray(at, at + 65536))
      expect(toHex(await signLabelledAsync(SignatureLabel.envelope, secretKey, msg))).toBe(toHex(signLabelled(SignatureLabel.envelope, secretKey, msg)))
    }
  })
})
