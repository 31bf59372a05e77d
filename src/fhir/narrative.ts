/**
 * Human-readable lines for FHIR resources: what the IPS section narratives and the printable
 * summary show. Everything that comes from a resource is escaped before it goes into markup.
 */
import type { FhirResource } from '../record/index.ts'
import { isObject } from './json.ts'

/**
 * Escapes text for HTML/XHTML element content and attribute values.
 * @throws Never.
 * @example escapeHtml('<b>&"') // '&lt;b&gt;&amp;&quot;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'))
}

/**
 * The text of a CodeableConcept: its `text`, else the first coding's display, else `system|code`.
 * @throws Never.
 */
export function conceptText(cc: unknown): string | undefined {
  if (!isObject(cc)) return undefined
  if (typeof cc['text'] === 'string' && cc['text'].trim() !== '') return cc['text']
  const codings: unknown[] = Array.isArray(cc['coding']) ? cc['coding'] : []
  for (const c of codings) if (isObject(c) && typeof c['display'] === 'string' && c['display'] !== '') return c['display']
  for (const c of codings) if (isObject(c) && typeof c['code'] === 'string') return typeof c['system'] === 'string' ? `${c['system']}|${c['code']}` : c['code']
  return undefined
}

function quantityText(q: unknown): string | undefined {
  if (!isObject(q) || typeof q['value'] !== 'number') return undefined
  const unit = typeof q['unit'] === 'string' ? q['unit'] : typeof q['code'] === 'string' ? q['code'] : ''
  return unit === '' ? String(q['value']) : `${q['value']} ${unit}`
}

/** Elements holding the date a reader cares about, first present wins (as written: "2010" stays "2010"). */
const DATE_PATHS: readonly (readonly string[])[] = [
  ['effectiveDateTime'],
  ['effectivePeriod', 'start'],
  ['effectiveInstant'],
  ['onsetDateTime'],
  ['onsetPeriod', 'start'],
  ['occurrenceDateTime'],
  ['performedDateTime'],
  ['performedPeriod', 'start'],
  ['recordedDate'],
  ['dateAsserted'],
  ['authoredOn'],
  ['issued'],
  ['date']
]

function dateText(r: FhirResource): string {
  for (const path of DATE_PATHS) {
    let cur: unknown = r
    for (const p of path) cur = isObject(cur) ? cur[p] : undefined
    // the date part only: "2024-05-02T08:00:00Z" reads 2024-05-02, "2015-03" stays as is
    if (typeof cur === 'string' && cur !== '') return cur.slice(0, 10)
  }
  return ''
}

/** One line describing a resource. */
export interface ResourceLine {
  /** What it is (the concept, the medicine, the vaccine). */
  readonly what: string
  /** Its value (an Observation's), or `''`. */
  readonly value: string
  /** Its clinical date as precise as recorded (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`), or `''`. */
  readonly date: string
  /** Its status (clinical status for conditions and allergies), or `''`. */
  readonly status: string
}

/**
 * Describes `r` for a reader; `lookup` resolves a reference (for `medicationReference`).
 * @throws Never.
 */
export function describeResource(r: FhirResource, lookup: (reference: string) => FhirResource | undefined = () => undefined): ResourceLine {
  let what: string | undefined
  const medRef = r['medicationReference']
  if (isObject(medRef) && typeof medRef['reference'] === 'string') {
    const med = lookup(medRef['reference'])
    what = conceptText(med?.['code']) ?? (typeof medRef['display'] === 'string' ? medRef['display'] : undefined)
  }
  what ??= conceptText(r['medicationCodeableConcept']) ?? conceptText(r['vaccineCode']) ?? conceptText(r['code']) ?? conceptText(r['type'])
  let value = quantityText(r['valueQuantity']) ?? conceptText(r['valueCodeableConcept']) ?? (typeof r['valueString'] === 'string' ? r['valueString'] : undefined)
  if (value === undefined && Array.isArray(r['component'])) {
    const parts = r['component'].map((c: unknown) => (isObject(c) ? quantityText(c['valueQuantity']) : undefined)).filter((v): v is string => v !== undefined)
    // a blood-pressure panel reads "120 mm[Hg] / 80 mm[Hg]"
    if (parts.length > 0) value = parts.join(' / ')
  }
  const date = dateText(r)
  const status = typeof r['status'] === 'string' ? r['status'] : (conceptText(r['clinicalStatus']) ?? '')
  return { what: what ?? r.resourceType, value: value ?? '', date, status }
}
