import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { equalBytes, PhrError } from '../../src/lib/index.ts'
import {
  parseWrap,
  profileOf,
  signLabelled,
  SignatureLabel,
  unwrapKey,
  verifyProfile,
  verifyWrap,
  wrapKey,
  type PersonKeys,
  type UnwrapKeys
} from '../../src/crypto/index.ts'
import { doctor, patient, seq, thrown } from './helpers.ts'

const p = patient()
const d = doctor()
const doctorProfile = verifyProfile(profileOf(d, 1))
const context = { docId: seq(0xd0, 16), epoch: 3, grantId: seq(0x80, 16) }
const key = seq(0x40, 32)
const wrapped = wrapKey(key, context, p.signing.secretKey, doctorProfile)

/** Re-signs modified wrap bytes with the sender's key, so the checks after the signature run. */
function resign(bytes: Uint8Array, sender: PersonKeys = p): Uint8Array {
  const body = bytes.subarray(0, bytes.length - 64)
  const out = bytes.slice()
  out.set(signLabelled(SignatureLabel.wrap, sender.signing.secretKey, body), body.length)
  return out
}

/** Doctor's keys whose ML-KEM secret key throws if anything reads it. */
function guardedKeys(): UnwrapKeys {
  return {
    signing: d.signing,
    agreement: d.agreement,
    kem: {
      get secretKey(): Uint8Array {
        throw new Error('the ML-KEM secret key was read before the signature was checked')
      }
    }
  }
}

describe('hybrid key wrap', () => {
  it('round-trips key and context; parseWrap reads the same header without keys (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.oneof(fc.integer({ min: 0, max: 200 }), fc.maxSafeNat()),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        (k, docId, epoch, grantId) => {
          const bytes = wrapKey(k, { docId, epoch, grantId }, p.signing.secretKey, doctorProfile)
          const header = { docId, epoch, grantId, sender: p.signing.publicKey, recipient: d.signing.publicKey }
          expect(parseWrap(bytes)).toEqual(header)
          expect(verifyWrap(bytes)).toEqual(header)
          expect(unwrapKey(bytes, d)).toEqual({ ...header, key: k })
        }
      ),
      { numRuns: 12 }
    )
  })

  it('is randomised: two wraps of the same key differ, both open', () => {
    const again = wrapKey(key, context, p.signing.secretKey, doctorProfile)
    expect(equalBytes(again, wrapped)).toBe(false)
    expect(unwrapKey(again, d).key).toEqual(key)
  })

  it('is deterministic given injected randomness (for vectors)', () => {
    const random = { ephemeralSecretKey: seq(0xa0, 32), kemMessage: seq(0xc0, 32), nonce: seq(0xe0, 24) }
    const a = wrapKey(key, context, p.signing.secretKey, doctorProfile, random)
    const b = wrapKey(key, context, p.signing.secretKey, doctorProfile, random)
    expect(a).toEqual(b)
    expect(wrapKey(key, context, p.signing.secretKey, doctorProfile, { ...random, nonce: seq(0xe1, 24) })).not.toEqual(a)
  })

  it('checks the signature first: a tampered wrap never touches the secret ML-KEM key', () => {
    for (const i of [20, 200, 1000, wrapped.length - 80, wrapped.length - 10]) {
      const m = wrapped.slice()
      m[i]! ^= 0x01
      expect(thrown(() => unwrapKey(m, guardedKeys())).name).toBe('SignatureInvalidError')
    }
    // and the untampered wrap does read it (the guard works)
    expect(thrown(() => unwrapKey(wrapped, guardedKeys())).message).toMatch(/read before/)
  })

  it('refuses a sender the caller does not allow, before verifying', () => {
    const onlyDoctor = { isAllowedSender: (s: Uint8Array) => equalBytes(s, d.signing.publicKey) }
    expect(thrown(() => unwrapKey(wrapped, d, onlyDoctor)).name).toBe('SenderNotAllowedError')
    const seen: Uint8Array[] = []
    unwrapKey(wrapped, d, { isAllowedSender: (s, h) => (seen.push(s), h.epoch === 3) })
    expect(seen[0]).toEqual(p.signing.publicKey)
  })

  it('a wrap for the doctor does not open for the patient', () => {
    expect(thrown(() => unwrapKey(wrapped, p)).name).toBe('WrapRecipientMismatchError')
  })

  it('signed but wrong inner parts → DecryptError (KEM ciphertext, ephemeral key, nonce, sealed key)', () => {
    const kemAt = 1 + 16 + 1 + 17 + 32 + 32 + 32 // version, docId, epoch, grantId, sender, recipient, eph
    for (const i of [kemAt - 5, kemAt + 3, kemAt + 1088 + 2, kemAt + 1088 + 24 + 5, kemAt + 1088 + 24 + 40]) {
      const m = wrapped.slice()
      m[i]! ^= 0x01
      expect(thrown(() => unwrapKey(resign(m), d)).name).toBe('DecryptError')
    }
    const lowOrder = wrapped.slice()
    lowOrder.fill(0, kemAt - 32, kemAt) // eph_pk = 0: low order
    expect(thrown(() => unwrapKey(resign(lowOrder), d)).name).toBe('DecryptError')
  })

  it('signed but a different context → DecryptError (the KDF binds docId, epoch, grantId)', () => {
    const m = wrapped.slice()
    m[1]! ^= 0x01 // docId
    expect(thrown(() => unwrapKey(resign(m), d)).name).toBe('DecryptError')
    const e = wrapped.slice()
    e[17] = 4 // epoch 3 → 4
    expect(thrown(() => unwrapKey(resign(e), d)).name).toBe('DecryptError')
  })

  it('every single-byte change is rejected with a named error', () => {
    for (let i = 0; i < wrapped.length; i++) {
      const m = wrapped.slice()
      m[i]! ^= 0x01
      const err = thrown(() => unwrapKey(m, d))
      expect(err, `byte ${i}: ${err.name}`).toBeInstanceOf(PhrError)
    }
  })

  it('format: size cap, truncation, trailing bytes, version', () => {
    expect(thrown(() => parseWrap(new Uint8Array(2000))).name).toBe('InputTooLargeError')
    expect(thrown(() => parseWrap(wrapped.subarray(0, wrapped.length - 1))).name).toBe('WrapFormatError')
    expect(thrown(() => parseWrap(Uint8Array.of(...wrapped, 0))).name).toBe('WrapFormatError')
    const v2 = wrapped.slice()
    v2[0] = 2
    expect(thrown(() => parseWrap(v2)).name).toBe('WrapFormatError')
  })

  it('argument errors are TypeError / RangeError', () => {
    expect(() => wrapKey(seq(0, 31), context, p.signing.secretKey, doctorProfile)).toThrow(RangeError)
    expect(() => wrapKey(key, { ...context, grantId: new Uint8Array(0) }, p.signing.secretKey, doctorProfile)).toThrow(RangeError)
    expect(() => wrapKey(key, { ...context, epoch: -1 }, p.signing.secretKey, doctorProfile)).toThrow(RangeError)
    const badKem = doctorProfile.mlkemPublicKey.slice()
    badKem[1] = 0xff
    badKem[0] = 0xff
    expect(() => wrapKey(key, context, p.signing.secretKey, { ...doctorProfile, mlkemPublicKey: badKem })).toThrow(RangeError)
    expect(() => wrapKey(key, context, p.signing.secretKey, { ...doctorProfile, x25519PublicKey: new Uint8Array(32) })).toThrow(/low-order/)
  })
})
