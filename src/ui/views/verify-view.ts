import { LitElement, html } from 'lit'
import { msg, updateWhenLocaleChanges } from '@lit/localize'
import { viewStyles } from '../styles.ts'

/** The pharmacy page: checks a signed prescription offline. */
export class VerifyView extends LitElement {
  static override styles = viewStyles

  constructor() {
    super()
    updateWhenLocaleChanges(this)
  }

  override render(): unknown {
    return html`<section class="card empty" aria-labelledby="h">
      <h1 id="h">${msg('Verify a prescription')}</h1>
      <p>${msg('A prescription from this app carries the doctor’s signature and licence. Its QR code is checked on this device, without a network.')}</p>
      <p>${msg('No prescription has been checked on this device.')}</p>
    </section>`
  }
}
customElements.define('phr-verify-view', VerifyView)
