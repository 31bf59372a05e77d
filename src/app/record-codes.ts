/**
 * The small lists of common codes the record forms offer (a patient types "pean" and picks
 * "Allergy to peanuts"); anything not here is kept as free text (`code.text` only). Displays
 * are the code system's own names (SNOMED CT without the semantic tag), lower-cased where
 * the reference writes them so.
 *
 * Where each code was checked:
 * - SNOMED CT allergies: an HL7 v2 allergen table keyed by SNOMED CT concept ids (national
 *   HL7 v2 profile, table "NAB043", as published in a public HL7 v2 message library), and
 *   for 91936005, 418689008, 300916003 the record's own synthetic terms
 *   (src/record/synthetic-terms.ts). 294505008 "Allergy to amoxicillin" from a public FHIR
 *   allergy code list that agrees with the SNOMED CT browser.
 * - SNOMED CT conditions: concept ids as Synthea's modules (synthetichealth/synthea) and the
 *   HL7 FHIR R4 examples use them, with their SNOMED CT names; 59621000, 44054006,
 *   195967001, 55822004, 10509002, 444814009 as in src/record/synthetic-terms.ts. Not
 *   re-checked against a SNOMED CT release file: a correction is a one-line change here.
 * - RxNorm: ingredient (TTY IN) RxCUIs from src/insights/medication-data.ts that are marked
 *   checked there against CPIC's drug table (cpicpgx) or an independent mapping ('cpic' or
 *   'corpus'); unchecked ones are left out. Clinical drugs (SCD) from synthetic-terms.ts.
 * - LOINC: codes and long common names as loinc.org publishes them (the first eight as in
 *   synthetic-terms.ts, the others as Synthea's lab modules use them), with the UCUM unit
 *   the lab usually reports in.
 * - CVX: the CDC CVX table (cdc.gov "IIS: Vaccine Administered (CVX)"), short descriptions.
 */
import { INGREDIENTS } from '../insights/index.ts'

/** The code systems the forms use. */
export const CodeSystem = {
  snomed: 'http://snomed.info/sct',
  loinc: 'http://loinc.org',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  cvx: 'http://hl7.org/fhir/sid/cvx'
} as const
export type CodeSystem = (typeof CodeSystem)[keyof typeof CodeSystem]

/** One code a form offers. */
export interface CodeEntry {
  readonly system: CodeSystem
  readonly code: string
  readonly display: string
  /** UCUM unit a lab result of this code is reported in. */
  readonly unit?: string
  /** AllergyIntolerance.category of an allergy code. */
  readonly category?: 'food' | 'medication' | 'environment' | 'biologic'
}

const sct = (code: string, display: string, category?: CodeEntry['category']): CodeEntry =>
  category === undefined ? { system: CodeSystem.snomed, code, display } : { system: CodeSystem.snomed, code, display, category }
const loinc = (code: string, display: string, unit: string): CodeEntry => ({ system: CodeSystem.loinc, code, display, unit })
const cvx = (code: string, display: string): CodeEntry => ({ system: CodeSystem.cvx, code, display })

/** Allergies (SNOMED CT "Allergy to …" disorders). */
export const ALLERGY_CODES: readonly CodeEntry[] = [
  sct('91936005', 'Allergy to penicillin', 'medication'),
  sct('294505008', 'Allergy to amoxicillin', 'medication'),
  sct('294881007', 'Warfarin allergy', 'medication'),
  sct('294037000', 'Salbutamol allergy', 'medication'),
  sct('294133003', 'Diphenhydramine allergy', 'medication'),
  sct('293977001', 'Labetalol allergy', 'medication'),
  sct('293983003', 'Sotalol allergy', 'medication'),
  sct('293785000', 'Paclitaxel allergy', 'medication'),
  sct('294211007', 'Isotretinoin allergy', 'medication'),
  sct('294962003', 'Cholestyramine allergy', 'medication'),
  sct('294847001', 'Gelatin allergy', 'medication'),
  sct('293641005', 'Diagnostic dye allergy', 'medication'),
  sct('91935009', 'Allergy to peanuts', 'food'),
  sct('91934008', 'Allergy to nuts', 'food'),
  sct('91940001', 'Allergy to walnuts', 'food'),
  sct('91930004', 'Allergy to eggs', 'food'),
  sct('213020009', 'Egg protein allergy', 'food'),
  sct('15911003', 'Cow’s milk protein sensitivity', 'food'),
  sct('425525006', 'Allergy to dairy product', 'food'),
  sct('25868003', 'Soy protein sensitivity', 'food'),
  sct('417532002', 'Allergy to fish', 'food'),
  sct('91937001', 'Allergy to seafood', 'food'),
  sct('300913006', 'Shellfish allergy', 'food'),
  sct('419972009', 'Allergy to shrimp', 'food'),
  sct('418626004', 'Allergy to lobster', 'food'),
  sct('419967000', 'Allergy to oyster', 'food'),
  sct('420174000', 'Allergy to wheat', 'food'),
  sct('418184004', 'Allergy to rye', 'food'),
  sct('419342009', 'Allergy to oats', 'food'),
  sct('419573007', 'Allergy to corn', 'food'),
  sct('409136006', 'Allergy to legumes', 'food'),
  sct('91932007', 'Allergy to fruit', 'food'),
  sct('91938006', 'Allergy to strawberries', 'food'),
  sct('418085001', 'Allergy to citrus fruit', 'food'),
  sct('418051002', 'Allergy to cherry', 'food'),
  sct('419298007', 'Allergy to watermelon', 'food'),
  sct('418779002', 'Allergy to tomato', 'food'),
  sct('419619007', 'Allergy to potato', 'food'),
  sct('420080006', 'Allergy to carrot', 'food'),
  sct('418397007', 'Allergy to cinnamon', 'food'),
  sct('300912001', 'Chocolate allergy', 'food'),
  sct('300914000', 'Cheese allergy', 'food'),
  sct('417918006', 'Allergy to pork', 'food'),
  sct('418815008', 'Allergy to red meat', 'food'),
  sct('419101002', 'Allergy to seed', 'food'),
  sct('447961002', 'Allergy to dietary mushroom', 'food'),
  sct('300910009', 'Allergy to pollen', 'environment'),
  sct('418689008', 'Allergy to grass pollen', 'environment'),
  sct('419263009', 'Allergy to tree pollen', 'environment'),
  sct('419210001', 'Allergy to weed pollen', 'environment'),
  sct('418561004', 'Allergy to ragweed pollen', 'environment'),
  sct('232349006', 'House dust allergy', 'environment'),
  sct('232350006', 'House dust mite allergy', 'environment'),
  sct('390952000', 'Dust allergy', 'environment'),
  sct('419474003', 'Allergy to mold', 'environment'),
  sct('232346004', 'Allergy to cat dander', 'environment'),
  sct('419271008', 'Allergy to dog dander', 'environment'),
  sct('419063004', 'Allergy to horse dander', 'environment'),
  sct('300911008', 'Allergy to animal hair', 'environment'),
  sct('232348003', 'Feather allergy', 'environment'),
  sct('300916003', 'Latex allergy', 'environment'),
  sct('419412007', 'Allergy to rubber', 'environment'),
  sct('419238009', 'Allergy to adhesive bandage', 'environment'),
  sct('417930000', 'Allergy to adhesive', 'environment'),
  sct('300915004', 'Metal allergy', 'environment'),
  sct('300908007', 'Perfume allergy', 'environment'),
  sct('417982003', 'Allergy to cosmetic', 'environment'),
  sct('418545001', 'Allergy to dye', 'environment'),
  sct('425605001', 'Allergy to wool', 'environment'),
  sct('424213003', 'Allergy to bee venom', 'biologic'),
  sct('423058007', 'Allergy to wasp venom', 'biologic')
]

/** Conditions (SNOMED CT disorders and findings). */
export const CONDITION_CODES: readonly CodeEntry[] = [
  sct('38341003', 'Hypertensive disorder, systemic arterial'),
  sct('59621000', 'Essential hypertension'),
  sct('44054006', 'Diabetes mellitus type 2'),
  sct('46635009', 'Diabetes mellitus type 1'),
  sct('55822004', 'Hyperlipidemia'),
  sct('13644009', 'Hypercholesterolemia'),
  sct('195967001', 'Asthma'),
  sct('13645005', 'Chronic obstructive lung disease'),
  sct('61582004', 'Allergic rhinitis'),
  sct('53741008', 'Coronary arteriosclerosis'),
  sct('22298006', 'Myocardial infarction'),
  sct('84114007', 'Heart failure'),
  sct('49436004', 'Atrial fibrillation'),
  sct('230690007', 'Cerebrovascular accident'),
  sct('40930008', 'Hypothyroidism'),
  sct('34486009', 'Hyperthyroidism'),
  sct('271737000', 'Anemia'),
  sct('35489007', 'Depressive disorder'),
  sct('197480006', 'Anxiety disorder'),
  sct('406506008', 'Attention deficit hyperactivity disorder'),
  sct('26929004', 'Alzheimer’s disease'),
  sct('49049000', 'Parkinson’s disease'),
  sct('84757009', 'Epilepsy'),
  sct('37796009', 'Migraine'),
  sct('24700007', 'Multiple sclerosis'),
  sct('3723001', 'Arthritis'),
  sct('396275006', 'Osteoarthritis'),
  sct('69896004', 'Rheumatoid arthritis'),
  sct('64859006', 'Osteoporosis'),
  sct('90560007', 'Gout'),
  sct('235595009', 'Gastroesophageal reflux disease'),
  sct('34000006', 'Crohn’s disease'),
  sct('64766004', 'Ulcerative colitis'),
  sct('396331005', 'Celiac disease'),
  sct('709044004', 'Chronic kidney disease'),
  sct('414916001', 'Obesity'),
  sct('363732003', 'Addison’s disease'),
  sct('10509002', 'Acute bronchitis'),
  sct('444814009', 'Viral sinusitis'),
  sct('6142004', 'Influenza'),
  sct('68566005', 'Urinary tract infectious disease'),
  sct('43878008', 'Streptococcal sore throat'),
  sct('233604007', 'Pneumonia'),
  sct('56717001', 'Tuberculosis'),
  sct('66071002', 'Viral hepatitis type B'),
  sct('50711007', 'Viral hepatitis type C'),
  sct('86406008', 'Human immunodeficiency virus infection'),
  sct('43339004', 'Hypokalemia'),
  sct('190905008', 'Cystic fibrosis'),
  sct('43116000', 'Eczema')
]

const rxnorm = (code: string, display: string): CodeEntry => ({ system: CodeSystem.rxnorm, code, display })

/** Medicines: RxNorm ingredients checked in the shipped medication knowledge, and a few clinical drugs. */
export const MEDICATION_CODES: readonly CodeEntry[] = [
  ...Object.values(INGREDIENTS)
    .filter((i) => i.checked !== 'unchecked')
    .map((i) => rxnorm(i.rxcui, i.name)),
  rxnorm('314076', 'lisinopril 10 MG Oral Tablet'),
  rxnorm('197361', 'amlodipine 5 MG Oral Tablet'),
  rxnorm('861007', 'metformin hydrochloride 500 MG Oral Tablet'),
  rxnorm('259255', 'atorvastatin 80 MG Oral Tablet'),
  rxnorm('745679', '200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler')
]

/** Laboratory tests (LOINC), with the unit they are reported in. */
export const LAB_CODES: readonly CodeEntry[] = [
  loinc('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', '%'),
  loinc('2345-7', 'Glucose [Mass/volume] in Serum or Plasma', 'mg/dL'),
  loinc('2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma', 'mg/dL'),
  loinc('2085-9', 'Cholesterol in HDL [Mass/volume] in Serum or Plasma', 'mg/dL'),
  loinc('18262-6', 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay', 'mg/dL'),
  loinc('2571-8', 'Triglyceride [Mass/volume] in Serum or Plasma', 'mg/dL'),
  loinc('2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 'mg/dL'),
  loinc('718-7', 'Hemoglobin [Mass/volume] in Blood', 'g/dL'),
  loinc('4544-3', 'Hematocrit [Volume Fraction] of Blood by Automated count', '%'),
  loinc('6690-2', 'Leukocytes [#/volume] in Blood by Automated count', '10*3/uL'),
  loinc('789-8', 'Erythrocytes [#/volume] in Blood by Automated count', '10*6/uL'),
  loinc('777-3', 'Platelets [#/volume] in Blood by Automated count', '10*3/uL'),
  loinc('2951-2', 'Sodium [Moles/volume] in Serum or Plasma', 'mmol/L'),
  loinc('2823-3', 'Potassium [Moles/volume] in Serum or Plasma', 'mmol/L'),
  loinc('2075-0', 'Chloride [Moles/volume] in Serum or Plasma', 'mmol/L'),
  loinc('17861-6', 'Calcium [Mass/volume] in Serum or Plasma', 'mg/dL'),
  loinc('3094-0', 'Urea nitrogen [Mass/volume] in Serum or Plasma', 'mg/dL'),
  loinc('1742-6', 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma', 'U/L'),
  loinc('1920-8', 'Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma', 'U/L'),
  loinc('6768-6', 'Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma', 'U/L'),
  loinc('1975-2', 'Bilirubin.total [Mass/volume] in Serum or Plasma', 'mg/dL'),
  loinc('1751-7', 'Albumin [Mass/volume] in Serum or Plasma', 'g/dL'),
  loinc('2885-2', 'Protein [Mass/volume] in Serum or Plasma', 'g/dL'),
  loinc('3016-3', 'Thyrotropin [Units/volume] in Serum or Plasma', 'm[IU]/L'),
  loinc('2276-4', 'Ferritin [Mass/volume] in Serum or Plasma', 'ng/mL'),
  loinc('2132-9', 'Cobalamin (Vitamin B12) [Mass/volume] in Serum or Plasma', 'pg/mL'),
  loinc('1988-5', 'C reactive protein [Mass/volume] in Serum or Plasma', 'mg/L'),
  loinc('6301-6', 'INR in Platelet poor plasma by Coagulation assay', '{INR}'),
  loinc('2947-0', 'Sodium [Moles/volume] in Blood', 'mmol/L'),
  loinc('14749-6', 'Glucose [Moles/volume] in Serum or Plasma', 'mmol/L'),
  loinc('33914-3', 'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or Plasma by Creatinine-based formula (MDRD)', 'mL/min/{1.73_m2}')
]

/** Vaccines (CVX). */
export const VACCINE_CODES: readonly CodeEntry[] = [
  cvx('140', 'Influenza, seasonal, injectable, preservative free'),
  cvx('88', 'influenza, unspecified formulation'),
  cvx('208', 'COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose'),
  cvx('207', 'COVID-19, mRNA, LNP-S, PF, 100 mcg/0.5mL dose'),
  cvx('115', 'Tdap'),
  cvx('113', 'Td (adult) preservative free'),
  cvx('20', 'DTaP'),
  cvx('10', 'IPV'),
  cvx('03', 'MMR'),
  cvx('21', 'varicella'),
  cvx('08', 'Hep B, adolescent or pediatric'),
  cvx('43', 'Hep B, adult'),
  cvx('83', 'Hep A, ped/adol, 2 dose'),
  cvx('52', 'Hep A, adult'),
  cvx('62', 'HPV, quadrivalent'),
  cvx('165', 'HPV9'),
  cvx('133', 'Pneumococcal conjugate PCV 13'),
  cvx('33', 'pneumococcal polysaccharide vaccine, 23 valent'),
  cvx('114', 'meningococcal MCV4P'),
  cvx('187', 'zoster recombinant'),
  cvx('19', 'BCG'),
  cvx('17', 'Hib, unspecified formulation'),
  cvx('116', 'rotavirus, pentavalent'),
  cvx('25', 'typhoid, oral'),
  cvx('18', 'rabies, intramuscular injection')
]

/** Most matches `searchCodes` returns. */
export const MAX_CODE_MATCHES = 8

/**
 * The entries of `list` matching `query` (case-insensitive), best first: the display
 * starting with the query, then a word of it starting with the query, then containing
 * it, then the code itself; at most `limit`. Every word of the query must match.
 * @throws Never.
 * @example searchCodes(ALLERGY_CODES, 'pean') // [{ code: '91935009', display: 'Allergy to peanuts', … }]
 */
export function searchCodes(list: readonly CodeEntry[], query: string, limit: number = MAX_CODE_MATCHES): CodeEntry[] {
  const words = query.toLowerCase().trim().split(/\s+/).filter((w) => w !== '')
  if (words.length === 0) return []
  const scored: { e: CodeEntry; score: number; i: number }[] = []
  list.forEach((e, i) => {
    const d = e.display.toLowerCase()
    let score = 0
    for (const w of words) {
      let s: number
      if (d.startsWith(w)) s = 4
      else if (new RegExp(`(^|[^a-z0-9])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).test(d)) s = 3
      else if (d.includes(w)) s = 2
      else if (e.code === w) s = 1
      else return
      score += s
    }
    scored.push({ e, score, i })
  })
  return scored
    .sort((a, b) => b.score - a.score || a.e.display.length - b.e.display.length || a.i - b.i)
    .slice(0, Math.max(0, limit))
    .map((s) => s.e)
}
