/**
 * Bluetooth devices played by Chromium's CDP BluetoothEmulation (browser-level session),
 * shared by the end-to-end tests: peripherals with services and characteristics that
 * answer every connection, discovery, subscription and write with success, and a read with
 * the next queued value (how a test delivers a notification: CDP has no push command).
 */
import type { CDPSession } from 'playwright-core'

export const uuid = (alias: number): string => `0000${alias.toString(16).padStart(4, '0')}-0000-1000-8000-00805f9b34fb`
const CCCD = uuid(0x2902)
const b64 = (bytes: number[]): string => Buffer.from(bytes).toString('base64')

export interface CharacteristicDef {
  uuid: number
  notify?: boolean
  indicate?: boolean
  write?: boolean
}
export interface ServiceDef {
  uuid: number
  characteristics: CharacteristicDef[]
}

/**
 * The emulated peripherals: answers every connection, discovery, subscription and write
 * with success; answers a read with the next queued value of that characteristic.
 */
export class Peripherals {
  readonly #cdp: CDPSession
  /** characteristic id → address/service/characteristic aliases */
  readonly #ids = new Map<string, { address: string; service: number; characteristic: number }>()
  /** `address/characteristic` → values queued for reads, and the last value read */
  readonly #queues = new Map<string, number[][]>()
  readonly #last = new Map<string, number[]>()
  readonly #services = new Map<string, ServiceDef[]>()
  readonly #peripherals = new Map<string, { name: string; services: ServiceDef[] }>()
  readonly writes: { address: string; characteristic: number; data: number[] }[] = []
  onWrite: (address: string, characteristic: number, data: number[]) => void = () => undefined
  readonly failures: string[] = []

  constructor(cdp: CDPSession) {
    this.#cdp = cdp
    cdp.on('BluetoothEmulation.gattOperationReceived', (e) => {
      this.#send('BluetoothEmulation.simulateGATTOperationResponse', { address: e.address, type: e.type, code: 0 })
    })
    cdp.on('BluetoothEmulation.characteristicOperationReceived', (e) => {
      const id = e.characteristicId
      if (e.type === 'read') {
        // a characteristic keeps its last value: a read with nothing queued gives it again
        const where = this.#ids.get(id)
        const key = `${where?.address}/${where?.characteristic}`
        const data = this.#queues.get(key)?.shift() ?? this.#last.get(key) ?? []
        this.#last.set(key, data)
        this.#send('BluetoothEmulation.simulateCharacteristicOperationResponse', { characteristicId: id, type: 'read', code: 0, data: b64(data) })
        return
      }
      this.#send('BluetoothEmulation.simulateCharacteristicOperationResponse', { characteristicId: id, type: e.type, code: 0 })
      if (e.type === 'write') {
        const where = this.#ids.get(id)
        const data = [...Buffer.from(e.data ?? '', 'base64')]
        if (where === undefined) return
        this.writes.push({ address: where.address, characteristic: where.characteristic, data })
        this.onWrite(where.address, where.characteristic, data)
      }
    })
    cdp.on('BluetoothEmulation.descriptorOperationReceived', (e) => {
      this.#send('BluetoothEmulation.simulateDescriptorOperationResponse', { descriptorId: e.descriptorId, type: e.type, code: 0, ...(e.type === 'read' ? { data: b64([0, 0]) } : {}) })
    })
  }

  #send(method: string, params: Record<string, unknown>): void {
    this.#cdp.send(method as 'BluetoothEmulation.enable', params as never).catch((err: unknown) => this.failures.push(`${method}: ${String(err)}`))
  }

  async enable(): Promise<void> {
    await this.#cdp.send('BluetoothEmulation.enable', { state: 'powered-on', leSupported: true })
  }

  /**
   * Enables the emulation again and brings back every peripheral: after a page reload the
   * domain still reads as enabled, but its emulated adapter is gone (commands answer
   * "BluetoothEmulation not enabled").
   */
  async restore(): Promise<void> {
    await this.#cdp.send('BluetoothEmulation.disable')
    await this.enable()
    for (const [address, p] of this.#peripherals) await this.add(address, p.name, p.services)
  }

  async add(address: string, name: string, services: ServiceDef[]): Promise<void> {
    this.#peripherals.set(address, { name, services })
    await this.#cdp.send('BluetoothEmulation.simulatePreconnectedPeripheral', {
      address,
      name,
      manufacturerData: [],
      knownServiceUuids: services.map((s) => uuid(s.uuid))
    })
    this.#services.set(address, services)
    await this.offerGattDatabase(address)
  }

  /** (Re)creates the peripheral's services: needed after every disconnect (see `disconnect`). */
  async offerGattDatabase(address: string): Promise<void> {
    for (const [id, where] of this.#ids) if (where.address === address) this.#ids.delete(id)
    for (const s of this.#services.get(address) ?? []) {
      const { serviceId } = await this.#cdp.send('BluetoothEmulation.addService', { address, serviceUuid: uuid(s.uuid) })
      for (const c of s.characteristics) {
        // read is always on: it is how the test delivers a notification
        const properties = { read: true, notify: c.notify === true, indicate: c.indicate === true, write: c.write === true }
        const { characteristicId } = await this.#cdp.send('BluetoothEmulation.addCharacteristic', { serviceId, characteristicUuid: uuid(c.uuid), properties })
        this.#ids.set(characteristicId, { address, service: s.uuid, characteristic: c.uuid })
        if (c.notify === true || c.indicate === true) await this.#cdp.send('BluetoothEmulation.addDescriptor', { characteristicId, descriptorUuid: CCCD })
      }
    }
  }

  /** One advertisement packet (`appearance` and `txPower` set: without them the browser crashes). */
  async advertise(address: string, name: string, service: number): Promise<void> {
    await this.#cdp.send('BluetoothEmulation.simulateAdvertisement', {
      entry: { deviceAddress: address, rssi: -50, scanRecord: { name, uuids: [uuid(service)], appearance: 0x0340, txPower: 0, manufacturerData: [] } }
    })
  }

  /** Queues `bytes` as the next value `characteristic` of `address` gives. */
  queue(address: string, characteristic: number, bytes: number[]): void {
    if (![...this.#ids.values()].some((v) => v.address === address && v.characteristic === characteristic)) throw new Error(`no characteristic 0x${characteristic.toString(16)} on ${address}`)
    const key = `${address}/${characteristic}`
    if (!this.#queues.has(key)) this.#queues.set(key, [])
    this.#queues.get(key)?.push(bytes)
  }

  /**
   * Drops the link. Chromium forgets a device's GATT services when it disconnects and
   * rediscovers them on reconnect; the emulated peripheral's services go with them, so the
   * peripheral offers its GATT database again, as a real device does after a drop.
   */
  async disconnect(address: string): Promise<void> {
    await this.#cdp.send('BluetoothEmulation.simulateGATTDisconnection', { address })
    await this.offerGattDatabase(address)
  }
}

