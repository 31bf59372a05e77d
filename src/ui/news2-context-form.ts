import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import type { PatientReplica } from '../app/index.ts'
import { getLocale } from './i18n.ts'
import { formStyles, viewStyles } from './styles.ts'

/** What the form needs of a patient replica. */
export type News2Replica = Pick<PatientReplica, 'news2Context' | 'recordNews2' | 'endScale2'>

type Level = 'A' | 'C' | 'V' | 'P' | 'U'
const LEVELS: readonly Level[] = ['A', 'C', 'V', 'P', 'U']
/** Highest oxygen flow accepted, L/min (as the app checks it). */
const MAX_FLOW = 60

type Errors = { readonly form?: string; readonly flow?: string; readonly save?: string }

const when = (t: number): string => new Date(t).toLocaleString(getLocale(), { dateStyle: 'medium', timeStyle: 'short' })

function levelName(l: Level): string {
  switch (l) {
    case 'A':
      return msg('Alert and awake')
    case 'C':
      return msg('New confusion')
    case 'V':
      return msg('Responds to voice')
    case 'P':
      return msg('Responds to pain')
    case 'U':
      return msg('Unresponsive')
  }
}

/**
 * The doctor's NEWS2 entries for one patient during a visit: level of consciousness
 * (ACVPU), air or oxygen (with the flow), and SpO2 scale 2 for hypercapnic respiratory
 * failure, which stays until removed. What is in force is shown with who recorded it and
 * when. Every field is labelled; an error is tied to its field by `aria-describedby`.
 */
export class News2ContextForm extends LitElement {
  static override properties = { replica: { attribute: false }, grantId: { attribute: 'grant-id' }, errors: { state: true }, busy: { state: true }, saved: { state: true }, onOxygen: { state: true } }
  static override styles = [
    viewStyles,
    formStyles,
    css`
      fieldset {
        border: 1px solid var(--border);
        border-radius: 8px;
        margin: 0.75rem 0;
        padding: 0.5rem 0.75rem;
        max-width: 40rem;
      }
      legend {
        font-weight: 600;
      }
      .choice {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        margin: 0.3rem 0;
        font-weight: normal;
      }
      .choice input {
        width: auto;
        min-width: 1.25rem;
        min-height: 1.25rem;
        margin: 0;
      }
      input[type='number'] {
        max-width: 10rem;
      }
      .hint {
        font-size: 0.9rem;
        margin: 0.25rem 0;
      }
      ul.in-force {
        padding-left: 1.25rem;
      }
    `
  ]
  declare replica: News2Replica | undefined
  declare grantId: string
  declare errors: Errors
  declare busy: boolean
  declare saved: boolean
  declare onOxygen: boolean | undefined

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.replica = undefined
    this.grantId = 'patient'
    this.errors = {}
    this.busy = false
    this.saved = false
    this.onOxygen = undefined
  }

  private fid(name: string): string {
    return `${name}-${this.grantId}`
  }

  private async run(work: () => Promise<void>, form?: HTMLFormElement): Promise<void> {
    this.busy = true
    this.saved = false
    try {
      await work()
      form?.reset()
      this.onOxygen = undefined
      this.errors = {}
      this.saved = true
    } catch (err) {
      const name = err instanceof Error ? err.name : ''
      console.warn('news2: not recorded', name)
      this.errors = { save: name === 'News2ContextInputError' ? msg('Check the entries: a value is missing or out of range.') : msg('This could not be recorded: the visit has ended or the record cannot be written.') }
    } finally {
      this.busy = false
    }
  }

  private readonly submit = (evt: Event): void => {
    evt.preventDefault()
    const replica = this.replica
    if (replica === undefined) return
    const form = evt.target as HTMLFormElement
    const data = new FormData(form)
    const level = data.get('acvpu')
    const oxygen = data.get('oxygen')
    const flowRaw = data.get('flow')
    const flowText = typeof flowRaw === 'string' ? flowRaw.trim() : ''
    if (level === null && oxygen === null) {
      this.errors = { form: msg('Choose the level of consciousness, or air or oxygen.') }
      return
    }
    let flow = 0
    if (oxygen === 'oxygen') {
      flow = Number(flowText.replace(',', '.'))
      if (flowText === '' || !Number.isFinite(flow) || flow <= 0 || flow > MAX_FLOW) {
        this.errors = { flow: msg(str`Give the oxygen flow in litres per minute, more than 0 and at most ${MAX_FLOW}.`) }
        this.renderRoot.querySelector<HTMLInputElement>(`#${this.fid('n2-flow')}`)?.focus()
        return
      }
    }
    void this.run(async () => {
      if (typeof level === 'string' && (LEVELS as readonly string[]).includes(level)) await replica.recordNews2({ kind: 'consciousness', value: level as Level })
      if (oxygen === 'oxygen') await replica.recordNews2({ kind: 'oxygen', onOxygen: true, flowLpm: flow })
      else if (oxygen === 'air') await replica.recordNews2({ kind: 'oxygen', onOxygen: false })
    }, form)
  }

  override render(): unknown {
    const replica = this.replica
    if (replica === undefined) return ''
    const now = replica.news2Context()
    const e = this.errors
    const who = (by: string | undefined): string => by ?? msg('a clinician')
    const flowDescribed = [this.fid('n2-flow-hint'), ...(e.flow === undefined ? [] : [this.fid('n2-flow-err')])].join(' ')
    return html`<section aria-labelledby=${this.fid('n2-h')} data-testid="dr-news2">
      <h3 id=${this.fid('n2-h')}>${msg('For the NEWS2 score')}</h3>
      <p>${msg('Devices cannot measure these. What you record here counts for the readings taken within an hour of it, on your device and on the patient’s.')}</p>
      <ul class="in-force" data-testid="n2-in-force">
        <li>
          ${now.consciousness === undefined
            ? msg('Consciousness: not recorded (the score assumes alert).')
            : msg(str`Consciousness: ${levelName(now.consciousness.value)}, recorded by ${who(now.consciousness.by)} at ${when(now.consciousness.t)}.`)}
        </li>
        <li>
          ${now.oxygen === undefined
            ? msg('Oxygen: not recorded (the score assumes breathing air).')
            : now.oxygen.value
              ? msg(str`On oxygen, recorded by ${who(now.oxygen.by)} at ${when(now.oxygen.t)}.`)
              : msg(str`Breathing air, recorded by ${who(now.oxygen.by)} at ${when(now.oxygen.t)}.`)}
        </li>
        <li>
          ${now.scale2 === undefined
            ? msg('SpO2 scale 1 (the usual scale).')
            : msg(str`SpO2 scale 2: hypercapnic respiratory failure marked by ${who(now.scale2.by)} on ${when(now.scale2.t)}.`)}
        </li>
      </ul>
      <form @submit=${this.submit} aria-describedby=${e.form === undefined ? '' : this.fid('n2-form-err')} novalidate>
        <fieldset>
          <legend>${msg('Level of consciousness (ACVPU)')}</legend>
          ${LEVELS.map(
            (l) => html`<label class="choice"><input type="radio" name="acvpu" value=${l} /><span>${l} — ${levelName(l)}</span></label>`
          )}
        </fieldset>
        <fieldset>
          <legend>${msg('Air or oxygen')}</legend>
          <label class="choice"><input type="radio" name="oxygen" value="air" @change=${() => (this.onOxygen = false)} /><span>${msg('Breathing air')}</span></label>
          <label class="choice"><input type="radio" name="oxygen" value="oxygen" @change=${() => (this.onOxygen = true)} /><span>${msg('On supplemental oxygen')}</span></label>
          <label for=${this.fid('n2-flow')}>${msg('Oxygen flow (litres per minute)')}</label>
          <input
            id=${this.fid('n2-flow')}
            name="flow"
            type="number"
            inputmode="decimal"
            min="0.1"
            max=${MAX_FLOW}
            step="0.1"
            ?disabled=${this.onOxygen !== true}
            aria-describedby=${flowDescribed}
            aria-invalid=${e.flow === undefined ? 'false' : 'true'}
          />
          <p class="hint" id=${this.fid('n2-flow-hint')}>${msg('Only on oxygen.')}</p>
          ${e.flow === undefined ? '' : html`<p class="error" id=${this.fid('n2-flow-err')}>${e.flow}</p>`}
        </fieldset>
        ${e.form === undefined ? '' : html`<p class="error" id=${this.fid('n2-form-err')} role="alert">${e.form}</p>`}
        ${e.save === undefined ? '' : html`<p class="error" role="alert">${e.save}</p>`}
        ${this.saved ? html`<p role="status">${msg('Recorded.')}</p>` : ''}
        <div class="actions"><button type="submit" ?disabled=${this.busy}>${msg('Record for NEWS2')}</button></div>
      </form>
      <fieldset>
        <legend>${msg('SpO2 scale 2')}</legend>
        <p class="hint" id=${this.fid('n2-s2-hint')}>${msg('Only for a patient with hypercapnic respiratory failure and a prescribed oxygen saturation target of 88–92%. It stays until you remove it.')}</p>
        <div class="actions">
          ${now.scale2 === undefined
            ? html`<button type="button" class="secondary" aria-describedby=${this.fid('n2-s2-hint')} ?disabled=${this.busy} @click=${() => void this.run(() => replica.recordNews2({ kind: 'spo2-scale-2' }))}>
                ${msg('Mark hypercapnic respiratory failure (SpO2 scale 2)')}
              </button>`
            : html`<button type="button" class="secondary" ?disabled=${this.busy} @click=${() => void this.run(() => replica.endScale2())}>${msg('Remove SpO2 scale 2')}</button>`}
        </div>
      </fieldset>
    </section>`
  }
}

customElements.define('phr-news2-context-form', News2ContextForm)
