import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { checkRecoveryPhrase, MAX_PHRASE_TEXT, RelayState, MailboxState, type OpenRecord, type PatientRecords, type PhraseCheck, type SyncSnapshot } from '../app/index.ts'
import { formStyles, viewStyles } from './styles.ts'
import { textField } from './forms.ts'

/** Shortest passphrase accepted for one's own record. */
const MIN_PASSPHRASE = 8
/** After this long with nothing from a mailbox or a device, the screen says what that means. */
const NOTHING_YET_MS = 20_000

type Step =
  | { kind: 'form'; busy: boolean; error?: string }
  | { kind: 'waiting'; record: OpenRecord; since: number }

/** What is wrong with the phrase so far, in plain words (empty while it is fine or still being typed). */
function problems(c: PhraseCheck, submitted: boolean): string[] {
  if (c.verdict === 'unknown-words') {
    return c.unknown.map((u) =>
      u.hints.length === 0
        ? msg(str`Word ${u.position}, “${u.word}”, is not in the word list.`)
        : msg(str`Word ${u.position}, “${u.word}”, is not in the word list. Did you mean: ${u.hints.join(', ')}?`)
    )
  }
  if (c.verdict === 'checksum') return [msg('All 24 words are in the list, but they do not make a valid phrase: one word is wrong or two are swapped. Compare each word with your copy.')]
  if (c.verdict === 'incomplete' && (submitted || c.words.length > 24)) return [msg(str`The phrase has 24 words; you typed ${c.words.length}.`)]
  return []
}

/**
 * Restoring one's own record on a new device from the 24-word recovery phrase: each word
 * is checked against the word list as it is typed (the wrong one is named, with words
 * that start like it), then the checksum; a new passphrase for this device; optionally
 * one's own mailbox. Then it waits, showing what arrives from the mailbox and from the
 * person's other devices, and says plainly what it means when nothing does. Fires
 * `restored` with the open record.
 */
export class RestorePhrase extends LitElement {
  static override properties = { records: { attribute: false }, step: { state: true }, check: { state: true }, snap: { state: true }, now: { state: true } }
  declare records: PatientRecords | undefined
  declare step: Step
  declare check: PhraseCheck
  declare snap: SyncSnapshot | undefined
  declare now: number
  private submitted = false
  private stop: Array<() => void> = []
  static override styles = [
    viewStyles,
    formStyles,
    css`
      textarea {
        min-height: 6rem;
        font-family: ui-monospace, monospace;
      }
      ul.problems {
        padding-left: 1.25rem;
        margin: 0.25rem 0;
      }
      progress {
        width: 100%;
        max-width: 30rem;
        height: 0.75rem;
      }
      .ok {
        color: #0b6b2e;
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.records = undefined
    this.step = { kind: 'form', busy: false }
    this.check = checkRecoveryPhrase('')
    this.snap = undefined
    this.now = Date.now()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    for (const s of this.stop.splice(0)) s()
  }

  private readonly typed = (evt: Event): void => {
    this.check = checkRecoveryPhrase((evt.target as HTMLTextAreaElement).value)
  }

  private readonly restore = (evt: Event): void => {
    evt.preventDefault()
    const records = this.records
    if (records === undefined || this.step.kind !== 'form' || this.step.busy) return
    const form = evt.target as HTMLFormElement
    const phrase = textField(form, 'phrase')
    this.submitted = true
    this.check = checkRecoveryPhrase(phrase)
    const wrong = problems(this.check, true)
    if (this.check.verdict !== 'ok') return void (this.step = { kind: 'form', busy: false, error: wrong[0] ?? msg('Type the 24 words of your recovery phrase.') })
    const passphrase = textField(form, 'passphrase')
    if (passphrase.length < MIN_PASSPHRASE) return void (this.step = { kind: 'form', busy: false, error: msg(str`Use a passphrase of at least ${MIN_PASSPHRASE} characters.`) })
    if (passphrase !== textField(form, 'passphrase2')) return void (this.step = { kind: 'form', busy: false, error: msg('The two passphrases differ.') })
    const mailbox = textField(form, 'mailbox').trim()
    this.step = { kind: 'form', busy: true }
    records.restore({ phrase, passphrase, mailboxes: mailbox === '' ? [] : [mailbox] }).then(
      (record) => {
        form.reset()
        this.check = checkRecoveryPhrase('')
        this.follow(record)
      },
      (err: unknown) => {
        const name = err instanceof Error ? err.name : 'Error'
        const error =
          name === 'MailboxAddressError'
            ? msg('That is not a mailbox address. Copy it from the sync panel of your other device (it ends with /p2p/12D3KooW…), or leave the field empty.')
            : name === 'RecoveryPhraseError'
              ? msg('The recovery phrase is not valid. Compare each word with your copy.')
              : msg(str`The record could not be restored (${name}). Nothing was stored.`)
        this.step = { kind: 'form', busy: false, error }
      }
    )
  }

  private follow(record: OpenRecord): void {
    this.step = { kind: 'waiting', record, since: Date.now() }
    this.snap = record.sync.snapshot()
    const timer = setInterval(() => (this.now = Date.now()), 1000)
    this.stop.push(
      record.sync.subscribe((s) => (this.snap = s)),
      () => clearInterval(timer)
    )
  }

  private renderWaiting(step: Extract<Step, { kind: 'waiting' }>): unknown {
    const s = this.snap
    const total = s?.compartments.length ?? 0
    const arrived = s?.compartments.filter((c) => c.held > 0 || !c.awaitingFirstSync).length ?? 0
    const fetched = s?.mailbox.fetched ?? 0
    const devices = s?.peers.length ?? 0
    const relay = s?.relay ?? RelayState.idle
    const mailbox = s?.mailbox.state ?? MailboxState.unknown
    const nothing = fetched === 0 && devices === 0 && arrived === 0
    const late = nothing && this.now - step.since > NOTHING_YET_MS
    return html`<section class="card" aria-labelledby="rw-h" data-testid="restore-waiting">
      <h1 id="rw-h">${msg('Your identity is back on this device')}</h1>
      <p>${msg('Your record’s content comes back from where it is kept: your mailbox on the relay and your other devices while they are open.')}</p>
      <progress max=${Math.max(total, 1)} .value=${arrived} aria-label=${msg('Parts of the record that arrived')}></progress>
      <ul role="status" aria-live="polite">
        <li>
          ${relay === RelayState.connected
            ? mailbox === MailboxState.reachable
              ? msg('Mailbox reached.')
              : mailbox === MailboxState.unreachable
                ? msg('The mailbox did not answer; trying again.')
                : msg('Waiting for your mailbox…')
            : msg('Connecting to the relay…')}
        </li>
        <li data-testid="restore-fetched" data-count=${fetched}>${msg(str`Encrypted updates received from the mailbox: ${fetched}`)}</li>
        <li>${devices === 0 ? msg('Waiting for your other devices… (open the app on one of them)') : msg(str`Connected to ${devices} of your devices.`)}</li>
        <li data-testid="restore-arrived" data-count=${arrived}>${msg(str`Parts of the record that arrived: ${arrived} of ${total}`)}</li>
      </ul>
      ${late
        ? html`<p class="error" role="alert">${msg('Nothing has arrived yet. If none of your devices is open and your mailbox holds nothing, this device starts with an empty record under your identity: what you add here joins the rest when a device or the mailbox is reached. A backup file brings back everything it holds, at any time.')}</p>`
        : ''}
      <div class="actions">
        <button type="button" @click=${() => this.dispatchEvent(new CustomEvent<OpenRecord>('restored', { detail: step.record, bubbles: true, composed: true }))}>
          ${msg('Open my record')}
        </button>
      </div>
    </section>`
  }

  override render(): unknown {
    const s = this.step
    if (s.kind === 'waiting') return this.renderWaiting(s)
    const c = this.check
    const wrong = problems(c, this.submitted)
    return html`<section class="card" aria-labelledby="rp-h">
      <h1 id="rp-h">${msg('Restore from your recovery phrase')}</h1>
      <p>${msg('Type the 24 words you wrote down when you made your record, in order. Your identity comes back from them; the record’s content then arrives from your mailbox and your other devices.')}</p>
      <form @submit=${this.restore}>
        <label for="rp-phrase">${msg('Recovery phrase (24 words)')}</label>
        <textarea
          id="rp-phrase"
          name="phrase"
          required
          autocomplete="off"
          autocapitalize="none"
          spellcheck="false"
          maxlength=${MAX_PHRASE_TEXT}
          aria-describedby="rp-check"
          @input=${this.typed}
        ></textarea>
        <div id="rp-check" data-testid="phrase-check" data-verdict=${c.verdict}>
          ${wrong.length > 0
            ? html`<ul class="problems error">${wrong.map((w) => html`<li>${w}</li>`)}</ul>`
            : c.verdict === 'ok'
              ? html`<p class="ok">${msg('All 24 words are right.')}</p>`
              : html`<p>${msg(str`${c.words.length} of 24 words`)}</p>`}
        </div>
        <label for="rp-pass">${msg('New passphrase for this device')}</label>
        <input id="rp-pass" name="passphrase" type="password" required autocomplete="new-password" />
        <label for="rp-pass2">${msg('Passphrase again')}</label>
        <input id="rp-pass2" name="passphrase2" type="password" required autocomplete="new-password" />
        <label for="rp-mailbox">${msg('Your own mailbox, if you added one (optional)')}</label>
        <input id="rp-mailbox" name="mailbox" autocomplete="off" spellcheck="false" placeholder="/dns4/relay.example/tcp/443/wss/p2p/12D3KooW…" />
        <p class="hint">${msg('The relay this app uses is always asked. Add a relay of your own here only if you had added one on your lost device.')}</p>
        ${s.error === undefined ? '' : html`<p class="error" role="alert" data-testid="restore-error">${s.error}</p>`}
        <div class="actions">
          <button type="submit" ?disabled=${s.busy}>${s.busy ? msg('Restoring…') : msg('Restore my record')}</button>
          <button type="button" class="secondary" @click=${() => this.dispatchEvent(new CustomEvent('cancel', { bubbles: true, composed: true }))}>${msg('Back')}</button>
        </div>
      </form>
    </section>`
  }
}
customElements.define('phr-restore-phrase', RestorePhrase)
