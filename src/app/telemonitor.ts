/**
 * Telemonitoring (issue 8 §4) of one grant: live readings of the patient's `vitals`
 * compartment, the doctor's thresholds and the alerts they raise, both kept in the grant's
 * visit compartment — the only compartment a doctor's device may write, and one every
 * device of the patient reads.
 *
 * Roles. The grantee's device runs the `monitor`: it evaluates each new reading against
 * the thresholds and writes an alert (a `DetectedIssue`) once per episode, and writes the
 * episode's end when readings are back to normal. Every other entitled device (the
 * patient's, the grantee's others) runs an `observer`: the same readings, thresholds and
 * alerts, read-only. Either shows a new alert in the app (`on('alert')`) and, where the
 * user allowed it, as a system notification (`notify`).
 *
 * Once per episode, across restarts and late data. Alert ids are a function of rule and
 * reading (`alertId`), and before writing one the monitor looks for an alert of the same
 * rule whose period covers the reading. Readings arriving out of order (a meter's stored
 * records, downloaded later) make the monitor replay that rule over the look-back window,
 * which raises an alert for an excursion nobody saw and none for one already alerted.
 * Readings taken more than `lookbackMs` before they arrive are shown but raise nothing.
 *
 * Findings. Given the patient's findings (`findings`: the record's insights), the monitor
 * also raises an alert for each finding that calls for one — NEWS2 low–medium or worse, a
 * hypertensive crisis, an irregular rhythm, time below 54 mg/dL — once per episode
 * (finding-alerts.ts), into the same visit compartment and so into the same feed.
 */
import {
  acknowledgeAlert,
  alertFromDetectedIssue,
  describeRule,
  isThresholdAlert,
  loincDisplay,
  matchingCode,
  measurementsOf,
  quantityKey,
  sameRule,
  thresholdsFromBasic,
  thresholdsToBasic,
  validateThresholdRules,
  THRESHOLDS_RESOURCE_ID,
  type Measurement,
  type MeasurementSource,
  type ThresholdAlert,
  type ThresholdRule
} from '../devices/index.ts'
import { ResourceNotFoundError, type Compartment, type Reference } from '../record/index.ts'
import { findingAlertFromDetectedIssue, isFindingAlert, type InsightAlert } from '../insights/index.ts'
import { EpisodeAlerts } from './episode-alerts.ts'
import { FindingAlerts } from './finding-alerts.ts'
import { InsightsState, type RecordInsights } from './record-insights.ts'
import { readingsOf, seriesSince, trendOf, type TrendPoint } from './vitals-readings.ts'
import type { AlertNotification } from './alert-notifications.ts'

/** Which part a device plays (see the file comment). */
export const TelemonitorRole = {
  /** Evaluates thresholds and writes alerts: the grantee's device, which may write the visit compartment. */
  monitor: 'monitor',
  /** Shows readings, thresholds and alerts: the patient's devices, the grantee's other devices. */
  observer: 'observer'
} as const
export type TelemonitorRole = (typeof TelemonitorRole)[keyof typeof TelemonitorRole]
export type { TrendPoint } from './vitals-readings.ts'

/** The newest reading of one quantity. */
export interface LiveReading {
  /** `quantityKey` of its code: readings of one quantity (SpO2 by either code) share it. */
  readonly key: string
  readonly code: string
  readonly display: string
  readonly value: number
  /** UCUM code, as measured. */
  readonly unit: string
  /** When it was measured, epoch ms. */
  readonly t: number
  readonly source: MeasurementSource
}

/** The thresholds in force. */
export interface ThresholdsView {
  readonly rules: readonly ThresholdRule[]
  /** When they were last set (`meta.lastUpdated`), epoch ms. */
  readonly setAt?: number
  /** Who set them, as named on the rule set. */
  readonly author?: string
}

/** An alert of the feed: a threshold crossed, or a finding that calls for one (`kind: 'insight'`). */
export type TelemonitorAlert = ThresholdAlert | InsightAlert

/** Whether an alert of the feed is a finding's. */
export function isInsightAlert(a: TelemonitorAlert): a is InsightAlert {
  return (a as { kind?: unknown }).kind === 'insight'
}

/** Events of the service. */
export interface TelemonitorEvents {
  /** The newest reading of a quantity changed (as soon as it was applied here). */
  reading: LiveReading
  /** An alert seen for the first time: raised here, or arrived from another device. */
  alert: TelemonitorAlert
  /** The thresholds changed, or an alert ended or was acknowledged. */
  change: undefined
}

/** A write asked of a device that only observes (the thresholds are the grantee's to set). */
export class TelemonitorRoleError extends Error {
  override name: string = 'TelemonitorRoleError'
}

/** What the service is given. */
export interface TelemonitorComponents {
  /** The patient's vitals compartment (a replica synced from the patient's device, or theirs). None: alerts only. */
  readonly vitals?: Compartment
  /** The grant's visit compartment: thresholds are read from it, alerts written into it. */
  readonly visit: Compartment
  /**
   * Seals and stores now what was written to the visit compartment (its persistence's
   * `flush`): an alert leaves at once, not after the batch interval. @default resolved
   */
  readonly flush?: () => Promise<void>
  /** Shows a system notification (`systemNotifier(window)` in a browser). @default none */
  readonly notify?: (n: AlertNotification) => void
  /** The patient's findings (the record's insights); a monitor raises alerts from them. @default none */
  readonly findings?: Pick<RecordInsights, 'snapshot' | 'subscribe'>
  /** Whether this device may write the visit compartment now (the grant is in force); a monitor that may not evaluates and writes nothing. @default always */
  readonly mayWrite?: () => boolean
  /** @default Date.now */
  readonly clock?: () => number
  /** @default console.warn */
  readonly warn?: (message: string, err?: unknown) => void
}

/** Options. */
export interface TelemonitorInit {
  /** @default 'observer' */
  readonly role?: TelemonitorRole
  /** Who sets thresholds and raises alerts, as named on them. */
  readonly author?: Reference
  /** The patient, as referenced from alerts. */
  readonly patient?: Reference
  /** How far back readings are looked at: latest values on start, episodes, late readings. @default 24 h */
  readonly lookbackMs?: number
  /** A new alert about a reading older than this notifies nobody (it is still listed and emitted). @default 1 h */
  readonly notifyWithinMs?: number
}

/** The service. */
export interface Telemonitor {
  readonly role: TelemonitorRole
  /** Reads what is there and follows every change until `stop()`. */
  start(): void
  stop(): void
  /** The newest reading of each quantity seen within the look-back window, by key. */
  latest(): LiveReading[]
  /**
   * Readings of `code` (and the codes measuring the same quantity) with `from ≤ t < to`, in
   * `unit` (default: the code's canonical unit); more than `maxPoints` are averaged into
   * that many equal time buckets.
   */
  trend(code: string, opts: { from: number; to: number; unit?: string; maxPoints?: number }): TrendPoint[]
  /** The thresholds in force, if any are set (undefined also when the rule set cannot be read). */
  thresholds(): ThresholdsView | undefined
  /**
   * Sets the thresholds (replacing the set); a rule unchanged keeps the time it took effect.
   * @throws {TelemonitorRoleError} on an observer, or when the grant no longer lets this device write.
   * @throws {ThresholdRuleError} naming the bad field.
   */
  setThresholds(rules: readonly unknown[]): Promise<ThresholdRule[]>
  /** Alerts (thresholds crossed and findings), newest first. */
  alerts(): TelemonitorAlert[]
  /**
   * Marks an alert acknowledged.
   * @throws {TelemonitorRoleError} on an observer, or when the grant no longer lets this device write.
   * @throws {ResourceNotFoundError} if there is no such alert.
   */
  acknowledge(alertId: string): Promise<void>
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof TelemonitorEvents>(type: K, listener: (value: TelemonitorEvents[K]) => void): () => void
}

const HOUR = 3_600_000
const DAY = 24 * HOUR

class TelemonitorImpl implements Telemonitor {
  readonly role: TelemonitorRole
  readonly #c: TelemonitorComponents
  readonly #init: TelemonitorInit
  readonly #clock: () => number
  readonly #warn: (message: string, err?: unknown) => void
  readonly #lookback: number
  readonly #listeners = new Map<keyof TelemonitorEvents, Set<(v: never) => void>>()
  readonly #latest = new Map<string, LiveReading>()
  readonly #seriesMark = new Map<string, number>()
  #seenObs = new Map<string, string>()
  #rules: ThresholdRule[] = []
  #rulesVersion: string | undefined
  #view: ThresholdsView | undefined
  readonly #episodes: EpisodeAlerts
  readonly #findingAlerts: FindingAlerts
  readonly #alerts = new Map<string, { version: string; alert: TelemonitorAlert }>()
  #unsubscribe: Array<() => void> = []
  #dirtyVitals = false
  #dirtyVisit = false
  #scheduled = false
  #started = false

  constructor(components: TelemonitorComponents, init: TelemonitorInit) {
    this.#c = components
    this.#init = init
    this.role = init.role ?? TelemonitorRole.observer
    this.#clock = components.clock ?? Date.now
    this.#warn = components.warn ?? ((m, e) => console.warn(`telemonitor: ${m}`, e instanceof Error ? e.name : (e ?? '')))
    this.#lookback = init.lookbackMs ?? DAY
    this.#episodes = new EpisodeAlerts({
      visit: components.visit,
      warn: this.#warn,
      ...(components.flush === undefined ? {} : { flush: components.flush }),
      ...(init.author === undefined ? {} : { author: init.author }),
      ...(init.patient === undefined ? {} : { patient: init.patient })
    })
    this.#findingAlerts = new FindingAlerts({
      visit: components.visit,
      warn: this.#warn,
      lookbackMs: this.#lookback,
      ...(components.flush === undefined ? {} : { flush: components.flush }),
      ...(init.author === undefined ? {} : { author: init.author }),
      ...(init.patient === undefined ? {} : { patient: init.patient })
    })
  }

  start(): void {
    if (this.#started) return
    this.#started = true
    this.#unsubscribe = [this.#c.visit.onUpdate(() => this.#schedule('visit'))]
    if (this.#c.vitals !== undefined) this.#unsubscribe.push(this.#c.vitals.onUpdate(() => this.#schedule('vitals')))
    this.#loadVisit(true)
    this.#scanVitals(true)
    const findings = this.#c.findings
    if (findings !== undefined && this.role === TelemonitorRole.monitor) {
      // subscribing starts the computation if nobody looked yet; one already made is used at once
      this.#unsubscribe.push(findings.subscribe((snap) => this.#onFindings(snap)))
      this.#onFindings(findings.snapshot())
    }
  }

  /** A computation of the findings: alerts raised or ended (finding-alerts.ts). */
  #onFindings(snap: ReturnType<RecordInsights['snapshot']>): void {
    // only a whole answer: a failed or partial one must not end episodes
    if (snap.state !== InsightsState.ready || !snap.available || !this.#started || !this.#writing()) return
    try {
      this.#findingAlerts.update(snap.findings, this.#clock())
    } catch (err) {
      this.#warn('alerts from findings were not written', err)
    }
  }

  stop(): void {
    this.#started = false
    for (const u of this.#unsubscribe) u()
    this.#unsubscribe = []
  }

  on<K extends keyof TelemonitorEvents>(type: K, listener: (value: TelemonitorEvents[K]) => void): () => void {
    let set = this.#listeners.get(type)
    if (set === undefined) this.#listeners.set(type, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }

  #emit<K extends keyof TelemonitorEvents>(type: K, value: TelemonitorEvents[K]): void {
    for (const l of [...(this.#listeners.get(type) ?? [])]) {
      try {
        ;(l as (v: TelemonitorEvents[K]) => void)(value)
      } catch (err) {
        this.#warn(`a ${type} listener failed`, err)
      }
    }
  }

  /** Coalesces the updates of one turn into one pass, run right after (a microtask, not a timer: readings show at once). */
  #schedule(which: 'visit' | 'vitals'): void {
    if (which === 'visit') this.#dirtyVisit = true
    else this.#dirtyVitals = true
    if (this.#scheduled || !this.#started) return
    this.#scheduled = true
    queueMicrotask(() => {
      try {
        // a pass may write into the visit compartment, which marks it dirty again
        for (let i = 0; i < 8 && this.#started && (this.#dirtyVisit || this.#dirtyVitals); i++) {
          if (this.#dirtyVisit) {
            this.#dirtyVisit = false
            this.#loadVisit(false)
          }
          if (this.#dirtyVitals) {
            this.#dirtyVitals = false
            this.#scanVitals(false)
          }
        }
      } catch (err) {
        // a bad resource from another device must not stop live readings: say so and go on
        this.#warn('a pass failed', err)
      } finally {
        this.#scheduled = false
      }
      if (this.#dirtyVisit) this.#schedule('visit')
      if (this.#dirtyVitals) this.#schedule('vitals')
    })
  }

  // ── the visit compartment: thresholds and alerts ──────────────────────────

  #loadVisit(initial: boolean): void {
    const visit = this.#c.visit
    let changed = false
    const basic = visit.resources.get('Basic', THRESHOLDS_RESOURCE_ID)
    const version = basic === undefined ? undefined : `${basic.meta?.versionId ?? ''}@${basic.meta?.lastUpdated ?? ''}`
    if (version !== this.#rulesVersion) {
      this.#rulesVersion = version
      let rules: ThresholdRule[] = []
      this.#view = undefined
      if (basic !== undefined) {
        try {
          rules = thresholdsFromBasic(basic)
          const author = basic['author'] as Reference | undefined
          const setAt = Date.parse(basic.meta?.lastUpdated ?? '')
          this.#view = { rules, ...(Number.isNaN(setAt) ? {} : { setAt }), ...(typeof author?.display === 'string' ? { author: author.display } : {}) }
        } catch (err) {
          this.#warn('the thresholds could not be read; none are in force', err)
        }
      }
      const before = new Map(this.#rules.map((r) => [r.id, r]))
      this.#rules = rules
      const replay: ThresholdRule[] = []
      this.#episodes.keepOnly(rules.map((r) => r.id))
      for (const rule of rules) {
        const old = before.get(rule.id)
        if (old !== undefined && sameRule(old, rule) && old.since === rule.since && this.#episodes.lastT(rule.id) !== undefined) continue
        this.#episodes.forget(rule.id)
        replay.push(rule)
      }
      changed = true
      if (!initial && this.#writing()) for (const rule of replay) this.#replay(rule)
    }
    for (const r of visit.resources.list('DetectedIssue', { includeWithdrawn: true })) {
      const finding = isFindingAlert(r)
      if (!finding && !isThresholdAlert(r)) continue
      const v = `${r.meta?.versionId ?? ''}@${r.meta?.lastUpdated ?? ''}`
      const known = this.#alerts.get(r.id)
      if (known?.version === v) continue
      let alert: TelemonitorAlert
      try {
        alert = finding ? findingAlertFromDetectedIssue(r) : alertFromDetectedIssue(r)
      } catch (err) {
        this.#warn(`alert ${r.id} could not be read`, err)
        continue
      }
      this.#alerts.set(r.id, { version: v, alert })
      if (known !== undefined || initial) {
        changed = true
        continue
      }
      this.#emit('alert', alert)
      if (!alert.withdrawn && this.#clock() - alert.at <= (this.#init.notifyWithinMs ?? HOUR)) {
        try {
          const n = isInsightAlert(alert) ? { title: alert.summary, body: alert.fired } : { title: describeRule(alert.rule), body: alert.detail ?? `${alert.value} ${alert.unit}` }
          this.#c.notify?.({ ...n, tag: alert.id })
        } catch (err) {
          this.#warn('the system notification failed', err)
        }
      }
    }
    if (changed && !initial) this.#emit('change', undefined)
  }

  // ── the vitals compartment: readings ──────────────────────────────────────

  #scanVitals(initial: boolean): void {
    const vitals = this.#c.vitals
    if (vitals === undefined) return
    const from = this.#clock() - this.#lookback
    const fresh = seriesSince(vitals, { from, marks: this.#seriesMark, warn: this.#warn })
    const seen = new Map<string, string>()
    for (const obs of vitals.resources.list('Observation', { from })) {
      const v = `${obs.meta?.versionId ?? ''}@${obs.meta?.lastUpdated ?? ''}`
      seen.set(obs.id, v)
      if (this.#seenObs.get(obs.id) !== v) fresh.push(...measurementsOf(obs))
    }
    this.#seenObs = seen
    if (fresh.length === 0 && !initial) return
    fresh.sort((a, b) => a.t - b.t)
    const updated = new Map<string, LiveReading>()
    for (const m of fresh) {
      const code = m.codes[0] as string
      const key = quantityKey(code)
      const cur = this.#latest.get(key)
      if (cur !== undefined && cur.t > m.t) continue
      const live: LiveReading = { key, code, display: loincDisplay(code) ?? code, value: m.value, unit: m.unit, t: m.t, source: m.source }
      this.#latest.set(key, live)
      updated.set(key, live)
    }
    for (const live of updated.values()) this.#emit('reading', live)
    if (!this.#writing()) return
    for (const rule of this.#rules) {
      const mine = fresh.filter((m) => matchingCode(rule, m) !== undefined && m.t >= (rule.since ?? 0))
      const lastT = this.#episodes.lastT(rule.id)
      if (initial || lastT === undefined) {
        this.#replay(rule, initial ? mine : undefined)
      } else if (mine.some((m) => m.t <= lastT)) {
        this.#replay(rule) // a late reading: evaluate the window again (see the file comment)
      } else {
        for (const m of mine) this.#episodes.step(rule, m)
      }
    }
  }

  // ── episodes and alerts (monitor) ─────────────────────────────────────────

  /** Whether this device evaluates thresholds and writes alerts now. */
  #writing(): boolean {
    return this.role === TelemonitorRole.monitor && (this.#c.mayWrite?.() ?? true)
  }

  /** Evaluates `rule` afresh over the look-back window (or over `readings`). */
  #replay(rule: ThresholdRule, readings?: Measurement[]): void {
    const windowStart = Math.max(this.#clock() - this.#lookback, rule.since ?? 0)
    this.#episodes.replay(rule, readings ?? this.#readingsFor(rule, windowStart), windowStart)
  }

  #readingsFor(rule: ThresholdRule, from: number): Measurement[] {
    const vitals = this.#c.vitals
    return vitals === undefined ? [] : readingsOf(vitals, { from, code: rule.code, warn: this.#warn })
  }

  // ── the API ───────────────────────────────────────────────────────────────

  latest(): LiveReading[] {
    return [...this.#latest.values()].sort((a, b) => a.key.localeCompare(b.key))
  }

  trend(code: string, opts: { from: number; to: number; unit?: string; maxPoints?: number }): TrendPoint[] {
    return this.#c.vitals === undefined ? [] : trendOf(this.#c.vitals, code, { ...opts, warn: this.#warn })
  }

  thresholds(): ThresholdsView | undefined {
    return this.#view
  }

  async setThresholds(input: readonly unknown[]): Promise<ThresholdRule[]> {
    if (!this.#writing()) throw new TelemonitorRoleError('thresholds are set by the grantee, while the grant is in force')
    const now = this.#clock()
    const rules = validateThresholdRules(input).map((r) => {
      const old = this.#rules.find((o) => sameRule(o, r))
      const { since: _ignored, ...rest } = r
      return Object.freeze({ ...rest, since: old?.since ?? now })
    })
    this.#c.visit.resources.put(thresholdsToBasic({ rules, at: now, ...(this.#init.author === undefined ? {} : { author: this.#init.author }), ...(this.#init.patient === undefined ? {} : { subject: this.#init.patient }) }))
    await this.#c.flush?.()
    return rules
  }

  alerts(): TelemonitorAlert[] {
    return [...this.#alerts.values()].map((a) => a.alert).sort((a, b) => b.at - a.at || a.id.localeCompare(b.id))
  }

  async acknowledge(id: string): Promise<void> {
    if (!this.#writing()) throw new TelemonitorRoleError('alerts are acknowledged by the grantee, while the grant is in force')
    const cur = this.#c.visit.resources.get('DetectedIssue', id)
    if (cur === undefined || !(isThresholdAlert(cur) || isFindingAlert(cur))) throw new ResourceNotFoundError('DetectedIssue', id)
    this.#c.visit.resources.put(acknowledgeAlert(cur, this.#clock(), this.#init.author))
    await this.#c.flush?.()
  }
}

/**
 * Creates the telemonitoring service of one grant; nothing is read until `start()`.
 * @example
 * const tm = createTelemonitor({ vitals, visit, flush: () => visitPersistence.flush(), notify: systemNotifier(window) }, { role: 'monitor', author: { display: 'Dr A' } })
 * tm.on('reading', (r) => show(r.key, r.value, r.unit)); tm.on('alert', (a) => banner(a))
 * tm.start()
 * await tm.setThresholds([{ id: 'sbp', code: '8480-6', comparator: '>', value: 160, unit: 'mm[Hg]' }])
 */
export function createTelemonitor(components: TelemonitorComponents, init: TelemonitorInit = {}): Telemonitor {
  return new TelemonitorImpl(components, init)
}
