/**
 * Medication safety at prescribing time: drug–allergy by ingredient and by class
 * cross-reactivity (penicillins → amoxicillin; aminopenicillin → cephalosporin of the same
 * R1 side chain only; sulfonamide antibiotics but not non-antibiotic sulfonamides; COX-1
 * NSAIDs but not celecoxib), drug–drug from the shipped table, both ways round, and the
 * integrity of the tables.
 */
import { describe, expect, it } from 'vitest'
import {
  ALLERGY_CLASSES,
  CROSS_REACTIVITY,
  INGREDIENTS,
  INTERACTIONS,
  RXNORM_SYSTEM,
  checkPrescription,
  ingredientsOf,
  prescriptionCheckOf,
  type AllergyEntry,
  type DrugEntry
} from '../../src/insights/index.ts'
import type { AllergyIntolerance, CodeableConcept, MedicationRequest, MedicationStatement } from '../../src/record/index.ts'

const rx = (code: string, display: string): CodeableConcept => ({ coding: [{ system: RXNORM_SYSTEM, code, display }] })
const text = (t: string): CodeableConcept => ({ text: t })
const drug = (code: CodeableConcept, ref?: string): DrugEntry => (ref === undefined ? { code } : { code, ref })
const allergy = (code: CodeableConcept, ref?: string): AllergyEntry => (ref === undefined ? { code } : { code, ref })

/** [severity, rule id] of each finding. */
const ruleIds = (rules: { severity: string; fired: string }[]): [string, string][] => rules.map((r) => [r.severity, /rule "([^"]+)"/.exec(r.fired)?.[1] ?? r.fired])

/** Rules that fired for prescribing `med` to someone allergic to `allergen`. */
function allergyRules(med: CodeableConcept, allergen: CodeableConcept): { severity: string; fired: string }[] {
  return checkPrescription({ medication: drug(med), allergies: [allergy(allergen)] }).map((f) => ({ severity: f.severity, fired: f.fired }))
}

describe('drug–allergy', () => {
  it('warns on amoxicillin for a penicillin allergy, recorded by name, by SNOMED CT, or as another penicillin', () => {
    // an SCD (clinical drug) code unknown to the table: recognised by the ingredient name
    const amoxCapsule = rx('308182', 'amoxicillin 250 MG Oral Capsule')
    for (const allergen of [
      text('Penicillin'),
      { coding: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Allergy to penicillin' }] },
      rx('7980', 'penicillin G'),
      text('penicillin V potassium')
    ]) {
      const rules = allergyRules(amoxCapsule, allergen)
      expect(rules, JSON.stringify(allergen)).toHaveLength(1)
      expect(rules[0]?.severity).toBe('high')
      expect(rules[0]?.fired).toContain('"penicillin-class"')
      expect(rules[0]?.fired).toContain('→ amoxicillin')
    }
  })

  it('says "same ingredient" once, not again as the class, for an allergy to the drug itself', () => {
    const f = checkPrescription({ medication: drug(rx('723', 'amoxicillin'), 'MedicationRequest/new'), allergies: [allergy(text('Amoxicillin'), 'AllergyIntolerance/a1')] })
    expect(f).toHaveLength(1)
    expect(f[0]?.summary).toBe('amoxicillin: the patient has a recorded allergy to amoxicillin')
    expect(f[0]?.fired).toContain('same ingredient (amoxicillin, RxCUI 723)')
    expect(f[0]?.evidence).toEqual([
      { what: 'prescribing: amoxicillin (amoxicillin, by RxCUI 723)', ref: 'MedicationRequest/new' },
      { what: 'allergy: Amoxicillin (by name "amoxicillin" in "amoxicillin")', ref: 'AllergyIntolerance/a1' }
    ])
  })

  it('warns on a cephalosporin only when it shares the R1 side chain of the aminopenicillin', () => {
    const cephalexin = text('cephalexin 500 MG Oral Capsule')
    const cefadroxil = text('cefadroxil 500 MG Oral Capsule')
    expect(ruleIds(allergyRules(cephalexin, text('ampicillin')))).toEqual([['moderate', 'ampicillin-r1-cephalosporins']])
    expect(ruleIds(allergyRules(cefadroxil, text('amoxicillin')))).toEqual([['moderate', 'amoxicillin-r1-cephalosporins']])
    expect(allergyRules(cephalexin, text('amoxicillin'))).toEqual([])
    expect(allergyRules(cefadroxil, text('ampicillin'))).toEqual([])
    expect(allergyRules(cephalexin, text('Penicillin'))).toEqual([])
  })

  it('keeps sulfonamide antibiotic allergy to antibiotics (Strom 2003)', () => {
    const sulfa = text('sulfamethoxazole / trimethoprim')
    expect(allergyRules(text('sulfadiazine 500 MG Oral Tablet'), sulfa)[0]?.severity).toBe('high')
    expect(allergyRules(text('furosemide 40 MG Oral Tablet'), sulfa)).toEqual([])
    expect(allergyRules(text('hydrochlorothiazide 25 MG Oral Tablet'), text('Sulfa'))).toEqual([])
    expect(allergyRules(text('celecoxib 200 MG Oral Capsule'), text('Sulfa'))).toEqual([])
  })

  it('warns across COX-1 NSAIDs but not on a selective COX-2 inhibitor', () => {
    expect(ruleIds(allergyRules(text('ibuprofen 400 MG Oral Tablet'), text('Aspirin')))).toEqual([['moderate', 'cox1-nsaid-class']])
    expect(allergyRules(text('naproxen 250 MG'), text('NSAIDs'))[0]?.severity).toBe('moderate')
    expect(allergyRules(text('celecoxib 200 MG Oral Capsule'), text('Aspirin'))).toEqual([])
  })

  it('matches names as whole words only', () => {
    expect(allergyRules(text('penicillamine 250 MG Oral Capsule'), text('Penicillin'))).toEqual([])
    expect(ingredientsOf(text('Amoxicillin/Clavulanate 875 MG')).map((m) => m.item.name)).toEqual(['amoxicillin'])
    expect(ingredientsOf(text('esomeprazole 40 MG')).map((m) => m.item.name)).toEqual(['esomeprazole'])
  })

  it('says nothing for an unrelated allergy or drug', () => {
    expect(allergyRules(text('metformin 500 MG'), text('Penicillin'))).toEqual([])
    expect(allergyRules(text('amoxicillin 500 MG'), text('Latex'))).toEqual([])
  })
})

describe('drug–drug', () => {
  const check = (prescribing: string, current: string): { severity: string; id: string; source: string }[] =>
    checkPrescription({ medication: drug(text(prescribing)), current: [drug(text(current), 'MedicationStatement/m1')] }).map((f) => ({
      severity: f.severity,
      id: /interaction "([^"]+)"/.exec(f.fired)?.[1] ?? '',
      source: f.source.id
    }))

  it('finds each interaction whichever of the two drugs is being prescribed', () => {
    expect(check('clarithromycin 500 MG Oral Tablet', 'simvastatin 40 MG Oral Tablet')).toEqual([{ severity: 'high', id: 'simvastatin-strong-cyp3a4-inhibitors', source: 'fda-label-simvastatin-zocor' }])
    expect(check('simvastatin 40 MG Oral Tablet', 'clarithromycin 500 MG Oral Tablet')).toEqual([{ severity: 'high', id: 'simvastatin-strong-cyp3a4-inhibitors', source: 'fda-label-simvastatin-zocor' }])
    expect(check('ibuprofen 400 MG Oral Tablet', 'warfarin sodium 5 MG Oral Tablet')).toEqual([{ severity: 'moderate', id: 'warfarin-nsaids', source: 'hl7-pddi-cds' }])
    expect(check('sildenafil 50 MG Oral Tablet', 'nitroglycerin 0.4 MG Sublingual Tablet')[0]?.id).toBe('pde5-nitrates')
    expect(check('oxycodone hydrochloride 5 MG Oral Tablet', 'diazepam 5 MG Oral Tablet')[0]?.id).toBe('opioids-benzodiazepines')
    expect(check('linezolid 600 MG Oral Tablet', 'sertraline 50 MG Oral Tablet')[0]?.id).toBe('serotonergic-maoi-antiinfectives')
    expect(check('allopurinol 100 MG Oral Tablet', 'azathioprine 50 MG Oral Tablet')[0]?.id).toBe('thiopurines-allopurinol')
  })

  it('explains which ingredients met and points at the current medication', () => {
    const [f] = checkPrescription({ medication: drug(rx('2551', 'ciprofloxacin')), current: [drug(rx('57258', 'tizanidine'), 'MedicationStatement/tiz')] })
    expect(f?.rule).toBe('drug-drug')
    expect(f?.summary).toBe('ciprofloxacin with tizanidine: CYP1A2 inhibition raises tizanidine levels: severe hypotension and sedation')
    expect(f?.fired).toBe('interaction "tizanidine-cyp1a2-inhibitors": ciprofloxacin (RxCUI 2551) + tizanidine (RxCUI 57258)')
    expect(f?.evidence[1]).toEqual({ what: 'current: tizanidine (tizanidine, by RxCUI 57258)', ref: 'MedicationStatement/tiz' })
  })

  it('says nothing for drugs that do not interact', () => {
    expect(check('amoxicillin 500 MG', 'simvastatin 40 MG')).toEqual([])
    expect(check('warfarin 5 MG', 'warfarin 1 MG')).toEqual([])
  })
})

describe('prescriptionCheckOf', () => {
  const subject = { reference: 'Patient/p' }
  const request: MedicationRequest = { resourceType: 'MedicationRequest', id: 'rx1', status: 'draft', intent: 'order', subject, medicationCodeableConcept: text('amoxicillin 500 MG Oral Capsule') }
  const allergy = (id: string, extra: Partial<AllergyIntolerance> = {}): AllergyIntolerance => ({
    resourceType: 'AllergyIntolerance',
    id,
    patient: subject,
    code: { coding: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Allergy to penicillin' }] },
    ...extra
  })
  const status = (code: string): CodeableConcept => ({ coding: [{ code }] })

  it('checks active allergies and current medications only', () => {
    const meds: MedicationStatement[] = [
      { resourceType: 'MedicationStatement', id: 'm1', status: 'active', subject, medicationCodeableConcept: text('warfarin 5 MG') },
      { resourceType: 'MedicationStatement', id: 'm2', status: 'stopped', subject, medicationCodeableConcept: text('simvastatin 40 MG') }
    ]
    const input = prescriptionCheckOf(
      request,
      [allergy('active'), allergy('refuted', { verificationStatus: status('refuted') }), allergy('resolved', { clinicalStatus: status('resolved') })],
      meds,
      1234
    )
    expect(input.allergies?.map((a) => a.ref)).toEqual(['AllergyIntolerance/active'])
    expect(input.current?.map((m) => m.ref)).toEqual(['MedicationStatement/m1'])
    const findings = checkPrescription(input)
    expect(findings).toHaveLength(1)
    expect(findings[0]?.evidence.map((e) => e.ref)).toEqual(['MedicationRequest/rx1', 'AllergyIntolerance/active'])
    expect(findings[0]?.at).toBe(1234)
  })

  it('refuses a request that names its medication only by reference', () => {
    const { medicationCodeableConcept: _, ...byRef } = request
    expect(() => prescriptionCheckOf({ ...byRef, medicationReference: { reference: 'Medication/x' } }, [], [])).toThrow(TypeError)
  })
})

describe('checkPrescription input', () => {
  it('refuses entries without a CodeableConcept', () => {
    expect(() => checkPrescription({ medication: {} as DrugEntry })).toThrow(/checkPrescription\.medication\.code/)
    expect(() => checkPrescription({ medication: drug(text('x')), allergies: [null as unknown as AllergyEntry] })).toThrow(/allergies\[0\]/)
    expect(() => checkPrescription({ medication: drug({ coding: 'x' } as unknown as CodeableConcept) })).toThrow(TypeError)
    expect(() => checkPrescription(undefined as unknown as Parameters<typeof checkPrescription>[0])).toThrow(TypeError)
  })
})

describe('the shipped tables', () => {
  const ingredients = Object.values(INGREDIENTS)

  it('key every ingredient by a distinct RxCUI and name', () => {
    expect(new Set(ingredients.map((i) => i.rxcui)).size).toBe(ingredients.length)
    expect(new Set(ingredients.map((i) => i.name)).size).toBe(ingredients.length)
    for (const i of ingredients) expect(i.rxcui).toMatch(/^[1-9][0-9]{0,7}$/)
  })

  it('give every interaction and cross-reactivity row a source, and only known ingredients', () => {
    for (const row of INTERACTIONS) {
      expect(row.source.citation.length, row.id).toBeGreaterThan(20)
      for (const i of [...row.a, ...row.b]) expect(ingredients, row.id).toContain(i)
    }
    for (const row of CROSS_REACTIVITY) {
      expect(row.source.citation.length, row.id).toBeGreaterThan(20)
      for (const i of row.drugs) expect(ingredients, row.id).toContain(i)
    }
    expect(new Set(INTERACTIONS.map((r) => r.id)).size).toBe(INTERACTIONS.length)
    for (const k of Object.values(ALLERGY_CLASSES)) for (const i of k.members) expect(ingredients).toContain(i)
  })
})
