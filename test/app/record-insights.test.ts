/**
 * A record's findings as the app keeps them: the vitals compartment's readings go to the
 * insights protocol (served over a real MessageChannel, as the worker serves it), the
 * answer is a snapshot that says from when the readings are (old readings are never shown
 * as current), a change of the record recomputes it, and a failing worker is a named error
 * in the snapshot, after which a new worker is started. Also: the facts the UI words each
 * finding with, and the doctor's prescribing check on the record's allergies and medicines.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { asDocId } from '../../src/lib/index.ts'
import { createCompartment, type Compartment, type FhirResource } from '../../src/record/index.ts'
import { serveInsights, type InsightsClient, type InsightsPort } from '../../src/insights/index.ts'
import { lazyInsightsWorker, type InsightsWorkerPort } from '../../src/app/insights-worker.ts'
import { createRecordInsights, InsightsState, type InsightsSnapshot, type RecordInsights } from '../../src/app/record-insights.ts'
import { factsOf, sourceLabel } from '../../src/app/insight-facts.ts'
import { prescribingCheck, RECORD_INCOMPLETE_WARNING } from '../../src/app/prescribing-check.ts'
import type { PrescriptionDraft } from '../../src/consult/index.ts'
import { createRrTimeline, parseHeartRateMeasurement, seriesSamples } from '../../src/devices/index.ts'
import { bpObservation } from '../helpers/observations.ts'

/**
 * A strap's notifications, as the app stores them: each one's heart rate and RR intervals
 * (1/1024 s on the wire) appended and flushed in one update. `gapMs` is the time between
 * notifications (real time: the intervals' sum; a burst: a few ms).
 */
function strapRecords(c: Compartment, endAt: number, notifications: number, next: () => number, gapMs?: number): void {
  const timeline = createRrTimeline()
  const batches = Array.from({ length: notifications }, () => Array.from({ length: 8 }, () => Math.round(next() * 1.024)))
  const span = batches.reduce((n, b) => n + (gapMs ?? b.reduce((x, y) => x + y / 1.024, 0)), 0)
  let t = endAt - span
  for (const rr of batches) {
    t += gapMs ?? rr.reduce((x, y) => x + y / 1.024, 0)
    const bytes = Uint8Array.from([0x16, 80, ...rr.flatMap((x) => [x & 0xff, x >> 8])])
    const samples = seriesSamples({ kind: 'heart-rate', value: parseHeartRateMeasurement(new DataView(bytes.buffer)) }, { device: { id: 'strap+1' }, receivedAt: Math.round(t), timeZone: 'UTC' }, timeline)
    c.batch(() => {
      for (const x of samples) c.series.append(x.code, x.device, x.t, x.value, x.unit)
      c.series.flush()
    })
  }
}
/** Seeded uniform numbers in [lo, hi). */
function uniform(seed: number, lo: number, hi: number): () => number {
  let x = seed
  return () => lo + (hi - lo) * ((x = (x * 16807) % 2147483647) / 2147483647)
}

const DAY = 86_400_000
const WALL = Date.UTC(2026, 10, 29, 12)

let docs = 0
function vitals(): Compartment {
  const id = new Uint8Array(16)
  id[0] = ++docs
  return createCompartment({ kind: 'vitals', docId: asDocId(id) })
}

const cleanup: Array<() => void> = []
afterEach(() => {
  for (const c of cleanup.splice(0)) c()
})

/** The shared worker handle, its "worker" being `serveInsights` at the other end of a MessageChannel; counts the workers started. */
function channelWorker(): { worker: ReturnType<typeof lazyInsightsWorker>; started: () => number } {
  let started = 0
  const worker = lazyInsightsWorker({
    start: () => {
      started++
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
  return { worker, started: () => started }
}

function follow(insights: RecordInsights): InsightsSnapshot[] {
  const seen: InsightsSnapshot[] = []
  cleanup.push(insights.subscribe((s) => seen.push(s)), () => insights.close())
  return seen
}

const until = async (pred: () => boolean, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('record insights', () => {
  it('starts no worker until someone looks, then shows the blood pressure findings of recent readings as of today', async () => {
    const c = vitals()
    c.resources.put(bpObservation('bp-1', WALL - 2 * DAY, 128, 78))
    c.resources.put(bpObservation('bp-2', WALL - DAY, 142, 91))
    const { worker, started } = channelWorker()
    const insights = createRecordInsights({ compartments: () => ({ vitals: c }), insights: worker.client, clock: () => WALL })
    expect(started()).toBe(0)
    expect(insights.snapshot().state).toBe(InsightsState.idle)
    const seen = follow(insights)
    await until(() => insights.snapshot().state === InsightsState.ready)
    expect(started()).toBe(1)
    expect(seen[0]?.state).toBe(InsightsState.computing)
    const s = insights.snapshot()
    expect(s.dated).toBe(false)
    expect(s.asOf).toBe(WALL)
    expect(s.latestReading).toBe(WALL - DAY)
    expect(s.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['bp-category', 'moderate'],
      ['bp-average', 'low']
    ])
    expect(factsOf(s.findings[0]!)).toEqual({ rule: 'bp-category', systolic: 142, diastolic: 91, category: 'stage2' })
    expect(factsOf(s.findings[1]!)).toMatchObject({ rule: 'bp-average', systolic: 135, diastolic: 84.5, category: 'stage1', readings: 2, enough: true })
    expect(sourceLabel(s.findings[0]!.source)).toBe('ACC/AHA blood pressure guideline, 2017')
  })

  it('screens the strap’s stored RR intervals in the worker: an irregular rhythm gives the AF finding with the windows that triggered', async () => {
    const c = vitals()
    // 40 notifications of 8 AF-like intervals (380–1050 ms) in real time, up to 10 minutes ago: 320 beats, 2 windows
    strapRecords(c, WALL - 600_000, 40, uniform(3, 380, 1050))
    const { worker } = channelWorker()
    const insights = createRecordInsights({ compartments: () => ({ vitals: c }), insights: worker.client, clock: () => WALL })
    cleanup.push(() => insights.close())
    const s = await insights.refresh()
    expect(s.state).toBe(InsightsState.ready)
    const af = s.findings.find((f) => f.rule === 'af-screen')
    expect(af?.summary).toBe('An irregular rhythm was detected; this is not a diagnosis; see a doctor.')
    expect(af?.fired).toMatch(/^2 of 2 analysed 128-beat windows/)
    expect(new Set(af?.evidence.map((e) => e.ref))).toEqual(new Set(['series/147240/ble:strap-1']))
    const facts = af === undefined ? undefined : factsOf(af)
    if (facts?.rule !== 'af-screen') throw new Error('no AF facts')
    expect(facts.windows).toBe(2)
    expect(facts.spans).toHaveLength(2)
    for (const w of facts.spans) {
      expect(w.from).toBeLessThan(w.to as number)
      // 128 beats of 380–1050 ms: about 1–2 minutes
      expect((w.to as number) - (w.from as number)).toBeGreaterThan(127 * 380)
      expect(w.to).toBeLessThanOrEqual(WALL - 600_000)
    }
  })

  it('does the same when the notifications came in a burst, and finds nothing in a regular rhythm', async () => {
    const burst = vitals()
    strapRecords(burst, WALL - 60_000, 40, uniform(5, 380, 1050), 5)
    const regular = vitals()
    const sinus = uniform(9, -15, 15)
    strapRecords(regular, WALL - 60_000, 40, () => 850 + sinus())
    const { worker } = channelWorker()
    const findings = async (c: Compartment) => {
      const insights = createRecordInsights({ compartments: () => ({ vitals: c }), insights: worker.client, clock: () => WALL })
      cleanup.push(() => insights.close())
      return (await insights.refresh()).findings
    }
    const af = (await findings(burst)).find((f) => f.rule === 'af-screen')
    const facts = af === undefined ? undefined : factsOf(af)
    if (facts?.rule !== 'af-screen') throw new Error('no AF finding')
    // the windows are timed by the stored beats, squeezed into the burst (at least 1 ms apart: 320 beats
    // in 200 ms end at most 320 ms late), not by the intervals' sum (minutes after the burst)
    expect(facts.spans).toHaveLength(2)
    for (const w of facts.spans) expect(w.to).toBeLessThanOrEqual(WALL - 60_000 + 320)
    expect(af?.at).toBeLessThanOrEqual(WALL - 60_000 + 320)
    expect((await findings(regular)).map((f) => f.rule)).not.toContain('af-screen')
  })

  it('keeps answering while readings stream faster than a computation takes: a change never cancels one', async () => {
    const c = vitals()
    const { worker } = channelWorker()
    // a computation takes 60 ms; a reading arrives every 20 ms for half a second
    const slow = {
      deriveInsights: async (input: Parameters<InsightsClient['deriveInsights']>[0], opts?: Parameters<InsightsClient['deriveInsights']>[1]) => {
        await new Promise((r) => setTimeout(r, 60))
        return worker.client().deriveInsights(input, opts)
      }
    } as unknown as InsightsClient
    const insights = createRecordInsights({ compartments: () => ({ vitals: c }), insights: () => slow, clock: () => WALL }, { debounceMs: 0 })
    const seen = follow(insights)
    for (let i = 0; i < 25; i++) {
      c.resources.put(bpObservation(`bp-${i}`, WALL - DAY + i * 60_000, 120 + i, 80))
      await new Promise((r) => setTimeout(r, 20))
    }
    const whileStreaming = seen.filter((s) => s.state === InsightsState.ready).length
    await until(() => insights.snapshot().state === InsightsState.ready && factsOf(insights.snapshot().findings[0]!).rule === 'bp-category' && (factsOf(insights.snapshot().findings.find((f) => f.rule === 'bp-category')!) as { systolic: number }).systolic === 144)
    // answers arrived while the readings kept coming, and the last one covers the last reading
    expect(whileStreaming).toBeGreaterThanOrEqual(4)
    expect(seen.some((s) => s.state === InsightsState.failed)).toBe(false)
  })

  it('looks back from the newest reading when all readings are old, and says so', async () => {
    const c = vitals()
    const old = WALL - 400 * DAY
    c.resources.put(bpObservation('bp-1', old - DAY, 150, 95))
    c.resources.put(bpObservation('bp-2', old, 152, 96))
    const { worker } = channelWorker()
    const insights = createRecordInsights({ compartments: () => ({ vitals: c }), insights: worker.client, clock: () => WALL })
    const s = await insights.refresh()
    cleanup.push(() => insights.close())
    expect(s.state).toBe(InsightsState.ready)
    expect(s.dated).toBe(true)
    expect(s.asOf).toBe(old)
    expect(s.latestReading).toBe(old)
    expect(s.findings[0]).toMatchObject({ rule: 'bp-category', at: old })
  })

  it('finds the newest reading in a time series too (a CGM month long ago)', async () => {
    const c = vitals()
    const t0 = WALL - 200 * DAY
    for (let i = 0; i < 14 * 288; i++) c.series.append('99504-3', 'cgm-1', t0 + i * 300_000, 100 + ((i * 37) % 80), 'mg/dL')
    c.series.flush()
    const { worker } = channelWorker()
    const insights = createRecordInsights({ compartments: () => ({ vitals: c }), insights: worker.client, clock: () => WALL })
    cleanup.push(() => insights.close())
    const s = await insights.refresh()
    expect(s.dated).toBe(true)
    expect(s.latestReading).toBe(t0 + (14 * 288 - 1) * 300_000)
    const cgm = s.findings.find((f) => f.rule === 'cgm')
    expect(cgm === undefined ? undefined : factsOf(cgm)).toMatchObject({ rule: 'cgm', tirPercent: 100, sparse: false })
  })

  it('recomputes after the record changes (debounced): a crisis reading becomes the first, urgent finding', async () => {
    const c = vitals()
    c.resources.put(bpObservation('bp-1', WALL - DAY, 118, 76))
    const { worker } = channelWorker()
    const insights = createRecordInsights({ compartments: () => ({ vitals: c }), insights: worker.client, clock: () => WALL }, { debounceMs: 20 })
    const seen = follow(insights)
    await until(() => insights.snapshot().state === InsightsState.ready)
    expect(insights.snapshot().findings[0]).toMatchObject({ rule: 'bp-category', severity: 'info' })
    const before = seen.length
    // three changes in quick succession: one recomputation
    c.resources.put(bpObservation('bp-2', WALL - 3_600_000, 150, 90))
    c.resources.put(bpObservation('bp-3', WALL - 1_800_000, 170, 100))
    c.resources.put(bpObservation('bp-4', WALL - 60_000, 186, 124))
    await until(() => insights.snapshot().findings[0]?.severity === 'high')
    expect(factsOf(insights.snapshot().findings[0]!)).toMatchObject({ rule: 'bp-category', systolic: 186, category: 'crisis' })
    expect(seen.slice(before).filter((s) => s.state === InsightsState.computing)).toHaveLength(1)
  })

  it('names a failed worker in the snapshot, keeps the page going, and starts a new worker next time', async () => {
    const c = vitals()
    c.resources.put(bpObservation('bp-1', WALL - DAY, 128, 78))
    let starts = 0
    const worker = lazyInsightsWorker({
      start: () => {
        starts++
        if (starts === 1) {
          // a worker whose script does not load: it reports an error instead of answering
          const broken = new EventTarget() as EventTarget & InsightsWorkerPort
          broken.postMessage = () => queueMicrotask(() => broken.dispatchEvent(new Event('error')))
          broken.terminate = () => undefined
          return broken
        }
        const channel = new MessageChannel()
        serveInsights(channel.port1)
        const port = channel.port2 as unknown as InsightsPort & { terminate(): void }
        port.terminate = () => {
          channel.port1.close()
          channel.port2.close()
        }
        return port
      }
    })
    cleanup.push(() => worker.close())
    const insights = createRecordInsights({ compartments: () => ({ vitals: c }), insights: worker.client, clock: () => WALL })
    cleanup.push(() => insights.close())
    const failed = await insights.refresh()
    expect(failed.state).toBe(InsightsState.failed)
    expect(failed.error?.name).toBe('InsightsWorkerError')
    const again = await insights.refresh()
    expect(starts).toBe(2)
    expect(again.state).toBe(InsightsState.ready)
    expect(again.error).toBeUndefined()
    expect(again.findings.length).toBeGreaterThan(0)
  })

  it('says there is nothing to look at when the vitals and results are not held here (a doctor without them)', async () => {
    const { worker, started } = channelWorker()
    const insights = createRecordInsights({ compartments: () => ({}), insights: worker.client })
    const s = await insights.refresh()
    insights.close()
    expect(s).toMatchObject({ state: InsightsState.ready, available: false, findings: [] })
    expect(started()).toBe(0)
  })
})

describe('prescribing check', () => {
  const draft = (text: string, rxnorm?: { code: string; display: string }): PrescriptionDraft => ({
    medication: { text, ...(rxnorm === undefined ? {} : { rxnorm }) },
    dosage: '1 capsule 3 times a day',
    quantity: { value: 21, unit: 'capsule' },
    repeats: 0,
    validFrom: WALL,
    validUntil: WALL + 30 * DAY,
    patient: { name: 'A. Patient' }
  })
  const allergy = (id: string, text: string, status = 'active'): FhirResource =>
    ({ resourceType: 'AllergyIntolerance', id, patient: { reference: 'Patient/p' }, clinicalStatus: { coding: [{ code: status }] }, code: { text } })
  const statement = (id: string, text: string, status: string): FhirResource =>
    ({ resourceType: 'MedicationStatement', id, status, subject: { reference: 'Patient/p' }, medicationCodeableConcept: { text } })

  it('warns of a penicillin allergy for amoxicillin, and of warfarin taken now for ibuprofen; an inactive allergy and a stopped drug are not warned of', async () => {
    const { worker } = channelWorker()
    const check = prescribingCheck(worker.client)
    const context = { allergies: [allergy('al-1', 'Penicillin'), allergy('al-2', 'Ibuprofen', 'resolved')], medications: [statement('ms-1', 'warfarin 5 MG Oral Tablet', 'active'), statement('ms-2', 'clarithromycin 500 MG', 'stopped')], conditions: [], complete: true }
    const amox = await check(draft('amoxicillin 500 MG Oral Capsule', { code: '308182', display: 'amoxicillin 500 MG Oral Capsule' }), context)
    expect(amox.map((w) => [w.code.split(':')[0], w.severity])).toEqual([['drug-allergy', 'high']])
    expect(amox[0]?.message).toContain('amoxicillin 500 MG Oral Capsule')
    expect(amox[0]?.source).toMatch(/2022/)
    const ibu = await check(draft('ibuprofen 400 MG Oral Tablet'), context)
    expect(ibu.map((w) => w.code.split(':')[0])).toEqual(['drug-drug'])
    expect(ibu[0]?.message).toMatch(/warfarin/i)
    // the same draft gives the same codes again: an acknowledgement holds
    expect((await check(draft('ibuprofen 400 MG Oral Tablet'), context)).map((w) => w.code)).toEqual(ibu.map((w) => w.code))
    expect(await check(draft('paracetamol 500 MG Oral Tablet'), context)).toEqual([])
  })

  it('says when the allergies and medicines have not all arrived: no warning would then mean "not known"', async () => {
    const { worker } = channelWorker()
    const warnings = await prescribingCheck(worker.client)(draft('paracetamol 500 MG'), { allergies: [], medications: [], conditions: [], complete: false })
    expect(warnings.map((w) => w.code)).toEqual([RECORD_INCOMPLETE_WARNING])
  })
})
