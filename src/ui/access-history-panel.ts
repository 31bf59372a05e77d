import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { accessHistory, accessHistoryFhir, type AccessHistory, type AccessHistoryEntry, type OpenRecord } from '../app/index.ts'
import { getLocale } from './i18n.ts'
import { formStyles, viewStyles } from './styles.ts'
import { partName } from './share-visit.ts'

/** An export entry in plain words. */
function exportText(d: Readonly<Record<string, string | number>>): string {
  switch (d.what) {
    case 'emergency-qr':
      return msg('You made an emergency QR code')
    case 'fhir-bundle': {
      const n = Number(d.resources ?? 0)
      return msg(str`You downloaded your record as a FHIR file (${n} entries)`)
    }
    case 'ips':
      return msg('You downloaded your patient summary (IPS)')
    case 'printable-summary':
      return msg('You opened the printable summary')
    case 'shl':
      return msg('You made a shared link (SMART Health Link)')
    default:
      return msg('You exported part of your record')
  }
}

/** The access history: every grant, revocation, key renewal, sync and device link, in plain words. */
export class AccessHistoryPanel extends LitElement {
  static override properties = { record: { attribute: false }, history: { state: true } }
  declare record: OpenRecord | undefined
  declare history: AccessHistory | undefined
  private unsubscribe: Array<() => void> = []
  static override styles = [
    viewStyles,
    formStyles,
    css`
      ol {
        padding-left: 1.25rem;
        margin: 0;
      }
      li {
        margin: 0.35rem 0;
        overflow-wrap: anywhere;
      }
      time {
        color: var(--text-muted);
        font-size: 0.9rem;
        margin-right: 0.4rem;
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.history = undefined
  }

  override updated(changed: Map<string, unknown>): void {
    if (!changed.has('record')) return
    for (const u of this.unsubscribe.splice(0)) u()
    const r = this.record
    if (r === undefined) return
    const refresh = (): void => {
      this.history = accessHistory(r.session)
    }
    this.unsubscribe.push(r.consent.subscribe(refresh), r.sync.onRemoteChange(refresh))
    // entries this device adds (exports, imports, shared-link accesses) show at once
    const audit = r.session.compartments.get('audit')?.compartment
    if (audit !== undefined) {
      // after the change's own task, once for a burst of entries (each refresh verifies every signature)
      let pending: ReturnType<typeof setTimeout> | undefined
      const off = audit.onUpdate(() => {
        pending ??= setTimeout(() => {
          pending = undefined
          refresh()
        }, 50)
      })
      this.unsubscribe.push(() => {
        off()
        if (pending !== undefined) clearTimeout(pending)
      })
    }
    refresh()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    for (const u of this.unsubscribe.splice(0)) u()
  }

  private who(did: string): string {
    if (did === 'self') return msg('you')
    return this.record?.consent.people().find((p) => p.did === did)?.name ?? msg('you')
  }

  private say(e: AccessHistoryEntry): string {
    const who = this.who(e.actor)
    const d = e.details
    switch (e.action) {
      case 'grant': {
        const parts = String(d.compartments ?? '').split(',').filter((x) => x !== '').map(partName).join(', ')
        return msg(str`You let ${who} see: ${parts}`)
      }
      case 'revoke':
        return d.reason === 'expired' ? msg(str`Access of ${who} ended (time was up)`) : msg(str`You revoked the access of ${who}`)
      case 'rotate': {
        const part = partName(String(d.compartment ?? ''))
        return msg(str`New key for ${part}: nothing written from now on opens with the old one`)
      }
      case 'sync': {
        if (d.sent === undefined) return msg(str`${who} synced with your device`)
        const parts = String(d.compartments ?? '').split(',').filter((x) => x !== '').map(partName).join(', ')
        const sent = Number(d.sent)
        const received = Number(d.received ?? 0)
        return parts === ''
          ? msg(str`${who} synced with your device; nothing new was sent`)
          : msg(str`${who} synced with your device: ${sent} updates sent (${parts}), ${received} received`)
      }
      case 'device-link': {
        const name = String(d.name ?? '')
        return msg(str`You linked a device: ${name}`)
      }
      case 'emergency-access': {
        const name = String(d.name ?? who)
        const until = typeof d.until === 'number' ? new Date(d.until).toLocaleString(getLocale(), { dateStyle: 'medium', timeStyle: 'short' }) : ''
        return d.credential === 'verified'
          ? msg(str`Emergency override: ${name} opened your summary without asking you, with your emergency code, until ${until}`)
          : msg(str`Emergency override: ${name} (licence not verified) opened your summary without asking you, with your emergency code, until ${until}`)
      }
      case 'record-opened':
        return msg(str`${who} opened your record`)
      case 'export':
        return exportText(d)
      case 'import': {
        const stored = Number(d.stored ?? 0)
        return msg(str`You imported a file: ${stored} new entries`)
      }
      case 'shl-access': {
        const label = String(d.label ?? '')
        const recipient = String(d.recipient ?? '')
        return d.outcome === 'served' ? msg(str`“${recipient}” opened your shared link “${label}”`) : msg(str`“${recipient}” tried your shared link “${label}” with a wrong passcode`)
      }
      case 'shl-delete': {
        const label = String(d.label ?? '')
        return msg(str`You deleted your shared link “${label}”`)
      }
      case 'handover':
        return msg('This record was handed over to you: it has a new recovery phrase and new keys, and the guardian’s access ended')
      default:
        return e.action
    }
  }

  private problem(kind: string): string {
    switch (kind) {
      case 'edited':
        return msg('This entry was changed after it was written.')
      case 'missing':
        return msg('Entries were removed here.')
      case 'reordered':
        return msg('This entry was moved out of its place.')
      default:
        return msg('This entry cannot be read.')
    }
  }

  private readonly download = (): void => {
    const r = this.record
    if (r === undefined) return
    const blob = new Blob([accessHistoryFhir(r.session)], { type: 'application/fhir+json' })
    const a = document.createElement('a')
    a.href = URL.createObjectURL(blob)
    a.download = 'access-history.json'
    a.click()
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
  }

  override render(): unknown {
    const h = this.history
    const fmt = (t: number): string => new Date(t).toLocaleString(getLocale(), { dateStyle: 'short', timeStyle: 'short' })
    return html`<section class="card" aria-labelledby="history-h" data-testid="access-history">
      <h2 id="history-h">${msg('Access history')}</h2>
      ${h === undefined || (h.entries.length === 0 && h.problems.length === 0)
        ? html`<p>${msg('Nothing yet.')}</p>`
        : html`${h.problems.length === 0
              ? html`<p>${msg('Every entry is signed and chained: none was changed or removed.')}</p>`
              : html`<div class="error" role="alert" data-testid="history-problems">${h.problems.map((p) => html`<p>${this.problem(p.kind)}</p>`)}</div>`}
            <ol>
              ${h.entries.slice(0, 50).map((e) => html`<li data-testid="history-entry" data-action=${e.action}><time>${fmt(e.at)}</time>${this.say(e)}</li>`)}
            </ol>
            <div class="actions"><button type="button" class="secondary" @click=${this.download}>${msg('Download as FHIR AuditEvent')}</button></div>`}
    </section>`
  }
}
customElements.define('phr-access-history', AccessHistoryPanel)
