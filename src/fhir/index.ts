/**
 * FHIR interop (DESIGN §9): FHIR R4 Bundle import into the record's compartments and
 * export from them, the International Patient Summary document, a printable summary,
 * SMART Health Links (`shlink:/`, JWE `dir`/`A256GCM` via `jose`) and Apple Health
 * `export.xml` import (streamed with `saxes`). No network, no storage: callers fetch and
 * hand over the data, and pass the record's compartments by kind.
 *
 * @example
 * ```ts
 * import { importBundle, buildIps, summaryHtml, decodeShlink, decryptShlFile, importAppleHealth, recordSink } from '../fhir/index.ts'
 *
 * const report = importBundle(JSON.parse(text), { compartment: (kind) => record.get(kind), onProgress })
 * report.stored; report.duplicates; report.rejected            // [{ index, reason, field }]
 * const ips = buildIps(patient, [...core.resources.list('Condition'), ...core.resources.list('AllergyIntolerance')])
 * const html = summaryHtml(ips)                                 // for a paper visit
 * const link = decodeShlink(scanned)                            // { url, key, flag, label, exp }
 * const bundle = await decryptShlFile(manifest.files[0].embedded, link.key)
 * const sink = recordSink({ compartment: (kind) => record.get(kind) })
 * const result = await importAppleHealth(file.stream(), { sink, totalBytes: file.size }); sink.flush()
 * ```
 * @packageDocumentation
 */
export { readBundle, parseBundleJson, READABLE_BUNDLE_TYPES, DEFAULT_MAX_BUNDLE_BYTES } from './bundle.ts'
export type { ReadBundleResult, BundleEntryRead, RejectedEntry } from './bundle.ts'
export { importBundle, prepareBundle, importPreparedInSlices, routeResource } from './import.ts'
export type { CompartmentAccessor, ImportInit, ImportReport, ImportedEntry, DuplicateEntry, UnresolvedReference, PreparedBundle, PreparedEntry, SlicedImportOptions } from './import.ts'
export { isSensitive, isSensitiveCoding } from './sensitive.ts'
export { exportBundle } from './export.ts'
export type { FhirBundle, ExportInit } from './export.ts'
export { buildIps, IPS_SECTIONS, LIST_EMPTY_REASON, patientName } from './ips.ts'
export type { IpsInit, IpsSectionDef } from './ips.ts'
export { summaryHtml } from './summary.ts'
export { escapeHtml, describeResource } from './narrative.ts'
export type { ResourceLine } from './narrative.ts'
export {
  decodeShlink,
  createShlink,
  isShlinkExpired,
  randomShlKey,
  shlKeyBytes,
  encryptShlFile,
  decryptShlFile,
  manifestRequest,
  parseManifest,
  createManifest,
  SHL_CONTENT_TYPES,
  MAX_SHLINK_CHARS,
  MAX_SHL_URL_CHARS,
  MAX_SHL_LABEL_CHARS,
  DEFAULT_MAX_SHL_FILE_CHARS,
  DEFAULT_MAX_SHL_PLAINTEXT_BYTES
} from './shl.ts'
export type { ShlinkPayload, DecryptShlInit, ShlManifestRequest, ShlManifest, ShlManifestFile } from './shl.ts'
export { createAppleHealthImporter, importAppleHealth } from './apple-health.ts'
export type { AppleHealthSink, AppleHealthInit, AppleHealthResult, AppleHealthImporter } from './apple-health.ts'
export { APPLE_TYPES, appleDate } from './apple-health-types.ts'
export { recordSink } from './record-sink.ts'
export type { RecordSinkInit, RecordSinkCounts } from './record-sink.ts'
export {
  BundleFormatError,
  ShlinkFormatError,
  ShlDecryptError,
  ShlTooLargeError,
  ShlManifestFormatError,
  AppleHealthFormatError,
  AppleHealthTruncatedError
} from './errors.ts'
export { ZipFormatError, looksLikeZip, readZipEntries, zipEntryStream, MAX_ZIP_DIRECTORY_BYTES, MAX_ZIP_ENTRIES } from './zip.ts'
export type { ZipEntry } from './zip.ts'
export { serveImport, fhirJsonAsBundle, parseFhirJson, MAX_BATCHES_AHEAD } from './import-worker.ts'
export type { ImportRequest, ImportAnswer, ImportServeScope, SampleTuple, AppleHealthCounts } from './import-worker.ts'
export { createImportClient, readPreparedEntries, ImportWorkerError } from './import-client.ts'
export type { ImportClient, ImportPort, AppleHealthBatch, ImportCallOptions } from './import-client.ts'
