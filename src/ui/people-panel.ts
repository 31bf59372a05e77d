import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import type { OpenRecord, PersonWithAccess, VisitNote } from '../app/index.ts'
import { getLocale } from './i18n.ts'
import { formStyles, viewStyles } from './styles.ts'
import { credentialLine } from './credential-text.ts'
import { familyLine, partName } from './share-visit.ts'
import './call-view.ts'

/** The "people with access" screen: who, verified or not, what, until when, revoke; and the notes they wrote. */
export class PeoplePanel extends LitElement {
  static override properties = { record: { attribute: false }, people: { state: true }, notes: { state: true }, busy: { state: true }, error: { state: true } }
  declare record: OpenRecord | undefined
  declare people: PersonWithAccess[]
  declare notes: VisitNote[]
  declare busy: string | undefined
  declare error: string | undefined
  private unsubscribe: Array<() => void> = []
  static override styles = [
    viewStyles,
    formStyles,
    css`
      ul {
        list-style: none;
        padding: 0;
        margin: 0;
      }
      li.person {
        border-top: 1px solid var(--border);
        padding: 0.75rem 0;
      }
      li.person:first-child {
        border-top: none;
      }
      .verified {
        color: #0b6b2e;
      }
      .unverified {
        color: #8a4b00;
      }
      .status {
        font-size: 0.85rem;
        padding: 0.1rem 0.5rem;
        border-radius: 999px;
        background: #eef2f7;
        margin-left: 0.5rem;
      }
      blockquote {
        margin: 0.25rem 0 0.5rem;
        padding: 0.5rem 0.75rem;
        border-left: 4px solid var(--accent);
        background: #f6f8fb;
        overflow-wrap: anywhere;
      }
      .sig {
        color: #0b6b2e;
        font-size: 0.9rem;
      }
      .status.emergency {
        background: #fdecec;
        color: #9b1c1c;
      }
      .sig.bad {
        color: #9b1c1c;
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.people = []
    this.notes = []
    this.busy = undefined
    this.error = undefined
  }

  override updated(changed: Map<string, unknown>): void {
    if (!changed.has('record')) return
    for (const u of this.unsubscribe.splice(0)) u()
    const r = this.record
    if (r === undefined) return
    const refresh = (): void => {
      this.people = r.consent.people()
      this.notes = r.consent.visitNotes()
    }
    this.unsubscribe.push(r.consent.subscribe(refresh), r.sync.onRemoteChange(refresh))
    refresh()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    for (const u of this.unsubscribe.splice(0)) u()
  }

  private revoke(p: PersonWithAccess): void {
    const r = this.record
    if (r === undefined) return
    this.busy = p.grantId
    this.error = undefined
    r.consent.revoke(p.grantId).then(
      () => {
        this.busy = undefined
      },
      (err: unknown) => {
        this.busy = undefined
        this.error = err instanceof Error ? err.name : String(err)
      }
    )
  }

  private status(p: PersonWithAccess): string {
    switch (p.status) {
      case 'active':
        return msg('Has access')
      case 'revoked':
        return msg('Revoked')
      case 'expired':
        return msg('Expired')
      default:
        return msg('Not yet')
    }
  }

  override render(): unknown {
    const fmt = (t: number): string => new Date(t).toLocaleString(getLocale(), { dateStyle: 'medium', timeStyle: 'short' })
    const current = this.record?.session.keyring
    const coreEpoch = current === undefined ? 0 : ([...current.values()].find((k) => k.kind === 'core')?.current ?? 0)
    return html`<section class="card" aria-labelledby="people-h" data-testid="people">
        <h2 id="people-h">${msg('People with access')}</h2>
        ${this.people.length === 0
          ? html`<p>${msg('Nobody else can see your record.')}</p>`
          : html`<ul>
              ${this.people.map(
                (p) => html`<li class="person" data-testid="person" data-status=${p.status} data-role=${p.role} data-emergency=${p.emergency ? 'yes' : 'no'}>
                  <strong>${p.name}</strong><span class="status">${this.status(p)}</span>${p.emergency ? html`<span class="status emergency">${msg('Emergency access')}</span>` : ''}
                  <div class=${p.credential.status === 'verified' && p.role !== 'caregiver' ? 'verified' : 'unverified'}>${p.role === 'caregiver' ? familyLine() : credentialLine(p.credential)}</div>
                  <div>${msg(str`Can see: ${p.compartments.map(partName).join(', ')}`)}</div>
                  <div>${p.status === 'active' ? msg(str`Until ${fmt(p.notAfter)}`) : ''}</div>
                  <phr-call-view .consult=${this.record?.consult} .grantId=${p.grantId} .active=${p.status === 'active'}></phr-call-view>
                  ${p.status === 'active'
                    ? html`<p>${msg('If you revoke: they keep what they have already seen; they get nothing you add or change after that, and their device can no longer sync.')}</p>
                        <div class="actions">
                          <button type="button" class="secondary" ?disabled=${this.busy === p.grantId} @click=${() => this.revoke(p)}>${this.busy === p.grantId ? msg('Revoking…') : msg(str`Revoke ${p.name}`)}</button>
                        </div>`
                    : html`<p>${msg('No access now. What they saw before remains with them; nothing after reaches them.')}</p>`}
                </li>`
              )}
            </ul>`}
        ${this.error === undefined ? '' : html`<p class="error" role="alert">${this.error}</p>`}
        <p data-testid="core-epoch" data-epoch=${coreEpoch}>${msg(str`The summary’s key was renewed ${coreEpoch} times.`)}</p>
      </section>
      ${this.notes.length === 0
        ? ''
        : html`<section class="card" aria-labelledby="notes-h" data-testid="visit-notes">
            <h2 id="notes-h">${msg('Notes from your doctors')}</h2>
            <ul>
              ${this.notes.map(
                (n) => html`<li class="person" data-testid="visit-note">
                  <strong data-testid="note-author">${n.author}</strong>${n.at === undefined ? '' : html` · ${fmt(Date.parse(n.at))}`}
                  <blockquote data-testid="note-text">${n.text}</blockquote>
                  <span class=${n.signatureValid ? 'sig' : 'sig bad'} data-testid="note-signature">${n.signatureValid ? msg('Signature valid: written on the device you approved') : msg('Signature not confirmed')}</span>
                </li>`
              )}
            </ul>
          </section>`}`
  }
}
customElements.define('phr-people-panel', PeoplePanel)
