/**
 * The patient record (DESIGN §4): compartments, each one Y.Doc with its own 16-byte id,
 * holding FHIR R4 resources (validated, versioned, never deleted: withdrawn) and time-series
 * chunks (delta + varint, one map entry per series-hour or series-day). The only importer
 * of `yjs`. Persistence and sync bind to a compartment through `onUpdate` (local changes,
 * origin `LOCAL_ORIGIN`), `applyUpdate`, `encodeState`, `stateVector`, and must show
 * `isComplete() === false` as "incomplete", never as "none".
 *
 * @example
 * ```ts
 * import { createCompartment, randomDocId, compartmentFor, LOCAL_ORIGIN } from '../record/index.ts'
 *
 * const vitals = createCompartment({ kind: 'vitals', docId: randomDocId() })
 * vitals.onUpdate((update, origin, local) => { if (local) outbox.seal(vitals.docId, update) })
 * vitals.resources.put({
 *   resourceType: 'Observation', id: 'bp-1', status: 'final',
 *   category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
 *   code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
 *   effectiveDateTime: '2024-05-02T08:00:00Z'
 * })
 * vitals.resources.list('Observation', { from: '2024-05-01', to: '2024-06-01', code: 'http://loinc.org|85354-9' })
 * vitals.series.append('8867-4', 'hr-strap-1', Date.now(), 72, '/min')
 * vitals.series.flush()                          // one Yjs update
 * vitals.series.read('8867-4', undefined, Date.now() - 3_600_000, Date.now() + 1)
 * peer.applyUpdate(received, 'sync')             // remote: local === false for listeners
 * peer.isComplete()                              // false while a dependency is missing
 * ```
 * @packageDocumentation
 */
export { createCompartment } from './compartment.ts'
export type { Compartment, CompartmentInit, UpdateListener, PendingState } from './compartment.ts'
export { mergeUpdates } from './updates.ts'
export { LOCAL_ORIGIN } from './origin.ts'
export type { LocalOrigin } from './origin.ts'
export {
  CompartmentKind,
  visitCompartment,
  isCompartmentKind,
  compartmentFor,
  DEFAULT_COMPARTMENT_BY_TYPE,
  OBSERVATION_CATEGORY,
  randomDocId
} from './kinds.ts'
export type { FixedCompartmentKind, VisitCompartmentKind } from './kinds.ts'
export { WITHDRAWAL_REASON_URL } from './resources.ts'
export type { ResourceStore, ListFilter } from './resources.ts'
export { validateResource, RESOURCE_TYPE_PATTERN, RESOURCE_ID_PATTERN, DEFAULT_MAX_RESOURCE_BYTES } from './validate.ts'
export { isWithdrawn, clinicalDate, INDEX_HEADER } from './resource-index.ts'
export type { IndexEntry } from './resource-index.ts'
export { parseFhirDateTime } from './dates.ts'
export {
  CONDITION_CLINICAL,
  CONDITION_VER_STATUS,
  ALLERGY_CLINICAL,
  ALLERGY_VERIFICATION,
  ENTERED_IN_ERROR
} from './fhir-spec.ts'
export type * from './fhir-types.ts'
export type { SeriesStore, SeriesData, SeriesRead, SeriesInfo, SeriesChunkVersion } from './series.ts'
export { DAILY_CHUNK_CODES, SERIES_CODE_PATTERN, DEVICE_ID_PATTERN } from './series-keys.ts'
export { encodeChunk, decodeChunk, CHUNK_VERSION, MAX_CHUNK_SAMPLES, MAX_CHUNK_BYTES } from './chunk.ts'
export type { ChunkData } from './chunk.ts'
export {
  ResourceInvalidError,
  ResourceTooLargeError,
  ResourceNotFoundError,
  WithdrawNotSupportedError,
  UpdateFormatError,
  SeriesFormatError
} from './errors.ts'
export {
  createSyntheticRecord,
  loadSyntheticRecord,
  SYNTHETIC_MONTH,
  SYNTHETIC_TEN_YEARS,
  SYNTHETIC_DEVICES
} from './synthetic.ts'
export type { SyntheticRecord, SyntheticRecordOptions, SyntheticCompartments, LoadSyntheticInit, SampleSink } from './synthetic.ts'
