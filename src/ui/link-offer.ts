import { LitElement, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { copyCode, qrImage } from './code-offer.ts'
import { RelayUnavailableError, type LinkedDevice, type LinkOfferView, type OpenRecord } from '../app/index.ts'
import { getLocale } from './i18n.ts'
import { codeOfferStyles, formStyles, viewStyles } from './styles.ts'

type State =
  | { kind: 'idle' }
  | { kind: 'making' }
  | { kind: 'shown'; offer: LinkOfferView; qr: string; copied: boolean; madeAt: number }
  | { kind: 'error'; relay: boolean; detail: string }

/** On the first device: "Link another device" shows a one-time QR code and the same text to copy. */
export class LinkOffer extends LitElement {
  static override properties = { record: { attribute: false }, linked: { attribute: false }, state: { state: true } }
  declare record: OpenRecord | undefined
  /** The device most recently linked from here (from the sync status). */
  declare linked: LinkedDevice | undefined
  declare state: State
  static override styles = [viewStyles, formStyles, codeOfferStyles]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.linked = undefined
    this.state = { kind: 'idle' }
  }

  private readonly make = async (): Promise<void> => {
    const record = this.record
    if (record === undefined) return
    this.state = { kind: 'making' }
    const madeAt = Date.now()
    try {
      const offer = await record.sync.createLinkOffer()
      this.state = { kind: 'shown', offer, qr: await qrImage(offer.payload), copied: false, madeAt }
    } catch (err) {
      this.state = { kind: 'error', relay: err instanceof RelayUnavailableError, detail: err instanceof Error ? err.name : 'Error' }
    }
  }

  private readonly copy = async (): Promise<void> => {
    const s = this.state
    if (s.kind !== 'shown') return
    if (await copyCode(this.renderRoot, s.offer.payload)) this.state = { ...s, copied: true }
  }

  private readonly done = (): void => {
    this.state = { kind: 'idle' }
  }

  override render(): unknown {
    const s = this.state
    const head = html`<h2 id="link-h">${msg('Link another device')}</h2>`
    switch (s.kind) {
      case 'idle':
      case 'making':
        return html`<section class="card" aria-labelledby="link-h">
          ${head}
          <p>${msg('Open this app on your other device and choose “I already have a record on another device”. Then scan the code or paste the text shown here.')}</p>
          <button type="button" @click=${this.make} ?disabled=${s.kind === 'making'}>${s.kind === 'making' ? msg('Preparing a code…') : msg('Link another device')}</button>
        </section>`
      case 'error':
        return html`<section class="card" aria-labelledby="link-h">
          ${head}
          <div class="error" role="alert">
            <strong>${s.relay ? msg('The relay is not reachable') : msg('No code could be made')}</strong>
            ${s.relay ? msg('The other device finds this one through the relay. Check the network and try again.') : s.detail}
          </div>
          <div class="actions"><button type="button" @click=${this.make}>${msg('Try again')}</button></div>
        </section>`
      case 'shown': {
        if (this.linked !== undefined && this.linked.linkedAt >= s.madeAt) {
          return html`<section class="card" aria-labelledby="link-h">
            ${head}
            <p role="status" data-testid="link-done">${msg(str`${this.linked.name} is now linked to your record. It receives every part of it now.`)}</p>
            <div class="actions"><button type="button" @click=${this.done}>${msg('Done')}</button></div>
          </section>`
        }
        const until = new Date(s.offer.expiresAt).toLocaleTimeString(getLocale(), { timeStyle: 'short' })
        return html`<section class="card" aria-labelledby="link-h">
          ${head}
          <div class="offer">
            <img src=${s.qr} alt=${msg('QR code to link another device')} data-testid="link-qr" width="224" height="224" />
            <div>
              <label for="payload">${msg('Or copy this text to the other device')}</label>
              <textarea id="payload" readonly data-testid="link-payload" .value=${s.offer.payload}></textarea>
              <p>${msg(str`The code works once, until ${until}. Anyone who has it can link a device to your record: show it only to your own device.`)}</p>
              <div class="actions">
                <button type="button" @click=${this.copy}>${s.copied ? msg('Copied') : msg('Copy the text')}</button>
                <button type="button" class="secondary" @click=${this.done}>${msg('Done')}</button>
              </div>
            </div>
          </div>
        </section>`
      }
    }
  }
}
customElements.define('phr-link-offer', LinkOffer)
