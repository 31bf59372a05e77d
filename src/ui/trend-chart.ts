import { LitElement, css, html, unsafeCSS } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import uPlot from 'uplot'
import type { TrendPoint } from '../app/index.ts'
import { clock, num, when } from './vital-names.ts'

/**
 * uPlot's own layout rules (dist/uPlot.min.css, the part this chart uses): the chart lives
 * in a shadow root, where the page's style sheets do not reach.
 */
const UPLOT_CSS = unsafeCSS(`
.uplot, .uplot *, .uplot *::before, .uplot *::after { box-sizing: border-box; }
.uplot { line-height: 1.5; width: min-content; }
.u-wrap { position: relative; user-select: none; }
.u-over, .u-under { position: absolute; }
.u-under { overflow: hidden; }
.uplot canvas { display: block; position: relative; width: 100%; height: 100%; }
.u-axis { position: absolute; }
.u-select { background: rgba(0,0,0,0.07); position: absolute; pointer-events: none; }
.u-cursor-x, .u-cursor-y { position: absolute; left: 0; top: 0; pointer-events: none; will-change: transform; }
.u-hz .u-cursor-x, .u-vt .u-cursor-y { height: 100%; border-right: 1px dashed #607D8B; }
.u-hz .u-cursor-y, .u-vt .u-cursor-x { width: 100%; border-bottom: 1px dashed #607D8B; }
.u-cursor-pt { position: absolute; top: 0; left: 0; border-radius: 50%; border: 0 solid; pointer-events: none; will-change: transform; background-clip: padding-box !important; }
.u-axis.u-off, .u-select.u-off, .u-cursor-x.u-off, .u-cursor-y.u-off, .u-cursor-pt.u-off { display: none; }
`)

/**
 * A trend of one quantity over time (uPlot, canvas), with a line for the threshold if one
 * is given and a text summary beside it: a canvas says nothing to a screen reader.
 */
export class TrendChart extends LitElement {
  static override properties = { points: { attribute: false }, label: {}, unit: {}, threshold: { attribute: false } }
  static override styles = [
    UPLOT_CSS,
    css`
      :host {
        display: block;
      }
      .plot {
        width: 100%;
        min-height: 12rem;
      }
      p {
        margin: 0.25rem 0;
        color: var(--text-muted);
      }
    `
  ]
  declare points: readonly TrendPoint[]
  declare label: string
  declare unit: string
  declare threshold: number | undefined
  private plot: uPlot | undefined
  private resize: ResizeObserver | undefined

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.points = []
    this.label = ''
    this.unit = ''
    this.threshold = undefined
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.resize?.disconnect()
    this.resize = undefined
    this.plot?.destroy()
    this.plot = undefined
  }

  private data(): uPlot.AlignedData {
    const xs = this.points.map((p) => p.t / 1000)
    const ys = this.points.map((p) => p.value)
    const limit = this.threshold
    return limit === undefined ? [xs, ys] : [xs, ys, xs.map(() => limit)]
  }

  private width(host: HTMLElement): number {
    return Math.max(240, Math.floor(host.getBoundingClientRect().width))
  }

  override updated(): void {
    const host = this.renderRoot.querySelector<HTMLElement>('.plot')
    if (host === null) return
    const withLimit = this.threshold !== undefined
    const seriesCount = withLimit ? 3 : 2
    if (this.plot !== undefined && this.plot.series.length === seriesCount) {
      this.plot.setData(this.data())
      return
    }
    this.plot?.destroy()
    const series: uPlot.Series[] = [{}, { label: this.label, stroke: '#1f5fbf', width: 2, points: { show: this.points.length < 60 } }]
    if (withLimit) series.push({ label: msg('Threshold'), stroke: '#9b1c1c', dash: [6, 4], width: 1.5, points: { show: false } })
    this.plot = new uPlot({ width: this.width(host), height: 200, legend: { show: false }, series, axes: [{}, { label: this.unit }] }, this.data(), host)
    this.resize?.disconnect()
    this.resize = new ResizeObserver(() => this.plot?.setSize({ width: this.width(host), height: 200 }))
    this.resize.observe(host)
  }

  override render(): unknown {
    const p = this.points
    const last = p[p.length - 1]
    const first = p[0]
    const values = p.map((x) => x.value)
    return html`<figure style="margin:0">
      <div class="plot" aria-hidden="true"></div>
      <figcaption>
        ${last === undefined || first === undefined
          ? html`<p>${msg('No readings in this period.')}</p>`
          : html`<p data-testid="trend-summary">
              ${msg(str`${this.label}: ${p.length} points from ${when(first.t)} to ${clock(last.t)}; lowest ${num(Math.min(...values))}, highest ${num(Math.max(...values))}, latest ${num(last.value)} ${this.unit}.`)}
            </p>`}
      </figcaption>
    </figure>`
  }
}
customElements.define('phr-trend-chart', TrendChart)
