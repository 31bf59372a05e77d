/**
 * The International Patient Summary (HL7 FHIR IPS IG, hl7.org/fhir/uv/ips): a `document`
 * Bundle whose first entry is a Composition of type LOINC 60591-5 "Patient summary
 * Document", with the required sections Medications (10160-0), Allergies (48765-2) and
 * Problems (11450-4) always present (with `emptyReason` when there is nothing), and the
 * other sections when there is something to put in them.
 *
 * Empty required sections follow the IG example `bundle-no-info-required-sections`:
 * `emptyReason` = list-empty-reason `unavailable`, text "No information available". The
 * record cannot tell "none" (`nilknown`) from "not recorded", so it never claims "none".
 */
import { isWithdrawn, validateResource, DEFAULT_MAX_RESOURCE_BYTES, OBSERVATION_CATEGORY, type FhirResource } from '../record/index.ts'
import type { FhirBundle } from './export.ts'
import { withFullUrlReferences } from './export.ts'
import { isObject, uuidFromName } from './json.ts'
import { describeResource, escapeHtml } from './narrative.ts'
import { collectReferences, parseReference } from './references.ts'

const LOINC = 'http://loinc.org'
/** http://terminology.hl7.org/CodeSystem/list-empty-reason */
export const LIST_EMPTY_REASON = 'http://terminology.hl7.org/CodeSystem/list-empty-reason'
const XHTML = 'http://www.w3.org/1999/xhtml'

/** One IPS section this layer fills. */
export interface IpsSectionDef {
  readonly key: string
  readonly title: string
  /** LOINC code of `section.code`. */
  readonly code: string
  readonly display: string
  /** IPS: required sections are always present, with `emptyReason` when empty. */
  readonly required: boolean
  readonly match: (r: FhirResource) => boolean
}

function categoryCodes(r: FhirResource): string[] {
  const out: string[] = []
  const cats: unknown[] = Array.isArray(r['category']) ? r['category'] : []
  for (const cat of cats) {
    if (!isObject(cat) || !Array.isArray(cat['coding'])) continue
    for (const c of cat['coding'] as unknown[]) if (isObject(c) && c['system'] === OBSERVATION_CATEGORY && typeof c['code'] === 'string') out.push(c['code'])
  }
  return out
}

const ACTIVE_CONDITION = new Set(['active', 'recurrence', 'relapse'])
function conditionActive(r: FhirResource): boolean {
  const cs = r['clinicalStatus']
  if (!isObject(cs) || !Array.isArray(cs['coding'])) return true // unknown status: listed as a problem rather than hidden
  return (cs['coding'] as unknown[]).some((c) => isObject(c) && typeof c['code'] === 'string' && ACTIVE_CONDITION.has(c['code']))
}

/** Observation categories that are neither results nor vital signs in the IPS (steps, habits, questionnaires). */
const NOT_RESULTS = new Set(['vital-signs', 'activity', 'social-history', 'survey', 'exam', 'therapy'])

/** The sections, in document order (IPS IG, Composition profile "section" slices). */
export const IPS_SECTIONS: readonly IpsSectionDef[] = Object.freeze([
  {
    key: 'medications',
    title: 'Medication Summary',
    code: '10160-0',
    display: 'History of Medication use Narrative',
    required: true,
    match: (r: FhirResource) => r.resourceType === 'MedicationStatement' || r.resourceType === 'MedicationRequest'
  },
  {
    key: 'allergies',
    title: 'Allergies and Intolerances',
    code: '48765-2',
    display: 'Allergies and adverse reactions Document',
    required: true,
    match: (r: FhirResource) => r.resourceType === 'AllergyIntolerance'
  },
  {
    key: 'problems',
    title: 'Problem List',
    code: '11450-4',
    display: 'Problem list - Reported',
    required: true,
    match: (r: FhirResource) => r.resourceType === 'Condition' && conditionActive(r)
  },
  {
    key: 'immunizations',
    title: 'Immunizations',
    code: '11369-6',
    display: 'History of Immunization Narrative',
    required: false,
    match: (r: FhirResource) => r.resourceType === 'Immunization'
  },
  {
    key: 'procedures',
    title: 'History of Procedures',
    code: '47519-4',
    display: 'History of Procedures Document',
    required: false,
    match: (r: FhirResource) => r.resourceType === 'Procedure'
  },
  {
    key: 'results',
    title: 'Results',
    code: '30954-2',
    display: 'Relevant diagnostic tests/laboratory data Narrative',
    required: false,
    match: (r: FhirResource) => r.resourceType === 'DiagnosticReport' || (r.resourceType === 'Observation' && !categoryCodes(r).some((c) => NOT_RESULTS.has(c)))
  },
  {
    key: 'vitalSigns',
    title: 'Vital Signs',
    code: '8716-3',
    display: 'Vital signs',
    required: false,
    match: (r: FhirResource) => r.resourceType === 'Observation' && categoryCodes(r).includes('vital-signs')
  },
  {
    key: 'pastIllness',
    title: 'History of Past Illness',
    code: '11348-0',
    display: 'History of Past illness Narrative',
    required: false,
    match: (r: FhirResource) => r.resourceType === 'Condition' && !conditionActive(r)
  }
])

/** Options of `buildIps`. */
export interface IpsInit {
  /** Wall clock for `Bundle.timestamp` and `Composition.date`. @default Date.now */
  readonly clock?: () => number
  /** uuid of the Bundle (`id`, `identifier`). @default crypto.randomUUID() */
  readonly bundleUuid?: string
  /** The document's author (Practitioner, Organization, Device…). @default the patient (a patient-generated summary) */
  readonly author?: FhirResource
  /** `Composition.title`. @default 'International Patient Summary' */
  readonly title?: string
}

const narrative = (inner: string): { status: 'generated'; div: string } => ({ status: 'generated', div: `<div xmlns="${XHTML}">${inner}</div>` })

/**
 * Builds an IPS document Bundle for `patient` from `resources` (typically the record's
 * `core`, `results` and `vitals`; `sensitive` only if the patient picked it). Withdrawn
 * (entered-in-error) resources are left out; Medication, Practitioner, Organization… are
 * included when an included resource refers to them. Every entry has a `urn:uuid:` fullUrl
 * and references between included resources point at it.
 * @throws {ResourceInvalidError} if `patient` is not a valid Patient, or a resource fails the record's validator.
 * @example const ips = buildIps(core.resources.get('Patient', 'me'), [...core.resources.list('Condition')])
 */
export function buildIps(patient: object, resources: object[], init: IpsInit = {}): FhirBundle & { type: 'document' } {
  const p = validateResource(patient, DEFAULT_MAX_RESOURCE_BYTES).resource
  if (p.resourceType !== 'Patient') throw new TypeError(`patient: expected a Patient, got ${p.resourceType}`)
  const all = resources.map((r) => validateResource(r, DEFAULT_MAX_RESOURCE_BYTES).resource).filter((r) => !isWithdrawn(r))
  const byKey = new Map<string, FhirResource>()
  for (const r of all) byKey.set(`${r.resourceType}/${r.id}`, r)
  const patientKey = `Patient/${p.id}`
  byKey.set(patientKey, p)
  const author = init.author === undefined ? undefined : validateResource(init.author, DEFAULT_MAX_RESOURCE_BYTES).resource
  if (author !== undefined) byKey.set(`${author.resourceType}/${author.id}`, author)

  // sections, then what their resources refer to (transitively: statement → Medication → Organization)
  const sections = IPS_SECTIONS.map((def) => ({ def, items: all.filter((r) => def.match(r)) }))
  const included = new Map<string, FhirResource>([[patientKey, p]])
  if (author !== undefined) included.set(`${author.resourceType}/${author.id}`, author)
  for (const s of sections) for (const r of s.items) included.set(`${r.resourceType}/${r.id}`, r)
  const queue = [...included.values()]
  while (queue.length > 0) {
    const r = queue.pop() as FhirResource
    for (const ref of collectReferences(r)) {
      const parsed = parseReference(ref)
      if (parsed.kind !== 'relative') continue
      const key = `${parsed.type}/${parsed.id}`
      const target = byKey.get(key)
      if (target !== undefined && !included.has(key)) {
        included.set(key, target)
        queue.push(target)
      }
    }
  }
  const urnByKey = new Map<string, string>()
  for (const key of included.keys()) urnByKey.set(key, `urn:uuid:${uuidFromName(`ips/${key}`)}`)
  const urn = (r: FhirResource): string => urnByKey.get(`${r.resourceType}/${r.id}`) as string
  const lookup = (ref: string): FhirResource | undefined => {
    const parsed = parseReference(ref)
    return parsed.kind === 'relative' ? byKey.get(`${parsed.type}/${parsed.id}`) : undefined
  }

  const now = new Date((init.clock ?? Date.now)()).toISOString()
  const uuid = init.bundleUuid ?? globalThis.crypto.randomUUID()
  const compositionId = uuidFromName(`ips-composition/${uuid}`)
  const section = sections
    .filter((s) => s.def.required || s.items.length > 0)
    .map(({ def, items }) => {
      const base = { title: def.title, code: { coding: [{ system: LOINC, code: def.code, display: def.display }] } }
      if (items.length === 0) {
        return {
          ...base,
          text: narrative('No information available'),
          // IPS example bundle-no-info-required-sections: "unavailable", not "nilknown" (see file comment)
          emptyReason: { coding: [{ system: LIST_EMPTY_REASON, code: 'unavailable', display: 'Unavailable' }], text: 'No information available' }
        }
      }
      const rows = items.map((r) => {
        const d = describeResource(r, lookup)
        return `<li>${escapeHtml([d.what, d.value, d.date, d.status].filter((x) => x !== '').join(' — '))}</li>`
      })
      return { ...base, text: narrative(`<ul>${rows.join('')}</ul>`), entry: items.map((r) => ({ reference: urn(r) })) }
    })
  const name = patientName(p)
  const composition: FhirResource = {
    resourceType: 'Composition',
    id: compositionId,
    text: narrative(`International Patient Summary for ${escapeHtml(name)}`),
    status: 'final',
    type: { coding: [{ system: LOINC, code: '60591-5', display: 'Patient summary Document' }] },
    subject: { reference: urn(p) },
    date: now,
    author: [{ reference: author === undefined ? urn(p) : urn(author) }],
    title: init.title ?? 'International Patient Summary',
    section
  }
  const entry = [
    { fullUrl: `urn:uuid:${compositionId}`, resource: composition },
    ...[...included.values()].map((r) => ({ fullUrl: urn(r), resource: withFullUrlReferences(r, urnByKey) }))
  ]
  return {
    resourceType: 'Bundle',
    id: uuid,
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${uuid}` },
    type: 'document',
    timestamp: now,
    entry
  }
}

/**
 * A patient's display name: `name[0].text`, else given names and family.
 * @throws Never.
 */
export function patientName(p: FhirResource): string {
  const names: unknown[] = Array.isArray(p['name']) ? p['name'] : []
  const n = names.find((x) => isObject(x))
  if (!isObject(n)) return 'Unnamed patient'
  if (typeof n['text'] === 'string' && n['text'].trim() !== '') return n['text']
  const given: unknown[] = Array.isArray(n['given']) ? n['given'] : []
  const parts = [...given.filter((g): g is string => typeof g === 'string'), ...(typeof n['family'] === 'string' ? [n['family']] : [])]
  return parts.length > 0 ? parts.join(' ') : 'Unnamed patient'
}
