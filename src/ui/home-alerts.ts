import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import type { PatientAlert, PatientAlerts } from '../app/index.ts'
import { patientPath } from './router.ts'
import { AlertsFollower } from './alerts-follower.ts'
import { formStyles, viewStyles } from './styles.ts'
import { alertText, when } from './vital-names.ts'

/** How many open alerts the home screen lists; the rest are on the Vitals screen. */
const SHOWN = 3

/** An alert nobody has dealt with yet: still going and not seen by the doctor. */
const isOpen = (a: PatientAlert): boolean => a.endedAt === undefined && a.acknowledged === undefined

/**
 * The home screen's alerts: the open ones from the person's doctors (a reading past a
 * doctor's limit, a finding that needs a doctor soon), newest first, with a link to the
 * Vitals screen where every alert and its history is. Nothing when none is open. A new
 * alert is read out here while Home is the screen shown (the Vitals screen's live region is
 * hidden then).
 */
export class HomeAlerts extends LitElement {
  static override properties = { alerts: { attribute: false }, list: { state: true }, announce: { state: true } }
  static override styles = [
    viewStyles,
    formStyles,
    css`
      section {
        border-left: 4px solid #9b1c1c;
      }
      ul {
        padding-left: 1.25rem;
        margin: 0 0 0.5rem;
      }
      li {
        margin-bottom: 0.25rem;
      }
    `
  ]
  declare alerts: PatientAlerts | undefined
  declare list: PatientAlert[]
  declare announce: string

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.alerts = undefined
    this.list = []
    this.announce = ''
    new AlertsFollower(this)
  }

  override render(): unknown {
    const open = this.list.filter(isOpen)
    return html`<div role="alert" aria-live="assertive" data-testid="home-alert-live">${this.announce}</div>
      ${open.length === 0
        ? ''
        : html`<section class="card" aria-labelledby="halerts-h" data-testid="home-alerts" data-count=${open.length}>
            <h2 id="halerts-h">${open.length === 1 ? msg('An open alert from your doctor') : msg(str`${open.length} open alerts from your doctors`)}</h2>
            <ul>
              ${open.slice(0, SHOWN).map((a) => html`<li data-testid="home-alert">${alertText(a)} — ${when(a.at)}</li>`)}
            </ul>
            <p><a href=${patientPath('vitals')}>${msg('All alerts, and what your doctors set, on the Vitals screen')}</a></p>
          </section>`}`
  }
}
customElements.define('phr-home-alerts', HomeAlerts)
