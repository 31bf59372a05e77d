/**
 * The telemonitoring service. First on in-memory compartments wired to each other as sync
 * would (the doctor's replica of `vitals`, both sides' visit compartment): live readings,
 * one alert per excursion with its end, unit conversion, series samples, restart without
 * duplicates, late readings, observers that only read and notify, a tampered rule set,
 * trends. Then between real libp2p peers in Node through a real relay: the patient's app
 * (record, consent, sync runtime) records readings, the doctor's device (the grant's keys
 * and compartments, its own sync service) sees them live, and a reading past a threshold
 * creates exactly one DetectedIssue in the visit compartment, which the patient's device
 * then sees and notifies about.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createCompartment, randomDocId, visitCompartment, type Compartment, type CompartmentKind, type DetectedIssue } from '../../src/record/index.ts'
import { observationsFromReading, seriesSamples, thresholdsToBasic, validateThresholdRule, type DeviceReading, type ThresholdAlert } from '../../src/devices/index.ts'
import { createTelemonitor, isInsightAlert, type LiveReading, type Telemonitor, type TelemonitorAlert, type TelemonitorInit } from '../../src/app/telemonitor.ts'
import { requestAlertNotifications, systemNotifier, type AlertNotification } from '../../src/app/alert-notifications.ts'
import { recordLiveReading } from '../../src/app/live-vitals.ts'
import { createPatientAlerts, type PatientAlert } from '../../src/app/patient-alerts.ts'
import { equalBytes, toHex } from '../../src/lib/index.ts'
import { createRelay, type Relay } from '../../src/relay/index.ts'
import { createMemoryStore } from '../../src/storage/index.ts'
import { createNodePeer, createSyncService, deviceKeyFromSecret, type BrowserPeerInit } from '../../src/sync/index.ts'
import { createTrustList, parseWrap, profileOf, verifyDeviceCert, verifyProfile } from '../../src/crypto/index.ts'
import { acceptWrappedKeys, verifyGrant, type Keyring } from '../../src/consent/index.ts'
import { bindCompartment, createRecordWithVault } from '../../src/app/record-session.ts'
import { recordVault } from '../../src/app/vault-items.ts'
import { createPatientConsent } from '../../src/app/patient-consent.ts'
import { createSyncRuntime } from '../../src/app/sync-runtime.ts'
import { device, person } from '../sync/helpers.ts'

const MIN = 60_000
const UTC = 'UTC'
const RULES = [
  { id: 'sbp-high', code: '8480-6', comparator: '>', value: 160, unit: 'mm[Hg]', label: 'Systolic > 160' },
  { id: 'glucose-low', code: '2339-0', comparator: '<', value: 70, unit: 'mg/dL', label: 'Glucose < 70 mg/dL' },
  { id: 'spo2-low', code: '59408-5', comparator: '<', value: 92, unit: '%', label: 'SpO2 < 92 %' }
]

const bp = (id: string, systolic: number, diastolic: number, t: number): DeviceReading & { id: string; t: number } => ({ kind: 'blood-pressure', value: { systolic, diastolic, meanArterial: Number.NaN, unit: 'mm[Hg]' }, id, t })
const observations = (r: DeviceReading & { id: string; t: number }) => observationsFromReading(r, { id: r.id, device: { id: 'cuff-1', name: 'Cuff' }, receivedAt: r.t, timeZone: UTC })
const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0))
const alertsIn = (c: Compartment): DetectedIssue[] => c.resources.list('DetectedIssue', { includeWithdrawn: true })
const period = (d: DetectedIssue | undefined): { start?: string; end?: string } | undefined => d?.['identifiedPeriod'] as { start?: string; end?: string } | undefined

/** The patient's vitals and visit compartments, the doctor's replicas, wired as sync would. */
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

/** The threshold alert, failing the test on a finding's (none is expected where this is used). */
function thresholdOnly<A extends TelemonitorAlert>(a: A): Exclude<A, { kind: 'insight' }> {
  if (isInsightAlert(a)) throw new Error(`unexpected finding alert ${a.id}`)
  return a as Exclude<A, { kind: 'insight' }>
}

function watch(tm: Telemonitor): { readings: LiveReading[]; alerts: ThresholdAlert[]; changes: number } {
  const seen = { readings: [] as LiveReading[], alerts: [] as ThresholdAlert[], changes: 0 }
  tm.on('reading', (r) => seen.readings.push(r))
  tm.on('alert', (a) => seen.alerts.push(thresholdOnly(a)))
  tm.on('change', () => seen.changes++)
  return seen
}

describe('telemonitor on wired compartments', () => {
  const T0 = Date.UTC(2026, 0, 5, 8)

  function setup(init: Partial<TelemonitorInit> = {}) {
    const now = { t: T0 }
    const { patient, doctor } = pair()
    const notes: AlertNotification[] = []
    const warnings: string[] = []
    const monitor = createTelemonitor(
      { vitals: doctor.vitals, visit: doctor.visit, clock: () => now.t, notify: (n) => notes.push(n), warn: (m) => warnings.push(m) },
      { role: 'monitor', author: { display: 'Dr A' }, ...init }
    )
    const put = (r: DeviceReading & { id: string; t: number }): void => {
      for (const o of observations(r)) patient.vitals.resources.put(o)
    }
    return { now, patient, doctor, monitor, notes, warnings, put }
  }

  it('shows readings live and raises one alert per excursion, with its end', async () => {
    const { now, patient, doctor, monitor, notes, put } = setup()
    const seen = watch(monitor)
    monitor.start()
    expect(await monitor.setThresholds(RULES)).toHaveLength(3)
    expect(monitor.thresholds()?.rules.map((r) => [r.id, r.since])).toEqual([['sbp-high', T0], ['glucose-low', T0], ['spo2-low', T0]])
    expect(monitor.thresholds()?.author).toBe('Dr A')

    const values = [150, 172, 176, 158, 163, 150, 140, 168]
    for (const [i, s] of values.entries()) {
      now.t = T0 + (i + 1) * MIN
      put(bp(`bp-${i}`, s, 90, now.t))
      await flush()
      expect(monitor.latest().find((r) => r.key === '8480-6')).toMatchObject({ value: s, unit: 'mm[Hg]', t: now.t, display: 'Systolic blood pressure', source: { kind: 'observation', id: `bp-${i}`, component: '8480-6' } })
    }
    // 172 opens; 176, 158 and 163 hold it (158 is inside the 5 mm[Hg] hysteresis); 150 ends it; 168 opens another
    const issues = alertsIn(doctor.visit)
    expect(issues.map((d) => d.id)).toEqual([`alert-sbp-high-${(T0 + 2 * MIN).toString(36)}`, `alert-sbp-high-${(T0 + 8 * MIN).toString(36)}`])
    expect(period(issues[0])).toEqual({ start: new Date(T0 + 2 * MIN).toISOString(), end: new Date(T0 + 6 * MIN).toISOString() })
    expect(period(issues[1])?.end).toBeUndefined()
    expect(seen.alerts.map((a) => [a.value, a.observation])).toEqual([
      [172, 'Observation/bp-1'],
      [168, 'Observation/bp-7']
    ])
    expect(notes.map((n) => n.title)).toEqual(['Systolic > 160', 'Systolic > 160'])
    expect(notes[0]?.body).toBe('Systolic blood pressure 172 mm[Hg] (threshold > 160 mm[Hg])')
    // the patient's replica of the visit compartment holds the same two
    expect(alertsIn(patient.visit).map((d) => d.id)).toEqual(issues.map((d) => d.id))
    expect(seen.readings.filter((r) => r.key === '8480-6')).toHaveLength(values.length)

    await monitor.acknowledge(issues[1]!.id)
    await flush()
    expect(monitor.alerts()[0]).toMatchObject({ id: issues[1]!.id, acknowledged: { at: now.t, by: 'Dr A' } })
    await expect(monitor.acknowledge('alert-none')).rejects.toMatchObject({ name: 'ResourceNotFoundError' })
    monitor.stop()
  })

  it('converts units, reads series samples, and names the series device', async () => {
    const { now, patient, doctor, monitor } = setup()
    monitor.start()
    await monitor.setThresholds(RULES)
    // a meter in mmol/L against a rule in mg/dL: 3.9 mmol/L (70.3) is fine, 3.5 (63.1) is low
    for (const [i, c] of [3.9, 3.5].entries()) {
      now.t = T0 + (i + 1) * MIN
      for (const o of observationsFromReading({ kind: 'glucose', value: { sequence: i, baseTime: new Date(now.t).toISOString().slice(0, 19), concentration: c, unit: 'mmol/L', contextFollows: false } }, { id: `glu-${i}`, device: { id: 'meter' }, receivedAt: now.t, timeZone: UTC })) {
        patient.vitals.resources.put(o)
      }
      await flush()
    }
    // an oximeter streaming SpO2 at 1 Hz: a dip below 92 for 5 s is one alert
    const spo2 = [95, 94, 91, 90, 89, 90, 91, 94, 95]
    for (const [i, v] of spo2.entries()) {
      now.t = T0 + 10 * MIN + i * 1000
      for (const s of seriesSamples({ kind: 'plx-continuous', value: { spo2: v, pulseRate: 70 } }, { device: { id: 'ox+1/=' }, receivedAt: now.t, timeZone: UTC })) {
        patient.vitals.series.append(s.code, s.device, s.t, s.value, s.unit)
      }
      patient.vitals.series.flush()
      await flush()
    }
    const alerts = monitor.alerts().map(thresholdOnly)
    expect(alerts.map((a) => [a.rule.id, a.value, a.unit, a.device ?? a.observation])).toEqual([
      ['spo2-low', 91, '%', 'ble:ox-1~'],
      ['glucose-low', 3.5, 'mmol/L', 'Observation/glu-1']
    ])
    expect(alertsIn(doctor.visit).find((d) => d.id.startsWith('alert-spo2'))?.['identifiedPeriod']).toEqual({ start: new Date(T0 + 10 * MIN + 2000).toISOString(), end: new Date(T0 + 10 * MIN + 7000).toISOString() })
    expect(monitor.latest().map((r) => [r.key, r.value])).toEqual([
      ['2339-0', 3.5],
      ['59408-5', 95],
      ['8867-4', 70]
    ])
    // one trend of glucose in mg/dL; SpO2 averaged into 3 buckets
    expect(monitor.trend('2339-0', { from: T0, to: T0 + HOUR }).map((p) => Math.round(p.value))).toEqual([70, 63])
    expect(monitor.trend('2708-6', { from: T0 + 10 * MIN, to: T0 + 10 * MIN + 9000, maxPoints: 3 }).map((p) => Math.round(p.value * 10) / 10)).toEqual([93.3, 89.7, 93.3])
    monitor.stop()
  })

  it('after a restart: no second alert for the same excursion, and its end is still written', async () => {
    const a = setup()
    a.monitor.start()
    await a.monitor.setThresholds(RULES)
    a.now.t = T0 + MIN
    a.put(bp('bp-0', 180, 100, a.now.t))
    await flush()
    a.monitor.stop()
    expect(alertsIn(a.doctor.visit)).toHaveLength(1)
    // the app reopens the same day: the excursion goes on, no second alert
    a.now.t = T0 + 10 * MIN
    const again = createTelemonitor({ vitals: a.doctor.vitals, visit: a.doctor.visit, clock: () => a.now.t }, { role: 'monitor' })
    again.start()
    a.put(bp('bp-1', 170, 100, a.now.t))
    await flush()
    expect(alertsIn(a.doctor.visit)).toHaveLength(1)
    again.stop()
    // and again two days later, the alert now older than the look-back window: the first reading is normal, which ends it
    a.now.t = T0 + 2 * 24 * HOUR
    const later = createTelemonitor({ vitals: a.doctor.vitals, visit: a.doctor.visit, clock: () => a.now.t }, { role: 'monitor' })
    const seen = watch(later)
    later.start()
    a.put(bp('bp-2', 130, 80, a.now.t))
    await flush()
    expect(alertsIn(a.doctor.visit).map((d) => period(d))).toEqual([{ start: new Date(T0 + MIN).toISOString(), end: new Date(a.now.t).toISOString() }])
    expect(seen.alerts).toEqual([])
    expect(seen.changes).toBeGreaterThan(0)
    // a new excursion is a new alert
    a.now.t += MIN
    a.put(bp('bp-3', 171, 80, a.now.t))
    await flush()
    expect(seen.alerts.map((x) => x.value)).toEqual([171])
    later.stop()
  })

  it('a late reading raises an alert for an excursion nobody saw, and none for one already alerted', async () => {
    const { now, doctor, monitor, put } = setup()
    monitor.start()
    await monitor.setThresholds(RULES)
    for (const [i, s] of [120, 170, 130].entries()) {
      now.t = T0 + (i + 1) * 10 * MIN
      put(bp(`bp-${i}`, s, 80, now.t))
      await flush()
    }
    const starts = (): Array<string | undefined> => alertsIn(doctor.visit).map((d) => period(d)?.start)
    expect(starts()).toEqual([new Date(T0 + 20 * MIN).toISOString()])
    // downloaded later from the cuff's memory: 165 inside the alerted excursion, 185 just before it (the same excursion)
    put(bp('bp-late-1', 165, 80, T0 + 20 * MIN + 1000))
    await flush()
    put(bp('bp-late-2', 185, 80, T0 + 15 * MIN))
    await flush()
    expect(starts()).toEqual([new Date(T0 + 20 * MIN).toISOString()])
    // 190 before the normal 120: an excursion nobody was told of
    put(bp('bp-late-3', 190, 80, T0 + 5 * MIN))
    await flush()
    expect(starts()).toEqual([new Date(T0 + 5 * MIN).toISOString(), new Date(T0 + 20 * MIN).toISOString()])
    expect(period(alertsIn(doctor.visit)[0])?.end).toBe(new Date(T0 + 10 * MIN).toISOString())
    monitor.stop()
  })

  it('observers only read: alerts arrive, notify once, and old ones at start do not', async () => {
    const { now, patient, monitor, put } = setup()
    monitor.start()
    await monitor.setThresholds(RULES)
    now.t = T0 + MIN
    put(bp('bp-0', 175, 90, now.t))
    await flush()
    const notes: AlertNotification[] = []
    const observer = createTelemonitor({ vitals: patient.vitals, visit: patient.visit, clock: () => now.t, notify: (n) => notes.push(n) })
    const seen = watch(observer)
    observer.start()
    expect(observer.role).toBe('observer')
    expect(observer.alerts().map(thresholdOnly).map((a) => a.value)).toEqual([175])
    expect(observer.thresholds()?.rules).toHaveLength(3)
    expect(observer.latest().find((r) => r.key === '8480-6')?.value).toBe(175)
    await expect(observer.setThresholds(RULES)).rejects.toMatchObject({ name: 'TelemonitorRoleError' })
    await expect(observer.acknowledge(observer.alerts()[0]!.id)).rejects.toMatchObject({ name: 'TelemonitorRoleError' })
    now.t = T0 + 2 * MIN
    put(bp('bp-1', 120, 80, now.t))
    now.t = T0 + 3 * MIN
    put(bp('bp-2', 185, 90, now.t))
    await flush()
    await flush()
    expect(seen.alerts.map((a) => a.value)).toEqual([185])
    expect(notes.map((n) => n.tag)).toEqual([seen.alerts[0]?.id])
    // an alert about a reading from long ago is listed but notifies nobody
    now.t = T0 + 5 * HOUR
    put(bp('bp-3', 120, 80, T0 + 4 * MIN))
    put(bp('bp-4', 200, 90, T0 + 4 * MIN + 1))
    await flush()
    await flush()
    expect(seen.alerts.map((a) => a.value)).toEqual([185, 200])
    expect(notes).toHaveLength(1)
    observer.stop()
    monitor.stop()
  })

  it('a tampered rule set from another device puts no rule in force, and stops nothing', async () => {
    const { now, patient, doctor, monitor, warnings, put } = setup()
    monitor.start()
    const basic = thresholdsToBasic({ rules: [validateThresholdRule(RULES[0])], at: T0 }) as Record<string, unknown>
    patient.visit.resources.put({ ...basic, id: 'telemonitoring-thresholds', resourceType: 'Basic', modifierExtension: [{ url: 'urn:x', valueBoolean: true }] })
    await flush()
    expect(monitor.thresholds()).toBeUndefined()
    expect(warnings).toEqual(['the thresholds could not be read; none are in force'])
    now.t = T0 + MIN
    put(bp('bp-0', 200, 90, now.t))
    await flush()
    expect(monitor.latest().find((r) => r.key === '8480-6')?.value).toBe(200)
    expect(alertsIn(doctor.visit)).toEqual([])
    monitor.stop()
  })

  it('a system notification only where the user granted it', () => {
    const shown: Array<[string, unknown]> = []
    class N {
      static permission = 'granted'
      constructor(title: string, options?: unknown) {
        shown.push([title, options])
      }
    }
    systemNotifier({ Notification: N })({ title: 'Systolic > 160', body: '172', tag: 'a1' })
    N.permission = 'default'
    systemNotifier({ Notification: N })({ title: 'x', body: 'y', tag: 'a2' })
    systemNotifier({})({ title: 'x', body: 'y', tag: 'a3' })
    expect(shown).toEqual([['Systolic > 160', { body: '172', tag: 'a1' }]])
  })

  it('asks for the permission only when it was never given or refused', async () => {
    const asked: string[] = []
    const scope = (permission: string) => ({
      Notification: Object.assign(function N() {} as unknown as new () => unknown, { permission, requestPermission: async () => (asked.push(permission), 'granted') })
    })
    expect(await requestAlertNotifications({})).toBe('unsupported')
    expect(await requestAlertNotifications(scope('denied'))).toBe('denied')
    expect(await requestAlertNotifications(scope('default'))).toBe('granted')
    expect(asked).toEqual(['default'])
  })

  it('a monitor whose grant ended evaluates and writes nothing', async () => {
    const now = { t: T0 }
    const { patient, doctor } = pair()
    const inForce = { yes: true }
    const monitor = createTelemonitor({ vitals: doctor.vitals, visit: doctor.visit, clock: () => now.t, mayWrite: () => inForce.yes }, { role: 'monitor' })
    monitor.start()
    await monitor.setThresholds(RULES)
    inForce.yes = false
    now.t = T0 + MIN
    for (const o of observations(bp('bp-0', 190, 90, now.t))) patient.vitals.resources.put(o)
    await flush()
    expect(monitor.latest().find((r) => r.key === '8480-6')?.value).toBe(190)
    expect(alertsIn(doctor.visit)).toEqual([])
    await expect(monitor.setThresholds(RULES)).rejects.toMatchObject({ name: 'TelemonitorRoleError' })
    monitor.stop()
  })
})

const HOUR = 60 * MIN

describe('telemonitoring between real peers through a relay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'phr-telemon-'))
  let relay: Relay
  let relayAddr: string
  beforeAll(async () => {
    relay = await createRelay({ wsPort: 0, dataDir: dir, privateKey: await generateKeyPair('Ed25519') })
    relayAddr = relay.webSocketAddrs()[0] ?? ''
  })
  afterAll(async () => {
    await relay.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
    const t0 = Date.now()
    while (!check()) {
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  it('the patient records, the doctor sees it live, a reading past a threshold is one alert on both devices', async () => {
    // the patient's app: record, consent, sync runtime on the relay
    const store = createMemoryStore()
    const { session, vaultKey } = await createRecordWithVault(store, 'patient passphrase', {}, { scrypt: { log2N: 10, r: 8, p: 1 }, batchMs: 5 })
    const vault = recordVault(store, vaultKey, session.device.publicKey)
    const consent = createPatientConsent({ session, vault, vaultKey })
    await consent.start()
    session.setWriteCheck((docHex, author) => consent.mayWrite(docHex, author))
    const runtime = createSyncRuntime(
      {
        session,
        vault,
        vaultKey,
        syncedDocs: await vault.syncedDocs(),
        relays: async () => [relayAddr],
        window: { addEventListener: () => undefined, removeEventListener: () => undefined, navigator: { onLine: true } },
        createPeer: (init: BrowserPeerInit) => createNodePeer({ ...init, listen: [], listenThroughRelays: true }),
        consent: {
          authorize: (p, d, docId) => consent.authorize(p, d, docId),
          wants: (p, d, docId) => consent.wants(p, d, docId),
          keysFor: (p, docId) => consent.keysFor(p, docId),
          approve: (request) => consent.approve(request),
          trustList: createTrustList([])
        }
      },
      { deviceName: 'Patient phone', webRTC: false, allowLimitedConnections: true, minRetryMs: 100, redialMs: 500 }
    )
    // as the app's open record does: each new visit compartment is synced and observed for alerts
    const ptNotes: AlertNotification[] = []
    const patientAlerts = createPatientAlerts({ session, notify: (n) => ptNotes.push(n) })
    patientAlerts.start()
    const ptAlerts: PatientAlert[] = []
    patientAlerts.onAlert((a) => ptAlerts.push(a))
    consent.onCompartment((hex) => {
      const kind = session.keyring.get(hex)?.kind as CompartmentKind | undefined
      if (kind === undefined) return
      runtime.addCompartment(kind)
      patientAlerts.track(kind)
    })
    runtime.start()
    await until('the patient on the relay', () => runtime.snapshot().relay === 'connected')

    // the doctor asks (the invite exchange itself is tested in test/sync/invite.test.ts); the patient shares vitals
    const doctor = person()
    const pc = device(doctor, 'clinic pc')
    consent.setChoice({ compartments: ['vitals'], hours: 24 })
    const answer = consent.approve({ peerId: pc.peerId, device: verifyDeviceCert(pc.cert), person: doctor.did, profile: verifyProfile(profileOf(doctor, Date.now())), credential: { status: 'none' } })
    await until('the request shown', () => consent.pending() !== undefined)
    consent.decide(true)
    const granted = await answer
    if (granted === undefined) throw new Error('declined')
    const grant = verifyGrant(granted.grant)
    const visitKind = visitCompartment(toHex(grant.id))

    // the doctor's device: the grant's keys, a replica of vitals and the visit compartment, its own sync service
    const keyring: Keyring = new Map()
    const vitalsId = grant.compartments.find((c) => c.kind === 'vitals')!.docId
    for (const [docId, kind] of [[vitalsId, 'vitals'], [grant.visitDocId!, visitKind]] as const) {
      const wraps = granted.wraps.filter((w) => equalBytes(parseWrap(w).docId, docId))
      expect(acceptWrappedKeys(keyring, docId, kind, wraps, doctor, grant.patient)).toEqual({ added: 1, problems: [] })
    }
    const drStore = createMemoryStore()
    const drVitals = await bindCompartment(drStore, keyring, keyring.get(toHex(vitalsId))!, pc.author, { batchMs: 5 })
    const drVisit = await bindCompartment(drStore, keyring, keyring.get(toHex(grant.visitDocId!))!, pc.author, { batchMs: 5 })
    const drPeer = await createNodePeer({ privateKey: await deviceKeyFromSecret(pc.author.secretKey), allowInsecureLoopback: true, listen: [] })
    const drSync = createSyncService(drPeer, {
      deviceCert: pc.cert,
      allowLimitedConnections: true,
      authorize: (p, _d, docId) => p === grant.patient && equalBytes(docId, grant.visitDocId!),
      wants: (p) => p === grant.patient,
      warn: () => undefined
    })
    await drSync.start()
    for (const c of [drVitals, drVisit]) drSync.addDoc({ docId: c.compartment.docId, store: drStore, persistence: c.persistence })

    const drNotes: AlertNotification[] = []
    const monitor = createTelemonitor(
      { vitals: drVitals.compartment, visit: drVisit.compartment, flush: () => drVisit.persistence.flush(), notify: (n) => drNotes.push(n) },
      { role: 'monitor', author: { display: 'Dr Test' } }
    )
    const drSeen = watch(monitor)
    monitor.start()
    await monitor.setThresholds(RULES)

    const observer = patientAlerts.monitors().get(toHex(grant.id))
    if (observer === undefined) throw new Error('no observer for the new grant')

    await drSync.syncWith(`${relayAddr}/p2p-circuit/p2p/${runtime.snapshot().peerId ?? ''}`)
    await until('the thresholds on the patient device', () => observer.thresholds()?.rules.length === 3)
    // the only connection between the two devices is relayed (a limited circuit)
    const conns = drPeer.getConnections().filter((c) => c.remotePeer.toString() === runtime.snapshot().peerId)
    expect(conns.length).toBeGreaterThan(0)
    expect(conns.every((c) => c.remoteAddr.toString().includes('/p2p-circuit') && c.limits !== undefined)).toBe(true)

    // the strap streams heart rate; the cuff measures three times
    const vitals = session.compartments.get('vitals')!
    const t0 = Date.now() + 1000
    for (let i = 0; i < 5; i++) {
      const reading: DeviceReading = { kind: 'heart-rate', value: { bpm: 70 + i, sensorContact: 'detected', rrIntervalsMs: [] } }
      await recordLiveReading(vitals, { samples: seriesSamples(reading, { device: { id: 'strap' }, receivedAt: t0 + i * 1000, timeZone: UTC }) })
      await until(`heart rate ${70 + i} at the doctor`, () => monitor.latest().find((r) => r.key === '8867-4')?.value === 70 + i)
    }
    for (const [i, s] of [150, 172, 176].entries()) {
      await recordLiveReading(vitals, { observations: observations(bp(`bp-${i}`, s, 90, t0 + (10 + i) * 1000)) })
      await until(`systolic ${s} at the doctor`, () => monitor.latest().find((r) => r.key === '8480-6')?.value === s)
    }
    await until('the alert on the patient device', () => ptAlerts.length === 1)
    await drVisit.persistence.whenSaved()
    await new Promise((r) => setTimeout(r, 200))

    const drIssues = alertsIn(drVisit.compartment)
    expect(drIssues.map((d) => d.id)).toEqual([`alert-sbp-high-${(t0 + 11_000).toString(36)}`])
    expect(alertsIn(session.get(visitKind)).map((d) => d.id)).toEqual(drIssues.map((d) => d.id))
    expect(drSeen.alerts.map((a) => [a.rule.id, a.value])).toEqual([['sbp-high', 172]])
    expect(ptAlerts.map(thresholdOnly).map((a) => [a.grantId, a.rule.id, a.value, a.observation])).toEqual([[toHex(grant.id), 'sbp-high', 172, 'Observation/bp-1']])
    expect(patientAlerts.alerts().map((a) => a.id)).toEqual(drIssues.map((d) => d.id))
    expect(drNotes.map((n) => n.title)).toEqual(['Systolic > 160'])
    expect(ptNotes.map((n) => n.tag)).toEqual([drIssues[0]!.id])
    expect(drSeen.readings.filter((r) => r.key === '8867-4').map((r) => r.value)).toEqual([70, 71, 72, 73, 74])
    // signed by the doctor's device, accepted by the patient's write check
    const visitOnPhone = session.compartments.get(visitKind)!
    expect([...visitOnPhone.persistence.vector().keys()]).toContain(toHex(pc.author.publicKey))

    monitor.stop()
    patientAlerts.stop()
    await drSync.stop()
    await drPeer.stop()
    await runtime.stop()
    consent.stop()
    await session.close()
  }, 90_000)
})
