/**
 * Findings feeding the telemonitoring alerts, on in-memory compartments wired as sync would
 * (the doctor's replica of `vitals`, both sides' visit compartment) with the real record
 * insights and the insights protocol served over a real MessageChannel: a hypertensive
 * crisis, a NEWS2 high set, an irregular rhythm from the strap's stored RR intervals and
 * time below 54 mg/dL each raise one DetectedIssue citing the finding's rule, readings and
 * source, in the feed of the doctor's monitor and of the patient's observer; recomputing
 * and restarting raise nothing again; the episode ends when the finding is gone, and a new
 * one raises a new alert; old readings and a device that may not write raise nothing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createCompartment, randomDocId, visitCompartment, type Compartment, type DetectedIssue } from '../../src/record/index.ts'
import { createRrTimeline, parseHeartRateMeasurement, seriesSamples } from '../../src/devices/index.ts'
import { findingAlertFromDetectedIssue, isFindingAlert, serveInsights, type InsightAlert } from '../../src/insights/index.ts'
import { createTelemonitor, isInsightAlert, type Telemonitor, type TelemonitorAlert } from '../../src/app/telemonitor.ts'
import { createRecordInsights, type RecordInsights } from '../../src/app/record-insights.ts'
import { lazyInsightsWorker, type InsightsWorkerPort } from '../../src/app/insights-worker.ts'
import type { AlertNotification } from '../../src/app/alert-notifications.ts'
import { bpObservation as bp, quantityObservation as obs } from '../helpers/observations.ts'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const T0 = Date.UTC(2026, 0, 5, 8)

const cleanup: Array<() => void> = []
afterEach(() => {
  for (const c of cleanup.splice(0)) c()
})

/** The patient's vitals and visit compartments and the doctor's replicas, wired as sync would. */
function pair() {
  const docs = { vitals: randomDocId(), visit: randomDocId() }
  const kind = visitCompartment('g1')
  const patient = { vitals: createCompartment({ kind: 'vitals', docId: docs.vitals }), visit: createCompartment({ kind, docId: docs.visit }) }
  const doctor = { vitals: createCompartment({ kind: 'vitals', docId: docs.vitals }), visit: createCompartment({ kind, docId: docs.visit }) }
  const link = (a: Compartment, b: Compartment): void => {
    a.onUpdate((u, _o, local) => local && b.applyUpdate(u, 'sync'))
    b.onUpdate((u, _o, local) => local && a.applyUpdate(u, 'sync'))
  }
  link(patient.vitals, doctor.vitals)
  link(patient.visit, doctor.visit)
  return { patient, doctor }
}

/** The shared insights worker, served at the other end of a MessageChannel. */
function channelWorker(): ReturnType<typeof lazyInsightsWorker> {
  const worker = lazyInsightsWorker({
    start: () => {
      const channel = new MessageChannel()
      const stop = serveInsights(channel.port1)
      const port = channel.port2 as unknown as InsightsWorkerPort
      port.terminate = () => {
        stop()
        channel.port1.close()
        channel.port2.close()
      }
      return port
    }
  })
  cleanup.push(() => worker.close())
  return worker
}

const findingAlertsIn = (c: Compartment): DetectedIssue[] => c.resources.list('DetectedIssue', { includeWithdrawn: true }).filter(isFindingAlert)
const insightAlerts = (tm: Telemonitor): InsightAlert[] => tm.alerts().filter(isInsightAlert)
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

function setup(opts: { mayWrite?: () => boolean } = {}) {
  const now = { t: T0 }
  const { patient, doctor } = pair()
  const worker = channelWorker()
  const notes: AlertNotification[] = []
  const seen: TelemonitorAlert[] = []
  const start = (): { monitor: Telemonitor; insights: RecordInsights } => {
    // the doctor's device: the patient's findings, and the monitor fed by them (as practitioner.ts wires them)
    const insights = createRecordInsights({ compartments: () => ({ vitals: doctor.vitals }), insights: worker.client, clock: () => now.t }, { debounceMs: 0 })
    const monitor = createTelemonitor(
      { vitals: doctor.vitals, visit: doctor.visit, findings: insights, clock: () => now.t, notify: (n) => notes.push(n), ...(opts.mayWrite === undefined ? {} : { mayWrite: opts.mayWrite }) },
      { role: 'monitor', author: { display: 'Dr A' } }
    )
    monitor.on('alert', (a) => seen.push(a))
    monitor.start()
    cleanup.push(() => monitor.stop(), () => insights.close())
    return { monitor, insights }
  }
  const observer = createTelemonitor({ vitals: patient.vitals, visit: patient.visit, clock: () => now.t }, { role: 'observer' })
  observer.start()
  cleanup.push(() => observer.stop())
  return { now, patient, doctor, start, observer, notes, seen }
}

describe('findings feed the telemonitoring alerts', () => {
  it('a hypertensive crisis raises one alert per episode, citing the rule, the reading and the source, on both sides', async () => {
    const { now, patient, doctor, start, observer, notes, seen } = setup()
    const { monitor, insights } = start()
    now.t = T0 + 10 * MIN
    patient.vitals.resources.put(bp('bp-1', now.t, 192, 124))
    await insights.refresh()
    await tick()
    const issues = findingAlertsIn(doctor.visit)
    expect(issues.map((d) => d.id)).toEqual([`insight-bp-crisis-${(T0 + 10 * MIN).toString(36)}`])
    const issue = issues[0]!
    expect(issue.code?.text).toContain('Latest blood pressure 192/124 mm Hg: hypertensive crisis')
    expect(issue['reference']).toBe('https://doi.org/10.1161/HYP.0000000000000065')
    expect(issue['detail']).toContain('Rule: systolic > 180 and/or diastolic > 120 → hypertensive crisis (ACC/AHA 2017, one reading)')
    expect(JSON.stringify(issue['evidence'])).toContain('"reference":"Observation/bp-1"')
    expect(issue['author']).toEqual({ display: 'Dr A' })
    // the feed of the doctor's monitor and of the patient's observer (the visit compartment synced back)
    expect(insightAlerts(monitor)).toEqual([expect.objectContaining({ kind: 'insight', key: 'bp-crisis', rule: 'bp-category', severity: 'high', at: T0 + 10 * MIN, facts: { systolic: 192, diastolic: 124 } })])
    expect(insightAlerts(monitor)[0]?.source).toMatchObject({ id: 'acc-aha-2017-bp', url: 'https://doi.org/10.1161/HYP.0000000000000065' })
    expect(insightAlerts(observer).map((a) => a.id)).toEqual([issue.id])
    expect(seen.map((a) => a.id)).toEqual([issue.id])
    expect(notes.map((n) => n.tag)).toEqual([issue.id])

    // recomputing (a change of the record, a refresh) raises nothing again
    now.t += MIN
    patient.vitals.resources.put(obs('w-1', '29463-7', now.t, 80, 'kg'))
    await insights.refresh()
    await insights.refresh()
    await tick()
    expect(findingAlertsIn(doctor.visit)).toHaveLength(1)

    // a normal reading: the finding is gone, the episode ends
    now.t = T0 + 40 * MIN
    patient.vitals.resources.put(bp('bp-2', now.t, 132, 84))
    await insights.refresh()
    await tick()
    expect(insightAlerts(monitor)[0]?.endedAt).toBe(T0 + 40 * MIN)
    expect(insightAlerts(observer)[0]?.endedAt).toBe(T0 + 40 * MIN)

    // a new crisis: a new episode, a new alert
    now.t = T0 + 90 * MIN
    patient.vitals.resources.put(bp('bp-3', now.t, 185, 100))
    await insights.refresh()
    await tick()
    expect(findingAlertsIn(doctor.visit).map((d) => d.id).sort()).toEqual([`insight-bp-crisis-${(T0 + 10 * MIN).toString(36)}`, `insight-bp-crisis-${(T0 + 90 * MIN).toString(36)}`].sort())
    expect(seen).toHaveLength(2)

    // the doctor marks it seen, as a threshold alert
    const newest = insightAlerts(monitor)[0]!
    await monitor.acknowledge(newest.id)
    await tick()
    expect(insightAlerts(observer).find((a) => a.id === newest.id)?.acknowledged).toEqual({ at: now.t, by: 'Dr A' })
  })

  it('a restart of the doctor’s device raises nothing again for an episode in progress', async () => {
    const { now, patient, doctor, start, seen } = setup()
    const first = start()
    now.t = T0 + 5 * MIN
    for (const [id, code, v, unit] of [
      ['rr', '9279-1', 26, '/min'],
      ['sat', '59408-5', 90, '%'],
      ['hr', '8867-4', 128, '/min'],
      ['tmp', '8310-5', 39.4, 'Cel']
    ] as const)
      patient.vitals.resources.put(obs(id, code, now.t, v, unit))
    // RCP 2017 chart 1: RR 26 → 3, SpO2 90 → 3, SBP 92 → 2, pulse 128 → 2, 39.4 °C → 2: 12, high
    patient.vitals.resources.put(bp('bp', now.t, 92, 60))
    await first.insights.refresh()
    await tick()
    expect(findingAlertsIn(doctor.visit).map((d) => findingAlertFromDetectedIssue(d)).map((a) => [a.key, a.facts])).toEqual([['news2-high', { score: 12 }]])
    first.monitor.stop()
    first.insights.close()

    now.t += 10 * MIN
    const second = start()
    await second.insights.refresh()
    await tick()
    expect(findingAlertsIn(doctor.visit)).toHaveLength(1)
    expect(insightAlerts(second.monitor)).toHaveLength(1)
    expect(seen).toHaveLength(1) // the restarted monitor lists it, and emits nothing new
  })

  it('an irregular rhythm in the strap’s stored RR intervals raises the AF alert; old readings raise nothing', async () => {
    const { now, patient, doctor, start, observer } = setup()
    // a CGM fortnight with 3 % below 54 mg/dL, ending 3 days ago: older than the 24-hour look-back
    const cgmEnd = T0 - 3 * DAY
    for (let i = 0; i < 14 * 288; i++) patient.vitals.series.append('99504-3', 'cgm-1', cgmEnd - (14 * 288 - i) * 300_000, i % 100 < 3 ? 50 : 120, 'mg/dL')
    patient.vitals.series.flush()
    const { insights } = start()
    now.t = T0 + HOUR
    // the strap: 48 notifications of 8 AF-like intervals, in real time, up to a minute ago
    let seed = 5
    const next = (): number => 380 + 670 * ((seed = (seed * 16807) % 2147483647) / 2147483647)
    const timeline = createRrTimeline()
    let t = now.t - MIN - 48 * 8 * 715
    for (let k = 0; k < 48; k++) {
      const rr = Array.from({ length: 8 }, () => Math.round(next() * 1.024))
      t += rr.reduce((a, b) => a + b / 1.024, 0)
      const value = parseHeartRateMeasurement(new DataView(Uint8Array.from([0x16, 90, ...rr.flatMap((x) => [x & 0xff, x >> 8])]).buffer))
      const samples = seriesSamples({ kind: 'heart-rate', value }, { device: { id: 'strap' }, receivedAt: Math.round(t), timeZone: 'UTC' }, timeline)
      patient.vitals.batch(() => {
        for (const x of samples) patient.vitals.series.append(x.code, x.device, x.t, x.value, x.unit)
        patient.vitals.series.flush()
      })
    }
    const s = await insights.refresh()
    await tick()
    expect(s.findings.map((f) => f.rule)).toEqual(expect.arrayContaining(['af-screen', 'cgm']))
    const alerts = insightAlerts(observer)
    expect(alerts.map((a) => [a.key, a.rule, a.summary])).toEqual([['af-screen', 'af-screen', 'An irregular rhythm was detected; this is not a diagnosis; see a doctor.']])
    expect(alerts[0]?.facts).toEqual({ windows: 3 })
    expect(alerts[0]?.source.id).toBe('dash-2009-af')
    expect(JSON.stringify(findingAlertsIn(doctor.visit)[0]?.['evidence'])).toContain('series/147240/ble:strap')
  })

  it('raises the alert from readings that arrive while the monitor runs, with no refresh asked', async () => {
    const { now, patient, doctor, start } = setup()
    const { insights } = start()
    await insights.refresh() // the first answer, before any reading
    now.t = T0 + 2 * MIN
    patient.vitals.resources.put(bp('bp-1', now.t, 195, 100))
    const end = Date.now() + 5000
    while (findingAlertsIn(doctor.visit).length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
    expect(findingAlertsIn(doctor.visit).map((d) => findingAlertFromDetectedIssue(d).key)).toEqual(['bp-crisis'])
  })

  it('a device that may not write (the grant ended) raises nothing', async () => {
    const { now, patient, doctor, start } = setup({ mayWrite: () => false })
    const { insights } = start()
    now.t = T0 + MIN
    patient.vitals.resources.put(bp('bp-1', now.t, 200, 130))
    const s = await insights.refresh()
    await tick()
    expect(s.findings.some((f) => f.rule === 'bp-category' && f.severity === 'high')).toBe(true)
    expect(findingAlertsIn(doctor.visit)).toEqual([])
  })

  it('refuses a finding alert that is not in the form written here, naming the field', () => {
    const bad = { resourceType: 'DetectedIssue', id: 'x', status: 'final', code: { coding: [{ system: 'urn:phr:fhir:CodeSystem:insights', code: 'finding-alert' }] }, identifiedPeriod: { start: new Date(T0).toISOString() } }
    expect(() => findingAlertFromDetectedIssue(bad)).toThrow(expect.objectContaining({ name: 'InsightAlertFormatError', field: 'DetectedIssue.extension' }))
  })
})
