import { LitElement, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { BREAK_GLASS_MAX_HOURS, BREAK_GLASS_MIN_HOURS, type BreakGlassView, type OpenRecord } from '../app/index.ts'
import { getLocale } from './i18n.ts'
import { formStyles, viewStyles } from './styles.ts'

/**
 * The patient's opt-in to emergency (break-glass) access: off until switched on; on, the
 * next emergency QR also lets a clinician with a practitioner licence open the summary for
 * the hours chosen, without the patient approving (they may be unconscious).
 */
export class BreakGlassSettings extends LitElement {
  static override properties = { record: { attribute: false }, view: { state: true }, busy: { state: true }, error: { state: true } }
  declare record: OpenRecord | undefined
  declare view: BreakGlassView | undefined
  declare busy: boolean
  declare error: string | undefined
  private unsubscribe: (() => void) | undefined
  static override styles = [viewStyles, formStyles]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.view = undefined
    this.busy = false
    this.error = undefined
  }

  override updated(changed: Map<string, unknown>): void {
    if (!changed.has('record')) return
    this.unsubscribe?.()
    const r = this.record
    if (r === undefined) return
    const refresh = (): void => {
      this.view = r.breakGlass.view()
    }
    this.unsubscribe = r.breakGlass.subscribe(refresh)
    refresh()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.unsubscribe?.()
  }

  private run(task: Promise<void>): void {
    this.busy = true
    this.error = undefined
    task.then(
      () => {
        this.busy = false
      },
      (err: unknown) => {
        this.busy = false
        this.error = err instanceof Error ? err.message : String(err)
      }
    )
  }

  private readonly enable = (evt: Event): void => {
    evt.preventDefault()
    const r = this.record
    if (r === undefined) return
    const form = evt.target as HTMLFormElement
    const hours = Number((form.elements.namedItem('hours') as HTMLSelectElement).value)
    const maxUses = Number((form.elements.namedItem('uses') as HTMLSelectElement).value)
    this.run(r.breakGlass.enable({ hours, maxUses }))
  }

  override render(): unknown {
    const v = this.view
    if (v === undefined) return ''
    const hours = Array.from({ length: BREAK_GLASS_MAX_HOURS - BREAK_GLASS_MIN_HOURS + 1 }, (_, i) => BREAK_GLASS_MIN_HOURS + i)
    const until = new Date(v.tokenExpiresAt).toLocaleDateString(getLocale(), { dateStyle: 'medium' })
    return html`<section class="card" aria-labelledby="bg-h" data-testid="break-glass-settings" data-enabled=${v.enabled ? 'yes' : 'no'}>
      <h2 id="bg-h">${msg('Emergency access')}</h2>
      <p>${msg('If you cannot approve (for example, unconscious), a clinician with a practitioner licence can use your emergency QR code to open your summary — allergies, conditions, medicines — for a few hours, without asking you. Nothing else of your record. You see it here at once, and can end it.')}</p>
      ${v.enabled
        ? html`<p data-testid="break-glass-on">${msg(str`On: ${v.hours} hours per emergency, ${v.usesLeft} of ${v.maxUses} uses left, until ${until}. Make a new emergency QR code to include it.`)}</p>
            <div class="actions"><button type="button" class="secondary" ?disabled=${this.busy} @click=${() => this.record !== undefined && this.run(this.record.breakGlass.disable())}>${msg('Switch emergency access off')}</button></div>`
        : html`<form @submit=${this.enable}>
            <label for="bg-hours">${msg('How long an emergency clinician may read')}</label>
            <select id="bg-hours" name="hours">
              ${hours.map((h) => html`<option value=${h} ?selected=${h === 2}>${msg(str`${h} hours`)}</option>`)}
            </select>
            <label for="bg-uses">${msg('How many emergencies one code may serve')}</label>
            <select id="bg-uses" name="uses">
              ${[1, 3, 5].map((n) => html`<option value=${n} ?selected=${n === 3}>${n}</option>`)}
            </select>
            <div class="actions"><button type="submit" ?disabled=${this.busy}>${msg('Switch emergency access on')}</button></div>
          </form>`}
      ${this.error === undefined ? '' : html`<p class="error" role="alert">${this.error}</p>`}
    </section>`
  }
}
customElements.define('phr-break-glass-settings', BreakGlassSettings)
