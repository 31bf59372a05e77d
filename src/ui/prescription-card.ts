import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import type { RecordPrescription } from '../app/index.ts'
import { copyCode, qrImage } from './code-offer.ts'
import { getLocale } from './i18n.ts'
import { prescriberProblem, prescriptionStyles } from './prescription-verdict.ts'
import { codeOfferStyles, formStyles, viewStyles } from './styles.ts'

const date = (ms: number): string => new Date(ms).toLocaleDateString(getLocale(), { dateStyle: 'medium' })

/**
 * One prescription in the patient's record: the medicine, dose, prescriber and validity,
 * and — on request — the QR code to show at a pharmacy, with its text to copy.
 */
export class PrescriptionCard extends LitElement {
  static override properties = { prescription: { attribute: false }, qr: { state: true }, copied: { state: true } }
  static override styles = [
    viewStyles,
    formStyles,
    codeOfferStyles,
    prescriptionStyles,
    css`
      :host {
        display: block;
        border-top: 1px solid var(--border);
        padding-top: 0.75rem;
        margin-top: 0.75rem;
      }
      h3 {
        font-size: 1.05rem;
        margin: 0 0 0.25rem;
      }
      .state {
        font-weight: 600;
      }
      .state.ok {
        color: #0b6b2e;
      }
      .state.stop {
        color: #9b1c1c;
      }
      .offer img {
        width: 20rem;
      }
    `
  ]
  declare prescription: RecordPrescription | undefined
  /** The QR image (a data URL) while shown. */
  declare qr: string | undefined
  declare copied: boolean

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.prescription = undefined
    this.qr = undefined
    this.copied = false
  }

  private readonly toggle = async (): Promise<void> => {
    const p = this.prescription
    if (p === undefined) return
    if (this.qr !== undefined) {
      this.qr = undefined
      return
    }
    this.qr = await qrImage(p.qrText)
  }

  private readonly copy = async (): Promise<void> => {
    const p = this.prescription
    if (p !== undefined && (await copyCode(this.renderRoot, p.qrText))) this.copied = true
  }

  /** Where the prescription stands, in the patient's words. */
  private state(): { text: string; ok: boolean } {
    const v = this.prescription?.verdict
    if (v === undefined) return { text: '', ok: false }
    switch (v.status) {
      case 'valid': {
        const until = date(v.details.validUntil)
        return { text: msg(str`Valid until ${until}`), ok: true }
      }
      case 'expired': {
        const until = date(v.details.validUntil)
        return { text: msg(str`Expired on ${until}`), ok: false }
      }
      case 'not-yet-valid': {
        const from = date(v.details.validFrom)
        return { text: msg(str`Valid from ${from}`), ok: false }
      }
      case 'unverified-prescriber': {
        const why = prescriberProblem(v.details.prescriber)
        return { text: msg(str`A pharmacy cannot verify the prescriber. ${why}`), ok: false }
      }
      case 'tampered':
        return { text: msg('Changed after the doctor signed it: a pharmacy will refuse it.'), ok: false }
      case 'malformed':
        return { text: msg('This prescription cannot be read.'), ok: false }
    }
  }

  override render(): unknown {
    const p = this.prescription
    if (p === undefined) return ''
    const v = p.verdict
    const s = this.state()
    const d = 'details' in v ? v.details : undefined
    const drug = d?.drug ?? msg('Prescription')
    return html`<article aria-labelledby="rx-h" data-testid="rx-card" data-status=${v.status}>
      <h3 id="rx-h" data-testid="rx-card-drug">${drug}</h3>
      <p class="state ${s.ok ? 'ok' : 'stop'}" data-testid="rx-card-state">${s.text}</p>
      ${d === undefined
        ? ''
        : html`<dl class="facts">
            <dt>${msg('Dose')}</dt>
            <dd>${d.dosage}</dd>
            <dt>${msg('Quantity')}</dt>
            <dd>${msg(str`${d.quantity.value} ${d.quantity.unit}, repeats: ${d.repeats}`)}</dd>
            <dt>${msg('Prescriber')}</dt>
            <dd data-testid="rx-card-prescriber">
              ${d.prescriber.credential === 'verified' ? msg(str`${d.prescriber.name ?? ''}, verified by ${d.prescriber.authorityName ?? ''}`) : (d.prescriber.name ?? msg('Unknown'))}
            </dd>
          </dl>`}
      ${p.qrText === ''
        ? ''
        : html`<div class="actions">
            <button type="button" class="secondary" aria-expanded=${this.qr === undefined ? 'false' : 'true'} data-testid="rx-show-qr" @click=${this.toggle}>
              ${this.qr === undefined ? msg('Show the QR code for the pharmacy') : msg('Hide the QR code')}
            </button>
          </div>`}
      ${this.qr === undefined
        ? ''
        : html`<div class="offer">
            <img src=${this.qr} alt=${msg(str`QR code of the prescription for ${drug}`)} data-testid="rx-qr" width="320" height="320" />
            <div>
              <label for="rx-text">${msg('Or copy this text for the pharmacy')}</label>
              <textarea id="rx-text" readonly data-testid="rx-text" .value=${p.qrText}></textarea>
              <p>${msg('The pharmacy checks the doctor’s signature and licence on its own device. Anyone who sees this code can read the prescription.')}</p>
              <div class="actions"><button type="button" @click=${this.copy}>${this.copied ? msg('Copied') : msg('Copy the text')}</button></div>
            </div>
          </div>`}
    </article>`
  }
}
customElements.define('phr-prescription-card', PrescriptionCard)
