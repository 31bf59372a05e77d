/**
 * Interoperability of an open record (issue 10 §1–4), as the screens use it: importing a
 * FHIR or Apple Health file, exporting a Bundle, the IPS and the printable summary, and
 * SMART Health Links made and opened. Each part lives in its own file; this one wires them
 * to the record's session, vault and audit log.
 */
import type { PersonKeys } from '../crypto/index.ts'
import type { CompartmentKind } from '../record/index.ts'
import { accessHistory } from './access-history.ts'
import { createRecordExport, exportableKinds, type ExportFile, type PrintableSummary } from './interop-export.ts'
import { importFhirJson, importFile, type ImportProgress, type ImportSummary } from './interop-import.ts'
import { createRecordShl, openShlink, type OpenedLink, type RecordShl } from './interop-shl.ts'
import type { RecordSession } from './record-session.ts'
import { lazyImportWorker } from './import-worker.ts'

export { ImportFileKindError, ImportPhase, type ImportProgress, type ImportSummary, type ImportRejected } from './interop-import.ts'
export { NoPatientError, type ExportFile, type PrintableSummary, type SummarySection, type SummaryRow } from './interop-export.ts'
export {
  ShlinkExpiredError,
  ShlPasscodeError,
  ShlLinkGoneError,
  ShlServerError,
  ShlContentError,
  ShlContentTooLargeError,
  readShlink,
  SHL_PASSCODE_ATTEMPTS,
  MAX_SHL_PASSCODE,
  MAX_HOSTED_LINKS,
  type ShlChoice,
  type HostedLink,
  type LinkAccess,
  type OpenedLink,
  type RecordShl
} from './interop-shl.ts'
export { ZipFormatError } from './interop-zip.ts'

/** Interop of one open record. */
export interface RecordInterop {
  /**
   * Imports a FHIR JSON file, an Apple Health `export.xml` or `export.zip` (see `interop-import.ts`).
   * @throws {ImportFileKindError | BundleFormatError | AppleHealthFormatError | ZipFormatError | InputTooLargeError} with nothing changed
   */
  importFile(file: Blob, onProgress?: (p: ImportProgress) => void, signal?: AbortSignal): Promise<ImportSummary>
  /** The compartments an export may take (all but the audit log). */
  exportableKinds(): CompartmentKind[]
  /** The chosen compartments (default: the whole record) as a FHIR Bundle file; audited. */
  exportBundle(kinds?: readonly CompartmentKind[]): ExportFile
  /** The International Patient Summary document file; audited. @throws {NoPatientError} */
  exportIps(): ExportFile
  /** The printable summary's content; audited. @throws {NoPatientError} */
  printable(): PrintableSummary
  /** Links this record shares. */
  readonly links: RecordShl
  /**
   * Opens someone's link: manifest, files, decryption; nothing is imported yet.
   * @throws see `openShlink`
   */
  openLink(text: string, init: { recipient: string; passcode?: string }): Promise<OpenedLink>
  /** Imports what an opened link holds; audited. */
  importOpened(opened: OpenedLink): Promise<ImportSummary>
}

/** What the interop service is given. */
export interface RecordInteropComponents {
  readonly session: RecordSession
  readonly vaultKey: Uint8Array
  readonly person: () => Promise<PersonKeys>
  readonly fetch: typeof fetch
  readonly audit: (action: string, actor: string, details: Record<string, string | number>) => void
  /** @default Date.now */
  readonly clock?: () => number
}

/** Creates the interop service of an open record. */
export function createRecordInterop(components: RecordInteropComponents): RecordInterop {
  const { session, audit } = components
  const clock = components.clock ?? Date.now
  const exporter = createRecordExport({ session, audit, clock })
  // files are read in a worker of this record's, started on the first import
  const importWorker = lazyImportWorker()
  const links = createRecordShl({
    session,
    vaultKey: components.vaultKey,
    person: components.person,
    fetch: components.fetch,
    audit,
    audited: () => accessHistory(session).entries,
    content: (what) => (what === 'ips' ? exporter.ips() : exporter.bundleOf(what)),
    clock
  })
  return {
    importFile: (file, onProgress, signal) => importFile({ session, audit, importWorker }, file, onProgress, signal),
    exportableKinds: () => exportableKinds(session),
    exportBundle: (kinds) => exporter.bundle(kinds ?? exportableKinds(session)),
    exportIps: () => exporter.ipsFile(),
    printable: () => exporter.printable(),
    links,
    openLink: (text, init) => openShlink(text, { fetch: components.fetch, clock, ...init }),
    async importOpened(opened) {
      const parts: ImportSummary[] = []
      for (const json of opened.fhir) parts.push(await importFhirJson({ session, audit }, json, undefined, 'smart-health-link'))
      return mergeSummaries(parts)
    }
  }
}

function mergeSummaries(parts: readonly ImportSummary[]): ImportSummary {
  const sum = (pick: (s: ImportSummary) => Readonly<Record<string, number>>): Record<string, number> => {
    const out: Record<string, number> = {}
    for (const p of parts) for (const [k, n] of Object.entries(pick(p))) out[k] = (out[k] ?? 0) + n
    return out
  }
  return {
    format: 'fhir',
    total: parts.reduce((a, p) => a + p.total, 0),
    stored: sum((p) => p.stored),
    duplicates: sum((p) => p.duplicates),
    rejected: parts.flatMap((p) => p.rejected),
    sensitive: parts.reduce((a, p) => a + p.sensitive, 0),
    unresolved: parts.reduce((a, p) => a + p.unresolved, 0)
  }
}
