import { LitElement, css, html } from 'lit'
import { ContextConsumer } from '@lit/context'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { servicesContext, MAX_CREDENTIAL_TEXT, MAX_DETAIL_TEXT, MAX_NOTE_TEXT, SHAREABLE, type AppServices, type PatientReplica, type PatientView, type PractitionerInfo } from '../../app/index.ts'
import { formStyles, viewStyles } from '../styles.ts'
import { textField } from '../forms.ts'
import { getLocale } from '../i18n.ts'
import { partName } from '../share-visit.ts'
import '../prescribe-form.ts'
import '../news2-context-form.ts'
import '../insights-card.ts'
import '../telemonitor-panel.ts'
import '../call-view.ts'
import '../patient-list.ts'
import '../passphrase-change.ts'
import type { PatientRow } from '../patient-list.ts'

type State =
  | { kind: 'loading' }
  | { kind: 'none'; error?: string; busy: boolean }
  | { kind: 'locked'; wrong: boolean; busy: boolean }
  | { kind: 'ready'; me: PractitionerInfo }
  | { kind: 'error'; message: string }

type Invite = { kind: 'idle'; error?: string } | { kind: 'waiting' }

/** Why answering an invite failed, in plain words. */
function inviteError(err: unknown): string {
  const name = err instanceof Error ? err.name : ''
  if (name === 'InvitePayloadFormatError') return msg('This is not a visit code. Copy the whole text the patient shows, starting with phr-invite:')
  if (name === 'InviteTokenError') return msg('The code was already used or has expired. Ask the patient for a new one.')
  if (name === 'InviteRejectedError') return msg('The patient declined.')
  return msg('The patient’s device could not be reached. Check the network and try again.')
}

/** Why emergency access failed, in plain words. */
function emergencyError(err: unknown): string {
  switch (err instanceof Error ? err.name : '') {
    case 'BreakGlassCapabilityFormatError':
      return msg('This emergency code gives no emergency access: the patient did not switch it on. Read the card for the critical facts.')
    case 'BreakGlassNotEnabledError':
      return msg('The patient has switched emergency access off.')
    case 'BreakGlassTokenInvalidError':
      return msg('The patient’s device does not accept this emergency code (it was replaced or changed).')
    case 'BreakGlassTokenExpiredError':
      return msg('This emergency code has expired.')
    case 'BreakGlassTokenUsedError':
      return msg('This emergency code was used up, or you already have emergency access.')
    case 'BreakGlassCredentialError':
      return msg('Emergency access needs a valid practitioner licence. Import yours first.')
    default:
      return msg('The patient’s device could not be reached. Check the network and try again.')
  }
}

/** The doctor's app: their identity, a patient's visit code, and the patients who let them in. */
export class DoctorView extends LitElement {
  static override properties = { state: { state: true }, invite: { state: true }, emergency: { state: true }, views: { state: true }, rows: { state: true }, credError: { state: true }, noteError: { state: true } }
  static override styles = [
    viewStyles,
    formStyles,
    css`
      ul {
        padding-left: 1.25rem;
        margin: 0 0 0.75rem;
      }
      .badge {
        display: inline-block;
        font-size: 0.8rem;
        padding: 0.1rem 0.5rem;
        border-radius: 999px;
        background: #fff3d6;
        color: #6b4a00;
        margin-left: 0.5rem;
      }
      .verified {
        color: #0b6b2e;
      }
      .facts {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr));
        gap: 0.5rem 1rem;
      }
      h3 {
        font-size: 1rem;
        margin: 0.5rem 0 0.25rem;
      }
      code {
        overflow-wrap: anywhere;
        font-size: 0.8rem;
      }
      details {
        margin-top: 0.75rem;
      }
      textarea {
        min-height: 5rem;
      }
      .not-shared {
        color: #5c6670;
        font-style: italic;
      }
      ul.parts {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1rem;
        list-style: none;
        padding: 0;
      }
    `
  ]
  declare state: State
  declare invite: Invite
  declare emergency: Invite
  declare views: PatientView[]
  declare rows: PatientRow[]
  declare credError: string | undefined
  declare noteError: string | undefined
  private services: AppServices | undefined
  private unsubscribe: (() => void) | undefined
  private readonly consumer = new ContextConsumer(this, {
    context: servicesContext,
    subscribe: true,
    callback: (services) => {
      this.services = services
      void this.load()
    }
  })

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.state = { kind: 'loading' }
    this.invite = { kind: 'idle' }
    this.emergency = { kind: 'idle' }
    this.views = []
    this.rows = []
    this.credError = undefined
    this.noteError = undefined
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.unsubscribe?.()
  }

  private async load(): Promise<void> {
    const p = this.services?.practitioner
    if (p === undefined) return
    try {
      const me = p.info()
      if (me !== undefined) return this.ready(me)
      this.state = (await p.exists()) ? { kind: 'locked', wrong: false, busy: false } : { kind: 'none', busy: false }
    } catch (err) {
      this.state = { kind: 'error', message: err instanceof Error ? err.name : String(err) }
    }
  }

  private ready(me: PractitionerInfo): void {
    const p = this.services?.practitioner
    if (p === undefined) return
    this.state = { kind: 'ready', me }
    this.unsubscribe?.()
    let pending = false
    const refresh = (): void => {
      if (pending) return
      pending = true
      setTimeout(() => {
        pending = false
        void Promise.all(p.patients().map((r) => r.view())).then(
          (views) => {
            this.views = views
            this.rows = views.map((view) => ({ view, openAlerts: this.openAlerts(view.grantId) }))
          },
          (err: unknown) => console.warn('visit: the patient could not be read', err instanceof Error ? err.name : err)
        )
      }, 100)
    }
    this.unsubscribe = p.subscribe(refresh)
    refresh()
  }

  private readonly create = (evt: Event): void => {
    evt.preventDefault()
    const p = this.services?.practitioner
    if (p === undefined) return
    const form = evt.target as HTMLFormElement
    const name = textField(form, 'name')
    const pass = textField(form, 'passphrase')
    if (pass !== textField(form, 'passphrase2')) {
      this.state = { kind: 'none', busy: false, error: msg('The two passphrases differ.') }
      return
    }
    if (pass.length < 8) {
      this.state = { kind: 'none', busy: false, error: msg('Use a passphrase of at least 8 characters.') }
      return
    }
    this.state = { kind: 'none', busy: true }
    p.create({ name, passphrase: pass, deviceName: this.services?.deviceName ?? '', licence: textField(form, 'licence'), authority: textField(form, 'authority') }).then(
      (me) => this.ready(me),
      (err: unknown) => {
        this.state = { kind: 'none', busy: false, error: err instanceof Error ? err.message : String(err) }
      }
    )
  }

  private readonly unlock = (evt: Event): void => {
    evt.preventDefault()
    const p = this.services?.practitioner
    if (p === undefined) return
    this.state = { kind: 'locked', wrong: false, busy: true }
    p.unlock(textField(evt.target as HTMLFormElement, 'passphrase')).then(
      (me) => this.ready(me),
      (err: unknown) => {
        if (err instanceof Error && err.name === 'WrongPassphraseError') this.state = { kind: 'locked', wrong: true, busy: false }
        else this.state = { kind: 'error', message: err instanceof Error ? err.name : String(err) }
      }
    )
  }

  private readonly importCredential = (evt: Event): void => {
    evt.preventDefault()
    const p = this.services?.practitioner
    if (p === undefined) return
    const form = evt.target as HTMLFormElement
    p.importCredential(textField(form, 'credential')).then(
      (me) => {
        this.credError = undefined
        form.reset()
        this.state = { kind: 'ready', me }
      },
      () => {
        this.credError = msg('This is not a licence issued to your identity key above. Paste the whole text your authority sent, or send them the key again.')
      }
    )
  }

  private readonly answer = (evt: Event): void => {
    evt.preventDefault()
    const p = this.services?.practitioner
    if (p === undefined) return
    const form = evt.target as HTMLFormElement
    const text = textField(form, 'invite')
    this.invite = { kind: 'waiting' }
    p.answer(text).then(
      () => {
        this.invite = { kind: 'idle' }
      },
      (err: unknown) => {
        console.warn('visit: the invite failed', err instanceof Error ? err.name : err)
        this.invite = { kind: 'idle', error: inviteError(err) }
      }
    )
  }

  /** The replica of a grant (hex id). */
  private replicaOf(grantId: string): PatientReplica | undefined {
    return this.services?.practitioner.patients().find((r) => r.grant.id !== undefined && grantId === [...r.grant.id].map((b) => b.toString(16).padStart(2, '0')).join(''))
  }

  /** Telemonitoring alerts of a patient whose episode is still open. */
  private openAlerts(grantId: string): number {
    return this.replicaOf(grantId)?.telemonitor()?.alerts().filter((a) => a.endedAt === undefined && !a.withdrawn).length ?? 0
  }

  /** Brings a patient's card into view and moves the focus to its heading. */
  private readonly pick = (e: CustomEvent<string>): void => {
    const h = this.renderRoot.querySelector<HTMLElement>(`#p-${CSS.escape(e.detail)}`)
    if (h === null) return
    h.tabIndex = -1
    h.scrollIntoView({ block: 'start' })
    h.focus()
  }

  private readonly breakGlass = (evt: Event): void => {
    evt.preventDefault()
    const p = this.services?.practitioner
    if (p === undefined) return
    const form = evt.target as HTMLFormElement
    const text = textField(form, 'emergency')
    this.emergency = { kind: 'waiting' }
    p.emergencyAccess(text).then(
      () => {
        this.emergency = { kind: 'idle' }
      },
      (err: unknown) => {
        console.warn('emergency access failed', err instanceof Error ? err.name : err)
        this.emergency = { kind: 'idle', error: emergencyError(err) }
      }
    )
  }

  private writeNote(evt: Event, replica: PatientReplica | undefined): void {
    evt.preventDefault()
    if (replica === undefined) return
    const form = evt.target as HTMLFormElement
    const text = textField(form, 'note').trim()
    if (text === '') {
      this.noteError = msg('Write the note first.')
      return
    }
    replica.writeNote(text).then(
      () => {
        this.noteError = undefined
        form.reset()
      },
      (err: unknown) => {
        this.noteError = err instanceof Error ? err.name : String(err)
      }
    )
  }

  private renderPatient(v: PatientView): unknown {
    const replica = this.replicaOf(v.grantId)
    // a part the patient did not share is "not shared", never an empty list
    const coreShared = v.granted.includes('core')
    const until = new Date(v.notAfter).toLocaleString(getLocale(), { dateStyle: 'medium', timeStyle: 'short' })
    const list = (items: string[], id: string, title: string): unknown => html`<section aria-labelledby=${`${id}-${v.grantId}`} data-testid=${`dr-${id}`}>
      <h3 id=${`${id}-${v.grantId}`}>${title}</h3>
      ${!coreShared
        ? html`<p class="not-shared">${msg('Not shared')}</p>`
        : items.length === 0
          ? html`<p>${v.complete ? msg('None recorded') : msg('Not all here yet')}</p>`
          : html`<ul>${items.map((x) => html`<li>${x}</li>`)}</ul>`}
    </section>`
    return html`<section class="card" aria-labelledby=${`p-${v.grantId}`} data-testid="dr-patient" data-status=${v.status}>
      <h2 id=${`p-${v.grantId}`}>${v.patientName === '' ? msg('Patient') : v.patientName}${v.complete ? '' : html`<span class="badge">${msg('Not all here yet')}</span>`}${v.emergency ? html`<span class="badge" data-testid="dr-emergency">${msg('Emergency access')}</span>` : ''}</h2>
      <p>${v.status === 'active' ? msg(str`You can see this until ${until}.`) : msg('The patient’s access for you has ended. What you saw before stays here; nothing new arrives.')}</p>
      <p>${msg(str`Shared with you: ${v.granted.map(partName).join(', ')}`)}</p>
      <ul class="parts" aria-label=${msg('Parts of the record')} data-testid="dr-parts">
        ${SHAREABLE.map((kind) =>
          v.granted.includes(kind)
            ? html`<li data-kind=${kind} data-shared="yes">${partName(kind)}: ${msg('shared')}</li>`
            : html`<li data-kind=${kind} data-shared="no" class="not-shared">${partName(kind)}: ${msg('not shared')}</li>`
        )}
      </ul>
      <div class="facts">
        ${list(v.allergies, 'allergies', msg('Allergies'))} ${list(v.conditions, 'conditions', msg('Conditions'))} ${list(v.medications, 'medications', msg('Medications'))}
      </div>
      <phr-insights-card heading-level="3" .insights=${replica?.insights}></phr-insights-card>
      <phr-telemonitor-panel .telemonitor=${replica?.telemonitor()}></phr-telemonitor-panel>
      <h3>${msg('Visit notes')}</h3>
      ${v.notes.length === 0 ? html`<p>${msg('No notes yet.')}</p>` : html`<ul data-testid="dr-notes">${v.notes.map((n) => html`<li>${n.text}</li>`)}</ul>`}
      ${v.status === 'active' && !v.emergency
        ? html`<form @submit=${(e: Event) => this.writeNote(e, replica)}>
            <label for=${`note-${v.grantId}`}>${msg('Write a visit note')}</label>
            <textarea id=${`note-${v.grantId}`} name="note" maxlength=${MAX_NOTE_TEXT}></textarea>
            ${this.noteError === undefined ? '' : html`<p class="error" role="alert">${this.noteError}</p>`}
            <div class="actions"><button type="submit">${msg('Save the note')}</button></div>
          </form>
          <phr-news2-context-form .replica=${replica} grant-id=${v.grantId}></phr-news2-context-form>
          <phr-prescribe-form .replica=${replica} .view=${v}></phr-prescribe-form>`
        : ''}
      <phr-call-view .consult=${this.services?.practitioner.consult} .grantId=${v.grantId} .active=${v.status === 'active'}></phr-call-view>
      <details>
        <summary>${msg('What this device holds')}</summary>
        <ul>
          ${v.compartments.map(
            (c) => html`<li data-testid="dr-compartment" data-kind=${c.kind} data-stored-epochs=${c.storedEpochs.join(',')} data-key-epochs=${c.keyEpochs.join(',')} data-count=${c.storedCount}>
              ${msg(str`${partName(c.kind)}: ${c.storedCount} encrypted pieces, key generations ${c.keyEpochs.join(', ')}`)}
            </li>`
          )}
        </ul>
      </details>
    </section>`
  }

  override render(): unknown {
    const s = this.state
    switch (s.kind) {
      case 'loading':
        return html`<p role="status">${msg('Checking this device…')}</p>`
      case 'error':
        return html`<div class="card" role="alert">
          <h1>${msg('This device’s storage could not be read')}</h1>
          <p>${s.message}</p>
        </div>`
      case 'none':
        return html`<section class="card empty" aria-labelledby="h">
          <h1 id="h">${msg('No practitioner profile on this device yet')}</h1>
          <p>${msg('Patients share their record with you for a visit. You see only what they chose, until the time they set.')}</p>
          <form @submit=${this.create}>
            <label for="name">${msg('Your name as patients should see it')}</label>
            <input id="name" name="name" required maxlength="200" autocomplete="name" />
            <label for="licence">${msg('Licence number (optional)')}</label>
            <input id="licence" name="licence" maxlength=${MAX_DETAIL_TEXT} autocomplete="off" />
            <label for="authority">${msg('Issuing authority (optional)')}</label>
            <input id="authority" name="authority" maxlength=${MAX_DETAIL_TEXT} autocomplete="organization" />
            <p class="hint">${msg('Patients see you as verified only with a licence your authority signs for this profile: once it is made, give the authority your identity key and import the licence text they send back.')}</p>
            <label for="passphrase">${msg('Passphrase for this device')}</label>
            <input id="passphrase" name="passphrase" type="password" required autocomplete="new-password" />
            <label for="passphrase2">${msg('The passphrase again')}</label>
            <input id="passphrase2" name="passphrase2" type="password" required autocomplete="new-password" />
            ${s.error === undefined ? '' : html`<p class="error" role="alert">${s.error}</p>`}
            <div class="actions"><button type="submit" ?disabled=${s.busy}>${s.busy ? msg('Creating…') : msg('Create my practitioner profile')}</button></div>
          </form>
        </section>`
      case 'locked':
        return html`<section class="card" aria-labelledby="h">
          <h1 id="h">${msg('A practitioner profile is stored on this device')}</h1>
          <p>${msg('It is encrypted. It opens with its passphrase.')}</p>
          <form @submit=${this.unlock}>
            <label for="passphrase">${msg('Passphrase')}</label>
            <input id="passphrase" name="passphrase" type="password" required autocomplete="current-password" />
            ${s.wrong ? html`<p class="error" role="alert">${msg('Wrong passphrase. Nothing was changed.')}</p>` : ''}
            <div class="actions"><button type="submit" ?disabled=${s.busy}>${s.busy ? msg('Opening…') : msg('Open')}</button></div>
          </form>
        </section>`
      case 'ready': {
        const c = s.me.credential
        return html`<h1>${s.me.name}</h1>
          <section class="card" aria-labelledby="me-h">
            <h2 id="me-h">${msg('Your licence')}</h2>
            <p>${msg('Your identity key (give it to your licensing authority):')} <code data-testid="dr-did">${s.me.did}</code></p>
            ${s.me.declared === undefined
              ? ''
              : html`<p data-testid="dr-declared">${msg(str`Licence number you gave: ${s.me.declared.licence === '' ? '—' : s.me.declared.licence}, issued by ${s.me.declared.authority === '' ? '—' : s.me.declared.authority}`)}</p>`}
            ${c === undefined
              ? html`<p>${msg('No licence imported: patients see you as unverified.')}</p>`
              : html`<p class="verified" data-testid="dr-credential">${msg(str`Licence ${c.licence}, ${c.specialty}`)}</p>
                  <p>${c.validUntil < Date.now()
                    ? msg('This licence has expired: patients see you as unverified until you import a new one.')
                    : msg(str`Signed by your licensing authority; valid until ${new Date(c.validUntil).toLocaleDateString(getLocale(), { dateStyle: 'medium' })}.`)}</p>
                  ${s.me.declared !== undefined && s.me.declared.licence !== '' && s.me.declared.licence !== c.licence
                    ? html`<p class="error">${msg(str`The imported licence number (${c.licence}) differs from the one you gave (${s.me.declared.licence}). Patients see the imported one.`)}</p>`
                    : ''}`}
            <form @submit=${this.importCredential}>
              <label for="credential">${msg('Paste the licence text from your licensing authority')}</label>
              <textarea id="credential" name="credential" maxlength=${MAX_CREDENTIAL_TEXT}></textarea>
              ${this.credError === undefined ? '' : html`<p class="error" role="alert">${this.credError}</p>`}
              <div class="actions"><button type="submit" class="secondary">${msg('Import the licence')}</button></div>
            </form>
          </section>
          <phr-patient-list .rows=${this.rows} .now=${Date.now()} @pick=${this.pick}></phr-patient-list>
          <section class="card" aria-labelledby="inv-h">
            <h2 id="inv-h">${msg('See a patient')}</h2>
            ${this.invite.kind === 'waiting'
              ? html`<p role="status" data-testid="invite-waiting">${msg('Waiting for the patient to approve on their device…')}</p>`
              : html`<form @submit=${this.answer}>
                  <label for="invite">${msg('Visit code from the patient')}</label>
                  <textarea id="invite" name="invite" required placeholder="phr-invite:…"></textarea>
                  ${this.invite.error === undefined ? '' : html`<p class="error" role="alert" data-testid="invite-error">${this.invite.error}</p>`}
                  <div class="actions"><button type="submit">${msg('Ask the patient')}</button></div>
                </form>`}
          </section>
          <section class="card" aria-labelledby="em-h">
            <h2 id="em-h">${msg('Emergency access')}</h2>
            <p>${msg('For a patient who cannot approve: paste the link of their emergency QR code. If they switched emergency access on, their device opens their summary to you for a few hours, records it as an emergency override and shows it to them.')}</p>
            ${this.emergency.kind === 'waiting'
              ? html`<p role="status" data-testid="emergency-waiting">${msg('Asking the patient’s device…')}</p>`
              : html`<form @submit=${this.breakGlass}>
                  <label for="emergency">${msg('Emergency QR code link')}</label>
                  <textarea id="emergency" name="emergency" required placeholder="…/emergency#e1.…"></textarea>
                  ${this.emergency.error === undefined ? '' : html`<p class="error" role="alert" data-testid="emergency-error">${this.emergency.error}</p>`}
                  <div class="actions"><button type="submit">${msg('Open in an emergency')}</button></div>
                </form>`}
          </section>
          ${this.views.map((v) => this.renderPatient(v))}
          <phr-passphrase-change .target=${this.services?.practitioner}></phr-passphrase-change>`
      }
    }
  }
}
customElements.define('phr-doctor-view', DoctorView)
