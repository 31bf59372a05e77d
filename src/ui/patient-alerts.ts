import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { isInsightAlert, requestAlertNotifications, sourceLabel, type InsightAlert, type PatientAlert, type PatientAlerts, type PatientConsent, type TelemonitorAlert } from '../app/index.ts'
import { AlertsFollower } from './alerts-follower.ts'
import { formStyles, viewStyles } from './styles.ts'
import { alertText, when } from './vital-names.ts'

/** Whether system notifications are allowed now, in words. */
export function notificationState(permission: string): string {
  switch (permission) {
    case 'granted':
      return msg('System notifications are on.')
    case 'denied':
      return msg('System notifications are blocked in this browser’s settings. Alerts still show here.')
    case 'unsupported':
      return msg('This browser cannot show system notifications. Alerts still show here.')
    default:
      return msg('Alerts show here. You can also get them as system notifications.')
  }
}

const currentPermission = (): string => (globalThis as { Notification?: { permission: string } }).Notification?.permission ?? 'unsupported'

/** The state of an alert in words. */
export function alertStatus(a: TelemonitorAlert): string {
  if (a.acknowledged !== undefined) return msg(str`Seen by the doctor at ${when(a.acknowledged.at)}`)
  if (a.endedAt !== undefined) return isInsightAlert(a) ? msg(str`No longer found since ${when(a.endedAt)}`) : msg(str`Back in range since ${when(a.endedAt)}`)
  return msg('Ongoing')
}

/** Where a finding's alert comes from, in words: its readings' time and the rule's source. */
export function insightAlertOrigin(a: InsightAlert): string {
  return msg(str`from the readings up to ${when(a.at)}; rule: ${sourceLabel(a.source)}.`)
}

/** The patient's side of telemonitoring: the alerts their doctors' thresholds raised. */
export class PatientAlertsPanel extends LitElement {
  static override properties = { alerts: { attribute: false }, people: { attribute: false }, list: { state: true }, announce: { state: true }, permission: { state: true } }
  static override styles = [
    viewStyles,
    formStyles,
    css`
      ul {
        padding-left: 1.25rem;
      }
      li {
        margin-bottom: 0.5rem;
      }
      .ongoing {
        font-weight: 700;
        color: #9b1c1c;
      }
    `
  ]
  declare alerts: PatientAlerts | undefined
  declare people: PatientConsent | undefined
  declare list: PatientAlert[]
  declare announce: string
  declare permission: string

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.alerts = undefined
    this.people = undefined
    this.list = []
    this.announce = ''
    this.permission = currentPermission()
    new AlertsFollower(this)
  }

  private who(grantId: string): string {
    const p = this.people?.people().find((x) => x.grantId === grantId)
    return p === undefined ? msg('your doctor') : p.name
  }

  private readonly allow = (): void => {
    void requestAlertNotifications(globalThis).then((p) => (this.permission = p))
  }

  override render(): unknown {
    if (this.alerts === undefined) return ''
    return html`<section class="card" aria-labelledby="palerts-h">
      <h2 id="palerts-h">${msg('Alerts from your doctors')}</h2>
      <div role="alert" aria-live="assertive" data-testid="patient-alert-live">${this.announce}</div>
      <p>${notificationState(this.permission)}</p>
      ${this.permission === 'default' ? html`<p><button type="button" class="secondary" @click=${this.allow}>${msg('Allow system notifications')}</button></p>` : ''}
      ${this.list.length === 0
        ? html`<p>${msg('No alerts. When a doctor sets limits for your readings, a reading past one shows here, and so does a finding from your readings that needs a doctor soon.')}</p>`
        : html`<ul data-testid="patient-alerts">
            ${this.list.map(
              (a) => html`<li data-testid="patient-alert" data-id=${a.id}>
                <span class=${a.endedAt === undefined && a.acknowledged === undefined ? 'ongoing' : ''}>${alertText(a)}</span>
                — ${isInsightAlert(a) ? msg(str`${insightAlertOrigin(a)} Also shown to ${this.who(a.grantId)}.`) : msg(str`measured ${when(a.at)}, limit set by ${this.who(a.grantId)}.`)} ${alertStatus(a)}
              </li>`
            )}
          </ul>`}
    </section>`
  }
}
customElements.define('phr-patient-alerts', PatientAlertsPanel)
