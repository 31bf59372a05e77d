import { LitElement, css, html, nothing } from 'lit'
import { repeat } from 'lit/directives/repeat.js'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { createTimeline, type OpenRecord, type Timeline, type TimelineEntry } from '../app/index.ts'
import { getLocale } from './i18n.ts'
import { formStyles, viewStyles } from './styles.ts'

/** Height of one row, px: fixed, so that the position of entry i is i × ROW without measuring. */
export const TIMELINE_ROW_PX = 60
/** Rows rendered above and below the visible ones, so a fast scroll rarely shows a gap. */
const OVERSCAN = 6
/** Assumed height of the list before it was first measured, px. */
const FIRST_HEIGHT = 560
/** Wait after typing before the search starts, ms. */
const TYPE_DELAY_MS = 150

/** The words for a resource type in the type filter and on each row. */
export function typeLabel(type: string): string {
  switch (type) {
    case 'Observation':
      return msg('Reading or result')
    case 'Condition':
      return msg('Condition')
    case 'AllergyIntolerance':
      return msg('Allergy')
    case 'MedicationStatement':
      return msg('Medication')
    case 'MedicationRequest':
      return msg('Prescription')
    case 'Immunization':
      return msg('Immunization')
    case 'Procedure':
      return msg('Procedure')
    case 'DiagnosticReport':
      return msg('Lab report')
    case 'Encounter':
      return msg('Visit')
    case 'Composition':
      return msg('Visit note')
    case 'DocumentReference':
      return msg('Document')
    case 'DetectedIssue':
      return msg('Alert')
    case 'Patient':
      return msg('Patient')
    case 'Practitioner':
      return msg('Doctor')
    case 'Organization':
      return msg('Organization')
    case 'Device':
      return msg('Device')
    default:
      return type
  }
}

/**
 * The timeline of the record: every entry, newest first, virtualized (only the rows in
 * view are in the page), with a type filter and a search. Keyboard: arrows, Page Up/Down,
 * Home/End move between entries.
 */
export class TimelineView extends LitElement {
  static override properties = {
    record: { attribute: false },
    timeline: { attribute: false },
    scrollTop: { state: true },
    viewHeight: { state: true },
    active: { state: true },
    revision: { state: true }
  }
  /** The open record; the view makes and owns its timeline. */
  declare record: OpenRecord | undefined
  /** A timeline given directly (not owned: the giver closes it). */
  declare timeline: Timeline | undefined
  declare scrollTop: number
  declare viewHeight: number
  declare active: number
  declare revision: number
  private owned: Timeline | undefined
  private offs: Array<() => void> = []
  private recordOff: (() => void) | undefined
  private followed: Timeline | undefined
  private typeTimer: ReturnType<typeof setTimeout> | undefined
  private frame: number | undefined
  private resize: ResizeObserver | undefined
  private focusAfterRender = false
  private format: Intl.DateTimeFormat | undefined
  private formatLocale = ''

  static override styles = [
    viewStyles,
    formStyles,
    css`
      .controls {
        display: flex;
        flex-wrap: wrap;
        gap: 0 1rem;
        align-items: flex-end;
      }
      .controls > div {
        flex: 1 1 12rem;
        min-width: 0;
      }
      select {
        font: inherit;
        width: 100%;
        min-height: 44px;
        padding: 0.4rem;
        border: 1px solid var(--border);
        border-radius: 8px;
        background: #fff;
        color: var(--text);
      }
      input {
        max-width: none;
      }
      .count {
        margin: 0.5rem 0;
      }
      .scroller {
        position: relative;
        height: min(70vh, 36rem);
        overflow-y: auto;
        overscroll-behavior: contain;
        border: 1px solid var(--border);
        border-radius: 8px;
        contain: strict;
      }
      .spacer {
        position: relative;
        width: 100%;
      }
      article {
        position: absolute;
        left: 0;
        right: 0;
        top: 0;
        height: ${TIMELINE_ROW_PX}px;
        box-sizing: border-box;
        padding: 0.4rem 0.75rem;
        border-bottom: 1px solid var(--border);
        overflow: hidden;
        line-height: 1.3;
      }
      article:focus {
        outline: none;
      }
      article:focus-visible {
        outline: 3px solid var(--focus-on-light);
        outline-offset: -3px;
        background: var(--surface);
      }
      .line {
        display: block;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .meta {
        color: var(--text-muted);
        font-size: 0.875rem;
      }
      .meta > * + *::before {
        content: ' · ';
      }
      .detail {
        color: var(--text-muted);
      }
      .withdrawn .title {
        text-decoration: line-through;
      }
      .badge {
        font-size: 0.8rem;
        padding: 0 0.4rem;
        border-radius: 999px;
        background: #fde8e8;
        color: #8a1c1c;
      }
      .meta > .badge::before {
        content: '';
      }
      .warn {
        color: var(--warn);
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.timeline = undefined
    this.scrollTop = 0
    this.viewHeight = FIRST_HEIGHT
    this.active = 0
    this.revision = 0
  }

  /** The timeline shown: the given one, else the one made for `record`. */
  private get model(): Timeline | undefined {
    return this.timeline ?? this.owned
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('record')) {
      this.owned?.close()
      this.owned = undefined
      this.recordOff?.()
      this.recordOff = undefined
      const r = this.record
      if (r !== undefined && this.timeline === undefined) {
        const t = createTimeline({ compartments: () => [...r.session.compartments].map(([kind, c]) => [kind, c.compartment] as const) })
        this.owned = t
        // a visit compartment arrives when a grant is made or synced: read the compartments again
        this.recordOff = r.consent.onCompartment(() => t.refresh())
      }
    }
    const m = this.model
    if (m !== this.followed) {
      for (const off of this.offs.splice(0)) off()
      this.followed = m
      if (m !== undefined) {
        this.offs.push(
          m.subscribe(() => {
            this.revision++
          })
        )
      }
    }
    // keep the focused entry among those shown (a filter or a change may have shortened the list)
    if (m !== undefined) {
      const shown = m.state().shown
      if (this.active >= shown) this.active = Math.max(0, shown - 1)
    }
  }

  override connectedCallback(): void {
    super.connectedCallback()
    // put back in the page after being taken out: make the record's timeline again
    if (this.record !== undefined && this.owned === undefined && this.timeline === undefined) this.requestUpdate('record', undefined)
    this.resize = new ResizeObserver(() => {
      const h = this.scroller?.clientHeight
      if (h !== undefined && h > 0 && h !== this.viewHeight) this.viewHeight = h
    })
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    for (const off of this.offs.splice(0)) off()
    this.followed = undefined
    this.owned?.close()
    this.owned = undefined
    this.recordOff?.()
    this.recordOff = undefined
    this.resize?.disconnect()
    if (this.typeTimer !== undefined) clearTimeout(this.typeTimer)
    if (this.frame !== undefined) cancelAnimationFrame(this.frame)
  }

  private get scroller(): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>('.scroller')
  }

  override updated(): void {
    const s = this.scroller
    if (s !== null) {
      this.resize?.observe(s)
      if (Math.abs(s.scrollTop - this.scrollTop) > 1) s.scrollTop = this.scrollTop
    }
    if (this.focusAfterRender) {
      this.focusAfterRender = false
      this.renderRoot.querySelector<HTMLElement>(`article[data-index="${this.active}"]`)?.focus({ preventScroll: true })
    }
  }

  private readonly onScroll = (): void => {
    if (this.frame !== undefined) return
    // one render per frame, however many scroll events came
    this.frame = requestAnimationFrame(() => {
      this.frame = undefined
      const s = this.scroller
      if (s !== null) this.scrollTop = s.scrollTop
    })
  }

  /** Moves the keyboard focus to entry `index`, scrolling it into view. */
  private moveTo(index: number): void {
    const shown = this.model?.state().shown ?? 0
    if (shown === 0) return
    const i = Math.max(0, Math.min(shown - 1, index))
    this.active = i
    const top = i * TIMELINE_ROW_PX
    if (top < this.scrollTop) this.scrollTop = top
    else if (top + TIMELINE_ROW_PX > this.scrollTop + this.viewHeight) this.scrollTop = top + TIMELINE_ROW_PX - this.viewHeight
    this.focusAfterRender = true
    this.requestUpdate()
  }

  private readonly onKey = (e: KeyboardEvent): void => {
    const page = Math.max(1, Math.floor(this.viewHeight / TIMELINE_ROW_PX) - 1)
    const moves: Record<string, number | undefined> = {
      ArrowDown: this.active + 1,
      ArrowUp: this.active - 1,
      PageDown: this.active + page,
      PageUp: this.active - page,
      Home: 0,
      End: Number.MAX_SAFE_INTEGER
    }
    const to = moves[e.key]
    if (to === undefined) return
    e.preventDefault()
    this.moveTo(to)
  }

  private readonly onFocusIn = (e: FocusEvent): void => {
    const row = (e.target as HTMLElement).closest?.('article')
    const i = Number(row?.dataset['index'])
    if (row !== null && row !== undefined && Number.isInteger(i)) this.active = i
  }

  private readonly onType = (e: Event): void => {
    const m = this.model
    const v = (e.target as HTMLSelectElement).value
    if (m === undefined) return
    m.setFilter({ ...m.filter(), types: v === '' ? [] : [v] })
    this.toTop()
  }

  private readonly onSearch = (e: Event): void => {
    const text = (e.target as HTMLInputElement).value
    if (this.typeTimer !== undefined) clearTimeout(this.typeTimer)
    this.typeTimer = setTimeout(() => {
      this.typeTimer = undefined
      const m = this.model
      if (m === undefined) return
      m.setFilter({ ...m.filter(), text })
      this.toTop()
    }, TYPE_DELAY_MS)
  }

  private readonly showAll = (): void => {
    this.model?.setFilter({})
    const input = this.renderRoot.querySelector<HTMLInputElement>('#tl-q')
    if (input !== null) input.value = ''
    this.toTop()
  }

  private toTop(): void {
    this.active = 0
    this.scrollTop = 0
  }

  private date(ms: number | undefined): string {
    if (ms === undefined) return msg('No date')
    const locale = getLocale()
    if (this.format === undefined || this.formatLocale !== locale) {
      this.format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' })
      this.formatLocale = locale
    }
    return this.format.format(ms)
  }

  private row(e: TimelineEntry, index: number, size: number): unknown {
    const title = e.readable ? e.title : msg('This entry could not be read')
    const author = e.author === undefined ? nothing : html`<span>${msg(str`by ${e.author}`)}</span>`
    return html`<article
      class=${e.withdrawn ? 'withdrawn' : ''}
      data-index=${index}
      data-key=${e.key}
      tabindex=${index === this.active ? 0 : -1}
      aria-posinset=${index + 1}
      aria-setsize=${size}
      aria-label=${`${this.date(e.date)}, ${typeLabel(e.type)}: ${title}${e.withdrawn ? `, ${msg('withdrawn: entered in error')}` : ''}`}
      style=${`transform:translateY(${index * TIMELINE_ROW_PX}px)`}
    >
      <span class="line meta"
        ><time datetime=${e.date === undefined ? nothing : new Date(e.date).toISOString()}>${this.date(e.date)}</time><span>${typeLabel(e.type)}</span>${author}${e.withdrawn
          ? html`<span class="badge">${msg('Withdrawn: entered in error')}</span>`
          : nothing}</span
      >
      <span class="line"><strong class="title">${title}</strong>${e.detail === '' ? nothing : html` <span class="detail">— ${e.detail}</span>`}</span>
    </article>`
  }

  private list(m: Timeline, shown: number, searching: boolean): unknown {
    const first = Math.max(0, Math.floor(this.scrollTop / TIMELINE_ROW_PX) - OVERSCAN)
    const last = Math.min(shown, Math.ceil((this.scrollTop + this.viewHeight) / TIMELINE_ROW_PX) + OVERSCAN)
    const indexes: number[] = []
    // the entry holding the keyboard focus stays in the page even when scrolled away
    if (this.active < first && this.active < shown) indexes.push(this.active)
    for (let i = first; i < last; i++) indexes.push(i)
    if (this.active >= last && this.active < shown) indexes.push(this.active)
    // while a search runs the final number is not known yet (ARIA: -1)
    const size = searching ? -1 : shown
    return html`<div class="scroller" role="feed" aria-labelledby="tl-h" aria-busy=${searching ? 'true' : 'false'} @scroll=${this.onScroll} @keydown=${this.onKey} @focusin=${this.onFocusIn}>
      <div class="spacer" role="none" style=${`height:${shown * TIMELINE_ROW_PX}px`}>
        ${repeat(
          indexes,
          (i) => i,
          (i) => {
            const e = m.at(i)
            return e === undefined ? nothing : this.row(e, i, size)
          }
        )}
      </div>
    </div>`
  }

  override render(): unknown {
    const m = this.model
    if (m === undefined) return nothing
    const st = m.state()
    const filter = m.filter()
    const type = filter.types?.[0] ?? ''
    const filtered = type !== '' || (filter.text ?? '').trim() !== ''
    let body: unknown
    if (st.total === 0) {
      body = html`<div class="card empty">
        <p>${msg('Nothing is in this record yet.')}</p>
        <p>${msg('Add an allergy above, connect a device, or share the record with your doctor for a visit: everything added appears here, newest first.')}</p>
      </div>`
    } else if (st.shown === 0 && !st.searching) {
      body = html`<div class="card empty">
        <p>${msg('No entry matches. Check the spelling, try fewer words, or show every entry.')}</p>
        <button type="button" class="secondary" @click=${this.showAll}>${msg('Show every entry')}</button>
      </div>`
    } else {
      body = html`${this.list(m, st.shown, st.searching)}
        <p class="hint">${msg('Use the arrow keys, Page Up, Page Down, Home and End to move through the entries.')}</p>`
    }
    const status = st.searching
      ? msg(str`Searching… ${Math.round(st.progress * 100)}% read, ${st.shown} found`)
      : filtered
        ? msg(str`${st.shown} of ${st.total} entries`)
        : msg(str`${st.total} entries, newest first`)
    return html`<section class="card" aria-labelledby="tl-h">
      <h2 id="tl-h">${msg('Timeline')}</h2>
      <div class="controls">
        <div>
          <label for="tl-type">${msg('Show')}</label>
          <select id="tl-type" @change=${this.onType}>
            <option value="">${msg('Every entry')}</option>
            ${m.types().map((t) => html`<option value=${t.type} ?selected=${t.type === type}>${msg(str`${typeLabel(t.type)} (${t.count})`)}</option>`)}
          </select>
        </div>
        <div>
          <label for="tl-q">${msg('Search the record')}</label>
          <input id="tl-q" type="search" autocomplete="off" maxlength="200" @input=${this.onSearch} />
        </div>
      </div>
      ${st.complete ? nothing : html`<p class="warn">${msg('Not all of the record has arrived yet: entries may be missing.')}</p>`}
      <p class="count" role="status">${status}</p>
      ${body}
    </section>`
  }
}
customElements.define('phr-timeline', TimelineView)
