import { LitElement, css, html } from 'lit'
import { msg, updateWhenLocaleChanges } from '@lit/localize'
import { viewStyles } from '../styles.ts'

/** The start page: who are you? */
export class HomeView extends LitElement {
  static override styles = [
    viewStyles,
    css`
      ul {
        list-style: none;
        padding: 0;
        margin: 0;
        display: grid;
        gap: 0.75rem;
        grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr));
      }
      a.choice {
        display: block;
        text-decoration: none;
        color: inherit;
        height: 100%;
        box-sizing: border-box;
      }
      a.choice:hover {
        border-color: var(--accent);
      }
      a.choice strong {
        display: block;
        color: var(--accent);
        margin-bottom: 0.25rem;
        font-size: 1.05rem;
      }
      a.choice span {
        color: var(--text-muted);
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
  }

  override render(): unknown {
    return html`<h1>${msg('Your health record, on your own devices')}</h1>
      <p>${msg('Encrypted end to end. Shared with a doctor only for a visit, only the parts you choose.')}</p>
      <ul>
        <li><a class="choice card" href="/patient"><strong>${msg('I am a patient')}</strong><span>${msg('Keep your record and decide who sees it.')}</span></a></li>
        <li><a class="choice card" href="/doctor"><strong>${msg('I am a doctor')}</strong><span>${msg('See what your patients share for a visit.')}</span></a></li>
        <li><a class="choice card" href="/emergency"><strong>${msg('Emergency')}</strong><span>${msg('Read a patient’s emergency QR code.')}</span></a></li>
        <li><a class="choice card" href="/verify"><strong>${msg('Pharmacy')}</strong><span>${msg('Check that a prescription is genuine.')}</span></a></li>
      </ul>`
  }
}
customElements.define('phr-home-view', HomeView)
