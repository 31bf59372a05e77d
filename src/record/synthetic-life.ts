/**
 * The life events of a synthetic patient: demographics, care team, devices, conditions
 * with onset, medications with start and stop, allergies, immunizations, visits with
 * notes, yearly labs and lab reports, procedures. Small (hundreds of resources for ten
 * years), so it is built eagerly.
 */
import type { FhirResource, Reference } from './fhir-types.ts'
import { ALLERGY_CLINICAL, ALLERGY_VERIFICATION, CONDITION_CLINICAL, CONDITION_VER_STATUS } from './fhir-spec.ts'
import { OBSERVATION_CATEGORY } from './kinds.ts'
import type { Prng } from './prng.ts'
import {
  ALLERGIES,
  AMBULATORY,
  concept,
  CONDITIONS,
  CVX,
  DRUGS,
  ENCOUNTERS,
  ENGLISH,
  LABS,
  LOINC,
  PANELS,
  PROCEDURES,
  RUSSIAN,
  RXNORM,
  SNOMED,
  TASHKENT_STREETS,
  UCUM,
  UZBEK,
  VACCINES,
  type LoincTerm
} from './synthetic-terms.ts'

export const DAY_MS = 86_400_000
const YEAR_MS = 365.25 * DAY_MS

/** Source-device ids of the synthetic series. */
export const SYNTHETIC_DEVICES = { heartRate: 'hr-strap-1', cgm: 'cgm-1', phone: 'phone-1', bpCuff: 'bp-cuff-1' } as const

export const iso = (ms: number): string => new Date(ms).toISOString()
const day = (ms: number): string => iso(ms).slice(0, 10)
const xhtml = (text: string): { status: string; div: string } => ({
  status: 'generated',
  div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>${text}</p></div>`
})

/** What the rest of the generator needs to know about the patient. */
export interface PatientState {
  readonly patientId: string
  readonly subject: Reference
  readonly birth: number
  readonly diabetic: boolean
  readonly hypertensive: boolean
  readonly restingHeartRate: number
  readonly weightKg: number
}

/** Builds the life events. `nextId(prefix)` hands out record-unique ids. */
export function buildLife(
  rng: Prng,
  start: number,
  days: number,
  forceDiabetic: boolean,
  nextId: (prefix: string) => string
): { state: PatientState; resources: FhirResource[] } {
  const end = start + days * DAY_MS
  const inRange = (t: number): boolean => t >= start && t < end
  const out: FhirResource[] = []
  const roll = rng.float()
  const culture = roll < 0.45 ? UZBEK : roll < 0.8 ? RUSSIAN : ENGLISH
  const gender = rng.chance(0.5) ? 'male' : 'female'
  const person = rng.pick(gender === 'male' ? culture.male : culture.female)
  const birth = start - Math.floor((35 + rng.int(0, 30)) * YEAR_MS) - rng.int(0, 364) * DAY_MS
  const patientId = nextId('pt')
  const subject = { reference: `Patient/${patientId}` }
  const street = rng.pick(TASHKENT_STREETS)
  const tashkent = culture !== ENGLISH && (culture === UZBEK || rng.chance(0.7))
  out.push({
    resourceType: 'Patient',
    id: patientId,
    name: [{ use: 'official', family: person.family, given: [person.given] }],
    gender,
    birthDate: day(birth),
    telecom: [{ system: 'phone', value: tashkent ? `+998 90 ${rng.int(100, 999)} ${rng.int(10, 99)} ${rng.int(10, 99)}` : `+44 20 7946 ${rng.int(1000, 9999)}` }],
    address: [
      tashkent
        ? { line: [`${street.line}, ${rng.int(1, 120)}`], district: street.district, city: 'Toshkent', postalCode: `100${rng.int(0, 200).toString().padStart(3, '0')}`, country: 'UZ' }
        : culture === RUSSIAN
          ? { line: [`ulitsa Tverskaya, ${rng.int(1, 30)}`], city: 'Moskva', postalCode: '125009', country: 'RU' }
          : { line: [`${rng.int(1, 200)} Baker Street`], city: 'London', postalCode: 'NW1 6XE', country: 'GB' }
    ],
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: culture.lang }] }, preferred: true }]
  })

  const doctors = [
    { given: 'Kamola', family: 'Ismoilova', gender: 'female' },
    { given: 'Sergey', family: 'Ivanov', gender: 'male' }
  ].map((d) => {
    const id = nextId('pr')
    out.push({ resourceType: 'Practitioner', id, name: [{ family: d.family, given: [d.given], prefix: ['Dr.'] }], gender: d.gender })
    return { reference: `Practitioner/${id}`, display: `Dr. ${d.given} ${d.family}` }
  })
  const orgId = nextId('org')
  out.push({ resourceType: 'Organization', id: orgId, name: 'Toshkent shahar 12-son oilaviy poliklinikasi', address: [{ city: 'Toshkent', country: 'UZ' }] })
  const org = { reference: `Organization/${orgId}` }
  for (const [name, ident] of [
    ['Heart rate chest strap', 'hr-strap-1'],
    ['Continuous glucose monitor', 'cgm-1'],
    ['Phone pedometer', 'phone-1'],
    ['Upper-arm blood pressure monitor', 'bp-cuff-1']
  ] as const) {
    out.push({
      resourceType: 'Device',
      id: nextId('dev'),
      status: 'active',
      identifier: [{ system: 'urn:phr:source-device', value: ident }],
      deviceName: [{ name, type: 'user-friendly-name' }],
      patient: subject
    })
  }

  const ageAt = (t: number): number => (t - birth) / YEAR_MS
  const onsetOf = (): number => Math.max(birth + 25 * YEAR_MS, start - rng.int(0, 8) * YEAR_MS + rng.int(0, Math.floor(days * 0.3)) * DAY_MS)
  const diabetic = forceDiabetic || rng.chance(0.4)
  const hypertensive = rng.chance(0.55)
  const asthmatic = rng.chance(0.2)
  const lipids = diabetic || rng.chance(0.3)
  const condition = (term: { code: string; display: string }, onset: number, resolved?: number): void => {
    out.push({
      resourceType: 'Condition',
      id: nextId('cond'),
      clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: resolved === undefined ? 'active' : 'resolved' }] },
      verificationStatus: { coding: [{ system: CONDITION_VER_STATUS, code: 'confirmed' }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item', display: 'Problem List Item' }] }],
      code: concept(SNOMED, term),
      subject,
      onsetDateTime: iso(onset),
      ...(resolved === undefined ? {} : { abatementDateTime: iso(resolved) }),
      recordedDate: iso(onset)
    })
  }
  const medication = (drug: { code: string; display: string }, from: number, until: number | undefined, doctor: Reference): void => {
    const stopped = until !== undefined && until < end
    out.push({
      resourceType: 'MedicationRequest',
      id: nextId('rx'),
      status: stopped ? 'stopped' : 'active',
      intent: 'order',
      medicationCodeableConcept: concept(RXNORM, drug),
      subject,
      authoredOn: iso(from),
      requester: doctor,
      dosageInstruction: [{ text: '1 tablet once daily' }]
    })
    out.push({
      resourceType: 'MedicationStatement',
      id: nextId('med'),
      status: stopped ? 'completed' : 'active',
      medicationCodeableConcept: concept(RXNORM, drug),
      subject,
      effectivePeriod: stopped ? { start: iso(from), end: iso(until) } : { start: iso(from) },
      dateAsserted: iso(Math.max(from, start))
    })
  }
  const doctor = doctors[0] as Reference
  if (hypertensive) {
    const onset = onsetOf()
    condition(CONDITIONS.hypertension, onset)
    // ACE-inhibitor cough: lisinopril stopped after a few years, amlodipine from then on
    const switchAt = onset + rng.int(2, 4) * YEAR_MS
    medication(DRUGS.lisinopril, onset, switchAt, doctor)
    if (switchAt < end) medication(DRUGS.amlodipine, switchAt, undefined, doctor)
  }
  if (diabetic) {
    const onset = onsetOf()
    condition(CONDITIONS.diabetes2, onset)
    medication(DRUGS.metformin, onset, undefined, doctor)
  }
  if (lipids) {
    const onset = onsetOf()
    condition(CONDITIONS.hyperlipidemia, onset)
    medication(DRUGS.atorvastatin, onset, undefined, doctors[1] as Reference)
  }
  if (asthmatic) {
    const onset = onsetOf()
    condition(CONDITIONS.asthma, onset)
    medication(DRUGS.albuterol, onset, undefined, doctor)
    if (inRange(onset)) procedure(PROCEDURES.spirometry, onset)
  }
  function procedure(term: { code: string; display: string }, at: number): void {
    out.push({ resourceType: 'Procedure', id: nextId('proc'), status: 'completed', code: concept(SNOMED, term), subject, performedDateTime: iso(at), performer: [{ actor: doctor }] })
  }
  if (ageAt(end) >= 50 && rng.chance(0.6)) procedure(PROCEDURES.colonoscopy, start + rng.int(0, days - 1) * DAY_MS + 10 * 3_600_000)

  for (const [name, a] of Object.entries(ALLERGIES)) {
    const p = name === 'penicillin' ? 0.3 : name === 'grassPollen' ? 0.25 : 0.05
    if (!rng.chance(p)) continue
    out.push({
      resourceType: 'AllergyIntolerance',
      id: nextId('alg'),
      clinicalStatus: { coding: [{ system: ALLERGY_CLINICAL, code: 'active' }] },
      verificationStatus: { coding: [{ system: ALLERGY_VERIFICATION, code: 'confirmed' }] },
      type: 'allergy',
      category: [a.category],
      criticality: name === 'penicillin' ? 'high' : 'low',
      code: concept(SNOMED, a),
      patient: subject,
      recordedDate: iso(birth + rng.int(18, 30) * YEAR_MS),
      reaction: [{ manifestation: [concept(SNOMED, a.reaction)], severity: 'moderate' }]
    })
  }

  const immunize = (v: { code: string; display: string }, at: number): void => {
    if (!inRange(at)) return
    out.push({ resourceType: 'Immunization', id: nextId('imm'), status: 'completed', vaccineCode: concept(CVX, v), patient: subject, occurrenceDateTime: iso(at), primarySource: true })
  }
  const firstYear = new Date(start).getUTCFullYear()
  const lastYear = new Date(end).getUTCFullYear()
  for (let y = firstYear; y <= lastYear; y++) {
    if (rng.chance(0.7)) immunize(VACCINES.influenza, Date.UTC(y, 9, 1) + rng.int(0, 40) * DAY_MS + 11 * 3_600_000)
    if (y === 2021) {
      const first = Date.UTC(2021, 3, 1) + rng.int(0, 120) * DAY_MS + 9 * 3_600_000
      immunize(VACCINES.covid, first)
      immunize(VACCINES.covid, first + 21 * DAY_MS)
    }
  }
  if (rng.chance(0.5)) immunize(VACCINES.tdap, start + rng.int(0, days - 1) * DAY_MS + 15 * 3_600_000)
  const at65 = birth + 65 * YEAR_MS + 30 * DAY_MS
  immunize(VACCINES.pneumococcal, at65)

  // visits: a yearly check-up with labs; quarterly diabetes follow-ups; acute episodes
  const visit = (at: number, type: { code: string; display: string }, note: string, doc: Reference): Reference => {
    const encId = nextId('enc')
    out.push({
      resourceType: 'Encounter',
      id: encId,
      status: 'finished',
      class: AMBULATORY,
      type: [concept(SNOMED, type)],
      subject,
      participant: [{ individual: doc }],
      period: { start: iso(at), end: iso(at + 30 * 60_000) },
      serviceProvider: org
    })
    const encounter = { reference: `Encounter/${encId}` }
    out.push({
      resourceType: 'Composition',
      id: nextId('note'),
      status: 'final',
      type: concept(LOINC, PANELS.progressNote),
      subject,
      encounter,
      date: iso(at + 25 * 60_000),
      author: [doc],
      title: 'Progress note',
      section: [{ title: 'Assessment and plan', text: xhtml(note) }]
    })
    return encounter
  }
  const lab = (term: LoincTerm, value: number, at: number, encounter: Reference): Reference => {
    const id = nextId('lab')
    out.push({
      resourceType: 'Observation',
      id,
      status: 'final',
      category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'laboratory', display: 'Laboratory' }] }],
      code: concept(LOINC, term),
      subject,
      encounter,
      effectiveDateTime: iso(at),
      issued: iso(at + DAY_MS),
      valueQuantity: { value, unit: term.unit, system: UCUM, code: term.unit }
    })
    return { reference: `Observation/${id}` }
  }
  const report = (panel: { code: string; display: string }, results: Reference[], at: number, encounter: Reference): void => {
    out.push({
      resourceType: 'DiagnosticReport',
      id: nextId('dr'),
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB', display: 'Laboratory' }] }],
      code: concept(LOINC, panel),
      subject,
      encounter,
      effectiveDateTime: iso(at),
      issued: iso(at + DAY_MS),
      result: results
    })
  }
  const r1 = (x: number): number => Math.round(x * 10) / 10
  const r2 = (x: number): number => Math.round(x * 100) / 100
  for (let y = firstYear; y <= lastYear; y++) {
    // one check-up in each calendar year the record covers (so a one-month demo has one too)
    const from = Math.max(start, Date.UTC(y, 0, 1))
    const until = Math.min(end, Date.UTC(y + 1, 0, 1))
    const span = Math.floor((until - from) / DAY_MS)
    if (span < 1) continue
    const at = from + rng.int(0, span - 1) * DAY_MS + rng.int(8, 15) * 3_600_000
    const enc = visit(at, ENCOUNTERS.checkUp, `Yearly check-up. ${hypertensive ? 'Blood pressure controlled on treatment. ' : ''}${diabetic ? 'Type 2 diabetes: continue metformin, HbA1c reviewed. ' : ''}Labs ordered.`, doctor)
    const labAt = at + 40 * 60_000
    const tc = r1(rng.normal(lipids ? 215 : 185, 20))
    report(PANELS.lipid, [
      lab(LABS.cholesterol, tc, labAt, enc),
      lab(LABS.hdl, r1(rng.normal(50, 8)), labAt, enc),
      lab(LABS.ldl, r1(rng.normal(lipids ? 135 : 105, 18)), labAt, enc),
      lab(LABS.triglycerides, r1(rng.normal(lipids ? 180 : 120, 30)), labAt, enc)
    ], labAt, enc)
    report(PANELS.metabolic, [lab(LABS.glucose, Math.round(rng.normal(diabetic ? 150 : 92, 12)), labAt, enc), lab(LABS.creatinine, r2(rng.normal(0.95, 0.12)), labAt, enc)], labAt, enc)
    report(PANELS.cbc, [lab(LABS.hemoglobin, r1(rng.normal(gender === 'male' ? 14.8 : 13.2, 0.8)), labAt, enc)], labAt, enc)
    lab(LABS.hba1c, r1(rng.normal(diabetic ? 7.2 : 5.4, diabetic ? 0.6 : 0.2)), labAt, enc)
    out.push({
      resourceType: 'DocumentReference',
      id: nextId('doc'),
      status: 'current',
      type: concept(LOINC, PANELS.labReport),
      subject,
      date: iso(labAt + DAY_MS),
      content: [{ attachment: { contentType: 'application/pdf', url: `urn:phr:attachment:${nextId('att')}`, size: rng.int(40_000, 240_000), title: `Lab report ${day(labAt)}` } }],
      context: { encounter: [enc] }
    })
    if (diabetic) {
      for (const months of [3, 6, 9]) {
        const f = at + months * 30 * DAY_MS
        if (!inRange(f)) continue
        const fe = visit(f, ENCOUNTERS.followUp, 'Diabetes follow-up: glucose log and CGM reviewed, HbA1c checked.', doctor)
        lab(LABS.hba1c, r1(rng.normal(7.1, 0.5)), f + 20 * 60_000, fe)
      }
    }
  }
  const episodes = Math.round((days / 365) * 1.2)
  for (let i = 0; i < episodes; i++) {
    const at = start + rng.int(0, days - 1) * DAY_MS + rng.int(9, 17) * 3_600_000
    const term = rng.chance(0.5) ? CONDITIONS.bronchitis : CONDITIONS.sinusitis
    condition(term, at, at + 14 * DAY_MS)
    visit(at, ENCOUNTERS.followUp, `${term.display.replace(' (disorder)', '')}: symptomatic treatment, review if not better in two weeks.`, doctors[1] as Reference)
  }
  return {
    state: {
      patientId,
      subject,
      birth,
      diabetic,
      hypertensive,
      restingHeartRate: rng.int(58, 74),
      weightKg: r1(rng.normal(gender === 'male' ? 84 : 70, 9))
    },
    resources: out
  }
}
