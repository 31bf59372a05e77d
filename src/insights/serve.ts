/**
 * The worker side: answers each request on a port with the result of the named method, or
 * its error's name and message. A message that is not a request of this protocol, but has
 * a usable id, is answered with an `InsightsProtocolError`; one without an id is ignored.
 */
import { InsightsProtocolError } from './errors.ts'
import { INSIGHTS_API, isInsightsMethod, REQUEST_TYPE, RESPONSE_TYPE, type InsightsPort, type InsightsResponse } from './protocol.ts'

/** Most arguments any method takes. */
const MAX_ARGS = 4

const isId = (id: unknown): id is number => typeof id === 'number' && Number.isSafeInteger(id) && id > 0

/**
 * Answers one request message. Exported for tests; `serveInsights` posts what it returns.
 * Returns `null` for a message that is not addressed to this protocol.
 */
export function answer(data: unknown): InsightsResponse | null {
  if (typeof data !== 'object' || data === null) return null
  const msg = data as { type?: unknown; id?: unknown; method?: unknown; args?: unknown }
  if (msg.type !== REQUEST_TYPE || !isId(msg.id)) return null
  const id = msg.id
  try {
    if (!isInsightsMethod(msg.method)) throw new InsightsProtocolError(`method: expected one of ${Object.keys(INSIGHTS_API).join(', ')}, got ${String(msg.method)}`)
    if (!Array.isArray(msg.args) || msg.args.length > MAX_ARGS) throw new InsightsProtocolError(`args: expected an array of at most ${MAX_ARGS} arguments`)
    const fn = INSIGHTS_API[msg.method] as (...args: unknown[]) => unknown
    return { type: RESPONSE_TYPE, id, ok: true, result: fn(...(msg.args as unknown[])) }
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err))
    return { type: RESPONSE_TYPE, id, ok: false, error: { name: e.name, message: e.message } }
  }
}

/**
 * Serves the insights API on `port` (in the worker: `serveInsights(self)`). Returns a
 * function that stops serving.
 */
export function serveInsights(port: InsightsPort): () => void {
  const onMessage = (event: Event): void => {
    const response = answer((event as MessageEvent).data)
    if (response !== null) port.postMessage(response)
  }
  port.addEventListener('message', onMessage)
  port.start?.()
  return () => port.removeEventListener('message', onMessage)
}
