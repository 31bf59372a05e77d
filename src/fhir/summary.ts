/**
 * A printable summary for a paper visit: one plain HTML page (no script, no external
 * resource, inline print CSS) rendered from an IPS document Bundle (`buildIps`). Every value
 * taken from the record is escaped.
 */
import type { FhirResource } from '../record/index.ts'
import type { FhirBundle } from './export.ts'
import { isObject } from './json.ts'
import { describeResource, escapeHtml } from './narrative.ts'
import { patientName } from './ips.ts'

const CSS = [
  'body{font:12pt/1.4 system-ui,sans-serif;margin:2em;color:#000}',
  'h1{font-size:18pt;margin:0 0 .2em}',
  'h2{font-size:14pt;margin:1.2em 0 .3em;border-bottom:1px solid #000}',
  'table{border-collapse:collapse;width:100%}',
  'th,td{text-align:left;padding:.2em .4em;border-bottom:1px solid #ccc;vertical-align:top}',
  '.empty{font-style:italic}',
  '@media print{body{margin:0}}'
].join('')

/**
 * The HTML page of an IPS document: patient header, then each section as a table (what,
 * value, date, status), "No information available" for empty ones.
 * @throws {TypeError} if `ips` is not a document Bundle whose first entry is a Composition.
 * @example const html = summaryHtml(buildIps(patient, resources)); printWindow.document.write(html)
 */
export function summaryHtml(ips: FhirBundle): string {
  const entries = Array.isArray(ips?.entry) ? ips.entry : []
  const composition = entries[0]?.resource
  if (ips?.type !== 'document' || composition?.resourceType !== 'Composition') {
    throw new TypeError('ips: expected a document Bundle whose first entry is a Composition')
  }
  const byUrl = new Map<string, FhirResource>()
  for (const e of entries) byUrl.set(e.fullUrl, e.resource)
  const lookup = (ref: string): FhirResource | undefined => byUrl.get(ref)
  const subject = composition['subject']
  const patient = isObject(subject) && typeof subject['reference'] === 'string' ? lookup(subject['reference']) : undefined
  const h = escapeHtml
  const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback)
  const out: string[] = []
  out.push('<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">')
  out.push(`<title>${h(str(composition['title'], 'Patient summary'))}</title><style>${CSS}</style></head><body>`)
  out.push(`<h1>${h(patient === undefined ? 'Unknown patient' : patientName(patient))}</h1>`)
  if (patient !== undefined) {
    const facts: string[] = []
    if (typeof patient['birthDate'] === 'string') facts.push(`Born ${h(patient['birthDate'])}`)
    if (typeof patient['gender'] === 'string') facts.push(h(patient['gender']))
    const ids: unknown[] = Array.isArray(patient['identifier']) ? patient['identifier'] : []
    for (const id of ids) if (isObject(id) && typeof id['value'] === 'string') facts.push(`ID ${h(id['value'])}`)
    if (facts.length > 0) out.push(`<p>${facts.join(' · ')}</p>`)
  }
  out.push(`<p>${h(str(composition['title'], ''))}, ${h(str(composition['date'], ''))}</p>`)
  const sections: unknown[] = Array.isArray(composition['section']) ? composition['section'] : []
  for (const s of sections) {
    if (!isObject(s)) continue
    out.push(`<h2>${h(typeof s['title'] === 'string' ? s['title'] : 'Section')}</h2>`)
    const refs: unknown[] = Array.isArray(s['entry']) ? s['entry'] : []
    const items = refs
      .map((r) => (isObject(r) && typeof r['reference'] === 'string' ? lookup(r['reference']) : undefined))
      .filter((r): r is FhirResource => r !== undefined)
    if (items.length === 0) {
      const reason = isObject(s['emptyReason']) && typeof s['emptyReason']['text'] === 'string' ? s['emptyReason']['text'] : 'No information available'
      out.push(`<p class="empty">${h(reason)}</p>`)
      continue
    }
    out.push('<table><thead><tr><th>What</th><th>Value</th><th>Date</th><th>Status</th></tr></thead><tbody>')
    for (const r of items) {
      const d = describeResource(r, lookup)
      out.push(`<tr><td>${h(d.what)}</td><td>${h(d.value)}</td><td>${h(d.date)}</td><td>${h(d.status)}</td></tr>`)
    }
    out.push('</tbody></table>')
  }
  out.push(`<p><small>Generated ${h(String(ips.timestamp ?? ''))} from the patient's own record.</small></p>`)
  out.push('</body></html>')
  return out.join('\n')
}
