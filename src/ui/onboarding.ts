import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import type { OpenRecord, PatientRecords } from '../app/index.ts'
import { formStyles, viewStyles } from './styles.ts'
import { textField } from './forms.ts'

/** Shortest passphrase accepted for one's own record. */
const MIN_PASSPHRASE = 8
/** How many words of the phrase are asked back. */
const PROOF_WORDS = 3

type Step =
  | { kind: 'form'; busy: boolean; error?: string }
  | { kind: 'phrase'; record: OpenRecord; phrase: string[] }
  | { kind: 'prove'; record: OpenRecord; phrase: string[]; ask: number[]; wrong: boolean }

/** `count` distinct positions in 0..n-1, ascending. */
function positions(n: number, count: number): number[] {
  const picked = new Set<number>()
  const r = new Uint32Array(1)
  while (picked.size < count) {
    crypto.getRandomValues(r)
    picked.add((r[0] as number) % n)
  }
  return [...picked].sort((a, b) => a - b)
}

/**
 * Making one's own record: name, birth date and a passphrase; then the 24-word recovery
 * phrase, shown once, to print or write down; then three of its words asked back, so that
 * nobody leaves this screen without a copy. Fires `created` with the open record.
 */
export class Onboarding extends LitElement {
  static override properties = { records: { attribute: false }, step: { state: true } }
  declare records: PatientRecords | undefined
  declare step: Step
  static override styles = [
    viewStyles,
    formStyles,
    css`
      ol.phrase {
        columns: 3 8rem;
        font-family: ui-monospace, monospace;
        font-size: 1.05rem;
        padding-left: 2.2rem;
      }
      ol.phrase li {
        padding: 0.1rem 0;
      }
      @media print {
        .actions,
        .hint {
          display: none;
        }
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.records = undefined
    this.step = { kind: 'form', busy: false }
  }

  private readonly create = (evt: Event): void => {
    evt.preventDefault()
    const records = this.records
    if (records === undefined || this.step.kind !== 'form') return
    const form = evt.target as HTMLFormElement
    const name = textField(form, 'name').trim()
    const birthDate = textField(form, 'birthDate')
    const passphrase = textField(form, 'passphrase')
    if (name === '') return void (this.step = { kind: 'form', busy: false, error: msg('Type your name as your doctors know it.') })
    if (birthDate === '' || Date.parse(birthDate) > Date.now()) return void (this.step = { kind: 'form', busy: false, error: msg('Give your date of birth (a date in the past).') })
    if (passphrase.length < MIN_PASSPHRASE) return void (this.step = { kind: 'form', busy: false, error: msg(str`Use a passphrase of at least ${MIN_PASSPHRASE} characters.`) })
    if (passphrase !== textField(form, 'passphrase2')) return void (this.step = { kind: 'form', busy: false, error: msg('The two passphrases differ.') })
    this.step = { kind: 'form', busy: true }
    records.createOwn({ name, birthDate, passphrase }).then(
      ({ record, phrase }) => {
        this.step = { kind: 'phrase', record, phrase }
      },
      (err: unknown) => {
        this.step = { kind: 'form', busy: false, error: msg(str`The record could not be created (${err instanceof Error ? err.name : 'Error'}). Nothing was stored.`) }
      }
    )
  }

  private readonly prove = (evt: Event): void => {
    evt.preventDefault()
    const s = this.step
    if (s.kind !== 'prove') return
    const form = evt.target as HTMLFormElement
    const ok = s.ask.every((i) => textField(form, `w${i}`).trim().toLowerCase() === s.phrase[i])
    if (!ok) {
      this.step = { ...s, wrong: true }
      return
    }
    s.phrase.fill('')
    this.dispatchEvent(new CustomEvent<OpenRecord>('created', { detail: s.record, bubbles: true, composed: true }))
  }

  override render(): unknown {
    const s = this.step
    switch (s.kind) {
      case 'form':
        return html`<section class="card" aria-labelledby="ob-h">
          <h1 id="ob-h">${msg('Create your record')}</h1>
          <p>${msg('Your record is made and kept on this device, encrypted. The passphrase opens it here; nobody else has it, not even us.')}</p>
          <form @submit=${this.create}>
            <label for="ob-name">${msg('Your name')}</label>
            <input id="ob-name" name="name" required autocomplete="name" maxlength="200" />
            <label for="ob-birth">${msg('Date of birth')}</label>
            <input id="ob-birth" name="birthDate" type="date" required autocomplete="bday" />
            <label for="ob-pass">${msg('Passphrase')}</label>
            <input id="ob-pass" name="passphrase" type="password" required autocomplete="new-password" />
            <label for="ob-pass2">${msg('Passphrase again')}</label>
            <input id="ob-pass2" name="passphrase2" type="password" required autocomplete="new-password" />
            ${s.error === undefined ? '' : html`<p class="error" role="alert">${s.error}</p>`}
            <div class="actions">
              <button type="submit" ?disabled=${s.busy}>${s.busy ? msg('Creating…') : msg('Create my record')}</button>
              <button type="button" class="secondary" @click=${() => this.dispatchEvent(new CustomEvent('cancel', { bubbles: true, composed: true }))}>${msg('Back')}</button>
            </div>
          </form>
        </section>`
      case 'phrase':
        return html`<section class="card" aria-labelledby="ph-h">
          <h1 id="ph-h">${msg('Your recovery phrase')}</h1>
          <p>${msg('These 24 words are the master key of your identity: the key that signs your grants and your devices’ certificates, and the keys of your record after a revocation, all come from them. Write them down on paper, in this order, or print this page, and keep it somewhere safe. Anyone with the words can act as you.')}</p>
          <ol class="phrase" data-testid="recovery-phrase">
            ${s.phrase.map((w) => html`<li>${w}</li>`)}
          </ol>
          <p class="hint">${msg('This is the only time the words are shown.')}</p>
          <div class="actions">
            <button type="button" class="secondary" @click=${() => window.print()}>${msg('Print')}</button>
            <button type="button" @click=${() => (this.step = { kind: 'prove', record: s.record, phrase: s.phrase, ask: positions(s.phrase.length, PROOF_WORDS), wrong: false })}>${msg('I have written them down')}</button>
          </div>
        </section>`
      case 'prove':
        return html`<section class="card" aria-labelledby="pr-h">
          <h1 id="pr-h">${msg('Check your copy')}</h1>
          <p>${msg('Type these words from your copy of the phrase.')}</p>
          <form @submit=${this.prove}>
            ${s.ask.map(
              (i) => html`<label for="w${i}">${msg(str`Word ${i + 1}`)}</label>
                <input id="w${i}" name="w${i}" required autocomplete="off" autocapitalize="none" spellcheck="false" />`
            )}
            ${s.wrong ? html`<p class="error" role="alert">${msg('That does not match your phrase. Look at your copy again, or go back to see the words.')}</p>` : ''}
            <div class="actions">
              <button type="submit">${msg('Continue')}</button>
              <button type="button" class="secondary" @click=${() => (this.step = { kind: 'phrase', record: s.record, phrase: s.phrase })}>${msg('Show the words again')}</button>
            </div>
          </form>
        </section>`
    }
  }
}
customElements.define('phr-onboarding', Onboarding)
