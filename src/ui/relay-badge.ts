import { LitElement, css, html } from 'lit'
import { msg, updateWhenLocaleChanges } from '@lit/localize'
import { RelayState, type RelayStatusSnapshot } from '../app/index.ts'

/** Shows where the app stands with its relay, in words and a coloured dot. */
export class RelayBadge extends LitElement {
  static override properties = { status: { attribute: false } }
  declare status: RelayStatusSnapshot

  static override styles = css`
    :host {
      display: inline-flex;
      align-items: center;
      gap: 0.4rem;
      font-size: 0.875rem;
      color: var(--text-muted);
    }
    .dot {
      width: 0.6rem;
      height: 0.6rem;
      border-radius: 50%;
      background: var(--warn);
      flex: none;
    }
    :host([data-state='connected']) .dot {
      background: var(--ok);
    }
    :host([data-state='offline']) .dot,
    :host([data-state='none']) .dot {
      background: var(--text-muted);
    }
  `

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.status = { state: RelayState.idle }
  }

  private label(): string {
    switch (this.status.state) {
      case RelayState.connected:
        return msg('Relay connected')
      case RelayState.connecting:
      case RelayState.idle:
        return msg('Connecting to relay…')
      case RelayState.offline:
        return msg('Offline — working on this device')
      case RelayState.none:
        return msg('No relay configured')
      case RelayState.unreachable:
        return msg('Relay unreachable — retrying')
    }
  }

  override render(): unknown {
    this.dataset['state'] = this.status.state
    const c = this.status.connection
    const title = c === undefined ? '' : `${c.peerId} · ${Math.round(c.connectMs)} ms`
    return html`<span class="dot" aria-hidden="true"></span><span role="status" title=${title}>${this.label()}</span>`
  }
}
customElements.define('phr-relay-badge', RelayBadge)
