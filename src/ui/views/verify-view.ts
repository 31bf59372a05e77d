import { LitElement, css, html } from 'lit'
import { ContextConsumer } from '@lit/context'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { servicesContext, MAX_PRESCRIPTION_TEXT_CHARS, type AppServices, type PharmacyCheck } from '../../app/index.ts'
import { formStyles, viewStyles } from '../styles.ts'
import { textField } from '../forms.ts'
import { isDispensable, prescriptionFacts, prescriptionStyles, verdictExplanation, verdictHeadline } from '../prescription-verdict.ts'
import '../qr-scanner.ts'

type Result = { kind: 'none' } | { kind: 'checking' } | { kind: 'done'; check: PharmacyCheck }

/**
 * The pharmacy page: scan a prescription's QR code (or paste its text) and see, in plain
 * words, whether it may be dispensed and what it says. Everything is checked on this
 * device, against the licensing authorities the app trusts; nothing is sent anywhere.
 */
export class VerifyView extends LitElement {
  static override properties = { result: { state: true }, scanning: { state: true }, scanNote: { state: true } }
  static override styles = [
    viewStyles,
    formStyles,
    prescriptionStyles,
    css`
      textarea {
        min-height: 6rem;
      }
      phr-qr-scanner {
        margin-top: 1rem;
      }
    `
  ]
  declare result: Result
  declare scanning: boolean
  declare scanNote: string | undefined
  private services: AppServices | undefined
  private readonly consumer = new ContextConsumer(this, {
    context: servicesContext,
    subscribe: true,
    callback: (services) => {
      this.services = services
    }
  })

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.result = { kind: 'none' }
    this.scanning = false
    this.scanNote = undefined
  }

  private async check(text: string): Promise<void> {
    const pharmacy = this.services?.pharmacy
    if (pharmacy === undefined) return
    this.result = { kind: 'checking' }
    this.result = { kind: 'done', check: await pharmacy.verify(text) }
    await this.updateComplete
    // the answer is what the pharmacist came for: take focus (and a screen reader) to it
    this.renderRoot.querySelector<HTMLElement>('#verdict-h')?.focus()
  }

  private readonly submit = (evt: Event): void => {
    evt.preventDefault()
    void this.check(textField(evt.target as HTMLFormElement, 'prescription'))
  }

  private readonly scanned = (evt: CustomEvent<string>): void => {
    this.scanning = false
    this.scanNote = msg('The code was read from the camera.')
    void this.check(evt.detail)
  }

  private readonly scanError = (): void => {
    this.scanning = false
    this.scanNote = msg('The camera could not be used. Paste the text instead.')
  }

  private renderResult(): unknown {
    const r = this.result
    if (r.kind === 'none') return ''
    if (r.kind === 'checking') return html`<p role="status">${msg('Checking…')}</p>`
    const v = r.check.verdict
    const n = r.check.authorities
    return html`<section class="card" aria-labelledby="verdict-h" data-testid="rx-result" data-status=${v.status}>
      <div class="verdict ${isDispensable(v) ? 'ok' : 'stop'}" role="status">
        <h2 id="verdict-h" tabindex="-1" data-testid="rx-verdict">${verdictHeadline(v)}</h2>
        <p data-testid="rx-explanation">${verdictExplanation(v)}</p>
      </div>
      ${'details' in v ? prescriptionFacts(v.details) : ''}
      <p>
        ${n === 0
          ? msg('This device knows no licensing authority yet, so no prescriber can be verified. Open this page once while online.')
          : msg(str`Checked on this device. Licensing authorities this app trusts: ${n}. Nothing was sent anywhere.`)}
      </p>
    </section>`
  }

  override render(): unknown {
    return html`<h1>${msg('Verify a prescription')}</h1>
      <section class="card" aria-labelledby="scan-h">
        <h2 id="scan-h">${msg('Scan or paste')}</h2>
        <p>${msg('A prescription from this app carries the doctor’s signature and licence. Its QR code is checked on this device, without a network.')}</p>
        <div class="actions">
          <button type="button" class="secondary" data-testid="rx-scan" aria-pressed=${this.scanning ? 'true' : 'false'} @click=${() => ((this.scanning = !this.scanning), (this.scanNote = undefined))}>
            ${this.scanning ? msg('Stop the camera') : msg('Scan the QR code with the camera')}
          </button>
        </div>
        ${this.scanning
          ? html`<phr-qr-scanner prefix="phr-rx:" .maxLength=${MAX_PRESCRIPTION_TEXT_CHARS} label=${msg('Camera view: hold the prescription’s QR code in front of it')} @scanned=${this.scanned} @scan-error=${this.scanError}></phr-qr-scanner>`
          : ''}
        ${this.scanNote === undefined ? '' : html`<p role="status" data-testid="rx-scan-note">${this.scanNote}</p>`}
        <form @submit=${this.submit}>
          <label for="prescription">${msg('Or paste the prescription text')}</label>
          <textarea id="prescription" name="prescription" required maxlength=${MAX_PRESCRIPTION_TEXT_CHARS} placeholder="phr-rx:…" spellcheck="false" autocomplete="off"></textarea>
          <div class="actions"><button type="submit" ?disabled=${this.result.kind === 'checking'}>${msg('Check the prescription')}</button></div>
        </form>
      </section>
      ${this.renderResult()}`
  }
}
customElements.define('phr-verify-view', VerifyView)
