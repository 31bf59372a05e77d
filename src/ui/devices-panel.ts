import { LitElement, css, html } from 'lit'
import { ContextConsumer } from '@lit/context'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { servicesContext, DeviceKinds, type BluetoothDevices, type ConnectionState, type DeviceKind, type OpenRecord, type PairedDevice } from '../app/index.ts'
import { formStyles, viewStyles } from './styles.ts'
import { clock, num, quantityName, unitText } from './vital-names.ts'
import './patient-alerts.ts'

/** A device kind in words. */
export function kindName(k: DeviceKind): string {
  switch (k) {
    case 'heart-rate':
      return msg('Heart-rate strap or watch')
    case 'blood-pressure':
      return msg('Blood pressure cuff')
    case 'glucose':
      return msg('Blood glucose meter')
    case 'thermometer':
      return msg('Thermometer')
    case 'weight-scale':
      return msg('Weighing scale')
    case 'pulse-oximeter':
      return msg('Pulse oximeter')
    case 'cgm':
      return msg('Continuous glucose monitor')
  }
}

/** The connection state in words (never colour alone). */
function stateText(s: ConnectionState): string {
  switch (s.state) {
    case 'connecting':
      return msg('Connecting…')
    case 'connected':
      return msg('Connected')
    case 'reconnecting':
      return msg(str`Connection lost. Trying again in ${Math.max(1, Math.ceil(s.inMs / 1000))} s (attempt ${s.attempt}).`)
    case 'disconnected':
      return s.reason === 'gave-up' ? msg('Disconnected: the device did not answer.') : msg('Disconnected')
  }
}

/** Why pairing failed, or what a device did wrong, in plain words. */
export function deviceProblem(err: unknown): string {
  const name = typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : ''
  switch (name) {
    case 'BluetoothUnavailableError':
      return msg('This browser cannot use Bluetooth. Use Chrome or Edge on a computer or an Android phone, opened over https.')
    case 'PairingCancelledError':
      return msg('No device was chosen. Nothing was paired.')
    case 'DeviceValueError':
      return msg('The device sent a value that could not be read. It was ignored; nothing wrong was stored.')
    case 'DeviceUnsupportedError':
      return msg('This device does not offer what this kind of device must. It cannot be used here.')
    case 'GattTimeoutError':
      return msg('The device stopped answering. Trying to reconnect.')
    case 'RacpRequestError':
    case 'RacpTimeoutError':
      return msg('The meter’s stored readings could not be fetched. They will be asked for again at the next connection.')
    case 'SecurityError':
      return msg('The browser only lets a page pair a device right after a click. Press the button again.')
    case 'NotFoundError':
    case 'NetworkError':
      return msg('The device could not be reached. Make sure it is switched on and nearby.')
    default:
      return msg('Something went wrong with the device. Try again.')
  }
}

const KINDS: readonly DeviceKind[] = Object.values(DeviceKinds)

/** The patient's devices screen: pairing, paired devices with live values, and the doctors' alerts. */
export class DevicesPanel extends LitElement {
  static override properties = { record: { attribute: false }, devices: { state: true }, problem: { state: true }, busy: { state: true } }
  static override styles = [
    viewStyles,
    formStyles,
    css`
      ul.devices {
        list-style: none;
        padding: 0;
        margin: 0.5rem 0 0;
        display: grid;
        gap: 0.75rem;
      }
      ul.devices > li {
        border: 1px solid var(--border);
        border-radius: 8px;
        padding: 0.75rem;
      }
      h3 {
        font-size: 1rem;
        margin: 0 0 0.25rem;
      }
      .value {
        font-size: 1.5rem;
        font-weight: 700;
        color: var(--text);
      }
      .state[data-state='connected']::before {
        content: '● ';
        color: #0b6b2e;
      }
      .state[data-state='reconnecting']::before,
      .state[data-state='connecting']::before {
        content: '◌ ';
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: flex-end;
      }
      select {
        font: inherit;
        padding: 0.5rem;
        min-height: 44px;
      }
      .error {
        color: #9b1c1c;
      }
    `
  ]
  declare record: OpenRecord | undefined
  declare devices: PairedDevice[]
  declare problem: string | undefined
  declare busy: boolean
  private service: BluetoothDevices | undefined
  private unsubscribe: (() => void) | undefined
  private readonly consumer = new ContextConsumer(this, {
    context: servicesContext,
    subscribe: true,
    callback: (services) => this.follow(services.devices)
  })

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.devices = []
    this.problem = undefined
    this.busy = false
  }

  /** Follows a devices service (given by the context in the app, or set directly in tests). */
  follow(service: BluetoothDevices): void {
    this.unsubscribe?.()
    this.service = service
    this.unsubscribe = service.subscribe(() => (this.devices = service.list()))
    this.devices = service.list()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.unsubscribe?.()
    this.unsubscribe = undefined
  }

  override connectedCallback(): void {
    super.connectedCallback()
    if (this.service !== undefined && this.unsubscribe === undefined) this.follow(this.service)
  }

  private readonly pair = (evt: Event): void => {
    evt.preventDefault()
    const service = this.service
    if (service === undefined) return
    const kind = this.renderRoot.querySelector<HTMLSelectElement>('#device-kind')?.value as DeviceKind
    this.problem = undefined
    this.busy = true
    // requestDevice needs the click's user activation: pair is called synchronously from it
    service.pair(kind).then(
      () => (this.busy = false),
      (err: unknown) => {
        this.busy = false
        this.problem = deviceProblem(err)
      }
    )
  }

  private readonly resume = (): void => {
    this.problem = undefined
    this.service?.resume().then(
      (n) => {
        if (n === 0) this.problem = msg('No device paired before was found. Pair it again.')
      },
      (err: unknown) => (this.problem = deviceProblem(err))
    )
  }

  private renderDevice(d: PairedDevice): unknown {
    const name = d.name === '' ? kindName(d.kind) : d.name
    return html`<li data-testid="device" data-state=${d.state.state} data-kind=${d.kind}>
      <h3>${name}</h3>
      <p>${kindName(d.kind)}</p>
      <p class="state" data-state=${d.state.state} data-testid="device-state">${stateText(d.state)}</p>
      ${d.battery === undefined ? '' : html`<p data-testid="device-battery">${msg(str`Battery: ${d.battery}%`)}</p>`}
      ${d.last === undefined
        ? html`<p>${msg('No reading yet.')}</p>`
        : html`<p>${d.last.stored ? msg(str`Last reading, from the device’s memory, received at ${clock(d.last.at)}:`) : msg(str`Last reading at ${clock(d.last.at)}:`)}</p>
            <ul data-testid="device-values">
              ${d.last.values.map((v) => html`<li>${quantityName(v.code)}: <span class="value">${num(v.value)}</span> ${unitText(v.unit)}</li>`)}
            </ul>`}
      <p>${msg(str`Readings saved in your record: ${d.count}`)}</p>
      ${d.problem === undefined ? '' : html`<p class="error" role="alert" data-testid="device-problem">${deviceProblem(d.problem)}</p>`}
      <button type="button" class="secondary" @click=${() => void this.service?.disconnect(d.id)}>${msg(str`Disconnect ${name}`)}</button>
    </li>`
  }

  override render(): unknown {
    const service = this.service
    const available = service?.available() ?? false
    return html`<section class="card" aria-labelledby="devices-h">
        <h2 id="devices-h">${msg('Devices')}</h2>
        <p>${msg('Readings from your Bluetooth devices are saved, encrypted, in your record. Doctors you shared vital signs with see them live.')}</p>
        ${available
          ? html`<form class="row" @submit=${this.pair}>
                <div>
                  <label for="device-kind">${msg('Kind of device')}</label>
                  <select id="device-kind" name="kind">
                    ${KINDS.map((k) => html`<option value=${k}>${kindName(k)}</option>`)}
                  </select>
                </div>
                <button type="submit" ?disabled=${this.busy}>${this.busy ? msg('Pairing…') : msg('Pair a device')}</button>
              </form>
              ${service?.remembers() === true ? html`<p><button type="button" class="secondary" @click=${this.resume}>${msg('Reconnect devices paired before')}</button></p>` : ''}`
          : html`<p class="error" role="alert" data-testid="no-bluetooth">${deviceProblem({ name: 'BluetoothUnavailableError' })}</p>`}
        ${this.problem === undefined ? '' : html`<p class="error" role="alert" data-testid="pair-problem">${this.problem}</p>`}
        ${this.devices.length === 0 ? html`<p>${msg('No device paired on this page yet.')}</p>` : html`<ul class="devices" aria-label=${msg('Paired devices')}>${this.devices.map((d) => this.renderDevice(d))}</ul>`}
      </section>
      <phr-patient-alerts .alerts=${this.record?.alerts} .people=${this.record?.consent}></phr-patient-alerts>`
  }
}
customElements.define('phr-devices-panel', DevicesPanel)
