import { LitElement, css, html } from 'lit'
import { ContextConsumer } from '@lit/context'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { servicesContext, type AppServices, type LatestVital, type PatientReplica, type PatientView, type Practitioner, type PractitionerInfo } from '../../app/index.ts'
import { formStyles, viewStyles } from '../styles.ts'
import { textField } from '../forms.ts'
import { getLocale } from '../i18n.ts'
import { partName } from '../share-visit.ts'
import '../insights-card.ts'
import '../passphrase-change.ts'

type State =
  | { kind: 'loading' }
  | { kind: 'none'; error?: string; busy: boolean }
  | { kind: 'locked'; wrong: boolean; busy: boolean }
  | { kind: 'ready'; me: PractitionerInfo }
  | { kind: 'error'; message: string }

type Invite = { kind: 'idle'; error?: string } | { kind: 'waiting' }

interface Person {
  readonly view: PatientView
  readonly replica: PatientReplica
  readonly vitals: LatestVital[]
}

/** Why answering a code failed, in plain words. */
function codeError(err: unknown): string {
  const name = err instanceof Error ? err.name : ''
  if (name === 'InvitePayloadFormatError') return msg('This is not a sharing code. Copy the whole text, starting with phr-invite:')
  if (name === 'InviteTokenError') return msg('The code was already used or has expired. Ask for a new one.')
  if (name === 'InviteRejectedError') return msg('They declined.')
  return msg('Their device could not be reached. Check the network and try again.')
}

/**
 * The caregiver's app: a family member (no licence) who holds long-lived read grants from
 * the people they look after, and sees on their own device those people's latest vital
 * signs and the findings computed from them.
 */
export class CaregiverView extends LitElement {
  static override properties = { state: { state: true }, invite: { state: true }, people: { state: true } }
  static override styles = [
    viewStyles,
    formStyles,
    css`
      ul {
        padding-left: 1.25rem;
        margin: 0 0 0.75rem;
      }
      .value {
        font-weight: 600;
        font-size: 1.1rem;
      }
      code {
        overflow-wrap: anywhere;
        font-size: 0.8rem;
      }
    `
  ]
  declare state: State
  declare invite: Invite
  declare people: Person[]
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
    this.people = []
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.unsubscribe?.()
  }

  private get care(): Practitioner | undefined {
    return this.services?.caregiver
  }

  private async load(): Promise<void> {
    const c = this.care
    if (c === undefined) return
    try {
      const me = c.info()
      if (me !== undefined) return this.ready(me)
      this.state = (await c.exists()) ? { kind: 'locked', wrong: false, busy: false } : { kind: 'none', busy: false }
    } catch (err) {
      this.state = { kind: 'error', message: err instanceof Error ? err.name : String(err) }
    }
  }

  private ready(me: PractitionerInfo): void {
    const c = this.care
    if (c === undefined) return
    this.state = { kind: 'ready', me }
    this.unsubscribe?.()
    let pending = false
    const refresh = (): void => {
      if (pending) return
      pending = true
      setTimeout(() => {
        pending = false
        const replicas = c.patients()
        void Promise.all(replicas.map((r) => r.view())).then(
          (views) => {
            this.people = views.map((view, i) => {
              const replica = replicas[i] as PatientReplica
              return { view, replica, vitals: replica.latestVitals() }
            })
          },
          (err: unknown) => console.warn('care: a person could not be read', err instanceof Error ? err.name : err)
        )
      }, 100)
    }
    this.unsubscribe = c.subscribe(refresh)
    refresh()
  }

  private readonly create = (evt: Event): void => {
    evt.preventDefault()
    const c = this.care
    if (c === undefined) return
    const form = evt.target as HTMLFormElement
    const name = textField(form, 'name')
    const pass = textField(form, 'passphrase')
    if (pass !== textField(form, 'passphrase2')) return void (this.state = { kind: 'none', busy: false, error: msg('The two passphrases differ.') })
    if (pass.length < 8) return void (this.state = { kind: 'none', busy: false, error: msg('Use a passphrase of at least 8 characters.') })
    this.state = { kind: 'none', busy: true }
    c.create({ name, passphrase: pass, deviceName: this.services?.deviceName ?? '' }).then(
      (me) => this.ready(me),
      (err: unknown) => {
        this.state = { kind: 'none', busy: false, error: err instanceof Error ? err.message : String(err) }
      }
    )
  }

  private readonly unlock = (evt: Event): void => {
    evt.preventDefault()
    const c = this.care
    if (c === undefined) return
    this.state = { kind: 'locked', wrong: false, busy: true }
    c.unlock(textField(evt.target as HTMLFormElement, 'passphrase')).then(
      (me) => this.ready(me),
      (err: unknown) => {
        if (err instanceof Error && err.name === 'WrongPassphraseError') this.state = { kind: 'locked', wrong: true, busy: false }
        else this.state = { kind: 'error', message: err instanceof Error ? err.name : String(err) }
      }
    )
  }

  private readonly answer = (evt: Event): void => {
    evt.preventDefault()
    const c = this.care
    if (c === undefined) return
    const form = evt.target as HTMLFormElement
    this.invite = { kind: 'waiting' }
    c.answer(textField(form, 'code'), undefined, textField(form, 'whose')).then(
      () => {
        this.invite = { kind: 'idle' }
      },
      (err: unknown) => {
        console.warn('care: the code failed', err instanceof Error ? err.name : err)
        this.invite = { kind: 'idle', error: codeError(err) }
      }
    )
  }

  private renderPerson(p: Person): unknown {
    const v = p.view
    const fmt = (t: number): string => new Date(t).toLocaleString(getLocale(), { dateStyle: 'medium', timeStyle: 'short' })
    return html`<section class="card" aria-labelledby=${`c-${v.grantId}`} data-testid="care-person" data-status=${v.status}>
      <h2 id=${`c-${v.grantId}`}>${v.patientName === '' ? msg('Someone in your care') : v.patientName}</h2>
      <p>${v.status === 'active' ? msg(str`They share this with you until ${fmt(v.notAfter)}.`) : msg('They ended your access. What you saw before stays here; nothing new arrives.')}</p>
      <p>${msg(str`Shared with you: ${v.granted.map(partName).join(', ')}`)}</p>
      <h3>${msg('Latest readings')}</h3>
      ${p.vitals.length === 0
        ? html`<p data-testid="care-no-vitals">${msg('No readings yet.')}</p>`
        : html`<ul>
            ${p.vitals.map(
              (x) => html`<li data-testid="care-vital" data-code=${x.code} data-value=${x.value}>
                ${x.display}: <span class="value">${x.value} ${x.unit}</span> · ${fmt(Date.parse(x.at))}
              </li>`
            )}
          </ul>`}
      <phr-insights-card heading-level="3" .insights=${p.replica.insights}></phr-insights-card>
      <details>
        <summary>${msg('What this device holds')}</summary>
        <ul>
          ${v.compartments.map(
            (c) => html`<li data-testid="care-compartment" data-kind=${c.kind} data-stored-epochs=${c.storedEpochs.join(',')} data-key-epochs=${c.keyEpochs.join(',')} data-count=${c.storedCount}>
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
          <h1 id="h">${msg('Look after someone')}</h1>
          <p>${msg('Someone in your family can let you see parts of their record (their vital signs, for example) on this device, for as long as they choose.')}</p>
          <form @submit=${this.create}>
            <label for="name">${msg('Your name as they know you')}</label>
            <input id="name" name="name" required maxlength="200" autocomplete="name" />
            <label for="passphrase">${msg('Passphrase for this device')}</label>
            <input id="passphrase" name="passphrase" type="password" required autocomplete="new-password" />
            <label for="passphrase2">${msg('The passphrase again')}</label>
            <input id="passphrase2" name="passphrase2" type="password" required autocomplete="new-password" />
            ${s.error === undefined ? '' : html`<p class="error" role="alert">${s.error}</p>`}
            <div class="actions"><button type="submit" ?disabled=${s.busy}>${s.busy ? msg('Creating…') : msg('Create my caregiver profile')}</button></div>
          </form>
        </section>`
      case 'locked':
        return html`<section class="card" aria-labelledby="h">
          <h1 id="h">${msg('A caregiver profile is stored on this device')}</h1>
          <p>${msg('It is encrypted. It opens with its passphrase.')}</p>
          <form @submit=${this.unlock}>
            <label for="passphrase">${msg('Passphrase')}</label>
            <input id="passphrase" name="passphrase" type="password" required autocomplete="current-password" />
            ${s.wrong ? html`<p class="error" role="alert">${msg('Wrong passphrase. Nothing was changed.')}</p>` : ''}
            <div class="actions"><button type="submit" ?disabled=${s.busy}>${s.busy ? msg('Opening…') : msg('Open')}</button></div>
          </form>
        </section>`
      case 'ready':
        return html`<h1>${s.me.name}</h1>
          <p>${msg('You appear to them as a family member, unverified: they approve you on their own device.')}</p>
          <section class="card" aria-labelledby="code-h">
            <h2 id="code-h">${msg('Someone shares with you')}</h2>
            ${this.invite.kind === 'waiting'
              ? html`<p role="status" data-testid="care-waiting">${msg('Waiting for them to approve on their device…')}</p>`
              : html`<form @submit=${this.answer}>
                  <label for="whose">${msg('Whose code is it? (their name, for you)')}</label>
                  <input id="whose" name="whose" maxlength="200" autocomplete="off" />
                  <label for="code">${msg('Sharing code')}</label>
                  <textarea id="code" name="code" required placeholder="phr-invite:…"></textarea>
                  ${this.invite.error === undefined ? '' : html`<p class="error" role="alert">${this.invite.error}</p>`}
                  <div class="actions"><button type="submit">${msg('Ask them')}</button></div>
                </form>`}
          </section>
          ${this.people.map((p) => this.renderPerson(p))}
          <phr-passphrase-change .target=${this.care}></phr-passphrase-change>`
    }
  }
}
customElements.define('phr-caregiver-view', CaregiverView)
