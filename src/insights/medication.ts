/**
 * Medication safety at prescribing time: the drug being prescribed against the patient's
 * allergies (same ingredient, and the class cross-reactivity of `CROSS_REACTIVITY`) and
 * against their current medications (`INTERACTIONS`).
 *
 * A drug or allergy is recognised by an RxNorm ingredient code (RxCUI) in its codings, or
 * else by an ingredient name (or a class name, for allergies) written as whole words in its
 * text or a coding's display — so "amoxicillin 500 MG Oral Capsule" (an SCD) is amoxicillin.
 * Brand names are not recognised. An allergy whose clinical status is inactive or resolved,
 * or whose verification status is refuted or entered-in-error, is not checked.
 */
import type { AllergyIntolerance, CodeableConcept, MedicationRequest, MedicationStatement } from '../record/index.ts'
import { bySeverity, type Evidence, type Finding } from './findings.ts'
import { ALLERGY_CLASSES, CROSS_REACTIVITY, INGREDIENTS, INTERACTIONS, type AllergyClass, type Ingredient } from './medication-data.ts'
import { arrayOf } from './validate.ts'

/** RxNorm's FHIR system. */
export const RXNORM_SYSTEM = 'http://www.nlm.nih.gov/research/umls/rxnorm'
const SNOMED_SYSTEM = 'http://snomed.info/sct'

/** A drug, as prescribed or taken. */
export interface DrugEntry {
  readonly code: CodeableConcept
  /** e.g. `MedicationStatement/ms-1`. */
  readonly ref?: string
}

/** A recorded allergy or intolerance. */
export interface AllergyEntry {
  readonly code: CodeableConcept
  readonly ref?: string
  readonly criticality?: 'low' | 'high' | 'unable-to-assess'
}

/** What `checkPrescription` checks. */
export interface PrescriptionCheck {
  /** The drug about to be prescribed. */
  readonly medication: DrugEntry
  readonly allergies?: readonly AllergyEntry[]
  /** The patient's current medications. */
  readonly current?: readonly DrugEntry[]
  /** Time of the check, epoch ms (the findings' `at`). @default 0 */
  readonly at?: number
}

/** How an ingredient or class was recognised. */
interface Match<T> {
  readonly item: T
  readonly by: string
}

const byRxcui = new Map<string, Ingredient>(Object.values(INGREDIENTS).map((i) => [i.rxcui, i]))
const ALL_INGREDIENTS: readonly Ingredient[] = Object.values(INGREDIENTS)
const CLASSES: readonly AllergyClass[] = Object.values(ALLERGY_CLASSES)

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const wordRe = new Map<string, RegExp>()
function hasWords(text: string, words: string): boolean {
  let re = wordRe.get(words)
  if (re === undefined) {
    re = new RegExp(`(^|[^a-z0-9])${escape(words)}($|[^a-z0-9])`)
    wordRe.set(words, re)
  }
  return re.test(text)
}

/** Texts of a concept, lower case: its text and every coding's display. */
function textsOf(c: CodeableConcept): string[] {
  const out: string[] = []
  if (typeof c.text === 'string') out.push(c.text.toLowerCase())
  for (const coding of c.coding ?? []) if (typeof coding.display === 'string') out.push(coding.display.toLowerCase())
  return out
}

/** The ingredients a concept names, each with how it was recognised. */
export function ingredientsOf(c: CodeableConcept): Match<Ingredient>[] {
  const found = new Map<string, Match<Ingredient>>()
  for (const coding of c.coding ?? []) {
    if (coding.system !== RXNORM_SYSTEM || typeof coding.code !== 'string') continue
    const i = byRxcui.get(coding.code)
    if (i !== undefined && !found.has(i.rxcui)) found.set(i.rxcui, { item: i, by: `RxCUI ${i.rxcui}` })
  }
  const texts = textsOf(c)
  for (const i of ALL_INGREDIENTS) {
    if (found.has(i.rxcui)) continue
    for (const name of [i.name, ...(i.aliases ?? [])]) {
      const text = texts.find((t) => hasWords(t, name))
      if (text !== undefined) {
        found.set(i.rxcui, { item: i, by: `name "${name}" in "${text}"` })
        break
      }
    }
  }
  return [...found.values()]
}

/** The allergy classes a concept names. */
function classesOf(c: CodeableConcept): Match<AllergyClass>[] {
  const out: Match<AllergyClass>[] = []
  const texts = textsOf(c)
  for (const k of CLASSES) {
    const snomed = (c.coding ?? []).find((x) => x.system === SNOMED_SYSTEM && typeof x.code === 'string' && k.snomed.includes(x.code))
    if (snomed !== undefined) {
      out.push({ item: k, by: `SNOMED CT ${String(snomed.code)}` })
      continue
    }
    for (const name of k.names) {
      const text = texts.find((t) => hasWords(t, name))
      if (text !== undefined) {
        out.push({ item: k, by: `name "${name}" in "${text}"` })
        break
      }
    }
  }
  return out
}

function checkConcept(value: unknown, label: string): asserts value is { code: CodeableConcept } {
  if (typeof value !== 'object' || value === null) throw new TypeError(`${label}: expected { code: CodeableConcept }`)
  const code = (value as { code?: unknown }).code
  if (typeof code !== 'object' || code === null) throw new TypeError(`${label}.code: expected a CodeableConcept`)
  const coding = (code as { coding?: unknown }).coding
  if (coding !== undefined && !Array.isArray(coding)) throw new TypeError(`${label}.code.coding: expected an array`)
}

const display = (c: CodeableConcept): string => c.text ?? c.coding?.find((x) => x.display !== undefined)?.display ?? c.coding?.[0]?.code ?? 'unnamed'

/** At most this many allergies or current medications per check. */
export const MAX_ENTRIES = 10_000

/**
 * Checks a drug about to be prescribed against allergies and current medications.
 * Returns one finding per allergy rule and per interaction that fires, most severe first.
 * @throws {TypeError} if an entry has no CodeableConcept `code`.
 * @throws {RangeError} if more than `MAX_ENTRIES` allergies or medications are given.
 * @example checkPrescription({ medication: { code: { text: 'amoxicillin 500 MG Oral Capsule' } }, allergies: [{ code: { text: 'Penicillin' } }] })
 *   // [{ rule: 'drug-allergy', severity: 'high', summary: 'amoxicillin 500 MG Oral Capsule: allergy to a penicillin …', … }]
 */
export function checkPrescription(check: PrescriptionCheck): Finding[] {
  if (typeof check !== 'object' || check === null) throw new TypeError('checkPrescription: expected { medication, allergies, current }')
  checkConcept(check.medication, 'checkPrescription.medication')
  const allergies = arrayOf<AllergyEntry>(check.allergies ?? [], 'checkPrescription.allergies', 0, MAX_ENTRIES)
  const current = arrayOf<DrugEntry>(check.current ?? [], 'checkPrescription.current', 0, MAX_ENTRIES)
  allergies.forEach((a, i) => checkConcept(a, `checkPrescription.allergies[${i}]`))
  current.forEach((m, i) => checkConcept(m, `checkPrescription.current[${i}]`))
  const at = check.at ?? 0
  const drug = check.medication
  const drugName = display(drug.code)
  const drugIngredients = ingredientsOf(drug.code)
  const drugEvidence = (m: Match<Ingredient>): Evidence => ({ what: `prescribing: ${drugName} (${m.item.name}, by ${m.by})`, ...(drug.ref !== undefined ? { ref: drug.ref } : {}) })
  const findings: Finding[] = []

  for (const allergy of allergies) {
    const allergyName = display(allergy.code)
    const allergenIngredients = ingredientsOf(allergy.code)
    const allergenClasses = classesOf(allergy.code)
    const allergyEvidence = (by: string): Evidence => ({ what: `allergy: ${allergyName} (by ${by})`, ...(allergy.ref !== undefined ? { ref: allergy.ref } : {}) })
    const fired = new Set<string>()
    for (const d of drugIngredients) {
      // the same ingredient: no rule needed beyond the record itself
      const same = allergenIngredients.find((a) => a.item.rxcui === d.item.rxcui)
      if (same !== undefined) {
        fired.add(d.item.rxcui)
        findings.push({
          rule: 'drug-allergy',
          severity: 'high',
          summary: `${drugName}: the patient has a recorded allergy to ${d.item.name}`,
          fired: `same ingredient (${d.item.name}, RxCUI ${d.item.rxcui}) as a recorded allergy${allergy.criticality === 'high' ? ' of high criticality' : ''}`,
          evidence: [drugEvidence(d), allergyEvidence(same.by)],
          source: {
            id: 'record-allergy',
            citation: "The patient's recorded AllergyIntolerance (same RxNorm ingredient)."
          },
          at
        })
      }
    }
    for (const rule of CROSS_REACTIVITY) {
      const isClass = 'members' in rule.allergen
      const allergen = isClass
        ? (allergenClasses.find((k) => k.item === rule.allergen) ??
          allergenIngredients.find((a) => (rule.allergen as AllergyClass).members.includes(a.item)))
        : allergenIngredients.find((a) => a.item === rule.allergen)
      if (allergen === undefined) continue
      for (const d of drugIngredients) {
        if (fired.has(d.item.rxcui) || !rule.drugs.includes(d.item)) continue
        fired.add(d.item.rxcui)
        findings.push({
          rule: 'drug-allergy',
          severity: rule.severity,
          summary: `${drugName}: ${rule.note}`,
          fired: `cross-reactivity rule "${rule.id}": allergy to ${'name' in allergen.item ? allergen.item.name : allergen.item.id} → ${d.item.name}`,
          evidence: [drugEvidence(d), allergyEvidence(allergen.by)],
          source: rule.source,
          at
        })
      }
    }
  }

  for (const med of current) {
    const medName = display(med.code)
    const medIngredients = ingredientsOf(med.code)
    for (const row of INTERACTIONS) {
      for (const d of drugIngredients) {
        const other = row.a.includes(d.item) ? row.b : row.b.includes(d.item) ? row.a : null
        if (other === null) continue
        const m = medIngredients.find((x) => other.includes(x.item))
        if (m === undefined || m.item === d.item) continue
        findings.push({
          rule: 'drug-drug',
          severity: row.severity,
          summary: `${drugName} with ${medName}: ${row.effect}`,
          fired: `interaction "${row.id}": ${d.item.name} (RxCUI ${d.item.rxcui}) + ${m.item.name} (RxCUI ${m.item.rxcui})`,
          evidence: [drugEvidence(d), { what: `current: ${medName} (${m.item.name}, by ${m.by})`, ...(med.ref !== undefined ? { ref: med.ref } : {}) }],
          source: row.source,
          at
        })
      }
    }
  }
  return findings.sort(bySeverity)
}

const INACTIVE_CLINICAL = new Set(['inactive', 'resolved'])
const NOT_VERIFIED = new Set(['refuted', 'entered-in-error'])
const codesOf = (c: CodeableConcept | undefined): string[] => (c?.coding ?? []).map((x) => x.code ?? '')

/** Whether an AllergyIntolerance should be checked (active, not refuted or withdrawn). */
export function isCheckableAllergy(a: AllergyIntolerance): boolean {
  if (codesOf(a.clinicalStatus).some((c) => INACTIVE_CLINICAL.has(c))) return false
  if (codesOf(a.verificationStatus).some((c) => NOT_VERIFIED.has(c))) return false
  return a.code !== undefined
}

/** Medication statuses that mean "not currently taken". */
const NOT_CURRENT = new Set(['completed', 'entered-in-error', 'stopped', 'not-taken', 'cancelled', 'revoked', 'draft', 'unknown'])

/**
 * Builds a `PrescriptionCheck` from FHIR resources: the MedicationRequest being prescribed,
 * the patient's AllergyIntolerances and their MedicationStatements/Requests (only active or
 * intended ones count as current). A medication given by reference only (no
 * `medicationCodeableConcept`) cannot be checked and is left out.
 * @throws {TypeError} if the request has no `medicationCodeableConcept`.
 */
export function prescriptionCheckOf(
  request: MedicationRequest,
  allergies: readonly AllergyIntolerance[],
  medications: readonly (MedicationStatement | MedicationRequest)[],
  at = 0
): PrescriptionCheck {
  if (request.medicationCodeableConcept === undefined) throw new TypeError('prescriptionCheckOf.request: expected medicationCodeableConcept (a reference to a Medication cannot be checked)')
  return {
    medication: { code: request.medicationCodeableConcept, ref: `MedicationRequest/${request.id}` },
    allergies: allergies
      .filter(isCheckableAllergy)
      .map((a) => ({ code: a.code as CodeableConcept, ref: `AllergyIntolerance/${a.id}`, ...(a.criticality !== undefined ? { criticality: a.criticality } : {}) })),
    current: medications
      .filter((m) => m.id !== request.id && m.medicationCodeableConcept !== undefined && !NOT_CURRENT.has(m.status))
      .map((m) => ({ code: m.medicationCodeableConcept as CodeableConcept, ref: `${m.resourceType}/${m.id}` })),
    at
  }
}
