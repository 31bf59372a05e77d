/**
 * The state machine of one consultation call, pure (no network, no clock): the signalling
 * service and the browser call feed it events and show what it says.
 *
 * ```
 * idle ─dial──────▶ ringing(outgoing) ─accepted─▶ connecting ─media-up─▶ in-call
 * idle ─incoming──▶ ringing(incoming) ─accept───▶ connecting             │  ▲
 *                   ringing ─declined/timeout──▶ ended                    │  │ media-up
 *                                                         in-call ─media-down─▶ reconnecting
 *                                                         reconnecting ─give-up─▶ ended(lost)
 * any state but ended ─hangup / remote-hangup / fail─▶ ended
 * ```
 * `ended` is final. An event that does not apply to a state leaves it as it is (the same
 * object), so late or duplicated events from the network are harmless.
 */

/** The states. */
export const CallPhase = {
  /** Nothing yet. */
  idle: 'idle',
  /** Ring sent or received, no answer yet. */
  ringing: 'ringing',
  /** Both agreed; the media connection is being set up. */
  connecting: 'connecting',
  /** Media flows. */
  inCall: 'in-call',
  /** Media was up and dropped; trying again (ICE restart) for a short while. */
  reconnecting: 'reconnecting',
  /** Over, for the reason it says. */
  ended: 'ended'
} as const
/** One of the phases. */
export type CallPhase = (typeof CallPhase)[keyof typeof CallPhase]

/** Why a call ended. */
export const CallEndReason = {
  /** This side hung up. */
  hungUp: 'hung-up',
  /** The other side hung up. */
  remoteHungUp: 'remote-hung-up',
  /** The other side said no. */
  declined: 'declined',
  /** The other side (or this one) has no live grant for it. */
  notAllowed: 'not-allowed',
  /** The other side is in another call. */
  busy: 'busy',
  /** Nobody answered in time. */
  noAnswer: 'no-answer',
  /** The media connection could not be made or was lost for good. */
  lost: 'lost',
  /** Something failed (signalling broke, a peer sent nonsense). */
  failed: 'failed'
} as const
/** One of the end reasons. */
export type CallEndReason = (typeof CallEndReason)[keyof typeof CallEndReason]

/** A call's state. */
export type CallState =
  | { readonly phase: 'idle' }
  | { readonly phase: 'ringing'; readonly direction: 'outgoing' | 'incoming' }
  | { readonly phase: 'connecting' }
  | { readonly phase: 'in-call'; readonly since: number }
  | { readonly phase: 'reconnecting'; readonly since: number; readonly attempts: number }
  | { readonly phase: 'ended'; readonly reason: CallEndReason; readonly at: number }

/** What can happen to a call. `at` is the time of the event (ms). */
export type CallEvent =
  | { readonly type: 'dial' }
  | { readonly type: 'incoming' }
  | { readonly type: 'accept' }
  | { readonly type: 'accepted' }
  | { readonly type: 'declined'; readonly reason: 'declined' | 'not-allowed' | 'busy' | 'no-answer'; readonly at: number }
  | { readonly type: 'media-up'; readonly at: number }
  | { readonly type: 'media-down' }
  | { readonly type: 'give-up'; readonly at: number }
  | { readonly type: 'hangup'; readonly at: number }
  | { readonly type: 'remote-hangup'; readonly at: number }
  | { readonly type: 'fail'; readonly at: number }

/** The state before anything happened. */
export const IDLE: CallState = Object.freeze({ phase: CallPhase.idle })

/**
 * The state after `event`. Returns `state` itself when the event does not apply.
 * @example nextCallState(IDLE, { type: 'dial' }) // { phase: 'ringing', direction: 'outgoing' }
 */
export function nextCallState(state: CallState, event: CallEvent): CallState {
  if (state.phase === CallPhase.ended) return state
  switch (event.type) {
    case 'dial':
      return state.phase === CallPhase.idle ? { phase: CallPhase.ringing, direction: 'outgoing' } : state
    case 'incoming':
      return state.phase === CallPhase.idle ? { phase: CallPhase.ringing, direction: 'incoming' } : state
    case 'accept':
      return state.phase === CallPhase.ringing && state.direction === 'incoming' ? { phase: CallPhase.connecting } : state
    case 'accepted':
      return state.phase === CallPhase.ringing && state.direction === 'outgoing' ? { phase: CallPhase.connecting } : state
    case 'declined':
      return state.phase === CallPhase.ringing ? { phase: CallPhase.ended, reason: event.reason, at: event.at } : state
    case 'media-up':
      if (state.phase === CallPhase.connecting) return { phase: CallPhase.inCall, since: event.at }
      // back after a drop: the call keeps its start
      if (state.phase === CallPhase.reconnecting) return { phase: CallPhase.inCall, since: state.since }
      return state
    case 'media-down':
      if (state.phase === CallPhase.inCall) return { phase: CallPhase.reconnecting, since: state.since, attempts: 1 }
      if (state.phase === CallPhase.reconnecting) return { ...state, attempts: state.attempts + 1 }
      return state
    case 'give-up':
      return state.phase === CallPhase.reconnecting || state.phase === CallPhase.connecting ? { phase: CallPhase.ended, reason: CallEndReason.lost, at: event.at } : state
    case 'hangup':
      return { phase: CallPhase.ended, reason: CallEndReason.hungUp, at: event.at }
    case 'remote-hangup':
      return { phase: CallPhase.ended, reason: CallEndReason.remoteHungUp, at: event.at }
    case 'fail':
      return { phase: CallPhase.ended, reason: CallEndReason.failed, at: event.at }
  }
}

/** When the media first came up, if it did (`in-call` and `reconnecting` carry it). */
export function callStartedAt(state: CallState): number | undefined {
  return state.phase === CallPhase.inCall || state.phase === CallPhase.reconnecting ? state.since : undefined
}
