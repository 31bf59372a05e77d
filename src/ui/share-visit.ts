import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { copyCode, qrImage } from './code-offer.ts'
import { GranteeRole, RelayUnavailableError, SHAREABLE, type LinkOfferView, type OpenRecord, type Shareable, type VisitRequest } from '../app/index.ts'
import { getLocale } from './i18n.ts'
import { codeOfferStyles, formStyles, viewStyles } from './styles.ts'
import { credentialLine } from './credential-text.ts'

type State =
  | { kind: 'idle' }
  | { kind: 'choosing'; role: GranteeRole; error?: string }
  | { kind: 'making'; role: GranteeRole }
  | { kind: 'shown'; offer: LinkOfferView; qr: string; copied: boolean }
  | { kind: 'approved'; name: string }
  | { kind: 'declined' }
  | { kind: 'error'; relay: boolean; detail: string }

/** What each part of the record holds, in plain words. */
export function partLabel(kind: string): string {
  switch (kind) {
    case 'core':
      return msg('Summary: allergies, conditions, medications, immunizations, procedures')
    case 'results':
      return msg('Lab results and reports')
    case 'vitals':
      return msg('Vital signs and measurements (heart rate, blood pressure, glucose…)')
    case 'notes':
      return msg('Visit notes and encounters')
    case 'documents':
      return msg('Documents and files')
    case 'sensitive':
      return msg('Sensitive: mental, sexual and reproductive health')
    default:
      return kind.startsWith('visit:') ? msg('Notes written during the visit') : kind
  }
}

/** A short name of each part. */
export function partName(kind: string): string {
  switch (kind) {
    case 'core':
      return msg('Summary')
    case 'results':
      return msg('Lab results')
    case 'vitals':
      return msg('Vital signs')
    case 'notes':
      return msg('Visit notes')
    case 'documents':
      return msg('Documents')
    case 'sensitive':
      return msg('Sensitive')
    default:
      return kind
  }
}

const DURATIONS = [1, 4, 24, 24 * 7] as const
/** A caregiver's grant: 30 days, 90 days, a year. */
const CAREGIVER_DURATIONS = [24 * 30, 24 * 90, 24 * 365] as const

/** How a grantee is named: a family member never carries a licence. */
export function familyLine(): string {
  return msg('Family member, unverified: no licence, you know them yourself')
}

/** "Share for a visit": what, for how long, then a one-time code; then who asks, approve or decline. */
export class ShareVisit extends LitElement {
  static override properties = { record: { attribute: false }, state: { state: true }, request: { state: true } }
  declare record: OpenRecord | undefined
  declare state: State
  declare request: VisitRequest | undefined
  private unsubscribe: (() => void) | undefined
  static override styles = [
    viewStyles,
    formStyles,
    codeOfferStyles,
    css`
      fieldset {
        border: 1px solid var(--border);
        border-radius: 8px;
        margin: 0.75rem 0;
        padding: 0.5rem 0.75rem;
      }
      legend {
        font-weight: 600;
      }
      .choice {
        display: flex;
        gap: 0.5rem;
        align-items: flex-start;
        margin: 0.4rem 0;
        font-weight: normal;
      }
      .choice input {
        width: auto;
        margin-top: 0.25rem;
        min-width: 1.25rem;
        min-height: 1.25rem;
      }
      .request {
        border: 2px solid var(--accent);
        border-radius: 10px;
        padding: 0.75rem 1rem;
        margin-top: 1rem;
      }
      .verified {
        color: #0b6b2e;
        font-weight: 600;
      }
      .unverified {
        color: #8a4b00;
        font-weight: 600;
      }
      select {
        font: inherit;
        padding: 0.4rem;
        border-radius: 8px;
        border: 1px solid var(--border);
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.state = { kind: 'idle' }
    this.request = undefined
  }

  override connectedCallback(): void {
    super.connectedCallback()
    this.follow()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.unsubscribe?.()
    this.unsubscribe = undefined
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('record')) this.follow()
  }

  private follow(): void {
    this.unsubscribe?.()
    const consent = this.record?.consent
    if (consent === undefined) return
    this.unsubscribe = consent.subscribe(() => {
      this.request = consent.pending()
    })
    this.request = consent.pending()
  }

  private readonly make = async (evt: Event): Promise<void> => {
    evt.preventDefault()
    const record = this.record
    if (record === undefined) return
    const form = evt.target as HTMLFormElement
    const data = new FormData(form)
    const compartments = SHAREABLE.filter((k) => data.get(`part-${k}`) === 'on')
    const hours = Number(data.get('hours'))
    const role = this.state.kind === 'choosing' ? this.state.role : GranteeRole.visit
    try {
      record.consent.setChoice({ compartments, hours, role })
    } catch {
      // the one way setChoice fails from this form: nothing picked
      this.state = { kind: 'choosing', role, error: msg('Pick at least one part of your record.') }
      return
    }
    this.state = { kind: 'making', role }
    try {
      const offer = await record.sync.createInvite()
      this.state = { kind: 'shown', offer, qr: await qrImage(offer.payload), copied: false }
    } catch (err) {
      this.state = { kind: 'error', relay: err instanceof RelayUnavailableError, detail: err instanceof Error ? err.name : 'Error' }
    }
  }

  private readonly copy = async (): Promise<void> => {
    const s = this.state
    if (s.kind !== 'shown') return
    if (await copyCode(this.renderRoot, s.offer.payload)) this.state = { ...s, copied: true }
  }

  private decide(ok: boolean): void {
    const r = this.request
    const consent = this.record?.consent
    if (r === undefined || consent === undefined) return
    consent.decide(ok)
    this.state = ok ? { kind: 'approved', name: r.credential.name ?? r.deviceName } : { kind: 'declined' }
  }

  private renderRequest(r: VisitRequest): unknown {
    const c = r.credential
    return html`<div class="request" role="alert" data-testid="visit-request">
      <h3>${msg('Someone is asking to see your record')}</h3>
      <p><strong data-testid="request-name">${c.name ?? r.deviceName}</strong></p>
      ${c.licence === undefined ? '' : html`<p>${msg(str`Licence: ${c.licence}`)}</p>`}
      ${c.specialty === undefined ? '' : html`<p>${msg(str`Specialty: ${c.specialty}`)}</p>`}
      <p class=${c.status === 'verified' && r.role !== GranteeRole.caregiver ? 'verified' : 'unverified'} data-testid="request-verdict">${r.role === GranteeRole.caregiver ? familyLine() : credentialLine(c)}</p>
      <p>${msg(str`Device: ${r.deviceName}`)}</p>
      <div class="actions">
        <button type="button" @click=${() => this.decide(true)}>${msg('Approve')}</button>
        <button type="button" class="secondary" @click=${() => this.decide(false)}>${msg('Decline')}</button>
      </div>
    </div>`
  }

  private renderCaregiverChoice(s: Extract<State, { kind: 'choosing' | 'making' }>): unknown {
    return html`<section class="card" aria-labelledby="share-h">
      <h2 id="share-h">${msg('Add a family member as caregiver')}</h2>
      <form @submit=${this.make}>
        <p>${msg('A family member who looks after you sees the parts you pick on their own device, for as long as you choose. They cannot write anything into your record. You can revoke it at any time.')}</p>
        <fieldset>
          <legend>${msg('What they may see')}</legend>
          ${SHAREABLE.map(
            (k: Shareable) => html`<label class="choice"><input type="checkbox" name=${`part-${k}`} ?checked=${k === 'vitals'} /><span>${partLabel(k)}</span></label>`
          )}
        </fieldset>
        <label for="hours">${msg('For how long')}</label>
        <select id="hours" name="hours">
          ${CAREGIVER_DURATIONS.map((h) => html`<option value=${h} ?selected=${h === 24 * 365}>${h === 24 * 30 ? msg('30 days') : h === 24 * 90 ? msg('90 days') : msg('1 year')}</option>`)}
        </select>
        ${s.kind === 'choosing' && s.error !== undefined ? html`<p class="error" role="alert">${s.error}</p>` : ''}
        <div class="actions">
          <button type="submit" ?disabled=${s.kind === 'making'}>${s.kind === 'making' ? msg('Preparing a code…') : msg('Show the code')}</button>
          <button type="button" class="secondary" @click=${() => (this.state = { kind: 'idle' })}>${msg('Cancel')}</button>
        </div>
      </form>
    </section>`
  }

  override render(): unknown {
    const s = this.state
    const head = html`<h2 id="share-h">${msg('Share for a visit')}</h2>`
    switch (s.kind) {
      case 'idle':
      case 'approved':
      case 'declined':
        return html`<section class="card" aria-labelledby="share-h">
          ${head}
          ${s.kind === 'approved' ? html`<p role="status" data-testid="share-done">${msg(str`${s.name} can now see what you chose, until the time you set. You can revoke it under “People with access”.`)}</p>` : ''}
          ${s.kind === 'declined' ? html`<p role="status">${msg('You declined. Nothing was shared.')}</p>` : ''}
          <p>${msg('Let a doctor see chosen parts of your record for a limited time. You approve each doctor on this screen.')}</p>
          <div class="actions">
            <button type="button" @click=${() => (this.state = { kind: 'choosing', role: GranteeRole.visit })}>${msg('Share for a visit')}</button>
            <button type="button" class="secondary" @click=${() => (this.state = { kind: 'choosing', role: GranteeRole.caregiver })}>${msg('Add a family member as caregiver')}</button>
          </div>
          ${this.request === undefined ? '' : this.renderRequest(this.request)}
        </section>`
      case 'choosing':
      case 'making':
        if (s.role === GranteeRole.caregiver) return this.renderCaregiverChoice(s)
        return html`<section class="card" aria-labelledby="share-h">
          ${head}
          <form @submit=${this.make}>
            <fieldset>
              <legend>${msg('What the doctor may see')}</legend>
              ${SHAREABLE.map(
                (k: Shareable) => html`<label class="choice"><input type="checkbox" name=${`part-${k}`} ?checked=${k === 'core'} /><span>${partLabel(k)}</span></label>`
              )}
            </fieldset>
            <label for="hours">${msg('For how long')}</label>
            <select id="hours" name="hours">
              ${DURATIONS.map((h) => html`<option value=${h} ?selected=${h === 24}>${h < 24 ? msg(str`${h} hours`) : h === 24 ? msg('24 hours') : msg('7 days')}</option>`)}
            </select>
            <p>${msg('The doctor can also write notes about the visit into your record; you will see them with their name.')}</p>
            ${s.kind === 'choosing' && s.error !== undefined ? html`<p class="error" role="alert">${s.error}</p>` : ''}
            <div class="actions">
              <button type="submit" ?disabled=${s.kind === 'making'}>${s.kind === 'making' ? msg('Preparing a code…') : msg('Show the code')}</button>
              <button type="button" class="secondary" @click=${() => (this.state = { kind: 'idle' })}>${msg('Cancel')}</button>
            </div>
          </form>
        </section>`
      case 'error':
        return html`<section class="card" aria-labelledby="share-h">
          ${head}
          <div class="error" role="alert">
            <strong>${s.relay ? msg('The relay is not reachable') : msg('No code could be made')}</strong>
            ${s.relay ? msg('The doctor’s device finds this one through the relay. Check the network and try again.') : s.detail}
          </div>
          <div class="actions"><button type="button" @click=${() => (this.state = { kind: 'choosing', role: GranteeRole.visit })}>${msg('Try again')}</button></div>
        </section>`
      case 'shown': {
        const until = new Date(s.offer.expiresAt).toLocaleTimeString(getLocale(), { timeStyle: 'short' })
        return html`<section class="card" aria-labelledby="share-h">
          ${head}
          <div class="offer">
            <img src=${s.qr} alt=${msg('QR code for the doctor')} data-testid="invite-qr" width="224" height="224" />
            <div>
              <label for="invite">${msg('Or give the doctor this text')}</label>
              <textarea id="invite" readonly data-testid="invite-payload" .value=${s.offer.payload}></textarea>
              <p>${msg(str`The code works once, until ${until}. Nothing is shared until you approve the doctor here.`)}</p>
              <div class="actions">
                <button type="button" @click=${this.copy}>${s.copied ? msg('Copied') : msg('Copy the text')}</button>
                <button type="button" class="secondary" @click=${() => (this.state = { kind: 'idle' })}>${msg('Cancel')}</button>
              </div>
            </div>
          </div>
          ${this.request === undefined ? html`<p role="status">${msg('Waiting for the doctor…')}</p>` : this.renderRequest(this.request)}
        </section>`
      }
    }
  }
}
customElements.define('phr-share-visit', ShareVisit)
