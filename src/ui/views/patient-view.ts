import { LitElement, css, html, nothing, type PropertyValues } from 'lit'
import { ContextConsumer } from '@lit/context'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { createIdleLock, createRecordEdits, servicesContext, HeldRecord, MAX_ALLERGY_TEXT, type AppServices, type OpenRecord, type RecordEdits, type RecordSummary, type SyncSnapshot } from '../../app/index.ts'
import { formStyles, viewStyles } from '../styles.ts'
import { textField } from '../forms.ts'
import '../record-summary.ts'
import '../sync-panel.ts'
import '../link-offer.ts'
import '../link-join.ts'
import '../share-visit.ts'
import '../people-panel.ts'
import '../access-history-panel.ts'
import '../prescriptions-panel.ts'
import '../insights-card.ts'
import '../onboarding.ts'
import '../restore-phrase.ts'
import '../emergency-qr.ts'
import '../backup-panel.ts'
import '../passphrase-change.ts'
import '../devices-panel.ts'
import '../interop-import.ts'
import '../interop-export.ts'
import '../interop-shl.ts'
import '../interop-shl-open.ts'
import '../timeline-view.ts'
import '../record-forms.ts'
import '../vitals-charts.ts'
import '../break-glass-banner.ts'
import '../break-glass-settings.ts'
import '../record-switcher.ts'
import '../add-vital.ts'
import '../patient-nav.ts'
import '../vitals-trends.ts'
import '../access-now.ts'
import '../home-alerts.ts'
import { patientScreenName } from '../patient-nav.ts'
import { PatientScreen, patientPath, patientScreenOf } from '../router.ts'

/** Where the patient view stands. */
type State =
  | { kind: 'loading' }
  | { kind: 'empty' }
  | { kind: 'joining' }
  | { kind: 'onboarding' }
  | { kind: 'restoring' }
  | { kind: 'locked'; wrong: boolean; busy: boolean }
  | { kind: 'creating'; progress: number }
  | { kind: 'opening'; progress?: number }
  | { kind: 'ready'; record: OpenRecord; summary: RecordSummary }
  | { kind: 'error'; message: string }

/** The patient's app: their own record, the demo patient, linking, or the empty state. */
export class PatientView extends LitElement {
  static override properties = { screen: {}, state: { state: true }, sync: { state: true }, allergyError: { state: true } }
  static override styles = [
    viewStyles,
    formStyles,
    css`
      progress {
        width: 100%;
        max-width: 30rem;
        height: 0.75rem;
      }
      .badge {
        display: inline-block;
        font-size: 0.8rem;
        padding: 0.1rem 0.5rem;
        border-radius: 999px;
        background: #fff3d6;
        color: #6b4a00;
        margin-left: 0.5rem;
        vertical-align: middle;
      }
      form.inline {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: flex-end;
      }
      form.inline input {
        flex: 1 1 14rem;
        width: auto;
      }
      form.inline label {
        flex-basis: 100%;
        margin-top: 0;
      }
      .screen[hidden] {
        display: none;
      }
      .who {
        font-weight: 600;
        color: var(--text);
        margin: 0 0 0.5rem;
      }
      /* room for the tab bar fixed to the bottom of a phone's screen (patient-nav.ts) */
      @media (max-width: 47.99rem) {
        :host([ready]) {
          padding-bottom: 4.5rem;
        }
      }
    `
  ]
  /** The screen to show (from the path, see `patientScreenOf`). */
  declare screen: PatientScreen
  declare state: State
  declare sync: SyncSnapshot | undefined
  declare allergyError: string | undefined
  private services: AppServices | undefined
  /** The record sections' edits, one per open record. */
  private readonly edits = new WeakMap<OpenRecord, RecordEdits>()
  private unsubscribe: Array<() => void> = []
  /**
   * The screen the person just asked for (the navigation's `screen-chosen`, or back and
   * forward): once it is shown, its heading takes the focus, so that a screen reader says
   * where they are. Nothing else moves the focus: not the first load, not a redirect, not an
   * unlock.
   */
  private focusOn: PatientScreen | undefined = undefined
  /** When the screen shown last changed (`performance.now()`), to match it with a popstate. */
  private screenChangedAt = -1
  // subscribe: the services may arrive after this view is first rendered
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
    this.screen = PatientScreen.home
    this.state = { kind: 'loading' }
    this.sync = undefined
    this.allergyError = undefined
  }

  override connectedCallback(): void {
    super.connectedCallback()
    window.addEventListener('popstate', this.onHistory)
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    window.removeEventListener('popstate', this.onHistory)
    for (const u of this.unsubscribe.splice(0)) u()
  }

  /** Back or forward to another screen: the person's navigation, like a tab. */
  private readonly onHistory = (evt: PopStateEvent): void => {
    // the popstate this view fires itself to redirect (see updated) is not trusted
    if (!evt.isTrusted) return
    const next = patientScreenOf(location.pathname)
    if (next === undefined) return
    // the router's listener on the window was added first and runs first; the new screen may
    // already be shown, its update run in the microtasks between the two listeners
    if (next !== this.screen) this.focusOn = next
    else if (this.screenChangedAt >= evt.timeStamp) this.focusHeading()
  }

  /** A screen chosen in the navigation (patient-nav.ts): its heading gets the focus once shown. */
  private readonly onChosen = (evt: CustomEvent<PatientScreen>): void => {
    // the screen already shown: nothing changes but where the focus is
    if (evt.detail === this.screen) this.focusHeading()
    else this.focusOn = evt.detail
  }

  /** Moves the focus to the heading of the screen shown (it has tabindex=-1 to take it). */
  private focusHeading(): void {
    this.renderRoot.querySelector<HTMLElement>(`.screen[data-screen="${this.screen}"] > h1`)?.focus({ preventScroll: true })
  }

  protected override updated(changed: PropertyValues<this>): void {
    // a SMART Health Link opened in this app (<origin>/patient#shlink:/…) is read on the sharing
    // screen; after this render, whose link opener has read the address as it was
    if (changed.has('state') && this.state.kind === 'ready' && this.screen === PatientScreen.home && location.hash.includes('shlink:/')) {
      history.replaceState(null, '', `${patientPath(PatientScreen.sharing)}${location.hash}`)
      // the router follows popstate: it hands the sharing screen back down
      window.dispatchEvent(new PopStateEvent('popstate'))
    }
    // the phone's tab bar needs room below the screen, only while a record is shown
    this.toggleAttribute('ready', this.state.kind === 'ready')
    // a new screen starts at its top
    if (changed.has('screen') && changed.get('screen') !== undefined && this.state.kind === 'ready') window.scrollTo(0, 0)
    if (changed.has('screen')) this.screenChangedAt = performance.now()
    if (changed.has('screen') && this.focusOn !== undefined) {
      if (this.focusOn === this.screen && this.state.kind === 'ready') this.focusHeading()
      this.focusOn = undefined
    }
  }

  private fail(err: unknown): void {
    this.state = { kind: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }
  }

  /** Shows an open record and follows its sync and the changes other devices make. */
  private show(record: OpenRecord): void {
    for (const u of this.unsubscribe.splice(0)) u()
    this.state = { kind: 'ready', record, summary: record.summary() }
    let lastWaiting: boolean | undefined
    this.unsubscribe.push(
      record.sync.subscribe((s) => {
        this.sync = s
        // a compartment finished its first sync: the summary may now be complete
        const waiting = s.compartments.some((c) => c.awaitingFirstSync)
        if (waiting !== lastWaiting) {
          lastWaiting = waiting
          this.refresh()
        }
      }),
      record.sync.onRemoteChange(() => this.refresh())
    )
    if (!record.demo) {
      // one's own record locks itself after a spell without use: its keys leave memory
      const lock = createIdleLock(
        { window },
        {
          onLock: () => {
            void this.services?.records.close().then(() => {
              this.state = { kind: 'locked', wrong: false, busy: false }
            })
          }
        }
      )
      lock.start()
      this.unsubscribe.push(() => lock.stop())
    }
  }

  private refresh(): void {
    const s = this.state
    if (s.kind === 'ready') this.state = { ...s, summary: s.record.summary() }
  }

  private async load(): Promise<void> {
    const services = this.services
    if (services === undefined) return
    try {
      const current = services.records.current()
      if (current !== undefined) return this.show(current)
      const held = await services.records.held()
      if (held === HeldRecord.demo) {
        this.state = { kind: 'opening' }
        this.show(await services.records.openDemo(this.opening))
        return
      }
      this.state = held === HeldRecord.own ? { kind: 'locked', wrong: false, busy: false } : { kind: 'empty' }
    } catch (err) {
      this.fail(err)
    }
  }

  private readonly tryDemo = (): void => {
    const services = this.services
    if (services === undefined) return
    this.state = { kind: 'creating', progress: 0 }
    services.records
      .createDemo((progress) => {
        this.state = { kind: 'creating', progress }
      })
      .then(
        (record) => this.show(record),
        (err: unknown) => this.fail(err)
      )
  }

  /** Progress of opening the stored record (a big one takes a moment). */
  private readonly opening = (progress: number): void => {
    this.state = { kind: 'opening', progress }
  }

  private readonly unlock = (evt: Event): void => {
    evt.preventDefault()
    const services = this.services
    if (services === undefined || this.state.kind !== 'locked') return
    const passphrase = textField(evt.target as HTMLFormElement, 'passphrase')
    this.state = { kind: 'locked', wrong: false, busy: true }
    services.records.unlock(passphrase, this.opening).then(
      (record) => this.show(record),
      (err: unknown) => {
        if (err instanceof Error && err.name === 'WrongPassphraseError') this.state = { kind: 'locked', wrong: true, busy: false }
        else this.fail(err)
      }
    )
  }

  private readonly addAllergy = (evt: Event): void => {
    evt.preventDefault()
    const s = this.state
    if (s.kind !== 'ready') return
    const form = evt.target as HTMLFormElement
    const text = textField(form, 'allergy').trim()
    if (text === '') {
      this.allergyError = msg('Type what you are allergic to.')
      return
    }
    this.allergyError = undefined
    s.record.addAllergy(text).then(
      () => {
        form.reset()
        this.refresh()
      },
      (err: unknown) => {
        this.allergyError = err instanceof Error ? err.name : String(err)
      }
    )
  }

  private editsOf(record: OpenRecord): RecordEdits {
    let e = this.edits.get(record)
    if (e === undefined) this.edits.set(record, (e = createRecordEdits(record.session)))
    return e
  }

  /** Handing a dependent's record over to its subject, on their own device (see `handover.ts`). */
  private handover(s: Extract<State, { kind: 'ready' }>): unknown {
    const remove = (): void => {
      const records = this.services?.records
      if (records === undefined || !window.confirm(msg(str`Remove ${s.summary.name}’s record from this device? Do this only once it is on their own device.`))) return
      records.removeDependent(s.record.id).then(
        () => {
          const next = records.current()
          if (next !== undefined) this.show(next)
        },
        (err: unknown) => this.fail(err)
      )
    }
    return html`<section class="card" aria-labelledby="handover-h" data-testid="handover">
      <h2 id="handover-h">${msg('Hand this record over')}</h2>
      <p>${msg(str`When ${s.summary.name} is ready to own this record: on their own device they choose “I already have a record on another device”, tick that it is being handed over to them, and enter the code from “Link another device” below.`)}</p>
      <p>${msg('Their device gets the whole record, then a new recovery phrase and new keys: nothing written after that can be read with what this device holds, and your access ends. If they want you to keep seeing something, they can share it with you like with anyone else.')}</p>
      <div class="actions"><button type="button" class="secondary" @click=${remove}>${msg('Remove it from this device')}</button></div>
    </section>`
  }

  /** The record's name and badges: the home screen's heading, a line above every other screen. */
  private recordName(s: Extract<State, { kind: 'ready' }>, testIds: boolean): unknown {
    return html`${s.summary.name}${s.record.demo ? html`<span class="badge">${msg('Demo')}</span>` : ''}${s.record.dependent
      ? html`<span class="badge" data-testid=${testIds ? 'dependent-badge' : nothing}>${msg('In your care')}</span>`
      : ''}`
  }

  /**
   * One screen. Every screen of the open record stays rendered, hidden while another is
   * shown, so that what each is doing goes on while the person looks elsewhere: a visit
   * code waiting for the doctor, an incoming call, a device connected, a form half filled,
   * the sync panel following its snapshot.
   */
  private screenPart(screen: PatientScreen, content: () => unknown): unknown {
    return html`<div class="screen" data-screen=${screen} ?hidden=${screen !== this.screen}>${content()}</div>`
  }

  private ready(s: Extract<State, { kind: 'ready' }>): unknown {
    const r = s.record
    return html`<phr-record-switcher .records=${this.services?.records} @selected=${(e: CustomEvent<OpenRecord>) => this.show(e.detail)}></phr-record-switcher>
      ${this.screen === PatientScreen.home ? '' : html`<p class="who" data-testid="record-name">${this.recordName(s, false)}</p>`}
      <phr-patient-nav .current=${this.screen} @screen-chosen=${this.onChosen}></phr-patient-nav>
      ${this.screenPart(
        PatientScreen.home,
        () => html`<h1 tabindex="-1">${this.recordName(s, true)}</h1>
          <phr-break-glass-banner .record=${r}></phr-break-glass-banner>
          <phr-home-alerts .alerts=${r.alerts}></phr-home-alerts>
          <phr-insights-card .insights=${r.insights}></phr-insights-card>
          <phr-vitals-trends .record=${r} .edits=${this.editsOf(r)}></phr-vitals-trends>
          <phr-access-now .record=${r}></phr-access-now>
          <phr-record-summary .summary=${s.summary}></phr-record-summary>`
      )}
      ${this.screenPart(
        PatientScreen.timeline,
        () => html`<h1 tabindex="-1">${patientScreenName(PatientScreen.timeline)}</h1>
          <phr-timeline .record=${r}></phr-timeline>`
      )}
      ${this.screenPart(
        PatientScreen.record,
        () => html`<h1 tabindex="-1">${patientScreenName(PatientScreen.record)}</h1>
          <phr-record-sections .edits=${this.editsOf(r)}></phr-record-sections>
          <section class="card" aria-labelledby="add-h">
            <h2 id="add-h">${msg('Add an allergy')}</h2>
            <form class="inline" @submit=${this.addAllergy}>
              <label for="allergy">${msg('What are you allergic to?')}</label>
              <input id="allergy" name="allergy" maxlength=${MAX_ALLERGY_TEXT} autocomplete="off" />
              <button type="submit">${msg('Add')}</button>
            </form>
            ${this.allergyError === undefined ? '' : html`<p class="error" role="alert">${this.allergyError}</p>`}
          </section>`
      )}
      ${this.screenPart(
        PatientScreen.vitals,
        () => html`<h1 tabindex="-1">${patientScreenName(PatientScreen.vitals)}</h1>
          <phr-vitals-charts .edits=${this.editsOf(r)}></phr-vitals-charts>
          <phr-add-vital .record=${r}></phr-add-vital>
          <phr-devices-panel .record=${r}></phr-devices-panel>`
      )}
      ${this.screenPart(
        PatientScreen.sharing,
        () => html`<h1 tabindex="-1">${patientScreenName(PatientScreen.sharing)}</h1>
          <phr-share-visit .record=${r}></phr-share-visit>
          <phr-people-panel .record=${r}></phr-people-panel>
          <phr-access-history .record=${r}></phr-access-history>
          <phr-prescriptions .record=${r}></phr-prescriptions>
          <phr-interop-share .record=${r}></phr-interop-share>
          <phr-interop-open-link .record=${r} .recipient=${s.summary.name} @imported=${() => this.refresh()}></phr-interop-open-link>
          <phr-emergency-qr .record=${r}></phr-emergency-qr>
          <phr-break-glass-settings .record=${r}></phr-break-glass-settings>`
      )}
      ${this.screenPart(
        PatientScreen.devices,
        () => html`<h1 tabindex="-1">${patientScreenName(PatientScreen.devices)}</h1>
          <phr-link-offer .record=${r} .linked=${this.sync?.justLinked}></phr-link-offer>
          <phr-sync-panel
            .snapshot=${this.sync}
            .mailboxes=${{ add: (a: string) => r.sync.addMailbox(a), remove: (a: string) => r.sync.removeMailbox(a) }}
            @sync-now=${() => r.sync.syncNow()}
          ></phr-sync-panel>`
      )}
      ${this.screenPart(
        PatientScreen.settings,
        () => html`<h1 tabindex="-1">${patientScreenName(PatientScreen.settings)}</h1>
          ${r.dependent || r.demo ? '' : html`<phr-passphrase-change .target=${r}></phr-passphrase-change>`}
          ${r.dependent ? '' : html`<phr-backup-panel .backups=${this.services?.backups} .record=${r}></phr-backup-panel>`}
          <phr-interop-import .record=${r} @imported=${() => this.refresh()}></phr-interop-import>
          <phr-interop-export .record=${r}></phr-interop-export>
          ${r.dependent ? this.handover(s) : ''}`
      )}`
  }

  override render(): unknown {
    const s = this.state
    switch (s.kind) {
      case 'loading':
        return html`<p role="status">${msg('Checking this device…')}</p>`
      case 'opening':
        return html`<section class="card" aria-labelledby="h">
          <h1 id="h">${msg('Opening the record…')}</h1>
          ${s.progress === undefined
            ? ''
            : html`<progress max="1" .value=${s.progress} aria-label=${msg('Opening the record')}></progress>
                <p role="status">${msg(str`${Math.round(s.progress * 100)}% done`)}</p>`}
        </section>`
      case 'error':
        return html`<div class="card" role="alert">
          <h1>${msg('The record could not be opened')}</h1>
          <p>${s.message}</p>
          <p>${msg('Nothing was changed. Reload the page to try again.')}</p>
        </div>`
      case 'creating':
        return html`<section class="card" aria-labelledby="h">
          <h1 id="h">${msg('Creating the demo patient…')}</h1>
          <p>${msg('A month of synthetic health data is being encrypted and stored on this device.')}</p>
          <progress max="1" .value=${s.progress} aria-label=${msg('Progress')}></progress>
          <p role="status">${msg(str`${Math.round(s.progress * 100)}% done`)}</p>
        </section>`
      case 'empty':
        return html`<section class="card empty" aria-labelledby="h">
          <h1 id="h">${msg('No record on this device yet')}</h1>
          <p>${msg('Your health record will live here, encrypted, on your own devices. No server can read it.')}</p>
          <p>${msg('You decide, visit by visit, which doctor sees which part of it, and for how long.')}</p>
          <p>${msg('To look around first, open a demo patient made of synthetic data.')}</p>
          <div class="actions">
            <button type="button" @click=${this.tryDemo}>${msg('Try with a demo patient')}</button>
            <button type="button" class="secondary" @click=${() => (this.state = { kind: 'joining' })}>${msg('I already have a record on another device')}</button>
            <button type="button" @click=${() => (this.state = { kind: 'onboarding' })}>${msg('Create my record')}</button>
            <button type="button" class="secondary" @click=${() => (this.state = { kind: 'restoring' })}>${msg('Restore from my recovery phrase')}</button>
          </div>
        </section>
        <phr-backup-restore .backups=${this.services?.backups} @restored=${(e: CustomEvent<OpenRecord>) => this.show(e.detail)}></phr-backup-restore>`
      case 'onboarding':
        return html`<phr-onboarding
          .records=${this.services?.records}
          @created=${(e: CustomEvent<OpenRecord>) => this.show(e.detail)}
          @cancel=${() => (this.state = { kind: 'empty' })}
        ></phr-onboarding>`
      case 'restoring':
        return html`<phr-restore-phrase
          .records=${this.services?.records}
          @restored=${(e: CustomEvent<OpenRecord>) => this.show(e.detail)}
          @cancel=${() => (this.state = { kind: 'empty' })}
        ></phr-restore-phrase>`
      case 'joining':
        return html`<phr-link-join
          .records=${this.services?.records}
          .deviceName=${this.services?.deviceName ?? ''}
          @linked=${(e: CustomEvent<OpenRecord>) => this.show(e.detail)}
          @cancel=${() => (this.state = { kind: 'empty' })}
        ></phr-link-join>`
      case 'locked':
        return html`<section class="card" aria-labelledby="h">
          <h1 id="h">${msg('A record is stored on this device')}</h1>
          <p>${msg('It is encrypted. It opens with its passphrase.')}</p>
          <form @submit=${this.unlock}>
            <label for="passphrase">${msg('Passphrase')}</label>
            <input id="passphrase" name="passphrase" type="password" required autocomplete="current-password" />
            ${s.wrong ? html`<p class="error" role="alert">${msg('Wrong passphrase. Nothing was changed.')}</p>` : ''}
            <div class="actions">
              <button type="submit" ?disabled=${s.busy}>${s.busy ? msg('Opening…') : msg('Open')}</button>
            </div>
          </form>
        </section>`
      case 'ready':
        return this.ready(s)
    }
  }
}
customElements.define('phr-patient-view', PatientView)
