import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { vitalTrends, EARLIER_DAYS, TrendDirection, type LineLatest, type OpenRecord, type RecordEdits, type VitalMeasure, type VitalTrend } from '../app/index.ts'
import { viewStyles } from './styles.ts'
import { num, quantityName, unitText, when } from './vital-names.ts'
import { patientPath } from './router.ts'

/** Decimals a measure is written with. */
const DIGITS: Partial<Record<VitalMeasure, number>> = { temperature: 1, weight: 1 }

function measureTitle(t: VitalTrend): string {
  return t.measure === 'blood-pressure' ? msg('Blood pressure') : quantityName(t.lines[0]?.code ?? '')
}

/** A line's trend in one sentence, with its numbers: what a person can check against the chart. */
export function trendSentence(line: LineLatest, unit: string, band: number, digits: number): string {
  const u = unitText(unit)
  const weeks = num(EARLIER_DAYS / 7, 0)
  const tr = line.trend
  if (tr === undefined) return msg('Not enough earlier readings to show a trend.')
  const change = num(Math.abs(tr.change), digits)
  switch (tr.direction) {
    case TrendDirection.up:
      return msg(str`Rising: the last 7 days average ${change} ${u} more than the ${weeks} weeks before.`)
    case TrendDirection.down:
      return msg(str`Falling: the last 7 days average ${change} ${u} less than the ${weeks} weeks before.`)
    case TrendDirection.steady:
      return msg(str`Steady: the last 7 days average within ${num(band, digits)} ${u} of the ${weeks} weeks before.`)
  }
}

const ARROW: Record<TrendDirection, string> = { up: '↑', down: '↓', steady: '→' }

/**
 * The home screen's latest vitals: per measure with readings, the newest value with its unit
 * and time, and whether it is rising, falling or steady against the weeks before (computed
 * from the stored readings by `vitalTrends`), in words with the numbers. Follows changes to
 * the vitals (a device's readings, another device's) at most once a second.
 */
export class VitalsTrends extends LitElement {
  static override properties = {
    record: { attribute: false },
    edits: { attribute: false },
    trends: { state: true },
    failed: { state: true }
  }
  declare record: OpenRecord | undefined
  declare edits: RecordEdits | undefined
  /** Undefined while the first read runs. */
  declare trends: VitalTrend[] | undefined
  declare failed: boolean
  private offChange: (() => void) | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private abort: AbortController | undefined
  static override styles = [
    viewStyles,
    css`
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.75rem;
        grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr));
      }
      li.measure {
        border: 1px solid var(--border);
        border-radius: 10px;
        padding: 0.75rem;
      }
      .name {
        font-weight: 600;
        margin: 0;
      }
      .value {
        font-size: 1.35rem;
        font-weight: 700;
        margin: 0.1rem 0;
        color: var(--text);
      }
      .when {
        font-size: 0.85rem;
        margin: 0 0 0.35rem;
      }
      .trend {
        margin: 0.2rem 0 0;
        font-size: 0.9rem;
        color: var(--text);
      }
      .arrow {
        font-weight: 700;
        display: inline-block;
        width: 1.1rem;
      }
      .trend[data-direction='up'] .arrow,
      .trend[data-direction='down'] .arrow {
        color: var(--warn);
      }
      .trend[data-direction='steady'] .arrow {
        color: var(--ok);
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.edits = undefined
    this.trends = undefined
    this.failed = false
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('edits')) {
      this.offChange?.()
      // new readings: read again, at most once a second
      this.offChange = this.edits?.onChange(() => {
        clearTimeout(this.timer)
        this.timer = setTimeout(() => void this.load(), 1000)
      }, ['vitals'])
    }
    if (changed.has('record')) {
      this.trends = undefined
      void this.load()
    }
  }

  override connectedCallback(): void {
    super.connectedCallback()
    // back on the page after leaving it: subscribe again
    if (this.offChange === undefined && this.edits !== undefined && this.hasUpdated) this.requestUpdate('edits')
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.offChange?.()
    this.offChange = undefined
    clearTimeout(this.timer)
    this.abort?.abort()
  }

  private async load(): Promise<void> {
    const vitals = this.record?.session.compartments.get('vitals')?.compartment
    this.abort?.abort()
    if (vitals === undefined) {
      this.trends = this.record === undefined ? undefined : []
      return
    }
    const abort = new AbortController()
    this.abort = abort
    try {
      const trends = await vitalTrends(vitals, { signal: abort.signal, between: () => new Promise((resolve) => setTimeout(resolve, 0)) })
      if (abort.signal.aborted) return
      this.trends = trends
      this.failed = false
    } catch (err) {
      if (abort.signal.aborted) return
      console.warn('latest vitals: not read', err instanceof Error ? err.name : err)
      this.failed = true
    }
  }

  private measure(t: VitalTrend): unknown {
    const digits = DIGITS[t.measure] ?? 0
    const values = t.lines.map((l) => num(l.value, digits)).join('/')
    return html`<li class="measure" data-testid="vital-trend" data-measure=${t.measure}>
      <p class="name">${measureTitle(t)}</p>
      <p class="value" data-testid="vital-latest">${values} ${unitText(t.unit)}</p>
      <p class="when">${msg(str`Latest: ${when(t.latestT)}`)}</p>
      ${t.lines.map((l) => {
        const direction = l.trend?.direction ?? 'none'
        return html`<p class="trend" data-testid="vital-trend-line" data-code=${l.code} data-direction=${direction}>
          ${l.trend === undefined ? '' : html`<span class="arrow" aria-hidden="true">${ARROW[l.trend.direction]}</span>`}${t.lines.length > 1 ? html`<strong>${quantityName(l.code)}:</strong> ` : ''}${trendSentence(l, t.unit, t.steadyBand, digits)}
        </p>`
      })}
    </li>`
  }

  override render(): unknown {
    const t = this.trends
    return html`<section class="card" aria-labelledby="vt-h" data-testid="vitals-trends" aria-busy=${t === undefined ? 'true' : 'false'}>
      <h2 id="vt-h">${msg('Latest vitals')}</h2>
      ${this.failed ? html`<p class="error" role="alert">${msg('The readings could not be read.')}</p>` : ''}
      ${t === undefined
        ? html`<p role="status">${msg('Reading your vitals…')}</p>`
        : t.length === 0
          ? html`<p data-testid="vitals-trends-empty">${msg('No readings yet. Add one by hand or connect a device on the Vitals screen.')}</p>`
          : html`<ul>
              ${t.map((x) => this.measure(x))}
            </ul>`}
      <p><a href=${patientPath('vitals')}>${msg('See the charts and add a reading')}</a></p>
    </section>`
  }
}
customElements.define('phr-vitals-trends', VitalsTrends)
