/**
 * Ed25519 keys as JWKs (RFC 8037 §2), checked against RFC 8037 Appendix A: the JWK made
 * from the published seed is the published one, and `jose` signs with it to exactly the
 * published JWS (Ed25519 is deterministic) and verifies it with the public JWK alone.
 */
import { describe, it, expect } from 'vitest'
import { CompactSign, compactVerify, base64url } from 'jose'
import { ed25519PrivateJwk, ed25519PublicJwk, generateSigningKeyPair } from '../../src/crypto/index.ts'
import vector from '../vectors/rfc8037-ed25519-jws.json' with { type: 'json' }

describe('Ed25519 JWK (RFC 8037)', () => {
  const seed = base64url.decode(vector.privateJwk.d)
  const publicKey = base64url.decode(vector.publicJwk.x)

  it('makes the RFC 8037 A.1 and A.2 keys from the seed and the public key', () => {
    expect(ed25519PrivateJwk(seed)).toEqual(vector.privateJwk)
    expect(ed25519PublicJwk(publicKey)).toEqual(vector.publicJwk)
  })

  it('signs to the RFC 8037 A.4 JWS with jose and verifies it (A.5) with the public JWK', async () => {
    const jws = await new CompactSign(new TextEncoder().encode(vector.payload)).setProtectedHeader(vector.protectedHeader).sign(ed25519PrivateJwk(seed))
    expect(jws).toBe(vector.jws)
    const { payload } = await compactVerify(vector.jws, ed25519PublicJwk(publicKey), { algorithms: ['EdDSA'] })
    expect(new TextDecoder().decode(payload)).toBe(vector.payload)
  })

  it('a JWS verifies only with the key that made it', async () => {
    const a = generateSigningKeyPair()
    const b = generateSigningKeyPair()
    const jws = await new CompactSign(new Uint8Array([1, 2, 3])).setProtectedHeader({ alg: 'EdDSA' }).sign(ed25519PrivateJwk(a.secretKey))
    await expect(compactVerify(jws, ed25519PublicJwk(a.publicKey))).resolves.toBeDefined()
    await expect(compactVerify(jws, ed25519PublicJwk(b.publicKey))).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' })
  })

  it('validates its arguments', () => {
    expect(() => ed25519PrivateJwk(new Uint8Array(31))).toThrow(RangeError)
    expect(() => ed25519PublicJwk(new Uint8Array(33))).toThrow(RangeError)
    expect(() => ed25519PublicJwk('x' as unknown as Uint8Array)).toThrow(TypeError)
    // y = 2 is not on edwards25519: not a public key
    const notAPoint = new Uint8Array(32)
    notAPoint[0] = 2
    expect(() => ed25519PublicJwk(notAPoint)).toThrow(RangeError)
  })
})
