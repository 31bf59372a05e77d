/**
 * Findings that call for an alert, and the alert's FHIR form: a `DetectedIssue` citing the
 * finding's rule, the readings it fired on and the rule's source (`DetectedIssue.reference`,
 * R4: "authority for the issue"), written by the grantee's device into the visit
 * compartment as telemonitoring threshold alerts are (src/devices/threshold-fhir.ts), so
 * both show in one feed.
 *
 * Which findings. Those a clinician should act on without waiting for the next visit:
 *
 * | key               | finding                                                           | source |
 * |-------------------|-------------------------------------------------------------------|--------|
 * | `news2-high`      | NEWS2 ≥ 7 (emergency response)                                    | RCP 2017, chart 2 |
 * | `news2-medium`    | NEWS2 5–6 (urgent response)                                       | RCP 2017, chart 2 |
 * | `news2-low-medium`| NEWS2 with one parameter scoring 3 (urgent ward-based response)   | RCP 2017, chart 2 |
 * | `bp-crisis`       | latest blood pressure > 180 and/or > 120 mm Hg                    | ACC/AHA 2017 §11.2 |
 * | `af-screen`       | an irregular rhythm in the strap's RR intervals                   | Dash 2009 |
 * | `cgm-tbr54`       | time below 54 mg/dL ≥ 1 % (the consensus target is < 1 %)         | Battelino 2019, Table 2 |
 *
 * An episode is the time a key keeps firing: one alert when it starts, its end when a later
 * computation no longer finds it (app/finding-alerts.ts). The id is a function of key and
 * the finding's time, so two devices computing the same finding write the same alert.
 */
import { parseFhirDateTime, type DetectedIssue, type Reference } from '../record/index.ts'
import { PhrError } from '../lib/index.ts'
import { RULES, SEVERITIES, type Finding, type RuleId, type Severity } from './findings.ts'
import type { Source } from './sources.ts'

/** Code system and code of a finding alert (`DetectedIssue.code`). */
export const INSIGHT_ALERT_SYSTEM = 'urn:phr:fhir:CodeSystem:insights'
export const INSIGHT_ALERT_CODE = 'finding-alert'
/** Complex extension: the finding's key, rule, source and numbers. */
export const INSIGHT_ALERT_URL = 'urn:phr:fhir:extension:insight-alert'

/** The episode keys (see the file comment). */
export const ALERT_KEYS = ['news2-high', 'news2-medium', 'news2-low-medium', 'bp-crisis', 'af-screen', 'cgm-tbr54'] as const
export type AlertKey = (typeof ALERT_KEYS)[number]

/** Battelino 2019, Table 2: time below 54 mg/dL should be under 1 %. */
export const TBR54_ALERT_PERCENT = 1
/** Most readings an alert cites. */
export const MAX_ALERT_EVIDENCE = 24

/** A finding alert's resource is not in the form written here; `field` names what. */
export class InsightAlertFormatError extends PhrError {
  override name: string = 'InsightAlertFormatError'
  readonly field: string
  constructor(field: string, detail: string) {
    super(`${field}: ${detail}`)
    this.field = field
  }
}

/** What an alert says about its finding, for a screen to word. */
export interface FindingAlertFacts {
  /** NEWS2 score; BP systolic/diastolic; CGM % below 54; AF windows that triggered. */
  readonly [name: string]: number
}

/** A finding alert as shown. */
export interface InsightAlert {
  readonly kind: 'insight'
  readonly id: string
  readonly key: AlertKey
  readonly rule: RuleId
  readonly severity: Severity
  /** The finding's sentence (English). */
  readonly summary: string
  /** The condition that fired (English, technical). */
  readonly fired: string
  readonly source: Source
  readonly facts: FindingAlertFacts
  /** Time of the finding's latest reading, epoch ms: the episode's start. */
  readonly at: number
  readonly endedAt?: number
  readonly acknowledged?: { readonly at: number; readonly by?: string }
  readonly withdrawn: boolean
}

const value = (f: Finding, what: string): number | undefined => f.evidence.find((e) => e.what === what)?.value

/**
 * The alert key of a finding, and the numbers a screen words it with, or `undefined` when
 * it calls for no alert.
 * @throws Never.
 */
export function alertOf(f: Finding): { key: AlertKey; facts: FindingAlertFacts } | undefined {
  switch (f.rule) {
    case 'news2': {
      // news2.ts words its summary "NEWS2 <score>: <risk> clinical risk"
      const m = /^NEWS2 (\d+): (low–medium|medium|high) /.exec(f.summary)
      if (m === null) return undefined
      const key: AlertKey = m[2] === 'high' ? 'news2-high' : m[2] === 'medium' ? 'news2-medium' : 'news2-low-medium'
      return { key, facts: { score: Number(m[1]) } }
    }
    case 'bp-category': {
      const s = value(f, 'systolic')
      const d = value(f, 'diastolic')
      // ACC/AHA 2017 §11.2: SBP > 180 and/or DBP > 120
      if (s === undefined || d === undefined || !(s > 180 || d > 120)) return undefined
      return { key: 'bp-crisis', facts: { systolic: s, diastolic: d } }
    }
    case 'af-screen': {
      const windows = /^(\d+) of /.exec(f.fired)
      return { key: 'af-screen', facts: { windows: windows === null ? 1 : Number(windows[1]) } }
    }
    case 'cgm': {
      const tbr54 = value(f, 'tbr54')
      if (tbr54 === undefined || !(tbr54 >= TBR54_ALERT_PERCENT)) return undefined
      return { key: 'cgm-tbr54', facts: { tbr54Percent: tbr54 } }
    }
    default:
      return undefined
  }
}

/**
 * The id of the alert of episode `key` starting with a finding at `at`: the same on every
 * device and after a restart.
 * @example findingAlertId('af-screen', 1767261600000) // 'insight-af-screen-mjv7xg00'
 */
export function findingAlertId(key: AlertKey, at: number): string {
  return `insight-${key}-${Math.max(0, Math.round(at)).toString(36)}`
}

/** What the alert is made from. */
export interface FindingAlertInit {
  readonly finding: Finding
  /** Who raised it (the grantee, or their device). */
  readonly author?: Reference
  readonly patient?: Reference
}

const iso = (t: number): string => new Date(t).toISOString()

/**
 * The alert of a finding that calls for one (see `alertOf`) as a FHIR `DetectedIssue`.
 * @throws {RangeError} if the finding calls for no alert.
 * @example visit.resources.put(findingAlertToDetectedIssue({ finding, author: { display: 'Dr A' } }))
 */
export function findingAlertToDetectedIssue(init: FindingAlertInit): DetectedIssue {
  const f = init.finding
  const a = alertOf(f)
  if (a === undefined) throw new RangeError(`finding: ${f.rule} "${f.summary}" calls for no alert`)
  const cited = f.evidence.filter((e) => e.value !== undefined).slice(-MAX_ALERT_EVIDENCE)
  return {
    resourceType: 'DetectedIssue',
    id: findingAlertId(a.key, f.at),
    status: 'final',
    severity: f.severity === 'high' ? 'high' : 'moderate',
    code: { coding: [{ system: INSIGHT_ALERT_SYSTEM, code: INSIGHT_ALERT_CODE, display: 'Decision-support finding' }], text: f.summary },
    ...(init.patient === undefined ? {} : { patient: init.patient }),
    ...(init.author === undefined ? {} : { author: init.author }),
    identifiedPeriod: { start: iso(f.at) },
    detail: `${f.summary} Rule: ${f.fired}. Source: ${f.source.citation}`,
    ...(f.source.url === undefined ? {} : { reference: f.source.url }),
    evidence: cited.map((e) => ({
      code: [{ text: e.what }],
      detail: [
        {
          // an Observation is a reference; a series sample is named (no resource holds it)
          ...(e.ref?.startsWith('Observation/') === true ? { reference: e.ref } : {}),
          display: `${e.what} ${String(e.value)}${e.unit === undefined || e.unit === '1' ? '' : ` ${e.unit}`}${e.t === undefined ? '' : ` at ${iso(e.t)}`}${e.ref === undefined ? '' : ` (${e.ref})`}`
        }
      ]
    })),
    extension: [
      {
        url: INSIGHT_ALERT_URL,
        extension: [
          { url: 'key', valueCode: a.key },
          { url: 'rule', valueCode: f.rule },
          { url: 'severity', valueCode: f.severity },
          { url: 'fired', valueString: f.fired },
          { url: 'source', valueCode: f.source.id },
          { url: 'citation', valueString: f.source.citation },
          ...Object.entries(a.facts).map(([name, v]) => ({ url: `fact-${name}`, valueDecimal: v }))
        ]
      }
    ]
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Whether a resource is a finding alert (by its code), to tell it from other DetectedIssues. */
export function isFindingAlert(r: unknown): boolean {
  if (!isObject(r) || r['resourceType'] !== 'DetectedIssue') return false
  const code = r['code']
  return isObject(code) && Array.isArray(code['coding']) && code['coding'].some((c) => isObject(c) && c['system'] === INSIGHT_ALERT_SYSTEM && c['code'] === INSIGHT_ALERT_CODE)
}

/** Longest text read from an alert (a finding's sentence, rule or citation). */
const MAX_TEXT = 2000
/** Most numbers an alert carries. */
const MAX_FACTS = 8

/**
 * A finding alert from its `DetectedIssue` (untrusted: synced from another device).
 * @throws {InsightAlertFormatError} naming the field, when it is not one in the form written here.
 */
export function findingAlertFromDetectedIssue(r: unknown): InsightAlert {
  if (!isFindingAlert(r)) throw new InsightAlertFormatError('DetectedIssue.code', 'not a finding alert')
  const issue = r as DetectedIssue
  const ext = (Array.isArray(issue.extension) ? (issue.extension as unknown[]) : []).filter((e): e is Record<string, unknown> => isObject(e) && e['url'] === INSIGHT_ALERT_URL)
  if (ext.length !== 1 || !Array.isArray(ext[0]?.['extension'])) throw new InsightAlertFormatError('DetectedIssue.extension', 'must hold one insight-alert extension')
  const parts = (ext[0]['extension'] as unknown[]).filter(isObject)
  const part = (url: string, type: string): unknown => parts.find((p) => p['url'] === url)?.[type]
  const text = (url: string, type: string): string => {
    const v = part(url, type)
    if (typeof v !== 'string' || v === '' || v.length > MAX_TEXT) throw new InsightAlertFormatError(`DetectedIssue.extension.${url}`, `must be a ${type} of 1..${MAX_TEXT} characters`)
    return v
  }
  const key = text('key', 'valueCode')
  if (!(ALERT_KEYS as readonly string[]).includes(key)) throw new InsightAlertFormatError('DetectedIssue.extension.key', `unknown key ${key.slice(0, 40)}`)
  const rule = text('rule', 'valueCode')
  if (!(RULES as readonly string[]).includes(rule)) throw new InsightAlertFormatError('DetectedIssue.extension.rule', `unknown rule ${rule.slice(0, 40)}`)
  const severity = text('severity', 'valueCode')
  if (!(SEVERITIES as readonly string[]).includes(severity)) throw new InsightAlertFormatError('DetectedIssue.extension.severity', `unknown severity ${severity.slice(0, 40)}`)
  const facts: Record<string, number> = {}
  for (const p of parts) {
    const url = p['url']
    if (typeof url !== 'string' || !url.startsWith('fact-')) continue
    const v = p['valueDecimal']
    if (typeof v !== 'number' || !Number.isFinite(v) || !/^fact-[A-Za-z0-9]{1,32}$/.test(url)) throw new InsightAlertFormatError(`DetectedIssue.extension.${url.slice(0, 40)}`, 'must be a finite valueDecimal')
    facts[url.slice('fact-'.length)] = v
  }
  if (Object.keys(facts).length > MAX_FACTS) throw new InsightAlertFormatError('DetectedIssue.extension', `more than ${MAX_FACTS} numbers`)
  const period = issue['identifiedPeriod']
  const at = isObject(period) ? parseFhirDateTime(period['start']) : Number.NaN
  if (Number.isNaN(at)) throw new InsightAlertFormatError('DetectedIssue.identifiedPeriod.start', 'must be a dateTime')
  const endedAt = isObject(period) && period['end'] !== undefined ? parseFhirDateTime(period['end']) : undefined
  if (endedAt !== undefined && Number.isNaN(endedAt)) throw new InsightAlertFormatError('DetectedIssue.identifiedPeriod.end', 'must be a dateTime')
  const summary = typeof issue.code?.text === 'string' && issue.code.text.length <= MAX_TEXT ? issue.code.text : ''
  const reference = issue['reference']
  const ack = (Array.isArray(issue['mitigation']) ? (issue['mitigation'] as unknown[]) : []).find(
    (m): m is Record<string, unknown> => isObject(m) && isObject(m['action']) && Array.isArray(m['action']['coding']) && m['action']['coding'].some((c) => isObject(c) && c['code'] === 'acknowledged')
  )
  const ackAt = ack === undefined ? Number.NaN : parseFhirDateTime(ack['date'])
  const ackBy = ack !== undefined && isObject(ack['author']) && typeof ack['author']['display'] === 'string' ? ack['author']['display'] : undefined
  return {
    kind: 'insight',
    id: issue.id,
    key: key as AlertKey,
    rule: rule as RuleId,
    severity: severity as Severity,
    summary,
    fired: text('fired', 'valueString'),
    source: { id: text('source', 'valueCode'), citation: text('citation', 'valueString'), ...(typeof reference === 'string' && reference.length <= MAX_TEXT ? { url: reference } : {}) },
    facts,
    at,
    ...(endedAt === undefined ? {} : { endedAt }),
    ...(Number.isNaN(ackAt) ? {} : { acknowledged: { at: ackAt, ...(ackBy === undefined ? {} : { by: ackBy }) } }),
    withdrawn: issue.status === 'entered-in-error'
  }
}

/**
 * The alert with its episode ended at `at` (epoch ms).
 * @example visit.resources.put(endFindingAlert(issue, Date.now()))
 */
export function endFindingAlert(issue: DetectedIssue, at: number): DetectedIssue {
  const period = isObject(issue['identifiedPeriod']) ? issue['identifiedPeriod'] : {}
  return { ...issue, identifiedPeriod: { ...period, end: iso(at) } }
}
