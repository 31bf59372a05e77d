/**
 * The device session state machine on a small fake of the Web Bluetooth objects and a fake
 * clock: subscriptions and readings, garbage values, reconnect backoff timing, giving up,
 * close, timeouts, and the glucose RACP sequencing. The real browser path is proven in
 * test/e2e/bluetooth.e2e.test.ts against Chromium's Bluetooth emulation.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  backoffDelay,
  bluetoothUuid,
  createDeviceSession,
  memorySequenceStore,
  pairDevice,
  rememberedDevices,
  requestOptions,
  type BluetoothLike,
  type ConnectionState,
  type DeviceKind,
  type DeviceSession,
  type GattServerLike,
  type SessionReading,
  type StoredRecordsResult,
  type Timers
} from '../../src/devices/index.ts'

/** A fake clock: timers run only when the test advances time. */
class FakeTimers implements Timers {
  t = 1_700_000_000_000
  #next = 1
  #tasks = new Map<number, { at: number; fn: () => void }>()
  now = (): number => this.t
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.#next++
    this.#tasks.set(id, { at: this.t + ms, fn })
    return id
  }
  clearTimeout = (h: unknown): void => {
    this.#tasks.delete(h as number)
  }
  /** Moves time forward by `ms`, running due timers in order, settling promises between. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms
    for (;;) {
      await settle()
      const due = [...this.#tasks.entries()].filter(([, v]) => v.at <= end).sort((a, b) => a[1].at - b[1].at)[0]
      if (due === undefined) break
      this.#tasks.delete(due[0])
      this.t = due[1].at
      due[1].fn()
    }
    this.t = end
    await settle()
  }
}
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
}

const view = (...bytes: number[]): DataView => new DataView(Uint8Array.from(bytes).buffer)
const notFound = (): Error => Object.assign(new Error('not found'), { name: 'NotFoundError' })

class FakeCharacteristic extends EventTarget {
  value: DataView | null = null
  readonly writes: number[][] = []
  onWrite: (bytes: number[]) => void = () => undefined
  read: () => DataView = () => view()
  readonly uuid: string
  readonly properties: { read: boolean; write: boolean; notify: boolean; indicate: boolean }
  constructor(uuid: number, props: Partial<FakeCharacteristic['properties']> = {}) {
    super()
    this.uuid = bluetoothUuid(uuid)
    this.properties = { read: false, write: false, notify: true, indicate: false, ...props }
  }
  /** The device sends a notification or indication. */
  push(v: DataView): void {
    this.value = v
    this.dispatchEvent(new Event('characteristicvaluechanged'))
  }
  readValue = async (): Promise<DataView> => {
    this.push(this.read())
    return this.value as DataView
  }
  writeValueWithResponse = async (value: BufferSource): Promise<void> => {
    const bytes = [...new Uint8Array(value as ArrayBuffer | Uint8Array as ArrayBuffer)]
    this.writes.push(bytes)
    queueMicrotask(() => this.onWrite(bytes))
  }
  startNotifications = async (): Promise<this> => this
  stopNotifications = async (): Promise<this> => this
}

/** A fake peripheral: services by alias, a connect outcome the test controls. */
class FakeDevice extends EventTarget {
  readonly id = 'AbC+d/Ef12==' // base64 like Chromium's device ids
  readonly name = 'Fake'
  connects = 0
  /** What the next connect() does. */
  nextConnect: 'ok' | 'fail' | 'hang' = 'ok'
  readonly services = new Map<number, Map<number, FakeCharacteristic>>()
  readonly gatt = {
    connected: false,
    connect: async (): Promise<GattServerLike> => {
      this.connects++
      if (this.nextConnect === 'fail') throw Object.assign(new Error('Connection failed for unknown reason.'), { name: 'NetworkError' })
      if (this.nextConnect === 'hang') return new Promise<GattServerLike>(() => undefined)
      this.gatt.connected = true
      return this.gatt
    },
    disconnect: (): void => this.drop(),
    getPrimaryService: async (uuid: number | string) => {
      const chars = [...this.services.entries()].find(([alias]) => bluetoothUuid(alias) === uuid)?.[1]
      if (chars === undefined) throw notFound()
      return {
        uuid: String(uuid),
        getCharacteristic: async (c: number | string) => {
          const ch = [...chars.values()].find((x) => x.uuid === c)
          if (ch === undefined) throw notFound()
          return ch
        }
      }
    }
  }
  add(service: number, ch: FakeCharacteristic): FakeCharacteristic {
    if (!this.services.has(service)) this.services.set(service, new Map())
    this.services.get(service)?.set(Number.parseInt(ch.uuid.slice(4, 8), 16), ch)
    return ch
  }
  /** The link drops (out of range, switched off). */
  drop(): void {
    if (!this.gatt.connected) return
    this.gatt.connected = false
    this.dispatchEvent(new Event('gattserverdisconnected'))
  }
}

interface Harness {
  device: FakeDevice
  timers: FakeTimers
  session: DeviceSession
  states: ConnectionState[]
  readings: SessionReading[]
  errors: Error[]
  records: StoredRecordsResult[]
}

function harness(kind: DeviceKind, device: FakeDevice, extra: { sequences?: ReturnType<typeof memorySequenceStore>; maxReconnectAttempts?: number } = {}): Harness {
  const timers = new FakeTimers()
  const session = createDeviceSession(
    { kind, timeZone: 'UTC', backoff: { baseMs: 1000, maxMs: 8000 }, racpTimeoutMs: 5000, connectTimeoutMs: 3000, maxReconnectAttempts: extra.maxReconnectAttempts ?? Infinity },
    { device, timers, random: () => 0, sequences: extra.sequences, newId: () => 'obs-1' }
  )
  const h: Harness = { device, timers, session, states: [], readings: [], errors: [], records: [] }
  session.on('state', (s) => h.states.push(s))
  session.on('reading', (r) => h.readings.push(r))
  session.on('error', (e) => h.errors.push(e))
  session.on('records', (r) => h.records.push(r))
  return h
}

function heartRateStrap(): { device: FakeDevice; hr: FakeCharacteristic; battery: FakeCharacteristic } {
  const device = new FakeDevice()
  const hr = device.add(0x180d, new FakeCharacteristic(0x2a37))
  const battery = device.add(0x180f, new FakeCharacteristic(0x2a19, { read: true }))
  battery.read = () => view(87)
  return { device, hr, battery }
}

/** A Glucose Measurement (GLS 1.0 §3.1): concentration in kg/L, capillary blood, finger. */
const glucose = (sequence: number, mgDl: number): DataView =>
  // flags 0x02 ‖ sequence u16 ‖ base time 2024-05-02 08:15:00 ‖ SFLOAT mgDl × 10^-5 kg/L ‖ type/location 0x11
  view(0x02, sequence & 0xff, sequence >> 8, 0xe8, 0x07, 5, 2, 8, 15, 0, mgDl & 0xff, 0xb0 | ((mgDl >> 8) & 0x0f), 0x11)

function glucoseMeter(records: Map<number, number>): { device: FakeDevice; gm: FakeCharacteristic; racp: FakeCharacteristic; answer: { code: number | undefined } } {
  const device = new FakeDevice()
  const gm = device.add(0x1808, new FakeCharacteristic(0x2a18))
  const racp = device.add(0x1808, new FakeCharacteristic(0x2a52, { notify: false, indicate: true, write: true }))
  const answer: { code: number | undefined } = { code: 1 }
  racp.onWrite = (bytes) => {
    if (bytes[0] !== 0x01) return
    const from = bytes[1] === 0x01 ? 0 : (bytes[3] as number) | ((bytes[4] as number) << 8)
    const due = [...records.entries()].filter(([s]) => s >= from)
    for (const [s, mg] of due) gm.push(glucose(s, mg))
    if (answer.code === undefined) return // a meter that never answers
    racp.push(view(0x06, 0x00, 0x01, due.length === 0 && answer.code === 1 ? 0x06 : answer.code))
  }
  return { device, gm, racp, answer }
}

describe('device session: readings', () => {
  it('subscribes, reads battery, and turns each heart-rate notification into bpm, an Observation and a sample', async () => {
    const { device, hr } = heartRateStrap()
    const h = harness('heart-rate', device)
    await h.session.start()
    expect(h.session.state).toEqual({ state: 'connected' })
    expect(h.session.battery).toBe(87)
    hr.push(view(0x00, 72))
    hr.push(view(0x01, 0x2c, 0x01)) // 16-bit value: 300 bpm
    expect(h.readings.map((r) => (r.reading.kind === 'heart-rate' ? r.reading.value.bpm : 0))).toEqual([72, 300])
    const obs = h.readings[0]?.observations[0]
    expect(obs?.code.coding?.[0]?.code).toBe('8867-4')
    expect(obs?.valueQuantity).toMatchObject({ value: 72, code: '/min' })
    expect(h.readings[0]?.samples).toEqual([{ code: '8867-4', device: 'ble:AbC-d~Ef12', t: h.timers.t, value: 72, unit: '/min' }])
    expect(h.session.lastReading?.reading).toMatchObject({ kind: 'heart-rate', value: { bpm: 300 } })
  })

  it('a garbage value is a named error, nothing is emitted for it, and the session goes on', async () => {
    const { device, hr } = heartRateStrap()
    const h = harness('heart-rate', device)
    await h.session.start()
    hr.push(view(0x01, 0x2c)) // flags say 16-bit, one octet follows
    expect(h.errors.map((e) => e.name)).toEqual(['DeviceValueError'])
    expect((h.errors[0]?.cause as Error).name).toBe('GattFormatError')
    expect(h.readings).toEqual([])
    hr.push(view(0x00, 65))
    expect(h.readings).toHaveLength(1)
    expect(h.session.state.state).toBe('connected')
  })

  it('a device without its mandatory characteristic is DeviceUnsupportedError', async () => {
    const device = new FakeDevice()
    device.add(0x1810, new FakeCharacteristic(0x2a36)) // only the optional cuff pressure
    const h = harness('blood-pressure', device, { maxReconnectAttempts: 0 })
    await h.session.start()
    expect(h.errors.map((e) => e.name)).toEqual(['DeviceUnsupportedError'])
    expect(h.session.state).toEqual({ state: 'disconnected', reason: 'gave-up' })
  })
})

describe('device session: reconnect', () => {
  it('reconnects after a drop with exponential backoff, not before each delay, and resets after a success', async () => {
    const { device, hr } = heartRateStrap()
    const h = harness('heart-rate', device)
    await h.session.start()
    device.nextConnect = 'fail'
    device.drop()
    expect(h.session.state).toEqual({ state: 'reconnecting', attempt: 1, inMs: 1000, at: h.timers.t + 1000 })
    await h.timers.advance(999)
    expect(device.connects).toBe(1)
    await h.timers.advance(1) // attempt 2 fails → 2000 ms
    expect(device.connects).toBe(2)
    expect(h.session.state).toMatchObject({ state: 'reconnecting', attempt: 2, inMs: 2000 })
    await h.timers.advance(2000) // fails → 4000, then 8000, then capped at 8000
    await h.timers.advance(4000)
    expect(h.session.state).toMatchObject({ state: 'reconnecting', attempt: 4, inMs: 8000 })
    await h.timers.advance(8000)
    expect(h.session.state).toMatchObject({ attempt: 5, inMs: 8000 })
    device.nextConnect = 'ok'
    await h.timers.advance(8000)
    expect(h.session.state).toEqual({ state: 'connected' })
    expect(h.errors.every((e) => e.name === 'NetworkError')).toBe(true)
    hr.push(view(0x00, 80))
    expect(h.readings.at(-1)?.reading).toMatchObject({ value: { bpm: 80 } })
    device.drop()
    expect(h.session.state).toMatchObject({ state: 'reconnecting', attempt: 1, inMs: 1000 })
  })

  it('a connect that never answers times out, and the session gives up after maxReconnectAttempts', async () => {
    const { device } = heartRateStrap()
    const h = harness('heart-rate', device, { maxReconnectAttempts: 2 })
    await h.session.start()
    device.nextConnect = 'hang'
    device.drop()
    await h.timers.advance(1000 + 3000)
    expect(h.errors.map((e) => e.name)).toEqual(['GattTimeoutError'])
    await h.timers.advance(2000 + 3000)
    expect(h.session.state).toEqual({ state: 'disconnected', reason: 'gave-up' })
    await h.timers.advance(60_000)
    expect(device.connects).toBe(3)
  })

  it('close() stops reconnecting, disconnects, and delivers nothing more', async () => {
    const { device, hr } = heartRateStrap()
    const h = harness('heart-rate', device)
    await h.session.start()
    device.drop()
    await h.session.close()
    expect(h.states.at(-1)).toEqual({ state: 'disconnected', reason: 'closed' })
    await h.timers.advance(10_000)
    expect(device.connects).toBe(1)
    hr.push(view(0x00, 70))
    expect(h.readings).toEqual([])
  })

  it('aborting the init signal closes the session; a throwing listener does not stop the others', async () => {
    const { device, hr } = heartRateStrap()
    const controller = new AbortController()
    const timers = new FakeTimers()
    const warned: unknown[] = []
    const session = createDeviceSession({ kind: 'heart-rate', signal: controller.signal }, { device, timers, warn: (_m, e) => warned.push(e) })
    const bpms: number[] = []
    session.on('reading', () => {
      throw new Error('a broken screen')
    })
    session.on('reading', (r) => bpms.push(r.reading.kind === 'heart-rate' ? r.reading.value.bpm : -1))
    await session.start()
    hr.push(view(0x00, 61))
    expect(bpms).toEqual([61])
    expect(warned).toHaveLength(1)
    controller.abort()
    await timers.advance(0)
    expect(session.state).toEqual({ state: 'disconnected', reason: 'closed' })
    expect(device.gatt.connected).toBe(false)
  })

  it('a value from the previous connection after a drop is not delivered twice', async () => {
    const { device, hr } = heartRateStrap()
    const h = harness('heart-rate', device)
    await h.session.start()
    device.drop()
    await h.timers.advance(1000)
    hr.push(view(0x00, 90))
    expect(h.readings).toHaveLength(1) // one listener per connection: the old one was removed
  })
})

describe('device session: remembered devices', () => {
  it('after an out-of-range failure, waits for an advertisement before connecting, and stops watching', async () => {
    class RememberedDevice extends FakeDevice {
      watching = 0
      watchAdvertisements = async (o?: { signal?: AbortSignal }): Promise<void> => {
        this.watching++
        o?.signal?.addEventListener('abort', () => this.watching--)
      }
    }
    const device = new RememberedDevice()
    device.add(0x180d, new FakeCharacteristic(0x2a37))
    device.nextConnect = 'fail' // Chromium: "Bluetooth Device is no longer in range." (NetworkError)
    const h = harness('heart-rate', device)
    await h.session.start()
    device.nextConnect = 'ok'
    await h.timers.advance(1000)
    expect(h.session.state.state).toBe('connecting')
    expect([device.connects, device.watching]).toEqual([1, 1])
    device.dispatchEvent(new Event('advertisementreceived'))
    await h.timers.advance(0)
    expect(h.session.state).toEqual({ state: 'connected' })
    expect([device.connects, device.watching]).toEqual([2, 0])
  })
})

describe('device session: glucose records through RACP', () => {
  it('asks for all records the first time, then only for newer ones, and remembers the last sequence', async () => {
    const records = new Map([
      [1, 100],
      [2, 112]
    ])
    const { device, answer } = glucoseMeter(records)
    const sequences = memorySequenceStore()
    const h = harness('glucose', device, { sequences })
    const racpWrites = () => [...(device.services.get(0x1808)?.get(0x2a52)?.writes ?? [])]
    await h.session.start()
    await h.timers.advance(0)
    expect(racpWrites()).toEqual([[0x01, 0x01]]) // report stored records: all
    expect(h.records).toEqual([{ requested: 'all', received: 2, outcome: 'success' }])
    expect(h.readings.map((r) => [r.stored, r.observations[0]?.valueQuantity?.value])).toEqual([
      [true, 100],
      [true, 112]
    ])
    expect(h.readings[0]?.observations[0]?.id).toBe('glu.AbC-d.Ef12.1.20240502081500')
    expect(await sequences.get(device.id)).toBe(2)

    // a new record on the meter; the link drops and comes back
    records.set(3, 95)
    device.drop()
    await h.timers.advance(1000)
    expect(racpWrites()[1]).toEqual([0x01, 0x03, 0x01, 0x03, 0x00]) // ≥ sequence number 3
    expect(h.records[1]).toEqual({ requested: 3, received: 1, outcome: 'success' })
    expect(await sequences.get(device.id)).toBe(3)

    // nothing new: "No records found" is an ordinary outcome
    device.drop()
    await h.timers.advance(1000)
    expect(racpWrites()[2]).toEqual([0x01, 0x03, 0x01, 0x04, 0x00])
    expect(h.records[2]).toEqual({ requested: 4, received: 0, outcome: 'no-records' })
    expect(h.errors).toEqual([])
    answer.code = 1
  })

  it('a failure response code is RacpRequestError; live readings go on', async () => {
    const { device, gm, answer } = glucoseMeter(new Map())
    answer.code = 5 // Invalid Operand
    const h = harness('glucose', device, { sequences: memorySequenceStore() })
    await h.session.start()
    await h.timers.advance(0)
    expect(h.errors.map((e) => [e.name, (e as { code?: number }).code])).toEqual([['RacpRequestError', 5]])
    expect(h.session.state.state).toBe('connected')
    gm.push(glucose(7, 130))
    expect(h.readings.map((r) => [r.stored, r.reading.kind === 'glucose' ? r.reading.value.sequence : -1])).toEqual([[false, 7]])
  })

  it('a meter that never answers is RacpTimeoutError after the silence, and the procedure is aborted', async () => {
    const { device, racp, answer } = glucoseMeter(new Map([[1, 100]]))
    answer.code = undefined
    const h = harness('glucose', device, { sequences: memorySequenceStore() })
    await h.session.start()
    await h.timers.advance(4999)
    expect(h.errors).toEqual([])
    await h.timers.advance(1)
    expect(h.errors.map((e) => e.name)).toEqual(['RacpTimeoutError'])
    expect(racp.writes.at(-1)).toEqual([0x03, 0x00]) // abort operation
    expect(h.readings).toHaveLength(1) // the record that did arrive is kept
  })

  it('a glucose session needs a sequence store', () => {
    expect(() => createDeviceSession({ kind: 'glucose' }, { device: new FakeDevice() })).toThrow(TypeError)
  })
})

describe('pairing', () => {
  it('asks the chooser for the kind’s service with battery and device information as optional services', async () => {
    const asked: unknown[] = []
    const device = new FakeDevice()
    const bt: BluetoothLike = { requestDevice: async (o) => (asked.push(o), device) }
    expect(await pairDevice('blood-pressure', bt)).toBe(device)
    expect(asked).toEqual([{ filters: [{ services: [0x1810] }], optionalServices: [0x180f, 0x180a] }])
    expect(requestOptions('cgm').filters).toEqual([{ services: [0x181f] }])
  })

  it('names a cancelled chooser, a missing Web Bluetooth, and a browser without getDevices', async () => {
    const cancelled: BluetoothLike = { requestDevice: async () => Promise.reject(notFound()) }
    await expect(pairDevice('heart-rate', cancelled)).rejects.toMatchObject({ name: 'PairingCancelledError' })
    await expect(pairDevice('heart-rate', undefined)).rejects.toMatchObject({ name: 'BluetoothUnavailableError' })
    expect(await rememberedDevices(cancelled)).toEqual([])
    const device = new FakeDevice()
    expect(await rememberedDevices({ ...cancelled, getDevices: async () => [device] })).toEqual([device])
  })
})

describe('backoffDelay', () => {
  it('grows by doubling, never past the cap, and jitter only shortens it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 600_000 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (attempt, baseMs, maxMs, r) => {
        const full = backoffDelay(attempt, { baseMs, maxMs, jitter: 0 })
        expect(full).toBe(Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30)))
        expect(backoffDelay(attempt + 1, { baseMs, maxMs, jitter: 0 })).toBeGreaterThanOrEqual(full)
        const j = backoffDelay(attempt, { baseMs, maxMs, jitter: 0.5 }, () => r)
        expect(j).toBeLessThanOrEqual(full)
        expect(j).toBeGreaterThanOrEqual(Math.floor(full / 2))
      })
    )
    expect(() => backoffDelay(0)).toThrow(RangeError)
  })
})
