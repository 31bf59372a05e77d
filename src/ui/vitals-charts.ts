import { LitElement, css, html, nothing, unsafeCSS } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import uPlot from 'uplot'
import { MEASURES, RecordFormError, type ChartData, type FieldProblem, type MeasureDef, type RecordEdits, type VitalMeasure } from '../app/index.ts'
import { formStyles, viewStyles } from './styles.ts'
import { num, quantityName, unitText, when } from './vital-names.ts'
import { problemText } from './record-forms-text.ts'
import { textField } from './forms.ts'

const DAY = 86_400_000
const MONTH = { id: '1m', ms: 30 * DAY }
/** The range buttons: ten years down to one day. */
const RANGES: readonly { id: string; ms: number }[] = [
  { id: '10y', ms: 3652 * DAY },
  { id: '1y', ms: 365 * DAY },
  { id: '3m', ms: 91 * DAY },
  MONTH,
  { id: '1w', ms: 7 * DAY },
  { id: '1d', ms: DAY }
]
const MIN_SPAN = 60_000
const COLORS = ['#1f5fbf', '#b4461f']

/** uPlot's layout rules (dist/uPlot.min.css, the part used): the chart lives in a shadow root. */
const UPLOT_CSS = unsafeCSS(`
.uplot, .uplot *, .uplot *::before, .uplot *::after { box-sizing: border-box; }
.uplot { line-height: 1.5; width: min-content; }
.u-wrap { position: relative; user-select: none; }
.u-over, .u-under { position: absolute; }
.u-under { overflow: hidden; }
.uplot canvas { display: block; position: relative; width: 100%; height: 100%; }
.u-axis { position: absolute; }
.u-select { background: rgba(31,95,191,0.15); position: absolute; pointer-events: none; }
.u-cursor-x, .u-cursor-y { position: absolute; left: 0; top: 0; pointer-events: none; will-change: transform; }
.u-hz .u-cursor-x, .u-vt .u-cursor-y { height: 100%; border-right: 1px dashed #607D8B; }
.u-hz .u-cursor-y, .u-vt .u-cursor-x { width: 100%; border-bottom: 1px dashed #607D8B; }
.u-cursor-pt { position: absolute; top: 0; left: 0; border-radius: 50%; border: 0 solid; pointer-events: none; will-change: transform; background-clip: padding-box !important; }
.u-axis.u-off, .u-select.u-off, .u-cursor-x.u-off, .u-cursor-y.u-off, .u-cursor-pt.u-off { display: none; }
`)

function measureName(m: VitalMeasure): string {
  switch (m) {
    case 'heart-rate':
      return msg('Heart rate')
    case 'blood-pressure':
      return msg('Blood pressure')
    case 'glucose':
      return msg('Blood glucose')
    case 'spo2':
      return msg('Oxygen saturation (SpO2)')
    case 'temperature':
      return msg('Body temperature')
    case 'weight':
      return msg('Body weight')
    case 'steps':
      return msg('Steps')
  }
}
const lineName = (def: MeasureDef, i: number): string => (def.lines.length === 1 ? measureName(def.id) : quantityName(def.lines[i]?.code ?? ''))
const unitOf = (def: MeasureDef): string => (def.unit === '{steps}' ? msg('steps') : unitText(def.unit))

function rangeName(id: string): string {
  const names: Record<string, () => string> = {
    '10y': () => msg('10 years'),
    '1y': () => msg('1 year'),
    '3m': () => msg('3 months'),
    '1m': () => msg('1 month'),
    '1w': () => msg('1 week'),
    '1d': () => msg('1 day')
  }
  return names[id]?.() ?? id
}

/** `YYYY-MM-DDTHH:MM` of local time, for a datetime-local field. */
const localInput = (t: number): string => {
  const d = new Date(t - new Date(t).getTimezoneOffset() * 60_000)
  return d.toISOString().slice(0, 16)
}

/**
 * The patient's vitals: one uPlot chart per measure (heart rate, blood pressure, glucose,
 * SpO2, temperature, weight, steps) over a range from ten years to one day — range buttons,
 * and dragging across the chart zooms into that span — with the unit on the axis and the
 * usual range shaded. The points are downsampled to the chart's width (min and max per
 * pixel column), so five million samples draw as fast as five hundred. A text summary says
 * the same for screen readers. Below, a reading can be typed in by hand.
 */
export class VitalsCharts extends LitElement {
  static override properties = {
    edits: { attribute: false },
    now: { type: Number },
    measure: { state: true },
    range: { state: true },
    data: { state: true },
    loading: { state: true },
    problems: { state: true },
    status: { state: true }
  }
  static override styles = [
    viewStyles,
    formStyles,
    UPLOT_CSS,
    css`
      .tabs,
      .ranges {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem;
        margin: 0.5rem 0;
      }
      .tabs button,
      .ranges button {
        padding: 0.4rem 0.75rem;
      }
      button[aria-pressed='false'] {
        background: var(--surface);
        color: var(--accent);
      }
      .plot {
        width: 100%;
        min-height: 240px;
        overflow: hidden;
      }
      .legend {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1rem;
        font-size: 0.9rem;
        color: var(--text-muted);
      }
      .swatch {
        display: inline-block;
        width: 1rem;
        height: 0.6rem;
        border-radius: 2px;
        margin-right: 0.3rem;
        vertical-align: middle;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0 1rem;
      }
      .row > div {
        flex: 1 1 9rem;
        min-width: 0;
      }
      select {
        font: inherit;
        min-height: 44px;
        padding: 0.4rem;
        border: 1px solid var(--border);
        border-radius: 8px;
        background: #fff;
        max-width: 100%;
      }
      .field-error {
        color: #9b1c1c;
        margin: 0.25rem 0 0;
        font-size: 0.9rem;
      }
    `
  ]
  declare edits: RecordEdits | undefined
  /** The end of the ranges (epoch ms). @default the time the chart is shown */
  declare now: number
  declare measure: VitalMeasure
  declare range: { from: number; to: number; id: string | undefined }
  declare data: ChartData | undefined
  declare loading: boolean
  declare problems: readonly FieldProblem[]
  declare status: string
  /** The measure picked in the manual entry form. */
  private entryMeasure: VitalMeasure = 'blood-pressure'
  /** The range was moved to end at the latest reading (nothing in the one ending now). */
  private movedToLatest = false
  private plot: uPlot | undefined
  private resize: ResizeObserver | undefined
  private abort: AbortController | undefined
  private offChange: (() => void) | undefined
  private changeTimer: ReturnType<typeof setTimeout> | undefined

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.edits = undefined
    this.now = Date.now()
    this.measure = 'heart-rate'
    this.range = { from: this.now - 30 * DAY, to: this.now, id: '1m' }
    this.data = undefined
    this.loading = false
    this.problems = []
    this.status = ''
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.abort?.abort()
    this.resize?.disconnect()
    this.resize = undefined
    this.plot?.destroy()
    this.plot = undefined
    this.offChange?.()
    this.offChange = undefined
    clearTimeout(this.changeTimer)
  }

  override willUpdate(changed: Map<string, unknown>): void {
    // another measure: the points of the last one are not its own (nor, maybe, its number of lines)
    if (changed.has('measure') && changed.get('measure') !== undefined) this.data = undefined
    // …and its range ends now again (its own readings may be recent)
    if (changed.has('measure') && this.movedToLatest) {
      this.movedToLatest = false
      this.now = Date.now()
      this.range = this.rangeEnding(this.range.id ?? '1m')
    }
    if (changed.has('now')) this.range = this.rangeEnding(this.range.id ?? '1m')
    if (changed.has('edits')) {
      this.offChange?.()
      // a reading from a device or another device of the person: redraw, at most twice a second
      this.offChange = this.edits?.onChange(() => {
        clearTimeout(this.changeTimer)
        this.changeTimer = setTimeout(() => void this.load(), 500)
      }, ['vitals'])
    }
    if (changed.has('edits') || changed.has('measure') || changed.has('range') || changed.has('now')) void this.load()
  }

  private rangeEnding(id: string): { from: number; to: number; id: string } {
    const r = RANGES.find((x) => x.id === id) ?? MONTH
    return { from: this.now - r.ms, to: this.now, id: r.id }
  }

  private width(): number {
    const host = this.renderRoot.querySelector<HTMLElement>('.plot')
    return Math.max(200, Math.floor(host?.getBoundingClientRect().width ?? 600))
  }

  private async load(): Promise<void> {
    const edits = this.edits
    if (edits === undefined) return
    this.abort?.abort()
    const abort = new AbortController()
    this.abort = abort
    this.loading = true
    await this.updateComplete
    try {
      const data = await edits.chart(this.measure, {
        from: this.range.from,
        to: this.range.to,
        buckets: this.width(),
        signal: abort.signal,
        // yield to the page between windows of a long series
        between: () => new Promise((resolve) => setTimeout(resolve, 0))
      })
      if (abort.signal.aborted) return
      this.data = data
      // nothing in a range ending now, but readings from before (a strap not worn for a
      // while, a demo from an earlier year): end the range at the latest reading instead
      if (data.counts.every((n) => n === 0) && this.range.id !== undefined) {
        const latest = edits.latestReading(this.measure)
        if (latest !== undefined && latest <= Date.now() && (latest < this.range.from || latest >= this.range.to) && latest + 1 !== this.now) {
          this.now = latest + 1
          this.movedToLatest = true
        }
      }
    } catch (err) {
      if (abort.signal.aborted) return
      console.warn('vitals chart: not read', err instanceof Error ? err.name : err)
      this.data = undefined
      this.status = msg('The readings could not be read.')
    } finally {
      if (this.abort === abort) this.loading = false
    }
  }

  private plotData(d: ChartData): uPlot.AlignedData {
    // one shared x axis: the union of the lines' times (seconds), each line null where it has no point
    if (d.lines.length === 1) {
      const l = d.lines[0] as ChartData['lines'][number]
      return [Array.from(l.times, (t) => t / 1000), Array.from(l.values)]
    }
    const all = new Map<number, (number | null)[]>()
    d.lines.forEach((l, i) => {
      for (let k = 0; k < l.times.length; k++) {
        const t = (l.times[k] as number) / 1000
        const row = all.get(t) ?? d.lines.map(() => null)
        row[i] = l.values[k] as number
        all.set(t, row)
      }
    })
    const xs = [...all.keys()].sort((a, b) => a - b)
    return [xs, ...d.lines.map((_, i) => xs.map((x) => (all.get(x) as (number | null)[])[i] ?? null))]
  }

  override updated(): void {
    const host = this.renderRoot.querySelector<HTMLElement>('.plot')
    const d = this.data
    if (host === null || d === undefined) return
    const def = MEASURES[this.measure]
    const series: uPlot.Series[] = [
      {},
      ...def.lines.map((_, i) => ({ label: lineName(def, i), stroke: COLORS[i] ?? '#333', width: 1.5, spanGaps: true, points: { show: (d.lines[i]?.times.length ?? 0) < 120, size: 6 } }))
    ]
    const opts: uPlot.Options = {
      width: this.width(),
      height: 240,
      legend: { show: false },
      scales: { x: { time: true, range: () => [d.from / 1000, d.to / 1000] } },
      cursor: { drag: { x: true, y: false, setScale: false } },
      series,
      axes: [{}, { label: unitOf(def) }],
      hooks: {
        // the usual range, shaded under the lines
        drawClear: [
          (u: uPlot) => {
            const ctx = u.ctx
            def.lines.forEach((line, i) => {
              if (line.normal === undefined) return
              const top = u.valToPos(line.normal.high, 'y', true)
              const bottom = u.valToPos(line.normal.low, 'y', true)
              ctx.save()
              ctx.fillStyle = i === 0 ? 'rgba(46,139,87,0.12)' : 'rgba(46,139,87,0.08)'
              ctx.fillRect(u.bbox.left, Math.min(top, bottom), u.bbox.width, Math.abs(bottom - top))
              ctx.restore()
            })
          }
        ],
        // a drag across the chart zooms into that span: read again at full detail
        setSelect: [
          (u: uPlot) => {
            if (u.select.width < 5) return
            const from = Math.round(u.posToVal(u.select.left, 'x') * 1000)
            const to = Math.round(u.posToVal(u.select.left + u.select.width, 'x') * 1000)
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false)
            if (to - from >= MIN_SPAN) this.range = { from, to, id: undefined }
          }
        ]
      }
    }
    // the y scale includes the shaded range, so the band is always in view
    const lows = def.lines.flatMap((l) => (l.normal === undefined ? [] : [l.normal.low]))
    const highs = def.lines.flatMap((l) => (l.normal === undefined ? [] : [l.normal.high]))
    if (lows.length > 0) {
      opts.scales = {
        ...opts.scales,
        y: {
          range: (_u: uPlot, min: number | null, max: number | null) => {
            const lo = Math.min(min ?? Math.min(...lows), ...lows)
            const hi = Math.max(max ?? Math.max(...highs), ...highs)
            const pad = (hi - lo) * 0.08
            return [lo - pad, hi + pad]
          }
        }
      }
    }
    this.plot?.destroy()
    this.plot = new uPlot(opts, this.plotData(d), host)
    this.resize?.disconnect()
    this.resize = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: 240 }))
    this.resize.observe(host)
  }

  private summary(d: ChartData | undefined): unknown {
    const def = MEASURES[this.measure]
    if (d === undefined) return html`<p>${msg('Reading…')}</p>`
    const period = msg(str`From ${when(d.from)} to ${when(d.to)}.`)
    if (d.counts.every((n) => n === 0)) return html`<p data-testid="vitals-summary">${period} ${msg('No readings in this period. Pick a longer range, or type a reading in below.')}</p>`
    const unit = unitOf(def)
    return html`<p data-testid="vitals-summary">
      ${period} ${this.movedToLatest && d.to < Date.now() - DAY ? msg('Nothing newer was measured: the range ends at the latest reading.') : ''}
      ${def.lines.map((line, i) => {
        const s = d.stats[i]
        const n = num(d.counts[i] ?? 0, 0)
        const name = lineName(def, i)
        if (s === undefined) return msg(str`${name}: no readings.`) + ' '
        const band = line.normal === undefined ? '' : ' ' + msg(str`Usual range ${num(line.normal.low)}–${num(line.normal.high)} ${unit} (${def.normalSource ?? ''}), shaded.`)
        return msg(str`${name}, readings in this period: ${n}; lowest ${num(s.min)}, highest ${num(s.max)}, latest ${num(s.last)} ${unit} on ${when(s.lastT)}.`) + band + ' '
      })}
      ${d.unreadable > 0 ? msg(str`${d.unreadable} stored blocks of readings could not be read and are left out.`) : ''}
    </p>`
  }

  private readonly addReading = (evt: Event): void => {
    evt.preventDefault()
    const edits = this.edits
    if (edits === undefined) return
    const form = evt.target as HTMLFormElement
    const measure = textField(form, 'measure') as VitalMeasure
    const time = textField(form, 'time')
    const t = time === '' ? Number.NaN : new Date(time).getTime()
    const values = MEASURES[measure].lines.map((_, i) => textField(form, `value${i}`))
    edits.addReading({ measure, values, t: Number.isNaN(t) ? Number.NaN : Math.round(t) }).then(
      () => {
        this.problems = []
        this.status = msg(str`Reading added: ${measureName(measure)} ${values.join('/')} ${unitOf(MEASURES[measure])}.`)
        for (let i = 0; i < values.length; i++) {
          const input = form.querySelector<HTMLInputElement>(`[name=value${i}]`)
          if (input !== null) input.value = ''
        }
        // show it: the chart of that measure, over a range that holds it
        this.now = Math.max(Date.now(), t + 1)
        this.measure = measure
        if (t < this.range.from || t >= this.range.to) this.range = this.rangeEnding('1m')
        else void this.load()
      },
      (err: unknown) => {
        if (err instanceof RecordFormError) {
          this.problems = err.problems
          this.status = msg('The reading was not added; see the messages under the fields.')
          return
        }
        console.warn('vitals: reading not stored', err instanceof Error ? err.name : err)
        this.status = msg('The reading could not be stored. Nothing was changed.')
      }
    )
  }

  private entryForm(): unknown {
    const def = MEASURES[this.entryMeasure]
    const err = (field: string): unknown => {
      const p = this.problems.find((x) => x.field === field)
      return p === undefined ? nothing : html`<p class="field-error" id=${`vr-${field}-err`}>${problemText(p.problem, field)}</p>`
    }
    const attrs = (field: string) => {
      const bad = this.problems.some((x) => x.field === field)
      return { describedBy: bad ? `vr-${field}-err` : nothing, invalid: bad ? 'true' : 'false' }
    }
    const measures = Object.keys(MEASURES) as VitalMeasure[]
    return html`<form @submit=${this.addReading} novalidate aria-labelledby="vr-h">
      <h3 id="vr-h">${msg('Type in a reading')}</h3>
      <div class="row">
        <div>
          <label for="vr-measure">${msg('Measure')}</label>
          <select
            id="vr-measure"
            name="measure"
            @change=${(e: Event) => {
              this.entryMeasure = (e.target as HTMLSelectElement).value as VitalMeasure
              this.problems = []
              this.requestUpdate()
            }}
          >
            ${measures.map((m) => html`<option value=${m} ?selected=${m === this.entryMeasure}>${measureName(m)}</option>`)}
          </select>
        </div>
        ${def.lines.map((_, i) => {
          const a = attrs(`value${i}`)
          const label = def.id === 'blood-pressure' ? (i === 0 ? msg('Upper number (systolic)') : msg('Lower number (diastolic)')) : measureName(def.id)
          return html`<div>
            <label for=${`vr-value${i}`}>${label} (${unitOf(def)})</label>
            <input id=${`vr-value${i}`} name=${`value${i}`} inputmode="decimal" autocomplete="off" aria-describedby=${a.describedBy} aria-invalid=${a.invalid} />
            ${err(`value${i}`)}
          </div>`
        })}
        <div>
          <label for="vr-time">${msg('When')}</label>
          <input id="vr-time" name="time" type="datetime-local" .value=${localInput(Date.now())} aria-describedby=${attrs('time').describedBy} aria-invalid=${attrs('time').invalid} />
          ${err('time')}
        </div>
      </div>
      <div class="actions"><button type="submit">${msg('Add the reading')}</button></div>
    </form>`
  }

  override render(): unknown {
    const def = MEASURES[this.measure]
    const measures = Object.keys(MEASURES) as VitalMeasure[]
    return html`<section class="card" aria-labelledby="vitals-h" data-testid="vitals-charts">
      <h2 id="vitals-h">${msg('Vital signs')}</h2>
      <div class="tabs" role="group" aria-label=${msg('Which measure to chart')}>
        ${measures.map((m) => html`<button type="button" aria-pressed=${m === this.measure ? 'true' : 'false'} @click=${() => (this.measure = m)}>${measureName(m)}</button>`)}
      </div>
      <div class="ranges" role="group" aria-label=${msg('Time range')}>
        ${RANGES.map(
          (r) => html`<button type="button" aria-pressed=${r.id === this.range.id ? 'true' : 'false'} @click=${() => (this.range = this.rangeEnding(r.id))}>${rangeName(r.id)}</button>`
        )}
      </div>
      <figure style="margin:0" aria-busy=${this.loading ? 'true' : 'false'}>
        <div class="plot" aria-hidden="true" data-testid="vitals-plot"></div>
        <div class="legend" aria-hidden="true">
          ${def.lines.map((_, i) => html`<span><span class="swatch" style=${`background:${COLORS[i] ?? '#333'}`}></span>${lineName(def, i)}</span>`)}
          ${def.lines.some((l) => l.normal !== undefined) ? html`<span><span class="swatch" style="background:rgba(46,139,87,0.3)"></span>${msg('Usual range')}</span>` : ''}
          <span>${msg('Drag across the chart to zoom in.')}</span>
        </div>
        <figcaption>${this.summary(this.data)}</figcaption>
      </figure>
      ${this.entryForm()}
      <p role="status" data-testid="vitals-status">${this.status}</p>
    </section>`
  }
}
customElements.define('phr-vitals-charts', VitalsCharts)
