import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { factsOf, InsightsState, readingsOf, sourceLabel, unitLabel, type BpCategory, type Evidence, type Finding, type InsightFacts, type InsightsSnapshot, type News2Risk, type RecordInsights, type Severity } from '../app/index.ts'
import { getLocale } from './i18n.ts'
import { formStyles, viewStyles } from './styles.ts'

const DAY = 86_400_000

/** Findings shown before "show all". */
const FIRST_SHOWN = 6

const num = (x: number, digits = 0): string => new Intl.NumberFormat(getLocale(), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(x)
const pct = (x: number, digits = 0): string => new Intl.NumberFormat(getLocale(), { style: 'percent', maximumFractionDigits: digits, minimumFractionDigits: digits }).format(x / 100)
const when = (t: number): string => new Date(t).toLocaleString(getLocale(), { dateStyle: 'medium', timeStyle: 'short' })
const time = (t: number): string => new Date(t).toLocaleTimeString(getLocale(), { timeStyle: 'short' })
const day = (t: number): string => new Date(t).toLocaleDateString(getLocale(), { dateStyle: 'long' })
const bp = (s: number, d: number): string => `${num(s)}/${num(d)} mm Hg`

function categoryName(c: BpCategory): string {
  switch (c) {
    case 'normal':
      return msg('normal')
    case 'elevated':
      return msg('elevated')
    case 'stage1':
      return msg('stage 1 hypertension')
    case 'stage2':
      return msg('stage 2 hypertension')
    case 'crisis':
      return msg('hypertensive crisis range')
  }
}

function riskName(r: News2Risk): string {
  switch (r) {
    case 'low':
      return msg('low clinical risk')
    case 'low-medium':
      return msg('low–medium clinical risk (one parameter scored 3)')
    case 'medium':
      return msg('medium clinical risk')
    case 'high':
      return msg('high clinical risk')
  }
}

/** Severity in words: never colour alone. */
function severityName(s: Severity): string {
  switch (s) {
    case 'info':
      return msg('For information')
    case 'low':
      return msg('Worth raising at the next visit')
    case 'moderate':
      return msg('See a clinician soon')
    case 'high':
      return msg('Urgent')
  }
}

function acvpuName(level: 'A' | 'C' | 'V' | 'P' | 'U'): string {
  switch (level) {
    case 'A':
      return msg('alert')
    case 'C':
      return msg('new confusion')
    case 'V':
      return msg('responds to voice')
    case 'P':
      return msg('responds to pain')
    case 'U':
      return msg('unresponsive')
  }
}

/** What a clinician recorded for a NEWS2 set, one sentence each: who and when. */
function news2Recorded(x: InsightFacts): string[] {
  if (x.rule !== 'news2') return []
  const who = (by: string | undefined): string => by ?? msg('a clinician')
  const out: string[] = []
  if (x.scale2 !== undefined) out.push(msg(str`SpO2 scale 2: hypercapnic respiratory failure marked by ${who(x.scale2.by)} on ${when(x.scale2.t)}.`))
  if (x.oxygen !== undefined) {
    out.push(x.oxygen.on ? msg(str`On oxygen (recorded by ${who(x.oxygen.by)} at ${when(x.oxygen.t)}).`) : msg(str`Breathing air (recorded by ${who(x.oxygen.by)} at ${when(x.oxygen.t)}).`))
  }
  if (x.consciousness !== undefined) out.push(msg(str`Consciousness: ${acvpuName(x.consciousness.level)} (recorded by ${who(x.consciousness.by)} at ${when(x.consciousness.t)}).`))
  return out
}

/** The finding's title in the reader's language, with its numbers. */
function title(f: Finding, x: InsightFacts): string {
  switch (x.rule) {
    case 'news2':
      return msg(str`NEWS2 early warning score ${x.score}: ${riskName(x.risk)}`)
    case 'bp-category':
      return msg(str`Latest blood pressure ${bp(x.systolic, x.diastolic)}: ${categoryName(x.category)}`)
    case 'bp-average':
      return msg(str`Average of the last ${x.readings} blood pressure readings: ${bp(x.systolic, x.diastolic)}, ${categoryName(x.category)}`)
    case 'cgm':
      return msg(str`Glucose over ${num(x.days, 1)} days: ${pct(x.tirPercent)} of the time in range, GMI ${pct(x.gmiPercent, 1)}`)
    case 'af-screen':
      return msg('An irregular heart rhythm was detected')
    case 'bp-trend':
      return msg(str`Blood pressure is rising: the 14-day average went from ${bp(x.before.systolic, x.before.diastolic)} (${categoryName(x.before.category)}) to ${bp(x.last.systolic, x.last.diastolic)} (${categoryName(x.last.category)})`)
    case 'weight-gain':
      return msg(str`Weight rose ${num(x.kg, 1)} kg within 3 days`)
    case 'weight-loss':
      return msg(str`Weight fell ${pct(x.percent, 1)} in ${x.days} days`)
    case 'glucose-trend':
      return msg(str`Glucose control is worsening: time in range fell from ${pct(x.tirBefore)} to ${pct(x.tirLast)}`)
    case 'other':
      return f.summary
  }
}

/** What the finding asks of the reader, when it asks something. */
function advice(x: InsightFacts): string {
  switch (x.rule) {
    case 'bp-category':
      return x.category === 'crisis' ? msg('A single reading this high needs to be repeated; with symptoms, seek emergency care.') : ''
    case 'bp-average':
      return x.enough ? '' : msg('Fewer than 2 readings on 2 different days: not enough to classify blood pressure by the guideline.')
    case 'cgm':
      return x.sparse ? msg(str`Only ${pct(x.activePercent)} of the time has data (the consensus asks for at least 70%), so this may not be representative.`) : ''
    case 'news2':
      if (x.assumedAlert && x.assumedAir) return msg('Consciousness and oxygen were not recorded: the score assumes alert and breathing air.')
      if (x.assumedAlert) return msg('Consciousness was not recorded: the score assumes alert.')
      if (x.assumedAir) return msg('Oxygen was not recorded: the score assumes breathing air.')
      return ''
    case 'af-screen':
      return msg('See a doctor, who can record an ECG.')
    case 'weight-gain':
      return msg('With heart failure, a gain like this calls for the care team.')
    case 'weight-loss':
      return msg('If this was not intended, mention it to a doctor.')
    case 'glucose-trend':
      return msg(str`GMI went from ${pct(x.gmiBefore, 1)} to ${pct(x.gmiLast, 1)}.`)
    default:
      return ''
  }
}

/** A reading's name in the reader's language; the library's own label when there is no word for it. */
function readingName(what: string): string {
  if (what.startsWith('weight')) return msg('Weight')
  switch (what) {
    case 'systolic':
      return msg('Systolic pressure')
    case 'diastolic':
      return msg('Diastolic pressure')
    case 'respiratoryRate':
      return msg('Breathing rate')
    case 'spo2':
      return msg('Oxygen saturation')
    case 'pulse':
      return msg('Pulse')
    case 'temperatureC':
      return msg('Temperature')
    case 'glucose-mean':
      return msg('Mean glucose')
    case 'gmi':
    case 'gmi previous 14 days':
    case 'gmi last 14 days':
      return msg('Glucose management indicator (GMI)')
    case 'cv':
      return msg('Glucose variability (CV)')
    case 'tir':
    case 'tir previous 14 days':
    case 'tir last 14 days':
      return msg('Time in range 70–180 mg/dL')
    case 'tbr':
      return msg('Time below 70 mg/dL')
    case 'tbr54':
      return msg('Time below 54 mg/dL')
    case 'tar':
      return msg('Time above 180 mg/dL')
    case 'tar250':
      return msg('Time above 250 mg/dL')
    case 'active':
      return msg('Time with data')
    case 'readings':
      return msg('Readings')
    default:
      return what
  }
}

function readingValue(e: Evidence): string {
  const v = e.value as number
  if (e.unit === '%') return pct(v, 1)
  const u = unitLabel(e.unit)
  const digits = Number.isInteger(v) ? 0 : e.unit === '1' ? 2 : 1
  return u === '' ? num(v, digits) : `${num(v, digits)} ${u}`
}

/**
 * The findings of a record's readings (issue 11), most severe first: each with its title
 * in the reader's language, its severity in words, the date of its readings, the source it
 * cites, and — folded — the readings it used and the rule that fired (in the library's
 * English, as a technical detail). Says from when the readings are, and what would make
 * findings appear when there are none. Computed off the main thread; never blocks.
 */
export class InsightsCard extends LitElement {
  static override properties = { insights: { attribute: false }, headingLevel: { type: Number, attribute: 'heading-level' }, snapshot: { state: true }, showAll: { state: true } }
  static override styles = [
    viewStyles,
    formStyles,
    css`
      ul.findings {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      ul.findings > li {
        border: 1px solid var(--border);
        border-left: 6px solid var(--border);
        border-radius: 8px;
        padding: 0.6rem 0.8rem;
        margin-bottom: 0.6rem;
      }
      li[data-severity='high'] {
        border-left-color: #9b1c1c;
      }
      li[data-severity='moderate'] {
        border-left-color: var(--warn);
      }
      li[data-severity='low'] {
        border-left-color: #c9a227;
      }
      li[data-severity='info'] {
        border-left-color: var(--accent);
      }
      .title {
        font-weight: 600;
        margin: 0 0 0.25rem;
        color: var(--text);
      }
      .severity {
        display: inline-block;
        font-size: 0.8rem;
        font-weight: 600;
        padding: 0.05rem 0.5rem;
        border-radius: 999px;
        border: 1px solid currentColor;
        margin-bottom: 0.25rem;
      }
      .not-diagnosis {
        font-weight: 700;
        color: var(--text);
      }
      .meta {
        font-size: 0.9rem;
        margin: 0.25rem 0 0;
      }
      .dated {
        color: #6b4a00;
        background: #fff3d6;
        border: 1px solid #e8c66a;
        border-radius: 8px;
        padding: 0.5rem 0.75rem;
      }
      details {
        margin-top: 0.25rem;
        font-size: 0.9rem;
      }
      summary {
        cursor: pointer;
        min-height: 1.5rem;
      }
      summary:focus-visible {
        outline: 3px solid var(--focus-on-light);
        outline-offset: 2px;
      }
      dl {
        display: grid;
        grid-template-columns: auto auto auto;
        gap: 0.1rem 1rem;
        margin: 0.25rem 0;
      }
      dd {
        margin: 0;
      }
      code {
        font-size: 0.8rem;
        word-break: break-word;
      }
    `
  ]
  declare insights: RecordInsights | undefined
  /** Level of the card's heading (2 on the home screen, 3 inside the doctor's patient card). */
  declare headingLevel: number
  declare snapshot: InsightsSnapshot | undefined
  declare showAll: boolean
  private unsubscribe: (() => void) | undefined

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.insights = undefined
    this.headingLevel = 2
    this.snapshot = undefined
    this.showAll = false
  }

  // willUpdate, not updated: the first snapshot is part of this render, not a second one
  override willUpdate(changed: Map<string, unknown>): void {
    if (!changed.has('insights')) return
    this.unsubscribe?.()
    this.unsubscribe = undefined
    const i = this.insights
    if (i === undefined) return
    this.snapshot = i.snapshot()
    this.unsubscribe = i.subscribe((s) => {
      this.snapshot = s
    })
  }

  override connectedCallback(): void {
    super.connectedCallback()
    // reconnected: follow again (willUpdate() only acts on a changed property)
    if (this.unsubscribe === undefined && this.insights !== undefined && this.hasUpdated) {
      const i = this.insights
      this.unsubscribe = i.subscribe((s) => {
        this.snapshot = s
      })
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.unsubscribe?.()
    this.unsubscribe = undefined
  }

  private finding(f: Finding): unknown {
    const x = factsOf(f)
    const more = advice(x)
    const readings = readingsOf(f)
    const level = Math.min(6, this.headingLevel + 1)
    return html`<li data-severity=${f.severity} data-rule=${f.rule} data-testid="insight">
      <span class="severity">${severityName(f.severity)}</span>
      <p class="title" role="heading" aria-level=${level}>${title(f, x)}</p>
      ${f.rule === 'af-screen' ? html`<p class="not-diagnosis">${msg('This is not a diagnosis.')}</p>` : ''}
      ${more === '' ? '' : html`<p>${more}</p>`}
      ${news2Recorded(x).map((line) => html`<p data-testid="news2-recorded">${line}</p>`)}
      ${x.rule === 'af-screen' ? this.afWindows(x) : ''}
      <p class="meta">
        ${f.at > 0 ? html`${msg(str`Readings up to ${when(f.at)}.`)} ` : ''}<span data-testid="insight-source"
          >${msg('Source:')}
          ${f.source.url === undefined ? sourceLabel(f.source) : html`<a href=${f.source.url} target="_blank" rel="noopener noreferrer">${sourceLabel(f.source)}</a>`}</span
        >
      </p>
      <details>
        <summary>${msg('How this was found')}</summary>
        ${readings.length === 0
          ? ''
          : html`<dl>
              ${readings.slice(0, 20).map((e) => html`<dt>${readingName(e.what)}</dt><dd>${readingValue(e)}</dd><dd>${e.t === undefined ? '' : when(e.t)}</dd>`)}
            </dl>`}
        <p>${msg('Rule that fired (technical, in English):')} <code lang="en">${f.fired}</code></p>
        <p lang="en">${f.source.citation}</p>
      </details>
    </li>`
  }

  /** The stretches of beats that triggered the AF screen (the latest, when there were many). */
  private afWindows(x: Extract<InsightFacts, { rule: 'af-screen' }>): unknown {
    const timed = x.spans.filter((w) => w.to !== undefined)
    if (timed.length === 0) return ''
    return html`<p>${x.windows > timed.length ? msg(str`Irregular stretches of beats: ${x.windows}; the latest ${timed.length}:`) : msg('Irregular stretches of beats:')}</p>
      <ul data-testid="af-windows">
        ${timed.map((w) => html`<li>${w.from === undefined ? msg(str`until ${when(w.to as number)}`) : msg(str`${when(w.from)} to ${time(w.to as number)}`)}</li>`)}
      </ul>`
  }

  private status(s: InsightsSnapshot): unknown {
    if (s.state === InsightsState.failed && s.error !== undefined) {
      return html`<div class="error" role="alert">
        ${msg(str`Findings could not be worked out on this device (${s.error.name}). The rest of the record is not affected.`)}
        <div class="actions"><button type="button" class="secondary" @click=${() => void this.insights?.refresh()}>${msg('Try again')}</button></div>
      </div>`
    }
    if ((s.state === InsightsState.idle || s.state === InsightsState.computing) && s.findings.length === 0) return html`<p role="status">${msg('Looking at the readings…')}</p>`
    return ''
  }

  private when(s: InsightsSnapshot): unknown {
    if (s.latestReading === undefined) return ''
    if (s.dated) {
      const ago = Math.max(0, Math.round((Date.now() - s.latestReading) / DAY))
      return html`<p class="dated" data-testid="insights-dated">${msg(str`There are no readings from the last 30 days. These findings are about the readings up to ${day(s.latestReading)} (${ago} days ago), not about today.`)}</p>`
    }
    return html`<p>${msg(str`From the readings up to ${day(s.latestReading)}.`)}</p>`
  }

  override render(): unknown {
    const s = this.snapshot
    if (s === undefined) return ''
    const level = this.headingLevel
    const head = msg('Findings from the readings')
    const shown = this.showAll ? s.findings : s.findings.slice(0, FIRST_SHOWN)
    return html`<section class="card" aria-labelledby="insights-h" aria-busy=${s.state === InsightsState.computing ? 'true' : 'false'} data-testid="insights">
      ${level === 3 ? html`<h3 id="insights-h">${head}</h3>` : html`<h2 id="insights-h">${head}</h2>`}
      ${!s.available
        ? html`<p>${msg('The vital signs and results were not shared, so there are no readings to look at.')}</p>`
        : html`${this.when(s)} ${this.status(s)}
          ${s.state === InsightsState.ready && s.findings.length === 0
            ? html`<div class="empty" data-testid="insights-empty">
                <p>${msg('No findings from the readings in this record.')}</p>
                <p>${msg('Findings appear when there are readings from the last 30 days: blood pressure, a continuous glucose monitor, weight, or a full set of vital signs (breathing rate, oxygen saturation, blood pressure, pulse and temperature) taken within one hour.')}</p>
              </div>`
            : ''}
          ${s.findings.length === 0 ? '' : html`<ul class="findings">${shown.map((f) => this.finding(f))}</ul>`}
          ${s.findings.length > FIRST_SHOWN
            ? html`<button type="button" class="secondary" aria-expanded=${this.showAll ? 'true' : 'false'} @click=${() => (this.showAll = !this.showAll)}>
                ${this.showAll ? msg('Show fewer') : msg(str`Show all ${s.findings.length} findings`)}
              </button>`
            : ''}
          ${s.findings.length === 0 ? '' : html`<p class="meta">${msg('Worked out on this device from published rules. They help to decide what to ask a doctor; they do not replace one.')}</p>`}
          ${s.skipped.length === 0
            ? ''
            : html`<details>
                <summary>${msg('Rules left out')}</summary>
                <ul lang="en">${s.skipped.map((x) => html`<li><code>${x}</code></li>`)}</ul>
              </details>`}`}
    </section>`
  }
}
customElements.define('phr-insights-card', InsightsCard)
