/**
 * Domain separation: no signature or ciphertext made for one message type is valid as
 * another (DESIGN §5).
 */
import { describe, expect, it } from 'vitest'
import { PhrError } from '../../src/lib/index.ts'
import {
  AeadLabel,
  decodeCredential,
  issueCredential,
  issueDeviceCert,
  KdfLabel,
  parseWrap,
  profileOf,
  SignatureLabel,
  verifyDeviceCert,
  verifyLabelled,
  verifyProfile,
  verifyWrap,
  wrapKey,
  generateSigningKeyPair
} from '../../src/crypto/index.ts'
import { openEnvelope, sealEnvelope, verifyEnvelope } from '../../src/envelope/index.ts'
import { authority, doctor, patient, peerIdOf, seq, thrown } from './helpers.ts'

const signatureLabels = Object.values(SignatureLabel)
/** Labels that are prepended to a message (signatures, AEAD associated data). */
const prefixLabels = [...signatureLabels, ...Object.values(AeadLabel)]

describe('labels', () => {
  it('that prefix a message are distinct and none is a prefix of another (so label ‖ message parses one way)', () => {
    expect(new Set(prefixLabels).size).toBe(prefixLabels.length)
    for (const a of prefixLabels) {
      for (const b of prefixLabels) {
        if (a !== b) expect(b.startsWith(a), `${a} is a prefix of ${b}`).toBe(false)
      }
    }
  })

  it('for key derivation are distinct whole HKDF inputs', () => {
    const kdf = Object.values(KdfLabel)
    expect(new Set(kdf).size).toBe(kdf.length)
  })

  it('are versioned under phr/v1/', () => {
    for (const l of [...prefixLabels, ...Object.values(KdfLabel)]) expect(l).toMatch(/^phr\/v1\/[a-z0-9/-]+$/)
  })
})

describe('cross-type signatures', () => {
  const p = patient()
  const d = doctor()
  const docId = seq(0xd0, 16)
  const epochKey = seq(0x40, 32)
  const profileBytes = profileOf(p, 1)
  const certBytes = issueDeviceCert({ peerId: peerIdOf(generateSigningKeyPair(seq(7, 32)).publicKey), name: 'Phone', issuedAt: 1 }, p.signing.secretKey)
  const credBytes = issueCredential({ did: d.did, name: 'Dr', licence: 'L', specialty: 'GP', validUntil: 10 }, authority().signing.secretKey)
  const wrapBytes = wrapKey(epochKey, { docId, epoch: 0, grantId: seq(1, 8) }, p.signing.secretKey, verifyProfile(profileOf(d, 1)))
  const envelopeBytes = sealEnvelope({ docId, epoch: 0, author: p.signing.publicKey, seq: 1, kind: 'update' }, seq(0, 10), {
    epochKey,
    authorSecretKey: p.signing.secretKey
  })

  /** (label it was signed with, signer public key, signed bytes, signature) of each type. */
  const signed = [
    { type: SignatureLabel.profile, key: p.signing.publicKey, bytes: profileBytes },
    { type: SignatureLabel.deviceCert, key: p.signing.publicKey, bytes: certBytes },
    { type: SignatureLabel.credential, key: authority().signing.publicKey, bytes: credBytes },
    { type: SignatureLabel.wrap, key: p.signing.publicKey, bytes: wrapBytes },
    { type: SignatureLabel.envelope, key: p.signing.publicKey, bytes: envelopeBytes }
  ]

  it.each(signed)('a $type signature verifies only under its own label', ({ type, key, bytes }) => {
    const body = bytes.subarray(0, bytes.length - 64)
    const sig = bytes.subarray(bytes.length - 64)
    for (const label of signatureLabels) {
      expect(verifyLabelled(label, key, body, sig), `${type} checked as ${label}`).toBe(label === type)
    }
  })

  const decoders: Array<[string, (b: Uint8Array) => unknown]> = [
    ['profile', verifyProfile],
    ['device cert', verifyDeviceCert],
    ['credential', decodeCredential],
    ['wrap', verifyWrap],
    ['wrap header', parseWrap],
    ['envelope', (b) => verifyEnvelope(b)],
    ['envelope open', (b) => openEnvelope(b, { epochKey: () => epochKey })]
  ]

  it('bytes of one type never decode as another, and always fail with a named error', () => {
    const samples: Array<[string, Uint8Array]> = [
      ['profile', profileBytes],
      ['device cert', certBytes],
      ['credential', credBytes],
      ['wrap', wrapBytes],
      ['envelope', envelopeBytes]
    ]
    for (const [sampleType, bytes] of samples) {
      for (const [decoderType, decode] of decoders) {
        if (decoderType.startsWith(sampleType)) {
          expect(() => decode(bytes)).not.toThrow()
          continue
        }
        const err = thrown(() => decode(bytes))
        expect(err, `${sampleType} fed to ${decoderType}: ${err.name}`).toBeInstanceOf(PhrError)
      }
    }
  })
})
