/**
 * Which imported resources go to the `sensitive` compartment (DESIGN §4: mental, sexual and
 * reproductive health, never in a grant unless picked). The record's `compartmentFor`
 * never chooses `sensitive`; the importer asks `isSensitive` first.
 *
 * The list is deliberately small and explicit. It errs towards "sensitive": a resource is
 * sensitive if ANY coding anywhere in it (code, category, value, reason, medication…)
 * matches, or if it carries a sensitivity security label. Limits:
 * - SNOMED CT is a hierarchy; without a terminology server only the concepts listed here
 *   (top-level disorders) are recognised, not their descendants. ICD-10 is matched by
 *   ranges, so its children are covered.
 * - Free text (`code.text` without coding) is not read.
 */
import { isObject } from './json.ts'

/** ICD-10 and ICD-10-CM/-GM/-AM code systems (the WHO and national modifications). */
const ICD10_SYSTEMS: ReadonlySet<string> = new Set([
  'http://hl7.org/fhir/sid/icd-10',
  'http://hl7.org/fhir/sid/icd-10-cm',
  'http://hl7.org/fhir/sid/icd-10-gm',
  'http://hl7.org/fhir/sid/icd-10-am',
  'http://hl7.org/fhir/sid/icd-10-ca',
  'http://hl7.org/fhir/sid/icd-10-nl',
  'urn:oid:2.16.840.1.113883.6.3',
  'urn:oid:2.16.840.1.113883.6.90'
])

/**
 * ICD-10 (WHO 2019, and ICD-10-CM where noted) ranges of 3-character categories, inclusive,
 * compared as strings (so `O9A` sorts after `O99`). Why each is here:
 * - F00–F99 Chapter V, mental and behavioural disorders (substance use included)
 * - A50–A64 infections with a predominantly sexual mode of transmission
 * - B20–B24 HIV disease; Z21 asymptomatic HIV infection status; Z20.6 contact with HIV (under Z20, see below)
 * - O00–O9A Chapter XV, pregnancy, childbirth and the puerperium (O9A: ICD-10-CM)
 * - Z30–Z39, Z3A contraceptive and procreative management, pregnancy supervision, delivery outcome, weeks of gestation (Z3A: ICD-10-CM)
 * - N96–N98 recurrent pregnancy loss, female infertility, complications of artificial fertilisation; N46 male infertility
 * - X60–X84 intentional self-harm
 * - Z71.7 HIV counselling (matched as a full code)
 */
const ICD10_RANGES: readonly (readonly [string, string])[] = [
  ['F00', 'F99'],
  ['A50', 'A64'],
  ['B20', 'B24'],
  ['Z21', 'Z21'],
  ['O00', 'O9A'],
  ['Z30', 'Z3A'],
  ['N96', 'N98'],
  ['N46', 'N46'],
  ['X60', 'X84']
]
const ICD10_CODES: ReadonlySet<string> = new Set(['Z20.6', 'Z71.7'])

/** SNOMED CT concepts (International edition), each a top-level concept of a sensitive area. */
const SNOMED_CODES: ReadonlyMap<string, string> = new Map([
  ['74732009', 'Mental disorder'],
  ['35489007', 'Depressive disorder'],
  ['197480006', 'Anxiety disorder'],
  ['58214004', 'Schizophrenia'],
  ['13746004', 'Bipolar disorder'],
  ['47505003', 'Posttraumatic stress disorder'],
  ['66214007', 'Substance abuse'],
  ['7200002', 'Alcoholism'],
  ['86406008', 'Human immunodeficiency virus infection'],
  ['165816005', 'Human immunodeficiency virus detected'],
  ['77386006', 'Pregnancy'],
  ['72892002', 'Normal pregnancy'],
  ['8619003', 'Infertility'],
  ['13197004', 'Contraception']
])

/** LOINC observations whose mere presence discloses a sensitive area. */
const LOINC_CODES: ReadonlyMap<string, string> = new Map([
  ['75622-1', 'HIV 1 and 2 tests - Meaningful Use set'],
  ['7918-6', 'HIV 1+2 Ab [Presence] in Serum'],
  ['68961-2', 'HIV 1 Ab [Presence] in Serum or Plasma by Immunoassay'],
  ['25836-8', 'HIV 1 RNA [#/volume] (viral load) in Serum or Plasma'],
  ['2106-3', 'Choriogonadotropin (pregnancy test) [Presence] in Urine'],
  ['82810-3', 'Pregnancy status'],
  ['11449-6', 'Pregnancy status - Reported'],
  ['44249-1', 'PHQ-9 quick depression assessment panel'],
  ['44261-6', 'Patient Health Questionnaire 9 item (PHQ-9) total score'],
  ['70274-6', 'Generalized anxiety disorder 7 item (GAD-7) total score']
])

/** WHO ATC prefixes of medicines that disclose a sensitive area. */
const ATC_PREFIXES: readonly string[] = [
  'N05A', // antipsychotics
  'N05B', // anxiolytics
  'N06A', // antidepressants
  'N07BB', // drugs used in alcohol dependence
  'N07BC', // drugs used in opioid dependence
  'J05AE', // HIV protease inhibitors
  'J05AF', // nucleoside/nucleotide reverse transcriptase inhibitors
  'J05AG', // non-nucleoside reverse transcriptase inhibitors
  'J05AR', // antivirals for HIV, combinations
  'G03A' // hormonal contraceptives for systemic use
]

/**
 * HL7 v3 ActCode sensitivity labels (`meta.security`), ActInformationSensitivityPolicy:
 * behavioural/mental health, HIV, sexuality and reproductive health, substance use,
 * psychotherapy note, sexually transmitted disease.
 */
const SECURITY_CODES: ReadonlySet<string> = new Set(['BH', 'MH', 'PSY', 'PSYTHPN', 'ETH', 'SUD', 'HIV', 'SEX', 'STD', 'SDV'])
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode'

const SNOMED = 'http://snomed.info/sct'
const LOINC = 'http://loinc.org'
const ATC = 'http://www.whocc.no/atc'

function icd10Sensitive(code: string): boolean {
  const c = code.trim().toUpperCase()
  if (ICD10_CODES.has(c)) return true
  const cat = c.slice(0, 3)
  if (!/^[A-Z][0-9][0-9A-Z]$/.test(cat)) return false
  return ICD10_RANGES.some(([lo, hi]) => cat >= lo && cat <= hi)
}

/**
 * Whether one coding is on the sensitive list.
 * @throws Never.
 * @example isSensitiveCoding({ system: 'http://hl7.org/fhir/sid/icd-10', code: 'F32.1' }) // true
 */
export function isSensitiveCoding(coding: { readonly system?: unknown; readonly code?: unknown }): boolean {
  const { system, code } = coding
  if (typeof system !== 'string' || typeof code !== 'string') return false
  if (ICD10_SYSTEMS.has(system)) return icd10Sensitive(code)
  if (system === SNOMED) return SNOMED_CODES.has(code)
  if (system === LOINC) return LOINC_CODES.has(code)
  if (system === ATC) return ATC_PREFIXES.some((p) => code.toUpperCase().startsWith(p))
  if (system === ACT_CODE) return SECURITY_CODES.has(code)
  return false
}

/**
 * Whether a resource belongs in the `sensitive` compartment: any coding in it (at any depth)
 * is on the list, or `meta.security` carries a sensitivity label. Patients, practitioners
 * and organisations are never sensitive by themselves (everything refers to them).
 * @throws Never.
 */
export function isSensitive(resource: { readonly resourceType: string; readonly [k: string]: unknown }): boolean {
  if (NEVER_SENSITIVE.has(resource.resourceType)) return false
  return anyCoding(resource, 0)
}

const NEVER_SENSITIVE: ReadonlySet<string> = new Set(['Patient', 'Practitioner', 'PractitionerRole', 'Organization', 'Device', 'Location'])

function anyCoding(value: unknown, depth: number): boolean {
  if (depth > 64) return false
  if (Array.isArray(value)) return value.some((v) => anyCoding(v, depth + 1))
  if (!isObject(value)) return false
  if (typeof value['code'] === 'string' && typeof value['system'] === 'string' && isSensitiveCoding(value)) return true
  for (const k of Object.keys(value)) if (anyCoding(value[k], depth + 1)) return true
  return false
}
