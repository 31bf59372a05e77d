/**
 * The insights worker (DESIGN §9): runs the decision-support rules of src/insights off the
 * UI thread. The app starts it as a module worker and talks to it with
 * `createInsightsClient` (src/insights/client.ts):
 *
 * ```ts
 * const worker = new Worker(new URL('../workers/insights.ts', import.meta.url), { type: 'module' })
 * const insights = createInsightsClient({ port: worker, terminate: () => worker.terminate() })
 * ```
 */
import { serveInsights } from '../src/insights/index.ts'

declare const self: DedicatedWorkerGlobalScope

serveInsights(self)
