import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import type { OpenRecord, PersonWithAccess } from '../app/index.ts'
import { getLocale } from './i18n.ts'
import { viewStyles } from './styles.ts'
import { patientPath } from './router.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** "in 3 hours", "in 2 days", "in 5 minutes": how long until `notAfter`, rounded down, in the reader's language. */
export function timeLeft(notAfter: number, now: number): string {
  const left = Math.max(0, notAfter - now)
  const rtf = new Intl.RelativeTimeFormat(getLocale(), { numeric: 'always' })
  if (left >= 2 * DAY) return rtf.format(Math.floor(left / DAY), 'day')
  if (left >= 2 * HOUR) return rtf.format(Math.floor(left / HOUR), 'hour')
  return rtf.format(Math.max(1, Math.floor(left / MINUTE)), 'minute')
}

/** Who someone is to the record, in a word. */
function roleOf(p: PersonWithAccess): string {
  if (p.emergency) return msg('Emergency access')
  return p.role === 'caregiver' ? msg('Family') : msg('Doctor')
}

/**
 * The home screen's "who has access now": the people whose grant is in force — doctors,
 * family, emergency access — and how long each has left, with a link to the sharing screen
 * where access is given and revoked. Follows the consent state (and what other devices
 * change) and counts the time down once a minute.
 */
export class AccessNow extends LitElement {
  static override properties = { record: { attribute: false }, now: { state: true }, people: { state: true } }
  declare record: OpenRecord | undefined
  declare now: number
  declare people: PersonWithAccess[]
  private unsubscribe: Array<() => void> = []
  private ticker: ReturnType<typeof setInterval> | undefined
  static override styles = [
    viewStyles,
    css`
      ul {
        list-style: none;
        margin: 0 0 0.75rem;
        padding: 0;
      }
      li {
        border-top: 1px solid var(--border);
        padding: 0.5rem 0;
      }
      li:first-child {
        border-top: none;
      }
      .role {
        font-size: 0.85rem;
        padding: 0.1rem 0.5rem;
        border-radius: 999px;
        background: #eef2f7;
        margin-left: 0.5rem;
      }
      .role.emergency {
        background: #fdecec;
        color: #9b1c1c;
      }
      .left {
        display: block;
        color: var(--text-muted);
        font-size: 0.9rem;
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.now = Date.now()
    this.people = []
  }

  override connectedCallback(): void {
    super.connectedCallback()
    this.ticker = setInterval(() => {
      this.now = Date.now()
    }, MINUTE)
    if (this.hasUpdated) this.follow()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    clearInterval(this.ticker)
    for (const u of this.unsubscribe.splice(0)) u()
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('record')) this.follow()
  }

  private follow(): void {
    for (const u of this.unsubscribe.splice(0)) u()
    const r = this.record
    if (r === undefined) {
      this.people = []
      return
    }
    const refresh = (): void => {
      this.now = Date.now()
      this.people = r.consent.people().filter((p) => p.status === 'active' && p.notAfter > this.now)
    }
    this.unsubscribe.push(r.consent.subscribe(refresh), r.sync.onRemoteChange(refresh))
    refresh()
  }

  override render(): unknown {
    // a grant may run out between two consent changes: the minute ticker drops it
    const active = this.people.filter((p) => p.notAfter > this.now).sort((a, b) => a.notAfter - b.notAfter)
    return html`<section class="card" aria-labelledby="access-now-h" data-testid="access-now">
      <h2 id="access-now-h">${msg('Who has access now')}</h2>
      ${active.length === 0
        ? html`<p data-testid="access-now-none">${msg('Nobody else can see your record now.')}</p>`
        : html`<ul>
            ${active.map(
              (p) => html`<li data-testid="access-now-person" data-role=${p.emergency ? 'emergency' : p.role}>
                <strong>${p.name}</strong><span class=${p.emergency ? 'role emergency' : 'role'}>${roleOf(p)}</span>
                <span class="left">${msg(str`Access ends ${timeLeft(p.notAfter, this.now)}`)}</span>
              </li>`
            )}
          </ul>`}
      <p><a href=${patientPath('sharing')}>${msg('Share or revoke access')}</a></p>
    </section>`
  }
}
customElements.define('phr-access-now', AccessNow)
