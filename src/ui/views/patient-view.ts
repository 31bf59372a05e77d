import { LitElement, css, html } from 'lit'
import { ContextConsumer } from '@lit/context'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { servicesContext, type AppServices, type RecordSummary } from '../../app/index.ts'
import { viewStyles } from '../styles.ts'
import '../record-summary.ts'

/** Where the patient view stands. */
type State =
  | { kind: 'loading' }
  | { kind: 'empty' }
  | { kind: 'locked' }
  | { kind: 'creating'; progress: number }
  | { kind: 'opening' }
  | { kind: 'ready'; summary: RecordSummary; demo: boolean }
  | { kind: 'error'; message: string }

/** The patient's app: their own record, the demo patient, or the empty state. */
export class PatientView extends LitElement {
  static override properties = { state: { state: true } }
  static override styles = [
    viewStyles,
    css`
      button {
        font: inherit;
        padding: 0.6rem 1.1rem;
        border-radius: 8px;
        border: 1px solid var(--accent);
        background: var(--accent);
        color: #fff;
        cursor: pointer;
        min-height: 44px;
      }
      progress {
        width: 100%;
        max-width: 30rem;
        height: 0.75rem;
      }
      .badge {
        display: inline-block;
        font-size: 0.8rem;
        padding: 0.1rem 0.5rem;
        border-radius: 999px;
        background: #fff3d6;
        color: #6b4a00;
        margin-left: 0.5rem;
        vertical-align: middle;
      }
    `
  ]
  declare state: State
  private services: AppServices | undefined
  // subscribe: the services may arrive after this view is first rendered
  private readonly consumer = new ContextConsumer(this, {
    context: servicesContext,
    subscribe: true,
    callback: (services) => {
      this.services = services
      void this.load()
    }
  })

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.state = { kind: 'loading' }
  }

  private fail(err: unknown): void {
    this.state = { kind: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }
  }

  private async load(): Promise<void> {
    const services = this.services
    if (services === undefined) return
    try {
      if (await services.demo.exists()) {
        this.state = { kind: 'opening' }
        this.state = { kind: 'ready', summary: await services.demo.open(), demo: true }
        return
      }
      const holdings = await services.holdings()
      this.state = holdings.records === 0 ? { kind: 'empty' } : { kind: 'locked' }
    } catch (err) {
      this.fail(err)
    }
  }

  private readonly tryDemo = (): void => {
    const services = this.services
    if (services === undefined) return
    this.state = { kind: 'creating', progress: 0 }
    services.demo
      .create((progress) => {
        this.state = { kind: 'creating', progress }
      })
      .then(
        (summary) => {
          this.state = { kind: 'ready', summary, demo: true }
        },
        (err: unknown) => this.fail(err)
      )
  }

  override render(): unknown {
    const s = this.state
    switch (s.kind) {
      case 'loading':
        return html`<p role="status">${msg('Checking this device…')}</p>`
      case 'opening':
        return html`<p role="status">${msg('Opening the record…')}</p>`
      case 'error':
        return html`<div class="card" role="alert">
          <h1>${msg('The record could not be opened')}</h1>
          <p>${s.message}</p>
          <p>${msg('Nothing was changed. Reload the page to try again.')}</p>
        </div>`
      case 'creating':
        return html`<section class="card" aria-labelledby="h">
          <h1 id="h">${msg('Creating the demo patient…')}</h1>
          <p>${msg('A month of synthetic health data is being encrypted and stored on this device.')}</p>
          <progress max="1" .value=${s.progress} aria-label=${msg('Progress')}></progress>
          <p role="status">${msg(str`${Math.round(s.progress * 100)}% done`)}</p>
        </section>`
      case 'empty':
        return html`<section class="card empty" aria-labelledby="h">
          <h1 id="h">${msg('No record on this device yet')}</h1>
          <p>${msg('Your health record will live here, encrypted, on your own devices. No server can read it.')}</p>
          <p>${msg('You decide, visit by visit, which doctor sees which part of it, and for how long.')}</p>
          <p>${msg('To look around first, open a demo patient made of synthetic data.')}</p>
          <button type="button" @click=${this.tryDemo}>${msg('Try with a demo patient')}</button>
        </section>`
      case 'locked':
        return html`<section class="card" aria-labelledby="h">
          <h1 id="h">${msg('A record is stored on this device')}</h1>
          <p>${msg('It is encrypted. It opens with its passphrase.')}</p>
        </section>`
      case 'ready':
        return html`<h1>${s.summary.name}${s.demo ? html`<span class="badge">${msg('Demo')}</span>` : ''}</h1>
          <phr-record-summary .summary=${s.summary}></phr-record-summary>`
    }
  }
}
customElements.define('phr-patient-view', PatientView)
