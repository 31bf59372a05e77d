/**
 * E-prescriptions in Chromium: jose signs with the browser's WebCrypto Ed25519 (from a JWK
 * made of the project's keys) and verifies; the JWS of test/vectors/phr-prescription.json,
 * made in Node, verifies here too; a changed character is `tampered` here as in Node.
 */
import { describe, it, expect } from 'vitest'
import { createTrustList, issueCredential, personFromEntropy } from '../../src/crypto/index.ts'
import { signPrescription, verifyPrescription, type PrescriptionDraft } from '../../src/consult/index.ts'
import vector from '../vectors/phr-prescription.json' with { type: 'json' }

const DAY = 86_400_000
const T0 = Date.UTC(2026, 4, 2, 10, 15)
const seq = (start: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (start + i) & 0xff)
const doctor = personFromEntropy(seq(0x20))
const council = personFromEntropy(seq(0xf0))
const trustList = createTrustList([{ did: council.did, name: 'Medical Council' }])

describe('e-prescriptions in Chromium', () => {
  it('has WebCrypto Ed25519 (jose needs it)', async () => {
    const key = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])
    expect(key.publicKey.algorithm.name).toBe('Ed25519')
  })

  it('signs with jose and WebCrypto, and verifies', async () => {
    const credential = issueCredential({ did: doctor.did, name: 'Dr Nodira Karimova', licence: 'UZ-MED-004217', specialty: 'General practice', validUntil: T0 + 365 * DAY }, council.signing.secretKey)
    const draft: PrescriptionDraft = {
      medication: { text: 'Amoxicillin 500 mg capsules' },
      dosage: '1 capsule three times a day for 7 days',
      quantity: { value: 21, unit: 'capsule' },
      repeats: 0,
      validFrom: T0,
      validUntil: T0 + 30 * DAY,
      patient: { name: 'Dilnoza Yusupova' }
    }
    const { jws, qrText } = await signPrescription(draft, { secretKey: doctor.signing.secretKey, credential }, { now: () => T0 })
    const v = await verifyPrescription(qrText, { trustList, now: () => T0 + DAY })
    expect(v.status).toBe('valid')
    if (!('details' in v)) throw new Error('no details')
    expect(v.details.drug).toBe('Amoxicillin 500 mg capsules')
    expect(v.details.prescriber.authorityName).toBe('Medical Council')
    const mid = Math.floor(jws.length / 2)
    const changed = jws.slice(0, mid) + (jws[mid] === 'A' ? 'B' : 'A') + jws.slice(mid + 1)
    expect((await verifyPrescription(changed, { trustList, now: () => T0 + DAY })).status).toBe('tampered')
    expect((await verifyPrescription(jws, { trustList, now: () => T0 + 31 * DAY })).status).toBe('expired')
  })

  it('verifies the JWS Node made (test/vectors/phr-prescription.json)', async () => {
    const v = await verifyPrescription(vector.qrText, { trustList: createTrustList([{ did: vector.authority, name: 'Test authority' }]), now: () => vector.authoredOn })
    expect(v.status).toBe('valid')
    if (!('details' in v)) throw new Error('no details')
    expect(v.details.resource).toEqual(vector.resource)
    expect(v.details.prescriber.did).toBe(vector.doctor)
  })
})
