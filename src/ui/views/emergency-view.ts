import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { readEmergencyLink, type EmergencyCard } from '../../app/index.ts'
import { viewStyles } from '../styles.ts'

type Shown = { kind: 'none' } | { kind: 'reading' } | { kind: 'card'; card: EmergencyCard } | { kind: 'bad' }

/**
 * The emergency view: opens the critical summary carried in an emergency link's
 * fragment (never sent to any server). Works offline.
 */
export class EmergencyView extends LitElement {
  static override properties = { shown: { state: true } }
  declare shown: Shown
  static override styles = [
    viewStyles,
    css`
      .critical {
        font-size: 1.15rem;
      }
      dt {
        font-weight: 600;
        margin-top: 0.75rem;
      }
      dd {
        margin: 0.2rem 0 0;
      }
      ul {
        margin: 0;
        padding-left: 1.2rem;
      }
    `
  ]

  private readonly onHash = (): void => void this.read()

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.shown = { kind: 'none' }
  }

  override connectedCallback(): void {
    super.connectedCallback()
    // a new link opened in the same tab changes only the fragment
    window.addEventListener('hashchange', this.onHash)
    void this.read()
  }

  private async read(): Promise<void> {
    const fragment = location.hash
    if (fragment === '' || fragment === '#') {
      this.shown = { kind: 'none' }
      return
    }
    this.shown = { kind: 'reading' }
    try {
      this.shown = { kind: 'card', card: await readEmergencyLink(fragment) }
    } catch (err) {
      // named, logged without any of the link (it may hold health data)
      console.warn('emergency link refused:', err instanceof Error ? err.name : 'Error')
      this.shown = { kind: 'bad' }
    }
  }

  private list(items: readonly string[]): unknown {
    return items.length === 0 ? msg('None recorded') : html`<ul>${items.map((x) => html`<li>${x}</li>`)}</ul>`
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    window.removeEventListener('hashchange', this.onHash)
  }

  override render(): unknown {
    const s = this.shown
    if (s.kind === 'reading') return html`<p role="status">${msg('Reading the emergency card…')}</p>`
    if (s.kind === 'card') {
      const c = s.card
      return html`<section class="card critical" aria-labelledby="h" data-testid="emergency-card">
        <h1 id="h">${c.name}</h1>
        ${c.birthDate === undefined ? '' : html`<p>${msg(str`Born ${c.birthDate}`)}</p>`}
        <dl>
          <dt>${msg('Allergies')}</dt>
          <dd data-testid="emergency-allergies">${this.list(c.allergies)}</dd>
          <dt>${msg('Conditions')}</dt>
          <dd>${this.list(c.conditions)}</dd>
          <dt>${msg('Medicines')}</dt>
          <dd>${this.list(c.medications)}</dd>
          <dt>${msg('Blood group')}</dt>
          <dd>${c.bloodGroup ?? msg('Not recorded')}</dd>
          <dt>${msg('Emergency contacts')}</dt>
          <dd>
            ${c.contacts.length === 0
              ? msg('None recorded')
              : html`<ul>
                  ${c.contacts.map((x) => html`<li>${x.name}${x.relation === undefined ? '' : html` (${x.relation})`}${x.phone === undefined ? '' : html` · <a href="tel:${x.phone}">${x.phone}</a>`}</li>`)}
                </ul>`}
          </dd>
        </dl>
        <p>${msg(str`As the patient recorded it on ${c.madeAt.slice(0, 10)}. Read on this device; nothing was sent anywhere.`)}</p>
      </section>`
    }
    if (s.kind === 'none') {
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
