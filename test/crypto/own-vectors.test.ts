/**
 * This project's own known-answer vectors (test/vectors/phr-*.json, made by
 * test/vectors/generate-own.ts): the code must reproduce every byte, so that a change of
 * format is deliberate and another implementation can interoperate.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { concatBytes, createWriter, fromHex, toHex, utf8Encode } from '../../src/lib/index.ts'
import {
  decodeCredential,
  hkdfSha256,
  issueCredential,
  issueDeviceCert,
  openSecret,
  parseWrap,
  personFromEntropy,
  profileOf,
  restorePerson,
  sealSecret,
  sha256,
  unwrapKey,
  verifyDeviceCert,
  verifyProfile,
  wrapKey,
  x25519SharedSecret
} from '../../src/crypto/index.ts'
import { authority, doctor, patient } from './helpers.ts'

function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as T
}

interface PersonJson {
  entropy: string
  did: string
  ed25519SecretKey: string
  ed25519PublicKey: string
  x25519SecretKey: string
  x25519PublicKey: string
  mlkem768PublicKeySha256: string
}

describe('phr-recovery.json', () => {
  const v = load<{ cases: Array<PersonJson & { name: string; phrase: string; mlkem768Seed: string }> }>('phr-recovery.json')
  it.each(v.cases)('$name: phrase → the same keys', (c) => {
    const keys = restorePerson(c.phrase)
    expect(keys).toEqual(personFromEntropy(fromHex(c.entropy)))
    expect(keys.did).toBe(c.did)
    expect(toHex(keys.signing.secretKey)).toBe(c.ed25519SecretKey)
    expect(toHex(keys.signing.publicKey)).toBe(c.ed25519PublicKey)
    expect(toHex(keys.agreement.secretKey)).toBe(c.x25519SecretKey)
    expect(toHex(keys.agreement.publicKey)).toBe(c.x25519PublicKey)
    expect(toHex(sha256(keys.kem.publicKey))).toBe(c.mlkem768PublicKeySha256)
    // the documented derivation, step by step
    const salt = utf8Encode('phr/v1/recovery')
    const entropy = fromHex(c.entropy)
    expect(toHex(hkdfSha256(entropy, salt, utf8Encode('phr/v1/recovery/ed25519'), 32))).toBe(c.ed25519SecretKey)
    expect(toHex(hkdfSha256(entropy, salt, utf8Encode('phr/v1/recovery/x25519'), 32))).toBe(c.x25519SecretKey)
    expect(toHex(hkdfSha256(entropy, salt, utf8Encode('phr/v1/recovery/ml-kem-768'), 64))).toBe(c.mlkem768Seed)
  })
})

describe('phr-wrap.json', () => {
  const v = load<{
    sender: PersonJson
    recipient: PersonJson & { mlkem768PublicKey: string }
    key: string
    docId: string
    epoch: number
    grantId: string
    ephemeralSecretKey: string
    kemMessage: string
    nonce: string
    ephemeralPublicKey: string
    x25519SharedSecret: string
    kemCipherText: string
    kemSharedSecret: string
    hkdfSalt: string
    hkdfInfo: string
    kek: string
    wrap: string
  }>('phr-wrap.json')
  const context = { docId: fromHex(v.docId), epoch: v.epoch, grantId: fromHex(v.grantId) }
  const random = { ephemeralSecretKey: fromHex(v.ephemeralSecretKey), kemMessage: fromHex(v.kemMessage), nonce: fromHex(v.nonce) }

  it('wrapKey reproduces the bytes; unwrapKey recovers the key', () => {
    const d = doctor()
    expect(toHex(d.kem.publicKey)).toBe(v.recipient.mlkem768PublicKey)
    const profile = verifyProfile(profileOf(d, 0))
    expect(toHex(wrapKey(fromHex(v.key), context, patient().signing.secretKey, profile, random))).toBe(v.wrap)
    expect(toHex(unwrapKey(fromHex(v.wrap), d).key)).toBe(v.key)
    expect(parseWrap(fromHex(v.wrap))).toEqual({ ...context, sender: fromHex(v.sender.ed25519PublicKey), recipient: fromHex(v.recipient.ed25519PublicKey) })
  })

  it('intermediates follow DESIGN §8', () => {
    const wrap = fromHex(v.wrap)
    const kemAt = 1 + 16 + 1 + 17 + 32 + 32 + 32
    expect(toHex(wrap.subarray(kemAt - 32, kemAt))).toBe(v.ephemeralPublicKey)
    expect(toHex(wrap.subarray(kemAt, kemAt + 1088))).toBe(v.kemCipherText)
    expect(toHex(x25519SharedSecret(fromHex(v.ephemeralSecretKey), fromHex(v.recipient.x25519PublicKey))!)).toBe(v.x25519SharedSecret)
    expect(toHex(x25519SharedSecret(fromHex(v.recipient.x25519SecretKey), fromHex(v.ephemeralPublicKey))!)).toBe(v.x25519SharedSecret)
    expect(v.hkdfSalt).toBe(v.ephemeralPublicKey + v.recipient.x25519PublicKey)
    const info = createWriter()
      .bytes(utf8Encode('phr/v1/wrap'))
      .bytes(context.docId)
      .varUint(context.epoch)
      .varBytes(context.grantId)
      .bytes(fromHex(v.sender.ed25519PublicKey))
      .bytes(fromHex(v.recipient.ed25519PublicKey))
      .finish()
    expect(toHex(info)).toBe(v.hkdfInfo)
    const ss = concatBytes(fromHex(v.x25519SharedSecret), fromHex(v.kemSharedSecret))
    expect(toHex(hkdfSha256(ss, fromHex(v.hkdfSalt), info, 32))).toBe(v.kek)
  })
})

describe('phr-keystore.json', () => {
  const v = load<{ secret: string; passphrase: string; params: { log2N: number; r: number; p: number }; salt: string; nonce: string; blob: string }>('phr-keystore.json')
  it('sealSecret reproduces the blob; openSecret opens it', async () => {
    const blob = await sealSecret(fromHex(v.secret), v.passphrase, { params: v.params, salt: fromHex(v.salt), nonce: fromHex(v.nonce) })
    expect(toHex(blob)).toBe(v.blob)
    expect(toHex(await openSecret(fromHex(v.blob), v.passphrase))).toBe(v.secret)
  })
})

describe('phr-records.json', () => {
  const v = load<{
    profile: { person: string; issuedAt: number; bytes: string }
    deviceCert: { person: string; peerId: string; name: string; issuedAt: number; bytes: string }
    credential: { did: string; name: string; licence: string; specialty: string; validUntil: number; issuer: string; bytes: string }
  }>('phr-records.json')

  it('profile', () => {
    expect(toHex(profileOf(patient(), v.profile.issuedAt))).toBe(v.profile.bytes)
    expect(verifyProfile(fromHex(v.profile.bytes)).person).toBe(v.profile.person)
  })

  it('device certificate', () => {
    const { peerId, name, issuedAt } = v.deviceCert
    expect(toHex(issueDeviceCert({ peerId, name, issuedAt }, patient().signing.secretKey))).toBe(v.deviceCert.bytes)
    expect(verifyDeviceCert(fromHex(v.deviceCert.bytes))).toEqual({ person: v.deviceCert.person, peerId, name, issuedAt })
  })

  it('practitioner credential', () => {
    const { did, name, licence, specialty, validUntil, issuer } = v.credential
    expect(toHex(issueCredential({ did, name, licence, specialty, validUntil }, authority().signing.secretKey))).toBe(v.credential.bytes)
    expect(decodeCredential(fromHex(v.credential.bytes))).toEqual({ did, name, licence, specialty, validUntil, issuer })
  })
})
