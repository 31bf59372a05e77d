/**
 * The FHIR R4 forms of telemonitoring: readings out of Observations, a patient's rule set
 * as a `Basic` resource, and an alert as a `DetectedIssue`.
 *
 * Why `Basic` for the rule set. R4 has no resource for a patient's alarm limits:
 * `ObservationDefinition` has critical ranges but is catalogue-level (no subject) and its
 * `Range` cannot say "strictly above"; `Goal` is a treatment target, and a BP goal of
 * < 130/80 is not the alarm limit of 160; `PlanDefinition` would need an expression
 * language (CQL, FHIRPath) run on input from another device. `Basic` is R4's place for
 * "resources not yet defined", and each rule is one complex extension whose limit is a
 * `Quantity` with its `comparator` (`> 160 mm[Hg]`), so the meaning survives outside
 * this app. One resource holds the whole set, replaced on every change (the record keeps
 * each version), written by the doctor's device into the visit compartment.
 *
 * Why `DetectedIssue` for an alert. It names evidence (`evidence.detail`: the reading, as
 * a contained Observation derived from the stored one, and the rule set), when
 * (`identifiedPeriod`: start at the reading; end when the episode ended), who
 * (`author`), and what was done (`mitigation`: acknowledged). `Flag` is a standing
 * warning about the patient ("risk of falls") with none of those.
 */
import {
  OBSERVATION_CATEGORY,
  parseFhirDateTime,
  type CodeableConcept,
  type DetectedIssue,
  type Extension,
  type FhirResource,
  type Observation,
  type Quantity,
  type Reference
} from '../record/index.ts'
import { FormatError } from '../lib/index.ts'
import { DEVICE_LOINC } from './fhir.ts'
import { describeRule, validateThresholdRule, MAX_THRESHOLD_RULES, ThresholdRuleError, type Measurement, type ThresholdRule } from './thresholds.ts'

const LOINC = 'http://loinc.org'
const UCUM = 'http://unitsofmeasure.org'
/** Local code system of this app's telemonitoring codes. */
export const TELEMONITORING_SYSTEM = 'urn:phr:fhir:CodeSystem:telemonitoring'
/** Complex extension holding one threshold rule (in the rule set, and the rule in force on an alert). */
export const THRESHOLD_RULE_URL = 'urn:phr:fhir:extension:threshold-rule'
/** System of a contained reading's `device.identifier`: the record's series device id. */
export const SERIES_DEVICE_SYSTEM = 'urn:phr:series-device'
/** Id of the one `Basic` rule-set resource of a visit compartment. */
export const THRESHOLDS_RESOURCE_ID = 'telemonitoring-thresholds'
/** Relative reference of the rule set. */
export const THRESHOLDS_REFERENCE = `Basic/${THRESHOLDS_RESOURCE_ID}`

/** A rule set or alert resource is not in the form written here; `field` names what. */
export class ThresholdFormatError extends FormatError {
  override name: string = 'ThresholdFormatError'
  readonly field: string
  constructor(field: string, detail: string, options?: { cause?: unknown }) {
    super(`${field}: ${detail}`, options)
    this.field = field
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const iso = (t: number): string => new Date(t).toISOString()
const DISPLAY = new Map<string, string>(Object.values(DEVICE_LOINC).map((t) => [t.code, t.display]))

/** The LOINC display of `code` when this layer knows it. */
export function loincDisplay(code: string): string | undefined {
  return DISPLAY.get(code)
}

// ── readings ────────────────────────────────────────────────────────────────

/** Observation statuses whose value is a result (R4 ObservationStatus). */
const RESULT_STATUS = new Set(['final', 'amended', 'corrected', 'preliminary'])

const loincCodes = (c: CodeableConcept | undefined): string[] =>
  (c?.coding ?? []).flatMap((x) => (x.system === LOINC && typeof x.code === 'string' ? [x.code] : []))

const quantityOf = (q: Quantity | undefined): { value: number; unit: string } | undefined => {
  if (q === undefined || typeof q.value !== 'number' || !Number.isFinite(q.value)) return undefined
  if (q.system !== undefined && q.system !== UCUM) return undefined
  const unit = q.code ?? q.unit
  return typeof unit === 'string' && unit !== '' ? { value: q.value, unit } : undefined
}

/** When an Observation was measured (epoch ms), or NaN. */
export function observationTime(obs: Observation): number {
  const when = obs.effectiveDateTime ?? obs.effectiveInstant ?? obs.effectivePeriod?.start ?? obs.issued
  return parseFhirDateTime(when)
}

/**
 * The LOINC-coded quantities an Observation holds: its value and each component's (a BP
 * panel gives systolic, diastolic, mean). None for a withdrawn, cancelled or
 * not-yet-resulted Observation, or one without a time.
 * @example measurementsOf(bpPanel).map((m) => m.codes[0]) // ['8480-6', '8462-4']
 */
export function measurementsOf(obs: Observation): Measurement[] {
  if (!RESULT_STATUS.has(obs.status)) return []
  const t = observationTime(obs)
  if (Number.isNaN(t)) return []
  const out: Measurement[] = []
  const top = quantityOf(obs.valueQuantity)
  const codes = loincCodes(obs.code)
  if (top !== undefined && codes.length > 0) out.push({ codes, ...top, t, source: { kind: 'observation', id: obs.id } })
  for (const c of Array.isArray(obs.component) ? obs.component : []) {
    if (!isObject(c)) continue
    const q = quantityOf(c.valueQuantity as Quantity | undefined)
    const cc = loincCodes(c.code as CodeableConcept | undefined)
    if (q !== undefined && cc.length > 0) out.push({ codes: cc, ...q, t, source: { kind: 'observation', id: obs.id, component: cc[0] as string } })
  }
  return out
}

// ── the rule set ────────────────────────────────────────────────────────────

const sub = (extensions: readonly unknown[], url: string): Record<string, unknown> | undefined =>
  extensions.find((e): e is Record<string, unknown> => isObject(e) && e['url'] === url)

/** One rule as its complex extension. */
export function ruleExtension(rule: ThresholdRule): Extension {
  const display = loincDisplay(rule.code)
  return {
    url: THRESHOLD_RULE_URL,
    extension: [
      { url: 'id', valueId: rule.id },
      { url: 'code', valueCoding: { system: LOINC, code: rule.code, ...(display === undefined ? {} : { display }) } },
      { url: 'threshold', valueQuantity: { comparator: rule.comparator, value: rule.value, unit: rule.unit, system: UCUM, code: rule.unit } },
      ...(rule.label === undefined ? [] : [{ url: 'label', valueString: rule.label }]),
      ...(rule.hysteresis === undefined ? [] : [{ url: 'hysteresis', valueDecimal: rule.hysteresis }]),
      ...(rule.clearAfterMs === undefined ? [] : [{ url: 'clearAfter', valueDuration: { value: rule.clearAfterMs, unit: 'ms', system: UCUM, code: 'ms' } }]),
      ...(rule.since === undefined ? [] : [{ url: 'since', valueInstant: iso(rule.since) }])
    ]
  }
}

const DURATION_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 }

/**
 * One rule from its complex extension (untrusted: from another device).
 * @throws {ThresholdFormatError} naming the field; a rule that is well-formed FHIR but not a valid rule has the `ThresholdRuleError` as its cause.
 */
export function ruleFromExtension(ext: unknown, at = 'extension'): ThresholdRule {
  if (!isObject(ext) || ext['url'] !== THRESHOLD_RULE_URL || !Array.isArray(ext['extension'])) throw new ThresholdFormatError(at, 'not a threshold-rule extension')
  const parts = ext['extension'] as unknown[]
  const coding = sub(parts, 'code')?.['valueCoding']
  const q = sub(parts, 'threshold')?.['valueQuantity']
  if (!isObject(coding) || coding['system'] !== LOINC) throw new ThresholdFormatError(`${at}.code`, 'must be a LOINC Coding')
  if (!isObject(q) || (q['system'] !== undefined && q['system'] !== UCUM)) throw new ThresholdFormatError(`${at}.threshold`, 'must be a UCUM Quantity')
  const duration = sub(parts, 'clearAfter')?.['valueDuration']
  let clearAfterMs: unknown
  if (duration !== undefined) {
    const scale = isObject(duration) && typeof duration['code'] === 'string' ? DURATION_MS[duration['code']] : undefined
    if (!isObject(duration) || scale === undefined || typeof duration['value'] !== 'number') throw new ThresholdFormatError(`${at}.clearAfter`, 'must be a Duration in ms, s, min or h')
    clearAfterMs = Math.round(duration['value'] * scale)
  }
  const sinceText = sub(parts, 'since')?.['valueInstant']
  const since = sinceText === undefined ? undefined : parseFhirDateTime(sinceText)
  if (since !== undefined && Number.isNaN(since)) throw new ThresholdFormatError(`${at}.since`, 'must be an instant')
  const candidate: Record<string, unknown> = {
    id: sub(parts, 'id')?.['valueId'],
    code: coding['code'],
    comparator: q['comparator'],
    value: q['value'],
    unit: q['code'] ?? q['unit']
  }
  const label = sub(parts, 'label')?.['valueString']
  const hysteresis = sub(parts, 'hysteresis')?.['valueDecimal']
  if (label !== undefined) candidate['label'] = label
  if (hysteresis !== undefined) candidate['hysteresis'] = hysteresis
  if (clearAfterMs !== undefined) candidate['clearAfterMs'] = clearAfterMs
  if (since !== undefined) candidate['since'] = since
  try {
    return validateThresholdRule(candidate, at)
  } catch (err) {
    if (err instanceof ThresholdRuleError) throw new ThresholdFormatError(err.field, err.message, { cause: err })
    throw err
  }
}

/** What the rule-set resource says besides the rules. */
export interface ThresholdSetInit {
  readonly rules: readonly ThresholdRule[]
  /** Who set them (the doctor). */
  readonly author?: Reference
  readonly subject?: Reference
  /** When, epoch ms (`Basic.created` is a date). */
  readonly at: number
}

/**
 * The rule set as a FHIR `Basic` resource (see the file comment), id `THRESHOLDS_RESOURCE_ID`.
 * @example visit.resources.put(thresholdsToBasic({ rules, at: Date.now(), author: { display: 'Dr A' } }))
 */
export function thresholdsToBasic(init: ThresholdSetInit): FhirResource {
  return {
    resourceType: 'Basic',
    id: THRESHOLDS_RESOURCE_ID,
    code: { coding: [{ system: TELEMONITORING_SYSTEM, code: 'alert-thresholds', display: 'Telemonitoring alert thresholds' }], text: 'Telemonitoring alert thresholds' },
    ...(init.subject === undefined ? {} : { subject: init.subject }),
    created: iso(init.at).slice(0, 10),
    ...(init.author === undefined ? {} : { author: init.author }),
    extension: init.rules.map(ruleExtension)
  }
}

/**
 * The rules of a rule-set resource (untrusted: synced from another device).
 * @throws {ThresholdFormatError} when it is not one, holds a modifier extension, more than
 *   `MAX_THRESHOLD_RULES` rules, an invalid rule or two rules with one id.
 */
export function thresholdsFromBasic(resource: unknown): ThresholdRule[] {
  if (!isObject(resource) || resource['resourceType'] !== 'Basic') throw new ThresholdFormatError('resource', 'not a Basic resource')
  const code = resource['code']
  if (!isObject(code) || !Array.isArray(code['coding']) || !code['coding'].some((c) => isObject(c) && c['system'] === TELEMONITORING_SYSTEM && c['code'] === 'alert-thresholds')) {
    throw new ThresholdFormatError('Basic.code', 'not a telemonitoring rule set')
  }
  // R4 §2.4.1.2: a modifier extension this app does not understand changes the meaning: refuse
  if (resource['modifierExtension'] !== undefined) throw new ThresholdFormatError('Basic.modifierExtension', 'not understood')
  const exts = Array.isArray(resource['extension']) ? resource['extension'].filter((e) => isObject(e) && e['url'] === THRESHOLD_RULE_URL) : []
  if (exts.length > MAX_THRESHOLD_RULES) throw new ThresholdFormatError('Basic.extension', `more than ${MAX_THRESHOLD_RULES} rules`)
  const rules = exts.map((e, i) => ruleFromExtension(e, `Basic.extension[${i}]`))
  if (new Set(rules.map((r) => r.id)).size !== rules.length) throw new ThresholdFormatError('Basic.extension', 'two rules with one id')
  return rules
}

// ── alerts ──────────────────────────────────────────────────────────────────

/** What raised an alert. */
export interface AlertInit {
  readonly rule: ThresholdRule
  readonly reading: Measurement
  /** Who raised it (the doctor, or their device). */
  readonly author?: Reference
  readonly patient?: Reference
}

/**
 * The id of the alert `rule` raises at a reading of time `t`: the same on every device
 * and after a restart, so an episode's alert is written once.
 * @example alertId('sbp', 1767261600000) // 'alert-sbp-mjv7xg00'
 */
export function alertId(ruleId: string, t: number): string {
  return `alert-${ruleId}-${t.toString(36)}`
}

/**
 * The alert as a FHIR `DetectedIssue` (see the file comment): the reading contained (and
 * derived from the stored Observation, when it is one), the rule set and the rule in force.
 * @example visit.resources.put(alertToDetectedIssue({ rule, reading, author: { display: 'Dr A' } }))
 */
export function alertToDetectedIssue(init: AlertInit): DetectedIssue {
  const { rule, reading } = init
  const code = reading.codes.find((c) => c === rule.code) ?? reading.codes[0] ?? rule.code
  const name = loincDisplay(code) ?? code
  const src = reading.source
  const contained: Observation = {
    resourceType: 'Observation',
    id: 'reading',
    status: 'final',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs', display: 'Vital Signs' }] }],
    code: { coding: reading.codes.map((c) => ({ system: LOINC, code: c, ...(loincDisplay(c) === undefined ? {} : { display: loincDisplay(c) }) })), text: name },
    valueQuantity: { value: reading.value, unit: reading.unit, system: UCUM, code: reading.unit },
    effectiveDateTime: iso(reading.t),
    ...(src.kind === 'series' ? { device: { identifier: { system: SERIES_DEVICE_SYSTEM, value: src.device } } } : { derivedFrom: [{ reference: `Observation/${src.id}` }] })
  }
  return {
    resourceType: 'DetectedIssue',
    id: alertId(rule.id, reading.t),
    status: 'final',
    severity: 'high',
    code: { coding: [{ system: TELEMONITORING_SYSTEM, code: 'threshold-crossed', display: 'Telemonitoring threshold crossed' }], text: describeRule(rule) },
    ...(init.patient === undefined ? {} : { patient: init.patient }),
    ...(init.author === undefined ? {} : { author: init.author }),
    identifiedPeriod: { start: iso(reading.t) },
    detail: `${name} ${reading.value} ${reading.unit} (threshold ${rule.comparator} ${rule.value} ${rule.unit})`,
    contained: [contained],
    evidence: [{ code: [{ coding: [{ system: LOINC, code, display: name }] }], detail: [{ reference: '#reading' }, { reference: THRESHOLDS_REFERENCE, display: `rule ${rule.id}` }] }],
    extension: [ruleExtension(rule)]
  }
}

/**
 * The alert with its episode ended at `at` (epoch ms).
 * @example visit.resources.put(endAlert(issue, clearAt))
 */
export function endAlert(issue: DetectedIssue, at: number): DetectedIssue {
  const period = isObject(issue['identifiedPeriod']) ? issue['identifiedPeriod'] : {}
  return { ...issue, identifiedPeriod: { ...period, end: iso(at) } }
}

/**
 * The alert marked acknowledged (a `mitigation`) by `author` at `at`.
 * @example visit.resources.put(acknowledgeAlert(issue, Date.now(), { display: 'Dr A' }))
 */
export function acknowledgeAlert(issue: DetectedIssue, at: number, author?: Reference): DetectedIssue {
  const mitigation = Array.isArray(issue['mitigation']) ? (issue['mitigation'] as unknown[]) : []
  return {
    ...issue,
    mitigation: [
      ...mitigation,
      {
        action: { coding: [{ system: TELEMONITORING_SYSTEM, code: 'acknowledged', display: 'Alert acknowledged' }], text: 'Acknowledged' },
        date: iso(at),
        ...(author === undefined ? {} : { author })
      }
    ]
  }
}

/** An alert as shown. */
export interface ThresholdAlert {
  readonly id: string
  /** The rule in force when it was raised. */
  readonly rule: ThresholdRule
  /** The reading: its LOINC codes, value and unit as measured, and time (epoch ms). */
  readonly codes: readonly string[]
  readonly value: number
  readonly unit: string
  readonly at: number
  /** When the episode ended (first clear reading), if it did. */
  readonly endedAt?: number
  readonly acknowledged?: { readonly at: number; readonly by?: string }
  /** `Observation/<id>` the reading came from, or the series device. */
  readonly observation?: string
  readonly device?: string
  readonly detail?: string
  /** Withdrawn (entered-in-error). */
  readonly withdrawn: boolean
}

/** Whether a resource is a telemonitoring alert (by its code), to tell it from other DetectedIssues. */
export function isThresholdAlert(r: FhirResource): boolean {
  const code = r['code']
  return r.resourceType === 'DetectedIssue' && isObject(code) && Array.isArray(code['coding']) && code['coding'].some((c) => isObject(c) && c['system'] === TELEMONITORING_SYSTEM && c['code'] === 'threshold-crossed')
}

/**
 * An alert from its `DetectedIssue` (untrusted: synced from another device).
 * @throws {ThresholdFormatError} when it is not a telemonitoring alert in the form written here.
 */
export function alertFromDetectedIssue(r: FhirResource): ThresholdAlert {
  if (!isThresholdAlert(r)) throw new ThresholdFormatError('DetectedIssue.code', 'not a telemonitoring alert')
  const exts = (Array.isArray(r.extension) ? (r.extension as unknown[]) : []).filter((e) => isObject(e) && e['url'] === THRESHOLD_RULE_URL)
  if (exts.length !== 1) throw new ThresholdFormatError('DetectedIssue.extension', 'must name one rule')
  const rule = ruleFromExtension(exts[0], 'DetectedIssue.extension')
  const period = r['identifiedPeriod']
  const at = isObject(period) ? parseFhirDateTime(period['start']) : Number.NaN
  if (Number.isNaN(at)) throw new ThresholdFormatError('DetectedIssue.identifiedPeriod.start', 'must be a dateTime')
  const endedAt = isObject(period) && period['end'] !== undefined ? parseFhirDateTime(period['end']) : undefined
  if (endedAt !== undefined && Number.isNaN(endedAt)) throw new ThresholdFormatError('DetectedIssue.identifiedPeriod.end', 'must be a dateTime')
  const contained = Array.isArray(r['contained']) ? (r['contained'] as unknown[]).find((c) => isObject(c) && c['resourceType'] === 'Observation' && c['id'] === 'reading') : undefined
  if (!isObject(contained)) throw new ThresholdFormatError('DetectedIssue.contained', 'must hold the reading')
  const obs = contained as unknown as Observation
  const q = quantityOf(obs.valueQuantity)
  const codes = loincCodes(obs.code)
  if (q === undefined || codes.length === 0) throw new ThresholdFormatError('DetectedIssue.contained.valueQuantity', 'must be a LOINC-coded UCUM quantity')
  const ack = (Array.isArray(r['mitigation']) ? (r['mitigation'] as unknown[]) : []).find(
    (m): m is Record<string, unknown> => isObject(m) && isObject(m['action']) && Array.isArray(m['action']['coding']) && m['action']['coding'].some((c) => isObject(c) && c['code'] === 'acknowledged')
  )
  const ackAt = ack === undefined ? Number.NaN : parseFhirDateTime(ack['date'])
  const ackBy = ack !== undefined && isObject(ack['author']) && typeof ack['author']['display'] === 'string' ? ack['author']['display'] : undefined
  const derived = Array.isArray(obs['derivedFrom']) ? (obs['derivedFrom'] as unknown[])[0] : undefined
  const observation = isObject(derived) && typeof derived['reference'] === 'string' ? derived['reference'] : undefined
  const device = obs.device?.identifier?.system === SERIES_DEVICE_SYSTEM ? obs.device.identifier.value : undefined
  return {
    id: r.id,
    rule,
    codes,
    value: q.value,
    unit: q.unit,
    at,
    ...(endedAt === undefined ? {} : { endedAt }),
    ...(Number.isNaN(ackAt) ? {} : { acknowledged: { at: ackAt, ...(ackBy === undefined ? {} : { by: ackBy }) } }),
    ...(observation === undefined ? {} : { observation }),
    ...(device === undefined ? {} : { device }),
    ...(typeof r['detail'] === 'string' ? { detail: r['detail'] } : {}),
    withdrawn: r['status'] === 'entered-in-error'
  }
}
