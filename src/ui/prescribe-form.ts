import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { CHECK_FAILED_WARNING, RECORD_INCOMPLETE_WARNING, MAX_QUANTITY, MAX_REPEATS, type PatientReplica, type PatientView, type PrescribingWarning, type PrescriptionRequest } from '../app/index.ts'
import { textField } from './forms.ts'
import { getLocale } from './i18n.ts'
import { formStyles, viewStyles } from './styles.ts'

const DAY = 86_400_000

type State =
  | { kind: 'idle'; error?: string; written?: string }
  | { kind: 'signing' }
  | { kind: 'confirm'; request: PrescriptionRequest; warnings: readonly PrescribingWarning[] }

/**
 * The doctor's prescription form for one patient: medicine (with an optional RxNorm
 * code), dose, quantity, repeats and how long it is valid. Signing runs the prescribing
 * check first; its warnings are shown and must be accepted before anything is signed.
 */
export class PrescribeForm extends LitElement {
  static override properties = { replica: { attribute: false }, view: { attribute: false }, state: { state: true } }
  static override styles = [
    viewStyles,
    formStyles,
    css`
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0 1rem;
      }
      .row > div {
        flex: 1 1 9rem;
      }
      .warnings {
        color: #6b4a00;
        background: #fff3d6;
        border: 1px solid #e8c66a;
        border-radius: 8px;
        padding: 0.6rem 0.8rem;
        max-width: 40rem;
      }
      .warnings ul {
        margin: 0.25rem 0 0;
        padding-left: 1.25rem;
      }
    `
  ]
  declare replica: PatientReplica | undefined
  declare view: PatientView | undefined
  declare state: State

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.replica = undefined
    this.view = undefined
    this.state = { kind: 'idle' }
  }

  private async send(request: PrescriptionRequest, acknowledged: readonly string[], form?: HTMLFormElement): Promise<void> {
    const replica = this.replica
    if (replica === undefined) return
    this.state = { kind: 'signing' }
    try {
      const r = await replica.prescribe(request, acknowledged)
      if (r.kind === 'needs-confirmation') {
        this.state = { kind: 'confirm', request, warnings: r.warnings }
        return
      }
      form?.reset()
      this.state = { kind: 'idle', written: typeof request.medication.text === 'string' ? request.medication.text : '' }
    } catch (err) {
      console.warn('prescription: not signed', err instanceof Error ? err.name : err)
      this.state = { kind: 'idle', error: err instanceof RangeError || err instanceof TypeError ? msg('Check the fields: something is missing, too long or out of range.') : msg('The prescription could not be signed.') }
    }
  }

  private readonly submit = (evt: Event): void => {
    evt.preventDefault()
    const form = evt.target as HTMLFormElement
    const drug = textField(form, 'rx-drug').trim()
    const code = textField(form, 'rx-code').trim()
    const days = Number(textField(form, 'rx-days'))
    const now = Date.now()
    // without the summary the record's name is not here: the doctor writes it
    const name = textField(form, 'rx-patient').trim()
    const birthDate = textField(form, 'rx-birth')
    const request: PrescriptionRequest = {
      ...(name === '' ? {} : { patient: { name, ...(birthDate === '' ? {} : { birthDate }) } }),
      medication: { text: drug, ...(code === '' ? {} : { rxnorm: { code, display: drug } }) },
      dosage: textField(form, 'rx-dose'),
      quantity: { value: Number(textField(form, 'rx-quantity')), unit: textField(form, 'rx-unit') },
      repeats: Number(textField(form, 'rx-repeats')),
      validFrom: now,
      validUntil: now + days * DAY
    }
    void this.send(request, [], form)
  }

  private warningText(w: PrescribingWarning): string {
    if (w.code === CHECK_FAILED_WARNING) return msg('The prescribing check could not run: allergies and other medicines were not checked.')
    if (w.code === RECORD_INCOMPLETE_WARNING) return msg('Not all of the patient’s allergies and medicines have arrived on this device: they were checked as far as they are here.')
    // the finding's own sentence names the drugs and the rule (English, from the check's tables)
    if (w.code.startsWith('drug-allergy:')) return `${msg('Allergy in the patient’s record:')} ${w.message}`
    if (w.code.startsWith('drug-drug:')) return `${msg('Interaction with a current medicine:')} ${w.message}`
    return w.message
  }

  override render(): unknown {
    const s = this.state
    const v = this.view
    if (v === undefined) return ''
    const id = (name: string): string => `${name}-${v.grantId}`
    const patient = v.patientName === '' ? msg('the patient') : v.birthDate === undefined ? v.patientName : msg(str`${v.patientName}, born ${new Date(`${v.birthDate}T00:00:00Z`).toLocaleDateString(getLocale(), { dateStyle: 'medium', timeZone: 'UTC' })}`)
    return html`<section aria-labelledby=${id('rx-h')} data-testid="dr-prescribe">
      <h3 id=${id('rx-h')}>${msg('Write a prescription')}</h3>
      <p>${msg(str`For ${patient}. It is signed with your key and your licence, and goes into the patient’s record; the patient shows its QR code at a pharmacy.`)}</p>
      ${s.kind === 'confirm'
        ? html`<div class="warnings" role="alert" data-testid="rx-warnings">
              <strong>${msg('Check before signing')}</strong>
              <ul>
                ${s.warnings.map((w) => html`<li data-severity=${w.severity}>${this.warningText(w)}${w.source === undefined ? '' : html` <small>(${w.source})</small>`}</li>`)}
              </ul>
            </div>
            <div class="actions">
              <button type="button" data-testid="rx-sign-anyway" @click=${() => void this.send(s.request, s.warnings.map((w) => w.code))}>${msg('Sign anyway')}</button>
              <button type="button" class="secondary" @click=${() => (this.state = { kind: 'idle' })}>${msg('Change the prescription')}</button>
            </div>`
        : html`<form @submit=${this.submit}>
            ${v.patientName === ''
              ? html`<div class="row">
                  <div>
                    <label for=${id('rx-patient')}>${msg('Patient’s name')}</label>
                    <input id=${id('rx-patient')} name="rx-patient" required maxlength="200" autocomplete="off" />
                  </div>
                  <div>
                    <label for=${id('rx-birth')}>${msg('Date of birth (optional)')}</label>
                    <input id=${id('rx-birth')} name="rx-birth" type="date" />
                  </div>
                </div>`
              : ''}
            <div class="row">
              <div>
                <label for=${id('rx-drug')}>${msg('Medicine')}</label>
                <input id=${id('rx-drug')} name="rx-drug" required maxlength="200" autocomplete="off" />
              </div>
              <div>
                <label for=${id('rx-code')}>${msg('RxNorm code (optional)')}</label>
                <input id=${id('rx-code')} name="rx-code" inputmode="numeric" pattern="[0-9]{1,12}" autocomplete="off" />
              </div>
            </div>
            <label for=${id('rx-dose')}>${msg('Dose: how to take it')}</label>
            <input id=${id('rx-dose')} name="rx-dose" required maxlength="200" autocomplete="off" />
            <div class="row">
              <div>
                <label for=${id('rx-quantity')}>${msg('Quantity')}</label>
                <input id=${id('rx-quantity')} name="rx-quantity" type="number" required min="1" max=${MAX_QUANTITY} value="30" />
              </div>
              <div>
                <label for=${id('rx-unit')}>${msg('Unit')}</label>
                <input id=${id('rx-unit')} name="rx-unit" required maxlength="40" value=${msg('tablet')} />
              </div>
              <div>
                <label for=${id('rx-repeats')}>${msg('Repeats')}</label>
                <input id=${id('rx-repeats')} name="rx-repeats" type="number" required min="0" max=${MAX_REPEATS} value="0" />
              </div>
              <div>
                <label for=${id('rx-days')}>${msg('Valid for (days)')}</label>
                <input id=${id('rx-days')} name="rx-days" type="number" required min="1" max="366" value="30" />
              </div>
            </div>
            ${s.kind === 'idle' && s.error !== undefined ? html`<p class="error" role="alert">${s.error}</p>` : ''}
            ${s.kind === 'idle' && s.written !== undefined ? html`<p role="status" data-testid="rx-written">${msg(str`Signed: ${s.written}. It is in the patient’s record now.`)}</p>` : ''}
            <div class="actions"><button type="submit" ?disabled=${s.kind === 'signing'}>${s.kind === 'signing' ? msg('Signing…') : msg('Sign the prescription')}</button></div>
          </form>`}
      ${v.prescriptions.length === 0
        ? ''
        : html`<ul data-testid="dr-prescriptions">
            ${v.prescriptions.map((p) => {
              const until = p.validUntil === '' ? '?' : new Date(p.validUntil).toLocaleDateString(getLocale(), { dateStyle: 'medium' })
              return html`<li>${msg(str`${p.drug}: ${p.dosage} (valid until ${until})`)}</li>`
            })}
          </ul>`}
    </section>`
  }
}
customElements.define('phr-prescribe-form', PrescribeForm)
