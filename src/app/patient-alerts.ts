/**
 * Telemonitoring on the patient's devices (issue 8 §4: an alert shows "on every device
 * entitled to it"): one observing `Telemonitor` per visit compartment of the open record,
 * each over the record's own vitals. A doctor's thresholds and alerts live in the visit
 * compartment of their grant, which the patient's devices hold the key of and sync, so a
 * new alert raised on the doctor's device arrives here, is emitted, and is shown as a
 * system notification where the user allowed it.
 */
import type { CompartmentKind } from '../record/index.ts'
import { createTelemonitor, type Telemonitor, type TelemonitorAlert } from './telemonitor.ts'
import type { AlertNotification } from './alert-notifications.ts'
import type { RecordSession } from './record-session.ts'

/** An alert (a threshold crossed, or a finding's), with the grant whose visit compartment holds it. */
export type PatientAlert = TelemonitorAlert & {
  /** The grant's id (hex), from the compartment kind `visit:<grantId>`. */
  readonly grantId: string
}

/** The patient's view of every grant's telemonitoring. */
export interface PatientAlerts {
  /** Starts an observer for each visit compartment bound now. */
  start(): void
  stop(): void
  /** Follows a visit compartment bound later (a new grant); other kinds are ignored. */
  track(kind: CompartmentKind): void
  /** The observer of each grant, by grant id. */
  monitors(): ReadonlyMap<string, Telemonitor>
  /** Every grant's alerts, newest first. */
  alerts(): PatientAlert[]
  /** Calls `listener` with each alert seen for the first time. */
  onAlert(listener: (a: PatientAlert) => void): () => void
  /** Calls `listener` when anything shown may have changed (a reading, thresholds, an alert). */
  subscribe(listener: () => void): () => void
}

/** What it is given. */
export interface PatientAlertsComponents {
  readonly session: RecordSession
  /** System notifications (`systemNotifier(globalThis)`). @default none */
  readonly notify?: (n: AlertNotification) => void
  /** @default Date.now */
  readonly clock?: () => number
}

/**
 * Creates the patient's alerts service; nothing is read until `start()`.
 * @example const alerts = createPatientAlerts({ session, notify: systemNotifier(globalThis) }); alerts.start(); consent.onCompartment((hex) => alerts.track(kindOf(hex)))
 */
export function createPatientAlerts(components: PatientAlertsComponents): PatientAlerts {
  const { session } = components
  const monitors = new Map<string, Telemonitor>()
  const alertListeners = new Set<(a: PatientAlert) => void>()
  const listeners = new Set<() => void>()
  let running = false
  const changed = (): void => {
    for (const l of [...listeners]) l()
  }

  function track(kind: CompartmentKind): void {
    if (!running || !kind.startsWith('visit:')) return
    const grantId = kind.slice('visit:'.length)
    const visit = session.compartments.get(kind)
    if (visit === undefined || monitors.has(grantId)) return
    const vitals = session.compartments.get('vitals')
    const tm = createTelemonitor(
      {
        visit: visit.compartment,
        ...(vitals === undefined ? {} : { vitals: vitals.compartment }),
        ...(components.notify === undefined ? {} : { notify: components.notify }),
        ...(components.clock === undefined ? {} : { clock: components.clock })
      },
      { role: 'observer' }
    )
    tm.on('alert', (a) => {
      for (const l of [...alertListeners]) l({ ...a, grantId })
      changed()
    })
    tm.on('reading', changed)
    tm.on('change', changed)
    monitors.set(grantId, tm)
    tm.start()
  }

  return {
    start() {
      if (running) return
      running = true
      for (const kind of session.compartments.keys()) track(kind)
    },
    stop() {
      running = false
      for (const tm of monitors.values()) tm.stop()
      monitors.clear()
    },
    track,
    monitors: () => monitors,
    alerts() {
      return [...monitors].flatMap(([grantId, tm]) => tm.alerts().map((a) => ({ ...a, grantId }))).sort((a, b) => b.at - a.at || a.id.localeCompare(b.id))
    },
    onAlert(listener) {
      alertListeners.add(listener)
      return () => alertListeners.delete(listener)
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
}
