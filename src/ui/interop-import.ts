import { LitElement, html, type TemplateResult } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import type { ImportProgress, ImportSummary, OpenRecord } from '../app/index.ts'
import { formStyles, viewStyles } from './styles.ts'
import { interopStyles } from './interop-styles.ts'

/** A FHIR resource type in plain words (plural, as counted). */
export function typeName(type: string): string {
  switch (type) {
    case 'Patient':
      return msg('Patient details')
    case 'AllergyIntolerance':
      return msg('Allergies')
    case 'Condition':
      return msg('Conditions')
    case 'MedicationStatement':
    case 'MedicationRequest':
      return msg('Medicines taken or prescribed')
    case 'Medication':
      return msg('Medicine descriptions')
    case 'Immunization':
      return msg('Vaccinations')
    case 'Procedure':
      return msg('Procedures')
    case 'Observation':
      return msg('Measurements and test results')
    case 'DiagnosticReport':
      return msg('Test reports')
    case 'Encounter':
      return msg('Visits')
    case 'Composition':
      return msg('Documents (summaries)')
    case 'Practitioner':
    case 'PractitionerRole':
      return msg('Health professionals')
    case 'Organization':
      return msg('Organizations')
    default:
      return type
  }
}

/** An import failure in plain words; every one says that nothing was changed. */
export function importProblem(err: unknown): string {
  switch (err instanceof Error ? err.name : '') {
    case 'BundleFormatError':
      return msg('This file is not FHIR that this app reads: it is not JSON, or not a FHIR Bundle or resource. Nothing was changed.')
    case 'InputTooLargeError':
      return msg('This file is too large to import. Nothing was changed.')
    case 'ImportFileKindError':
      return msg('This is neither a FHIR file nor an Apple Health export. Nothing was changed.')
    case 'AppleHealthTruncatedError':
      return msg('This Apple Health export is cut short (an interrupted download or copy). Nothing was changed.')
    case 'AppleHealthFormatError':
      return msg('This Apple Health export is damaged: its XML is not well-formed. Nothing was changed.')
    case 'ZipFormatError':
      return msg('This ZIP file is damaged, or it is not an Apple Health export. Nothing was changed.')
    default:
      return msg(str`The file could not be imported (${err instanceof Error ? err.name : String(err)}). Nothing was changed.`)
  }
}

/** The library's reason without the error class name in front ("ResourceInvalidError: …"). */
const plainReason = (reason: string): string => reason.replace(/^[A-Za-z]+Error: /, '')

const total = (counts: Readonly<Record<string, number>>): number => Object.values(counts).reduce((a, b) => a + b, 0)

/** What an import did, as a list a patient can read. */
export function importSummaryView(s: ImportSummary): TemplateResult {
  const stored = Object.entries(s.stored).sort((a, b) => b[1] - a[1])
  const dups = total(s.duplicates)
  return html`<div class="result" role="status" data-testid="import-summary">
    <p><strong data-testid="import-stored-total">${msg(str`${total(s.stored)} new entries added to your record.`)}</strong></p>
    ${stored.length === 0 ? '' : html`<ul class="counts">${stored.map(([t, n]) => html`<li data-testid="import-stored" data-type=${t}>${typeName(t)}: ${n}</li>`)}</ul>`}
    ${s.apple === undefined
      ? ''
      : html`<p data-testid="import-apple">${msg(str`Apple Health: ${s.apple.records} records read, ${s.apple.samples} readings added to your charts.`)}
          ${s.apple.otherTypes + s.apple.workouts > 0 ? msg(str`${s.apple.otherTypes + s.apple.workouts} records of kinds this app does not keep (workouts, sleep…) were left out.`) : ''}</p>`}
    <p data-testid="import-duplicates" data-count=${dups}>
      ${dups === 0 ? msg('Nothing in the file was already in your record.') : msg(str`${dups} entries were already in your record and were not added again.`)}
    </p>
    ${s.sensitive === 0
      ? ''
      : html`<p data-testid="import-sensitive">${msg(str`${s.sensitive} entries about mental, sexual or reproductive health went to the Sensitive part of your record: it is shared only when you pick it.`)}</p>`}
    ${s.rejected.length === 0
      ? ''
      : html`<p>${msg(str`${s.rejected.length} entries could not be imported:`)}</p>
          <ul class="counts">
            ${s.rejected.map(
              (r) => html`<li data-testid="import-rejected" data-index=${r.index}>${r.file === undefined ? msg(str`Entry ${r.index + 1}`) : r.file}: ${plainReason(r.reason)}</li>`
            )}
          </ul>`}
  </div>`
}

function phaseText(p: ImportProgress): string {
  const pct = Math.round(p.fraction * 100)
  switch (p.phase) {
    case 'reading':
      return msg(str`Reading the file… ${pct}%`)
    case 'checking':
      return msg(str`Checking the whole export first… ${pct}%`)
    default:
      return msg(str`Adding to your record… ${pct}%`)
  }
}

/**
 * Imports a FHIR JSON file (Bundle or resource) or an Apple Health export into the open
 * record, with a progress bar, then says what it did. Fires `imported` (bubbling) after a
 * successful import.
 */
export class InteropImport extends LitElement {
  static override properties = { record: { attribute: false }, progress: { state: true }, summary: { state: true }, problem: { state: true } }
  declare record: OpenRecord | undefined
  declare progress: ImportProgress | undefined
  declare summary: ImportSummary | undefined
  declare problem: { text: string; detail: string } | undefined
  static override styles = [viewStyles, formStyles, interopStyles]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.progress = undefined
    this.summary = undefined
    this.problem = undefined
  }

  private readonly submit = (evt: Event): void => {
    evt.preventDefault()
    const record = this.record
    if (record === undefined || this.progress !== undefined) return
    const form = evt.target as HTMLFormElement
    const file = new FormData(form).get('import-file')
    if (!(file instanceof Blob) || file.size === 0) {
      this.problem = { text: msg('Choose a file first.'), detail: '' }
      return
    }
    this.problem = undefined
    this.summary = undefined
    this.progress = { phase: 'reading', fraction: 0 }
    record.interop
      .importFile(file, (p) => {
        this.progress = p
      })
      .then(
        (summary) => {
          this.progress = undefined
          this.summary = summary
          form.reset()
          this.dispatchEvent(new CustomEvent('imported', { bubbles: true, composed: true }))
        },
        (err: unknown) => {
          this.progress = undefined
          this.problem = { text: importProblem(err), detail: err instanceof Error ? err.message : '' }
        }
      )
  }

  override render(): unknown {
    const p = this.progress
    return html`<section class="card" aria-labelledby="import-h">
      <h2 id="import-h">${msg('Import health data')}</h2>
      <p>${msg('Add records from a hospital portal or another health app (a FHIR file, .json), or your Apple Health export (export.zip or export.xml). Entries you already have are recognised and not added twice.')}</p>
      <form @submit=${this.submit}>
        <label for="import-file">${msg('FHIR or Apple Health file')}</label>
        <input id="import-file" name="import-file" type="file" accept=".json,.xml,.zip,application/json,application/fhir+json,text/xml,application/zip" required />
        <div class="actions">
          <button type="submit" ?disabled=${p !== undefined}>${p === undefined ? msg('Import the file') : msg('Importing…')}</button>
        </div>
      </form>
      ${p === undefined
        ? ''
        : html`<progress max="1" .value=${p.fraction} aria-label=${msg('Import progress')}></progress>
            <p role="status" data-testid="import-progress">${phaseText(p)}</p>`}
      ${this.problem === undefined
        ? ''
        : html`<div class="error" role="alert" data-testid="import-error">
            <strong>${this.problem.text}</strong>${this.problem.detail === '' ? '' : html`<small class="detail">${this.problem.detail}</small>`}
          </div>`}
      ${this.summary === undefined ? '' : importSummaryView(this.summary)}
    </section>`
  }
}
customElements.define('phr-interop-import', InteropImport)
