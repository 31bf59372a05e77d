import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { MAX_PASSPHRASE_LENGTH, MIN_PASSPHRASE_LENGTH } from '../app/index.ts'
import { formStyles, viewStyles } from './styles.ts'
import { textField } from './forms.ts'

/** What the panel changes the passphrase of: an own record (`OpenRecord`) or a doctor's or caregiver's profile (`Practitioner`). */
export interface PassphraseTarget {
  changePassphrase(current: string, next: string): Promise<void>
}

type Field = 'current' | 'next' | 'again'

/** The field a failure belongs to, and what to say there. */
function problemOf(err: unknown): { field: Field | undefined; text: string } {
  switch (err instanceof Error ? err.name : '') {
    case 'WrongPassphraseError':
      return { field: 'current', text: msg('This is not the current passphrase. Nothing was changed.') }
    case 'WeakPassphraseError':
      return { field: 'next', text: msg(str`Use a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters.`) }
    case 'PassphraseChangedMeanwhileError':
      return { field: undefined, text: msg('The passphrase was changed in another window meanwhile. Nothing was changed here.') }
    default:
      return { field: undefined, text: msg(str`The passphrase could not be changed (${err instanceof Error ? err.name : String(err)}). Nothing was changed.`) }
  }
}

/**
 * Changes the passphrase that opens the record (or profile) on this device: the current one,
 * the new one twice. Each problem shows under its field, tied to it by `aria-describedby`
 * and `aria-invalid`, and the first such field takes the focus; success is announced.
 */
export class PassphraseChange extends LitElement {
  static override properties = {
    target: { attribute: false },
    busy: { state: true },
    errors: { state: true },
    problem: { state: true },
    done: { state: true }
  }
  declare target: PassphraseTarget | undefined
  declare busy: boolean
  declare errors: Partial<Record<Field, string>>
  /** A failure that belongs to no one field. */
  declare problem: string | undefined
  declare done: boolean
  static override styles = [
    viewStyles,
    formStyles,
    css`
      input[aria-invalid='true'] {
        border-color: #9b1c1c;
        border-width: 2px;
      }
      .field-error {
        margin: 0.25rem 0 0;
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.target = undefined
    this.busy = false
    this.errors = {}
    this.problem = undefined
    this.done = false
  }

  private focusFirstInvalid(): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus())
  }

  private readonly submit = (evt: Event): void => {
    evt.preventDefault()
    const target = this.target
    if (target === undefined || this.busy) return
    const form = evt.target as HTMLFormElement
    const current = textField(form, 'current')
    const next = textField(form, 'next')
    const again = textField(form, 'again')
    const errors: Partial<Record<Field, string>> = {}
    if (current === '') errors.current = msg('Type the passphrase you use now.')
    if (next.length < MIN_PASSPHRASE_LENGTH) errors.next = msg(str`Use a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters.`)
    else if (next.length > MAX_PASSPHRASE_LENGTH) errors.next = msg(str`Use a passphrase of at most ${MAX_PASSPHRASE_LENGTH} characters.`)
    else if (next === current) errors.next = msg('The new passphrase is the same as the current one.')
    if (errors.next === undefined && again !== next) errors.again = msg('The two new passphrases differ.')
    this.done = false
    this.problem = undefined
    this.errors = errors
    if (Object.keys(errors).length > 0) return this.focusFirstInvalid()
    this.busy = true
    target.changePassphrase(current, next).then(
      () => {
        this.busy = false
        this.done = true
        form.reset()
      },
      (err: unknown) => {
        this.busy = false
        const p = problemOf(err)
        if (p.field === undefined) this.problem = p.text
        else {
          this.errors = { [p.field]: p.text }
          this.focusFirstInvalid()
        }
      }
    )
  }

  private field(name: Field, label: string, autocomplete: string): unknown {
    const error = this.errors[name]
    const id = `pc-${name}`
    return html`<label for=${id}>${label}</label>
      <input
        id=${id}
        name=${name}
        type="password"
        required
        autocomplete=${autocomplete}
        maxlength=${MAX_PASSPHRASE_LENGTH}
        aria-invalid=${error === undefined ? 'false' : 'true'}
        aria-describedby=${error === undefined ? (name === 'next' ? 'pc-rule' : '') : `${id}-err`}
      />
      ${error === undefined ? '' : html`<p class="error field-error" id=${`${id}-err`}>${error}</p>`}`
  }

  override render(): unknown {
    return html`<section class="card" aria-labelledby="pc-h">
      <h2 id="pc-h">${msg('Change the passphrase')}</h2>
      <p id="pc-rule">${msg(str`The passphrase opens your data on this device. The new one needs at least ${MIN_PASSPHRASE_LENGTH} characters. Your other devices and the backups you made before keep their passphrase.`)}</p>
      <form @submit=${this.submit} novalidate>
        ${this.field('current', msg('Current passphrase'), 'current-password')} ${this.field('next', msg('New passphrase'), 'new-password')}
        ${this.field('again', msg('New passphrase again'), 'new-password')}
        <div class="actions">
          <button type="submit" ?disabled=${this.busy}>${this.busy ? msg('Changing the passphrase…') : msg('Change the passphrase')}</button>
        </div>
      </form>
      <p role="status" data-testid="pc-status">${this.done ? msg('The passphrase is changed. Use the new one from now on.') : ''}</p>
      ${this.problem === undefined ? '' : html`<p class="error" role="alert">${this.problem}</p>`}
    </section>`
  }
}
customElements.define('phr-passphrase-change', PassphraseChange)
