/**
 * The worker protocol in Node over a real `MessageChannel` (the browser test runs the real
 * worker): results and errors arrive by request id, a rule's TypeError/RangeError keeps its
 * class and message, and the named failures — timeout, abort, closed client, failed
 * worker, malformed traffic — are what the caller sees.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  InsightsClosedError,
  InsightsProtocolError,
  InsightsRemoteError,
  InsightsTimeoutError,
  InsightsWorkerError,
  REQUEST_TYPE,
  RESPONSE_TYPE,
  answer,
  createInsightsClient,
  news2,
  serveInsights,
  type InsightsClient,
  type InsightsPort,
  type News2Input
} from '../../src/insights/index.ts'

const SET: News2Input = { respiratoryRate: 22, spo2: 95, onOxygen: false, systolic: 105, pulse: 95, consciousness: 'A', temperatureC: 38.4 }

const open: { close(): void }[] = []
afterEach(() => {
  for (const x of open.splice(0)) x.close()
})

/** A client talking to `serveInsights` over a MessageChannel. */
function pair(timeoutMs?: number): InsightsClient {
  const channel = new MessageChannel()
  serveInsights(channel.port1)
  const client = createInsightsClient({ port: channel.port2, ...(timeoutMs !== undefined ? { timeoutMs } : {}) })
  open.push(client, channel.port1, channel.port2)
  return client
}

/** A port whose other side is the test: it records what was posted and can answer or fail. */
class FakePort extends EventTarget implements InsightsPort {
  readonly posted: unknown[] = []
  postMessage(message: unknown): void {
    this.posted.push(message)
  }
  reply(data: unknown): void {
    this.dispatchEvent(new MessageEvent('message', { data }))
  }
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

describe('insights client over a MessageChannel', () => {
  it('returns what the rule returns', async () => {
    const client = pair()
    expect(await client.news2(SET)).toEqual(news2(SET))
    expect(await client.bpCategory(181, 80)).toBe('crisis')
    expect((await client.cgmMetrics([{ t: 0, mgdl: 100 }, { t: 300_000, mgdl: 200 }])).tirPercent).toBe(50)
    expect(await client.call('bpCategory', [120, 80])).toBe('stage1')
    expect(client.pending).toBe(0)
  })

  it('answers concurrent requests each with its own result', async () => {
    const client = pair()
    const pressures = Array.from({ length: 50 }, (_, i) => 100 + i * 3)
    const got = await Promise.all(pressures.map((s) => client.bpCategory(s, 70)))
    expect(got).toEqual(pressures.map((s) => (s > 180 ? 'crisis' : s >= 140 ? 'stage2' : s >= 130 ? 'stage1' : s >= 120 ? 'elevated' : 'normal')))
  })

  it('rethrows a rule\'s RangeError and TypeError as such, with the rule\'s message', async () => {
    const client = pair()
    const range = await rejection(client.news2({ ...SET, respiratoryRate: -1 }))
    expect(range).toBeInstanceOf(RangeError)
    expect(range.message).toBe('news2.respiratoryRate: expected 0..100 breaths/min, got -1')
    const type = await rejection(client.cgmMetrics([{ t: 0, mgdl: Number.NaN }]))
    expect(type).toBeInstanceOf(TypeError)
    expect(type.message).toMatch(/^cgmMetrics\.samples\[0\]\.mgdl/)
  })

  it('names an unknown method as a remote protocol error', async () => {
    const client = pair()
    const err = await rejection(client.call('toString' as 'news2', [SET]))
    expect(err).toBeInstanceOf(InsightsRemoteError)
    expect((err as InsightsRemoteError).remoteName).toBe('InsightsProtocolError')
  })

  it('fails a request the worker does not answer in time, and drops its late answer', async () => {
    const port = new FakePort()
    const client = createInsightsClient({ port, timeoutMs: 30 })
    open.push(client)
    const err = await rejection(client.bpCategory(120, 80))
    expect(err).toBeInstanceOf(InsightsTimeoutError)
    expect(err.message).toContain('bpCategory')
    expect(client.pending).toBe(0)
    port.reply({ type: RESPONSE_TYPE, id: 1, ok: true, result: 'stage1' })
  })

  it('fails a request on abort, before or after it was sent', async () => {
    const client = createInsightsClient({ port: new FakePort() })
    open.push(client)
    const controller = new AbortController()
    const p = client.bpCategory(120, 80, { signal: controller.signal })
    expect(client.pending).toBe(1)
    controller.abort(new Error('left the page'))
    expect((await rejection(p)).message).toBe('left the page')
    expect(client.pending).toBe(0)
    expect((await rejection(client.bpCategory(120, 80, { signal: controller.signal }))).message).toBe('left the page')
  })

  it('fails every pending request when the worker fails, and when the client closes', async () => {
    const port = new FakePort()
    let terminated = 0
    const client = createInsightsClient({ port, terminate: () => terminated++ })
    const a = client.bpCategory(120, 80)
    const b = client.news2(SET)
    port.dispatchEvent(Object.assign(new Event('error'), { message: 'SyntaxError in worker' }))
    for (const err of await Promise.all([rejection(a), rejection(b)])) {
      expect(err).toBeInstanceOf(InsightsWorkerError)
      expect(err.message).toBe('insights worker failed: SyntaxError in worker')
    }
    const c = client.bpCategory(120, 80)
    client.close()
    expect(await rejection(c)).toBeInstanceOf(InsightsClosedError)
    expect(await rejection(client.bpCategory(120, 80))).toBeInstanceOf(InsightsClosedError)
    expect(terminated).toBe(1)
    client.close()
    expect(terminated).toBe(1)
  })

  it('matches answers to requests by id, in any order, and refuses a malformed answer', async () => {
    const port = new FakePort()
    const client = createInsightsClient({ port })
    open.push(client)
    const a = client.bpCategory(100, 70)
    const b = client.bpCategory(150, 70)
    const c = client.bpCategory(125, 70)
    const ids = port.posted.map((m) => (m as { id: number }).id)
    expect(new Set(ids).size).toBe(3)
    port.reply({ type: 'something else', id: ids[0], ok: true, result: 'ignored' })
    port.reply({ type: RESPONSE_TYPE, id: ids[1], ok: true, result: 'B' })
    port.reply({ type: RESPONSE_TYPE, id: ids[0], ok: true, result: 'A' })
    port.reply({ type: RESPONSE_TYPE, id: ids[2], ok: false })
    expect(await a).toBe('A')
    expect(await b).toBe('B')
    expect(await rejection(c)).toBeInstanceOf(InsightsProtocolError)
  })

  it('fails only the call whose argument cannot be cloned', async () => {
    const client = pair()
    const err = await rejection(client.call('news2', [{ ...SET, extra: () => 1 } as unknown as News2Input]))
    expect(err.name).toBe('DataCloneError')
    expect(await client.bpCategory(119, 79)).toBe('normal')
  })

  it('refuses a bad timeout', () => {
    expect(() => createInsightsClient({ port: new FakePort(), timeoutMs: 0 })).toThrow(RangeError)
  })
})

describe('answer (the worker side)', () => {
  it('ignores traffic that is not a request of this protocol', () => {
    expect(answer(null)).toBeNull()
    expect(answer('news2')).toBeNull()
    expect(answer({ type: 'other', id: 1, method: 'news2', args: [SET] })).toBeNull()
    expect(answer({ type: REQUEST_TYPE, id: 0, method: 'news2', args: [SET] })).toBeNull()
    expect(answer({ type: REQUEST_TYPE, id: 1.5, method: 'news2', args: [SET] })).toBeNull()
  })

  it('answers malformed requests with a named protocol error', () => {
    expect(answer({ type: REQUEST_TYPE, id: 3, method: '__proto__', args: [] })).toMatchObject({ id: 3, ok: false, error: { name: 'InsightsProtocolError' } })
    expect(answer({ type: REQUEST_TYPE, id: 4, method: 'news2', args: 'x' })).toMatchObject({ id: 4, ok: false, error: { name: 'InsightsProtocolError' } })
    expect(answer({ type: REQUEST_TYPE, id: 5, method: 'news2', args: [1, 2, 3, 4, 5] })).toMatchObject({ id: 5, ok: false, error: { name: 'InsightsProtocolError' } })
    expect(answer({ type: REQUEST_TYPE, id: 6, method: 'news2', args: [] })).toMatchObject({ id: 6, ok: false, error: { name: 'TypeError' } })
  })
})
