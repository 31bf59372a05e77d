/**
 * Telemonitoring thresholds (issue 8 §4): the alert rules a doctor sets for one patient
 * ("systolic > 160 mm[Hg]", "glucose < 70 mg/dL", "SpO2 < 92 %"), checked at the boundary,
 * and their evaluation against readings, with unit conversion and hysteresis so that one
 * excursion raises one alert, not one per sample.
 *
 * Matching. A rule names one LOINC code; it applies to readings of that code and of the
 * codes measuring the same quantity (`SAME_QUANTITY`): glucose in blood, serum/plasma or
 * interstitial fluid, by mass or by moles; SpO2 by either of its two codes; heart rate by
 * a strap or a pulse oximeter. The reading's value is converted into the rule's unit
 * (`convertValue`) before it is compared; a unit with no conversion makes the reading
 * incomparable, never silently compared.
 *
 * Episodes. A reading past the threshold opens an episode (the alert); the episode stays
 * open until readings are back on the safe side by the rule's hysteresis (e.g. 5 mm[Hg]:
 * a "> 160" episode ends at ≤ 155) and have stayed there for `clearAfterMs`. Readings in
 * between hold the state. This is the event definition of the International Consensus on
 * CGM (Danne et al., Diabetes Care 2017;40:1631, "hypoglycemic event": begins with a value
 * below the threshold, ends with values at or above it for 15 min), generalised to any
 * quantity; hysteresis keeps a value flickering by one display step from re-raising.
 */
import { PhrError } from '../lib/index.ts'
import { DEVICE_LOINC } from './fhir.ts'

/** How a reading compares to the threshold for the rule to fire (FHIR Quantity.comparator symbols). */
export type ThresholdComparator = '<' | '<=' | '>=' | '>'
const COMPARATORS: readonly string[] = ['<', '<=', '>=', '>']

/** One alert rule. */
export interface ThresholdRule {
  /** Stable id within the patient's rule set: 1-32 of `A-Z a-z 0-9 -`. */
  readonly id: string
  /** LOINC code of the measured quantity, e.g. `8480-6` (systolic). */
  readonly code: string
  readonly comparator: ThresholdComparator
  readonly value: number
  /** UCUM code of `value` (and of `hysteresis`), e.g. `mm[Hg]`, `mg/dL`, `%`. */
  readonly unit: string
  /** What the doctor calls it, shown with the alert. At most 120 characters. */
  readonly label?: string
  /** Distance back across the threshold that ends an episode, in `unit`. @default `DEFAULT_HYSTERESIS[unit]` or 0 */
  readonly hysteresis?: number
  /** How long readings must stay clear before the episode ends (ms, ≤ 24 h). @default 0 */
  readonly clearAfterMs?: number
  /** Readings taken before this time (epoch ms) are not evaluated: set when the rule was made or last changed. */
  readonly since?: number
}

/** Most rules in one patient's set. */
export const MAX_THRESHOLD_RULES = 32
/** Longest `label`. */
export const MAX_RULE_LABEL = 120
/** Longest `clearAfterMs`: one day. */
export const MAX_CLEAR_AFTER_MS = 86_400_000
const RULE_ID = /^[A-Za-z0-9-]{1,32}$/
/** A LOINC code: digits, a hyphen and the check digit. */
const LOINC_CODE = /^\d{1,7}-\d$/
/** A UCUM code as the record stores one: printable ASCII without spaces. */
const UCUM_CODE = /^[!-~]{1,32}$/

/**
 * Default hysteresis per UCUM unit. Not from a standard: each is below the error the device
 * standards accept (ISO 81060-2: BP mean error ≤ 5 mmHg; ISO 80601-2-61: SpO2 Arms ≤ 4 %;
 * ISO 15197: glucose ±15 mg/dL below 100 mg/dL) and above one display step, so a value
 * flickering across the threshold does not re-raise, while a real return to normal ends
 * the episode.
 */
export const DEFAULT_HYSTERESIS: Readonly<Record<string, number>> = Object.freeze({
  'mm[Hg]': 5,
  kPa: 0.7,
  '/min': 5,
  '%': 1,
  'mg/dL': 5,
  'mmol/L': 0.3,
  Cel: 0.2,
  '[degF]': 0.4,
  kg: 0.5,
  '[lb_av]': 1
})

/** A rule is not valid; `field` names what, e.g. `rules[2].value`. */
export class ThresholdRuleError extends PhrError {
  override name: string = 'ThresholdRuleError'
  readonly field: string
  constructor(field: string, detail: string) {
    super(`${field}: ${detail}`)
    this.field = field
  }
}

/** A rule's unit cannot be compared with its code's readings (e.g. glucose in mm[Hg]). */
export class ThresholdUnitError extends ThresholdRuleError {
  override name: string = 'ThresholdUnitError'
}

// ── quantities and units ────────────────────────────────────────────────────

/**
 * LOINC codes measuring the same quantity; within a group a rule on one applies to all.
 * Glucose: 2339-0 / 15074-8 blood (mass / moles), 2345-7 / 14749-6 serum or plasma,
 * 99504-3 interstitial fluid (CGM) — hypoglycaemia levels are set on one scale for meters
 * and CGM (Battelino et al., Diabetes Care 2019;42:1593: level 1 < 70 mg/dL, 3.9 mmol/L).
 */
export const SAME_QUANTITY: readonly (readonly string[])[] = Object.freeze([
  Object.freeze(['2339-0', '15074-8', '2345-7', '14749-6', DEVICE_LOINC.cgmGlucose.code]),
  Object.freeze([DEVICE_LOINC.spo2.code, DEVICE_LOINC.spo2Arterial.code]),
  Object.freeze([DEVICE_LOINC.heartRate.code, DEVICE_LOINC.pulseOximetry.code])
])
const GROUP_OF = new Map<string, readonly string[]>(SAME_QUANTITY.flatMap((g) => g.map((c) => [c, g] as const)))
const GLUCOSE = new Set(SAME_QUANTITY[0])

/** The UCUM unit readings of each code are stored in (the device layer's), for codes that have one. */
const CANONICAL_UNIT = new Map<string, string>([
  ...Object.values(DEVICE_LOINC).map((t) => [t.code, t.unit] as const),
  ['2345-7', 'mg/dL'],
  ['14749-6', 'mmol/L']
])

/**
 * Key under which readings of the same quantity are shown together: the first code of its
 * `SAME_QUANTITY` group, or the code itself.
 * @example quantityKey('2708-6') // '59408-5'
 */
export function quantityKey(code: string): string {
  return GROUP_OF.get(code)?.[0] ?? code
}

/** Every code whose readings measure the same quantity as `code` (`code` itself included). */
export function quantityCodes(code: string): readonly string[] {
  return GROUP_OF.get(code) ?? [code]
}

/** Whether readings of `a` and `b` measure the same quantity. */
export function sameQuantity(a: string, b: string): boolean {
  return a === b || (GROUP_OF.get(a) !== undefined && GROUP_OF.get(a) === GROUP_OF.get(b))
}

/** The UCUM unit the record stores readings of `code` in, if this layer knows it. */
export function canonicalUnit(code: string): string | undefined {
  return CANONICAL_UNIT.get(code) ?? CANONICAL_UNIT.get(quantityKey(code))
}

/** 1 mmHg = 133.322387415 Pa (BIPM conventional value). */
const MMHG_PER_KPA = 1000 / 133.322387415
/** M(C6H12O6) = 180.156 g/mol: 1 mmol/L = 180.156 mg/L = 18.0156 mg/dL. */
const GLUCOSE_MG_DL_PER_MMOL_L = 18.0156
/** 1 lb = 0.45359237 kg exactly (international avoirdupois pound). */
const KG_PER_LB = 0.45359237

interface Linear {
  readonly from: string
  readonly to: string
  readonly scale: number
  readonly offset: number
  /** Only for readings of these codes (a molar conversion depends on the analyte). */
  readonly codes?: ReadonlySet<string>
}
const LINEAR: readonly Linear[] = [
  { from: 'kPa', to: 'mm[Hg]', scale: MMHG_PER_KPA, offset: 0 },
  { from: '[degF]', to: 'Cel', scale: 5 / 9, offset: (-32 * 5) / 9 },
  { from: '[lb_av]', to: 'kg', scale: KG_PER_LB, offset: 0 },
  { from: 'mmol/L', to: 'mg/dL', scale: GLUCOSE_MG_DL_PER_MMOL_L, offset: 0, codes: GLUCOSE }
]

/** Rounds away float noise of a conversion (a converted 160 must compare as 160). */
const tidy = (x: number): number => Math.round(x * 1e9) / 1e9

/**
 * `value` in `from` expressed in `to`, for a reading of `code`; `undefined` when there is
 * no conversion (mg/dL ↔ mmol/L exists for glucose only).
 * @example convertValue(3.9, 'mmol/L', 'mg/dL', '15074-8') // 70.26084
 */
export function convertValue(value: number, from: string, to: string, code?: string): number | undefined {
  if (from === to) return value
  for (const l of LINEAR) {
    if (l.codes !== undefined && (code === undefined || !l.codes.has(code))) continue
    if (l.from === from && l.to === to) return tidy(value * l.scale + l.offset)
    if (l.from === to && l.to === from) return tidy((value - l.offset) / l.scale)
  }
  return undefined
}

// ── validation ──────────────────────────────────────────────────────────────

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Checks one rule from untrusted input (a form, a synced resource) and returns a plain,
 * frozen copy with only the known fields.
 * @throws {ThresholdRuleError} naming the field (`<at>.value`, …).
 * @throws {ThresholdUnitError} when `unit` cannot be compared with readings of `code`.
 * @example validateThresholdRule({ id: 'sbp', code: '8480-6', comparator: '>', value: 160, unit: 'mm[Hg]' })
 */
export function validateThresholdRule(input: unknown, at = 'rule'): ThresholdRule {
  if (!isObject(input)) throw new ThresholdRuleError(at, 'must be an object')
  const { id, code, comparator, value, unit, label, hysteresis, clearAfterMs, since } = input
  if (typeof id !== 'string' || !RULE_ID.test(id)) throw new ThresholdRuleError(`${at}.id`, 'must be 1-32 of A-Z a-z 0-9 -')
  if (typeof code !== 'string' || !LOINC_CODE.test(code)) throw new ThresholdRuleError(`${at}.code`, 'must be a LOINC code such as 8480-6')
  if (typeof comparator !== 'string' || !COMPARATORS.includes(comparator)) throw new ThresholdRuleError(`${at}.comparator`, 'must be one of < <= >= >')
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ThresholdRuleError(`${at}.value`, 'must be a finite number')
  if (typeof unit !== 'string' || !UCUM_CODE.test(unit)) throw new ThresholdRuleError(`${at}.unit`, 'must be a UCUM code')
  const canonical = canonicalUnit(code)
  if (canonical !== undefined && convertValue(1, unit, canonical, code) === undefined) {
    throw new ThresholdUnitError(`${at}.unit`, `${unit} cannot be compared with readings of ${code} (${canonical})`)
  }
  if (label !== undefined && (typeof label !== 'string' || label.trim() === '' || label.length > MAX_RULE_LABEL)) {
    throw new ThresholdRuleError(`${at}.label`, `must be 1-${MAX_RULE_LABEL} characters`)
  }
  if (hysteresis !== undefined && (typeof hysteresis !== 'number' || !Number.isFinite(hysteresis) || hysteresis < 0)) {
    throw new ThresholdRuleError(`${at}.hysteresis`, 'must be a finite number ≥ 0')
  }
  if (clearAfterMs !== undefined && (typeof clearAfterMs !== 'number' || !Number.isSafeInteger(clearAfterMs) || clearAfterMs < 0 || clearAfterMs > MAX_CLEAR_AFTER_MS)) {
    throw new ThresholdRuleError(`${at}.clearAfterMs`, `must be an integer 0..${MAX_CLEAR_AFTER_MS}`)
  }
  if (since !== undefined && (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0)) {
    throw new ThresholdRuleError(`${at}.since`, 'must be an integer epoch ms')
  }
  return Object.freeze({
    id,
    code,
    comparator: comparator as ThresholdComparator,
    value,
    unit,
    ...(label === undefined ? {} : { label: label.trim() }),
    ...(hysteresis === undefined ? {} : { hysteresis }),
    ...(clearAfterMs === undefined ? {} : { clearAfterMs }),
    ...(since === undefined ? {} : { since })
  })
}

/**
 * Checks a whole rule set: an array of at most `MAX_THRESHOLD_RULES` valid rules with
 * distinct ids.
 * @throws {ThresholdRuleError} naming the field (`rules`, `rules[1].id`, …).
 */
export function validateThresholdRules(input: unknown): ThresholdRule[] {
  if (!Array.isArray(input)) throw new ThresholdRuleError('rules', 'must be an array')
  if (input.length > MAX_THRESHOLD_RULES) throw new ThresholdRuleError('rules', `at most ${MAX_THRESHOLD_RULES} rules`)
  const ids = new Set<string>()
  return input.map((r: unknown, i) => {
    const rule = validateThresholdRule(r, `rules[${i}]`)
    if (ids.has(rule.id)) throw new ThresholdRuleError(`rules[${i}].id`, `duplicate id ${rule.id}`)
    ids.add(rule.id)
    return rule
  })
}

/** Whether two rules say the same (everything but `since`). */
export function sameRule(a: ThresholdRule, b: ThresholdRule): boolean {
  return (
    a.id === b.id &&
    a.code === b.code &&
    a.comparator === b.comparator &&
    a.value === b.value &&
    a.unit === b.unit &&
    a.label === b.label &&
    a.hysteresis === b.hysteresis &&
    a.clearAfterMs === b.clearAfterMs
  )
}

/** The rule as words: `8480-6 > 160 mm[Hg]`, or its label. */
export function describeRule(rule: ThresholdRule): string {
  return rule.label ?? `${rule.code} ${rule.comparator} ${rule.value} ${rule.unit}`
}

// ── evaluation ──────────────────────────────────────────────────────────────

/** Where a reading is stored. */
export type MeasurementSource =
  /** An Observation of the record (`component` names the component's code, e.g. systolic in a BP panel). */
  | { readonly kind: 'observation'; readonly id: string; readonly component?: string }
  /** A time-series sample of the record. */
  | { readonly kind: 'series'; readonly device: string }

/** One measured value, from an Observation (or one of its components) or a series sample. */
export interface Measurement {
  /** LOINC codes naming it (an SpO2 Observation carries 2708-6 and 59408-5). At least one. */
  readonly codes: readonly string[]
  readonly value: number
  /** UCUM code. */
  readonly unit: string
  /** When it was measured, epoch ms. */
  readonly t: number
  readonly source: MeasurementSource
}

/** What one reading says about one rule. */
export type Verdict =
  /** Past the threshold. */
  | 'past'
  /** On the safe side by at least the hysteresis. */
  | 'clear'
  /** Between the threshold and the hysteresis: neither raises nor ends an episode. */
  | 'hold'
  /** Not about this rule's quantity, or in a unit that cannot be converted. */
  | 'incomparable'

const compare = (x: number, c: ThresholdComparator, limit: number): boolean =>
  c === '>' ? x > limit : c === '>=' ? x >= limit : c === '<' ? x < limit : x <= limit

/** The hysteresis in force for `rule`. */
export function hysteresisOf(rule: ThresholdRule): number {
  return rule.hysteresis ?? DEFAULT_HYSTERESIS[rule.unit] ?? 0
}

/** The code of `m` that the rule applies to, if any. */
export function matchingCode(rule: Pick<ThresholdRule, 'code'>, m: Pick<Measurement, 'codes'>): string | undefined {
  return m.codes.find((c) => sameQuantity(rule.code, c))
}

/**
 * What one reading says about `rule`, and its value in the rule's unit.
 * @example checkReading(sbp160, { codes: ['8480-6'], value: 161, unit: 'mm[Hg]', … }) // { verdict: 'past', value: 161 }
 */
export function checkReading(rule: ThresholdRule, m: Pick<Measurement, 'codes' | 'value' | 'unit'>): { verdict: Verdict; value?: number } {
  const code = matchingCode(rule, m)
  if (code === undefined || !Number.isFinite(m.value)) return { verdict: 'incomparable' }
  const value = convertValue(m.value, m.unit, rule.unit, code)
  if (value === undefined) return { verdict: 'incomparable' }
  if (compare(value, rule.comparator, rule.value)) return { verdict: 'past', value }
  const h = hysteresisOf(rule)
  // back across the threshold by h: the rule's test on the value shifted h towards it fails too
  const shifted = rule.comparator === '>' || rule.comparator === '>=' ? value + h : value - h
  return { verdict: compare(shifted, rule.comparator, rule.value) ? 'hold' : 'clear', value }
}

/** The state of one rule's episode. */
export interface EpisodeState {
  /** The reading that opened the episode in progress. */
  readonly open?: Measurement
  /** Time of the first reading of the current clear run, while an episode is open. */
  readonly clearSince?: number
  /** Time of the last reading evaluated; later readings only are stepped. */
  readonly lastT: number
}

/** What a step did. */
export type EpisodeEvent =
  | { readonly type: 'start'; readonly rule: ThresholdRule; readonly reading: Measurement; readonly value: number }
  /** The episode opened by `opened` ended; `at` is the first reading of the clear run that ended it. */
  | { readonly type: 'end'; readonly rule: ThresholdRule; readonly opened: Measurement; readonly at: number; readonly reading: Measurement }

/** The state before any reading. */
export const INITIAL_EPISODE: EpisodeState = Object.freeze({ lastT: Number.NEGATIVE_INFINITY })

/**
 * One reading through one rule's episode state machine (pure). Readings must come in time
 * order: one not later than `state.lastT`, one before `rule.since`, and one incomparable
 * leave the state as it is.
 * @example let s = INITIAL_EPISODE; for (const m of ms) { const r = stepEpisode(rule, s, m); s = r.state; if (r.event) … }
 */
export function stepEpisode(rule: ThresholdRule, state: EpisodeState, m: Measurement): { state: EpisodeState; event?: EpisodeEvent } {
  if (!(m.t > state.lastT) || (rule.since !== undefined && m.t < rule.since)) return { state }
  const { verdict, value } = checkReading(rule, m)
  if (verdict === 'incomparable') return { state }
  const lastT = m.t
  if (state.open === undefined) {
    if (verdict !== 'past') return { state: { lastT } }
    return { state: { open: m, lastT }, event: { type: 'start', rule, reading: m, value: value as number } }
  }
  if (verdict !== 'clear') return { state: { open: state.open, lastT } }
  const clearSince = state.clearSince ?? m.t
  if (m.t - clearSince >= (rule.clearAfterMs ?? 0)) {
    return { state: { lastT }, event: { type: 'end', rule, opened: state.open, at: clearSince, reading: m } }
  }
  return { state: { open: state.open, clearSince, lastT } }
}

/** One excursion, as `episodesOf` finds it. */
export interface Episode {
  readonly start: Measurement
  /** Time of the first reading of the clear run that ended it; absent while it goes on. */
  readonly end?: number
}

/**
 * The episodes of `rule` in a list of readings (sorted by time here; equal times keep
 * their order, the later ones ignored).
 * @example episodesOf(glucoseBelow70, readings).length // alerts the readings raise
 */
export function episodesOf(rule: ThresholdRule, readings: readonly Measurement[]): Episode[] {
  const out: Array<{ start: Measurement; end?: number }> = []
  let s = INITIAL_EPISODE
  for (const m of [...readings].sort((a, b) => a.t - b.t)) {
    const r = stepEpisode(rule, s, m)
    s = r.state
    if (r.event?.type === 'start') out.push({ start: r.event.reading })
    if (r.event?.type === 'end') {
      const last = out[out.length - 1]
      if (last !== undefined) last.end = r.event.at
    }
  }
  return out
}
