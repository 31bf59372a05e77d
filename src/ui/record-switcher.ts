import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import type { OpenRecord, PatientRecords, RecordEntry } from '../app/index.ts'
import { formStyles, viewStyles } from './styles.ts'
import { textField } from './forms.ts'

/**
 * The record switcher: the person's own record and the dependents' they manage (a child's),
 * which one is shown, and making a new dependent's record. Fires `selected` with the record
 * to show.
 */
export class RecordSwitcher extends LitElement {
  static override properties = { records: { attribute: false }, list: { state: true }, adding: { state: true }, busy: { state: true }, error: { state: true } }
  declare records: PatientRecords | undefined
  declare list: RecordEntry[]
  declare adding: boolean
  declare busy: boolean
  declare error: string | undefined
  private unsubscribe: (() => void) | undefined
  static override styles = [
    viewStyles,
    formStyles,
    css`
      .records {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      .records button[aria-pressed='true'] {
        outline: 3px solid var(--accent);
      }
      /* full colour: faded, the accent on white falls below 4.5:1 (WCAG 1.4.3) */
      .kind {
        font-size: 0.8rem;
        margin-left: 0.35rem;
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.records = undefined
    this.list = []
    this.adding = false
    this.busy = false
    this.error = undefined
  }

  override updated(changed: Map<string, unknown>): void {
    if (!changed.has('records')) return
    this.unsubscribe?.()
    const r = this.records
    if (r === undefined) return
    this.unsubscribe = r.subscribe(() => {
      this.list = r.records()
    })
    this.list = r.records()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.unsubscribe?.()
    this.unsubscribe = undefined
  }

  private emit(record: OpenRecord): void {
    this.dispatchEvent(new CustomEvent<OpenRecord>('selected', { detail: record, bubbles: true, composed: true }))
  }

  private select(id: string): void {
    const r = this.records
    if (r === undefined || this.busy) return
    this.busy = true
    this.error = undefined
    r.select(id).then(
      (record) => {
        this.busy = false
        this.emit(record)
      },
      (err: unknown) => {
        this.busy = false
        this.error = err instanceof Error ? err.name : String(err)
      }
    )
  }

  private readonly create = (evt: Event): void => {
    evt.preventDefault()
    const r = this.records
    if (r === undefined || this.busy) return
    const form = evt.target as HTMLFormElement
    const name = textField(form, 'dependentName').trim()
    const birthDate = textField(form, 'dependentBirthDate')
    if (name === '') return void (this.error = msg('Type the name of the person whose record this is.'))
    if (birthDate === '' || Date.parse(birthDate) > Date.now()) return void (this.error = msg('Give their date of birth (a date in the past).'))
    this.busy = true
    this.error = undefined
    r.createDependent({ name, birthDate }).then(
      (record) => {
        this.busy = false
        this.adding = false
        this.emit(record)
      },
      (err: unknown) => {
        this.busy = false
        this.error = err instanceof Error ? err.message : String(err)
      }
    )
  }

  private kind(e: RecordEntry): string {
    switch (e.kind) {
      case 'own':
        return msg('your own')
      case 'demo':
        return msg('demo')
      case 'dependent':
        return msg('you manage it')
    }
  }

  override render(): unknown {
    const list = this.list
    if (list.length === 0 || list[0]?.kind === 'demo') return html``
    const current = list.find((e) => e.current)
    return html`<section class="card" aria-labelledby="records-h" data-testid="record-switcher">
      <h2 id="records-h">${msg('Records on this device')}</h2>
      <div class="records" role="group" aria-label=${msg('Records on this device')}>
        ${list.map(
          (e) => html`<button
            type="button"
            class=${e.current ? '' : 'secondary'}
            aria-pressed=${e.current ? 'true' : 'false'}
            data-testid="record-choice"
            data-kind=${e.kind}
            ?disabled=${this.busy}
            @click=${() => this.select(e.id)}
          >
            ${e.name}<span class="kind">(${this.kind(e)})</span>
          </button>`
        )}
        ${current?.kind === 'dependent'
          ? html`<button type="button" class="secondary" @click=${() => void this.records?.lock(current.id).then(() => this.select(list[0]?.id ?? 'own'))}>${msg(str`Lock ${current.name}’s record`)}</button>`
          : ''}
      </div>
      ${this.adding
        ? html`<form @submit=${this.create}>
            <p>${msg('A record you keep for someone in your care, a child for example. You manage it as its owner; later you can hand it over to them.')}</p>
            <label for="dependentName">${msg('Their name')}</label>
            <input id="dependentName" name="dependentName" autocomplete="off" maxlength="200" />
            <label for="dependentBirthDate">${msg('Their date of birth')}</label>
            <input id="dependentBirthDate" name="dependentBirthDate" type="date" />
            <div class="actions">
              <button type="submit" ?disabled=${this.busy}>${this.busy ? msg('Creating…') : msg('Create the record')}</button>
              <button type="button" class="secondary" @click=${() => (this.adding = false)}>${msg('Cancel')}</button>
            </div>
          </form>`
        : html`<div class="actions"><button type="button" class="secondary" @click=${() => (this.adding = true)}>${msg('Add a record for someone in my care')}</button></div>`}
      ${this.error === undefined ? '' : html`<p class="error" role="alert">${this.error}</p>`}
    </section>`
  }
}
customElements.define('phr-record-switcher', RecordSwitcher)
