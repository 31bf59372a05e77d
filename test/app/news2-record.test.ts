/**
 * A doctor's NEWS2 entries reach the findings: a record's insights (served over a real
 * MessageChannel, as the worker serves them) recompute when an entry lands in a visit
 * compartment — one held from the start or one that arrives later — and the NEWS2 finding
 * then scores it and says who recorded it, in the facts the UI words.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { asDocId } from '../../src/lib/index.ts'
import { createCompartment, visitCompartment, type Compartment, type Observation } from '../../src/record/index.ts'
import { serveInsights } from '../../src/insights/index.ts'
import { lazyInsightsWorker, type InsightsWorkerPort } from '../../src/app/insights-worker.ts'
import { createRecordInsights, InsightsState, type RecordInsights } from '../../src/app/record-insights.ts'
import { endScale2, news2ContextStatus, recordNews2Entry } from '../../src/app/news2-record.ts'
import { factsOf } from '../../src/app/insight-facts.ts'

const MIN = 60_000
const WALL = Date.UTC(2026, 10, 29, 12)
const LOINC = 'http://loinc.org'
const UCUM = 'http://unitsofmeasure.org'

function obs(id: string, code: string, t: number, value: number, unit: string): Observation {
  return { resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: LOINC, code }] }, effectiveDateTime: new Date(t).toISOString(), valueQuantity: { value, unit, system: UCUM, code: unit } }
}

let docs = 0
function compartment(kind: 'vitals' | 'visit'): Compartment {
  const id = new Uint8Array(16)
  id[0] = 100 + ++docs
  return createCompartment({ kind: kind === 'vitals' ? 'vitals' : visitCompartment('c'.repeat(32)), docId: asDocId(id) })
}

/** SpO2 90 % and everything else scoring 0, 20 minutes before WALL. */
function vitalsWithSet(): Compartment {
  const c = compartment('vitals')
  const t = WALL - 20 * MIN
  for (const o of [obs('rr', '9279-1', t, 16, '/min'), obs('spo2', '59408-5', t, 90, '%'), obs('sbp', '8480-6', t, 120, 'mm[Hg]'), obs('hr', '8867-4', t, 70, '/min'), obs('temp', '8310-5', t, 37, 'Cel')]) c.resources.put(o)
  return c
}

const cleanup: Array<() => void> = []
afterEach(() => {
  for (const c of cleanup.splice(0)) c()
})

function channelInsights(held: () => { vitals: Compartment; visits: Compartment[] }): RecordInsights {
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
  const insights = createRecordInsights({ compartments: held, insights: worker.client, clock: () => WALL }, { debounceMs: 0 })
  cleanup.push(insights.subscribe(() => undefined), () => insights.close(), () => worker.close())
  return insights
}

const until = async (pred: () => boolean, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 5))
  }
}

const news2 = (i: RecordInsights) => i.snapshot().findings.find((f) => f.rule === 'news2')

describe('NEWS2 entries in the findings', () => {
  it('recomputes when the doctor records oxygen and scale 2, and says who recorded them', async () => {
    const vitals = vitalsWithSet()
    const visit = compartment('visit')
    const insights = channelInsights(() => ({ vitals, visits: [visit] }))
    await until(() => insights.snapshot().state === InsightsState.ready && news2(insights) !== undefined)
    expect(news2(insights)?.summary).toBe('NEWS2 3: low–medium clinical risk') // SpO2 90 on scale 1: 3
    expect(factsOf(news2(insights) as never)).toMatchObject({ assumedAir: true, assumedAlert: true })

    recordNews2Entry(visit, { kind: 'oxygen', onOxygen: true, flowLpm: 2 }, { at: WALL - 10 * MIN, by: 'Dr X' })
    await until(() => news2(insights)?.summary === 'NEWS2 5: medium clinical risk') // + 2 on oxygen
    const facts = factsOf(news2(insights) as never)
    expect(facts).toMatchObject({ rule: 'news2', assumedAir: false, assumedAlert: true, oxygen: { on: true, by: 'Dr X', t: WALL - 10 * MIN } })
    expect(news2(insights)?.fired).toContain(`on oxygen (recorded by Dr X at ${new Date(WALL - 10 * MIN).toISOString()})`)

    recordNews2Entry(visit, { kind: 'spo2-scale-2' }, { at: WALL - 5 * MIN, by: 'Dr X' })
    // scale 2, on oxygen: 90 % scores 0 (88–92), oxygen 2 → 2
    await until(() => news2(insights)?.summary === 'NEWS2 2: low clinical risk')
    expect(factsOf(news2(insights) as never)).toMatchObject({ scale2: { by: 'Dr X' } })
    expect(news2ContextStatus([visit], WALL).scale2?.by).toBe('Dr X')

    expect(endScale2(visit)).toBe(1)
    await until(() => news2(insights)?.summary === 'NEWS2 5: medium clinical risk')
    expect(news2ContextStatus([visit], WALL).scale2).toBeUndefined()
  })

  it('follows a visit compartment that arrives after the first answer (a new grant on the patient’s device)', async () => {
    const vitals = vitalsWithSet()
    const visits: Compartment[] = []
    const insights = channelInsights(() => ({ vitals, visits }))
    await until(() => news2(insights) !== undefined)
    const visit = compartment('visit')
    visits.push(visit)
    // the first change after it arrived is the doctor's entry: it must be followed from there on
    vitals.resources.put(obs('note', '29463-7', WALL - 60 * MIN, 70, 'kg'))
    await until(() => insights.snapshot().findings.some((f) => f.rule === 'news2'))
    recordNews2Entry(visit, { kind: 'consciousness', value: 'V' }, { at: WALL - 15 * MIN, by: 'Dr Y' })
    await until(() => news2(insights)?.fired.includes('consciousness V (recorded by Dr Y') === true)
    expect(news2(insights)?.summary).toBe('NEWS2 6: medium clinical risk') // SpO2 3 + consciousness 3
  })
})
