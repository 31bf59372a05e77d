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

/** The route a path shows. */
export function routeOf(pathname: string): Route {
  const first = pathname.split('/')[1] ?? ''
  switch (first) {
    case '':
      return Route.home
    case 'patient':
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
 * Calls `onChange` whenever the route changes: on back/forward, and on clicks on
 * same-origin links (handled without a page load).
 */
export function watchRoute(win: Window, onChange: (route: Route) => void): () => void {
  const emit = (): void => onChange(routeOf(win.location.pathname))
  const onClick = (evt: MouseEvent): void => {
    if (evt.defaultPrevented || evt.button !== 0 || evt.metaKey || evt.ctrlKey || evt.shiftKey || evt.altKey) return
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
