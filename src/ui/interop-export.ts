import { LitElement, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { SHAREABLE, type ExportFile, type OpenRecord, type Shareable } from '../app/index.ts'
import { formStyles, viewStyles } from './styles.ts'
import { interopStyles } from './interop-styles.ts'
import { partName } from './share-visit.ts'
import { getLocale } from './i18n.ts'
import { openPrintableSummary } from './interop-print.ts'

/** Offers a file to save, as a download link click. */
export function saveFile(f: ExportFile): void {
  const a = document.createElement('a')
  a.href = URL.createObjectURL(f.blob)
  a.download = f.fileName
  a.click()
  setTimeout(() => URL.revokeObjectURL(a.href), 30_000)
}

/** An export failure in plain words. */
function exportProblem(err: unknown): string {
  if (err instanceof Error && err.name === 'NoPatientError') return msg('Your record has no patient details yet, so there is no summary to make.')
  return msg(str`The export could not be made (${err instanceof Error ? err.name : String(err)}).`)
}

/**
 * Downloads of the record: the whole record or chosen parts as a FHIR Bundle, the
 * International Patient Summary, and a printable summary for a paper visit. Each is recorded
 * in the access history.
 */
export class InteropExport extends LitElement {
  static override properties = { record: { attribute: false }, whole: { state: true }, done: { state: true }, problem: { state: true } }
  declare record: OpenRecord | undefined
  declare whole: boolean
  declare done: string | undefined
  declare problem: string | undefined
  static override styles = [viewStyles, formStyles, interopStyles]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.whole = true
    this.done = undefined
    this.problem = undefined
  }

  private run(task: () => string): void {
    this.problem = undefined
    this.done = undefined
    try {
      this.done = task()
    } catch (err) {
      this.problem = exportProblem(err)
    }
  }

  private readonly bundle = (evt: Event): void => {
    evt.preventDefault()
    const r = this.record
    if (r === undefined) return
    const form = evt.target as HTMLFormElement
    const data = new FormData(form)
    const kinds = this.whole ? undefined : SHAREABLE.filter((k: Shareable) => data.get(`export-${k}`) === 'on')
    if (kinds !== undefined && kinds.length === 0) {
      this.problem = msg('Pick at least one part of the record.')
      return
    }
    this.run(() => {
      const f = r.interop.exportBundle(kinds)
      saveFile(f)
      return msg(str`Saved ${f.fileName}: ${f.resources} entries.`)
    })
  }

  private readonly ips = (): void => {
    const r = this.record
    if (r === undefined) return
    this.run(() => {
      const f = r.interop.exportIps()
      saveFile(f)
      return msg(str`Saved ${f.fileName}.`)
    })
  }

  private readonly print = (): void => {
    const r = this.record
    if (r === undefined) return
    this.run(() => {
      openPrintableSummary(r.interop.printable(), getLocale())
      return ''
    })
  }

  override render(): unknown {
    return html`<section class="card" aria-labelledby="export-h">
      <h2 id="export-h">${msg('Export your record')}</h2>
      <p>${msg('Files in FHIR, the format hospitals and health apps read. They are not encrypted: keep them safe, and share them only with whom you choose.')}</p>
      <form @submit=${this.bundle}>
        <fieldset>
          <legend>${msg('What to export')}</legend>
          <label class="choice"><input type="radio" name="export-scope" .checked=${this.whole} @change=${() => (this.whole = true)} /><span>${msg('The whole record')}</span></label>
          <label class="choice"><input type="radio" name="export-scope" .checked=${!this.whole} @change=${() => (this.whole = false)} /><span>${msg('Only these parts:')}</span></label>
          ${this.whole
            ? ''
            : SHAREABLE.map((k) => html`<label class="choice"><input type="checkbox" name=${`export-${k}`} ?checked=${k !== 'sensitive'} /><span>${partName(k)}</span></label>`)}
        </fieldset>
        <div class="actions">
          <button type="submit">${msg('Download as a FHIR Bundle')}</button>
          <button type="button" class="secondary" @click=${this.ips}>${msg('Download the patient summary (IPS)')}</button>
          <button type="button" class="secondary" @click=${this.print}>${msg('Printable summary')}</button>
        </div>
      </form>
      ${this.done === undefined || this.done === '' ? '' : html`<p role="status" data-testid="export-done">${this.done}</p>`}
      ${this.problem === undefined ? '' : html`<p class="error" role="alert">${this.problem}</p>`}
    </section>`
  }
}
customElements.define('phr-interop-export', InteropExport)
