/**
 * A page for `test/e2e/bluetooth.e2e.test.ts` (served by a Vite dev server): it pairs
 * devices through the real `navigator.bluetooth` chooser with `pairDevice`, runs a
 * `DeviceSession` per device, and records what each session emits. The test drives it
 * through `window.__bt` and plays the devices through Chromium's BluetoothEmulation.
 */
import {
  bluetoothUuid,
  createDeviceSession,
  memorySequenceStore,
  pairDevice,
  rememberedDevices,
  webBluetooth,
  type ConnectionState,
  type DeviceKind,
  type DeviceLike,
  type DeviceSession,
  type SessionReading,
  type StoredRecordsResult
} from '../../../src/devices/index.ts'

interface Log {
  states: ConnectionState[]
  readings: SessionReading[]
  errors: { name: string; message: string; cause?: string }[]
  records: StoredRecordsResult[]
  battery?: number
}

const sequences = memorySequenceStore()
const sessions: { device: DeviceLike; session: DeviceSession; log: Log }[] = []

function at(index: number): (typeof sessions)[number] {
  const s = sessions[index]
  if (s === undefined) throw new RangeError(`no session ${index}`)
  return s
}

/** Starts a session with `device`, recording what it emits. */
async function start(kind: DeviceKind, device: DeviceLike, waitForAdvertisement = false): Promise<{ index: number; id: string; name: string | undefined }> {
  const session = createDeviceSession(
    { kind, timeZone: 'UTC', backoff: { baseMs: 500, maxMs: 2000 }, racpTimeoutMs: 15_000, waitForAdvertisement },
    { device, sequences }
  )
  const log: Log = { states: [], readings: [], errors: [], records: [] }
  session.on('state', (s) => log.states.push(s))
  session.on('reading', (r) => log.readings.push(r))
  session.on('records', (r) => log.records.push(r))
  session.on('battery', (b) => (log.battery = b))
  session.on('error', (e) => log.errors.push({ name: e.name, message: e.message, ...(e.cause instanceof Error ? { cause: e.cause.name } : {}) }))
  sessions.push({ device, session, log })
  await session.start()
  return { index: sessions.length - 1, id: device.id, name: device.name ?? undefined }
}

const api = {
  available(): boolean {
    return webBluetooth() !== undefined
  },
  /** Pairs a device of `kind` through the chooser and starts its session; returns its index. */
  async pair(kind: DeviceKind): Promise<{ index: number; id: string; name: string | undefined }> {
    return start(kind, await pairDevice(kind))
  },
  /** Starts a session with a device this origin was granted before (no chooser), by id. */
  async resume(kind: DeviceKind, id: string): Promise<{ index: number; id: string; name: string | undefined }> {
    const device = (await rememberedDevices()).find((d) => d.id === id)
    if (device === undefined) throw new Error(`device ${id} is not remembered`)
    return start(kind, device, true)
  },
  log(index: number): Log & { state: ConnectionState } {
    const s = at(index)
    return { ...s.log, state: s.session.state }
  },
  /**
   * Reads the characteristic the session subscribed to (the same object: Chromium keeps one
   * per attribute instance), which fires its `characteristicvaluechanged` listener with the
   * bytes the test queued: how the test delivers a notification (CDP has no push command).
   */
  async push(index: number, service: number, characteristic: number): Promise<number[]> {
    const gatt = at(index).device.gatt
    if (gatt === undefined || gatt === null) throw new Error('no GATT server')
    const ch = await (await gatt.getPrimaryService(bluetoothUuid(service))).getCharacteristic(bluetoothUuid(characteristic))
    const v = await ch.readValue()
    return [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)]
  },
  async lastSequence(index: number): Promise<number | undefined> {
    return sequences.get(at(index).device.id)
  },
  /** What `rememberedDevices()` gives, and whether the browser has `getDevices` at all. */
  async remembered(): Promise<{ getDevices: boolean; ids: string[] }> {
    const bt = webBluetooth()
    return { getDevices: typeof bt?.getDevices === 'function', ids: (await rememberedDevices()).map((d) => d.id) }
  },
  async close(index: number): Promise<void> {
    await at(index).session.close()
  }
}

/** The page's API, as the test sees it. */
export type BluetoothPageApi = typeof api
;(window as unknown as { __bt: BluetoothPageApi }).__bt = api
