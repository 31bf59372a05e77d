/**
 * National Early Warning Score 2 (RCP 2017): Chart 1 scores seven parameters 0–3, Chart 2
 * maps the aggregate (and any single red score) to a clinical risk band.
 *
 * Readings are scored at the resolution the chart is written in — whole numbers, and
 * temperature to 0.1 °C — so a value between two bands (20.4 breaths/min) is rounded half
 * up to the chart's resolution first (20), as it would be when written on the chart.
 */
import type { Evidence, Finding, Severity } from './findings.ts'
import { SOURCES } from './sources.ts'
import { finiteIn } from './validate.ts'

/** ACVPU: Alert, new Confusion, responds to Voice, to Pain, Unresponsive. */
export type Consciousness = 'A' | 'C' | 'V' | 'P' | 'U'
const ACVPU: readonly Consciousness[] = ['A', 'C', 'V', 'P', 'U']

/** One set of observations, as charted. */
export interface News2Input {
  /** Breaths per minute. */
  respiratoryRate: number
  /** Pulse oximetry, %. */
  spo2: number
  /** 2 only when a clinician has set a target of 88–92 % (hypercapnic respiratory failure). @default 1 */
  spo2Scale?: 1 | 2
  /** Supplemental oxygen (any device, any flow). */
  onOxygen: boolean
  /** mm Hg. */
  systolic: number
  /** Beats per minute. */
  pulse: number
  consciousness: Consciousness
  /** °C. */
  temperatureC: number
}

/** Chart 2 clinical risk. */
export type News2Risk = 'low' | 'low-medium' | 'medium' | 'high'

/** The score, each parameter's points (keyed as the input), and the risk band. */
export interface News2Result {
  score: number
  risk: News2Risk
  points: Record<string, number>
}

/** Physiological ranges accepted; anything outside is a measuring or unit error. */
const RANGES = {
  respiratoryRate: [0, 100, 'breaths/min'],
  spo2: [0, 100, '%'],
  systolic: [20, 400, 'mm Hg'],
  pulse: [10, 350, 'beats/min'],
  // a Fahrenheit value (98.6) lands above this and is refused
  temperatureC: [10, 47, '°C']
} as const

const whole = (x: number): number => Math.floor(x + 0.5)
// + 1e-9: 35.05 × 10 is 350.49999999999994 in binary floating point
const tenth = (x: number): number => Math.floor(x * 10 + 0.5 + 1e-9) / 10

function respirationPoints(rr: number): number {
  // RCP NEWS2 2017, chart 1: respiration rate ≤8 → 3, 9–11 → 1, 12–20 → 0, 21–24 → 2, ≥25 → 3
  if (rr <= 8) return 3
  if (rr <= 11) return 1
  if (rr <= 20) return 0
  if (rr <= 24) return 2
  return 3
}

function spo2Scale1Points(s: number): number {
  // RCP NEWS2 2017, chart 1: SpO2 scale 1 ≤91 → 3, 92–93 → 2, 94–95 → 1, ≥96 → 0
  if (s <= 91) return 3
  if (s <= 93) return 2
  if (s <= 95) return 1
  return 0
}

function spo2Scale2Points(s: number, onOxygen: boolean): number {
  // RCP NEWS2 2017, chart 1: SpO2 scale 2 ≤83 → 3, 84–85 → 2, 86–87 → 1, 88–92 → 0
  if (s <= 83) return 3
  if (s <= 85) return 2
  if (s <= 87) return 1
  if (s <= 92) return 0
  // RCP NEWS2 2017, chart 1: scale 2 ≥93 on air → 0; on oxygen 93–94 → 1, 95–96 → 2, ≥97 → 3
  if (!onOxygen) return 0
  if (s <= 94) return 1
  if (s <= 96) return 2
  return 3
}

function systolicPoints(sbp: number): number {
  // RCP NEWS2 2017, chart 1: systolic ≤90 → 3, 91–100 → 2, 101–110 → 1, 111–219 → 0, ≥220 → 3
  if (sbp <= 90) return 3
  if (sbp <= 100) return 2
  if (sbp <= 110) return 1
  if (sbp <= 219) return 0
  return 3
}

function pulsePoints(hr: number): number {
  // RCP NEWS2 2017, chart 1: pulse ≤40 → 3, 41–50 → 1, 51–90 → 0, 91–110 → 1, 111–130 → 2, ≥131 → 3
  if (hr <= 40) return 3
  if (hr <= 50) return 1
  if (hr <= 90) return 0
  if (hr <= 110) return 1
  if (hr <= 130) return 2
  return 3
}

function temperaturePoints(t: number): number {
  // RCP NEWS2 2017, chart 1: temperature ≤35.0 → 3, 35.1–36.0 → 1, 36.1–38.0 → 0, 38.1–39.0 → 1, ≥39.1 → 2
  if (t <= 35.0) return 3
  if (t <= 36.0) return 1
  if (t <= 38.0) return 0
  if (t <= 39.0) return 1
  return 2
}

/**
 * NEWS2 of one set of observations.
 * @throws {TypeError} if a reading is not a finite number, `onOxygen` not a boolean, or `consciousness` not a string.
 * @throws {RangeError} if a reading is outside its physiological range, `consciousness` not one of A C V P U, or `spo2Scale` not 1 or 2.
 * @example news2({ respiratoryRate: 22, spo2: 95, onOxygen: false, systolic: 105, pulse: 95, consciousness: 'A', temperatureC: 38.4 })
 *   // { score: 6, risk: 'medium', points: { respiratoryRate: 2, spo2: 1, onOxygen: 0, systolic: 1, pulse: 1, consciousness: 0, temperatureC: 1 } }
 */
export function news2(v: News2Input): News2Result {
  if (typeof v !== 'object' || v === null) throw new TypeError('news2: expected an object of observations')
  const rr = whole(finiteIn(v.respiratoryRate, 'news2.respiratoryRate', ...RANGES.respiratoryRate))
  const spo2 = whole(finiteIn(v.spo2, 'news2.spo2', ...RANGES.spo2))
  const sbp = whole(finiteIn(v.systolic, 'news2.systolic', ...RANGES.systolic))
  const hr = whole(finiteIn(v.pulse, 'news2.pulse', ...RANGES.pulse))
  const temp = tenth(finiteIn(v.temperatureC, 'news2.temperatureC', ...RANGES.temperatureC))
  if (typeof v.onOxygen !== 'boolean') throw new TypeError(`news2.onOxygen: expected a boolean, got ${typeof v.onOxygen}`)
  const scale = v.spo2Scale ?? 1
  if (scale !== 1 && scale !== 2) throw new RangeError(`news2.spo2Scale: expected 1 or 2, got ${String(scale)}`)
  if (typeof v.consciousness !== 'string') throw new TypeError(`news2.consciousness: expected one of A C V P U, got ${typeof v.consciousness}`)
  if (!ACVPU.includes(v.consciousness)) throw new RangeError(`news2.consciousness: expected one of A C V P U, got ${v.consciousness}`)

  const points: Record<string, number> = {
    respiratoryRate: respirationPoints(rr),
    spo2: scale === 2 ? spo2Scale2Points(spo2, v.onOxygen) : spo2Scale1Points(spo2),
    // RCP NEWS2 2017, chart 1: air or oxygen? oxygen → 2, air → 0
    onOxygen: v.onOxygen ? 2 : 0,
    systolic: systolicPoints(sbp),
    pulse: pulsePoints(hr),
    // RCP NEWS2 2017, chart 1: consciousness alert → 0; new confusion, voice, pain, unresponsive (CVPU) → 3
    consciousness: v.consciousness === 'A' ? 0 : 3,
    temperatureC: temperaturePoints(temp)
  }
  const values = Object.values(points)
  const score = values.reduce((a, b) => a + b, 0)
  return { score, risk: riskOf(score, values.includes(3)), points }
}

/** RCP NEWS2 2017, chart 2: aggregate ≥7 high; 5–6 medium; a red score (3 in one parameter) low–medium; else low. */
function riskOf(score: number, redScore: boolean): News2Risk {
  if (score >= 7) return 'high'
  if (score >= 5) return 'medium'
  if (redScore) return 'low-medium'
  return 'low'
}

const RISK_SEVERITY: Record<News2Risk, Severity> = { low: 'info', 'low-medium': 'moderate', medium: 'moderate', high: 'high' }
const RISK_RULE: Record<News2Risk, string> = {
  high: 'aggregate score 7 or more → high clinical risk (RCP NEWS2 chart 2)',
  medium: 'aggregate score 5–6 → medium clinical risk (RCP NEWS2 chart 2)',
  'low-medium': 'a score of 3 in a single parameter → low–medium clinical risk (RCP NEWS2 chart 2)',
  low: 'aggregate score 0–4 → low clinical risk (RCP NEWS2 chart 2)'
}

const UNITS: Record<string, string> = {
  respiratoryRate: '/min',
  spo2: '%',
  onOxygen: '1',
  systolic: 'mm[Hg]',
  pulse: '/min',
  consciousness: '1',
  temperatureC: 'Cel'
}

/** When and where each reading of a NEWS2 set came from. */
export type News2Provenance = Partial<Record<keyof News2Input, { readonly t?: number; readonly ref?: string; readonly by?: string }>>

/**
 * The finding of one NEWS2 set: the score, the band rule that fired, and every reading with
 * its points (the evidence of a parameter lists its value; its points are in `fired`).
 * @throws As `news2`.
 */
export function news2Finding(v: News2Input, provenance: News2Provenance = {}): Finding {
  const r = news2(v)
  const evidence: Evidence[] = []
  let at = 0
  for (const key of Object.keys(r.points) as (keyof News2Input)[]) {
    const raw = v[key]
    const value = typeof raw === 'number' ? raw : typeof raw === 'boolean' ? Number(raw) : ACVPU.indexOf(raw as Consciousness)
    const p = provenance[key]
    // the finding's time is its readings': a clinician's entry may come later and does not move it
    if (p?.t !== undefined && key !== 'onOxygen' && key !== 'consciousness') at = Math.max(at, p.t)
    evidence.push({ what: key, value, unit: UNITS[key] ?? '1', ...(p?.t !== undefined ? { t: p.t } : {}), ...(p?.ref !== undefined ? { ref: p.ref } : {}), ...(p?.by !== undefined ? { by: p.by } : {}) })
  }
  // the scale a clinician set is evidence too: it changes how SpO2 scored
  const scale = provenance.spo2Scale
  if (v.spo2Scale === 2 && scale !== undefined) {
    evidence.push({ what: 'spo2Scale', value: 2, unit: '1', ...(scale.t !== undefined ? { t: scale.t } : {}), ...(scale.ref !== undefined ? { ref: scale.ref } : {}), ...(scale.by !== undefined ? { by: scale.by } : {}) })
  }
  const parts = Object.entries(r.points).map(([k, p]) => `${k} ${p}`).join(', ')
  return {
    rule: 'news2',
    severity: RISK_SEVERITY[r.risk],
    summary: `NEWS2 ${r.score}: ${r.risk === 'low-medium' ? 'low–medium' : r.risk} clinical risk`,
    fired: `${RISK_RULE[r.risk]}; points: ${parts}${v.spo2Scale === 2 ? ' (SpO2 scale 2)' : ''}`,
    evidence,
    source: SOURCES.news2,
    at
  }
}
