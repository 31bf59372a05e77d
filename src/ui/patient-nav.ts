import { LitElement, css, html, svg } from 'lit'
import { msg, updateWhenLocaleChanges } from '@lit/localize'
import { PATIENT_SCREENS, PatientScreen, isPlainClick, patientPath } from './router.ts'

/** A screen's name in the reader's language, as the navigation and the screen's heading say it. */
export function patientScreenName(screen: PatientScreen): string {
  switch (screen) {
    case PatientScreen.home:
      return msg('Home')
    case PatientScreen.timeline:
      return msg('Timeline')
    case PatientScreen.record:
      return msg('Record')
    case PatientScreen.vitals:
      return msg('Vitals')
    case PatientScreen.sharing:
      return msg('Sharing')
    case PatientScreen.devices:
      return msg('Devices')
    case PatientScreen.settings:
      return msg('Settings')
  }
}

/** 24×24 outline icons (decorative: the label names the link). */
const ICONS: Readonly<Record<PatientScreen, ReturnType<typeof svg>>> = {
  home: svg`<path d="M3 11l9-7 9 7v9a1 1 0 0 1-1 1h-5v-6h-6v6H4a1 1 0 0 1-1-1z"/>`,
  timeline: svg`<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 3"/>`,
  record: svg`<path d="M6 3h9l4 4v14H6z"/><path d="M9 12h7M9 16h7M9 8h4"/>`,
  vitals: svg`<path d="M3 12h4l2-5 4 10 2-5h6"/>`,
  sharing: svg`<circle cx="8" cy="9" r="3"/><circle cx="17" cy="9" r="3"/><path d="M2.5 20c.8-3.5 3-5 5.5-5s4.7 1.5 5.5 5M13 15.5c1.2-.4 2.6-.5 4-.5 2.5 0 4.2 1.5 4.8 5"/>`,
  devices: svg`<rect x="7" y="3" width="10" height="18" rx="2"/><path d="M11 18h2"/>`,
  settings: svg`<circle cx="12" cy="12" r="3"/><path d="M12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M4.9 19.1L7 17M17 7l2.1-2.1"/>`
}

/**
 * The patient's screens as links: a tab bar fixed to the bottom of a phone's screen, a row
 * of tabs above the screen from 48rem wide. Plain same-origin links (the router takes them
 * without a page load), `aria-current="page"` on the screen shown, focus outlines for the
 * keyboard.
 *
 * Following a link (a click, or Enter) also fires `screen-chosen` (bubbling, composed; its
 * `detail` is the screen), before the router sees the click: the person chose that screen,
 * so the view may move the focus to it (a screen change for another reason fires nothing).
 */
export class PatientNav extends LitElement {
  static override properties = { current: {} }
  /** The screen shown. */
  declare current: PatientScreen
  static override styles = css`
    :host {
      display: block;
    }
    nav {
      position: fixed;
      left: 0;
      right: 0;
      bottom: 0;
      z-index: 10;
      background: var(--surface, #fff);
      border-top: 1px solid var(--border, #d5dde0);
      box-shadow: 0 -2px 8px rgb(0 0 0 / 0.06);
      padding-bottom: env(safe-area-inset-bottom, 0);
    }
    ul {
      display: grid;
      grid-template-columns: repeat(7, minmax(0, 1fr));
      list-style: none;
      margin: 0;
      padding: 0;
    }
    a {
      display: flex;
      flex-direction: column;
      align-items: center;
      justify-content: center;
      gap: 0.1rem;
      min-height: 3.5rem;
      padding: 0.25rem 0.1rem;
      color: var(--text-muted, #4a5a61);
      text-decoration: none;
      font-size: 0.68rem;
      line-height: 1.15;
      text-align: center;
      overflow-wrap: anywhere;
      hyphens: auto;
    }
    a[aria-current='page'] {
      color: var(--accent, #0d6b82);
      font-weight: 700;
      box-shadow: inset 0 3px 0 var(--accent, #0d6b82);
    }
    a:focus-visible {
      outline: 3px solid var(--focus, #f0a500);
      outline-offset: -3px;
    }
    svg {
      width: 1.4rem;
      height: 1.4rem;
      fill: none;
      stroke: currentColor;
      stroke-width: 1.8;
      stroke-linecap: round;
      stroke-linejoin: round;
      flex: none;
    }
    @media (min-width: 48rem) {
      nav {
        position: static;
        background: none;
        border-top: none;
        border-bottom: 1px solid var(--border, #d5dde0);
        box-shadow: none;
        padding: 0;
        margin: 0 0 1rem;
      }
      ul {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem;
      }
      a {
        flex-direction: row;
        gap: 0.4rem;
        min-height: 2.75rem;
        padding: 0.5rem 0.8rem;
        font-size: 0.95rem;
        border-radius: 8px 8px 0 0;
      }
      a[aria-current='page'] {
        box-shadow: inset 0 -3px 0 var(--accent, #0d6b82);
        background: var(--surface, #fff);
      }
      svg {
        width: 1.15rem;
        height: 1.15rem;
      }
    }
  `

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.current = PatientScreen.home
  }

  /** A link followed in this page: tells the view which screen the person chose. */
  private readonly chosen = (evt: MouseEvent): void => {
    // only the clicks the router takes without a page load (a ctrl-click opens a new tab)
    if (!isPlainClick(evt)) return
    const screen = PATIENT_SCREENS.find((s) => s === (evt.currentTarget as HTMLElement).dataset['screen'])
    if (screen === undefined) return
    this.dispatchEvent(new CustomEvent<PatientScreen>('screen-chosen', { detail: screen, bubbles: true, composed: true }))
  }

  override render(): unknown {
    return html`<nav aria-label=${msg('Your record’s screens')}>
      <ul>
        ${PATIENT_SCREENS.map(
          (s) =>
            html`<li>
              <a href=${patientPath(s)} aria-current=${s === this.current ? 'page' : 'false'} data-screen=${s} @click=${this.chosen}
                ><svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">${ICONS[s]}</svg><span>${patientScreenName(s)}</span></a
              >
            </li>`
        )}
      </ul>
    </nav>`
  }
}
customElements.define('phr-patient-nav', PatientNav)
