import { LitElement, css, html, type PropertyValues } from 'lit'
import { ContextProvider } from '@lit/context'
import { msg, updateWhenLocaleChanges } from '@lit/localize'
import { servicesContext, LOCALES, isLocale, rememberLocale, RelayState, type AppServices, type RelayStatusSnapshot } from '../app/index.ts'
import { getLocale, setLocale, LOCALE_NAMES } from './i18n.ts'
import { Route, routeOf, watchRoute, patientScreenOf } from './router.ts'
import './relay-badge.ts'
import './views/home-view.ts'
import './views/patient-view.ts'
import './views/doctor-view.ts'
import './views/caregiver-view.ts'
import './views/emergency-view.ts'
import './views/verify-view.ts'

/** The app shell: header, navigation, language switcher, relay status, and the route's view. */
export class AppShell extends LitElement {
  static override properties = {
    services: { attribute: false },
    route: { state: true },
    path: { state: true },
    relay: { state: true },
    online: { state: true }
  }
  declare services: AppServices | undefined
  declare route: Route
  /** The location's path, for the sub-routes of a route (the patient's screens). */
  declare path: string
  declare relay: RelayStatusSnapshot
  declare online: boolean
  private readonly provider = new ContextProvider(this, { context: servicesContext })
  private cleanups: Array<() => void> = []

  static override styles = css`
    :host {
      display: flex;
      flex-direction: column;
      min-height: 100vh;
    }
    header {
      background: var(--brand);
      color: #fff;
    }
    .bar {
      max-width: 64rem;
      margin: 0 auto;
      padding: 0.5rem 1rem;
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem 1rem;
    }
    .brand {
      font-weight: 700;
      font-size: 1.1rem;
      color: #fff;
      text-decoration: none;
      margin-right: auto;
    }
    nav ul {
      display: flex;
      flex-wrap: wrap;
      gap: 0.25rem;
      list-style: none;
      margin: 0;
      padding: 0;
    }
    nav a {
      display: block;
      color: #fff;
      text-decoration: none;
      padding: 0.5rem 0.75rem;
      border-radius: 8px;
      min-height: 1.5rem;
    }
    nav a[aria-current='page'] {
      background: rgb(255 255 255 / 0.18);
      font-weight: 600;
    }
    label {
      display: inline-flex;
      align-items: center;
      gap: 0.4rem;
      font-size: 0.875rem;
    }
    select {
      font: inherit;
      padding: 0.35rem 0.5rem;
      border-radius: 6px;
      border: 1px solid rgb(255 255 255 / 0.6);
      background: #fff;
      color: var(--text);
    }
    main {
      flex: 1;
      width: 100%;
      max-width: 64rem;
      margin: 0 auto;
      padding: 1.25rem 1rem 2rem;
      box-sizing: border-box;
    }
    footer {
      border-top: 1px solid var(--border);
      background: var(--surface);
    }
    footer .bar {
      justify-content: space-between;
      font-size: 0.875rem;
      color: var(--text-muted);
    }
    a:focus-visible,
    select:focus-visible {
      outline: 3px solid var(--focus);
      outline-offset: 2px;
    }
  `

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.services = undefined
    this.route = routeOf(location.pathname)
    this.path = location.pathname
    this.relay = { state: RelayState.idle }
    this.online = navigator.onLine
  }

  override connectedCallback(): void {
    super.connectedCallback()
    const onNet = (): void => {
      this.online = navigator.onLine
    }
    window.addEventListener('online', onNet)
    window.addEventListener('offline', onNet)
    this.cleanups.push(
      watchRoute(window, (route, path) => {
        this.route = route
        this.path = path
      }),
      () => {
        window.removeEventListener('online', onNet)
        window.removeEventListener('offline', onNet)
      }
    )
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    for (const c of this.cleanups.splice(0)) c()
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('services') && this.services !== undefined) {
      this.provider.setValue(this.services)
      this.cleanups.push(
        this.services.relay.subscribe((s) => {
          this.relay = s
        })
      )
    }
    if (changed.has('route')) document.title = `${this.routeTitle()} · PHR`
  }

  private routeTitle(): string {
    switch (this.route) {
      case Route.home:
        return msg('Welcome')
      case Route.patient:
        return msg('My record')
      case Route.doctor:
        return msg('Doctor')
      case Route.caregiver:
        return msg('Family')
      case Route.emergency:
        return msg('Emergency')
      case Route.verify:
        return msg('Verify a prescription')
      case Route.notFound:
        return msg('Page not found')
    }
  }

  private readonly onLocale = (evt: Event): void => {
    const value = (evt.target as HTMLSelectElement).value
    if (!isLocale(value)) return
    setLocale(value).then(
      () => {
        document.documentElement.lang = value
        rememberLocale(localStorage, value)
      },
      (err: unknown) => console.error('the language could not be loaded:', err)
    )
  }

  private view(): unknown {
    switch (this.route) {
      case Route.home:
        return html`<phr-home-view></phr-home-view>`
      case Route.patient:
        return html`<phr-patient-view .screen=${patientScreenOf(this.path) ?? 'home'}></phr-patient-view>`
      case Route.doctor:
        return html`<phr-doctor-view></phr-doctor-view>`
      case Route.caregiver:
        return html`<phr-caregiver-view></phr-caregiver-view>`
      case Route.emergency:
        return html`<phr-emergency-view></phr-emergency-view>`
      case Route.verify:
        return html`<phr-verify-view></phr-verify-view>`
      case Route.notFound:
        return html`<h1>${msg('Page not found')}</h1>
          <p><a href="/">${msg('Go to the start page')}</a></p>`
    }
  }

  override render(): unknown {
    const link = (route: Route, href: string, label: string): unknown =>
      html`<li><a href=${href} aria-current=${this.route === route ? 'page' : 'false'}>${label}</a></li>`
    const current = getLocale()
    return html`<header>
        <div class="bar">
          <a class="brand" href="/">PHR</a>
          <nav aria-label=${msg('Main')}>
            <ul>
              ${link(Route.patient, '/patient', msg('My record'))} ${link(Route.doctor, '/doctor', msg('Doctor'))} ${link(Route.caregiver, '/caregiver', msg('Family'))}
              ${link(Route.emergency, '/emergency', msg('Emergency'))} ${link(Route.verify, '/verify', msg('Pharmacy'))}
            </ul>
          </nav>
          <label
            >${msg('Language')}
            <select @change=${this.onLocale} data-testid="language">
              ${LOCALES.map((l) => html`<option value=${l} ?selected=${l === current} lang=${l}>${LOCALE_NAMES[l]}</option>`)}
            </select>
          </label>
        </div>
      </header>
      <main id="main">${this.view()}</main>
      <footer>
        <div class="bar">
          <phr-relay-badge .status=${this.relay}></phr-relay-badge>
          <span data-testid="network">${this.online ? msg('Online') : msg('Offline')}</span>
        </div>
      </footer>`
  }
}
customElements.define('phr-app', AppShell)
