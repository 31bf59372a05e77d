/**
 * What the UI needs to say a finding in the reader's language: the library's `summary` is
 * one English sentence, so each rule's numbers are taken here from the finding's evidence
 * (the readings it fired on) and handed over as plain facts; the UI words them per rule id
 * and formats the numbers, units and dates for the locale. Also: a short "author, year"
 * for each source, and UCUM units as people write them.
 */
import { bpCategory, type BpCategory, type Evidence, type Finding, type Source } from '../insights/index.ts'

/** NEWS2 clinical risk bands (RCP 2017, chart 2). */
export type News2Risk = 'low' | 'low-medium' | 'medium' | 'high'

/** When and by whom a clinician recorded a NEWS2 entry. */
export interface RecordedBy {
  readonly t: number
  /** The name on the entry; absent when it names nobody. */
  readonly by?: string
}

const ACVPU_LEVELS = ['A', 'C', 'V', 'P', 'U'] as const

/** A NEWS2 entry's evidence recorded by a clinician (it has a time), or undefined. */
function recordedOf(f: Finding, what: string): (RecordedBy & { value: number }) | undefined {
  const e = f.evidence.find((x) => x.what === what)
  if (e?.t === undefined || e.value === undefined) return undefined
  return { t: e.t, value: e.value, ...(e.by === undefined ? {} : { by: e.by }) }
}

/** A finding's numbers, by rule. */
export type InsightFacts =
  /** `oxygen`, `consciousness`, `scale2`: what a clinician recorded for this set (absent: assumed, or given outright). */
  | {
      readonly rule: 'news2'
      readonly score: number
      readonly risk: News2Risk
      readonly assumedAlert: boolean
      readonly assumedAir: boolean
      readonly oxygen?: { readonly on: boolean } & RecordedBy
      readonly consciousness?: { readonly level: 'A' | 'C' | 'V' | 'P' | 'U' } & RecordedBy
      readonly scale2?: RecordedBy
    }
  | { readonly rule: 'bp-category'; readonly systolic: number; readonly diastolic: number; readonly category: BpCategory }
  | { readonly rule: 'bp-average'; readonly systolic: number; readonly diastolic: number; readonly category: BpCategory; readonly readings: number; readonly enough: boolean }
  | { readonly rule: 'cgm'; readonly days: number; readonly tirPercent: number; readonly gmiPercent: number; readonly activePercent: number; readonly sparse: boolean }
  /** `windows`: how many windows were irregular; `spans`: the listed ones' first and last beat (the latest, at most 12). */
  | { readonly rule: 'af-screen'; readonly windows: number; readonly spans: ReadonlyArray<{ readonly from?: number; readonly to?: number }> }
  | { readonly rule: 'bp-trend'; readonly before: { systolic: number; diastolic: number; category: BpCategory }; readonly last: { systolic: number; diastolic: number; category: BpCategory } }
  | { readonly rule: 'weight-gain'; readonly kg: number }
  | { readonly rule: 'weight-loss'; readonly percent: number; readonly days: number }
  | { readonly rule: 'glucose-trend'; readonly tirBefore: number; readonly tirLast: number; readonly gmiBefore: number; readonly gmiLast: number }
  /** A rule this module has no words for (a prescribing finding, a future rule): show `summary`. */
  | { readonly rule: 'other' }

const value = (f: Finding, what: string): number | undefined => f.evidence.find((e) => e.what === what)?.value
const values = (f: Finding, what: string): number[] => f.evidence.filter((e) => e.what === what && e.value !== undefined).map((e) => e.value as number)
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
const DAY = 86_400_000

/**
 * The numbers of a finding, for the UI to say in its own words; `{ rule: 'other' }` when
 * a finding does not carry what its rule's words need.
 */
export function factsOf(f: Finding): InsightFacts {
  switch (f.rule) {
    case 'news2': {
      // the library's sentence is "NEWS2 <score>: <risk> clinical risk" (news2.ts)
      const m = /^NEWS2 (\d+): (low–medium|low|medium|high) /.exec(f.summary)
      if (m === null) return { rule: 'other' }
      const o2 = recordedOf(f, 'onOxygen')
      const acvpu = recordedOf(f, 'consciousness')
      const level = acvpu === undefined ? undefined : ACVPU_LEVELS[acvpu.value]
      const scale2 = recordedOf(f, 'spo2Scale')
      const when = (r: RecordedBy): RecordedBy => ({ t: r.t, ...(r.by === undefined ? {} : { by: r.by }) })
      return {
        rule: 'news2',
        score: Number(m[1]),
        risk: m[2] === 'low–medium' ? 'low-medium' : (m[2] as News2Risk),
        assumedAlert: f.fired.includes('assumed alert'),
        assumedAir: f.fired.includes('assumed air'),
        ...(o2 === undefined ? {} : { oxygen: { on: o2.value === 1, ...when(o2) } }),
        ...(acvpu === undefined || level === undefined ? {} : { consciousness: { level, ...when(acvpu) } }),
        ...(scale2 === undefined ? {} : { scale2: when(scale2) })
      }
    }
    case 'bp-category': {
      const s = value(f, 'systolic')
      const d = value(f, 'diastolic')
      return s === undefined || d === undefined ? { rule: 'other' } : { rule: 'bp-category', systolic: s, diastolic: d, category: bpCategory(s, d) }
    }
    case 'bp-average': {
      const s = values(f, 'systolic')
      const d = values(f, 'diastolic')
      if (s.length === 0 || s.length !== d.length) return { rule: 'other' }
      const days = new Set(f.evidence.filter((e) => e.t !== undefined).map((e) => Math.floor((e.t as number) / DAY))).size
      // ACC/AHA 2017 §4: at least 2 readings on at least 2 occasions
      return { rule: 'bp-average', systolic: mean(s), diastolic: mean(d), category: bpCategory(mean(s), mean(d)), readings: s.length, enough: s.length >= 2 && days >= 2 }
    }
    case 'cgm': {
      const tir = value(f, 'tir')
      const gmi = value(f, 'gmi')
      const active = value(f, 'active')
      const first = f.evidence.find((e) => e.what === 'readings')?.t
      if (tir === undefined || gmi === undefined || active === undefined || first === undefined) return { rule: 'other' }
      // Battelino 2019: at least 70 % of the time with data
      return { rule: 'cgm', days: (f.at - first) / DAY, tirPercent: tir, gmiPercent: gmi, activePercent: active, sparse: active < 70 }
    }
    case 'af-screen': {
      // af-screen.ts lists each window as "<w> first beat" (when timed), then "<w> nRMSSD" at its last beat, …
      const spans: Array<{ from?: number; to?: number }> = []
      let from: number | undefined
      for (const e of f.evidence) {
        if (e.what.endsWith(' first beat')) from = e.t
        else if (e.what.endsWith(' nRMSSD')) {
          spans.push({ ...(from === undefined ? {} : { from }), ...(e.t === undefined ? {} : { to: e.t }) })
          from = undefined
        }
      }
      const total = /^(\d+) of /.exec(f.fired)
      return { rule: 'af-screen', windows: total === null ? spans.length : Number(total[1]), spans }
    }
    case 'bp-trend': {
      const s1 = value(f, 'systolic-average previous 14 days')
      const d1 = value(f, 'diastolic-average previous 14 days')
      const s2 = value(f, 'systolic-average last 14 days')
      const d2 = value(f, 'diastolic-average last 14 days')
      if (s1 === undefined || d1 === undefined || s2 === undefined || d2 === undefined) return { rule: 'other' }
      return { rule: 'bp-trend', before: { systolic: s1, diastolic: d1, category: bpCategory(s1, d1) }, last: { systolic: s2, diastolic: d2, category: bpCategory(s2, d2) } }
    }
    case 'weight-change': {
      const latest = f.evidence.find((e) => e.what === 'weight (latest)')
      const earlier = f.evidence.find((e) => e.what !== 'weight (latest)')
      if (latest?.value === undefined || earlier?.value === undefined) return { rule: 'other' }
      if (latest.value > earlier.value) return { rule: 'weight-gain', kg: latest.value - earlier.value }
      return { rule: 'weight-loss', percent: ((earlier.value - latest.value) / earlier.value) * 100, days: Math.round(((latest.t ?? 0) - (earlier.t ?? 0)) / DAY) }
    }
    case 'glucose-trend': {
      const t1 = value(f, 'tir previous 14 days')
      const t2 = value(f, 'tir last 14 days')
      const g1 = value(f, 'gmi previous 14 days')
      const g2 = value(f, 'gmi last 14 days')
      if (t1 === undefined || t2 === undefined || g1 === undefined || g2 === undefined) return { rule: 'other' }
      return { rule: 'glucose-trend', tirBefore: t1, tirLast: t2, gmiBefore: g1, gmiLast: g2 }
    }
    default:
      return { rule: 'other' }
  }
}

/** Short names of the sources the home-screen rules cite. */
const SOURCE_LABELS: Record<string, string> = {
  'rcp-news2-2017': 'Royal College of Physicians, NEWS2, 2017',
  'acc-aha-2017-bp': 'ACC/AHA blood pressure guideline, 2017',
  'battelino-2019-tir': 'Battelino et al., Diabetes Care 2019',
  'bergenstal-2018-gmi': 'Bergenstal et al., Diabetes Care 2018',
  'dash-2009-af': 'Dash et al., Ann Biomed Eng 2009',
  'aaaai-acaai-2022-drug-allergy': 'Khan et al., J Allergy Clin Immunol 2022',
  'eaaci-2013-nsaid': 'Kowalski et al., Allergy 2013',
  'strom-2003-sulfonamide': 'Strom et al., N Engl J Med 2003',
  'gaddey-2014-weight-loss': 'Gaddey & Holder, Am Fam Physician 2014',
  'esc-2016-hf': 'ESC heart failure guidelines, 2016',
  'hl7-pddi-cds': 'HL7 PDDI CDS Implementation Guide',
  'record-allergy': 'The patient’s recorded allergy'
}

/**
 * "Author, year" of a source: a known one by its id, otherwise the citation up to its first
 * full stop, with the first year in it.
 */
export function sourceLabel(source: Source): string {
  const known = SOURCE_LABELS[source.id]
  if (known !== undefined) return known
  const head = source.citation.split('. ')[0] ?? source.citation
  const year = /\b(19|20)\d\d\b/.exec(source.citation)?.[0]
  return year === undefined || head.includes(year) ? head : `${head}, ${year}`
}

const UNITS: Record<string, string> = { 'mm[Hg]': 'mm Hg', Cel: '°C', '/min': '/min', '%': '%', kg: 'kg', 'mg/dL': 'mg/dL', '1': '' }

/** A UCUM unit as people write it (`mm[Hg]` → `mm Hg`, `Cel` → `°C`, `1` → nothing). */
export function unitLabel(ucum: string | undefined): string {
  if (ucum === undefined) return ''
  return UNITS[ucum] ?? ucum
}

/** Evidence a person would call a reading (a value with a time), leaving out NEWS2's consciousness, oxygen and scale (said in words). */
export function readingsOf(f: Finding): Evidence[] {
  return f.evidence.filter((e) => e.value !== undefined && !(f.rule === 'news2' && (e.what === 'onOxygen' || e.what === 'consciousness' || e.what === 'spo2Scale')))
}
