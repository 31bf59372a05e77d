/**
 * The e-prescription vector (test/vectors/phr-prescription.json, made by
 * test/vectors/generate-own.ts): signing the same draft with the same keys at the same time
 * reproduces the JWS byte for byte (Ed25519 is deterministic; Node's DEFLATE too), and it
 * verifies. The browser test verifies the same JWS in Chromium.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createTrustList } from '../../src/crypto/index.ts'
import { fromHex } from '../../src/lib/index.ts'
import { signPrescription, verifyPrescription, type PrescriptionDraft } from '../../src/consult/index.ts'
import { authority, doctor } from '../crypto/helpers.ts'

const v = JSON.parse(readFileSync(new URL('../vectors/phr-prescription.json', import.meta.url), 'utf8')) as {
  doctor: string
  authority: string
  credential: string
  draft: PrescriptionDraft
  authoredOn: number
  id: string
  protectedHeader: Record<string, unknown>
  resource: Record<string, unknown>
  jws: string
  qrText: string
}

describe('phr-prescription.json', () => {
  it('is reproduced byte for byte and verifies', async () => {
    expect(doctor().did).toBe(v.doctor)
    const signed = await signPrescription(v.draft, { secretKey: doctor().signing.secretKey, credential: fromHex(v.credential) }, { now: () => v.authoredOn, id: v.id })
    expect(signed.resource).toEqual(v.resource)
    expect(signed.jws).toBe(v.jws)
    expect(signed.qrText).toBe(v.qrText)
    const verdict = await verifyPrescription(v.qrText, { trustList: createTrustList([{ did: authority().did, name: 'Test authority' }]), now: () => v.authoredOn })
    expect(verdict.status).toBe('valid')
  })
})
