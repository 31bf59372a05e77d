/**
 * Terminology and people used by the synthetic record generator. Codes are real:
 * LOINC (loinc.org), SNOMED CT (snomed.info/sct), RxNorm (RxCUIs of NLM's RxNorm), CVX (CDC
 * vaccine codes), HL7 v3 ActCode, each with its display name.
 */
import type { CodeableConcept, Coding } from './fhir-types.ts'

export const LOINC = 'http://loinc.org'
export const SNOMED = 'http://snomed.info/sct'
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm'
export const CVX = 'http://hl7.org/fhir/sid/cvx'
export const UCUM = 'http://unitsofmeasure.org'
export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode'

/** A LOINC observation with its UCUM unit. */
export interface LoincTerm {
  readonly code: string
  readonly display: string
  readonly unit: string
}

/** LOINC terms of the vitals and time series. */
export const VITALS = {
  heartRate: { code: '8867-4', display: 'Heart rate', unit: '/min' },
  cgmGlucose: { code: '99504-3', display: 'Glucose [Mass/volume] in Interstitial fluid', unit: 'mg/dL' },
  steps: { code: '55423-8', display: 'Number of steps in unspecified time Pedometer', unit: '{steps}' },
  bpPanel: { code: '85354-9', display: 'Blood pressure panel with all children optional', unit: 'mm[Hg]' },
  systolic: { code: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]' },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure', unit: 'mm[Hg]' },
  weight: { code: '29463-7', display: 'Body weight', unit: 'kg' },
  height: { code: '8302-2', display: 'Body height', unit: 'cm' },
  temperature: { code: '8310-5', display: 'Body temperature', unit: 'Cel' },
  spo2: { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', unit: '%' }
} as const satisfies Record<string, LoincTerm>

/** LOINC laboratory tests. */
export const LABS = {
  hba1c: { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', unit: '%' },
  glucose: { code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma', unit: 'mg/dL' },
  cholesterol: { code: '2093-3', display: 'Cholesterol [Mass/volume] in Serum or Plasma', unit: 'mg/dL' },
  hdl: { code: '2085-9', display: 'Cholesterol in HDL [Mass/volume] in Serum or Plasma', unit: 'mg/dL' },
  ldl: { code: '18262-6', display: 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay', unit: 'mg/dL' },
  triglycerides: { code: '2571-8', display: 'Triglyceride [Mass/volume] in Serum or Plasma', unit: 'mg/dL' },
  creatinine: { code: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma', unit: 'mg/dL' },
  hemoglobin: { code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood', unit: 'g/dL' }
} as const satisfies Record<string, LoincTerm>

/** LOINC panels (DiagnosticReport.code) and document types. */
export const PANELS = {
  lipid: { code: '57698-3', display: 'Lipid panel with direct LDL - Serum or Plasma' },
  metabolic: { code: '24323-8', display: 'Comprehensive metabolic 2000 panel - Serum or Plasma' },
  cbc: { code: '58410-2', display: 'CBC panel - Blood by Automated count' },
  progressNote: { code: '11506-3', display: 'Progress note' },
  labReport: { code: '11502-2', display: 'Laboratory report' }
} as const

/** SNOMED CT conditions. */
export const CONDITIONS = {
  hypertension: { code: '59621000', display: 'Essential hypertension (disorder)' },
  diabetes2: { code: '44054006', display: 'Diabetes mellitus type 2 (disorder)' },
  asthma: { code: '195967001', display: 'Asthma (disorder)' },
  hyperlipidemia: { code: '55822004', display: 'Hyperlipidemia (disorder)' },
  bronchitis: { code: '10509002', display: 'Acute bronchitis (disorder)' },
  sinusitis: { code: '444814009', display: 'Viral sinusitis (disorder)' }
} as const

/** SNOMED CT allergies and reaction manifestations. */
export const ALLERGIES = {
  penicillin: { code: '91936005', display: 'Allergy to penicillin', category: 'medication', reaction: { code: '126485001', display: 'Urticaria (disorder)' } },
  grassPollen: { code: '418689008', display: 'Allergy to grass pollen', category: 'environment', reaction: { code: '76067001', display: 'Sneezing (finding)' } },
  latex: { code: '300916003', display: 'Latex allergy', category: 'environment', reaction: { code: '271807003', display: 'Eruption of skin (disorder)' } }
} as const

/** RxNorm clinical drugs (SCD). */
export const DRUGS = {
  lisinopril: { code: '314076', display: 'lisinopril 10 MG Oral Tablet' },
  amlodipine: { code: '197361', display: 'amlodipine 5 MG Oral Tablet' },
  metformin: { code: '861007', display: 'metformin hydrochloride 500 MG Oral Tablet' },
  atorvastatin: { code: '259255', display: 'atorvastatin 80 MG Oral Tablet' },
  albuterol: { code: '745679', display: '200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler' }
} as const

/** CVX vaccines. */
export const VACCINES = {
  influenza: { code: '140', display: 'Influenza, seasonal, injectable, preservative free' },
  tdap: { code: '115', display: 'Tdap' },
  covid: { code: '208', display: 'COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose' },
  pneumococcal: { code: '33', display: 'pneumococcal polysaccharide vaccine, 23 valent' }
} as const

/** SNOMED CT encounter types and procedures. */
export const ENCOUNTERS = {
  checkUp: { code: '185349003', display: 'Encounter for check up (procedure)' },
  followUp: { code: '390906007', display: 'Follow-up encounter (procedure)' }
} as const

export const PROCEDURES = {
  colonoscopy: { code: '73761001', display: 'Colonoscopy (procedure)' },
  spirometry: { code: '127783003', display: 'Spirometry (procedure)' }
} as const

/** HL7 v3 ActCode AMB (Encounter.class). */
export const AMBULATORY: Coding = { system: ACT_CODE, code: 'AMB', display: 'ambulatory' }

/** A CodeableConcept of one coding in `system`. */
export function concept(system: string, term: { readonly code: string; readonly display: string }): CodeableConcept {
  return { coding: [{ system, code: term.code, display: term.display }] }
}

/** People and places. */
export interface Culture {
  readonly male: readonly { readonly given: string; readonly family: string }[]
  readonly female: readonly { readonly given: string; readonly family: string }[]
  readonly lang: string
}

export const UZBEK: Culture = {
  lang: 'uz-Latn',
  male: [
    { given: 'Dilshod', family: 'Karimov' },
    { given: 'Sherzod', family: 'Abdullayev' },
    { given: 'Aziz', family: 'Yusupov' },
    { given: 'Jasur', family: 'Rahimov' },
    { given: 'Bekzod', family: 'Tursunov' }
  ],
  female: [
    { given: 'Gulnora', family: 'Rashidova' },
    { given: 'Nodira', family: 'Tursunova' },
    { given: 'Malika', family: 'Karimova' },
    { given: 'Dilnoza', family: 'Yusupova' },
    { given: 'Kamola', family: 'Ismoilova' }
  ]
}

export const RUSSIAN: Culture = {
  lang: 'ru',
  male: [
    { given: 'Ivan', family: 'Petrov' },
    { given: 'Sergey', family: 'Ivanov' },
    { given: 'Dmitriy', family: 'Smirnov' },
    { given: 'Aleksey', family: 'Kuznetsov' }
  ],
  female: [
    { given: 'Elena', family: 'Smirnova' },
    { given: 'Olga', family: 'Kuznetsova' },
    { given: 'Tatyana', family: 'Popova' },
    { given: 'Natalya', family: 'Volkova' }
  ]
}

export const ENGLISH: Culture = {
  lang: 'en',
  male: [
    { given: 'James', family: 'Walker' },
    { given: 'Daniel', family: 'Hughes' }
  ],
  female: [
    { given: 'Emma', family: 'Clarke' },
    { given: 'Sarah', family: 'Bennett' }
  ]
}

/** Streets and districts of Tashkent (postal codes 100000–100200). */
export const TASHKENT_STREETS = [
  { line: 'Amir Temur shoh koʻchasi', district: 'Yunusobod tumani' },
  { line: 'Bunyodkor shoh koʻchasi', district: 'Chilonzor tumani' },
  { line: 'Mustaqillik shoh koʻchasi', district: 'Mirzo Ulugʻbek tumani' },
  { line: 'Shota Rustaveli koʻchasi', district: 'Yakkasaroy tumani' },
  { line: 'Nukus koʻchasi', district: 'Mirobod tumani' }
] as const
