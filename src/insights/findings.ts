/**
 * What every rule returns: a finding that says which rule fired on which readings, and
 * where the rule comes from. Plain data (structured-cloneable), so it crosses the worker
 * boundary unchanged.
 */
import type { Source } from './sources.ts'

/** How urgently a finding should be shown, lowest first. */
export const SEVERITIES = ['info', 'low', 'moderate', 'high'] as const
/**
 * - `info`: a measure to show (a CGM report, a normal category).
 * - `low`: outside a target; worth raising at the next visit.
 * - `moderate`: should be seen by a clinician soon (NEWS2 low–medium/medium, stage 2 BP, an interaction to review).
 * - `high`: urgent (NEWS2 high, hypertensive crisis, a contraindicated combination, an allergy match).
 */
export type Severity = (typeof SEVERITIES)[number]

/** The rules of this folder. */
export const RULES = ['news2', 'bp-category', 'bp-average', 'cgm', 'af-screen', 'drug-allergy', 'drug-drug', 'bp-trend', 'weight-change', 'glucose-trend'] as const
/** A rule's id. */
export type RuleId = (typeof RULES)[number]

/** One reading (or derived window, or record entry) a rule looked at. */
export interface Evidence {
  /** What it is: `respiratoryRate`, `systolic`, `glucose`, `rr-window 0–127 nRMSSD`, `allergy: Allergy to penicillin`… */
  readonly what: string
  /** The reading's value; absent for a record entry (an allergy, a medication). */
  readonly value?: number
  /** UCUM unit, or `1` for a ratio / score; absent with `value`. */
  readonly unit?: string
  /** When it was taken, epoch ms, if known. */
  readonly t?: number
  /** Where it came from: `Observation/<id>`, `series/<code>/<device>`… */
  readonly ref?: string
  /** Who recorded it, when a person did (a clinician's NEWS2 entry), as named on the resource. */
  readonly by?: string
}

/** One insight. */
export interface Finding {
  readonly rule: RuleId
  readonly severity: Severity
  /** One English sentence for the person, e.g. "NEWS2 5: medium clinical risk". */
  readonly summary: string
  /** The condition that fired, e.g. "aggregate score 5–6 → medium". */
  readonly fired: string
  /** The readings it fired on. */
  readonly evidence: readonly Evidence[]
  readonly source: Source
  /** Time of the latest reading used, epoch ms (0 when the finding has no time). */
  readonly at: number
}

/** Orders findings most severe first, then latest first. */
export function bySeverity(a: Finding, b: Finding): number {
  return SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) || b.at - a.at
}
