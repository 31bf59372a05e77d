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
 */
import {
  acknowledgeAlert,
  alertFromDetectedIssue,
  alertToDetectedIssue,
  canonicalUnit,
  convertValue,
  describeRule,
  endAlert,
  INITIAL_EPISODE,
  isThresholdAlert,
  loincDisplay,
  matchingCode,
  measurementsOf,
  quantityKey,
  sameQuantity,
  sameRule,
  stepEpisode,
  thresholdsFromBasic,
  thresholdsToBasic,
  validateThresholdRules,
  THRESHOLDS_RESOURCE_ID,
  type EpisodeState,
  type Measurement,
  type MeasurementSource,
  type ThresholdAlert,
  type ThresholdRule
} from '../devices/index.ts'
import { DAILY_CHUNK_CODES, ResourceNotFoundError, type Compartment, type DetectedIssue, type Reference } from '../record/index.ts'

/** Which part a device plays (see the file comment). */
export const TelemonitorRole = {
  /** Evaluates thresholds and writes alerts: the grantee's device, which may write the visit compartment. */
  monitor: 'monitor',
  /** Shows readings, thresholds and alerts: the patient's devices, the grantee's other devices. */
  observer: 'observer'
} as const
export type TelemonitorRole = (typeof TelemonitorRole)[keyof typeof TelemonitorRole]

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

/** One point of a trend. */
export interface TrendPoint {
  readonly t: number
  readonly value: number
}

/** The thresholds in force. */
export interface ThresholdsView {
  readonly rules: readonly ThresholdRule[]
  /** When they were last set (`meta.lastUpdated`), epoch ms. */
  readonly setAt?: number
  /** Who set them, as named on the rule set. */
  readonly author?: string
}

/** A system notification to show. */
export interface AlertNotification {
  readonly title: string
  readonly body: string
  /** The alert id: a notification with the same tag replaces the earlier one. */
  readonly tag: string
}

/** Events of the service. */
export interface TelemonitorEvents {
  /** The newest reading of a quantity changed (as soon as it was applied here). */
  reading: LiveReading
  /** An alert seen for the first time: raised here, or arrived from another device. */
  alert: ThresholdAlert
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
  /** Alerts, newest first. */
  alerts(): ThresholdAlert[]
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
/** Later than any sample time (year 10000). */
const FAR = Date.UTC(10000, 0, 1)

interface Tracker {
  state: EpisodeState
  /** The alert of the episode in progress. */
  alertId?: string
}

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
  readonly #trackers = new Map<string, Tracker>()
  readonly #alerts = new Map<string, { version: string; alert: ThresholdAlert }>()
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
  }

  start(): void {
    if (this.#started) return
    this.#started = true
    this.#unsubscribe = [this.#c.visit.onUpdate(() => this.#schedule('visit'))]
    if (this.#c.vitals !== undefined) this.#unsubscribe.push(this.#c.vitals.onUpdate(() => this.#schedule('vitals')))
    this.#loadVisit(true)
    this.#scanVitals(true)
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
      for (const id of this.#trackers.keys()) if (!rules.some((r) => r.id === id)) this.#trackers.delete(id)
      for (const rule of rules) {
        const old = before.get(rule.id)
        if (old !== undefined && sameRule(old, rule) && old.since === rule.since && this.#trackers.has(rule.id)) continue
        this.#trackers.set(rule.id, { state: INITIAL_EPISODE })
        replay.push(rule)
      }
      changed = true
      if (!initial && this.#writing()) for (const rule of replay) this.#replay(rule)
    }
    for (const r of visit.resources.list('DetectedIssue', { includeWithdrawn: true })) {
      if (!isThresholdAlert(r)) continue
      const v = `${r.meta?.versionId ?? ''}@${r.meta?.lastUpdated ?? ''}`
      const known = this.#alerts.get(r.id)
      if (known?.version === v) continue
      let alert: ThresholdAlert
      try {
        alert = alertFromDetectedIssue(r)
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
          this.#c.notify?.({ title: describeRule(alert.rule), body: alert.detail ?? `${alert.value} ${alert.unit}`, tag: alert.id })
        } catch (err) {
          this.#warn('the system notification failed', err)
        }
      }
    }
    if (changed && !initial) this.#emit('change', undefined)
  }

  // ── the vitals compartment: readings ──────────────────────────────────────

  /** Readings in the vitals compartment from `from` on: every Observation quantity, and series samples of the series `want` accepts. */
  #collect(from: number, want: (code: string) => boolean, marks?: Map<string, number>, to = FAR): Measurement[] {
    const vitals = this.#c.vitals
    if (vitals === undefined) return []
    const out: Measurement[] = []
    for (const info of vitals.series.list()) {
      if (!want(info.code)) continue
      const sid = `${info.code}\u0000${info.device}`
      const mark = marks?.get(sid) ?? from - 1
      // samples are appended in time order: a series whose last chunk ended before the mark has nothing new
      if (info.lastChunk + (DAILY_CHUNK_CODES.has(info.code) ? DAY : HOUR) <= mark) continue
      const read = vitals.series.read(info.code, info.device, Math.max(0, mark + 1), to)
      for (const e of read.errors) this.#warn(`a chunk of ${info.code} could not be read`, e)
      let last = mark
      for (const s of read.series) {
        for (let i = 0; i < s.times.length; i++) {
          const t = s.times[i] as number
          out.push({ codes: [s.code], value: s.values[i] as number, unit: s.unit, t, source: { kind: 'series', device: s.device } })
          if (t > last) last = t
        }
      }
      marks?.set(sid, last)
    }
    return out
  }

  #scanVitals(initial: boolean): void {
    const vitals = this.#c.vitals
    if (vitals === undefined) return
    const from = this.#clock() - this.#lookback
    const fresh = this.#collect(from, () => true, this.#seriesMark)
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
      const tracker = this.#trackers.get(rule.id)
      if (initial || tracker === undefined) {
        this.#replay(rule, initial ? mine : undefined)
      } else if (mine.some((m) => m.t <= tracker.state.lastT)) {
        this.#replay(rule) // a late reading: evaluate the window again (see the file comment)
      } else {
        for (const m of mine) this.#step(rule, tracker, m)
      }
    }
  }

  // ── episodes and alerts (monitor) ─────────────────────────────────────────

  /** Whether this device evaluates thresholds and writes alerts now. */
  #writing(): boolean {
    return this.role === TelemonitorRole.monitor && (this.#c.mayWrite?.() ?? true)
  }

  #alertsOf(ruleId: string): ThresholdAlert[] {
    const out: ThresholdAlert[] = []
    for (const r of this.#c.visit.resources.list('DetectedIssue')) {
      if (!isThresholdAlert(r)) continue
      try {
        const a = alertFromDetectedIssue(r)
        if (a.rule.id === ruleId) out.push(a)
      } catch {
        // an unreadable alert covers nothing; #loadVisit has said so
      }
    }
    return out.sort((a, b) => a.at - b.at)
  }

  /**
   * Evaluates `rule` afresh over the look-back window (or over `readings`): finds its
   * episodes first, then gives each the alert that overlaps it, or a new one.
   */
  #replay(rule: ThresholdRule, readings?: Measurement[]): void {
    const windowStart = Math.max(this.#clock() - this.#lookback, rule.since ?? 0)
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
    const ms = (readings ?? this.#readingsFor(rule, windowStart)).filter((m) => m.t >= windowStart).sort((a, b) => a.t - b.t)
    for (const m of ms) {
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

  #readingsFor(rule: ThresholdRule, from: number): Measurement[] {
    const out = this.#collect(from, (code) => sameQuantity(rule.code, code))
    for (const obs of this.#c.vitals?.resources.list('Observation', { from }) ?? []) {
      for (const m of measurementsOf(obs)) if (matchingCode(rule, m) !== undefined) out.push(m)
    }
    return out
  }

  /** One reading, in time order, through the rule's tracker. */
  #step(rule: ThresholdRule, tracker: Tracker, m: Measurement): void {
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
    const issue = alertToDetectedIssue({ rule, reading, ...(this.#init.author === undefined ? {} : { author: this.#init.author }), ...(this.#init.patient === undefined ? {} : { patient: this.#init.patient }) })
    if (this.#c.visit.resources.get('DetectedIssue', issue.id) === undefined) this.#write(issue)
    return issue.id
  }

  /** Writes the end of an alert's episode, unless it has one. */
  #end(id: string, at: number): void {
    const cur = this.#c.visit.resources.get('DetectedIssue', id)
    if (cur !== undefined && (cur['identifiedPeriod'] as { end?: string } | undefined)?.end === undefined) this.#write(endAlert(cur, at))
  }

  #write(issue: DetectedIssue): void {
    this.#c.visit.resources.put(issue)
    this.#c.flush?.().catch((err: unknown) => this.#warn(`alert ${issue.id} was not saved`, err))
  }

  // ── the API ───────────────────────────────────────────────────────────────

  latest(): LiveReading[] {
    return [...this.#latest.values()].sort((a, b) => a.key.localeCompare(b.key))
  }

  trend(code: string, opts: { from: number; to: number; unit?: string; maxPoints?: number }): TrendPoint[] {
    const vitals = this.#c.vitals
    if (vitals === undefined) return []
    let unit = opts.unit ?? canonicalUnit(code)
    const points: TrendPoint[] = []
    const add = (m: Measurement, c: string): void => {
      unit ??= m.unit // a code this layer does not know: the unit of its first reading
      const value = convertValue(m.value, m.unit, unit, c)
      if (value !== undefined && m.t >= opts.from && m.t < opts.to) points.push({ t: m.t, value })
    }
    for (const obs of vitals.resources.list('Observation', { from: opts.from, to: opts.to })) {
      for (const m of measurementsOf(obs)) {
        const c = m.codes.find((x) => sameQuantity(code, x))
        if (c !== undefined) add(m, c)
      }
    }
    for (const m of this.#collect(opts.from, (c) => sameQuantity(code, c), undefined, opts.to)) add(m, m.codes[0] as string)
    points.sort((a, b) => a.t - b.t)
    const max = opts.maxPoints
    if (max === undefined || points.length <= max || max < 1) return points
    const width = (opts.to - opts.from) / max
    const buckets = new Map<number, { t: number; sum: number; n: number }>()
    for (const p of points) {
      const b = Math.min(max - 1, Math.floor((p.t - opts.from) / width))
      const cur = buckets.get(b) ?? { t: 0, sum: 0, n: 0 }
      buckets.set(b, { t: cur.t + p.t, sum: cur.sum + p.value, n: cur.n + 1 })
    }
    return [...buckets.values()].map((b) => ({ t: Math.round(b.t / b.n), value: b.sum / b.n }))
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

  alerts(): ThresholdAlert[] {
    return [...this.#alerts.values()].map((a) => a.alert).sort((a, b) => b.at - a.at || a.id.localeCompare(b.id))
  }

  async acknowledge(id: string): Promise<void> {
    if (!this.#writing()) throw new TelemonitorRoleError('alerts are acknowledged by the grantee, while the grant is in force')
    const cur = this.#c.visit.resources.get('DetectedIssue', id)
    if (cur === undefined || !isThresholdAlert(cur)) throw new ResourceNotFoundError('DetectedIssue', id)
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

/** The part of a browser's global scope the notification helpers use (absent in Node). */
export interface NotificationScope {
  readonly Notification?: {
    readonly permission: string
    requestPermission?: () => Promise<string>
    new (title: string, options?: { body?: string; tag?: string }): unknown
  }
}

/**
 * A `notify` that shows a system notification through the Notification API when the user
 * has granted it, and does nothing otherwise (no API, denied, not asked; in Node).
 * @example createTelemonitor({ visit, notify: systemNotifier(globalThis) })
 */
export function systemNotifier(scope: NotificationScope): (n: AlertNotification) => void {
  return (n) => {
    const N = scope.Notification
    if (N === undefined || N.permission !== 'granted') return
    new N(n.title, { body: n.body, tag: n.tag })
  }
}

/**
 * Asks the user to allow system notifications of alerts. Call it from a user's click
 * (browsers ignore a request made without one). Resolves with the permission
 * (`granted`, `denied`, `default`), or `unsupported` without the API.
 * @example button.onclick = async () => (state = await requestAlertNotifications(globalThis))
 */
export async function requestAlertNotifications(scope: NotificationScope): Promise<string> {
  const N = scope.Notification
  if (N === undefined) return 'unsupported'
  if (N.permission !== 'default' || N.requestPermission === undefined) return N.permission
  return N.requestPermission()
}
