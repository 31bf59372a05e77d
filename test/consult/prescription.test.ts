/**
 * E-prescriptions: a doctor with a licence from a trusted authority signs a
 * MedicationRequest; the pharmacy's verdict is `valid` for it as scanned (the QR text) and
 * as copied (the bare JWS), and names the drug, dose, patient, prescriber, licence,
 * authority and validity. One changed character gives `tampered`; a date outside the
 * validity period `expired` / `not-yet-valid`; a licence from an authority the app does not
 * trust, an expired licence, someone else's licence or none `unverified-prescriber`; and
 * anything that is not a prescription, oversized or a decompression bomb, `malformed` —
 * always as a verdict, never as an exception.
 */
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import QRCode from 'qrcode'
import { base64url, CompactSign } from 'jose'
import { createTrustList, ed25519PrivateJwk, issueCredential, personFromEntropy, type PersonKeys } from '../../src/crypto/index.ts'
import {
  jwsFromPrescriptionText,
  MAX_PRESCRIPTION_TEXT_CHARS,
  prescriptionQrText,
  prescriptionSignatureOf,
  signPrescription,
  verifyPrescription,
  withPrescriptionSignature,
  type PrescriptionDraft,
  type PrescriptionVerdict
} from '../../src/consult/index.ts'
import { seq } from '../crypto/fixtures.ts'

const DAY = 86_400_000
const T0 = Date.UTC(2026, 4, 2, 10, 15)
const doctor = personFromEntropy(seq(0x20, 32))
const otherDoctor = personFromEntropy(seq(0x40, 32))
const council = personFromEntropy(seq(0xf0, 32))
const unknownAuthority = personFromEntropy(seq(0x60, 32))
const trustList = createTrustList([{ did: council.did, name: 'Medical Council of Uzbekistan' }])

function licence(to: PersonKeys, by: PersonKeys = council, validUntil = T0 + 365 * DAY): Uint8Array {
  return issueCredential({ did: to.did, name: 'Dr Nodira Karimova', licence: 'UZ-MED-004217', specialty: 'General practice', validUntil }, by.signing.secretKey)
}

const draft: PrescriptionDraft = {
  medication: { rxnorm: { code: '314076', display: 'lisinopril 10 MG Oral Tablet' } },
  dosage: '1 tablet once daily in the morning',
  quantity: { value: 30, unit: 'tablet' },
  repeats: 2,
  validFrom: T0,
  validUntil: T0 + 90 * DAY,
  patient: { name: 'Dilnoza Yusupova', birthDate: '1984-03-12' }
}

const at = (t: number) => ({ trustList, now: () => t })
const sign = (d: PrescriptionDraft = draft, keys: { secretKey: Uint8Array; credential?: Uint8Array } = { secretKey: doctor.signing.secretKey, credential: licence(doctor) }) =>
  signPrescription(d, keys, { now: () => T0, id: 'rx-0123456789abcdef' })

/** A JWS made by hand (to test what signPrescription never makes), signed with `key`. */
async function craft(header: Record<string, unknown>, payload: Uint8Array, key: PersonKeys = doctor): Promise<string> {
  return new CompactSign(payload).setProtectedHeader(header as { alg: string }).sign(ed25519PrivateJwk(key.signing.secretKey))
}
async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer())
}
const baseHeader = { alg: 'EdDSA', typ: 'phr-rx', zip: 'DEF', kid: doctor.did }
const errorName = (v: PrescriptionVerdict): string | undefined => ('error' in v ? v.error.name : undefined)

/** `text` with the character at `i` replaced by another of the same alphabet. */
function changeAt(text: string, i: number): string {
  const c = text[i] ?? ''
  const next = /[0-9]/.test(c) ? String((Number(c) + 1) % 10) : c === 'A' ? 'B' : 'A'
  return text.slice(0, i) + next + text.slice(i + 1)
}

describe('signing and verifying a prescription', () => {
  it('is valid as scanned and as copied, and says what, for whom, by whom and until when', async () => {
    const rx = await sign()
    expect(rx.qrText.startsWith('phr-rx:')).toBe(true)
    expect(jwsFromPrescriptionText(rx.qrText)).toBe(rx.jws)
    for (const text of [rx.qrText, rx.jws, `  ${rx.qrText}\n`]) {
      const v = await verifyPrescription(text, at(T0 + DAY))
      expect(v.status).toBe('valid')
      if (!('details' in v)) throw new Error('no details')
      expect(v.details).toMatchObject({
        id: 'rx-0123456789abcdef',
        drug: 'lisinopril 10 MG Oral Tablet',
        rxnorm: { code: '314076', display: 'lisinopril 10 MG Oral Tablet' },
        dosage: '1 tablet once daily in the morning',
        quantity: { value: 30, unit: 'tablet' },
        repeats: 2,
        validFrom: T0,
        validUntil: T0 + 90 * DAY,
        authoredOn: T0,
        patient: { name: 'Dilnoza Yusupova', birthDate: '1984-03-12' },
        prescriber: { did: doctor.did, credential: 'verified', name: 'Dr Nodira Karimova', licence: 'UZ-MED-004217', specialty: 'General practice', authority: council.did, authorityName: 'Medical Council of Uzbekistan' }
      })
      expect(v.details.resource).toEqual(rx.resource)
    }
  })

  it('writes a FHIR R4 MedicationRequest with dose, quantity, repeats and validity where R4 puts them', async () => {
    const { resource } = await sign({ ...draft, medication: { text: 'Amoxicillin 500 mg capsules' }, note: 'Take with food' })
    expect(resource).toMatchObject({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: '#p' },
      contained: [{ resourceType: 'Patient', id: 'p', name: [{ text: 'Dilnoza Yusupova' }], birthDate: '1984-03-12' }],
      medicationCodeableConcept: { text: 'Amoxicillin 500 mg capsules' },
      requester: { display: 'Dr Nodira Karimova' },
      dosageInstruction: [{ text: '1 tablet once daily in the morning' }],
      dispenseRequest: { validityPeriod: { start: '2026-05-02T10:15:00.000Z', end: '2026-07-31T10:15:00.000Z' }, numberOfRepeatsAllowed: 2, quantity: { value: 30, unit: 'tablet' } },
      note: [{ text: 'Take with food' }]
    })
    // the record keeps the JWS beside the resource, and finds it again
    const stored = withPrescriptionSignature(resource, 'a.b.c')
    expect(prescriptionSignatureOf(stored)).toBe('a.b.c')
    expect(prescriptionSignatureOf(resource)).toBeUndefined()
    expect(prescriptionSignatureOf({ resourceType: 'Observation', extension: stored['extension'] })).toBeUndefined()
  })

  it('fits a QR code a phone reads: a typical prescription is a version ≤ 25 code at level M', async () => {
    const { jws, qrText } = await sign()
    const version = QRCode.create(qrText, { errorCorrectionLevel: 'M' }).version
    console.log(`prescription: JWS ${jws.length} characters, QR text ${qrText.length} characters, QR version ${version} at level M (${17 + 4 * version} modules), version ${QRCode.create(qrText, { errorCorrectionLevel: 'L' }).version} at L; the JWS as text would need version ${QRCode.create(jws, { errorCorrectionLevel: 'M' }).version} at M`)
    expect(version).toBeLessThanOrEqual(25)
  })

  it('refuses to sign what it cannot write, and with someone else’s licence', async () => {
    const keys = { secretKey: doctor.signing.secretKey }
    await expect(signPrescription({ ...draft, medication: {} }, keys)).rejects.toThrow(RangeError)
    await expect(signPrescription({ ...draft, medication: { rxnorm: { code: 'abc', display: 'x' } } }, keys)).rejects.toThrow(RangeError)
    await expect(signPrescription({ ...draft, dosage: ' ' }, keys)).rejects.toThrow(RangeError)
    await expect(signPrescription({ ...draft, dosage: 5 as unknown as string }, keys)).rejects.toThrow(TypeError)
    await expect(signPrescription({ ...draft, repeats: 13 }, keys)).rejects.toThrow(RangeError)
    await expect(signPrescription({ ...draft, repeats: 1.5 }, keys)).rejects.toThrow(RangeError)
    await expect(signPrescription({ ...draft, quantity: { value: 0, unit: 'tablet' } }, keys)).rejects.toThrow(RangeError)
    await expect(signPrescription({ ...draft, validUntil: draft.validFrom - 1 }, keys)).rejects.toThrow(RangeError)
    await expect(signPrescription({ ...draft, validUntil: draft.validFrom + 400 * DAY }, keys)).rejects.toThrow(RangeError)
    await expect(signPrescription({ ...draft, patient: { name: 'A', birthDate: '1984-02-30' } }, keys)).rejects.toThrow(RangeError)
    await expect(signPrescription({ ...draft, patient: { name: 'x'.repeat(257) } }, keys)).rejects.toThrow(RangeError)
    await expect(signPrescription(draft, { secretKey: new Uint8Array(31) })).rejects.toThrow(RangeError)
    await expect(signPrescription(draft, { secretKey: doctor.signing.secretKey, credential: licence(otherDoctor) })).rejects.toMatchObject({ name: 'PrescriberMismatchError' })
    await expect(signPrescription(draft, { secretKey: doctor.signing.secretKey, credential: new Uint8Array(10) })).rejects.toMatchObject({ name: 'CredentialFormatError' })
  })
})

describe('verdicts', () => {
  it('one changed character in the payload or the signature: tampered', async () => {
    const { jws, qrText } = await sign()
    const [h, p] = jws.split('.') as [string, string, string]
    const inPayload = changeAt(jws, h.length + 1 + Math.floor(p.length / 2))
    const inSignature = changeAt(jws, jws.length - 40)
    for (const text of [inPayload, inSignature, prescriptionQrText(inPayload)]) {
      const v = await verifyPrescription(text, at(T0 + DAY))
      expect(v.status).toBe('tampered')
      expect(errorName(v)).toBe('PrescriptionSignatureError')
    }
    // and in the QR digits: the pair of a payload character
    const digitAt = 'phr-rx:'.length + 2 * (h.length + 10) + 1
    expect((await verifyPrescription(changeAt(qrText, digitAt), at(T0 + DAY))).status).toBe('tampered')
  })

  it('outside its validity period: expired after the end, not yet valid before the start', async () => {
    const { jws } = await sign()
    expect((await verifyPrescription(jws, at(T0 + 90 * DAY))).status).toBe('valid') // the end is inclusive
    expect((await verifyPrescription(jws, at(T0 + 90 * DAY + 1))).status).toBe('expired')
    const later = await sign({ ...draft, validFrom: T0 + 7 * DAY, validUntil: T0 + 30 * DAY })
    expect((await verifyPrescription(later.jws, at(T0))).status).toBe('not-yet-valid')
    expect((await verifyPrescription(later.jws, at(T0 + 7 * DAY))).status).toBe('valid')
  })

  it('a licence from an untrusted authority, an expired licence, someone else’s licence or none: unverified prescriber', async () => {
    const payload = await deflate(new TextEncoder().encode(JSON.stringify((await sign()).resource)))
    const forged = licence(doctor)
    forged[forged.length - 1] = (forged.at(-1) ?? 0) ^ 1
    const withKeys = async (credential?: Uint8Array) => (await sign(draft, { secretKey: doctor.signing.secretKey, ...(credential === undefined ? {} : { credential }) })).jws
    const cases: Array<[string, Promise<string>, Record<string, unknown>]> = [
      ['untrusted authority', withKeys(licence(doctor, unknownAuthority)), { credential: 'untrusted', name: 'Dr Nodira Karimova', authority: unknownAuthority.did }],
      ['expired licence', withKeys(licence(doctor, council, T0 + 10 * DAY)), { credential: 'expired', licence: 'UZ-MED-004217' }],
      ['no licence', withKeys(), { credential: 'none' }],
      ['someone else’s licence', craft({ ...baseHeader, cred: base64url.encode(licence(otherDoctor)) }, payload), { credential: 'not-theirs' }],
      ['a forged licence', craft({ ...baseHeader, cred: base64url.encode(forged) }, payload), { credential: 'invalid' }]
    ]
    for (const [label, jws, prescriber] of cases) {
      const v = await verifyPrescription(await jws, at(T0 + 20 * DAY))
      expect(v.status, label).toBe('unverified-prescriber')
      if (!('details' in v)) throw new Error(label)
      expect(v.details.prescriber, label).toMatchObject({ did: doctor.did, ...prescriber })
      // what someone else's licence says is never shown as the signer's
      if (prescriber['credential'] === 'not-theirs') expect(v.details.prescriber.name).toBeUndefined()
    }
  })

  it('anything that is not a prescription: malformed, with a named error, never an exception', async () => {
    const { jws } = await sign()
    const resource = (await sign()).resource
    const payload = await deflate(new TextEncoder().encode(JSON.stringify(resource)))
    const [h, p, s] = jws.split('.') as [string, string, string]
    const lastChar = s.at(-1) ?? 'A'
    // the last character of an 86-character signature carries 2 bits and 4 zero bits: A, Q, g, w only
    const nonCanonical = `${h}.${p}.${s.slice(0, -1)}${lastChar === 'A' ? 'B' : String.fromCharCode(lastChar.charCodeAt(0) + 1)}`
    const bomb = await deflate(new Uint8Array(1 << 20).fill(0x20))
    const cases: Array<[string, string | Promise<string>, string]> = [
      ['empty', '', 'PrescriptionFormatError'],
      ['prose', 'Amoxicillin 500 mg, 3 times a day', 'PrescriptionFormatError'],
      ['another app’s code', 'shlink:/eyJ1cmwiOiJodHRwcyJ9', 'PrescriptionFormatError'],
      ['odd digits', 'phr-rx:123', 'PrescriptionFormatError'],
      ['digits beyond the alphabet', 'phr-rx:9999', 'PrescriptionFormatError'],
      ['digits spelling no JWS character', 'phr-rx:0203' + '47', 'PrescriptionFormatError'],
      ['oversized', 'phr-rx:' + '1'.repeat(MAX_PRESCRIPTION_TEXT_CHARS), 'PrescriptionTooLargeError'],
      ['two parts', `${h}.${p}`, 'PrescriptionFormatError'],
      ['four parts', `${jws}.${s}`, 'PrescriptionFormatError'],
      ['non-canonical signature', nonCanonical, 'PrescriptionFormatError'],
      ['short signature', `${h}.${p}.${s.slice(2)}`, 'PrescriptionFormatError'],
      ['oversized header', `${'e'.repeat(5000)}.${p}.${s}`, 'PrescriptionTooLargeError'],
      ['alg none', `${base64url.encode('{"alg":"none","typ":"phr-rx","zip":"DEF","kid":"' + doctor.did + '"}')}.${p}.`, 'PrescriptionFormatError'],
      ['header not JSON', `${base64url.encode('{alg')}.${p}.${s}`, 'PrescriptionFormatError'],
      ['kid not a did:key', craft({ ...baseHeader, kid: 'did:web:pharmacy.example' }, payload), 'DidKeyError'],
      ['a key URL in the header', craft({ ...baseHeader, jku: 'https://keys.example/jwks.json' }, payload), 'PrescriptionFormatError'],
      ['an unknown header parameter', craft({ ...baseHeader, exp: 1 }, payload), 'PrescriptionFormatError'],
      ['no zip', craft({ alg: 'EdDSA', typ: 'phr-rx', kid: doctor.did }, new TextEncoder().encode(JSON.stringify(resource))), 'PrescriptionFormatError'],
      ['another typ', craft({ ...baseHeader, typ: 'JWT' }, payload), 'PrescriptionFormatError'],
      ['payload not DEFLATE', craft(baseHeader, new TextEncoder().encode(JSON.stringify(resource))), 'PrescriptionFormatError'],
      ['decompression bomb', craft(baseHeader, bomb), 'PrescriptionTooLargeError'],
      ['payload not JSON', deflate(new TextEncoder().encode('not json')).then((x) => craft(baseHeader, x)), 'PrescriptionFormatError'],
      ['another resource', deflate(new TextEncoder().encode(JSON.stringify({ ...resource, resourceType: 'MedicationStatement' }))).then((x) => craft(baseHeader, x)), 'PrescriptionFormatError'],
      ['no validity period', deflate(new TextEncoder().encode(JSON.stringify({ ...resource, dispenseRequest: { quantity: { value: 1, unit: 'x' } } }))).then((x) => craft(baseHeader, x)), 'PrescriptionFormatError'],
      ['a cancelled request', deflate(new TextEncoder().encode(JSON.stringify({ ...resource, status: 'cancelled' }))).then((x) => craft(baseHeader, x)), 'PrescriptionFormatError']
    ]
    for (const [label, text, name] of cases) {
      const v = await verifyPrescription(await text, at(T0 + DAY))
      expect(v.status, label).toBe('malformed')
      expect(errorName(v), label).toBe(name)
    }
    await expect(verifyPrescription(5 as unknown as string, at(T0))).rejects.toThrow(TypeError)
    await expect(verifyPrescription(jws, { trustList, now: 5 as unknown as () => number })).rejects.toThrow(TypeError)
  })

  it('any single changed character never yields valid (property)', async () => {
    const { jws, qrText } = await sign()
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.: '
    for (const text of [jws, qrText]) {
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: text.length - 1 }), fc.constantFrom(...alphabet), async (i, c) => {
          fc.pre(text[i] !== c)
          const v = await verifyPrescription(text.slice(0, i) + c + text.slice(i + 1), at(T0 + DAY))
          expect(v.status).not.toBe('valid')
        }),
        { numRuns: 400 }
      )
    }
  })

  it('any single changed byte of the JWS never yields valid, whatever the byte (property)', async () => {
    const { jws } = await sign()
    const bytes = new TextEncoder().encode(jws)
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (i, delta) => {
        const changed = bytes.slice()
        changed[i] = ((changed[i] ?? 0) + delta) & 0xff
        const v = await verifyPrescription(new TextDecoder().decode(changed), at(T0 + DAY))
        expect(v.status).not.toBe('valid')
      }),
      { numRuns: 400 }
    )
  })

  it('whatever text it is given, it answers with a verdict (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.stringMatching(/^phr-rx:[0-9]{0,200}$/), fc.stringMatching(/^[A-Za-z0-9_-]{0,60}\.[A-Za-z0-9_-]{0,60}\.[A-Za-z0-9_-]{0,90}$/)), async (text) => {
        const v = await verifyPrescription(text, at(T0))
        expect(['malformed', 'tampered']).toContain(v.status)
      }),
      { numRuns: 300 }
    )
  })
})

describe('the QR text', () => {
  it('round-trips every compact-JWS string (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_.-]{1,200}$/), (jws) => {
        const text = prescriptionQrText(jws)
        expect(text).toMatch(/^phr-rx:[0-9]+$/)
        expect(jwsFromPrescriptionText(text)).toBe(jws)
      })
    )
  })

  it('encodes as SMART Health Cards do: two digits per character, ord(c) − 45', () => {
    expect(prescriptionQrText('-.09AZ_az')).toBe('phr-rx:000103122045505277')
    expect(() => prescriptionQrText('a b')).toThrow(RangeError)
  })
})
