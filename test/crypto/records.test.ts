/** Profiles, device certificates and practitioner credentials. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PhrError } from '../../src/lib/index.ts'
import {
  checkCredential,
  createTrustList,
  decodeCredential,
  generateSigningKeyPair,
  issueCredential,
  issueDeviceCert,
  isMlKem768PublicKey,
  profileOf,
  signProfile,
  verifyCredential,
  verifyDeviceCert,
  verifyProfile
} from '../../src/crypto/index.ts'
import { authority, doctor, patient, peerIdOf, seq, thrown } from './helpers.ts'

const text = fc.string({ unit: 'grapheme', maxLength: 40 })
const time = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })

/** Every single-byte change of `bytes` (xor 0x01 and 0x80) must throw a named error. */
function everyByteFlipRejected(bytes: Uint8Array, decode: (b: Uint8Array) => unknown): void {
  for (let i = 0; i < bytes.length; i++) {
    for (const x of [0x01, 0x80]) {
      const m = bytes.slice()
      m[i]! ^= x
      const err = thrown(() => decode(m))
      expect(err, `byte ${i} ^ ${x}: ${err.name} ${err.message}`).toBeInstanceOf(PhrError)
    }
  }
}

describe('profile', () => {
  const p = patient()

  it('round-trips (property over issuedAt)', () => {
    fc.assert(
      fc.property(time, (issuedAt) => {
        const profile = verifyProfile(profileOf(p, issuedAt))
        expect(profile).toEqual({ person: p.did, x25519PublicKey: p.agreement.publicKey, mlkemPublicKey: p.kem.publicKey, issuedAt })
      }),
      { numRuns: 15 }
    )
  })

  it('rejects a profile signed by someone else than the person it names', () => {
    const bytes = profileOf(p, 1).slice()
    const other = profileOf(doctor(), 1)
    bytes.set(other.subarray(1, 33), 1) // swap in the doctor's root key, keep the patient's signature
    expect(thrown(() => verifyProfile(bytes)).name).toBe('SignatureInvalidError')
  })

  it('rejects an ML-KEM key that fails the FIPS 203 modulus check, and a low-order X25519 key', () => {
    const badKem = p.kem.publicKey.slice()
    badKem[0] = 0xff
    badKem[1] = 0x0f // first coefficient 0xfff = 4095 ≥ 3329
    expect(isMlKem768PublicKey(badKem)).toBe(false)
    expect(thrown(() => verifyProfile(signProfile({ x25519PublicKey: p.agreement.publicKey, mlkemPublicKey: badKem, issuedAt: 1 }, p.signing.secretKey))).name).toBe('ProfileFormatError')
    const lowOrder = new Uint8Array(32) // u = 0
    expect(thrown(() => verifyProfile(signProfile({ x25519PublicKey: lowOrder, mlkemPublicKey: p.kem.publicKey, issuedAt: 1 }, p.signing.secretKey))).name).toBe('ProfileFormatError')
  })

  it('every single-byte change is rejected with a named error', () => {
    // every position outside the 1184-byte ML-KEM key, and every 16th position inside it
    const bytes = profileOf(p, 1700000000000)
    const kemStart = 1 + 32 + 32
    const kemEnd = kemStart + 1184
    for (let i = 0; i < bytes.length; i += i >= kemStart && i < kemEnd ? 16 : 1) {
      const m = bytes.slice()
      m[i]! ^= 0x01
      const err = thrown(() => verifyProfile(m))
      expect(err, `byte ${i}: ${err.name}`).toBeInstanceOf(PhrError)
    }
  })

  it('caps the size before parsing', () => {
    expect(thrown(() => verifyProfile(new Uint8Array(5000))).name).toBe('InputTooLargeError')
    expect(thrown(() => verifyProfile(new Uint8Array(10))).name).toBe('ProfileFormatError')
  })
})

describe('device certificate', () => {
  const p = patient()
  const device = generateSigningKeyPair(seq(0x33, 32))
  const peerId = peerIdOf(device.publicKey)

  it('round-trips (property over name and issuedAt)', () => {
    fc.assert(
      fc.property(text, time, (name, issuedAt) => {
        const cert = verifyDeviceCert(issueDeviceCert({ peerId, name, issuedAt }, p.signing.secretKey))
        expect(cert).toEqual({ person: p.did, peerId, name, issuedAt })
      }),
      { numRuns: 20 }
    )
  })

  it('binds the PeerId and the person', () => {
    const bytes = issueDeviceCert({ peerId, name: 'Phone', issuedAt: 1 }, p.signing.secretKey)
    expect(verifyDeviceCert(bytes, { peerId, person: p.did }).peerId).toBe(peerId)
    const otherPeer = peerIdOf(generateSigningKeyPair(seq(0x34, 32)).publicKey)
    expect(thrown(() => verifyDeviceCert(bytes, { peerId: otherPeer })).name).toBe('DeviceCertMismatchError')
    expect(thrown(() => verifyDeviceCert(bytes, { person: doctor().did })).name).toBe('DeviceCertMismatchError')
  })

  it('every single-byte change is rejected with a named error', () => {
    everyByteFlipRejected(issueDeviceCert({ peerId, name: "Anna's phone", issuedAt: 1700000000000 }, p.signing.secretKey), (b) => verifyDeviceCert(b))
  })

  it('refuses to issue for something that is not a PeerId, or with bad fields', () => {
    expect(() => issueDeviceCert({ peerId: 'not-a-peer-id', name: 'x', issuedAt: 1 }, p.signing.secretKey)).toThrow(RangeError)
    expect(() => issueDeviceCert({ peerId, name: 'x'.repeat(300), issuedAt: 1 }, p.signing.secretKey)).toThrow(RangeError)
    expect(() => issueDeviceCert({ peerId, name: 'x', issuedAt: -1 }, p.signing.secretKey)).toThrow(RangeError)
  })
})

describe('practitioner credential', () => {
  const d = doctor()
  const auth = authority()
  const trustList = createTrustList([{ did: auth.did, name: 'Medical Council' }])
  const base = { did: d.did, name: 'Dr Ada Example', licence: 'GMC-7654321', specialty: 'General practice', validUntil: 2_000_000 }
  const bytes = issueCredential(base, auth.signing.secretKey)

  it('round-trips (property over the text fields and validUntil)', () => {
    fc.assert(
      fc.property(text, text, text, time, (name, licence, specialty, validUntil) => {
        const cred = { did: d.did, name, licence, specialty, validUntil }
        expect(decodeCredential(issueCredential(cred, auth.signing.secretKey))).toEqual({ ...cred, issuer: auth.did })
      }),
      { numRuns: 20 }
    )
  })

  it('verifies while valid (validUntil inclusive) under an injected clock', () => {
    expect(verifyCredential(bytes, { trustList, now: () => 1_999_999 })).toEqual({ ...base, issuer: auth.did })
    expect(verifyCredential(bytes, { trustList, now: () => 2_000_000 }).name).toBe('Dr Ada Example')
    const verdict = checkCredential(bytes, { trustList, now: () => 0 })
    expect(verdict.status).toBe('verified')
    expect(verdict.status === 'verified' && verdict.authorityName).toBe('Medical Council')
  })

  it('expired → CredentialExpiredError / verdict "expired"', () => {
    expect(thrown(() => verifyCredential(bytes, { trustList, now: () => 2_000_001 })).name).toBe('CredentialExpiredError')
    expect(checkCredential(bytes, { trustList, now: () => 2_000_001 }).status).toBe('expired')
  })

  it('untrusted authority → UntrustedAuthorityError / verdict "untrusted"', () => {
    const rogue = generateSigningKeyPair(seq(0x99, 32))
    const forged = issueCredential(base, rogue.secretKey)
    expect(thrown(() => verifyCredential(forged, { trustList, now: () => 0 })).name).toBe('UntrustedAuthorityError')
    expect(checkCredential(forged, { trustList, now: () => 0 }).status).toBe('untrusted')
    expect(checkCredential(bytes, { trustList: createTrustList([]), now: () => 0 }).status).toBe('untrusted')
  })

  it('tampered → SignatureInvalidError / verdict "invalid"', () => {
    const tampered = bytes.slice()
    tampered[tampered.indexOf(0x41)]! ^= 0x20 // 'A' of "Ada" → 'a'
    expect(decodeCredential(bytes).name).toBe('Dr Ada Example')
    expect(thrown(() => verifyCredential(tampered, { trustList, now: () => 0 })).name).toBe('SignatureInvalidError')
    const verdict = checkCredential(tampered, { trustList, now: () => 0 })
    expect(verdict.status).toBe('invalid')
    expect(verdict.status === 'invalid' && verdict.error.name).toBe('SignatureInvalidError')
  })

  it('every single-byte change is rejected (never a different valid credential)', () => {
    everyByteFlipRejected(bytes, (b) => verifyCredential(b, { trustList, now: () => 0 }))
  })

  it('a credential signature does not verify as a device cert of the same bytes', () => {
    expect(thrown(() => verifyDeviceCert(bytes)).name).toMatch(/DeviceCertFormatError|SignatureInvalidError/)
  })

  it('trust list validates its entries', () => {
    expect(thrown(() => createTrustList([{ did: 'did:web:x', name: 'x' }])).name).toBe('DidKeyError')
    expect(trustList.has(auth.did)).toBe(true)
    expect(trustList.has(d.did)).toBe(false)
    expect(trustList.size).toBe(1)
  })
})
