/**
 * The platform Ed25519 verifier in Chromium (Web Crypto) gives the strict RFC 8032 answer
 * on every Wycheproof case, as noble does (test/vectors/README.md names the source).
 */
import { describe, expect, it } from 'vitest'
import { fromHex } from '../../src/lib/index.ts'
import { ed25519VerifyRaw, ed25519VerifyRawAsync, generateSigningKeyPair, signLabelled, SignatureLabel, verifyLabelledAsync } from '../../src/crypto/index.ts'
import wycheproof from '../vectors/wycheproof-ed25519.json' with { type: 'json' }

interface Group { publicKey: string; tests: Array<{ tcId: number; comment: string; msg: string; sig: string; result: string }> }

describe('platform Ed25519 in Chromium', () => {
  it('has Ed25519 in Web Crypto (else this test proves nothing)', async () => {
    const key = await crypto.subtle.importKey('raw', new Uint8Array(32).fill(0).map((_, i) => (i === 0 ? 1 : 0)), { name: 'Ed25519' }, false, ['verify'])
    expect(key.algorithm.name).toBe('Ed25519')
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
})
