/**
 * The call state machine: the normal paths, and properties over random event sequences
 * (fast-check): `ended` is final, in-call is reached only through connecting or a
 * reconnection, a reconnection keeps the call's start, and a hang-up always ends a call.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { CallEndReason, CallPhase, IDLE, callStartedAt, nextCallState, type CallEvent, type CallState } from '../../src/consult/index.ts'
import { fuzzRuns } from '../helpers/fuzz.ts'

const run = (events: CallEvent[], from: CallState = IDLE): CallState => events.reduce(nextCallState, from)

describe('call states', () => {
  it('goes idle → ringing → connecting → in-call → ended on the caller’s side', () => {
    const s = run([{ type: 'dial' }, { type: 'accepted' }, { type: 'media-up', at: 10 }, { type: 'hangup', at: 99 }])
    expect(s).toEqual({ phase: CallPhase.ended, reason: CallEndReason.hungUp, at: 99 })
  })

  it('answers on the callee’s side only with accept, not accepted', () => {
    const ringing = run([{ type: 'incoming' }])
    expect(nextCallState(ringing, { type: 'accepted' })).toBe(ringing)
    expect(nextCallState(ringing, { type: 'accept' })).toEqual({ phase: CallPhase.connecting })
  })

  it('reconnects after a drop, keeping the start, and gives up after', () => {
    const inCall = run([{ type: 'dial' }, { type: 'accepted' }, { type: 'media-up', at: 5 }])
    const dropped = run([{ type: 'media-down' }, { type: 'media-down' }], inCall)
    expect(dropped).toEqual({ phase: CallPhase.reconnecting, since: 5, attempts: 2 })
    expect(nextCallState(dropped, { type: 'media-up', at: 50 })).toEqual({ phase: CallPhase.inCall, since: 5 })
    expect(nextCallState(dropped, { type: 'give-up', at: 60 })).toEqual({ phase: CallPhase.ended, reason: CallEndReason.lost, at: 60 })
  })

  it('ends a ring that was declined, refused or not answered with that reason', () => {
    for (const reason of ['declined', 'not-allowed', 'busy', 'no-answer'] as const) {
      expect(run([{ type: 'dial' }, { type: 'declined', reason, at: 1 }])).toEqual({ phase: CallPhase.ended, reason, at: 1 })
    }
    // a decline after the call was taken means nothing
    const connecting = run([{ type: 'incoming' }, { type: 'accept' }])
    expect(nextCallState(connecting, { type: 'declined', reason: 'busy', at: 1 })).toBe(connecting)
  })

  const event: fc.Arbitrary<CallEvent> = fc.oneof(
    fc.constant<CallEvent>({ type: 'dial' }),
    fc.constant<CallEvent>({ type: 'incoming' }),
    fc.constant<CallEvent>({ type: 'accept' }),
    fc.constant<CallEvent>({ type: 'accepted' }),
    fc.constant<CallEvent>({ type: 'media-down' }),
    fc.record({ type: fc.constant('declined' as const), reason: fc.constantFrom('declined' as const, 'not-allowed' as const, 'busy' as const, 'no-answer' as const), at: fc.nat() }),
    fc.record({ type: fc.constantFrom('media-up' as const, 'give-up' as const, 'hangup' as const, 'remote-hangup' as const, 'fail' as const), at: fc.nat() })
  )

  it('never leaves ended, reaches in-call only from connecting or reconnecting, and keeps the start across drops', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        let s: CallState = IDLE
        let firstUp: number | undefined
        for (const e of events) {
          const next = nextCallState(s, e)
          if (s.phase === CallPhase.ended) expect(next).toBe(s)
          if (next.phase === CallPhase.inCall && s.phase !== CallPhase.inCall) expect([CallPhase.connecting, CallPhase.reconnecting]).toContain(s.phase)
          if (next.phase === CallPhase.reconnecting) expect([CallPhase.inCall, CallPhase.reconnecting]).toContain(s.phase)
          if (next.phase === CallPhase.inCall && firstUp === undefined) firstUp = next.since
          const started = callStartedAt(next)
          if (started !== undefined) expect(started).toBe(firstUp)
          s = next
        }
        // whatever happened, hanging up ends it
        expect(nextCallState(s, { type: 'hangup', at: 1 }).phase).toBe(CallPhase.ended)
      }),
      { numRuns: fuzzRuns(500, 50_000) }
    )
  })
})
