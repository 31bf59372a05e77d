/**
 * The inflate worker: inflates raw-DEFLATE snapshot segments off the UI thread, so that a
 * page applies one part of a snapshot while the next ones inflate (see
 * src/envelope/worker-inflate.ts, which starts it and checks every answer).
 *
 * request  `{ id, deflated: ArrayBuffer, length }` (length: the declared inflated size)
 * answer   `{ id, inflated: ArrayBuffer }` or `{ id, error: string }`
 */
import { serveInflate } from '../src/envelope/worker-inflate.ts'

declare const self: DedicatedWorkerGlobalScope

serveInflate(self)
