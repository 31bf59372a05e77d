/**
 * The FHIR R4 MedicationRequest an e-prescription carries (hl7.org/fhir/R4/medicationrequest.html):
 * built from what the doctor fills in, and read back — strictly — from a verified JWS
 * payload. The patient is a contained Patient (name, birth date as given), so that the
 * prescription names them without the rest of the record.
 *
 * ```
 * { resourceType: "MedicationRequest", id, status: "active", intent: "order",
 *   contained: [{ resourceType: "Patient", id: "p", name: [{ text }], birthDate? }],
 *   medicationCodeableConcept: { coding?: [{ system: RxNorm, code, display }], text? },
 *   subject: { reference: "#p" }, authoredOn, requester?: { display },
 *   dosageInstruction: [{ text }],
 *   dispenseRequest: { validityPeriod: { start, end }, numberOfRepeatsAllowed, quantity: { value, unit } },
 *   note?: [{ text }] }
 * ```
 */
import { assertText } from '../lib/index.ts'
import { PrescriptionFormatError } from './errors.ts'

/** RxNorm's FHIR code system (hl7.org/fhir/R4/terminologies-systems.html). */
export const RXNORM_SYSTEM = 'http://www.nlm.nih.gov/research/umls/rxnorm'
/** The extension that carries a MedicationRequest's compact JWS in the record (`valueString`). */
export const PRESCRIPTION_SIGNATURE_URL = 'urn:phr:fhir:extension:prescription-jws'
/** Longest free text (drug, display, dosage, note, name), in UTF-8 bytes. */
export const MAX_PRESCRIPTION_TEXT_BYTES = 256
/** Most repeats (refills after the first dispense). */
export const MAX_REPEATS = 12
/** Longest validity: a year and a day. */
export const MAX_VALIDITY_MS = 366 * 86_400_000
/** Largest quantity to dispense. */
export const MAX_QUANTITY = 10_000

const RXNORM_CODE = /^[0-9]{1,12}$/
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/
const FHIR_DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/
// FHIR R4 dateTime with a time: seconds and a zone are required (R4 §2.24.0.1 "dateTime")
const FHIR_INSTANT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$/

/** What the doctor prescribes. */
export interface PrescriptionDraft {
  /** The drug: an RxNorm concept, free text, or both (the text is what is shown). */
  readonly medication: { readonly rxnorm?: { readonly code: string; readonly display: string }; readonly text?: string }
  /** How to take it, as on the label (`dosageInstruction[0].text`), e.g. "1 tablet once daily". */
  readonly dosage: string
  /** How much to dispense each time (`dispenseRequest.quantity`). */
  readonly quantity: { readonly value: number; readonly unit: string }
  /** Repeats after the first dispense (`dispenseRequest.numberOfRepeatsAllowed`), 0 to `MAX_REPEATS`. */
  readonly repeats: number
  /** First instant it may be dispensed, ms since the epoch (`dispenseRequest.validityPeriod.start`). */
  readonly validFrom: number
  /** Last instant it may be dispensed, ms (inclusive), at most `MAX_VALIDITY_MS` after `validFrom`. */
  readonly validUntil: number
  /** The patient, as named on the prescription. */
  readonly patient: { readonly name: string; readonly birthDate?: string }
  /** A note to the pharmacist. */
  readonly note?: string
}

/** The MedicationRequest as signed (FHIR R4 JSON). */
export interface SignedMedicationRequest {
  readonly resourceType: 'MedicationRequest'
  readonly id: string
  readonly status: 'active'
  readonly intent: 'order'
  readonly [element: string]: unknown
}

/** What a prescription says, read from its MedicationRequest. */
export interface PrescriptionContent {
  readonly id: string
  /** The drug as shown: the free text, else the RxNorm display. */
  readonly drug: string
  readonly rxnorm?: { readonly code: string; readonly display: string }
  readonly dosage: string
  readonly quantity: { readonly value: number; readonly unit: string }
  readonly repeats: number
  readonly validFrom: number
  readonly validUntil: number
  /** When it was written, ms. */
  readonly authoredOn: number
  readonly patient: { readonly name: string; readonly birthDate?: string }
  readonly note?: string
}

function assertDate(value: unknown, label: string): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${label}: expected string, got ${typeof value}`)
  if (!isCalendarDate(value)) throw new RangeError(`${label}: expected a date YYYY-MM-DD, got ${JSON.stringify(value)}`)
}

function isCalendarDate(value: string): boolean {
  const m = FHIR_DATE.exec(value)
  if (m === null) return false
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return d.toISOString().slice(0, 10) === value
}

function assertShort(value: unknown, label: string): asserts value is string {
  assertText(value, label, MAX_PRESCRIPTION_TEXT_BYTES)
  if (value.trim() === '') throw new RangeError(`${label}: must not be empty`)
}

/**
 * The MedicationRequest of a draft.
 * @throws {TypeError} if a field has the wrong type.
 * @throws {RangeError} if a field is empty, too long, or out of range, or the id is not a FHIR id.
 * @example medicationRequestOf(draft, { id: 'rx-1', authoredOn: Date.now(), requester: 'Dr Karimova' })
 */
export function medicationRequestOf(draft: PrescriptionDraft, init: { readonly id: string; readonly authoredOn: number; readonly requester?: string }): SignedMedicationRequest {
  if (typeof init.id !== 'string' || !FHIR_ID.test(init.id)) throw new RangeError('id: expected a FHIR id (1-64 of A-Z a-z 0-9 - .)')
  if (!Number.isSafeInteger(init.authoredOn) || init.authoredOn < 0) throw new RangeError('authoredOn: expected ms since the epoch')
  const { medication, dosage, quantity, repeats, validFrom, validUntil, patient, note } = draft
  if (medication.rxnorm === undefined && medication.text === undefined) throw new RangeError('medication: give an RxNorm concept, a text, or both')
  if (medication.rxnorm !== undefined) {
    if (typeof medication.rxnorm.code !== 'string' || !RXNORM_CODE.test(medication.rxnorm.code)) throw new RangeError('medication.rxnorm.code: expected an RxNorm CUI (digits)')
    assertShort(medication.rxnorm.display, 'medication.rxnorm.display')
  }
  if (medication.text !== undefined) assertShort(medication.text, 'medication.text')
  assertShort(dosage, 'dosage')
  if (typeof quantity.value !== 'number' || !Number.isFinite(quantity.value)) throw new TypeError('quantity.value: expected a finite number')
  if (quantity.value <= 0 || quantity.value > MAX_QUANTITY) throw new RangeError(`quantity.value: expected more than 0 and at most ${MAX_QUANTITY}`)
  assertShort(quantity.unit, 'quantity.unit')
  if (!Number.isInteger(repeats) || repeats < 0 || repeats > MAX_REPEATS) throw new RangeError(`repeats: expected an integer 0..${MAX_REPEATS}`)
  if (!Number.isSafeInteger(validFrom) || !Number.isSafeInteger(validUntil) || validFrom < 0) throw new RangeError('validFrom, validUntil: expected ms since the epoch')
  if (validUntil < validFrom || validUntil - validFrom > MAX_VALIDITY_MS) throw new RangeError('validUntil: must be after validFrom, by at most a year and a day')
  assertShort(patient.name, 'patient.name')
  if (patient.birthDate !== undefined) assertDate(patient.birthDate, 'patient.birthDate')
  if (note !== undefined) assertShort(note, 'note')
  if (init.requester !== undefined) assertShort(init.requester, 'requester')
  const iso = (ms: number): string => new Date(ms).toISOString()
  return {
    resourceType: 'MedicationRequest',
    id: init.id,
    status: 'active',
    intent: 'order',
    contained: [{ resourceType: 'Patient', id: 'p', name: [{ text: patient.name.trim() }], ...(patient.birthDate === undefined ? {} : { birthDate: patient.birthDate }) }],
    medicationCodeableConcept: {
      ...(medication.rxnorm === undefined ? {} : { coding: [{ system: RXNORM_SYSTEM, code: medication.rxnorm.code, display: medication.rxnorm.display.trim() }] }),
      ...(medication.text === undefined ? {} : { text: medication.text.trim() })
    },
    subject: { reference: '#p' },
    authoredOn: iso(init.authoredOn),
    ...(init.requester === undefined ? {} : { requester: { display: init.requester.trim() } }),
    dosageInstruction: [{ text: dosage.trim() }],
    dispenseRequest: {
      validityPeriod: { start: iso(validFrom), end: iso(validUntil) },
      numberOfRepeatsAllowed: repeats,
      quantity: { value: quantity.value, unit: quantity.unit.trim() }
    },
    ...(note === undefined ? {} : { note: [{ text: note.trim() }] })
  }
}

const fail = (field: string, why: string): never => {
  throw new PrescriptionFormatError(`prescription: MedicationRequest.${field} ${why}`)
}
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length

function text(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.trim() === '' || utf8Bytes(v) > MAX_PRESCRIPTION_TEXT_BYTES || /\p{Cs}/u.test(v)) fail(field, `must be a text of 1..${MAX_PRESCRIPTION_TEXT_BYTES} bytes`)
  return v as string
}
function object(v: unknown, field: string): Record<string, unknown> {
  if (!isObject(v)) fail(field, 'must be an object')
  return v as Record<string, unknown>
}
function first(v: unknown, field: string): Record<string, unknown> {
  if (!Array.isArray(v) || v.length !== 1) fail(field, 'must be a list of one')
  return object((v as unknown[])[0], `${field}[0]`)
}
function instant(v: unknown, field: string): number {
  const t = typeof v === 'string' && FHIR_INSTANT.test(v) ? Date.parse(v) : NaN
  if (!Number.isFinite(t)) fail(field, 'must be a FHIR dateTime with seconds and a zone')
  return t
}

/**
 * Reads a MedicationRequest as this app signs it; anything else is refused. Elements it
 * does not know are ignored (and never shown).
 * @throws {PrescriptionFormatError} naming the first element that is missing or wrong.
 */
export function readMedicationRequest(value: unknown): PrescriptionContent {
  const r = object(value, '(root)')
  if (r['resourceType'] !== 'MedicationRequest') fail('resourceType', 'must be "MedicationRequest"')
  if (typeof r['id'] !== 'string' || !FHIR_ID.test(r['id'])) fail('id', 'must be a FHIR id')
  // a prescription is an active order when signed; a JWS never changes after that
  if (r['status'] !== 'active') fail('status', 'must be "active"')
  if (r['intent'] !== 'order') fail('intent', 'must be "order"')
  const subject = object(r['subject'], 'subject')
  if (subject['reference'] !== '#p') fail('subject.reference', 'must be "#p" (the contained Patient)')
  const patient = first(r['contained'], 'contained')
  if (patient['resourceType'] !== 'Patient' || patient['id'] !== 'p') fail('contained[0]', 'must be the Patient "p"')
  const name = text(first(patient['name'], 'contained[0].name')['text'], 'contained[0].name[0].text')
  const birthDate = patient['birthDate']
  if (birthDate !== undefined && (typeof birthDate !== 'string' || !isCalendarDate(birthDate))) fail('contained[0].birthDate', 'must be a date YYYY-MM-DD')
  const med = object(r['medicationCodeableConcept'], 'medicationCodeableConcept')
  let rxnorm: { code: string; display: string } | undefined
  if (med['coding'] !== undefined) {
    const c = first(med['coding'], 'medicationCodeableConcept.coding')
    if (c['system'] !== RXNORM_SYSTEM) fail('medicationCodeableConcept.coding[0].system', 'must be RxNorm')
    if (typeof c['code'] !== 'string' || !RXNORM_CODE.test(c['code'])) fail('medicationCodeableConcept.coding[0].code', 'must be an RxNorm CUI')
    rxnorm = { code: c['code'] as string, display: text(c['display'], 'medicationCodeableConcept.coding[0].display') }
  }
  const drugText = med['text'] === undefined ? undefined : text(med['text'], 'medicationCodeableConcept.text')
  const drug = drugText ?? rxnorm?.display
  if (drug === undefined) fail('medicationCodeableConcept', 'must have a coding or a text')
  const dosage = text(first(r['dosageInstruction'], 'dosageInstruction')['text'], 'dosageInstruction[0].text')
  const dispense = object(r['dispenseRequest'], 'dispenseRequest')
  const period = object(dispense['validityPeriod'], 'dispenseRequest.validityPeriod')
  const validFrom = instant(period['start'], 'dispenseRequest.validityPeriod.start')
  const validUntil = instant(period['end'], 'dispenseRequest.validityPeriod.end')
  if (validUntil < validFrom) fail('dispenseRequest.validityPeriod', 'must end after it starts')
  const repeats = dispense['numberOfRepeatsAllowed']
  if (typeof repeats !== 'number' || !Number.isInteger(repeats) || repeats < 0 || repeats > MAX_REPEATS) fail('dispenseRequest.numberOfRepeatsAllowed', `must be an integer 0..${MAX_REPEATS}`)
  const q = object(dispense['quantity'], 'dispenseRequest.quantity')
  if (typeof q['value'] !== 'number' || !Number.isFinite(q['value']) || q['value'] <= 0 || q['value'] > MAX_QUANTITY) fail('dispenseRequest.quantity.value', `must be a number above 0 and at most ${MAX_QUANTITY}`)
  const unit = text(q['unit'], 'dispenseRequest.quantity.unit')
  const authoredOn = instant(r['authoredOn'], 'authoredOn')
  const note = r['note'] === undefined ? undefined : text(first(r['note'], 'note')['text'], 'note[0].text')
  return {
    id: r['id'] as string,
    drug: drug as string,
    ...(rxnorm === undefined ? {} : { rxnorm }),
    dosage,
    quantity: { value: q['value'] as number, unit },
    repeats: repeats as number,
    validFrom,
    validUntil,
    authoredOn,
    patient: { name, ...(birthDate === undefined ? {} : { birthDate: birthDate as string }) },
    ...(note === undefined ? {} : { note })
  }
}

/**
 * The resource to store in the record: the signed MedicationRequest with its compact JWS
 * in the `PRESCRIPTION_SIGNATURE_URL` extension (FHIR R4 §2.1.0.12 "Extensions").
 * @throws Never.
 */
export function withPrescriptionSignature(resource: SignedMedicationRequest, jws: string): SignedMedicationRequest {
  const extension = Array.isArray(resource['extension']) ? (resource['extension'] as unknown[]) : []
  return { ...resource, extension: [...extension, { url: PRESCRIPTION_SIGNATURE_URL, valueString: jws }] }
}

/**
 * The compact JWS a stored resource carries, if it is a signed prescription.
 * @throws Never.
 */
export function prescriptionSignatureOf(resource: unknown): string | undefined {
  if (!isObject(resource) || resource['resourceType'] !== 'MedicationRequest' || !Array.isArray(resource['extension'])) return undefined
  for (const e of resource['extension'] as unknown[]) {
    if (isObject(e) && e['url'] === PRESCRIPTION_SIGNATURE_URL && typeof e['valueString'] === 'string') return e['valueString']
  }
  return undefined
}
