import { html } from 'lit'
import { msg, str } from '@lit/localize'
import { HoldingsView } from './holdings-view.ts'

/** The patient's app: their own record, or the empty state when this device holds none. */
export class PatientView extends HoldingsView {
  override render(): unknown {
    const s = this.state
    if (s.kind === 'loading') return html`<p role="status">${msg('Checking this device…')}</p>`
    if (s.kind === 'error') {
      return html`<div class="card" role="alert">
        <h1>${msg('This device’s storage could not be read')}</h1>
        <p>${s.message}</p>
        <p>${msg('Private browsing or full storage can cause this. Try a normal window.')}</p>
      </div>`
    }
    if (s.holdings.records === 0) {
      return html`<section class="card empty" aria-labelledby="h">
        <h1 id="h">${msg('No record on this device yet')}</h1>
        <p>${msg('Your health record will live here, encrypted, on your own devices. No server can read it.')}</p>
        <p>${msg('You decide, visit by visit, which doctor sees which part of it, and for how long.')}</p>
      </section>`
    }
    const n = s.holdings.records
    return html`<section class="card" aria-labelledby="h">
      <h1 id="h">${msg('Your records')}</h1>
      <p>${msg(str`Records stored on this device: ${n}`)}</p>
    </section>`
  }
}
customElements.define('phr-patient-view', PatientView)
