/**
 * System notifications of telemonitoring alerts (issue 8 §4: "a system notification where
 * permitted"), through the Notification API of the browser, behind a function the services
 * are given, so that Node (tests, benchmarks) and a browser that refused do nothing.
 */
/** A system notification to show. */
export interface AlertNotification {
  readonly title: string
  readonly body: string
  /** The alert id: a notification with the same tag replaces the earlier one. */
  readonly tag: string
}

/** The part of a browser's global scope the notification helpers use (absent in Node). */
export interface NotificationScope {
  readonly Notification?: {
    readonly permission: string
    requestPermission?: () => Promise<string>
    new (title: string, options?: { body?: string; tag?: string }): unknown
  }
}

/**
 * A `notify` that shows a system notification through the Notification API when the user
 * has granted it, and does nothing otherwise (no API, denied, not asked; in Node).
 * @example createTelemonitor({ visit, notify: systemNotifier(globalThis) })
 */
export function systemNotifier(scope: NotificationScope): (n: AlertNotification) => void {
  return (n) => {
    const N = scope.Notification
    if (N === undefined || N.permission !== 'granted') return
    new N(n.title, { body: n.body, tag: n.tag })
  }
}

/**
 * Asks the user to allow system notifications of alerts. Call it from a user's click
 * (browsers ignore a request made without one). Resolves with the permission
 * (`granted`, `denied`, `default`), or `unsupported` without the API.
 * @example button.onclick = async () => (state = await requestAlertNotifications(globalThis))
 */
export async function requestAlertNotifications(scope: NotificationScope): Promise<string> {
  const N = scope.Notification
  if (N === undefined) return 'unsupported'
  if (N.permission !== 'default' || N.requestPermission === undefined) return N.permission
  return N.requestPermission()
}
