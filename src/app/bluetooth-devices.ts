/**
 * The patient's Bluetooth health devices (issue 8): pairing through the browser's chooser,
 * the devices this origin may use again (`getDevices()`), one `DeviceSession` per device
 * (subscriptions, reconnects with backoff, battery, RACP since the last sequence number),
 * and each reading stored in the open record as FHIR Observations (`recordReading`).
 *
 * The sessions outlive the screen: they belong to the services, so leaving the devices
 * screen does not drop a strap that is streaming to a doctor.
 *
 * What is kept outside the record, in `localStorage`: each paired device's id and kind (to
 * resume a remembered device without asking which kind it is) and a glucose meter's last
 * sequence number. No reading, no value, no name of a person.
 */
import {
  createDeviceSession,
  deviceKindSpec,
  pairDevice,
  rememberedDevices,
  webBluetooth,
  type BluetoothLike,
  type ConnectionState,
  type DeviceKind,
  type DeviceLike,
  type DeviceSession,
  type SequenceStore,
  type SessionReading
} from '../devices/index.ts'

/** One value of a reading, as a screen shows it. */
export interface DeviceValue {
  /** LOINC code. */
  readonly code: string
  readonly value: number
  /** UCUM code. */
  readonly unit: string
}

/** A paired device as the devices screen lists it. */
export interface PairedDevice {
  readonly id: string
  readonly name: string
  readonly kind: DeviceKind
  readonly state: ConnectionState
  /** Battery level in percent, when the device offers it. */
  readonly battery?: number
  /** The values of the newest reading. */
  readonly last?: { readonly at: number; readonly values: readonly DeviceValue[]; readonly stored: boolean }
  /** Readings stored in the record since this page opened. */
  readonly count: number
  /** The last problem, if the latest event was one (a garbage value, a timeout…). */
  readonly problem?: Error
}

/** The devices service. */
export interface BluetoothDevices {
  /** Whether this browser has Web Bluetooth at all. */
  available(): boolean
  /** Whether the browser remembers paired devices across reloads (`getDevices`). */
  remembers(): boolean
  /**
   * Opens the chooser for a device of `kind` (call from a click), then connects and
   * subscribes; readings go to the open record.
   * @throws {BluetoothUnavailableError} without Web Bluetooth.
   * @throws {PairingCancelledError} when the user closed the chooser.
   */
  pair(kind: DeviceKind): Promise<PairedDevice>
  /** Reconnects the devices paired before (no chooser); returns how many were started. */
  resume(): Promise<number>
  /** Disconnects a device and forgets it on this page. */
  disconnect(id: string): Promise<void>
  list(): PairedDevice[]
  /** Calls `listener` whenever anything `list()` shows changed; returns its remover. */
  subscribe(listener: () => void): () => void
}

/** What the service is given. */
export interface BluetoothDevicesComponents {
  /** Stores a reading in the open record (`records.current().recordReading`); throws when no record is open. */
  readonly record: (reading: SessionReading) => Promise<void>
  /** @default `navigator.bluetooth` */
  readonly bluetooth?: () => BluetoothLike | undefined
  /** Where device kinds and sequence numbers are kept. @default none (this page only) */
  readonly storage?: Pick<Storage, 'getItem' | 'setItem'> | undefined
  /** @default console.warn */
  readonly warn?: (message: string, err?: unknown) => void
}

/** Options. */
export interface BluetoothDevicesInit {
  /** Backoff of reconnects. @default the session's default */
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number }
}

const KINDS_KEY = 'phr.bluetooth.kinds'
const SEQ_KEY = 'phr.bluetooth.sequences'
/** Most devices remembered in storage. */
const MAX_REMEMBERED = 64

function readMap(storage: BluetoothDevicesComponents['storage'], key: string): Record<string, unknown> {
  try {
    const raw = storage?.getItem(key)
    const v: unknown = raw === null || raw === undefined ? {} : JSON.parse(raw)
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
  } catch {
    // storage blocked or a value not written here: start empty, as on a new browser
    return {}
  }
}

function writeMap(storage: BluetoothDevicesComponents['storage'], key: string, map: Record<string, unknown>): void {
  const entries = Object.entries(map).slice(-MAX_REMEMBERED)
  storage?.setItem(key, JSON.stringify(Object.fromEntries(entries)))
}

function isKind(k: unknown): k is DeviceKind {
  if (typeof k !== 'string') return false
  try {
    deviceKindSpec(k as DeviceKind)
    return true
  } catch {
    // not a kind of the catalogue (a value written by a newer version): skipped
    return false
  }
}

/** The values of a reading: each Observation's quantity, or each component's; samples otherwise. */
export function valuesOf(r: Pick<SessionReading, 'observations' | 'samples'>): DeviceValue[] {
  const out: DeviceValue[] = []
  const push = (code: string | undefined, q: { value?: number; code?: string; unit?: string } | undefined): void => {
    if (code === undefined || q === undefined || typeof q.value !== 'number') return
    out.push({ code, value: q.value, unit: q.code ?? q.unit ?? '' })
  }
  for (const o of r.observations) {
    push(o.code.coding?.[0]?.code, o.valueQuantity)
    for (const c of o.component ?? []) push(c.code.coding?.[0]?.code, c.valueQuantity)
  }
  if (out.length === 0) for (const s of r.samples) out.push({ code: s.code, value: s.value, unit: s.unit })
  return out
}

/**
 * Creates the devices service; nothing touches Bluetooth until `pair` or `resume`.
 * @example const devices = createBluetoothDevices({ record: (r) => records.current()!.recordReading(r), storage: localStorage })
 */
export function createBluetoothDevices(components: BluetoothDevicesComponents, init: BluetoothDevicesInit = {}): BluetoothDevices {
  const bt = components.bluetooth ?? webBluetooth
  const warn = components.warn ?? ((m, e) => console.warn(`devices: ${m}`, e instanceof Error ? e.name : (e ?? '')))
  const entries = new Map<string, { session: DeviceSession; shown: PairedDevice; stop: Array<() => void> }>()
  const listeners = new Set<() => void>()
  const changed = (): void => {
    for (const l of [...listeners]) l()
  }
  const sequences: SequenceStore = {
    get: async (id) => {
      const v = readMap(components.storage, SEQ_KEY)[id]
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff ? v : undefined
    },
    set: async (id, sequence) => {
      if (!Number.isInteger(sequence) || sequence < 0 || sequence > 0xffff) throw new RangeError(`sequence: expected an integer 0-65535, got ${String(sequence)}`)
      const map = readMap(components.storage, SEQ_KEY)
      delete map[id]
      map[id] = sequence
      writeMap(components.storage, SEQ_KEY, map)
    }
  }

  function update(id: string, patch: (d: PairedDevice) => PairedDevice): void {
    const e = entries.get(id)
    if (e === undefined) return
    e.shown = patch(e.shown)
    changed()
  }

  async function start(kind: DeviceKind, device: DeviceLike, waitForAdvertisement: boolean): Promise<PairedDevice> {
    const existing = entries.get(device.id)
    if (existing !== undefined) return existing.shown
    const session = createDeviceSession({ kind, waitForAdvertisement, ...(init.backoff === undefined ? {} : { backoff: init.backoff }) }, { device, sequences })
    const shown: PairedDevice = { id: device.id, name: device.name ?? '', kind, state: session.state, count: 0 }
    const id = device.id
    const stop = [
      session.on('state', (state) => update(id, (d) => ({ ...d, state }))),
      session.on('battery', (battery) => update(id, (d) => ({ ...d, battery }))),
      session.on('error', (problem) => {
        warn(`${kind} ${problem.name}`, problem)
        update(id, (d) => ({ ...d, problem }))
      }),
      session.on('reading', (r) => {
        const values = valuesOf(r)
        update(id, (d) => ({ ...d, problem: undefined, last: { at: r.receivedAt, values, stored: r.stored } }))
        components.record(r).then(
          () => update(id, (d) => ({ ...d, count: d.count + 1 })),
          (err: unknown) => {
            warn('a reading could not be stored', err)
            update(id, (d) => ({ ...d, problem: err instanceof Error ? err : new Error(String(err)) }))
          }
        )
      })
    ]
    entries.set(id, { session, shown, stop })
    const kinds = readMap(components.storage, KINDS_KEY)
    delete kinds[id]
    kinds[id] = kind
    writeMap(components.storage, KINDS_KEY, kinds)
    changed()
    // a failed first attempt is an `error` event followed by `reconnecting`: shown, not thrown
    await session.start()
    return entries.get(id)?.shown ?? shown
  }

  return {
    available: () => bt() !== undefined,
    remembers: () => typeof bt()?.getDevices === 'function',
    async pair(kind) {
      const device = await pairDevice(kind, bt())
      return start(kind, device, false)
    },
    async resume() {
      const b = bt()
      if (b === undefined) return 0
      const kinds = readMap(components.storage, KINDS_KEY)
      let started = 0
      for (const device of await rememberedDevices(b)) {
        const kind = kinds[device.id]
        if (!isKind(kind) || entries.has(device.id)) continue
        // Chromium connects a remembered device only once it has seen it advertise
        void start(kind, device, true).catch((err: unknown) => warn('a remembered device could not be started', err))
        started++
      }
      return started
    },
    async disconnect(id) {
      const e = entries.get(id)
      if (e === undefined) return
      entries.delete(id)
      for (const s of e.stop) s()
      changed()
      await e.session.close()
    },
    list: () => [...entries.values()].map((e) => e.shown),
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
}
