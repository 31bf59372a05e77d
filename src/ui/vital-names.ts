/**
 * Names of measured quantities, units and comparators in the reader's language, shared by
 * the devices screen and telemonitoring.
 */
import { msg, str } from '@lit/localize'
import { isInsightAlert, type InsightAlert, type TelemonitorAlert, type ThresholdComparator } from '../app/index.ts'
import { getLocale } from './i18n.ts'

/** The quantities a doctor can set a threshold on: LOINC code and the unit offered first. */
export const THRESHOLD_QUANTITIES: ReadonlyArray<{ code: string; unit: string }> = [
  { code: '8480-6', unit: 'mm[Hg]' },
  { code: '8462-4', unit: 'mm[Hg]' },
  { code: '8867-4', unit: '/min' },
  { code: '2339-0', unit: 'mg/dL' },
  { code: '59408-5', unit: '%' },
  { code: '8310-5', unit: 'Cel' },
  { code: '29463-7', unit: 'kg' }
]

/** The name of the quantity a LOINC (or MDC) code measures, or the code itself. */
export function quantityName(code: string): string {
  switch (code) {
    case '8867-4':
    case '8889-8':
      return msg('Heart rate')
    case '8480-6':
      return msg('Systolic blood pressure')
    case '8462-4':
      return msg('Diastolic blood pressure')
    case '8478-0':
      return msg('Mean arterial pressure')
    case '2339-0':
    case '15074-8':
    case '2345-7':
    case '14749-6':
      return msg('Blood glucose')
    case '99504-3':
      return msg('Glucose (sensor)')
    case '59408-5':
    case '2708-6':
      return msg('Oxygen saturation (SpO2)')
    case '8310-5':
      return msg('Body temperature')
    case '29463-7':
      return msg('Body weight')
    case '39156-5':
      return msg('Body mass index')
    case '85354-9':
      return msg('Blood pressure')
    case '147240':
      // ISO/IEEE 11073-10101 MDC_ECG_TIME_PD_RR_GL: a strap's RR intervals (src/devices/rr.ts)
      return msg('Time between heartbeats (RR)')
    default:
      return code
  }
}

/** A UCUM code as people write it. */
export function unitText(unit: string): string {
  switch (unit) {
    case 'mm[Hg]':
      return 'mmHg'
    case '/min':
      return msg('beats/min')
    case 'Cel':
      return '°C'
    case '[degF]':
      return '°F'
    case '[lb_av]':
      return 'lb'
    default:
      return unit
  }
}

/** A comparator in words ("above", "at or below"…). */
export function comparatorText(c: ThresholdComparator): string {
  switch (c) {
    case '>':
      return msg('above')
    case '>=':
      return msg('at or above')
    case '<':
      return msg('below')
    case '<=':
      return msg('at or below')
  }
}

/** A number in the reader's locale. */
export const num = (x: number, digits = 1): string => new Intl.NumberFormat(getLocale(), { maximumFractionDigits: digits }).format(x)
/** A time of day with seconds (live values), or a date and time. */
export const clock = (t: number): string => new Date(t).toLocaleTimeString(getLocale(), { hour: '2-digit', minute: '2-digit', second: '2-digit' })
export const when = (t: number): string => new Date(t).toLocaleString(getLocale(), { dateStyle: 'medium', timeStyle: 'short' })

/** A finding's alert in one sentence: "NEWS2 early warning score 8: high clinical risk". */
export function insightAlertText(a: Pick<InsightAlert, 'key' | 'facts'>): string {
  const f = a.facts
  const n = (name: string): string => num(f[name] ?? Number.NaN, 0)
  switch (a.key) {
    case 'news2-high':
      return msg(str`NEWS2 early warning score ${n('score')}: high clinical risk`)
    case 'news2-medium':
      return msg(str`NEWS2 early warning score ${n('score')}: medium clinical risk`)
    case 'news2-low-medium':
      return msg(str`NEWS2 early warning score ${n('score')}: one measurement scored 3`)
    case 'bp-crisis':
      return msg(str`Blood pressure ${n('systolic')}/${n('diastolic')} mmHg: hypertensive crisis range`)
    case 'af-screen':
      return msg('An irregular heart rhythm was detected (not a diagnosis)')
    case 'cgm-tbr54':
      return msg(str`Glucose below 54 mg/dL ${num(f['tbr54Percent'] ?? Number.NaN)}% of the time (the target is under 1%)`)
  }
}

/** An alert in one sentence: "Systolic blood pressure 172 mmHg: above 160 mmHg", or its finding's. */
export function alertText(a: TelemonitorAlert): string {
  if (isInsightAlert(a)) return insightAlertText(a)
  const name = a.rule.label ?? quantityName(a.rule.code)
  const value = `${num(a.value)} ${unitText(a.unit)}`
  const limit = `${num(a.rule.value)} ${unitText(a.rule.unit)}`
  return msg(str`${name} ${value}: ${comparatorText(a.rule.comparator)} ${limit}`)
}
