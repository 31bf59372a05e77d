import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { canonicalUnit, isInsightAlert, requestAlertNotifications, type LiveReading, type Telemonitor, type TelemonitorAlert, type TrendPoint } from '../app/index.ts'
import { formStyles, viewStyles } from './styles.ts'
import { alertText, clock, num, quantityName, unitText, when } from './vital-names.ts'
import { alertStatus, insightAlertOrigin, notificationState } from './patient-alerts.ts'
import './trend-chart.ts'
import './thresholds-editor.ts'

const DAY = 86_400_000
/** Redraws at most this often while readings stream. */
const REDRAW_MS = 500

const currentPermission = (): string => (globalThis as { Notification?: { permission: string } }).Notification?.permission ?? 'unsupported'

/**
 * A doctor's (or caregiver's) telemonitoring of one patient: live readings, a trend chart,
 * the alert limits, and the alerts feed with acknowledgement.
 */
export class TelemonitorPanel extends LitElement {
  static override properties = {
    telemonitor: { attribute: false },
    latest: { state: true },
    alerts: { state: true },
    chosen: { state: true },
    trend: { state: true },
    announce: { state: true },
    permission: { state: true },
    ackError: { state: true }
  }
  static override styles = [
    viewStyles,
    formStyles,
    css`
      h3 {
        font-size: 1rem;
        margin: 0.75rem 0 0.25rem;
      }
      h4 {
        font-size: 0.95rem;
        margin: 0.75rem 0 0.25rem;
      }
      .live {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr));
        gap: 0.5rem;
        list-style: none;
        padding: 0;
      }
      .live li {
        border: 1px solid var(--border);
        border-radius: 8px;
        padding: 0.5rem;
      }
      .value {
        font-size: 1.5rem;
        font-weight: 700;
        color: var(--text);
      }
      .alerts {
        padding-left: 1.25rem;
      }
      .alerts li {
        margin-bottom: 0.5rem;
      }
      .ongoing {
        font-weight: 700;
        color: #9b1c1c;
      }
      select {
        font: inherit;
        min-height: 44px;
      }
    `
  ]
  declare telemonitor: Telemonitor | undefined
  declare latest: LiveReading[]
  declare alerts: TelemonitorAlert[]
  declare chosen: string | undefined
  declare trend: TrendPoint[]
  declare announce: string
  declare permission: string
  declare ackError: string | undefined
  private followed: Telemonitor | undefined
  private stop: Array<() => void> = []
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.telemonitor = undefined
    this.latest = []
    this.alerts = []
    this.chosen = undefined
    this.trend = []
    this.announce = ''
    this.permission = currentPermission()
    this.ackError = undefined
  }

  override connectedCallback(): void {
    super.connectedCallback()
    this.follow()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    for (const s of this.stop.splice(0)) s()
    this.followed = undefined
    clearTimeout(this.timer)
  }

  override willUpdate(changed: Map<string, unknown>): void {
    this.follow()
    if (changed.has('chosen')) this.readTrend()
  }

  private follow(): void {
    if (this.telemonitor === this.followed || !this.isConnected) return
    for (const s of this.stop.splice(0)) s()
    this.followed = this.telemonitor
    const tm = this.telemonitor
    if (tm === undefined) return
    this.refresh()
    this.stop.push(
      tm.on('reading', () => this.soon()),
      tm.on('change', () => this.soon()),
      tm.on('alert', (a) => {
        this.announce = msg(str`New alert: ${alertText(a)}`)
        this.refresh()
      })
    )
  }

  /** Reads everything shown now (a new alert must not wait for the throttle). */
  private refresh(): void {
    const tm = this.telemonitor
    if (tm === undefined) return
    this.latest = tm.latest()
    this.alerts = tm.alerts()
    if (this.chosen === undefined || !this.latest.some((l) => l.code === this.chosen)) this.chosen = this.latest[0]?.code
    this.readTrend()
  }

  private soon(): void {
    if (this.timer !== undefined) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.refresh()
    }, REDRAW_MS)
  }

  private readTrend(): void {
    const tm = this.telemonitor
    const code = this.chosen
    if (tm === undefined || code === undefined) {
      this.trend = []
      return
    }
    const now = Date.now()
    this.trend = tm.trend(code, { from: now - DAY, to: now + 60_000, maxPoints: 400 })
  }

  private acknowledge(id: string): void {
    this.ackError = undefined
    this.telemonitor?.acknowledge(id).then(
      () => this.refresh(),
      (err: unknown) => {
        this.ackError =
          err instanceof Error && err.name === 'TelemonitorRoleError' ? msg('The alert could not be marked as seen: the patient’s access for you has ended.') : msg('The alert could not be marked as seen. Try again.')
      }
    )
  }

  private readonly allow = (): void => {
    void requestAlertNotifications(globalThis).then((p) => (this.permission = p))
  }

  private renderAlert(a: TelemonitorAlert): unknown {
    const open = a.endedAt === undefined && a.acknowledged === undefined
    return html`<li data-testid="tm-alert" data-id=${a.id} data-kind=${isInsightAlert(a) ? a.key : 'threshold'} data-acknowledged=${a.acknowledged === undefined ? 'no' : 'yes'}>
      <span class=${open ? 'ongoing' : ''}>${open ? msg('Alert:') : ''} ${alertText(a)}</span>
      — ${isInsightAlert(a) ? insightAlertOrigin(a) : msg(str`measured ${when(a.at)}.`)} ${alertStatus(a)}
      ${a.acknowledged === undefined && this.telemonitor?.role === 'monitor'
        ? html`<button type="button" class="secondary" @click=${() => this.acknowledge(a.id)}>${msg(str`Mark as seen: ${alertText(a)}`)}</button>`
        : ''}
    </li>`
  }

  override render(): unknown {
    const tm = this.telemonitor
    if (tm === undefined) return ''
    const rules = tm.thresholds()?.rules ?? []
    const chosen = this.chosen
    const unit = chosen === undefined ? '' : (canonicalUnit(chosen) ?? '')
    const rule = chosen === undefined ? undefined : rules.find((r) => r.code === chosen && r.unit === unit)
    return html`<section aria-labelledby="tm-h" data-testid="telemonitor">
      <h3 id="tm-h">${msg('Telemonitoring')}</h3>
      <div role="alert" aria-live="assertive" data-testid="tm-alert-live">${this.announce}</div>
      <h4>${msg('Live readings')}</h4>
      ${this.latest.length === 0
        ? html`<p>${msg('No readings in the last 24 hours. New ones show here within seconds.')}</p>`
        : html`<ul class="live" aria-live="polite" aria-label=${msg('Newest reading of each measurement')}>
            ${this.latest.map(
              (l) => html`<li data-testid="tm-live" data-code=${l.code}>
                <span>${quantityName(l.code)}</span><br />
                <span class="value" data-testid="tm-live-value">${num(l.value)}</span> ${unitText(l.unit)}<br />
                <small>${msg(str`at ${clock(l.t)}`)}</small>
              </li>`
            )}
          </ul>`}
      ${chosen === undefined
        ? ''
        : html`<h4 id="tm-trend-h">${msg('Trend, last 24 hours')}</h4>
            <label for="tm-trend-code">${msg('Measurement shown')}</label>
            <select id="tm-trend-code" @change=${(e: Event) => (this.chosen = (e.target as HTMLSelectElement).value)}>
              ${this.latest.map((l) => html`<option value=${l.code} ?selected=${l.code === chosen}>${quantityName(l.code)}</option>`)}
            </select>
            <phr-trend-chart .points=${this.trend} .label=${quantityName(chosen)} .unit=${unitText(unit)} .threshold=${rule?.value}></phr-trend-chart>`}
      <phr-thresholds-editor .telemonitor=${tm}></phr-thresholds-editor>
      <h4>${msg('Alerts')}</h4>
      <p>${notificationState(this.permission)}</p>
      ${this.permission === 'default' ? html`<p><button type="button" class="secondary" @click=${this.allow}>${msg('Allow system notifications')}</button></p>` : ''}
      ${this.ackError === undefined ? '' : html`<p class="error" role="alert">${this.ackError}</p>`}
      ${this.alerts.length === 0 ? html`<p>${msg('No alerts.')}</p>` : html`<ul class="alerts" data-testid="tm-alerts">${this.alerts.map((a) => this.renderAlert(a))}</ul>`}
    </section>`
  }
}
customElements.define('phr-telemonitor-panel', TelemonitorPanel)
