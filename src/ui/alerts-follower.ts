import type { ReactiveController, ReactiveControllerHost } from 'lit'
import { msg, str } from '@lit/localize'
import type { PatientAlert, PatientAlerts } from '../app/index.ts'
import { alertText } from './vital-names.ts'

/** A component that shows a record's alerts: `alerts` is the service; `list` and `announce` are what it renders. */
export interface AlertsHost extends ReactiveControllerHost {
  alerts: PatientAlerts | undefined
  list: PatientAlert[]
  announce: string
  readonly isConnected: boolean
}

/**
 * Keeps `host.list` up to date with `host.alerts` (every grant's alerts, newest first) and
 * puts each new alert in `host.announce`, for the host's live region to read out once. It
 * follows another service when `host.alerts` changes, and lets go when the host leaves the
 * page.
 */
export class AlertsFollower implements ReactiveController {
  readonly #host: AlertsHost
  #followed: PatientAlerts | undefined
  readonly #stop: Array<() => void> = []

  constructor(host: AlertsHost) {
    this.#host = host
    host.addController(this)
  }

  hostConnected(): void {
    this.#follow()
  }

  hostUpdate(): void {
    this.#follow()
  }

  hostDisconnected(): void {
    for (const s of this.#stop.splice(0)) s()
    this.#followed = undefined
  }

  #follow(): void {
    const host = this.#host
    if (host.alerts === this.#followed || !host.isConnected) return
    for (const s of this.#stop.splice(0)) s()
    this.#followed = host.alerts
    const a = host.alerts
    if (a === undefined) return
    host.list = a.alerts()
    this.#stop.push(
      a.subscribe(() => (host.list = a.alerts())),
      a.onAlert((x) => {
        host.list = a.alerts()
        host.announce = msg(str`New alert: ${alertText(x)}`)
      })
    )
  }
}
