/**
 * What a timeline entry says, read from its FHIR resource: a title (what it is), a detail
 * (the value, dose, conclusion or note) and the author when the resource names one. The
 * words are the record's own (a condition's display name, a doctor's note); the UI
 * translates only its own labels around them.
 */
import type { CodeableConcept, FhirResource } from '../record/index.ts'

/** The text of one entry. */
export interface EntryText {
  readonly title: string
  readonly detail: string
  readonly author: string | undefined
}

/** Longest title or detail kept (a note's text can be long; the row shows one line). */
const MAX_TEXT = 240

type Json = Record<string, unknown>

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined)
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v)
const clip = (s: string): string => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s)

/** The words of a CodeableConcept (or Coding): its text, a display, else a code. */
export function conceptText(v: unknown): string | undefined {
  const c = first(v)
  if (!isObj(c)) return str(c)
  const cc = c as CodeableConcept & Json
  if (str(cc.text) !== undefined) return cc.text
  if (Array.isArray(cc.coding)) {
    for (const x of cc.coding) if (isObj(x) && str(x['display']) !== undefined) return x['display'] as string
    for (const x of cc.coding) if (isObj(x) && str(x['code']) !== undefined) return x['code'] as string
  }
  return str(c['display']) ?? str(c['code'])
}

function quantity(v: unknown): string | undefined {
  if (!isObj(v) || typeof v['value'] !== 'number') return undefined
  const unit = str(v['unit']) ?? str(v['code'])
  return unit === undefined ? String(v['value']) : `${v['value']} ${unit}`
}

/** An Observation's (or component's) value in words. */
function valueText(o: Json): string | undefined {
  return (
    quantity(o['valueQuantity']) ??
    conceptText(o['valueCodeableConcept']) ??
    str(o['valueString']) ??
    (typeof o['valueBoolean'] === 'boolean' ? String(o['valueBoolean']) : undefined) ??
    (typeof o['valueInteger'] === 'number' ? String(o['valueInteger']) : undefined)
  )
}

function observationDetail(o: Json): string {
  const own = valueText(o)
  if (own !== undefined) return own
  const comps = Array.isArray(o['component']) ? o['component'].filter(isObj) : []
  const quantities = comps.map((c) => c['valueQuantity']).filter(isObj)
  // a blood-pressure panel reads "128/82 mm[Hg]": the values together, the unit once
  if (quantities.length > 1 && quantities.every((q) => typeof q['value'] === 'number' && q['unit'] === quantities[0]?.['unit'])) {
    return `${quantities.map((q) => q['value'] as number).join('/')} ${str(quantities[0]?.['unit']) ?? ''}`.trim()
  }
  return comps
    .map((c) => [conceptText(c['code']), valueText(c)].filter((x) => x !== undefined).join(' '))
    .filter((x) => x !== '')
    .join(', ')
}

function humanName(v: unknown): string | undefined {
  const n = first(v)
  if (!isObj(n)) return undefined
  if (str(n['text']) !== undefined) return n['text'] as string
  const given = Array.isArray(n['given']) ? n['given'].filter((g) => typeof g === 'string') : []
  const prefix = Array.isArray(n['prefix']) ? n['prefix'].filter((g) => typeof g === 'string') : []
  const s = [...prefix, ...given, str(n['family']) ?? ''].join(' ').trim()
  return s === '' ? undefined : s
}

/** The plain text of narrative XHTML (tags dropped, entities of the five XML ones decoded). */
function plain(xhtml: unknown): string | undefined {
  if (!isObj(xhtml) || typeof xhtml['div'] !== 'string') return undefined
  const s = xhtml['div']
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim()
  return s === '' ? undefined : s
}

/** Who a Reference names: its display, else the name of the resource it points to. */
function referenceName(v: unknown, resolve: (reference: string) => string | undefined): string | undefined {
  const ref = first(v)
  if (!isObj(ref)) return undefined
  return str(ref['display']) ?? (typeof ref['reference'] === 'string' ? resolve(ref['reference']) : undefined)
}

function authorOf(r: Json, resolve: (reference: string) => string | undefined): string | undefined {
  switch (r['resourceType']) {
    case 'Composition':
    case 'DocumentReference':
      return referenceName(r['author'], resolve)
    case 'Encounter': {
      const p = first(r['participant'])
      return isObj(p) ? referenceName(p['individual'], resolve) : undefined
    }
    case 'MedicationRequest':
      return referenceName(r['requester'], resolve)
    case 'Procedure': {
      const p = first(r['performer'])
      return isObj(p) ? referenceName(p['actor'], resolve) : undefined
    }
    case 'Observation':
    case 'DiagnosticReport':
      return referenceName(r['performer'], resolve)
    case 'DetectedIssue':
      return referenceName(r['author'], resolve)
    case 'AllergyIntolerance':
    case 'Condition':
      return referenceName(r['recorder'] ?? r['asserter'], resolve)
    default:
      return undefined
  }
}

function titleAndDetail(r: Json): [string | undefined, string | undefined] {
  switch (r['resourceType']) {
    case 'Observation':
      return [conceptText(r['code']), observationDetail(r)]
    case 'Condition':
    case 'AllergyIntolerance':
      return [conceptText(r['code']), str(r['note'] !== undefined && isObj(first(r['note'])) ? (first(r['note']) as Json)['text'] : undefined)]
    case 'MedicationStatement':
    case 'MedicationRequest': {
      const med = conceptText(r['medicationCodeableConcept']) ?? (isObj(r['medicationReference']) ? str(r['medicationReference']['display']) : undefined)
      const dosage = first(r['dosage'] ?? r['dosageInstruction'])
      return [med, isObj(dosage) ? str(dosage['text']) : undefined]
    }
    case 'Immunization':
      return [conceptText(r['vaccineCode']), undefined]
    case 'Procedure':
      return [conceptText(r['code']), undefined]
    case 'DiagnosticReport':
      return [conceptText(r['code']), str(r['conclusion'])]
    case 'Encounter': {
      // a doctor's visit note is an Encounter whose reason carries the note
      const reason = conceptText(r['reasonCode'])
      const type = conceptText(r['type']) ?? conceptText(r['class'])
      return [type ?? reason, type === undefined ? undefined : reason]
    }
    case 'Composition': {
      const section = first(r['section'])
      return [str(r['title']) ?? conceptText(r['type']), isObj(section) ? plain(section['text']) : undefined]
    }
    case 'DocumentReference': {
      const content = first(r['content'])
      const attachment = isObj(content) && isObj(content['attachment']) ? content['attachment'] : undefined
      return [str(r['description']) ?? conceptText(r['type']), attachment === undefined ? undefined : str(attachment['title'])]
    }
    case 'DetectedIssue':
      return [conceptText(r['code']), str(r['detail'])]
    case 'Patient':
    case 'Practitioner':
    case 'RelatedPerson':
      return [humanName(r['name']), undefined]
    case 'Organization':
      return [str(r['name']), undefined]
    case 'Device': {
      const name = first(r['deviceName'])
      return [isObj(name) ? str(name['name']) : undefined, undefined]
    }
    default:
      return [conceptText(r['code']), plain(r['text'])]
  }
}

/**
 * The title, detail and author of a resource. `resolve` names the resource a reference
 * points to (a Practitioner) when the reference carries no display.
 * @throws Never: a resource missing what its type usually has gets its type as title.
 */
export function describeResource(r: FhirResource, resolve: (reference: string) => string | undefined): EntryText {
  const json = r as unknown as Json
  const [title, detail] = titleAndDetail(json)
  return { title: clip(title ?? r.resourceType), detail: clip(detail ?? ''), author: authorOf(json, resolve) }
}
