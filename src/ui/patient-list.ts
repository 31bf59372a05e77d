import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import type { PatientView } from '../app/index.ts'
import { viewStyles } from './styles.ts'

/** One row of the doctor's patient list. */
export interface PatientRow {
  readonly view: PatientView
  /** Telemonitoring alerts whose episode has not ended (withdrawn ones aside). */
  readonly openAlerts: number
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/**
 * The order of the list: patients whose access is in force first — those with open alerts
 * first (most alerts first), then the access that ends soonest — then those whose access
 * has ended, most recently ended first.
 */
export function orderPatients(rows: readonly PatientRow[]): PatientRow[] {
  const active = (r: PatientRow): boolean => r.view.status === 'active'
  return [...rows].sort((a, b) => {
    if (active(a) !== active(b)) return active(a) ? -1 : 1
    if (!active(a)) return b.view.notAfter - a.view.notAfter
    if (a.openAlerts !== b.openAlerts) return b.openAlerts - a.openAlerts
    return a.view.notAfter - b.view.notAfter
  })
}

/** "2 d 3 h left", "3 h 20 min left", "12 min left", in the current language. */
function timeLeft(ms: number): string {
  if (ms >= DAY) {
    const d = Math.floor(ms / DAY)
    const h = Math.floor((ms % DAY) / HOUR)
    return msg(str`${d} d ${h} h left`)
  }
  if (ms >= HOUR) {
    const h = Math.floor(ms / HOUR)
    const m = Math.floor((ms % HOUR) / MINUTE)
    return msg(str`${h} h ${m} min left`)
  }
  const m = Math.max(1, Math.ceil(ms / MINUTE))
  return msg(str`${m} min left`)
}

/**
 * The doctor's patients: everyone who granted this device access, with how long the access
 * lasts ("expired" once over) and their open alerts, in the order of `orderPatients`. Each
 * row links to the patient's card below. With nobody yet it says how a patient is added.
 */
export class PatientList extends LitElement {
  static override properties = { rows: { attribute: false }, now: { attribute: false } }
  declare rows: readonly PatientRow[]
  /** The time the list is drawn at (ms), so that "time left" is the same in every row. */
  declare now: number
  static override styles = [
    viewStyles,
    css`
      ol {
        list-style: none;
        padding: 0;
        margin: 0;
      }
      li {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1rem;
        align-items: baseline;
        padding: 0.5rem 0;
        border-bottom: 1px solid #e3e6ea;
      }
      li:last-child {
        border-bottom: none;
      }
      a {
        font-weight: 600;
        flex: 1 1 12rem;
      }
      .ended {
        color: #5c6670;
      }
      .alerts {
        font-weight: 600;
        color: #8a1c1c;
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.rows = []
    this.now = Date.now()
  }

  override render(): unknown {
    const rows = orderPatients(this.rows)
    return html`<section class="card" aria-labelledby="pl-h" data-testid="patient-list">
      <h2 id="pl-h">${msg('Your patients')}</h2>
      ${rows.length === 0
        ? html`<p data-testid="patient-list-empty">
            ${msg('No patient has shared their record with you yet. Ask the patient to choose “Share for a visit” on their device, then paste the phr-invite: code they show under “See a patient”.')}
          </p>`
        : html`<ol>
            ${rows.map(({ view: v, openAlerts }) => {
              const name = v.patientName === '' ? msg('Patient') : v.patientName
              const status = v.status === 'active' ? timeLeft(v.notAfter - this.now) : v.status === 'expired' ? msg('expired') : v.status === 'not-yet-valid' ? msg('not yet valid') : msg('access ended')
              return html`<li data-testid="patient-row" data-status=${v.status} data-alerts=${openAlerts}>
                <a
                  href=${`#p-${v.grantId}`}
                  @click=${(e: Event) => {
                    // the card is in the doctor view's shadow root, out of reach of a fragment
                    e.preventDefault()
                    this.dispatchEvent(new CustomEvent<string>('pick', { detail: v.grantId, bubbles: true, composed: true }))
                  }}
                  >${name}</a
                >
                <span class=${v.status === 'active' ? '' : 'ended'} data-testid="patient-expiry">${status}</span>
                <span class=${openAlerts > 0 ? 'alerts' : ''} data-testid="patient-alerts">${openAlerts === 0 ? msg('no open alerts') : msg(str`${openAlerts} open alerts`)}</span>
              </li>`
            })}
          </ol>`}
    </section>`
  }
}
customElements.define('phr-patient-list', PatientList)
