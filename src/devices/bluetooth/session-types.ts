/**
 * The shapes of a device session: its connection states, readings, events, options and
 * the `DeviceSession` interface (implemented in `./session.ts`).
 */
import type { Observation, Reference } from '../../record/index.ts'
import type { DeviceInformationString, GlucoseMeasurementContext, IntermediateCuffPressure } from '../gatt/index.ts'
import type { DeviceReading, SeriesSample } from '../fhir.ts'
import type { DeviceKind } from './catalogue.ts'
import type { StoredRecordsResult } from './racp.ts'
import type { SequenceStore } from './sequence-store.ts'
import type { BackoffInit, Timers } from './timing.ts'
import type { DeviceLike } from './web-bluetooth.ts'

/** Connection states, one doc line each. */
export const ConnectionStates = {
  /** Connecting, discovering and subscribing. */
  connecting: 'connecting',
  /** Subscribed: readings arrive. */
  connected: 'connected',
  /** The link dropped; the next attempt starts at `at` (in `inMs`). */
  reconnecting: 'reconnecting',
  /** Closed, or given up after `maxReconnectAttempts`. */
  disconnected: 'disconnected'
} as const

/** The connection state a screen shows. */
export type ConnectionState =
  | { readonly state: 'connecting'; readonly attempt: number }
  | { readonly state: 'connected' }
  | { readonly state: 'reconnecting'; readonly attempt: number; readonly inMs: number; readonly at: number }
  | { readonly state: 'disconnected'; readonly reason: 'closed' | 'gave-up' }

/** One reading, fully mapped before it is emitted (nothing half-built is ever emitted). */
export interface SessionReading {
  readonly kind: DeviceKind
  /** The characteristic it came from, e.g. `Heart Rate Measurement`. */
  readonly characteristic: string
  readonly reading: DeviceReading
  readonly receivedAt: number
  /** FHIR Observations to store (none for a reading that is not the patient's). */
  readonly observations: readonly Observation[]
  /** Time-series samples (high-rate kinds only). */
  readonly samples: readonly SeriesSample[]
  /** True for a glucose record fetched through RACP while a fetch was running. */
  readonly stored: boolean
}

/** Device Information Service strings the device offered (DIS 1.1 §3). */
export type DeviceInfo = Partial<Record<DeviceInformationString, string>>

/** Events of a session. */
export interface DeviceSessionEvents {
  reading: SessionReading
  state: ConnectionState
  /** Battery level in percent (Battery Service 1.0). */
  battery: number
  info: DeviceInfo
  'intermediate-cuff': IntermediateCuffPressure
  'glucose-context': GlucoseMeasurementContext
  /** A RACP fetch finished. */
  records: StoredRecordsResult
  /** A named error; the session goes on. */
  error: Error
}

/** Options of a session. */
export interface DeviceSessionInit {
  readonly kind: DeviceKind
  /** IANA zone of the device clock. @default the browser's zone */
  readonly timeZone?: string
  /** @default 20000 */
  readonly connectTimeoutMs?: number
  /** Each discovery, subscribe, read and write. @default 10000 */
  readonly operationTimeoutMs?: number
  /** Longest silence while stored records come in. @default 30000 */
  readonly racpTimeoutMs?: number
  readonly backoff?: BackoffInit
  /** @default Infinity */
  readonly maxReconnectAttempts?: number
  /**
   * Wait for an advertisement (`watchAdvertisements`) before each connect: needed for a
   * device from `rememberedDevices()` after a reload, which Chromium will not connect to
   * ("Bluetooth Device is no longer in range.") until it has been seen advertising. Turned
   * on by itself after such a failure. @default false
   */
  readonly waitForAdvertisement?: boolean
  /** Aborting it closes the session. */
  readonly signal?: AbortSignal
  /** `Observation.subject`. */
  readonly subject?: Reference
}

/** What a session is given. */
export interface DeviceSessionComponents {
  readonly device: DeviceLike
  /** Last glucose sequence number per meter; required for `glucose`. */
  readonly sequences?: SequenceStore
  /** @default the global clock and timers */
  readonly timers?: Timers
  /** @default Math.random */
  readonly random?: () => number
  /** Ids of Observations (glucose records get a stable id instead). @default crypto.randomUUID */
  readonly newId?: () => string
  /** Where listener exceptions go. @default console.warn */
  readonly warn?: (message: string, err: unknown) => void
}

/** A session with one device. */
export interface DeviceSession {
  readonly kind: DeviceKind
  readonly device: DeviceLike
  readonly state: ConnectionState
  readonly battery: number | undefined
  readonly info: DeviceInfo | undefined
  readonly lastReading: SessionReading | undefined
  /** Adds a listener; returns its remover. */
  on<K extends keyof DeviceSessionEvents>(type: K, listener: (value: DeviceSessionEvents[K]) => void): () => void
  /** Makes the first connection attempt; a failure is an `error` event followed by `reconnecting`. */
  start(): Promise<void>
  /** Stops reconnecting, unsubscribes and disconnects. Idempotent. */
  close(): Promise<void>
}
