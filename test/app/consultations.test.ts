/**
 * The app's consultations, with the ring and the media replaced by fakes: an outgoing call
 * refused for want of a grant, declined or busy ends with that reason; an incoming ring is
 * shown, answered, and ends when the caller hangs up; the doctor's "end the visit" hangs
 * up and hands the record the period, the reason, the files, and the transcript only when
 * both agreed to keep it.
 */
import { describe, expect, it } from 'vitest'
import { createConsultations, type FinishedCall } from '../../src/app/consultations.ts'
import { CallDeclinedError, CallNotAllowedError, IDLE, nextCallState, type CallState, type IncomingRing, type MediaCall, type MediaCallSnapshot, type SignalChannel } from '../../src/consult/index.ts'

const GRANT = '0f'.repeat(16)

/** A media call whose state the test drives. */
function fakeMedia(caller: boolean, now: () => number): { call: MediaCall; up(at: number): void; snap: { value: MediaCallSnapshot } } {
  const listeners = new Set<(s: MediaCallSnapshot) => void>()
  const ended = Promise.withResolvers<CallState>()
  let state: CallState = nextCallState(nextCallState(IDLE, { type: caller ? 'dial' : 'incoming' }), { type: caller ? 'accepted' : 'accept' })
  const snap = { value: { state, muted: false, cameraOff: false, remoteAudioMuted: false, remoteVideoMuted: false, chat: [], files: [], keep: { mine: false, theirs: false }, channelOpen: true } as MediaCallSnapshot }
  const emit = (): void => {
    snap.value = { ...snap.value, state }
    for (const l of listeners) l(snap.value)
  }
  const call = {
    start: () => Promise.resolve(),
    snapshot: () => snap.value,
    subscribe(l: (s: MediaCallSnapshot) => void) {
      listeners.add(l)
      l(snap.value)
      return () => listeners.delete(l)
    },
    hangUp() {
      state = nextCallState(state, { type: 'hangup', at: now() })
      emit()
      ended.resolve(state)
    },
    ended: ended.promise
  } as unknown as MediaCall
  return { call, snap, up: (at) => ((state = nextCallState(state, { type: 'media-up', at })), emit()) }
}

const channel = (caller: boolean): SignalChannel => ({ caller, callId: new Uint8Array(16), remote: { person: 'did:key:x', peerId: 'p', grantId: new Uint8Array(16).fill(15) } }) as unknown as SignalChannel

function setup(ring: (signal: AbortSignal) => Promise<SignalChannel>) {
  let t = 1_000
  const records: FinishedCall[] = []
  let media: ReturnType<typeof fakeMedia> | undefined
  const consult = createConsultations({
    ring: (_g, signal) => ring(signal),
    nameOf: () => 'Aziza Yusupova',
    selfName: () => 'Dr Karimova',
    iceServers: () => Promise.resolve([]),
    record: (c) => {
      records.push(c)
      return Promise.resolve()
    },
    clock: () => t,
    createMediaCall: (ch) => {
      media = fakeMedia(ch.caller, () => t)
      return media.call
    }
  })
  return { consult, records, media: () => media, tick: (ms: number) => (t += ms) }
}

describe('consultations', () => {
  it('ends an outgoing call refused for want of a grant, declined or busy, with that reason', async () => {
    for (const [err, reason] of [
      [new CallNotAllowedError('no grant'), 'not-allowed'],
      [new CallDeclinedError('declined', 'no'), 'declined'],
      [new CallDeclinedError('busy', 'busy'), 'busy']
    ] as const) {
      const { consult } = setup(() => Promise.reject(err))
      await consult.call(GRANT)
      expect(consult.snapshot()?.state).toMatchObject({ phase: 'ended', reason })
      expect(consult.media()).toBeUndefined()
    }
  })

  it('shows an incoming ring, answers it, and ends when the other side hangs up', async () => {
    const { consult, media } = setup(() => Promise.reject(new Error('unused')))
    const abort = new AbortController()
    consult.onRing({ callId: new Uint8Array(16), remote: { person: 'did:key:x', peerId: 'p', grantId: new Uint8Array(16).fill(15) }, deviceName: 'Clinic PC', signal: abort.signal, accept: () => Promise.resolve(channel(false)), decline: () => undefined } satisfies IncomingRing)
    expect(consult.snapshot()).toMatchObject({ grantId: GRANT, remoteName: 'Aziza Yusupova', outgoing: false, state: { phase: 'ringing' } })
    await consult.call(GRANT).then(
      () => expect.unreachable('a second call while one rings'),
      (e: unknown) => expect(e).toBeInstanceOf(RangeError)
    )
    await consult.accept()
    media()?.up(2_000)
    expect(consult.snapshot()?.state.phase).toBe('in-call')
    // a ring the caller gave up on, on a fresh service
    const other = setup(() => Promise.reject(new Error('unused')))
    const gone = new AbortController()
    other.consult.onRing({ callId: new Uint8Array(16), remote: { person: 'did:key:x', peerId: 'p', grantId: new Uint8Array(16).fill(15) }, deviceName: 'x', signal: gone.signal, accept: () => Promise.reject(new Error('gone')), decline: () => undefined })
    gone.abort()
    expect(other.consult.snapshot()?.state).toMatchObject({ phase: 'ended', reason: 'remote-hung-up' })
  })

  it('on the doctor’s “end the visit”, hangs up and records the period, reason and files, and the transcript only when both agreed', async () => {
    for (const keep of [
      { mine: true, theirs: true },
      { mine: true, theirs: false }
    ]) {
      const s = setup(() => Promise.resolve(channel(true)))
      await s.consult.call(GRANT)
      const m = s.media()
      if (m === undefined) throw new Error('no media')
      m.up(5_000)
      m.snap.value = {
        ...m.snap.value,
        chat: [
          { id: 'aaaaaaaa', mine: true, text: 'How is the pressure?', at: 6_000 },
          { id: 'bbbbbbbb', mine: false, text: '135/85', at: 7_000 }
        ],
        files: [{ id: 'cccccccc', mine: false, name: 'diary.pdf', mime: 'application/pdf', size: 2, data: new Uint8Array([1, 2]), at: 8_000 }],
        keep
      }
      s.tick(60_000)
      await s.consult.endVisit('  Follow-up of hypertension ')
      expect(s.consult.snapshot()).toMatchObject({ saved: true, state: { phase: 'ended', reason: 'hung-up' } })
      expect(s.records).toHaveLength(1)
      const r = s.records[0] as FinishedCall
      expect(r).toMatchObject({ grantId: GRANT, start: 5_000, end: 61_000, reason: 'Follow-up of hypertension' })
      expect(r.files.map((f) => [f.name, f.author])).toEqual([['diary.pdf', 'Aziza Yusupova']])
      if (keep.theirs) expect(r.transcript?.map((l) => `${l.author}: ${l.text}`)).toEqual(['Dr Karimova: How is the pressure?', 'Aziza Yusupova: 135/85'])
      else expect(r.transcript).toBeUndefined()
    }
  })
})
