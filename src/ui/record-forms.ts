import { LitElement, css, html, nothing, type TemplateResult } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import {
  ALLERGY_CODES,
  CONDITION_CODES,
  DOCUMENT_TYPES,
  LAB_CODES,
  MAX_FORM_NOTE,
  MAX_FORM_TEXT,
  MAX_UNIT_TEXT,
  MEDICATION_CODES,
  VACCINE_CODES,
  RecordFormError,
  entryTitle,
  formOf,
  searchCodes,
  type CodeEntry,
  type CodedValue,
  type FieldProblem,
  type FormSection,
  type RecordEdits,
  type RecordSection,
  type SectionForms
} from '../app/index.ts'
import { textField } from './forms.ts'
import { formStyles, viewStyles } from './styles.ts'
import { choiceText, problemText, sectionText } from './record-forms-text.ts'
import { getLocale } from './i18n.ts'

const CODE_LISTS: Record<FormSection, readonly CodeEntry[]> = {
  allergy: ALLERGY_CODES,
  condition: CONDITION_CODES,
  medication: MEDICATION_CODES,
  immunization: VACCINE_CODES,
  lab: LAB_CODES
}
/** The coded field of each section. */
const CODED_FIELD: Record<FormSection, string> = { allergy: 'substance', condition: 'condition', medication: 'medication', immunization: 'vaccine', lab: 'test' }

type Mode = { kind: 'list' } | { kind: 'add' } | { kind: 'edit'; id: string } | { kind: 'saving'; progress?: number }

/**
 * One section of the record (allergies, conditions, medicines, vaccinations, lab results,
 * documents): its current entries with Edit and Remove, and a form to add or edit one.
 * The coded field searches the shipped code list as the person types (a combobox: arrows
 * move, Enter picks, Escape closes) and keeps free text when nothing is picked. Each
 * problem is shown under its field and tied to it (`aria-describedby`, `aria-invalid`).
 */
export class RecordSectionPanel extends LitElement {
  static override properties = {
    edits: { attribute: false },
    section: {},
    mode: { state: true },
    problems: { state: true },
    found: { state: true },
    active: { state: true },
    picked: { state: true },
    status: { state: true },
    preview: { state: true }
  }
  static override styles = [
    viewStyles,
    formStyles,
    css`
      ul.entries {
        list-style: none;
        padding: 0;
        margin: 0 0 0.75rem;
      }
      ul.entries li {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 0.75rem;
        align-items: center;
        padding: 0.5rem 0;
        border-bottom: 1px solid var(--border);
      }
      ul.entries .what {
        flex: 1 1 14rem;
        min-width: 0;
        overflow-wrap: anywhere;
      }
      ul.entries small {
        display: block;
        color: var(--text-muted);
      }
      ul.entries button {
        min-height: 44px;
        padding: 0.4rem 0.8rem;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0 1rem;
      }
      .row > div {
        flex: 1 1 10rem;
        min-width: 0;
      }
      select {
        font: inherit;
        min-height: 44px;
        padding: 0.4rem;
        border: 1px solid var(--border);
        border-radius: 8px;
        background: #fff;
        max-width: 100%;
      }
      .combo {
        position: relative;
        max-width: 32rem;
      }
      [role='listbox'] {
        position: absolute;
        z-index: 2;
        left: 0;
        right: 0;
        margin: 0;
        padding: 0.25rem 0;
        list-style: none;
        background: var(--surface);
        border: 1px solid var(--border);
        border-radius: 8px;
        box-shadow: 0 4px 12px rgb(0 0 0 / 12%);
        max-height: 16rem;
        overflow-y: auto;
      }
      [role='option'] {
        padding: 0.5rem 0.75rem;
        cursor: pointer;
      }
      [role='option'][aria-selected='true'] {
        background: var(--accent);
        color: #fff;
      }
      .hint,
      .field-error {
        margin: 0.25rem 0 0;
        font-size: 0.9rem;
      }
      .field-error {
        color: #9b1c1c;
      }
      input[aria-invalid='true'],
      select[aria-invalid='true'] {
        border-color: #9b1c1c;
      }
      .preview img,
      .preview iframe {
        display: block;
        width: 100%;
        max-width: 48rem;
        border: 1px solid var(--border);
        border-radius: 8px;
        margin-top: 0.5rem;
      }
      .preview iframe {
        height: 32rem;
      }
      progress {
        width: 100%;
        max-width: 30rem;
      }
    `
  ]
  declare edits: RecordEdits | undefined
  declare section: RecordSection
  declare mode: Mode
  declare problems: readonly FieldProblem[]
  declare found: readonly CodeEntry[]
  declare active: number
  declare picked: CodeEntry | undefined
  declare status: string
  declare preview: { id: string; url: string; type: string; title: string; size: number } | undefined
  private offChange: (() => void) | undefined
  private draft: Partial<Record<string, string>> = {}

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.edits = undefined
    this.section = 'allergy'
    this.mode = { kind: 'list' }
    this.problems = []
    this.found = []
    this.active = -1
    this.picked = undefined
    this.status = ''
    this.preview = undefined
  }

  override connectedCallback(): void {
    super.connectedCallback()
    this.follow()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.offChange?.()
    this.offChange = undefined
    this.closePreview()
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('edits')) this.follow()
  }

  private follow(): void {
    this.offChange?.()
    this.offChange = this.edits?.onChange(() => this.requestUpdate(), [this.section === 'lab' ? 'results' : this.section === 'document' ? 'documents' : 'core'])
  }

  private fid(name: string): string {
    return `${this.section}-${name}`
  }

  private problemOf(field: string): FieldProblem | undefined {
    return this.problems.find((p) => p.field === field)
  }

  /** `aria-describedby`/`aria-invalid` and the message element of a field. */
  private fieldAttrs(field: string): { describedBy: string; invalid: 'true' | 'false' } {
    const p = this.problemOf(field)
    return { describedBy: p === undefined ? this.fid(`${field}-hint`) : this.fid(`${field}-err`), invalid: p === undefined ? 'false' : 'true' }
  }

  private fieldError(field: string, hint?: string): TemplateResult {
    const p = this.problemOf(field)
    if (p !== undefined) return html`<p class="field-error" id=${this.fid(`${field}-err`)}>${problemText(p.problem, field)}</p>`
    return hint === undefined ? html`<span id=${this.fid(`${field}-hint`)} hidden></span>` : html`<p class="hint" id=${this.fid(`${field}-hint`)}>${hint}</p>`
  }

  private startAdd(): void {
    this.draft = {}
    this.picked = undefined
    this.problems = []
    this.status = ''
    this.mode = { kind: 'add' }
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('form input, form select')?.focus())
  }

  private startEdit(id: string): void {
    const r = this.edits?.get(this.section, id)
    if (r === undefined || this.section === 'document') return
    const form = formOf(this.section, r) as unknown as Record<string, unknown>
    const coded = form[CODED_FIELD[this.section]] as CodedValue
    this.draft = Object.fromEntries(Object.entries(form).filter(([, v]) => typeof v === 'string')) as Record<string, string>
    this.draft[CODED_FIELD[this.section]] = coded.text
    this.picked = coded.coding
    this.problems = []
    this.status = ''
    this.mode = { kind: 'edit', id }
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('form input')?.focus())
  }

  private cancel(): void {
    this.mode = { kind: 'list' }
    this.problems = []
    this.found = []
    this.focusAdd()
  }

  /** The form is gone: the keyboard focus goes back to the button that opens it, not to the page's top. */
  private focusAdd(): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#${this.fid('add')}`)?.focus())
  }

  /** Escape leaves the form, unless it closed a list of names first. */
  private readonly onFormKey = (e: KeyboardEvent): void => {
    if (e.key !== 'Escape' || e.defaultPrevented) return
    e.preventDefault()
    this.cancel()
  }

  private async removeEntry(id: string, title: string): Promise<void> {
    if (!confirm(msg(str`Remove “${title}” from the record? It stays in the record’s history, marked as entered in error.`))) return
    try {
      await this.edits?.remove(this.section, id)
      this.status = msg(str`Removed: ${title}.`)
      if (this.preview?.id === id) this.closePreview()
    } catch (err) {
      console.warn('record: not removed', err instanceof Error ? err.name : err)
      this.status = msg('It could not be removed. Nothing was changed.')
    }
  }

  // ── the code search (combobox) ─────────────────────────────────────────────

  private readonly onCodeInput = (e: Event): void => {
    if (this.section === 'document') return
    const value = (e.target as HTMLInputElement).value
    // typing changes the text: a picked code no longer names it
    if (this.picked !== undefined && value !== this.picked.display) this.picked = undefined
    this.found = value.trim().length < 2 ? [] : searchCodes(CODE_LISTS[this.section], value)
    this.active = -1
  }

  private pick(entry: CodeEntry): void {
    const input = this.renderRoot.querySelector<HTMLInputElement>(`#${this.fid('code')}`)
    if (input !== null) input.value = entry.display
    this.picked = entry
    this.found = []
    this.active = -1
    if (this.section === 'lab' && entry.unit !== undefined) {
      const unit = this.renderRoot.querySelector<HTMLInputElement>(`#${this.fid('unit')}`)
      if (unit !== null && unit.value === '') unit.value = entry.unit
    }
  }

  private readonly onCodeKey = (e: KeyboardEvent): void => {
    const n = this.found.length
    if (e.key === 'ArrowDown' && n > 0) {
      e.preventDefault()
      this.active = (this.active + 1) % n
    } else if (e.key === 'ArrowUp' && n > 0) {
      e.preventDefault()
      this.active = this.active <= 0 ? n - 1 : this.active - 1
    } else if (e.key === 'Enter' && this.active >= 0 && this.active < n) {
      e.preventDefault()
      this.pick(this.found[this.active] as CodeEntry)
    } else if (e.key === 'Escape' && n > 0) {
      e.preventDefault()
      this.found = []
      this.active = -1
    }
  }

  private codeField(label: string): TemplateResult {
    const field = CODED_FIELD[this.section as FormSection]
    const a = this.fieldAttrs(field)
    const open = this.found.length > 0
    const listId = this.fid('codes')
    const describedBy = `${a.describedBy} ${this.fid('code-picked')}`
    return html`<label for=${this.fid('code')}>${label}</label>
      <div class="combo">
        <input
          id=${this.fid('code')}
          name=${field}
          role="combobox"
          aria-autocomplete="list"
          aria-expanded=${open ? 'true' : 'false'}
          aria-controls=${listId}
          aria-activedescendant=${this.active >= 0 ? this.fid(`opt-${this.active}`) : nothing}
          aria-describedby=${describedBy}
          aria-invalid=${a.invalid}
          maxlength=${MAX_FORM_TEXT}
          autocomplete="off"
          .value=${this.draft[field] ?? ''}
          @input=${this.onCodeInput}
          @keydown=${this.onCodeKey}
          @blur=${() => setTimeout(() => (this.found = []), 150)}
        />
        <ul id=${listId} role="listbox" aria-label=${msg('Matching names')} ?hidden=${!open}>
          ${this.found.map(
            (m, i) =>
              html`<li id=${this.fid(`opt-${i}`)} role="option" aria-selected=${i === this.active ? 'true' : 'false'} @mousedown=${(e: Event) => e.preventDefault()} @click=${() => this.pick(m)}>
                ${m.display}
              </li>`
          )}
        </ul>
      </div>
      ${this.fieldError(field)}
      <p class="hint" id=${this.fid('code-picked')} data-testid="code-picked">
        ${this.picked === undefined ? msg('Type to search a list of common names, or write your own words.') : msg(str`From the list: ${this.picked.display} (code ${this.picked.code}).`)}
      </p>`
  }

  private select(field: string, label: string, choices: readonly string[], optional: boolean): TemplateResult {
    const a = this.fieldAttrs(field)
    const value = this.draft[field] ?? ''
    return html`<label for=${this.fid(field)}>${label}</label>
      <select id=${this.fid(field)} name=${field} aria-describedby=${a.describedBy} aria-invalid=${a.invalid}>
        ${optional ? html`<option value="" ?selected=${value === ''}>${msg('Not given')}</option>` : ''}
        ${choices.map((c) => html`<option value=${c} ?selected=${value === c}>${choiceText(c)}</option>`)}
      </select>
      ${this.fieldError(field)}`
  }

  private input(field: string, label: string, opts: { type?: string; max?: number; hint?: string; inputmode?: string } = {}): TemplateResult {
    const a = this.fieldAttrs(field)
    return html`<label for=${this.fid(field)}>${label}</label>
      <input
        id=${this.fid(field)}
        name=${field}
        type=${opts.type ?? 'text'}
        maxlength=${opts.max ?? nothing}
        inputmode=${opts.inputmode ?? nothing}
        autocomplete="off"
        aria-describedby=${a.describedBy}
        aria-invalid=${a.invalid}
        .value=${this.draft[field] ?? ''}
      />
      ${this.fieldError(field, opts.hint)}`
  }

  private fields(): TemplateResult {
    switch (this.section) {
      case 'allergy':
        return html`${this.codeField(msg('What are you allergic to?'))}
          <div class="row">
            <div>${this.select('category', msg('Kind'), ['food', 'medication', 'environment', 'biologic'], true)}</div>
            <div>${this.select('criticality', msg('How serious'), ['low', 'high', 'unable-to-assess'], true)}</div>
          </div>
          ${this.input('note', msg('What happens (optional)'), { max: MAX_FORM_NOTE })}`
      case 'condition':
        return html`${this.codeField(msg('Condition'))}
          <div class="row">
            <div>${this.select('status', msg('Status'), ['active', 'inactive', 'resolved'], false)}</div>
            <div>${this.input('onset', msg('Since (optional)'), { type: 'date' })}</div>
          </div>`
      case 'medication':
        return html`${this.codeField(msg('Medicine'))} ${this.input('dosage', msg('How you take it (optional)'), { max: MAX_FORM_NOTE })}
          <div class="row">
            <div>${this.select('status', msg('Status'), ['active', 'completed', 'stopped'], false)}</div>
            <div>${this.input('start', msg('Started (optional)'), { type: 'date' })}</div>
          </div>`
      case 'immunization':
        return html`${this.codeField(msg('Vaccine'))}
          <div class="row">
            <div>${this.input('date', msg('Date'), { type: 'date' })}</div>
            <div>${this.input('lot', msg('Batch number (optional)'), { max: MAX_FORM_TEXT })}</div>
          </div>`
      case 'lab':
        return html`${this.codeField(msg('Test'))}
          <div class="row">
            <div>${this.input('value', msg('Result'), { inputmode: 'decimal' })}</div>
            <div>${this.input('unit', msg('Unit'), { max: MAX_UNIT_TEXT, hint: msg('As on the lab report, for example mg/dL.') })}</div>
            <div>${this.input('date', msg('Date of the test'), { type: 'date' })}</div>
          </div>`
      case 'document': {
        const a = this.fieldAttrs('file')
        return html`<label for=${this.fid('file')}>${msg('File')}</label>
          <input id=${this.fid('file')} name="file" type="file" accept=${DOCUMENT_TYPES.join(',')} aria-describedby=${a.describedBy} aria-invalid=${a.invalid} />
          ${this.fieldError('file', msg('A PDF or an image, up to 100 MB. It is encrypted before it is stored.'))} ${this.input('title', msg('Title'), { max: MAX_FORM_TEXT })}`
      }
    }
  }

  private formValues(form: HTMLFormElement): SectionForms[FormSection] {
    const f = (name: string): string => textField(form, name)
    const field = CODED_FIELD[this.section as FormSection]
    const text = f(field).trim()
    const coded: CodedValue = this.picked !== undefined && text === this.picked.display ? { text, coding: this.picked } : { text }
    switch (this.section) {
      case 'allergy':
        return { substance: coded, category: f('category'), criticality: f('criticality'), note: f('note') }
      case 'condition':
        return { condition: coded, status: f('status'), onset: f('onset') }
      case 'medication':
        return { medication: coded, status: f('status'), dosage: f('dosage'), start: f('start') }
      case 'immunization':
        return { vaccine: coded, date: f('date'), lot: f('lot') }
      default:
        return { test: coded, value: f('value'), unit: f('unit'), date: f('date') }
    }
  }

  private readonly submit = (evt: Event): void => {
    evt.preventDefault()
    const edits = this.edits
    const mode = this.mode
    if (edits === undefined || (mode.kind !== 'add' && mode.kind !== 'edit')) return
    const form = evt.target as HTMLFormElement
    // keep what was typed, so that a form shown again with its problems still holds it
    this.draft = Object.fromEntries([...new FormData(form).entries()].filter(([, v]) => typeof v === 'string')) as Record<string, string>
    const done = (title: string, edited: boolean): void => {
      this.mode = { kind: 'list' }
      this.problems = []
      this.status = edited ? msg(str`Saved a new version of ${title}.`) : msg(str`Added: ${title}.`)
      this.focusAdd()
    }
    const failed = (err: unknown, back: Mode): void => {
      this.mode = back
      if (err instanceof RecordFormError) {
        this.problems = err.problems
        this.status = msg('Some fields need a look; see the messages under them.')
        void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus())
        return
      }
      console.warn('record: not saved', err instanceof Error ? err.name : err)
      this.status =
        err instanceof Error && err.name === 'DocumentContentError' ? msg('This file is not what its name says (its content is not a PDF or an image). Nothing was stored.') : msg('It could not be saved. Nothing was changed; try again.')
    }
    if (this.section === 'document') {
      const file = form.querySelector<HTMLInputElement>('input[type=file]')?.files?.[0]
      this.mode = { kind: 'saving', progress: 0 }
      edits.addDocument(file, textField(form, 'title'), { onProgress: (p) => (this.mode = { kind: 'saving', progress: p }) }).then(
        (doc) => done(entryTitle(doc), false),
        (err: unknown) => failed(err, mode)
      )
      return
    }
    const values = this.formValues(form)
    this.mode = { kind: 'saving' }
    edits.save(this.section, values, mode.kind === 'edit' ? mode.id : undefined).then(
      (r) => done(entryTitle(r), mode.kind === 'edit'),
      (err: unknown) => failed(err, mode)
    )
  }

  // ── documents ──────────────────────────────────────────────────────────────

  private closePreview(): void {
    if (this.preview !== undefined) URL.revokeObjectURL(this.preview.url)
    this.preview = undefined
  }

  private async show(id: string): Promise<void> {
    const edits = this.edits
    if (edits === undefined) return
    this.closePreview()
    this.status = msg('Decrypting…')
    try {
      const doc = edits.openDocument(id)
      // the stream decrypts and checks one chunk at a time; the browser assembles the Blob
      const blob = await new Response(doc.stream).blob()
      const url = URL.createObjectURL(new Blob([blob], { type: doc.contentType }))
      this.preview = { id, url, type: doc.contentType, title: doc.title, size: doc.size }
      this.status = ''
    } catch (err) {
      console.warn('record: document not opened', err instanceof Error ? err.name : err)
      this.status = msg('This document could not be opened: its file is missing or damaged on this device.')
    }
  }

  private entryDetails(r: ReturnType<RecordEdits['list']>[number]): string {
    const date = (v: unknown): string => (typeof v === 'string' && v !== '' ? new Date(v.length === 10 ? `${v}T00:00:00Z` : v).toLocaleDateString(getLocale(), { dateStyle: 'medium', timeZone: v.length === 10 ? 'UTC' : undefined }) : '')
    switch (r.resourceType) {
      case 'Observation': {
        const q = r['valueQuantity'] as { value?: number; unit?: string } | undefined
        return [q === undefined ? '' : `${q.value ?? ''} ${q.unit ?? ''}`, date(r['effectiveDateTime'])].filter((x) => x !== '').join(' · ')
      }
      case 'Immunization':
        return date(r['occurrenceDateTime'])
      case 'MedicationStatement': {
        const dose = (r['dosage'] as { text?: string }[] | undefined)?.[0]?.text
        return [choiceText(String(r['status'])), dose ?? ''].filter((x) => x !== '').join(' · ')
      }
      case 'Condition':
        return choiceText((r['clinicalStatus'] as { coding?: { code?: string }[] } | undefined)?.coding?.[0]?.code ?? '')
      case 'DocumentReference': {
        const a = (r['content'] as { attachment?: { size?: number; contentType?: string } }[])[0]?.attachment
        return [a?.contentType === 'application/pdf' ? 'PDF' : msg('Image'), a?.size === undefined ? '' : `${Math.max(1, Math.round(a.size / 1024))} KB`, date(r['date'])].filter((x) => x !== '').join(' · ')
      }
      default:
        return [r['criticality'] === 'high' ? msg('Serious') : '', (r['note'] as { text?: string }[] | undefined)?.[0]?.text ?? ''].filter((x) => x !== '').join(' · ')
    }
  }

  override render(): unknown {
    const t = sectionText(this.section)
    const entries = this.edits?.list(this.section) ?? []
    const mode = this.mode
    const editing = mode.kind === 'add' || mode.kind === 'edit'
    return html`<section class="card" aria-labelledby=${this.fid('h')} data-testid=${`section-${this.section}`}>
      <h2 id=${this.fid('h')}>${t.heading}</h2>
      ${entries.length === 0
        ? html`<p>${t.empty}</p>`
        : html`<ul class="entries">
            ${entries.map((r) => {
              const title = entryTitle(r)
              const details = this.entryDetails(r)
              return html`<li data-testid="entry">
                <span class="what"><span data-testid="entry-title">${title}</span>${details === '' ? '' : html`<small>${details}</small>`}</span>
                ${this.section === 'document'
                  ? html`<button type="button" class="secondary" @click=${() => void this.show(r.id)} aria-label=${msg(str`Show ${title}`)}>${msg('Show')}</button>`
                  : html`<button type="button" class="secondary" @click=${() => this.startEdit(r.id)} aria-label=${msg(str`Edit ${title}`)}>${msg('Edit')}</button>`}
                <button type="button" class="secondary" @click=${() => void this.removeEntry(r.id, title)} aria-label=${msg(str`Remove ${title}`)}>${msg('Remove')}</button>
              </li>`
            })}
          </ul>`}
      ${this.preview === undefined
        ? ''
        : html`<div class="preview" data-testid="document-preview">
            <p>${msg(str`${this.preview.title}, ${Math.max(1, Math.round(this.preview.size / 1024))} KB, decrypted on this device.`)}</p>
            ${this.preview.type === 'application/pdf'
              ? html`<iframe src=${this.preview.url} title=${this.preview.title}></iframe>`
              : html`<img src=${this.preview.url} alt=${this.preview.title} />`}
            <div class="actions">
              <a href=${this.preview.url} download=${this.preview.title} data-testid="document-download">${msg('Save a copy')}</a>
              <button type="button" class="secondary" @click=${() => this.closePreview()}>${msg('Close the preview')}</button>
            </div>
          </div>`}
      ${editing
        ? html`<form @submit=${this.submit} @keydown=${this.onFormKey} novalidate aria-labelledby=${this.fid('form-h')}>
            <h3 id=${this.fid('form-h')}>${mode.kind === 'edit' ? msg(str`Edit this ${t.item}`) : t.add}</h3>
            ${this.fields()}
            <div class="actions">
              <button type="submit">${mode.kind === 'edit' ? msg('Save the changes') : msg('Save')}</button>
              <button type="button" class="secondary" @click=${() => this.cancel()}>${msg('Cancel')}</button>
            </div>
          </form>`
        : mode.kind === 'saving'
          ? html`<p role="status">${msg('Saving…')}</p>
              ${mode.progress === undefined ? '' : html`<progress max="1" .value=${mode.progress} aria-label=${msg('Encrypting the file')}></progress>`}`
          : html`<div class="actions"><button type="button" id=${this.fid('add')} @click=${() => this.startAdd()}>${t.add}</button></div>`}
      <p role="status" data-testid="section-status">${this.status}</p>
    </section>`
  }
}
customElements.define('phr-record-section', RecordSectionPanel)

/** Every section of the record with forms, in the order a doctor reads them. */
export class RecordSections extends LitElement {
  static override properties = { edits: { attribute: false } }
  declare edits: RecordEdits | undefined
  constructor() {
    super()
    this.edits = undefined
  }
  override render(): unknown {
    const sections: RecordSection[] = ['allergy', 'condition', 'medication', 'immunization', 'lab', 'document']
    return sections.map((s) => html`<phr-record-section .edits=${this.edits} section=${s}></phr-record-section>`)
  }
}
customElements.define('phr-record-sections', RecordSections)
