/**
 * On-device clinical decision support (DESIGN §9): established, validated scores and
 * screens as pure functions, each finding saying which rule fired on which readings and
 * where the rule comes from. They run in the insights worker (`workers/insights.ts`) so a
 * finding never blocks the UI; `createInsightsClient` is the app's typed handle on it.
 * Rules and sources: README.md beside this file.
 *
 * @example
 * ```ts
 * import { news2, bpCategory, cgmMetrics, afScreenFinding, checkPrescription, deriveInsights, insightInputOf, createInsightsClient } from '../insights/index.ts'
 *
 * news2({ respiratoryRate: 22, spo2: 95, onOxygen: false, systolic: 105, pulse: 95, consciousness: 'A', temperatureC: 38.4 })
 * // { score: 6, risk: 'medium', points: { respiratoryRate: 2, spo2: 1, onOxygen: 0, systolic: 1, pulse: 1, consciousness: 0, temperatureC: 1 } }
 * bpCategory(135, 85)                                   // 'stage1'
 * cgmMetrics(samples, { intervalMin: 5 }).tirPercent    // 0–100
 * afScreenFinding(rrMs, { startT })?.summary            // 'An irregular rhythm was detected; this is not a diagnosis; see a doctor.'
 * checkPrescription({ medication: { code }, allergies, current })   // drug–allergy and drug–drug findings
 *
 * const worker = new Worker(new URL('../../workers/insights.ts', import.meta.url), { type: 'module' })
 * const insights = createInsightsClient({ port: worker, terminate: () => worker.terminate() })
 * const { findings } = await insights.deriveInsights(insightInputOf(vitals, { now: Date.now() }))
 * ```
 * @packageDocumentation
 */
export { news2, news2Finding } from './news2.ts'
export type { News2Input, News2Result, News2Risk, News2Provenance, Consciousness } from './news2.ts'
export { bpCategory, bpAverage, bpReadingFinding, bpAverageFinding, bpCategoryName, BP_CATEGORIES, MAX_BP_READINGS } from './blood-pressure.ts'
export type { BpCategory, BpReading, BpAverage, BpAverageOptions } from './blood-pressure.ts'
export { cgmMetrics, cgmFinding, missedTargets, MAX_CGM_SAMPLES, MIN_ACTIVE_PERCENT } from './cgm.ts'
export type { CgmMetrics, CgmOptions, GlucoseSample } from './cgm.ts'
export { afScreen, afScreenFinding, afSessionsFinding, afWindowsFinding, screenWindow, AF_THRESHOLDS, RR_PLAUSIBLE_MS, MAX_RR_INTERVALS, MAX_AF_WINDOWS_LISTED } from './af-screen.ts'
export type { AfScreenOptions, AfScreenResult, AfScreened, RrWindow, RrSessionInput } from './af-screen.ts'
export { createAfScreenCache, rrChunkSourceOf, AF_WEEK_MS } from './af-incremental.ts'
export type { AfScreenCache, AfScreenCacheInit, AfScreenStats, RrChunkSource } from './af-incremental.ts'
export { rrSessionsOfSeries, RR_SERIES_CODE, RR_SESSION_GAP_MS } from './rr-sessions.ts'
export { checkPrescription, prescriptionCheckOf, ingredientsOf, isCheckableAllergy, RXNORM_SYSTEM, MAX_ENTRIES } from './medication.ts'
export type { PrescriptionCheck, DrugEntry, AllergyEntry } from './medication.ts'
export { INGREDIENTS, ALLERGY_CLASSES, CROSS_REACTIVITY, INTERACTIONS } from './medication-data.ts'
export type { Ingredient, IngredientKey, AllergyClass, CrossReactivity, Interaction, RxcuiCheck } from './medication-data.ts'
export { bpTrendFinding, weightTrendFindings, glucoseTrendFinding, TREND_WINDOW_DAYS } from './trends.ts'
export type { TimedValue } from './trends.ts'
export { readingsOfObservations, readingsOfSeries, toRuleUnit, INSIGHT_LOINC } from './observations.ts'
export type { Reading, ReadingKind, SeriesInput } from './observations.ts'
export {
  news2ContextObservation,
  news2EntryOf,
  news2RecordedOf,
  News2ContextFormatError,
  News2ContextInputError,
  NEWS2_CONTEXT_CODES,
  ACVPU_SNOMED,
  SCALE2_TARGET,
  MAX_OXYGEN_FLOW_LPM,
  MAX_RECORDER_NAME,
  MAX_NEWS2_ENTRIES
} from './news2-context.ts'
export type { News2Entry, News2Recorded, News2RecordedRead, News2ContextInput, News2RecordMeta } from './news2-context.ts'
export { deriveInsights, insightInputOf, LOOKBACK } from './derive.ts'
export type { InsightInput, InsightInputInit, InsightReport, News2Context, RrSession } from './derive.ts'
export {
  alertOf,
  findingAlertId,
  findingAlertToDetectedIssue,
  findingAlertFromDetectedIssue,
  endFindingAlert,
  isFindingAlert,
  InsightAlertFormatError,
  ALERT_KEYS,
  INSIGHT_ALERT_SYSTEM,
  INSIGHT_ALERT_CODE,
  INSIGHT_ALERT_URL,
  TBR54_ALERT_PERCENT,
  MAX_ALERT_EVIDENCE
} from './alerts.ts'
export type { AlertKey, InsightAlert, FindingAlertFacts, FindingAlertInit } from './alerts.ts'
export { SEVERITIES, RULES, bySeverity } from './findings.ts'
export type { Finding, Evidence, Severity, RuleId } from './findings.ts'
export { SOURCES } from './sources.ts'
export type { Source } from './sources.ts'
export { serveInsights, answer } from './serve.ts'
export { createInsightsClient } from './client.ts'
export type { InsightsClient, InsightsClientInit, CallOptions } from './client.ts'
export { INSIGHTS_API, REQUEST_TYPE, RESPONSE_TYPE, isInsightsMethod } from './protocol.ts'
export type { InsightsApi, InsightsMethod, InsightsPort, InsightsRequest, InsightsResponse } from './protocol.ts'
export { InsightsTimeoutError, InsightsWorkerError, InsightsClosedError, InsightsProtocolError, InsightsRemoteError } from './errors.ts'
