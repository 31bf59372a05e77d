import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import QRCode from 'qrcode'
import type { OpenRecord } from '../app/index.ts'
import { viewStyles } from './styles.ts'

type Shown = { link: string; svg: string; png: string }

/**
 * The patient's emergency QR: the critical summary, encrypted into a link whose fragment
 * the emergency page reads offline. Shown with what it reveals to whoever scans it, to
 * print or to save as an image for the phone's lock screen.
 */
export class EmergencyQr extends LitElement {
  static override properties = { record: { attribute: false }, shown: { state: true }, error: { state: true } }
  declare record: OpenRecord | undefined
  declare shown: Shown | undefined
  declare error: string | undefined
  static override styles = [
    viewStyles,
    css`
      img {
        width: min(20rem, 100%);
        height: auto;
        image-rendering: pixelated;
        background: #fff;
      }
      textarea {
        width: 100%;
        font-family: ui-monospace, monospace;
        font-size: 0.75rem;
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.shown = undefined
    this.error = undefined
  }

  private readonly make = (): void => {
    const r = this.record
    if (r === undefined) return
    this.error = undefined
    r.emergencyLink(location.origin).then(
      async (link) => {
        const svg = await QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
        const png = await QRCode.toDataURL(link, { errorCorrectionLevel: 'M', margin: 2, scale: 6 })
        this.shown = { link, svg: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`, png }
      },
      (err: unknown) => {
        this.error = msg(str`The emergency code could not be made (${err instanceof Error ? err.name : 'Error'}).`)
      }
    )
  }

  override render(): unknown {
    const s = this.shown
    return html`<section class="card" aria-labelledby="em-h">
      <h2 id="em-h">${msg('Emergency QR code')}</h2>
      <p>${msg('Anyone who scans it sees your name, date of birth, allergies, conditions, medicines, blood group and emergency contacts — nothing else, and without a network. Print it for your wallet, or save it as your phone’s lock-screen picture.')}</p>
      ${this.error === undefined ? '' : html`<p class="error" role="alert">${this.error}</p>`}
      ${s === undefined
        ? html`<div class="actions"><button type="button" @click=${this.make}>${msg('Make my emergency QR code')}</button></div>`
        : html`<img src=${s.svg} alt=${msg('Emergency QR code')} data-testid="emergency-qr" />
            <label for="em-link">${msg('The link in the code')}</label>
            <textarea id="em-link" rows="3" readonly data-testid="emergency-link">${s.link}</textarea>
            <p>${msg('It shows the facts as they are now. Make a new one after a change.')}</p>
            ${s.link.includes('~phr-btg:')
              ? html`<p data-testid="emergency-qr-access">${msg('This code also lets a licensed emergency clinician open your summary for a few hours without asking you (emergency access is on).')}</p>`
              : this.record?.breakGlass.view().enabled === true
                ? html`<p class="error" data-testid="emergency-qr-no-access">${msg('Emergency access is on, but this code does not include it: this device is not connected. Connect and make a new one.')}</p>`
                : ''}
            <div class="actions">
              <a class="button" href=${s.png} download="emergency-qr.png">${msg('Save as an image')}</a>
              <button type="button" class="secondary" @click=${() => window.print()}>${msg('Print')}</button>
              <button type="button" class="secondary" @click=${this.make}>${msg('Make a new one')}</button>
            </div>`}
    </section>`
  }
}
customElements.define('phr-emergency-qr', EmergencyQr)
