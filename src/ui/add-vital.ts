import { LitElement, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { MANUAL_VITALS, type ManualVital, type OpenRecord } from '../app/index.ts'
import { formStyles, viewStyles } from './styles.ts'
import { textField } from './forms.ts'

/** A reading typed in by hand: heart rate, temperature or oxygen saturation. */
export class AddVital extends LitElement {
  static override properties = { record: { attribute: false }, error: { state: true }, saved: { state: true } }
  declare record: OpenRecord | undefined
  declare error: string | undefined
  declare saved: boolean
  static override styles = [viewStyles, formStyles]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.error = undefined
    this.saved = false
  }

  private label(kind: ManualVital): string {
    switch (kind) {
      case 'heart-rate':
        return msg('Heart rate (beats per minute)')
      case 'temperature':
        return msg('Body temperature (°C)')
      case 'spo2':
        return msg('Oxygen saturation (%)')
    }
  }

  private readonly submit = (evt: Event): void => {
    evt.preventDefault()
    const r = this.record
    if (r === undefined) return
    const form = evt.target as HTMLFormElement
    const kind = textField(form, 'vitalKind')
    if (!Object.hasOwn(MANUAL_VITALS, kind)) return
    const term = MANUAL_VITALS[kind as ManualVital]
    const value = Number(textField(form, 'vitalValue').replace(',', '.'))
    if (!Number.isFinite(value) || value < term.min || value > term.max) {
      this.error = msg(str`Give a value from ${term.min} to ${term.max}.`)
      return
    }
    this.error = undefined
    r.addVital(kind as ManualVital, value).then(
      () => {
        form.reset()
        this.saved = true
      },
      (err: unknown) => {
        this.error = err instanceof Error ? err.name : String(err)
      }
    )
  }

  override render(): unknown {
    return html`<section class="card" aria-labelledby="vital-h">
      <h2 id="vital-h">${msg('Add a reading')}</h2>
      <form @submit=${this.submit} @input=${() => (this.saved = false)}>
        <label for="vitalKind">${msg('What you measured')}</label>
        <select id="vitalKind" name="vitalKind">
          ${(Object.keys(MANUAL_VITALS) as ManualVital[]).map((k) => html`<option value=${k}>${this.label(k)}</option>`)}
        </select>
        <label for="vitalValue">${msg('Value')}</label>
        <input id="vitalValue" name="vitalValue" inputmode="decimal" autocomplete="off" required />
        <div class="actions"><button type="submit">${msg('Save the reading')}</button></div>
      </form>
      ${this.saved ? html`<p role="status" data-testid="vital-saved">${msg('Saved.')}</p>` : ''}
      ${this.error === undefined ? '' : html`<p class="error" role="alert">${this.error}</p>`}
    </section>`
  }
}
customElements.define('phr-add-vital', AddVital)
