import { LitElement, html } from 'lit'
import { msg, updateWhenLocaleChanges } from '@lit/localize'
import { viewStyles } from '../styles.ts'

/**
 * The emergency view: opens the critical summary carried in an emergency link's
 * fragment (never sent to any server). Works offline.
 */
export class EmergencyView extends LitElement {
  static override styles = viewStyles

  private readonly onHash = (): void => this.requestUpdate()

  constructor() {
    super()
    updateWhenLocaleChanges(this)
  }

  override connectedCallback(): void {
    super.connectedCallback()
    // a new link opened in the same tab changes only the fragment
    window.addEventListener('hashchange', this.onHash)
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    window.removeEventListener('hashchange', this.onHash)
  }

  override render(): unknown {
    const payload = location.hash.slice(1)
    if (payload === '') {
      return html`<section class="card empty" aria-labelledby="h">
        <h1 id="h">${msg('No emergency link opened')}</h1>
        <p>${msg('Scan the patient’s emergency QR code, or open the link it holds, to see their allergies, conditions, medications and emergency contacts.')}</p>
        <p>${msg('This works without a network. Nothing you open here is sent anywhere.')}</p>
      </section>`
    }
    return html`<section class="card" role="alert" aria-labelledby="h">
      <h1 id="h">${msg('This emergency link cannot be read')}</h1>
      <p>${msg('It is not in a format this version of the app understands. Ask for the printed emergency card.')}</p>
    </section>`
  }
}
customElements.define('phr-emergency-view', EmergencyView)
