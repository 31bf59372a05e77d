/**
 * Named errors of the insights worker's client. A rule's own input errors cross the worker
 * boundary as what they are (`TypeError`, `RangeError`, with the rule's labelled message).
 */
import { PhrError } from '../lib/index.ts'

/** The worker did not answer a request within the client's timeout. */
export class InsightsTimeoutError extends PhrError {
  override name: string = 'InsightsTimeoutError'
}

/** The worker failed (did not load, or threw outside a request): every pending request fails with this. */
export class InsightsWorkerError extends PhrError {
  override name: string = 'InsightsWorkerError'
}

/** The client was closed: pending and later requests fail with this. */
export class InsightsClosedError extends PhrError {
  override name: string = 'InsightsClosedError'
}

/** A message that is not a request (worker side) or not a response (client side). */
export class InsightsProtocolError extends PhrError {
  override name: string = 'InsightsProtocolError'
}

/** The worker answered with an error other than a TypeError or RangeError; `remoteName` is its name. */
export class InsightsRemoteError extends PhrError {
  override name: string = 'InsightsRemoteError'
  readonly remoteName: string

  constructor(remoteName: string, message: string) {
    super(`${remoteName}: ${message}`)
    this.remoteName = remoteName
  }
}
