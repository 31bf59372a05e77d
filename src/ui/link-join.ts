import { LitElement, html } from 'lit'
import { msg, updateWhenLocaleChanges } from '@lit/localize'
import { DeviceLinkError, LinkFailure, MAX_DEVICE_NAME, MAX_LINK_PAYLOAD_CHARS, type OpenRecord, type PatientRecords } from '../app/index.ts'
import { formStyles, viewStyles } from './styles.ts'
import { textField } from './forms.ts'
import './qr-scanner.ts'

/** Shortest passphrase accepted for a device's own vault. */
const MIN_PASSPHRASE = 8

type Problem = { title: string; detail: string }

/**
 * On the new device: paste the `phr-link:` text shown on the first device, name this
 * device and choose a passphrase for its own vault. Fires `linked` with the open record.
 */
export class LinkJoin extends LitElement {
  static override properties = {
    records: { attribute: false },
    deviceName: { attribute: false },
    busy: { state: true },
    problem: { state: true },
    scanning: { state: true },
    scanNote: { state: true },
    handedOver: { state: true }
  }
  declare records: PatientRecords | undefined
  declare deviceName: string
  declare busy: boolean
  declare problem: Problem | undefined
  declare scanning: boolean
  declare scanNote: string | undefined
  /** A record taken over from a guardian: its new recovery phrase, shown once. */
  declare handedOver: { record: OpenRecord; phrase: string[] } | undefined
  static override styles = [viewStyles, formStyles]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.records = undefined
    this.deviceName = ''
    this.busy = false
    this.problem = undefined
    this.scanning = false
    this.scanNote = undefined
    this.handedOver = undefined
  }

  private readonly canScan = typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function'

  private readonly scanned = (evt: CustomEvent<string>): void => {
    this.scanning = false
    const field = this.renderRoot.querySelector<HTMLTextAreaElement>('#payload')
    if (field !== null) field.value = evt.detail
    this.scanNote = msg('The code was read from the camera.')
  }

  private readonly scanError = (): void => {
    this.scanning = false
    this.scanNote = msg('The camera could not be used. Paste the text instead.')
  }

  private problemOf(err: unknown): Problem {
    if (err instanceof Error && err.name === 'HandoverIncompleteError') return { title: msg('The record did not arrive whole'), detail: msg('Keep the app open on the guardian’s device, with the record shown, and try again with a new code.') }
    if (!(err instanceof DeviceLinkError)) return { title: msg('Linking failed'), detail: err instanceof Error ? err.name : String(err) }
    switch (err.reason) {
      case LinkFailure.format:
        return { title: msg('This is not a link code'), detail: msg('Copy the whole text that starts with “phr-link:” from your other device.') }
      case LinkFailure.expired:
        return { title: msg('The link code has expired'), detail: msg('Show a new code on your other device and try again.') }
      case LinkFailure.token:
        return { title: msg('The other device refused this code'), detail: msg('A code works only once and only for a few minutes. Show a new code and try again.') }
      case LinkFailure.declined:
        return { title: msg('The other device declined the link'), detail: msg('Try again from your other device.') }
      case LinkFailure.unreachable:
        return { title: msg('Your other device could not be reached'), detail: msg('Keep the app open on it, with the code showing, and check that both devices are online.') }
      case LinkFailure.mismatch:
        return { title: msg('The answer of the other device could not be verified'), detail: msg('Nothing was saved. Make sure the code comes from your own device.') }
      case LinkFailure.exists:
        return { title: msg('This device already holds a record'), detail: msg('Only one record can be kept on a device for now.') }
      case LinkFailure.storage:
        return { title: msg('The record could not be stored on this device'), detail: msg('Nothing was saved. Check the free space of the browser and try again.') }
    }
  }

  private readonly submit = (evt: Event): void => {
    evt.preventDefault()
    const records = this.records
    if (records === undefined || this.busy) return
    const form = evt.target as HTMLFormElement
    const payload = textField(form, 'payload').trim()
    const passphrase = textField(form, 'passphrase')
    const again = textField(form, 'again')
    const name = textField(form, 'name')
    if (passphrase.length < MIN_PASSPHRASE) {
      this.problem = { title: msg('The passphrase is too short'), detail: msg('Use at least 8 characters.') }
      return
    }
    if (passphrase !== again) {
      this.problem = { title: msg('The passphrases differ'), detail: msg('Type the same passphrase twice.') }
      return
    }
    this.busy = true
    this.problem = undefined
    if (new FormData(form).get('handover') === 'on') {
      records.takeOver({ payload, passphrase, deviceName: name }).then(
        (taken) => {
          this.busy = false
          this.handedOver = taken
        },
        (err: unknown) => {
          this.busy = false
          this.problem = this.problemOf(err)
        }
      )
      return
    }
    records.join({ payload, passphrase, deviceName: name }).then(
      (record: OpenRecord) => {
        this.busy = false
        this.dispatchEvent(new CustomEvent('linked', { detail: record, bubbles: true, composed: true }))
      },
      (err: unknown) => {
        this.busy = false
        this.problem = this.problemOf(err)
      }
    )
  }

  private readonly cancel = (): void => {
    this.dispatchEvent(new CustomEvent('cancel', { bubbles: true, composed: true }))
  }

  override render(): unknown {
    const taken = this.handedOver
    if (taken !== undefined)
      return html`<section class="card" aria-labelledby="taken-h">
        <h1 id="taken-h">${msg('This record is yours now')}</h1>
        <p>${msg('It has new keys: your guardian can no longer read anything written from now on. Write down your own recovery phrase; it is shown only this once.')}</p>
        <ol class="phrase" data-testid="handover-phrase">
          ${taken.phrase.map((w) => html`<li>${w}</li>`)}
        </ol>
        <div class="actions">
          <button type="button" @click=${() => this.dispatchEvent(new CustomEvent('linked', { detail: taken.record, bubbles: true, composed: true }))}>${msg('I have written them down')}</button>
        </div>
      </section>`
    return html`<section class="card" aria-labelledby="join-h">
      <h1 id="join-h">${msg('Link this device to your record')}</h1>
      <p>${msg('On your other device, open your record and choose “Link another device”. Then copy the text it shows here.')}</p>
      <form @submit=${this.submit}>
        <label for="payload">${msg('Link code')}</label>
        <textarea id="payload" name="payload" rows="4" required maxlength=${MAX_LINK_PAYLOAD_CHARS} placeholder="phr-link:…" autocomplete="off" spellcheck="false"></textarea>
        ${this.canScan
          ? html`<div class="actions">
              <button type="button" class="secondary" data-testid="scan" @click=${() => ((this.scanning = !this.scanning), (this.scanNote = undefined))}>
                ${this.scanning ? msg('Stop the camera') : msg('Scan the QR code with the camera')}
              </button>
            </div>`
          : ''}
        ${this.scanning ? html`<phr-qr-scanner @scanned=${this.scanned} @scan-error=${this.scanError}></phr-qr-scanner>` : ''}
        ${this.scanNote === undefined ? '' : html`<p role="status" data-testid="scan-note">${this.scanNote}</p>`}
        <label for="name">${msg('Name of this device')}</label>
        <input id="name" name="name" maxlength=${MAX_DEVICE_NAME} .value=${this.deviceName} autocomplete="off" />
        <label for="passphrase">${msg('Passphrase for this device')}</label>
        <input id="passphrase" name="passphrase" type="password" required minlength=${MIN_PASSPHRASE} autocomplete="new-password" />
        <label for="again">${msg('The passphrase again')}</label>
        <input id="again" name="again" type="password" required autocomplete="new-password" />
        <p>${msg('The record is kept encrypted on this device under this passphrase.')}</p>
        <label class="choice"
          ><input type="checkbox" name="handover" />
          <span>${msg('My guardian is handing my record over to me: make me its owner (a new recovery phrase and new keys; their access ends)')}</span></label
        >
        ${this.problem === undefined
          ? ''
          : html`<div class="error" role="alert" data-testid="link-error"><strong>${this.problem.title}</strong>${this.problem.detail}</div>`}
        <div class="actions">
          <button type="submit" ?disabled=${this.busy}>${this.busy ? msg('Linking…') : msg('Link this device')}</button>
          <button type="button" class="secondary" @click=${this.cancel} ?disabled=${this.busy}>${msg('Cancel')}</button>
        </div>
      </form>
    </section>`
  }
}
customElements.define('phr-link-join', LinkJoin)
