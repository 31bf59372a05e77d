import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import type { OpenRecord, PersonWithAccess } from '../app/index.ts'
import { getLocale } from './i18n.ts'
import { formStyles } from './styles.ts'
import { credentialLine } from './credential-text.ts'

/**
 * The banner at the top of the patient's screen while an emergency (break-glass) grant is
 * in force: who opened the summary, until when, how sure the app is of their licence, and
 * a button that ends it at once (a revocation like any other: the key is renewed).
 */
export class BreakGlassBanner extends LitElement {
  static override properties = { record: { attribute: false }, active: { state: true }, busy: { state: true }, error: { state: true } }
  declare record: OpenRecord | undefined
  declare active: PersonWithAccess[]
  declare busy: string | undefined
  declare error: string | undefined
  private unsubscribe: Array<() => void> = []
  private timer: ReturnType<typeof setInterval> | undefined
  static override styles = [
    formStyles,
    css`
      :host {
        display: block;
      }
      section {
        border: 2px solid #9b1c1c;
        background: #fdecec;
        color: #5c0f0f;
        border-radius: 8px;
        padding: 0.75rem 1rem;
        margin-bottom: 1rem;
      }
      h2 {
        font-size: 1.1rem;
        margin: 0 0 0.25rem;
      }
      p {
        margin: 0.25rem 0;
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.active = []
    this.busy = undefined
    this.error = undefined
  }

  override updated(changed: Map<string, unknown>): void {
    if (!changed.has('record')) return
    for (const u of this.unsubscribe.splice(0)) u()
    clearInterval(this.timer)
    const r = this.record
    if (r === undefined) return
    const refresh = (): void => {
      this.active = r.consent.people().filter((p) => p.emergency && p.status === 'active' && p.notAfter > Date.now())
    }
    this.unsubscribe.push(r.consent.subscribe(refresh), r.sync.onRemoteChange(refresh))
    // the banner goes when the time is up, even before the expiry check runs
    this.timer = setInterval(refresh, 15_000)
    refresh()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    for (const u of this.unsubscribe.splice(0)) u()
    clearInterval(this.timer)
  }

  private revoke(p: PersonWithAccess): void {
    const r = this.record
    if (r === undefined) return
    this.busy = p.grantId
    this.error = undefined
    r.consent.revoke(p.grantId).then(
      () => {
        this.busy = undefined
      },
      (err: unknown) => {
        this.busy = undefined
        this.error = err instanceof Error ? err.name : String(err)
      }
    )
  }

  override render(): unknown {
    if (this.active.length === 0) return ''
    const fmt = (t: number): string => new Date(t).toLocaleString(getLocale(), { dateStyle: 'medium', timeStyle: 'short' })
    return html`${this.active.map((p) => {
      const until = fmt(p.notAfter)
      return html`<section role="alert" aria-labelledby=${`bg-${p.grantId}`} data-testid="break-glass-banner">
        <h2 id=${`bg-${p.grantId}`}>${msg(str`Emergency access by ${p.name} until ${until}`)}</h2>
        <p>${credentialLine(p.credential)}</p>
        <p>${msg('An emergency clinician opened your summary (allergies, conditions, medicines) without asking you, with the emergency code you switched on. Nothing else of your record is open to them.')}</p>
        <div class="actions">
          <button type="button" ?disabled=${this.busy === p.grantId} @click=${() => this.revoke(p)}>${this.busy === p.grantId ? msg('Ending…') : msg('End emergency access now')}</button>
        </div>
        ${this.error === undefined ? '' : html`<p class="error" role="alert">${this.error}</p>`}
      </section>`
    })}`
  }
}
customElements.define('phr-break-glass-banner', BreakGlassBanner)
