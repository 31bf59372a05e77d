/** The app's routes. */
export const Route = {
  /** Choose who you are. */
  home: 'home',
  /** The patient's own record. */
  patient: 'patient',
  /** A practitioner's patients. */
  doctor: 'doctor',
  /** A family member's view of the people who share with them (caregiver). */
  caregiver: 'caregiver',
  /** The critical summary from an emergency QR; works offline. */
  emergency: 'emergency',
  /** A pharmacy checks a prescription, offline. */
  verify: 'verify',
  /** Anything else. */
  notFound: 'not-found'
} as const
export type Route = (typeof Route)[keyof typeof Route]

/** The screens of the patient's app, each at `/patient/<screen>` (home at `/patient`). */
export const PatientScreen = {
  /** Emergency card, latest vitals with trend, alerts, who has access now. */
  home: 'home',
  /** Everything that happened, newest first. */
  timeline: 'timeline',
  /** The record's sections, to read and edit. */
  record: 'record',
  /** Charts, readings typed in, Bluetooth devices. */
  vitals: 'vitals',
  /** Visits, people with access, access history, prescriptions, links, emergency QR. */
  sharing: 'sharing',
  /** This person's other devices and sync. */
  devices: 'devices',
  /** Backup, import and export, handing a record over. */
  settings: 'settings'
} as const
export type PatientScreen = (typeof PatientScreen)[keyof typeof PatientScreen]
/** The patient's screens in navigation order. */
export const PATIENT_SCREENS: readonly PatientScreen[] = Object.values(PatientScreen)

/**
 * The sub-route of `route` that `pathname` shows: the second path segment, one of
 * `screens`; `home` for the route itself (`/patient`, `/patient/`); undefined for a path of
 * another route or a sub-path that is not one of `screens`.
 * @example subRouteOf('/patient/vitals', 'patient', PATIENT_SCREENS, 'home') // 'vitals'
 */
export function subRouteOf<T extends string>(pathname: string, route: Route, screens: readonly T[], home: T): T | undefined {
  const parts = pathname.split('/')
  if (parts[1] !== route) return undefined
  const rest = parts.slice(2)
  if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) return home
  // one more segment, optionally with a trailing slash
  if (rest.length > 2 || (rest.length === 2 && rest[1] !== '')) return undefined
  return screens.find((s) => s === rest[0] && s !== home)
}

/** The patient's screen that `pathname` shows, or undefined (not a patient path, or no such screen). */
export function patientScreenOf(pathname: string): PatientScreen | undefined {
  return subRouteOf(pathname, Route.patient, PATIENT_SCREENS, PatientScreen.home)
}

/** The path of a patient's screen: `/patient` for home, else `/patient/<screen>`. */
export function patientPath(screen: PatientScreen): string {
  return screen === PatientScreen.home ? '/patient' : `/patient/${screen}`
}

/** The route a path shows. */
export function routeOf(pathname: string): Route {
  const first = pathname.split('/')[1] ?? ''
  switch (first) {
    case '':
      return Route.home
    case 'patient':
      // an unknown screen of the patient's app is not found, rather than silently home
      return patientScreenOf(pathname) === undefined ? Route.notFound : Route.patient
    case 'doctor':
    case 'caregiver':
    case 'emergency':
    case 'verify':
      return first
    default:
      return Route.notFound
  }
}

/**
 * A click that follows a link in this page (`watchRoute` takes it without a page load): the
 * main button, or Enter on a link, with no modifier key (those open a new tab or window) and
 * not already handled.
 */
export function isPlainClick(evt: MouseEvent): boolean {
  return !evt.defaultPrevented && evt.button === 0 && !evt.metaKey && !evt.ctrlKey && !evt.shiftKey && !evt.altKey
}

/**
 * Calls `onChange` whenever the route changes: on back/forward, and on clicks on
 * same-origin links (handled without a page load). It is also given the path, for the
 * sub-routes of a route (`patientScreenOf`).
 */
export function watchRoute(win: Window, onChange: (route: Route, pathname: string) => void): () => void {
  const emit = (): void => onChange(routeOf(win.location.pathname), win.location.pathname)
  const onClick = (evt: MouseEvent): void => {
    if (!isPlainClick(evt)) return
    const anchor = evt.composedPath().find((n): n is HTMLAnchorElement => n instanceof HTMLAnchorElement)
    if (anchor === undefined || anchor.target !== '' || anchor.hasAttribute('download')) return
    const url = new URL(anchor.href)
    if (url.origin !== win.location.origin) return
    evt.preventDefault()
    if (url.pathname !== win.location.pathname || url.hash !== win.location.hash) win.history.pushState(null, '', url)
    emit()
  }
  win.addEventListener('popstate', emit)
  win.addEventListener('click', onClick)
  return () => {
    win.removeEventListener('popstate', emit)
    win.removeEventListener('click', onClick)
  }
}
