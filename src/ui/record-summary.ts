import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import type { RecordSummary } from '../app/index.ts'
import { viewStyles } from './styles.ts'

/** The emergency-card facts and the size of the record. */
export class RecordSummaryView extends LitElement {
  static override properties = { summary: { attribute: false } }
  declare summary: RecordSummary | undefined
  static override styles = [
    viewStyles,
    css`
      .grid {
        display: grid;
        gap: 1rem;
        grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr));
      }
      ul {
        margin: 0;
        padding-left: 1.2rem;
      }
      dl {
        display: grid;
        grid-template-columns: auto auto;
        gap: 0.25rem 1rem;
        margin: 0;
      }
      dt {
        color: var(--text-muted);
      }
      dd {
        margin: 0;
        font-weight: 600;
      }
      .warn {
        color: var(--warn);
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.summary = undefined
  }

  private list(items: string[], none: string): unknown {
    if (items.length === 0) return html`<p>${this.summary?.complete === false ? msg('Not all of the record has arrived yet.') : none}</p>`
    return html`<ul>
      ${items.map((i) => html`<li>${i}</li>`)}
    </ul>`
  }

  override render(): unknown {
    const s = this.summary
    if (s === undefined) return ''
    const hr = s.latestHeartRate
    return html`${s.complete ? '' : html`<p class="warn" role="status">${msg('Some updates have not arrived yet: what is shown may be incomplete.')}</p>`}
      <div class="grid">
        <section class="card" aria-labelledby="allergies">
          <h2 id="allergies">${msg('Allergies')}</h2>
          ${this.list(s.allergies, msg('No allergies recorded.'))}
        </section>
        <section class="card" aria-labelledby="conditions">
          <h2 id="conditions">${msg('Conditions')}</h2>
          ${this.list(s.conditions, msg('No active conditions recorded.'))}
        </section>
        <section class="card" aria-labelledby="medications">
          <h2 id="medications">${msg('Medications')}</h2>
          ${this.list(s.medications, msg('No current medications recorded.'))}
        </section>
        <section class="card" aria-labelledby="record">
          <h2 id="record">${msg('In this record')}</h2>
          <dl>
            ${s.birthDate === undefined ? '' : html`<dt>${msg('Born')}</dt><dd>${s.birthDate}</dd>`}
            <dt>${msg('Entries')}</dt><dd data-testid="resource-count">${s.counts.resources}</dd>
            <dt>${msg('Observations')}</dt><dd>${s.counts.observations}</dd>
            <dt>${msg('Visits')}</dt><dd>${s.counts.encounters}</dd>
            <dt>${msg('Immunizations')}</dt><dd>${s.counts.immunizations}</dd>
            ${hr === undefined ? '' : html`<dt>${msg('Latest heart rate')}</dt><dd>${msg(str`${hr.value} per minute`)}</dd>`}
          </dl>
        </section>
      </div>`
  }
}
customElements.define('phr-record-summary', RecordSummaryView)
