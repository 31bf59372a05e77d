/**
 * The record's sections as the patient's forms use them: list, add, edit (a new version),
 * remove (entered-in-error), history; documents; vital readings typed by hand and the
 * charts' data. Every change is one transaction in one compartment, resolved once sealed
 * and stored.
 */
import type { FhirResource, Reference } from '../record/index.ts'
import { isWithdrawn } from '../record/index.ts'
import type { RecordSession } from './record-session.ts'
import {
  buildResource,
  listSection,
  newEntryId,
  RecordEntryNotFoundError,
  SECTION_TYPE,
  sectionCompartment,
  type FormSection,
  type RecordSection,
  type SectionForms
} from './record-edits.ts'
import { checkDocument, openDocument, storeDocument, type DocumentFile } from './record-edits-documents.ts'
import { manualReading, type ManualReadingForm } from './record-edits-vitals.ts'
import { chartData, latestMeasureTime, type ChartData, type ChartDataOptions, type VitalMeasure } from './vitals-chart-data.ts'
import { recordLiveReading } from './live-vitals.ts'

/** The patient's edits of their record. */
export interface RecordEdits {
  /** A section's current entries, newest first. */
  list(section: RecordSection): FhirResource[]
  /** One entry (current version), or undefined. */
  get(section: RecordSection, id: string): FhirResource | undefined
  /**
   * Adds an entry, or with `id` stores a new version of it (what the form does not show is kept).
   * @throws {RecordFormError} naming each field with a problem (nothing is stored)
   * @throws {RecordEntryNotFoundError} when `id` is not a current entry of the section
   */
  save<S extends FormSection>(section: S, form: SectionForms[S], id?: string): Promise<FhirResource>
  /**
   * Marks an entry entered-in-error (a new version; nothing is deleted).
   * @throws {RecordEntryNotFoundError} when it is not there
   */
  remove(section: RecordSection, id: string): Promise<void>
  /** Every version of an entry, oldest first. */
  history(section: RecordSection, id: string): FhirResource[]
  /**
   * Encrypts a file into the record and adds its DocumentReference.
   * @throws {RecordFormError} for a missing file or title, a type not offered, a file over the cap
   * @throws {DocumentContentError} when the file's bytes are not its type
   */
  addDocument(file: DocumentFile | undefined, title: string, opts?: { onProgress?: (fraction: number) => void; signal?: AbortSignal }): Promise<FhirResource>
  /**
   * A document's file as a stream, decrypted and checked chunk by chunk.
   * @throws {RecordEntryNotFoundError} · {DocumentUnreadableError}
   */
  openDocument(id: string): { stream: ReadableStream<Uint8Array>; contentType: string; title: string; size: number }
  /**
   * Stores a reading typed by the patient, as a device reading (`meta.source` "manual").
   * @throws {RecordFormError} naming each field with a problem
   */
  addReading(form: ManualReadingForm): Promise<FhirResource>
  /** A measure's chart points over a range (see vitals-chart-data.ts). */
  chart(measure: VitalMeasure, opts: ChartDataOptions): Promise<ChartData>
  /** When the latest reading of a measure was taken, if there is one. */
  latestReading(measure: VitalMeasure): number | undefined
  /**
   * Called after any change, made here or arriving from another device, in the given
   * compartments (default: core, results, vitals, documents). Returns the unsubscribe.
   */
  onChange(listener: () => void, kinds?: readonly ('core' | 'results' | 'vitals' | 'documents')[]): () => void
}

/** The edits of an open record. */
export function createRecordEdits(session: RecordSession, clock: () => number = Date.now): RecordEdits {
  const compartmentOf = (section: RecordSection) => session.get(sectionCompartment(section))
  const subject = (): Reference => {
    const p = session.get('core').resources.list('Patient')[0]
    return p === undefined ? { display: 'self' } : { reference: `Patient/${p.id}` }
  }
  const current = (section: RecordSection, id: string): FhirResource => {
    const r = compartmentOf(section).resources.get(SECTION_TYPE[section], id)
    if (r === undefined || isWithdrawn(r)) throw new RecordEntryNotFoundError(`${SECTION_TYPE[section]}/${id} is not in the record`)
    return r
  }
  return {
    list: (section) => listSection(compartmentOf(section), section),
    get(section, id) {
      const r = compartmentOf(section).resources.get(SECTION_TYPE[section], id)
      return r === undefined || isWithdrawn(r) ? undefined : r
    },
    async save(section, form, id) {
      const previous = id === undefined ? undefined : current(section, id)
      const resource = buildResource(section, form, { id: id ?? newEntryId(section), now: clock(), subject: subject(), ...(previous === undefined ? {} : { previous }) })
      const stored = compartmentOf(section).resources.put(resource)
      await session.whenSaved()
      return stored
    },
    async remove(section, id) {
      current(section, id)
      compartmentOf(section).resources.withdraw(SECTION_TYPE[section], id)
      await session.whenSaved()
    },
    history: (section, id) => compartmentOf(section).resources.history(SECTION_TYPE[section], id),
    async addDocument(file, title, opts = {}) {
      const checked = checkDocument(file, title)
      const doc = await storeDocument(session.store, file as DocumentFile, {
        id: newEntryId('document'),
        title: checked.title,
        type: checked.type,
        subject: subject(),
        now: clock(),
        ...opts
      })
      const stored = compartmentOf('document').resources.put(doc)
      await session.whenSaved()
      return stored
    },
    openDocument: (id) => openDocument(session.store, current('document', id)),
    async addReading(form) {
      const obs = manualReading(form, { id: newEntryId('lab').replace(/^lab-/, 'man-'), now: clock(), subject: subject() })
      const vitals = session.compartments.get('vitals')
      if (vitals === undefined) throw new RangeError('this record has no vitals compartment')
      await recordLiveReading(vitals, { observations: [obs] })
      return vitals.compartment.resources.get('Observation', obs.id) ?? obs
    },
    chart: (measure, opts) => chartData(session.get('vitals'), measure, opts),
    latestReading: (measure) => latestMeasureTime(session.get('vitals'), measure),
    onChange(listener, kinds = ['core', 'results', 'vitals', 'documents']) {
      const offs = kinds.map((kind) => {
        const c = session.compartments.get(kind)?.compartment
        return c === undefined ? () => undefined : c.onUpdate(() => listener())
      })
      return () => {
        for (const off of offs) off()
      }
    }
  }
}
