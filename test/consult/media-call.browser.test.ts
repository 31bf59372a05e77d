/**
 * The media of a call in headless Chromium (fake camera and microphone): two
 * `createMediaCall`s joined by an in-memory signalling pair connect, each decodes the
 * other's video (framesDecoded > 0 from getStats), chat goes both ways, muting and the
 * camera switch mute the other side's remote track, a file arrives whole, hanging up ends
 * the other side; without a camera the call is audio-only and says so; with permission
 * refused it still receives the other side.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createMediaCall, MediaProblem, type MediaCall, type SignalChannel, type SignalEnd } from '../../src/consult/index.ts'

type Negotiation = Parameters<SignalChannel['send']>[0]

/** Two signalling channels wired to each other in memory. */
type FakeChannel = SignalChannel & { deliver(m: Negotiation): void; end(e: SignalEnd): void; peer?: FakeChannel }
function signalPair(): [SignalChannel, SignalChannel] {
  const make = (caller: boolean): FakeChannel => {
    const listeners = new Set<(m: Negotiation) => void>()
    const early: Negotiation[] = []
    const ended = Promise.withResolvers<SignalEnd>()
    let closed = false
    const self = {
      callId: new Uint8Array(16),
      remote: { person: 'did:key:other', peerId: 'other', grantId: new Uint8Array(16) },
      caller,
      ended: ended.promise,
      async send(m: Negotiation) {
        if (closed) throw new Error('closed')
        setTimeout(() => self.peer?.deliver(m), 1)
      },
      onMessage(l: (m: Negotiation) => void) {
        listeners.add(l)
        for (const m of early.splice(0)) l(m)
        return () => listeners.delete(l)
      },
      hangUp() {
        self.end({ reason: 'local' })
        self.peer?.end({ reason: 'hangup' })
      },
      deliver(m: Negotiation) {
        if (closed) return
        if (listeners.size === 0) early.push(m)
        for (const l of listeners) l(m)
      },
      end(e: SignalEnd) {
        if (closed) return
        closed = true
        ended.resolve(e)
      }
    } as FakeChannel
    return self
  }
  const a = make(true)
  const b = make(false)
  a.peer = b
  b.peer = a
  return [a, b]
}

const calls: MediaCall[] = []
afterEach(() => {
  for (const c of calls.splice(0)) c.hangUp()
})

async function pair(calleeMedia?: Pick<MediaDevices, 'getUserMedia' | 'enumerateDevices'>): Promise<[MediaCall, MediaCall]> {
  const [a, b] = signalPair()
  const caller = createMediaCall(a, { statsIntervalMs: 200 })
  const callee = createMediaCall(b, { statsIntervalMs: 200, ...(calleeMedia === undefined ? {} : { mediaDevices: calleeMedia }) })
  calls.push(caller, callee)
  await Promise.all([caller.start(), callee.start()])
  return [caller, callee]
}

const until = async (check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> => {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('a media call between two peer connections', () => {
  it('connects, decodes video both ways, chats, mutes the other side’s track, sends a file, and hangs up', async () => {
    const [caller, callee] = await pair()
    await until(() => caller.snapshot().state.phase === 'in-call' && callee.snapshot().state.phase === 'in-call')
    await until(async () => (await caller.stats()).framesDecoded > 0 && (await callee.stats()).framesDecoded > 0)
    await until(() => caller.snapshot().channelOpen && callee.snapshot().channelOpen)
    await until(() => caller.snapshot().quality !== undefined)
    expect(['good', 'fair', 'poor']).toContain(caller.snapshot().quality?.level)

    caller.sendChat('Hello, how are you feeling today?')
    callee.sendChat('Better, thank you.')
    await until(() => caller.snapshot().chat.length === 2 && callee.snapshot().chat.length === 2)
    expect(callee.snapshot().chat.map((l) => [l.mine, l.text])).toEqual([[true, 'Better, thank you.'], [false, 'Hello, how are you feeling today?']])

    // muting: the other side's audio track becomes muted, and unmuted again
    await until(() => !callee.snapshot().remoteAudioMuted)
    caller.setMuted(true)
    await until(() => callee.snapshot().remoteAudioMuted)
    caller.setMuted(false)
    await until(() => !callee.snapshot().remoteAudioMuted)
    // the callee's camera off: the caller's remote video track is muted
    await until(() => !caller.snapshot().remoteVideoMuted)
    callee.setCameraOff(true)
    await until(() => caller.snapshot().remoteVideoMuted)

    const bytes = new Uint8Array(40_000).map((_, i) => i % 251)
    await callee.sendFile({ name: 'lab result.pdf', type: 'application/pdf', bytes })
    await until(() => caller.snapshot().files.length === 1 && caller.snapshot().files[0]?.data !== undefined)
    expect(caller.snapshot().files[0]?.name).toBe('lab result.pdf')
    expect([...(caller.snapshot().files[0]?.data ?? [])]).toEqual([...bytes])

    caller.setKeep(true)
    await until(() => callee.snapshot().keep.theirs)

    caller.hangUp()
    expect((await callee.ended).phase).toBe('ended')
    expect(callee.snapshot().state).toMatchObject({ phase: 'ended', reason: 'remote-hung-up' })
    expect(caller.snapshot().state).toMatchObject({ phase: 'ended', reason: 'hung-up' })
  })

  it('goes audio-only without a camera, and still receives when permission is refused', async () => {
    const noCamera: Pick<MediaDevices, 'getUserMedia' | 'enumerateDevices'> = {
      getUserMedia: (c) => (c?.video === false ? navigator.mediaDevices.getUserMedia({ audio: true }) : Promise.reject(new DOMException('no camera', 'NotFoundError'))),
      enumerateDevices: () => navigator.mediaDevices.enumerateDevices()
    }
    const [caller, callee] = await pair(noCamera)
    await until(() => callee.snapshot().state.phase === 'in-call')
    expect(callee.snapshot().mediaProblem).toBe(MediaProblem.noCamera)
    expect(callee.snapshot().local?.getVideoTracks()).toEqual([])
    // the callee still sees the caller
    await until(async () => (await callee.stats()).framesDecoded > 0)
    await until(() => !caller.snapshot().remoteAudioMuted)
    caller.hangUp()

    const refused: Pick<MediaDevices, 'getUserMedia' | 'enumerateDevices'> = {
      getUserMedia: () => Promise.reject(new DOMException('refused', 'NotAllowedError')),
      enumerateDevices: () => Promise.resolve([])
    }
    const [caller2, callee2] = await pair(refused)
    await until(() => callee2.snapshot().state.phase === 'in-call')
    expect(callee2.snapshot().mediaProblem).toBe(MediaProblem.denied)
    expect(callee2.snapshot().local).toBeUndefined()
    await until(async () => (await callee2.stats()).framesDecoded > 0)
    caller2.hangUp()
  })

  it('shows reconnecting when the connection drops, restarts ICE after the grace time, keeps the call’s start when it is back, and gives up after the limit', async () => {
    const [a, b] = signalPair()
    let pc: RTCPeerConnection | undefined
    let faked: RTCPeerConnectionState | undefined
    let restarts = 0
    const caller = createMediaCall(a, {
      reconnectGraceMs: 100,
      reconnectTimeoutMs: 1_500,
      createPeerConnection: (c) => {
        const real = new RTCPeerConnection(c)
        const realState = (): RTCPeerConnectionState => Reflect.get<object, 'connectionState'>(RTCPeerConnection.prototype, 'connectionState', real) as RTCPeerConnectionState
        // the test plays the network: the state it reports while "dropped"
        Object.defineProperty(real, 'connectionState', { get: () => faked ?? realState() })
        const restart = real.restartIce.bind(real)
        real.restartIce = () => {
          restarts++
          restart()
        }
        pc = real
        return real
      }
    })
    const callee = createMediaCall(b)
    calls.push(caller, callee)
    await Promise.all([caller.start(), callee.start()])
    await until(() => caller.snapshot().state.phase === 'in-call')
    const since = (caller.snapshot().state as { since: number }).since
    const drop = (s: RTCPeerConnectionState | undefined): void => {
      faked = s
      pc?.dispatchEvent(new Event('connectionstatechange'))
    }
    drop('disconnected')
    expect(caller.snapshot().state).toMatchObject({ phase: 'reconnecting', since })
    await until(() => restarts === 1)
    drop(undefined)
    expect(caller.snapshot().state).toEqual({ phase: 'in-call', since })
    // a drop that lasts: the call ends as lost, and the other side is told
    drop('failed')
    expect(caller.snapshot().state.phase).toBe('reconnecting')
    expect((await caller.ended).phase).toBe('ended')
    expect(caller.snapshot().state).toMatchObject({ reason: 'lost' })
    await until(() => callee.snapshot().state.phase === 'ended')
  })
})
