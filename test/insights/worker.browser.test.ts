/**
 * The insights worker in headless Chromium: `workers/insights.ts` started as a module
 * worker (as the app will start it), driven through `createInsightsClient`. Results equal
 * the direct calls (a CGM month, findings derived from Observations), a rule's errors come
 * back named, and a worker that fails to load fails the pending request as
 * `InsightsWorkerError`, not as a timeout.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  InsightsTimeoutError,
  InsightsWorkerError,
  cgmMetrics,
  createInsightsClient,
  deriveInsights,
  news2,
  type InsightsClient,
  type News2Input
} from '../../src/insights/index.ts'
import type { Observation } from '../../src/record/index.ts'

const clients: InsightsClient[] = []
afterEach(() => {
  for (const c of clients.splice(0)) c.close()
})

function start(timeoutMs = 20_000): InsightsClient {
  const worker = new Worker(new URL('../../workers/insights.ts', import.meta.url), { type: 'module' })
  const client = createInsightsClient({ port: worker, timeoutMs, terminate: () => worker.terminate() })
  clients.push(client)
  return client
}

const SET: News2Input = { respiratoryRate: 25, spo2: 92, spo2Scale: 2, onOxygen: true, systolic: 100, pulse: 112, consciousness: 'C', temperatureC: 39.2 }

describe('insights worker (Chromium)', () => {
  it('answers each method as the direct call does', async () => {
    const insights = start()
    expect(await insights.news2(SET)).toEqual(news2(SET))
    expect(await insights.bpCategory(139, 90)).toBe('stage2')
    const rr = Array.from({ length: 256 }, (_, i) => 800 + (i % 2 === 0 ? 7 : -7))
    expect((await insights.afScreen(rr)).irregular).toBe(false)
    const findings = await insights.checkPrescription({ medication: { code: { text: 'amoxicillin 500 MG Oral Capsule' } }, allergies: [{ code: { text: 'Penicillin' } }] })
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([['drug-allergy', 'high']])
  })

  it('computes a month of CGM readings in the worker, as the direct call does', async () => {
    const insights = start()
    const t0 = Date.UTC(2024, 0, 1)
    const samples = Array.from({ length: 30 * 288 }, (_, i) => ({ t: t0 + i * 300_000, mgdl: 60 + ((i * 37) % 240) }))
    expect(await insights.cgmMetrics(samples, { intervalMin: 5 })).toEqual(cgmMetrics(samples, { intervalMin: 5 }))
  })

  it('derives findings from Observations posted to it', async () => {
    const insights = start()
    const now = Date.UTC(2024, 5, 15, 12)
    const o = (id: string, code: string, value: number, unit: string): Observation => ({
      resourceType: 'Observation',
      id,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code }] },
      effectiveDateTime: new Date(now - 600_000).toISOString(),
      valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit }
    })
    const input = {
      now,
      observations: [o('rr', '9279-1', 26, '/min'), o('sat', '59408-5', 91, '%'), o('sbp', '8480-6', 95, 'mm[Hg]'), o('dbp', '8462-4', 60, 'mm[Hg]'), o('hr', '8867-4', 120, '/min'), o('t', '8310-5', 39.5, 'Cel')]
    }
    const report = await insights.deriveInsights(input)
    expect(report).toEqual(deriveInsights(input))
    expect(report.findings[0]?.rule).toBe('news2')
    expect(report.findings[0]?.severity).toBe('high')
  })

  it('sends a rule\'s input error back as a RangeError with its message', async () => {
    const insights = start()
    let err: unknown
    try {
      await insights.news2({ ...SET, temperatureC: 98.6 })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(RangeError)
    expect((err as Error).message).toBe('news2.temperatureC: expected 10..47 °C, got 98.6')
  })

  it('fails pending requests with InsightsWorkerError when the worker cannot load', async () => {
    // the runner prints this worker's "Uncaught Error: broken build": that is the failure under test
    const worker = new Worker(new URL('data:text/javascript,throw new Error("broken build")'), { type: 'module' })
    const client = createInsightsClient({ port: worker, timeoutMs: 10_000, terminate: () => worker.terminate() })
    clients.push(client)
    let err: unknown
    try {
      await client.bpCategory(120, 80)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(InsightsWorkerError)
    expect(err).not.toBeInstanceOf(InsightsTimeoutError)
  })
})
