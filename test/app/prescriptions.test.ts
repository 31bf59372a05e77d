/**
 * E-prescriptions in the app: a prescribing check's warnings hold the signature back until
 * the doctor acknowledges each one (a check that fails counts as a warning); the signed
 * MedicationRequest lands in the visit compartment with its JWS, and the patient's list
 * finds it with a `valid` verdict and its QR text; a changed stored JWS is `tampered`; the
 * pharmacy verifies against the authorities of `/config.json`, and without it trusts none.
 */
import { describe, it, expect } from 'vitest'
import { createTrustList, issueCredential, newDocId, personFromEntropy } from '../../src/crypto/index.ts'
import { createCompartment, type Compartment } from '../../src/record/index.ts'
import type { PrescriptionDraft } from '../../src/consult/index.ts'
import { CHECK_FAILED_WARNING, createPharmacy, listPrescriptions, prescribeInto, type PrescribingContext } from '../../src/app/prescriptions.ts'
import { seq } from '../crypto/fixtures.ts'

const DAY = 86_400_000
const T0 = Date.UTC(2026, 4, 2, 10, 15)
const doctor = personFromEntropy(seq(0x20, 32))
const council = personFromEntropy(seq(0xf0, 32))
const credential = issueCredential({ did: doctor.did, name: 'Dr Nodira Karimova', licence: 'UZ-MED-004217', specialty: 'General practice', validUntil: T0 + 365 * DAY }, council.signing.secretKey)
const prescriber = { secretKey: doctor.signing.secretKey, credential }
const trustList = createTrustList([{ did: council.did, name: 'Medical Council' }])
const draft: PrescriptionDraft = {
  medication: { text: 'Amoxicillin 500 mg capsules' },
  dosage: '1 capsule three times a day for 7 days',
  quantity: { value: 21, unit: 'capsule' },
  repeats: 0,
  validFrom: T0,
  validUntil: T0 + 30 * DAY,
  patient: { name: 'Dilnoza Yusupova', birthDate: '1984-03-12' }
}
const penicillin = { resourceType: 'AllergyIntolerance', id: 'a1', patient: { reference: 'Patient/p' }, code: { text: 'Penicillin' } }
const context: PrescribingContext = { allergies: [penicillin], medications: [], conditions: [], complete: true }
const visit = (): Compartment => createCompartment({ kind: 'visit:g1', docId: newDocId(), clock: () => T0 })
const allergyCheck = (d: PrescriptionDraft, c: PrescribingContext) =>
  /amoxicillin/i.test(d.medication.text ?? '') && c.allergies.some((a) => /penicillin/i.test(JSON.stringify(a)))
    ? [{ code: 'allergy:penicillin', severity: 'high' as const, message: 'Amoxicillin is a penicillin; the patient is allergic to penicillin.', source: 'test rule' }]
    : []

describe('prescribing', () => {
  it('holds the signature back until every warning is acknowledged, then writes it for the patient', async () => {
    const c = visit()
    const first = await prescribeInto(c, draft, { prescriber, context, check: allergyCheck, now: () => T0 })
    expect(first).toEqual({ kind: 'needs-confirmation', warnings: [expect.objectContaining({ code: 'allergy:penicillin', severity: 'high' })] })
    expect(c.resources.list('MedicationRequest')).toEqual([])

    const written = await prescribeInto(c, draft, { prescriber, context, check: allergyCheck, acknowledged: ['allergy:penicillin'], now: () => T0 })
    if (written.kind !== 'written') throw new Error('not written')
    const stored = c.resources.list('MedicationRequest')
    expect(stored).toHaveLength(1)
    expect(stored[0]?.id).toBe(written.id)

    const list = await listPrescriptions([['visit:g1', c]], { trustList, now: () => T0 + DAY })
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({ id: written.id, compartment: 'visit:g1', jws: written.jws, qrText: written.qrText, verdict: { status: 'valid' } })
    const v = list[0]?.verdict
    expect(v !== undefined && 'details' in v ? [v.details.drug, v.details.prescriber.name, v.details.patient.name] : []).toEqual(['Amoxicillin 500 mg capsules', 'Dr Nodira Karimova', 'Dilnoza Yusupova'])
  })

  it('a check that fails is a warning too: prescribing without it is a choice', async () => {
    const c = visit()
    const failing = (): never => {
      throw new Error('insights worker gone')
    }
    const r = await prescribeInto(c, draft, { prescriber, context, check: failing, now: () => T0 })
    expect(r).toMatchObject({ kind: 'needs-confirmation', warnings: [{ code: CHECK_FAILED_WARNING }] })
    expect((await prescribeInto(c, draft, { prescriber, context, check: failing, acknowledged: [CHECK_FAILED_WARNING], now: () => T0 })).kind).toBe('written')
  })

  it('the patient’s list shows a stored JWS that was changed as tampered, and skips unsigned requests', async () => {
    const c = visit()
    const r = await prescribeInto(c, draft, { prescriber, context, now: () => T0 })
    if (r.kind !== 'written') throw new Error('not written')
    const stored = c.resources.get('MedicationRequest', r.id) as unknown as Record<string, unknown>
    const mid = Math.floor(r.jws.length / 2)
    const changed = r.jws.slice(0, mid) + (r.jws[mid] === 'A' ? 'B' : 'A') + r.jws.slice(mid + 1)
    c.resources.put({ ...stored, extension: [{ url: 'urn:phr:fhir:extension:prescription-jws', valueString: changed }] } as never)
    c.resources.put({ resourceType: 'MedicationRequest', id: 'unsigned', status: 'active', intent: 'order', medicationCodeableConcept: { text: 'x' }, subject: { reference: 'Patient/p' } })
    const list = await listPrescriptions([['visit:g1', c]], { trustList, now: () => T0 })
    expect(list.map((p) => [p.id, p.verdict.status])).toEqual([[r.id, 'tampered']])
  })
})

describe('the pharmacy', () => {
  const config = (authorities: unknown[]): typeof fetch => async () => new Response(JSON.stringify({ relays: [], authorities }))

  it('trusts the authorities of /config.json', async () => {
    const c = visit()
    const r = await prescribeInto(c, draft, { prescriber, context, now: () => T0 })
    if (r.kind !== 'written') throw new Error('not written')
    const pharmacy = createPharmacy({ fetch: config([{ did: council.did, name: 'Medical Council' }]), clock: () => T0 + DAY })
    const check = await pharmacy.verify(r.qrText)
    expect(check.authorities).toBe(1)
    expect(check.verdict.status).toBe('valid')
    expect((await pharmacy.verify('hello')).verdict.status).toBe('malformed')
  })

  it('without a config (offline, never online before) trusts no one: unverified prescriber', async () => {
    const c = visit()
    const r = await prescribeInto(c, draft, { prescriber, context, now: () => T0 })
    if (r.kind !== 'written') throw new Error('not written')
    const offline = (async () => {
      throw new TypeError('Failed to fetch')
    }) as unknown as typeof fetch
    const check = await createPharmacy({ fetch: offline, clock: () => T0 + DAY }).verify(r.qrText)
    expect(check.authorities).toBe(0)
    expect(check.verdict.status).toBe('unverified-prescriber')
  })
})
