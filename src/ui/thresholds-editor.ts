import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { canonicalUnit, type Telemonitor, type ThresholdComparator, type ThresholdRule } from '../app/index.ts'
import { formStyles, viewStyles } from './styles.ts'
import { THRESHOLD_QUANTITIES, comparatorText, quantityName, unitText } from './vital-names.ts'

interface Row {
  code: string
  comparator: ThresholdComparator
  value: string
  unit: string
}

const COMPARATORS: readonly ThresholdComparator[] = ['>', '>=', '<', '<=']

/** A rule field's name in words. */
function fieldName(field: string): string {
  switch (field) {
    case 'code':
      return msg('Measurement')
    case 'comparator':
      return msg('Alert when')
    case 'value':
      return msg('Limit')
    case 'unit':
      return msg('Unit')
    default:
      return field
  }
}

/**
 * Where a `ThresholdRuleError`'s field points (`rules[1].value` → row 1, `value`), and the
 * message in plain words naming it.
 */
export function ruleProblem(err: unknown): { row?: number; field?: string; text: string } {
  const e = err as { name?: string; field?: string }
  if (e.name === 'TelemonitorRoleError') return { text: msg('You can no longer change the limits: the patient’s access for you has ended.') }
  if ((e.name !== 'ThresholdRuleError' && e.name !== 'ThresholdUnitError') || typeof e.field !== 'string') return { text: msg('The limits could not be saved. Try again.') }
  const m = /^rules\[(\d+)\]\.(\w+)$/.exec(e.field)
  if (m === null) return { text: msg('Too many limits: keep at most 32.') }
  const row = Number(m[1])
  const field = m[2] ?? ''
  const n = row + 1
  const name = fieldName(field)
  if (e.name === 'ThresholdUnitError') return { row, field, text: msg(str`Limit ${n}, ${name}: this unit cannot be compared with this measurement.`) }
  if (field === 'value') return { row, field, text: msg(str`Limit ${n}, ${name}: type a number.`) }
  return { row, field, text: msg(str`Limit ${n}, ${name}: this is not valid.`) }
}

const toRow = (r: ThresholdRule): Row => ({ code: r.code, comparator: r.comparator, value: String(r.value), unit: r.unit })

/** The doctor's editor of one patient's thresholds; saves them in the visit compartment. */
export class ThresholdsEditor extends LitElement {
  static override properties = { telemonitor: { attribute: false }, rows: { state: true }, problem: { state: true }, saved: { state: true } }
  static override styles = [
    viewStyles,
    formStyles,
    css`
      fieldset {
        border: 1px solid var(--border);
        border-radius: 8px;
        margin: 0 0 0.5rem;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: flex-end;
      }
      fieldset > div {
        flex: 1 1 8rem;
      }
      select,
      input {
        font: inherit;
        min-height: 44px;
        width: 100%;
      }
      [aria-invalid='true'] {
        border: 2px solid #9b1c1c;
      }
      .error {
        color: #9b1c1c;
      }
    `
  ]
  declare telemonitor: Telemonitor | undefined
  declare rows: Row[]
  declare problem: { row?: number; field?: string; text: string } | undefined
  declare saved: boolean
  private loadedFrom: Telemonitor | undefined

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.telemonitor = undefined
    this.rows = []
    this.problem = undefined
    this.saved = false
  }

  override willUpdate(): void {
    if (this.telemonitor !== this.loadedFrom) {
      this.loadedFrom = this.telemonitor
      this.rows = (this.telemonitor?.thresholds()?.rules ?? []).map(toRow)
    }
  }

  private edit(i: number, patch: Partial<Row>): void {
    this.rows = this.rows.map((r, j) => (j === i ? { ...r, ...patch } : r))
    this.saved = false
  }

  private readonly add = (): void => {
    const q = THRESHOLD_QUANTITIES[0] ?? { code: '8480-6', unit: 'mm[Hg]' }
    this.rows = [...this.rows, { code: q.code, comparator: '>', value: '', unit: q.unit }]
    this.saved = false
  }

  private readonly save = (evt: Event): void => {
    evt.preventDefault()
    const tm = this.telemonitor
    if (tm === undefined) return
    const rules = this.rows.map((r, i) => ({
      id: `r${i + 1}`,
      code: r.code,
      comparator: r.comparator,
      // an empty box is no number: the check names the field
      value: r.value.trim() === '' ? Number.NaN : Number(r.value.replace(',', '.')),
      unit: r.unit.trim()
    }))
    this.problem = undefined
    tm.setThresholds(rules).then(
      () => {
        this.saved = true
      },
      async (err: unknown) => {
        this.problem = ruleProblem(err)
        await this.updateComplete
        const p = this.problem
        if (p?.row !== undefined && p.field !== undefined) this.renderRoot.querySelector<HTMLElement>(`#th-${p.field}-${p.row}`)?.focus()
      }
    )
  }

  private invalid(i: number, field: string): 'true' | 'false' {
    return this.problem?.row === i && this.problem.field === field ? 'true' : 'false'
  }

  override render(): unknown {
    if (this.telemonitor === undefined) return ''
    const writable = this.telemonitor.role === 'monitor'
    return html`<form @submit=${this.save} aria-labelledby="th-h" novalidate>
      <h4 id="th-h">${msg('Alert limits')}</h4>
      ${this.rows.length === 0 ? html`<p>${msg('No limits set. Add one to be alerted when a reading passes it.')}</p>` : ''}
      ${this.rows.map(
        (r, i) => html`<fieldset data-testid="threshold-row">
          <legend>${msg(str`Limit ${i + 1}`)}</legend>
          <div>
            <label for="th-code-${i}">${fieldName('code')}</label>
            <select id="th-code-${i}" aria-invalid=${this.invalid(i, 'code')} @change=${(e: Event) => {
              const code = (e.target as HTMLSelectElement).value
              this.edit(i, { code, unit: canonicalUnit(code) ?? r.unit })
            }}>
              ${THRESHOLD_QUANTITIES.map((q) => html`<option value=${q.code} ?selected=${q.code === r.code}>${quantityName(q.code)}</option>`)}
            </select>
          </div>
          <div>
            <label for="th-comparator-${i}">${fieldName('comparator')}</label>
            <select id="th-comparator-${i}" @change=${(e: Event) => this.edit(i, { comparator: (e.target as HTMLSelectElement).value as ThresholdComparator })}>
              ${COMPARATORS.map((c) => html`<option value=${c} ?selected=${c === r.comparator}>${comparatorText(c)}</option>`)}
            </select>
          </div>
          <div>
            <label for="th-value-${i}">${fieldName('value')}</label>
            <input id="th-value-${i}" inputmode="decimal" .value=${r.value} aria-invalid=${this.invalid(i, 'value')} @input=${(e: Event) => this.edit(i, { value: (e.target as HTMLInputElement).value })} />
          </div>
          <div>
            <label for="th-unit-${i}">${fieldName('unit')}</label>
            <input id="th-unit-${i}" .value=${r.unit} aria-invalid=${this.invalid(i, 'unit')} aria-describedby="th-unit-hint" @input=${(e: Event) => this.edit(i, { unit: (e.target as HTMLInputElement).value })} />
          </div>
          <button type="button" class="secondary" @click=${() => {
            this.rows = this.rows.filter((_, j) => j !== i)
            this.saved = false
          }}>${msg(str`Remove limit ${i + 1}`)}</button>
        </fieldset>`
      )}
      <p id="th-unit-hint">${msg(str`Units as the record writes them, e.g. ${unitText('mm[Hg]')} as mm[Hg], glucose as mg/dL or mmol/L, SpO2 as %.`)}</p>
      ${this.problem === undefined ? '' : html`<p class="error" role="alert" data-testid="threshold-error">${this.problem.text}</p>`}
      ${this.saved ? html`<p role="status" data-testid="threshold-saved">${msg('Limits saved. The patient’s devices get them at the next sync.')}</p>` : ''}
      ${writable
        ? html`<div class="actions">
            <button type="button" class="secondary" @click=${this.add}>${msg('Add a limit')}</button>
            <button type="submit">${msg('Save the limits')}</button>
          </div>`
        : ''}
    </form>`
  }
}
customElements.define('phr-thresholds-editor', ThresholdsEditor)
