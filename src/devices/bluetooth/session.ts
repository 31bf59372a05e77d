/**
 * One paired device: connect, discover, subscribe, turn every value into readings (parsed,
 * FHIR Observations, series samples), report battery and connection state, reconnect with
 * exponential backoff after `gattserverdisconnected`, and — for a glucose meter — fetch the
 * stored records through the Record Access Control Point after each connection.
 */
import { DEVICE_INFORMATION_STRINGS, parseBatteryLevel, parseDeviceInformationString, type DeviceInformationString } from '../gatt/index.ts'
import { observationsFromReading, seriesSamples, type DeviceReading } from '../fhir.ts'
import { createRrTimeline } from '../rr.ts'
import { BATTERY_LEVEL, BATTERY_SERVICE, DEVICE_INFORMATION_SERVICE, bluetoothUuid, deviceKindSpec, type CharacteristicSpec, type DeviceKind, type DeviceKindSpec } from './catalogue.ts'
import { Emitter } from './emitter.ts'
import { DeviceSessionClosedError, DeviceUnsupportedError, DeviceValueError } from './errors.ts'
import { fetchStoredRecords, type RacpLink, type RacpSignal } from './racp.ts'
import type { SequenceStore } from './sequence-store.ts'
import type { ConnectionState, DeviceInfo, DeviceSession, DeviceSessionComponents, DeviceSessionEvents, DeviceSessionInit, SessionReading } from './session-types.ts'
import { backoffDelay, bounded, realTimers, type Timers } from './timing.ts'
import type { CharacteristicLike, DeviceLike, GattServerLike } from './web-bluetooth.ts'

/** One connection: its abort signal, subscribed characteristics and listener removers. */
class Link implements RacpLink {
  readonly controller = new AbortController()
  readonly characteristics = new Map<number, CharacteristicLike>()
  readonly cleanups: (() => void)[] = []
  racpListener: ((s: RacpSignal) => void) | undefined
  get signal(): AbortSignal {
    return this.controller.signal
  }
  close(): void {
    this.controller.abort()
    for (const c of this.cleanups.splice(0)) c()
    this.racpListener = undefined
  }
}

const isNotFound = (err: unknown): boolean => err instanceof Error && err.name === 'NotFoundError'

/** A `BluetoothDevice.id` as part of an Observation id (`[A-Za-z0-9\-.]`). */
const idPart = (bleId: string): string => bleId.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '.').replace(/[^A-Za-z0-9\-.]/g, '')

class Session implements DeviceSession {
  readonly kind: DeviceKind
  readonly device: DeviceLike
  readonly #spec: DeviceKindSpec
  readonly #init: DeviceSessionInit
  readonly #timers: Timers
  readonly #random: () => number
  readonly #newId: () => string
  readonly #sequences: SequenceStore | undefined
  readonly #events: Emitter<DeviceSessionEvents>
  readonly #closed = new AbortController()
  /** The strap's beats across notifications and reconnects (rr.ts). */
  readonly #rr = createRrTimeline()
  #state: ConnectionState = { state: 'disconnected', reason: 'closed' }
  #started = false
  #link: Link | undefined
  #attempts = 0
  #timer: unknown
  #battery: number | undefined
  #info: DeviceInfo | undefined
  #lastReading: SessionReading | undefined
  #racpRunning = false
  #waitForAdvertisement: boolean
  #lastSequence: number | undefined
  #sequenceDirty = false
  #sequenceSaving: Promise<void> | undefined

  constructor(init: DeviceSessionInit, components: DeviceSessionComponents) {
    this.#spec = deviceKindSpec(init.kind)
    if (typeof components.device?.id !== 'string' || components.device.id === '') throw new TypeError('device.id: expected a non-empty string')
    if (this.#spec.racp !== undefined && components.sequences === undefined) throw new TypeError('sequences: a glucose session needs a SequenceStore')
    this.kind = init.kind
    this.device = components.device
    this.#init = init
    this.#timers = components.timers ?? realTimers
    this.#random = components.random ?? Math.random
    this.#newId = components.newId ?? (() => crypto.randomUUID())
    this.#sequences = components.sequences
    this.#waitForAdvertisement = init.waitForAdvertisement === true
    const warn = components.warn ?? ((m: string, e: unknown) => console.warn(m, e))
    this.#events = new Emitter((err) => warn('device session listener threw', err))
    init.signal?.addEventListener('abort', () => void this.close(), { once: true })
  }

  get state(): ConnectionState {
    return this.#state
  }
  get battery(): number | undefined {
    return this.#battery
  }
  get info(): DeviceInfo | undefined {
    return this.#info
  }
  get lastReading(): SessionReading | undefined {
    return this.#lastReading
  }

  on<K extends keyof DeviceSessionEvents>(type: K, listener: (value: DeviceSessionEvents[K]) => void): () => void {
    return this.#events.on(type, listener)
  }

  async start(): Promise<void> {
    if (this.#closed.signal.aborted) throw new DeviceSessionClosedError('session closed')
    if (this.#started) return
    this.#started = true
    this.device.addEventListener('gattserverdisconnected', this.#onDisconnected)
    this.#setState({ state: 'connecting', attempt: 1 })
    await this.#attempt()
  }

  async close(): Promise<void> {
    if (this.#closed.signal.aborted) return
    this.#closed.abort()
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer)
    this.#timer = undefined
    this.device.removeEventListener('gattserverdisconnected', this.#onDisconnected)
    this.#link?.close()
    this.#link = undefined
    const gatt = this.device.gatt
    if (gatt?.connected === true) gatt.disconnect()
    this.#setState({ state: 'disconnected', reason: 'closed' })
    await this.#sequenceSaving
    this.#events.clear()
  }

  #setState(s: ConnectionState): void {
    this.#state = s
    this.#events.emit('state', s)
  }

  #error(err: unknown): void {
    this.#events.emit('error', err instanceof Error ? err : new Error(String(err)))
  }

  /** One connection attempt; a failure schedules the next. */
  async #attempt(): Promise<void> {
    const link = new Link()
    this.#link = link
    try {
      await this.#connect(link)
    } catch (err) {
      if (this.#closed.signal.aborted) return
      // a drop during the attempt aborted the link: that is the reason, not an error of its own
      if (!(err instanceof DeviceSessionClosedError)) this.#error(err)
      if (this.#link === link) this.#dropped()
      const gatt = this.device.gatt
      if (gatt?.connected === true) gatt.disconnect() // the state is `reconnecting` now: its event is ignored
    }
  }

  readonly #onDisconnected = (): void => {
    if (this.#closed.signal.aborted) return
    // during an attempt: fail it (its catch schedules the next); while waiting: nothing to do
    if (this.#state.state === 'connecting') this.#link?.controller.abort()
    else if (this.#state.state === 'connected') this.#dropped()
  }

  /** The link is gone: schedule the next attempt after the backoff, or give up. */
  #dropped(): void {
    this.#link?.close()
    this.#link = undefined
    if (this.#timer !== undefined) return
    this.#attempts++
    const max = this.#init.maxReconnectAttempts ?? Infinity
    if (this.#attempts > max) {
      this.#setState({ state: 'disconnected', reason: 'gave-up' })
      return
    }
    const inMs = backoffDelay(this.#attempts, this.#init.backoff, this.#random)
    this.#setState({ state: 'reconnecting', attempt: this.#attempts, inMs, at: this.#timers.now() + inMs })
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined
      if (this.#closed.signal.aborted) return
      this.#setState({ state: 'connecting', attempt: this.#attempts + 1 })
      void this.#attempt()
    }, inMs)
  }

  #op<T>(p: Promise<T>, what: string, link: Link, ms = this.#init.operationTimeoutMs ?? 10_000): Promise<T> {
    return bounded(p, what, ms, this.#timers, link.signal)
  }

  async #connect(link: Link): Promise<void> {
    const gatt = this.device.gatt
    if (gatt === undefined || gatt === null) throw new DeviceUnsupportedError('the device has no GATT server')
    if (this.#waitForAdvertisement) await this.#nearby(link)
    try {
      await this.#op(gatt.connect(), 'connect', link, this.#init.connectTimeoutMs ?? 20_000)
    } catch (err) {
      // Chromium: a remembered device must be seen advertising before it connects
      if (err instanceof Error && err.name === 'NetworkError' && typeof this.device.watchAdvertisements === 'function') this.#waitForAdvertisement = true
      throw err
    }
    const spec = this.#spec
    const service = await this.#op(gatt.getPrimaryService(bluetoothUuid(spec.service)), `getPrimaryService ${spec.serviceName}`, link)
    for (const c of spec.characteristics) {
      let ch: CharacteristicLike
      try {
        ch = await this.#op(service.getCharacteristic(bluetoothUuid(c.uuid)), `getCharacteristic ${c.name}`, link)
      } catch (err) {
        if (!isNotFound(err)) throw err
        if (c.required) throw new DeviceUnsupportedError(`${spec.serviceName}: mandatory ${c.name} is missing`, { cause: err })
        continue // an optional characteristic this device does not have
      }
      const handler = (): void => this.#onValue(c, ch, link)
      ch.addEventListener('characteristicvaluechanged', handler)
      link.cleanups.push(() => ch.removeEventListener('characteristicvaluechanged', handler))
      await this.#op(ch.startNotifications(), `startNotifications ${c.name}`, link)
      link.characteristics.set(c.uuid, ch)
    }
    if (link.characteristics.size === 0) throw new DeviceUnsupportedError(`${spec.serviceName}: none of its measurements is offered`)
    await this.#readBattery(gatt, link)
    if (this.#info === undefined) await this.#readInfo(gatt, link)
    this.#attempts = 0
    this.#setState({ state: 'connected' })
    // the stored records come in the background: start() and the state do not wait for them
    if (spec.racp !== undefined) void this.#fetchStored(link)
  }

  /** Waits until the device advertises (Web Bluetooth §4.2.2 `watchAdvertisements`), bounded by the connect timeout. */
  async #nearby(link: Link): Promise<void> {
    const device = this.device
    if (typeof device.watchAdvertisements !== 'function') return
    const watching = new AbortController()
    let onAdvertisement = (): void => undefined
    const seen = new Promise<void>((resolve) => {
      onAdvertisement = () => resolve()
      device.addEventListener('advertisementreceived', onAdvertisement)
    })
    try {
      await this.#op(device.watchAdvertisements({ signal: watching.signal }), 'watchAdvertisements', link)
      await this.#op(seen, 'wait for an advertisement', link, this.#init.connectTimeoutMs ?? 20_000)
    } finally {
      device.removeEventListener('advertisementreceived', onAdvertisement)
      watching.abort() // stop watching: advertisements cost battery and radio time
    }
  }

  /** Battery Service 1.0: read the level, subscribe if it notifies. The service is optional. */
  async #readBattery(gatt: GattServerLike, link: Link): Promise<void> {
    try {
      const service = await this.#op(gatt.getPrimaryService(bluetoothUuid(BATTERY_SERVICE)), 'getPrimaryService Battery', link)
      const ch = await this.#op(service.getCharacteristic(bluetoothUuid(BATTERY_LEVEL)), 'getCharacteristic Battery Level', link)
      const handler = (): void => {
        if (ch.value !== undefined && ch.value !== null) this.#setBattery(ch.value)
      }
      ch.addEventListener('characteristicvaluechanged', handler)
      link.cleanups.push(() => ch.removeEventListener('characteristicvaluechanged', handler))
      if (ch.properties.notify) await this.#op(ch.startNotifications(), 'startNotifications Battery Level', link)
      // Web Bluetooth §5.4.4: readValue() also fires characteristicvaluechanged, so the handler reports it
      await this.#op(ch.readValue(), 'read Battery Level', link)
    } catch (err) {
      if (err instanceof DeviceSessionClosedError) throw err
      if (!isNotFound(err)) this.#error(err) // a device without a battery service is normal; anything else is named
    }
  }

  #setBattery(value: DataView): void {
    let level: number
    try {
      level = parseBatteryLevel(value)
    } catch (err) {
      this.#error(new DeviceValueError('Battery Level', err))
      return
    }
    if (level === this.#battery) return
    this.#battery = level
    this.#events.emit('battery', level)
  }

  /** Device Information Service 1.1: the strings the device offers. The service is optional. */
  async #readInfo(gatt: GattServerLike, link: Link): Promise<void> {
    const info: DeviceInfo = {}
    try {
      const service = await this.#op(gatt.getPrimaryService(bluetoothUuid(DEVICE_INFORMATION_SERVICE)), 'getPrimaryService Device Information', link)
      for (const [which, uuid] of Object.entries(DEVICE_INFORMATION_STRINGS) as [DeviceInformationString, number][]) {
        try {
          const ch = await this.#op(service.getCharacteristic(bluetoothUuid(uuid)), `getCharacteristic ${which}`, link)
          info[which] = parseDeviceInformationString(await this.#op(ch.readValue(), `read ${which}`, link), which)
        } catch (err) {
          if (err instanceof DeviceSessionClosedError) throw err
          if (!isNotFound(err)) this.#error(err) // every string is optional (DIS 1.1 §3); others are named
        }
      }
    } catch (err) {
      if (err instanceof DeviceSessionClosedError) throw err
      if (!isNotFound(err)) this.#error(err)
    }
    this.#info = info
    this.#events.emit('info', info)
  }

  /** A notification, indication or read result of a subscribed characteristic. */
  #onValue(c: CharacteristicSpec, ch: CharacteristicLike, link: Link): void {
    if (link.signal.aborted) return
    const value = ch.value
    if (value === undefined || value === null) return
    const receivedAt = this.#timers.now()
    let decoded
    try {
      decoded = c.decode(value)
    } catch (err) {
      this.#error(new DeviceValueError(c.name, err))
      return
    }
    switch (decoded.type) {
      case 'racp':
        link.racpListener?.(decoded)
        return
      case 'intermediate-cuff':
        this.#events.emit('intermediate-cuff', decoded.value)
        return
      case 'glucose-context':
        this.#events.emit('glucose-context', decoded.value)
        return
      case 'readings':
        break
    }
    let built: SessionReading[]
    try {
      built = decoded.readings.map((reading) => this.#build(c, reading, receivedAt))
    } catch (err) {
      // a mapping failure drops the whole value: nothing half-built is emitted
      this.#error(new DeviceValueError(c.name, err))
      return
    }
    for (const r of built) {
      this.#lastReading = r
      this.#events.emit('reading', r)
      if (r.reading.kind === 'glucose') {
        this.#lastSequence = r.reading.value.sequence
        link.racpListener?.({ type: 'glucose', sequence: r.reading.value.sequence })
        this.#saveSequence()
      }
    }
  }

  #build(c: CharacteristicSpec, reading: DeviceReading, receivedAt: number): SessionReading {
    const device = { id: this.device.id, ...(typeof this.device.name === 'string' ? { name: this.device.name } : {}) }
    const timeZone = this.#init.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone
    const ctx = { device, receivedAt, timeZone }
    // a glucose record has a stable id (meter + sequence + base time): fetched again, it overwrites itself
    const stableId = reading.kind === 'glucose' ? `glu.${idPart(this.device.id)}.${reading.value.sequence}.${reading.value.baseTime.replace(/\D/g, '')}` : undefined
    const id = stableId !== undefined && stableId.length <= 60 ? stableId : this.#newId()
    const observations = observationsFromReading(reading, { ...ctx, id, ...(this.#init.subject === undefined ? {} : { subject: this.#init.subject }) })
    return { kind: this.kind, characteristic: c.name, reading, receivedAt, observations, samples: seriesSamples(reading, ctx, this.#rr), stored: this.#racpRunning }
  }

  /** Writes the last sequence number; at most one write in flight, the latest value wins. */
  #saveSequence(): void {
    this.#sequenceDirty = true
    if (this.#sequenceSaving !== undefined || this.#sequences === undefined) return
    const store = this.#sequences
    this.#sequenceSaving = (async () => {
      while (this.#sequenceDirty) {
        this.#sequenceDirty = false
        const s = this.#lastSequence
        if (s === undefined) break
        try {
          await store.set(this.device.id, s)
        } catch (err) {
          this.#error(err)
        }
      }
    })().finally(() => {
      this.#sequenceSaving = undefined
    })
  }

  async #fetchStored(link: Link): Promise<void> {
    const racp = link.characteristics.get(this.#spec.racp as number) as CharacteristicLike
    const store = this.#sequences as SequenceStore
    this.#racpRunning = true
    try {
      this.#lastSequence ??= await store.get(this.device.id)
      const result = await fetchStoredRecords({
        link,
        racp,
        lastSequence: this.#lastSequence,
        timers: this.#timers,
        operationTimeoutMs: this.#init.operationTimeoutMs ?? 10_000,
        racpTimeoutMs: this.#init.racpTimeoutMs ?? 30_000
      })
      await this.#sequenceSaving
      this.#events.emit('records', result)
    } catch (err) {
      // a drop during the fetch shows as the state; the next connection asks again
      if (!(err instanceof DeviceSessionClosedError)) this.#error(err) // a failed fetch is named; live readings go on
    } finally {
      this.#racpRunning = false
    }
  }
}

/**
 * A session with `device` (from `pairDevice` or `rememberedDevices`). Call `start()`;
 * listen to `reading`, `state`, `battery`, `error`; `close()` when done.
 * @throws {TypeError} for an unknown kind, a device without id, or a glucose session without `sequences`.
 * @example
 * ```ts
 * const session = createDeviceSession({ kind: 'heart-rate' }, { device: await pairDevice('heart-rate') })
 * session.on('reading', (r) => r.samples.forEach((s) => series.append(s.code, s.device, s.t, s.value, s.unit)))
 * await session.start()
 * ```
 */
export function createDeviceSession(init: DeviceSessionInit, components: DeviceSessionComponents): DeviceSession {
  return new Session(init, components)
}
