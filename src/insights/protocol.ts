/**
 * The insights worker's messages: a request names a method of `InsightsApi` and its
 * arguments under an id; the response carries the same id and either the result or the
 * error's name and message. Everything is plain data (structured clone).
 */
import { afScreen } from './af-screen.ts'
import { bpAverage, bpCategory } from './blood-pressure.ts'
import { cgmMetrics } from './cgm.ts'
import { deriveInsights } from './derive.ts'
import { checkPrescription } from './medication.ts'
import { news2 } from './news2.ts'

/** What the worker computes: the pure functions of this folder. */
export const INSIGHTS_API = { news2, bpCategory, bpAverage, cgmMetrics, afScreen, checkPrescription, deriveInsights } as const

/** The worker's methods. */
export type InsightsApi = typeof INSIGHTS_API
/** A method's name. */
export type InsightsMethod = keyof InsightsApi

/** Tags of the two message kinds, so other traffic on a shared port is ignored. */
export const REQUEST_TYPE = 'phr/insights/request/1'
export const RESPONSE_TYPE = 'phr/insights/response/1'

/** Client → worker. */
export interface InsightsRequest<M extends InsightsMethod = InsightsMethod> {
  readonly type: typeof REQUEST_TYPE
  /** Unique per client, a positive safe integer. */
  readonly id: number
  readonly method: M
  readonly args: Parameters<InsightsApi[M]>
}

/** Worker → client. */
export type InsightsResponse =
  | { readonly type: typeof RESPONSE_TYPE; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: typeof RESPONSE_TYPE; readonly id: number; readonly ok: false; readonly error: { readonly name: string; readonly message: string } }

/** Whether `name` is a method of the API (own key, not from the prototype). */
export function isInsightsMethod(name: unknown): name is InsightsMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(INSIGHTS_API, name)
}

/**
 * A port the client and the worker talk over: a `Worker`, the worker's global scope, or a
 * `MessagePort`. `start` is called when present (a `MessagePort` delivers nothing before).
 */
export interface InsightsPort {
  postMessage(message: unknown): void
  addEventListener(type: 'message' | 'messageerror' | 'error', listener: (event: Event) => void): void
  removeEventListener(type: 'message' | 'messageerror' | 'error', listener: (event: Event) => void): void
  start?(): void
}
