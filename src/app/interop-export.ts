/**
 * Exports of the open record (issue 10 §3): the whole record or chosen compartments as a
 * FHIR R4 `collection` Bundle, the International Patient Summary document, and the rows of
 * the printable summary. Every export is recorded in the audit log, as the emergency QR is.
 *
 * The IPS takes `core` (the IPS set), and of `results` and `vitals` the latest Observation of
 * each code: a summary for a visit, not ten years of readings. `sensitive` only when asked.
 */
import { PhrError } from '../lib/index.ts'
import { AuditAction } from '../consent/index.ts'
import { buildIps, describeResource, exportBundle, IPS_SECTIONS, patientName, type FhirBundle } from '../fhir/index.ts'
import { isWithdrawn, type Compartment, type CompartmentKind, type FhirResource } from '../record/index.ts'
import type { RecordSession } from './record-session.ts'

/** The record has no Patient resource, so there is no one to summarise. */
export class NoPatientError extends PhrError {
  override name: string = 'NoPatientError'
}

/** A file ready to be saved. */
export interface ExportFile {
  readonly blob: Blob
  readonly fileName: string
  /** Resources in it. */
  readonly resources: number
}

/** One line of a printable section. */
export interface SummaryRow {
  readonly what: string
  readonly value: string
  readonly date: string
  readonly status: string
}

/** One section of the printable summary, named by its IPS LOINC code (the screen translates the title). */
export interface SummarySection {
  readonly key: string
  readonly code: string
  readonly rows: readonly SummaryRow[]
  /** The section is required and empty: "No information available". */
  readonly empty: boolean
}

/** What the printable summary page shows. */
export interface PrintableSummary {
  readonly name: string
  readonly birthDate?: string
  readonly gender?: string
  /** When the summary was made (ISO 8601). */
  readonly madeAt: string
  readonly sections: readonly SummarySection[]
}

/** What the exporter is given. */
export interface RecordExportComponents {
  readonly session: RecordSession
  readonly audit: (action: string, actor: string, details: Record<string, string | number>) => void
  /** @default Date.now */
  readonly clock?: () => number
}

/** The record's compartments a whole-record export takes: all but the audit log. */
export function exportableKinds(session: RecordSession): CompartmentKind[] {
  return [...session.compartments.keys()].filter((k) => k !== 'audit')
}

const dateStamp = (t: number): string => new Date(t).toISOString().slice(0, 10)

function jsonFile(json: unknown, fileName: string, resources: number): ExportFile {
  return { blob: new Blob([JSON.stringify(json, null, 2)], { type: 'application/fhir+json' }), fileName, resources }
}

function codeKey(r: FhirResource): string {
  const code = r['code'] as { coding?: Array<{ system?: string; code?: string }> } | undefined
  const c = code?.coding?.[0]
  return `${c?.system ?? ''}|${c?.code ?? ''}`
}

function effective(r: FhirResource): string {
  const p = r['effectivePeriod'] as { start?: unknown } | undefined
  const v = r['effectiveDateTime'] ?? p?.start ?? r['issued']
  return typeof v === 'string' ? v : ''
}

/** The latest non-withdrawn Observation of each code, and every DiagnosticReport. */
function latestPerCode(c: Compartment): FhirResource[] {
  const latest = new Map<string, FhirResource>()
  for (const o of c.resources.list('Observation')) {
    if (isWithdrawn(o)) continue
    const k = codeKey(o)
    const held = latest.get(k)
    if (held === undefined || effective(o) > effective(held)) latest.set(k, o)
  }
  return [...latest.values(), ...c.resources.list('DiagnosticReport')]
}

/**
 * The exporter of one open record.
 * @throws Never on creation.
 */
export function createRecordExport(components: RecordExportComponents): {
  bundle(kinds: readonly CompartmentKind[]): ExportFile
  bundleOf(kinds: readonly CompartmentKind[]): FhirBundle
  ips(opts?: { sensitive?: boolean }): FhirBundle & { type: 'document' }
  ipsFile(opts?: { sensitive?: boolean }): ExportFile
  printable(): PrintableSummary
} {
  const { session } = components
  const clock = components.clock ?? Date.now

  const ips = (opts: { sensitive?: boolean } = {}): FhirBundle & { type: 'document' } => {
    const core = session.get('core')
    const patient = core.resources.list('Patient')[0]
    if (patient === undefined) throw new NoPatientError('the record holds no Patient resource')
    const resources: FhirResource[] = []
    for (const t of core.resources.types()) if (t !== 'Patient') resources.push(...core.resources.list(t))
    for (const kind of ['results', 'vitals'] as const) {
      const c = session.compartments.get(kind)
      if (c !== undefined) resources.push(...latestPerCode(c.compartment))
    }
    if (opts.sensitive === true) {
      const s = session.compartments.get('sensitive')?.compartment
      if (s !== undefined) for (const t of s.resources.types()) resources.push(...s.resources.list(t))
    }
    return buildIps(patient, resources, { clock })
  }

  const bundleOf = (kinds: readonly CompartmentKind[]): FhirBundle => exportBundle(kinds.map((k) => session.get(k)), { clock })

  return {
    bundleOf,
    bundle(kinds) {
      const bundle = bundleOf(kinds)
      components.audit(AuditAction.export, 'self', { what: 'fhir-bundle', compartments: kinds.join(','), resources: bundle.entry.length })
      return jsonFile(bundle, `health-record-${dateStamp(clock())}.json`, bundle.entry.length)
    },
    ips,
    ipsFile(opts) {
      const doc = ips(opts)
      components.audit(AuditAction.export, 'self', { what: 'ips', resources: doc.entry.length })
      return jsonFile(doc, `patient-summary-${dateStamp(clock())}.json`, doc.entry.length)
    },
    printable() {
      const doc = ips()
      const byUrl = new Map<string, FhirResource>(doc.entry.map((e) => [e.fullUrl, e.resource]))
      const composition = doc.entry[0]?.resource as { section?: Array<{ code?: { coding?: Array<{ code?: string }> }; entry?: Array<{ reference?: string }> }> }
      const patient = [...byUrl.values()].find((r) => r.resourceType === 'Patient') as FhirResource
      const sections: SummarySection[] = (composition.section ?? []).map((s) => {
        const code = s.code?.coding?.[0]?.code ?? ''
        const rows = (s.entry ?? [])
          .map((e) => (e.reference === undefined ? undefined : byUrl.get(e.reference)))
          .filter((r): r is FhirResource => r !== undefined)
          .map((r) => describeResource(r, (ref) => byUrl.get(ref)))
        return { key: IPS_SECTIONS.find((d) => d.code === code)?.key ?? code, code, rows, empty: rows.length === 0 }
      })
      components.audit(AuditAction.export, 'self', { what: 'printable-summary' })
      return {
        name: patientName(patient),
        ...(typeof patient['birthDate'] === 'string' ? { birthDate: patient['birthDate'] } : {}),
        ...(typeof patient['gender'] === 'string' ? { gender: patient['gender'] } : {}),
        madeAt: doc.timestamp,
        sections
      }
    }
  }
}
