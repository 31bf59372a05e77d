/**
 * From episodes to alerts, on the grantee's device: each rule's episode state, and the
 * `DetectedIssue` of each episode written once into the visit compartment, its end written
 * when the episode ends (see telemonitor.ts for when readings are stepped in order and
 * when a rule is replayed over its window).
 *
 * Once per episode. Stepping in order, a new episode takes an alert of its rule whose
 * period covers its first reading, else a new one. Replaying, every episode found in the
 * window takes an alert of its rule that overlaps it, else a new one; an alert still open
 * from before the window continues as the first episode, so its end is still written.
 * Alert ids are a function of rule and first reading, so two writers converge too.
 */
import {
  alertFromDetectedIssue,
  alertToDetectedIssue,
  endAlert,
  INITIAL_EPISODE,
  isThresholdAlert,
  stepEpisode,
  type EpisodeState,
  type Measurement,
  type MeasurementSource,
  type ThresholdAlert,
  type ThresholdRule
} from '../devices/index.ts'
import type { Compartment, DetectedIssue, Reference } from '../record/index.ts'

/** What the writer is given. */
export interface EpisodeAlertsInit {
  /** The visit compartment alerts are written into. */
  readonly visit: Compartment
  /** Seals and stores what was written now. */
  readonly flush?: () => Promise<void>
  readonly author?: Reference
  readonly patient?: Reference
  readonly warn: (message: string, err?: unknown) => void
}

interface Tracker {
  state: EpisodeState
  /** The alert of the episode in progress. */
  alertId?: string
}

/** Episode trackers of a rule set, writing alerts (private to the app layer). */
export class EpisodeAlerts {
  readonly #init: EpisodeAlertsInit
  readonly #trackers = new Map<string, Tracker>()

  constructor(init: EpisodeAlertsInit) {
    this.#init = init
  }

  /** Time of the last reading stepped for the rule; undefined until it was replayed once. */
  lastT(ruleId: string): number | undefined {
    return this.#trackers.get(ruleId)?.state.lastT
  }

  /** Drops the trackers of rules not in `ids`. */
  keepOnly(ids: readonly string[]): void {
    for (const id of this.#trackers.keys()) if (!ids.includes(id)) this.#trackers.delete(id)
  }

  /** Drops a rule's tracker (it changed): the next reading replays it. */
  forget(ruleId: string): void {
    this.#trackers.delete(ruleId)
  }

  /** The alerts of one rule, oldest first. */
  #alertsOf(ruleId: string): ThresholdAlert[] {
    const out: ThresholdAlert[] = []
    for (const r of this.#init.visit.resources.list('DetectedIssue')) {
      if (!isThresholdAlert(r)) continue
      try {
        const a = alertFromDetectedIssue(r)
        if (a.rule.id === ruleId) out.push(a)
      } catch {
        // an unreadable alert covers nothing; the telemonitor has said so when it listed it
      }
    }
    return out.sort((a, b) => a.at - b.at)
  }

  /**
   * Evaluates `rule` afresh over `readings` from `windowStart` on: finds the episodes
   * first, then gives each the alert that overlaps it, or a new one.
   */
  replay(rule: ThresholdRule, readings: readonly Measurement[], windowStart: number): void {
    const alerts = this.#alertsOf(rule.id)
    let state: EpisodeState = INITIAL_EPISODE
    const episodes: Array<{ start: Measurement; end?: number; alertId?: string }> = []
    // an episode still open from before the window goes on (its end is still to be written)
    const open = alerts.findLast((a) => a.endedAt === undefined)
    if (open !== undefined && open.at < windowStart) {
      const source: MeasurementSource = open.observation === undefined ? { kind: 'series', device: open.device ?? 'unknown' } : { kind: 'observation', id: open.observation.replace(/^Observation\//, '') }
      const start: Measurement = { codes: open.codes, value: open.value, unit: open.unit, t: open.at, source }
      state = { open: start, lastT: windowStart - 1 }
      episodes.push({ start, alertId: open.id })
    }
    for (const m of readings.filter((x) => x.t >= windowStart).sort((a, b) => a.t - b.t)) {
      const r = stepEpisode(rule, state, m)
      state = r.state
      if (r.event?.type === 'start') episodes.push({ start: m })
      const last = episodes[episodes.length - 1]
      if (r.event?.type === 'end' && last !== undefined) last.end = r.event.at
    }
    const tracker: Tracker = { state }
    for (const e of episodes) {
      const end = e.end ?? Number.POSITIVE_INFINITY
      // one excursion, one alert: any alert of the rule overlapping the episode is its alert
      const id = e.alertId ?? alerts.find((a) => a.at <= end && e.start.t <= (a.endedAt ?? Number.POSITIVE_INFINITY))?.id ?? this.#raise(rule, e.start)
      if (e.end === undefined) tracker.alertId = id
      else this.#end(id, e.end)
    }
    this.#trackers.set(rule.id, tracker)
  }

  /** One reading, later than `lastT(rule.id)`, through the rule's tracker. */
  step(rule: ThresholdRule, m: Measurement): void {
    const tracker = this.#trackers.get(rule.id)
    if (tracker === undefined) return
    const r = stepEpisode(rule, tracker.state, m)
    tracker.state = r.state
    if (r.event?.type === 'start') {
      const covering = this.#alertsOf(rule.id).find((a) => a.at <= m.t && m.t <= (a.endedAt ?? Number.POSITIVE_INFINITY))
      tracker.alertId = covering?.id ?? this.#raise(rule, m)
    } else if (r.event?.type === 'end') {
      const id = tracker.alertId
      tracker.alertId = undefined
      if (id !== undefined) this.#end(id, r.event.at)
    }
  }

  /** Writes the alert of an episode that starts at `reading` (unless it is there); returns its id. */
  #raise(rule: ThresholdRule, reading: Measurement): string {
    const { author, patient } = this.#init
    const issue = alertToDetectedIssue({ rule, reading, ...(author === undefined ? {} : { author }), ...(patient === undefined ? {} : { patient }) })
    if (this.#init.visit.resources.get('DetectedIssue', issue.id) === undefined) this.#write(issue)
    return issue.id
  }

  /** Writes the end of an alert's episode, unless it has one. */
  #end(id: string, at: number): void {
    const cur = this.#init.visit.resources.get('DetectedIssue', id)
    if (cur !== undefined && (cur['identifiedPeriod'] as { end?: string } | undefined)?.end === undefined) this.#write(endAlert(cur, at))
  }

  #write(issue: DetectedIssue): void {
    this.#init.visit.resources.put(issue)
    this.#init.flush?.().catch((err: unknown) => this.#init.warn(`alert ${issue.id} was not saved`, err))
  }
}
