import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { MailboxState, RelayState, type CompartmentSyncStatus, type SyncSnapshot } from '../app/index.ts'
import { getLocale } from './i18n.ts'
import { formStyles, viewStyles } from './styles.ts'

/** The name of a compartment kind, in the user's language. */
export function compartmentName(kind: string): string {
  switch (kind) {
    case 'core':
      return msg('Essentials (allergies, conditions, medicines)')
    case 'results':
      return msg('Test results')
    case 'vitals':
      return msg('Vital signs')
    case 'notes':
      return msg('Visits and notes')
    case 'documents':
      return msg('Documents')
    case 'sensitive':
      return msg('Sensitive')
    case 'audit':
      return msg('Access log')
    default:
      return msg('Visit')
  }
}

/** What the panel can change: the person's own mailboxes. */
export interface OwnMailboxActions {
  add(addr: string): Promise<void>
  remove(addr: string): Promise<void>
}

/** Sync status of the open record: devices, relay and mailbox, pending work, each compartment. */
export class SyncPanel extends LitElement {
  static override properties = { snapshot: { attribute: false }, mailboxes: { attribute: false }, mailboxError: { state: true } }
  declare snapshot: SyncSnapshot | undefined
  declare mailboxes: OwnMailboxActions | undefined
  declare mailboxError: string | undefined
  static override styles = [
    viewStyles,
    formStyles,
    css`
      dl {
        display: grid;
        grid-template-columns: minmax(8rem, auto) 1fr;
        gap: 0.25rem 1rem;
        margin: 0 0 1rem;
      }
      dt {
        color: var(--text-muted);
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      ul {
        margin: 0;
        padding-left: 1.2rem;
      }
      table {
        border-collapse: collapse;
        width: 100%;
      }
      th,
      td {
        text-align: left;
        padding: 0.35rem 0.5rem 0.35rem 0;
        border-bottom: 1px solid var(--border);
        vertical-align: top;
      }
      th {
        color: var(--text-muted);
        font-weight: 600;
      }
      .ok {
        color: var(--ok);
      }
      .warn {
        color: var(--warn);
      }
      td {
        overflow-wrap: anywhere;
      }
      @media (max-width: 480px) {
        dl {
          grid-template-columns: 1fr;
        }
        dd {
          margin-bottom: 0.4rem;
        }
        /* a phone: one block per compartment, each value with its label */
        thead {
          display: none;
        }
        tr {
          display: block;
          padding: 0.4rem 0;
          border-bottom: 1px solid var(--border);
        }
        td {
          display: block;
          border: none;
          padding: 0.1rem 0;
        }
        td:first-child {
          font-weight: 600;
        }
        td[data-label]::before {
          content: attr(data-label) ': ';
          color: var(--text-muted);
        }
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.snapshot = undefined
  }

  private time(at: number | undefined): string {
    if (at === undefined) return msg('Never')
    return new Date(at).toLocaleString(getLocale(), { dateStyle: 'medium', timeStyle: 'medium' })
  }

  private relay(s: SyncSnapshot): string {
    switch (s.relay) {
      case RelayState.connected:
        return msg('Connected')
      case RelayState.connecting:
      case RelayState.idle:
        return msg('Connecting…')
      case RelayState.offline:
        return msg('Offline')
      case RelayState.none:
        return msg('No relay configured')
      case RelayState.unreachable:
        return msg('Unreachable — retrying')
    }
  }

  private mailbox(s: SyncSnapshot): string {
    switch (s.mailbox.state) {
      case MailboxState.reachable:
        return msg('Reachable')
      case MailboxState.unreachable:
        return s.mailbox.lastError === undefined ? msg('Unreachable') : msg(str`Unreachable (${s.mailbox.lastError})`)
      case MailboxState.unknown:
        return msg('Not reached yet')
    }
  }

  private state(c: CompartmentSyncStatus): unknown {
    // "incomplete" is never shown as empty: each state says what is missing
    if (c.awaitingFirstSync) return html`<span class="warn">${msg('Not arrived yet')}</span>`
    if (!c.complete) return html`<span class="warn">${msg('Incomplete: some updates are missing')}</span>`
    if (c.held > 0) return html`<span class="warn">${msg(str`${c.held} updates waiting for earlier ones`)}</span>`
    return html`<span class="ok">${msg('Complete')}</span>`
  }

  private pending(c: CompartmentSyncStatus): string {
    const parts: string[] = []
    if (c.unsaved) parts.push(msg('saving'))
    if (c.pendingOut > 0) parts.push(msg(str`${c.pendingOut} to send`))
    return parts.length === 0 ? '—' : parts.join(', ')
  }

  private readonly addMailbox = async (e: SubmitEvent): Promise<void> => {
    e.preventDefault()
    const form = e.target as HTMLFormElement
    const input = form.elements.namedItem('mailbox') as HTMLInputElement
    try {
      await this.mailboxes?.add(input.value)
      this.mailboxError = undefined
      input.value = ''
    } catch (err) {
      const name = err instanceof Error ? err.name : ''
      this.mailboxError =
        name === 'MailboxAddressError'
          ? msg('That is not a relay address this app can use. Ask whoever runs the relay for its full address: it ends with /p2p/ and a long id, and it starts with /dns4/… /wss unless the relay runs on this computer.')
          : name === 'RangeError'
            ? msg('You already have as many mailboxes as the app keeps. Remove one first.')
            : msg('The address could not be saved on this device. Try again.')
    }
  }

  private ownMailboxes(s: SyncSnapshot): unknown {
    return html`<h3 id="own-mb-h">${msg('Your own mailboxes')}</h3>
      <p class="hint">${msg('A relay you trust (your own home server, your clinic’s) can keep encrypted changes for your devices too. It never sees what they say.')}</p>
      ${s.ownMailboxes.length === 0
        ? html`<p data-testid="own-mailboxes-empty">${msg('None added: the app’s relay keeps them.')}</p>`
        : html`<ul data-testid="own-mailboxes" aria-labelledby="own-mb-h">
            ${s.ownMailboxes.map(
              (a) => html`<li>
                <code>${a}</code>
                <button type="button" class="secondary" aria-label=${msg(str`Remove the mailbox ${a}`)} @click=${() => void this.mailboxes?.remove(a)}>${msg('Remove')}</button>
              </li>`
            )}
          </ul>`}
      ${this.mailboxes === undefined
        ? ''
        : html`<form @submit=${(e: SubmitEvent) => void this.addMailbox(e)}>
            <label for="mailbox-addr">${msg('Relay address')}</label>
            <input id="mailbox-addr" name="mailbox" autocomplete="off" spellcheck="false" required aria-describedby=${this.mailboxError === undefined ? '' : 'mailbox-err'} />
            ${this.mailboxError === undefined ? '' : html`<p id="mailbox-err" class="error" role="alert">${this.mailboxError}</p>`}
            <div class="actions"><button type="submit">${msg('Add mailbox')}</button></div>
          </form>`}`
  }

  private readonly syncNow = (): void => {
    this.dispatchEvent(new CustomEvent('sync-now', { bubbles: true, composed: true }))
  }

  override render(): unknown {
    const s = this.snapshot
    if (s === undefined) return ''
    const connected = new Set(s.peers.map((p) => p.peerId))
    const unsaved = s.compartments.filter((c) => c.unsaved).length
    const toSend = s.compartments.reduce((n, c) => n + c.pendingOut, 0)
    return html`<section class="card" aria-labelledby="sync-h" data-testid="sync-panel">
      <h2 id="sync-h">${msg('Sync between your devices')}</h2>
      <dl>
        <dt>${msg('This device')}</dt>
        <dd data-testid="sync-device">${s.deviceName}</dd>
        <dt>${msg('Connected devices')}</dt>
        <dd data-testid="sync-peers">
          ${s.peers.length === 0 ? msg('None connected now') : html`<ul>${s.peers.map((p) => html`<li>${p.name}</li>`)}</ul>`}
        </dd>
        <dt>${msg('Your other devices')}</dt>
        <dd data-testid="sync-linked">
          ${s.linked.length === 0
            ? msg('None linked yet')
            : html`<ul>
                ${s.linked.map((d) => html`<li>${d.name} · ${connected.has(d.peerId) ? msg('connected') : msg('away')}</li>`)}
              </ul>`}
        </dd>
        <dt>${msg('Last synced')}</dt>
        <dd data-testid="sync-last">${this.time(s.lastSyncedAt)}</dd>
        <dt>${msg('Relay')}</dt>
        <dd data-testid="sync-relay" data-state=${s.relay}>${this.relay(s)}</dd>
        <dt>${msg('Mailbox')}</dt>
        <dd data-testid="sync-mailbox" data-state=${s.mailbox.state}>
          ${this.mailbox(s)}<br />
          <span data-testid="mailbox-deposited" data-count=${s.mailbox.deposited}>${msg(str`${s.mailbox.deposited} left for your other devices`)}</span> ·
          <span data-testid="mailbox-fetched" data-count=${s.mailbox.fetched}>${msg(str`${s.mailbox.fetched} picked up`)}</span>
        </dd>
        <dt>${msg('Pending')}</dt>
        <dd data-testid="sync-pending">
          ${unsaved + toSend + s.mailbox.queued === 0
            ? msg('Nothing pending')
            : msg(str`${unsaved} compartments saving, ${toSend} updates to send, ${s.mailbox.queued} waiting for the mailbox`)}
        </dd>
      </dl>
      <table>
        <thead>
          <tr>
            <th scope="col">${msg('Part of the record')}</th>
            <th scope="col">${msg('State')}</th>
            <th scope="col">${msg('Pending')}</th>
          </tr>
        </thead>
        <tbody>
          ${s.compartments.map(
            (c) => html`<tr data-kind=${c.kind}>
              <td>${compartmentName(c.kind)}</td>
              <td data-label=${msg('State')}>${this.state(c)}</td>
              <td data-label=${msg('Pending')}>${this.pending(c)}</td>
            </tr>`
          )}
        </tbody>
      </table>
      <div class="actions">
        <button type="button" class="secondary" @click=${this.syncNow}>${msg('Sync now')}</button>
      </div>
      ${this.ownMailboxes(s)}
    </section>`
  }
}
customElements.define('phr-sync-panel', SyncPanel)
