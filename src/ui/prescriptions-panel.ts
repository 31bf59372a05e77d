import { LitElement, html } from 'lit'
import { msg, updateWhenLocaleChanges } from '@lit/localize'
import type { OpenRecord, RecordPrescription } from '../app/index.ts'
import { viewStyles } from './styles.ts'
import './prescription-card.ts'

/** The patient's prescriptions: every signed prescription a doctor wrote into the record. Hidden while there is none. */
export class PrescriptionsPanel extends LitElement {
  static override properties = { record: { attribute: false }, prescriptions: { state: true } }
  static override styles = viewStyles
  declare record: OpenRecord | undefined
  declare prescriptions: RecordPrescription[]
  private unsubscribe: Array<() => void> = []
  private generation = 0

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.prescriptions = []
  }

  override updated(changed: Map<string, unknown>): void {
    if (!changed.has('record')) return
    for (const u of this.unsubscribe.splice(0)) u()
    const r = this.record
    if (r === undefined) return
    const refresh = (): void => {
      // verifying is async: only the latest answer is shown
      const mine = ++this.generation
      r.prescriptions().then(
        (list) => {
          if (mine === this.generation) this.prescriptions = list
        },
        (err: unknown) => console.warn('prescriptions could not be read', err instanceof Error ? err.name : err)
      )
    }
    this.unsubscribe.push(r.consent.subscribe(refresh), r.sync.onRemoteChange(refresh))
    refresh()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    for (const u of this.unsubscribe.splice(0)) u()
  }

  override render(): unknown {
    if (this.prescriptions.length === 0) return ''
    return html`<section class="card" aria-labelledby="rx-list-h" data-testid="prescriptions">
      <h2 id="rx-list-h">${msg('Prescriptions')}</h2>
      <p>${msg('Signed by your doctors. Show the QR code at a pharmacy: it checks the signature without a network.')}</p>
      ${this.prescriptions.map((p) => html`<phr-prescription-card .prescription=${p}></phr-prescription-card>`)}
    </section>`
  }
}
customElements.define('phr-prescriptions', PrescriptionsPanel)
