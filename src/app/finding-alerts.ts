/**
 * From findings to alerts, on the grantee's device (issue 11: findings "feed the
 * telemonitoring alerts"): each computation of a patient's findings is compared with the
 * finding alerts in the grant's visit compartment, and a finding that calls for an alert
 * (`alertOf`: NEWS2 low–medium or worse, a hypertensive crisis, an irregular rhythm, time
 * below 54 mg/dL over the consensus target) starts an episode with one `DetectedIssue`; the
 * episode ends (its end written) when a later computation no longer finds it.
 *
 * Once per episode, across recomputations and restarts: what is alerted is read back from
 * the visit compartment each time, never kept only in memory. A key with an open alert
 * goes on; a finding whose time lies inside an ended episode of its key (the same readings
 * seen again) raises nothing; the alert id is a function of key and finding time, so two
 * devices of the grantee write the same resource. Findings about readings older than the
 * look-back when they are computed (a month synced late, a demo record) are shown on the
 * insights card but raise nothing, as for threshold alerts.
 */
import { alertOf, endFindingAlert, findingAlertFromDetectedIssue, findingAlertToDetectedIssue, isFindingAlert, type AlertKey, type Finding, type InsightAlert } from '../insights/index.ts'
import type { Compartment, DetectedIssue, Reference } from '../record/index.ts'

/** What the writer is given. */
export interface FindingAlertsInit {
  /** The visit compartment alerts are written into. */
  readonly visit: Compartment
  /** Seals and stores what was written now. */
  readonly flush?: () => Promise<void>
  readonly author?: Reference
  readonly patient?: Reference
  /** A finding about readings older than this (from the computation's wall clock) raises nothing. */
  readonly lookbackMs: number
  readonly warn: (message: string, err?: unknown) => void
}

/** What one pass wrote, for tests and logs. */
export interface FindingAlertsPass {
  readonly raised: string[]
  readonly ended: string[]
}

/**
 * The finding alerts of one visit compartment (private to the app layer).
 * @example const fa = new FindingAlerts({ visit, lookbackMs: 86_400_000, warn }); fa.update(snapshot.findings, Date.now())
 */
export class FindingAlerts {
  readonly #init: FindingAlertsInit

  constructor(init: FindingAlertsInit) {
    this.#init = init
  }

  /** The finding alerts in the visit compartment (unreadable ones left out: the telemonitor lists them with a warning). */
  #alerts(): InsightAlert[] {
    const out: InsightAlert[] = []
    for (const r of this.#init.visit.resources.list('DetectedIssue')) {
      if (!isFindingAlert(r)) continue
      try {
        out.push(findingAlertFromDetectedIssue(r))
      } catch {
        // covers nothing: an unreadable alert neither continues nor ends an episode
      }
    }
    return out
  }

  /**
   * Brings the alerts in line with `findings`, computed at wall-clock time `now` from the
   * whole record this device holds (a partial computation must not be passed: it would end
   * episodes).
   * @throws Never: a write that fails is warned about.
   */
  update(findings: readonly Finding[], now: number): FindingAlertsPass {
    const firing = new Map<AlertKey, Finding>()
    for (const f of findings) {
      const a = alertOf(f)
      if (a !== undefined && !firing.has(a.key)) firing.set(a.key, f)
    }
    const alerts = this.#alerts()
    const raised: string[] = []
    const ended: string[] = []
    for (const [key, f] of firing) {
      const mine = alerts.filter((a) => a.key === key)
      // an open episode goes on; the same readings inside an ended one were alerted already
      if (mine.some((a) => a.endedAt === undefined || (a.at <= f.at && f.at <= a.endedAt))) continue
      if (f.at < now - this.#init.lookbackMs) continue
      const { author, patient } = this.#init
      const issue = findingAlertToDetectedIssue({ finding: f, ...(author === undefined ? {} : { author }), ...(patient === undefined ? {} : { patient }) })
      if (this.#init.visit.resources.get('DetectedIssue', issue.id) !== undefined) continue
      this.#write(issue)
      raised.push(issue.id)
    }
    for (const a of alerts) {
      if (a.endedAt !== undefined || a.withdrawn || firing.has(a.key)) continue
      const cur = this.#init.visit.resources.get('DetectedIssue', a.id)
      if (cur === undefined) continue
      this.#write(endFindingAlert(cur, Math.max(now, a.at)))
      ended.push(a.id)
    }
    return { raised, ended }
  }

  #write(issue: DetectedIssue): void {
    this.#init.visit.resources.put(issue)
    this.#init.flush?.().catch((err: unknown) => this.#init.warn(`alert ${issue.id} was not saved`, err))
  }
}
