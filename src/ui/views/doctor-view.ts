import { html } from 'lit'
import { msg, str } from '@lit/localize'
import { HoldingsView } from './holdings-view.ts'

/** The doctor's app: their practitioner profile and the patients who granted access. */
export class DoctorView extends HoldingsView {
  override render(): unknown {
    const s = this.state
    if (s.kind === 'loading') return html`<p role="status">${msg('Checking this device…')}</p>`
    if (s.kind === 'error') {
      return html`<div class="card" role="alert">
        <h1>${msg('This device’s storage could not be read')}</h1>
        <p>${s.message}</p>
      </div>`
    }
    if (s.holdings.practitionerProfiles === 0) {
      return html`<section class="card empty" aria-labelledby="h">
        <h1 id="h">${msg('No practitioner profile on this device yet')}</h1>
        <p>${msg('Patients share their record with you for a visit. You see only what they chose, until the time they set.')}</p>
      </section>`
    }
    const n = s.holdings.practitionerProfiles
    return html`<section class="card" aria-labelledby="h">
      <h1 id="h">${msg('Practitioner profiles')}</h1>
      <p>${msg(str`Practitioner profiles on this device: ${n}`)}</p>
    </section>`
  }
}
customElements.define('phr-doctor-view', DoctorView)
