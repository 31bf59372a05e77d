/**
 * The patient's prescription card and the doctor's prescription form, rendered in
 * Chromium. The card says what, how, by whom and until when; its QR image, decoded back
 * with jsQR (as the pharmacy's camera does), gives exactly the prescription's text, which
 * verifies. The form holds the signature back while the check warns, and signs with the
 * warnings' codes once the doctor chooses to.
 */
import { describe, it, expect } from 'vitest'
import { createTrustList, issueCredential, personFromEntropy } from '../../src/crypto/index.ts'
import { signPrescription, verifyPrescription, type PrescriptionDraft } from '../../src/consult/index.ts'
import type { PatientReplica, PatientView, PrescribeResult, PrescriptionRequest, RecordPrescription } from '../../src/app/index.ts'
import '../../src/ui/prescription-card.ts'
import '../../src/ui/prescribe-form.ts'

const DAY = 86_400_000
const now = Date.now()
const seq = (start: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (start + i) & 0xff)
const doctor = personFromEntropy(seq(0x20))
const council = personFromEntropy(seq(0xf0))
const trustList = createTrustList([{ did: council.did, name: 'Medical Council' }])
const credential = issueCredential({ did: doctor.did, name: 'Dr Nodira Karimova', licence: 'UZ-MED-004217', specialty: 'General practice', validUntil: now + 365 * DAY }, council.signing.secretKey)
const draft: PrescriptionDraft = {
  medication: { rxnorm: { code: '314076', display: 'lisinopril 10 MG Oral Tablet' } },
  dosage: '1 tablet once daily in the morning',
  quantity: { value: 30, unit: 'tablet' },
  repeats: 2,
  validFrom: now - DAY,
  validUntil: now + 90 * DAY,
  patient: { name: 'Dilnoza Yusupova', birthDate: '1984-03-12' }
}

type Decode = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null
async function jsQR(): Promise<Decode> {
  const mod = (await import('jsqr')) as unknown as { default: Decode | { default: Decode } }
  return typeof mod.default === 'function' ? mod.default : mod.default.default
}

/** Decodes a QR image (data URL) as a camera frame would be: drawn on a canvas, read by jsQR. */
async function decodeImage(src: string): Promise<string | undefined> {
  const img = new Image()
  img.src = src
  await img.decode()
  const canvas = document.createElement('canvas')
  canvas.width = canvas.height = 600
  const ctx = canvas.getContext('2d')
  if (ctx === null) throw new Error('no canvas')
  ctx.fillStyle = '#fff'
  ctx.fillRect(0, 0, 600, 600)
  ctx.drawImage(img, 40, 40, 520, 520)
  const frame = ctx.getImageData(0, 0, 600, 600)
  return (await jsQR())(frame.data, frame.width, frame.height)?.data
}

const shadow = (el: Element): ShadowRoot => {
  if (el.shadowRoot === null) throw new Error('no shadow root')
  return el.shadowRoot
}
const settle = async (el: Element & { updateComplete?: Promise<unknown> }): Promise<void> => {
  for (let i = 0; i < 5; i++) {
    await el.updateComplete
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('the patient’s prescription card', () => {
  it('shows what it is and a QR code that reads back as the prescription', async () => {
    const signed = await signPrescription(draft, { secretKey: doctor.signing.secretKey, credential })
    const prescription: RecordPrescription = { id: signed.resource.id, compartment: 'visit:g1', jws: signed.jws, qrText: signed.qrText, verdict: await verifyPrescription(signed.jws, { trustList, now: () => now }) }
    const card = document.createElement('phr-prescription-card') as HTMLElement & { prescription: RecordPrescription; updateComplete: Promise<unknown> }
    card.prescription = prescription
    document.body.append(card)
    await settle(card)
    const root = shadow(card)
    expect(root.querySelector('[data-testid=rx-card-drug]')?.textContent).toBe('lisinopril 10 MG Oral Tablet')
    expect(root.querySelector('[data-testid=rx-card-state]')?.textContent).toMatch(/^Valid until /)
    expect(root.querySelector('[data-testid=rx-card-prescriber]')?.textContent?.trim()).toBe('Dr Nodira Karimova, verified by Medical Council')
    expect(root.textContent).toContain('1 tablet once daily in the morning')

    const button = root.querySelector<HTMLButtonElement>('[data-testid=rx-show-qr]')
    expect(button?.getAttribute('aria-expanded')).toBe('false')
    button?.click()
    await settle(card)
    expect(button?.getAttribute('aria-expanded')).toBe('true')
    const img = root.querySelector<HTMLImageElement>('[data-testid=rx-qr]')
    expect(img?.alt).toBe('QR code of the prescription for lisinopril 10 MG Oral Tablet')
    const read = await decodeImage(img?.src ?? '')
    expect(read).toBe(signed.qrText)
    expect((await verifyPrescription(read ?? '', { trustList, now: () => now })).status).toBe('valid')
    expect(root.querySelector<HTMLTextAreaElement>('[data-testid=rx-text]')?.value).toBe(signed.qrText)
    card.remove()
  })

  it('says so when the prescription was changed', async () => {
    const signed = await signPrescription(draft, { secretKey: doctor.signing.secretKey, credential })
    const mid = Math.floor(signed.jws.length / 2)
    const jws = signed.jws.slice(0, mid) + (signed.jws[mid] === 'A' ? 'B' : 'A') + signed.jws.slice(mid + 1)
    const card = document.createElement('phr-prescription-card') as HTMLElement & { prescription: RecordPrescription; updateComplete: Promise<unknown> }
    card.prescription = { id: 'x', compartment: 'visit:g1', jws, qrText: signed.qrText, verdict: await verifyPrescription(jws, { trustList, now: () => now }) }
    document.body.append(card)
    await settle(card)
    expect(shadow(card).querySelector('[data-testid=rx-card-state]')?.textContent).toBe('Changed after the doctor signed it: a pharmacy will refuse it.')
    card.remove()
  })
})

describe('the doctor’s prescription form', () => {
  it('holds the signature back while the check warns, then signs with the warnings accepted', async () => {
    const calls: Array<{ request: PrescriptionRequest; acknowledged: readonly string[] | undefined }> = []
    const warning = { code: 'allergy:penicillin', severity: 'high' as const, message: 'Amoxicillin is a penicillin; the patient is allergic to penicillin.' }
    const replica = {
      async prescribe(request: PrescriptionRequest, acknowledged?: readonly string[]): Promise<PrescribeResult> {
        calls.push({ request, acknowledged })
        return acknowledged?.includes(warning.code) === true ? { kind: 'written', id: 'rx-1', jws: 'a.b.c', qrText: 'phr-rx:00', warnings: [warning] } : { kind: 'needs-confirmation', warnings: [warning] }
      }
    } as unknown as PatientReplica
    const view = { grantId: 'g1', patientName: '', prescriptions: [] } as unknown as PatientView
    const form = document.createElement('phr-prescribe-form') as HTMLElement & { replica: PatientReplica; view: PatientView; updateComplete: Promise<unknown> }
    form.replica = replica
    form.view = view
    document.body.append(form)
    await settle(form)
    const root = shadow(form)
    const fill = (name: string, value: string): void => {
      const input = root.querySelector<HTMLInputElement>(`[name=${name}]`)
      if (input === null) throw new Error(`no field ${name}`)
      input.value = value
    }
    // without the summary, the doctor writes the patient's name
    fill('rx-patient', 'Dilnoza Yusupova')
    fill('rx-birth', '1984-03-12')
    fill('rx-drug', 'Amoxicillin 500 mg capsules')
    fill('rx-dose', '1 capsule three times a day')
    fill('rx-quantity', '21')
    fill('rx-unit', 'capsule')
    fill('rx-repeats', '1')
    fill('rx-days', '10')
    root.querySelector('form')?.requestSubmit()
    await settle(form)
    expect(calls).toHaveLength(1)
    expect(calls[0]?.acknowledged).toEqual([])
    expect(calls[0]?.request).toMatchObject({ patient: { name: 'Dilnoza Yusupova', birthDate: '1984-03-12' }, medication: { text: 'Amoxicillin 500 mg capsules' }, dosage: '1 capsule three times a day', quantity: { value: 21, unit: 'capsule' }, repeats: 1 })
    const r = calls[0]?.request
    expect(r === undefined ? 0 : r.validUntil - r.validFrom).toBe(10 * DAY)
    expect(root.querySelector('[data-testid=rx-warnings]')?.textContent).toContain('the patient is allergic to penicillin')

    root.querySelector<HTMLButtonElement>('[data-testid=rx-sign-anyway]')?.click()
    await settle(form)
    expect(calls[1]?.acknowledged).toEqual(['allergy:penicillin'])
    expect(root.querySelector('[data-testid=rx-written]')?.textContent).toBe('Signed: Amoxicillin 500 mg capsules. It is in the patient’s record now.')
    form.remove()
  })
})
