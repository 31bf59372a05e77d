/**
 * `/phr/consult/1`: ringing and WebRTC signalling between two devices whose people hold a
 * live grant between them (DESIGN §9). One stream per call:
 *
 * 1. The caller checks its own side (`authorize`: a live grant with that person and device),
 *    dials the callee's device and sends RING with its device certificate and the grant id.
 * 2. The callee verifies the certificate against the Noise-proven PeerId, then asks its
 *    `authorize` (a live grant for that person, that device, that grant id). No grant, an
 *    expired or a revoked one: DECLINE(not allowed), and the caller sees `CallNotAllowedError`.
 *    Already in a call: DECLINE(busy). Otherwise `onRing` shows it; the person accepts
 *    (ACCEPT with the callee's certificate, checked by the caller against the person it
 *    meant to call) or declines; no answer within `ringTimeoutMs` is DECLINE(no answer).
 * 3. Then OFFER / ANSWER / ICE in both directions until HANGUP or the stream ends.
 *
 * Every frame is size-capped (`MAX_CONSULT_MESSAGE_BYTES`) and strictly decoded; a peer that
 * sends nonsense, or a message out of place, has its stream aborted with the named error.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { randomBytes, verifyDeviceCert } from '../crypto/index.ts'
import { frameStream, withTimeout, type FrameStream, type Peer } from '../sync/index.ts'
import { CallClosedError, CallDeclinedError, CallNotAllowedError, ConsultMessageFormatError } from './errors.ts'
import { decodeConsultMessage, DeclineReason, encodeConsultMessage, HangupReason, MAX_CONSULT_MESSAGE_BYTES, type SignalMessage } from './signal-messages.ts'

/** The protocol id. */
export const CONSULT_PROTOCOL = '/phr/consult/1'

/** The other side of a call, as proven: person (from its device certificate), device (Noise), grant. */
export interface CallParty {
  readonly person: string
  readonly peerId: string
  /** The grant between the two people (16 bytes). */
  readonly grantId: Uint8Array
}

/** How a call's signalling ended. */
export interface SignalEnd {
  /** `hangup`: the other side hung up; `local`: this side did; `closed`: the stream ended; `failed`: an error. */
  readonly reason: 'hangup' | 'local' | 'closed' | 'failed'
  readonly error?: Error
}

/** The signalling of an accepted call. */
export interface SignalChannel {
  /** Random id of the call (16 bytes, from the caller). */
  readonly callId: Uint8Array
  readonly remote: CallParty
  /** Whether this side rang. */
  readonly caller: boolean
  /**
   * Sends an offer, answer or ICE candidate.
   * @throws {CallClosedError} once the call's signalling has ended
   */
  send(msg: Exclude<SignalMessage, { type: 'hangup' }>): Promise<void>
  /** Calls `listener` for each offer, answer or candidate (those that came before the first listener are replayed). */
  onMessage(listener: (msg: Exclude<SignalMessage, { type: 'hangup' }>) => void): () => void
  /** Settles once the signalling ended, for whatever reason (never rejects). */
  readonly ended: Promise<SignalEnd>
  /** Sends HANGUP (when still open) and closes the stream. */
  hangUp(failed?: boolean): void
}

/** A ring that the callee's `authorize` allowed, waiting for the person's answer. */
export interface IncomingRing {
  readonly callId: Uint8Array
  readonly remote: CallParty
  /** The device name in the caller's certificate. */
  readonly deviceName: string
  /** Aborted when the caller gave up, or nobody answered in time. */
  readonly signal: AbortSignal
  /** @throws {CallClosedError} if the caller gave up meanwhile */
  accept(): Promise<SignalChannel>
  decline(): void
}

/** Options of the consult service. */
export interface ConsultServiceInit {
  /** This device's certificate (sent in RING and ACCEPT). */
  deviceCert: Uint8Array
  /** Whether there is a live grant between this person and `party` (checked for every ring, both ways). */
  authorize(party: CallParty): boolean
  /** A ring that was allowed: show it. */
  onRing(ring: IncomingRing): void
  /** How long a ring waits for the person. @default 45 s */
  ringTimeoutMs?: number
  /** Time for each network step (the ring's frame, the dial). @default 10 s */
  stepTimeoutMs?: number
  /** A peer sent nonsense and was cut off. @default console.warn */
  onPeerFault?(peerId: string, error: Error): void
}

/** Options of one ring. */
export interface RingOptions {
  /** Who is being called: person, device and grant. */
  readonly to: CallParty
  /** Where the device is reached (e.g. `<relay>/p2p-circuit/webrtc/p2p/<peerId>`). */
  readonly addr: string
  signal?: AbortSignal
}

/** The service: one call at a time, ringing out or in. */
export interface ConsultService {
  start(): Promise<void>
  stop(): Promise<void>
  /**
   * Rings a device and waits for the answer.
   * @throws {CallNotAllowedError} without a live grant on either side
   * @throws {CallDeclinedError} declined, busy or not answered
   * @throws {CallClosedError | SyncTimeoutError} if the call could not be placed
   */
  ring(opts: RingOptions): Promise<SignalChannel>
  /** Whether a call (or ring) is in progress. */
  readonly busy: boolean
}

/** Dials tried before a call counts as unreachable, and how long each may take. */
const DIAL_ATTEMPTS = 3
const DIAL_TIMEOUT_MS = 15_000

const FRAMES = { maxFrameBytes: MAX_CONSULT_MESSAGE_BYTES, maxBufferedBytes: MAX_CONSULT_MESSAGE_BYTES + 1024 }

type Negotiation = Exclude<SignalMessage, { type: 'hangup' }>

/** The message pump of one call's stream, from RING (or its answer) until the end. */
function openChannel(frames: FrameStream, stop: AbortSignal, callId: Uint8Array, remote: CallParty, caller: boolean, onEnd: () => void, onFault: (err: Error) => void): SignalChannel & { answered(): void } {
  const listeners = new Set<(msg: Negotiation) => void>()
  const early: Negotiation[] = []
  let answered = false
  let done = false
  const local = new AbortController()
  const signal = AbortSignal.any([stop, local.signal])
  const settle = Promise.withResolvers<SignalEnd>()
  const ended = settle.promise
  const finish = (end: SignalEnd): void => {
    if (done) return
    done = true
    local.abort(new CallClosedError('call ended'))
    if (end.reason === 'failed' && end.error !== undefined) frames.close(end.error)
    else frames.close()
    onEnd()
    settle.resolve(end)
  }
  void (async () => {
    try {
      for (;;) {
        const frame = await frames.read(signal)
        if (frame === null) return finish({ reason: 'closed' })
        const msg = decodeConsultMessage(frame)
        if (msg.type === 'hangup') return finish({ reason: 'hangup' })
        // before the answer only a hang-up (the caller giving up) may come
        if (!answered || (msg.type !== 'offer' && msg.type !== 'answer' && msg.type !== 'ice')) throw new ConsultMessageFormatError(`consult: ${msg.type.toUpperCase()} not allowed here`)
        if (listeners.size === 0) early.push(msg)
        for (const l of listeners) l(msg)
      }
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err))
      if (done) return
      if (e instanceof ConsultMessageFormatError || e.name === 'SyncMessageTooLargeError' || e.name === 'SyncMessageFormatError') onFault(e)
      finish({ reason: 'failed', error: e })
    }
  })()
  return {
    callId,
    remote,
    caller,
    ended,
    answered() {
      answered = true
    },
    async send(msg) {
      if (done) throw new CallClosedError('consult: the call has ended')
      await frames.write(encodeConsultMessage(msg), signal)
    },
    onMessage(listener) {
      listeners.add(listener)
      for (const m of early.splice(0)) listener(m)
      return () => listeners.delete(listener)
    },
    hangUp(failed = false) {
      if (done) return
      frames
        .write(encodeConsultMessage({ type: 'hangup', reason: failed ? HangupReason.failed : HangupReason.hungUp }), AbortSignal.timeout(2_000))
        .catch(() => undefined) // the stream is going anyway; the other side sees it close
        .finally(() => finish({ reason: 'local' }))
    }
  }
}

/**
 * The consult service on `peer` (registers `/phr/consult/1` on `start()`).
 * @throws as `verifyDeviceCert` when `init.deviceCert` is not this node's
 * @example const consult = createConsultService(peer, { deviceCert, authorize: (p) => ledgerHasLiveGrant(p), onRing: show })
 */
export function createConsultService(peer: Peer, init: ConsultServiceInit): ConsultService {
  verifyDeviceCert(init.deviceCert, { peerId: peer.peerId.toString() })
  const ringMs = init.ringTimeoutMs ?? 45_000
  const stepMs = init.stepTimeoutMs ?? 10_000
  const fault = (peerId: string, e: Error): void => {
    if (init.onPeerFault === undefined) console.warn(`consult: ${peerId} cut off:`, e.name, e.message)
    else init.onPeerFault(peerId, e)
  }
  let busy = false
  let stopper = new AbortController()

  async function handle(stream: Stream, connection: Connection): Promise<void> {
    const remotePeer = connection.remotePeer.toString()
    const frames = frameStream(stream, { ...FRAMES, frameTimeoutMs: stepMs })
    const signal = stopper.signal
    const decline = async (reason: DeclineReason): Promise<void> => {
      await frames.write(encodeConsultMessage({ type: 'decline', reason }), AbortSignal.any([signal, AbortSignal.timeout(stepMs)]))
      frames.close()
    }
    let claimed = false
    try {
      const frame = await withTimeout(frames.read(signal), stepMs, signal, 'ring')
      if (frame === null) return frames.close()
      const msg = decodeConsultMessage(frame)
      if (msg.type !== 'ring') throw new ConsultMessageFormatError('consult: expected RING')
      const cert = verifyDeviceCert(msg.cert, { peerId: remotePeer })
      const remote: CallParty = { person: cert.person, peerId: remotePeer, grantId: msg.grantId }
      if (!init.authorize(remote)) return await decline(DeclineReason.notAllowed)
      if (busy) return await decline(DeclineReason.busy)
      busy = claimed = true
      const ringing = new AbortController()
      const timer = setTimeout(() => {
        ringing.abort(new CallClosedError('no answer'))
        void decline(DeclineReason.noAnswer).catch(() => undefined).finally(() => channel.hangUp())
      }, ringMs)
      let settled = false
      const channel = openChannel(frames, signal, msg.callId, remote, false, () => {
        clearTimeout(timer)
        ringing.abort(new CallClosedError('the caller hung up'))
        busy = false
      }, (e) => fault(remotePeer, e))
      init.onRing({
        callId: msg.callId,
        remote,
        deviceName: cert.name,
        signal: ringing.signal,
        async accept() {
          if (settled || ringing.signal.aborted) throw new CallClosedError('consult: the caller hung up')
          settled = true
          clearTimeout(timer)
          // the grant may have ended while it rang
          if (!init.authorize(remote)) {
            await decline(DeclineReason.notAllowed).catch(() => undefined)
            channel.hangUp()
            throw new CallNotAllowedError('consult: the grant is no longer in force')
          }
          channel.answered()
          await frames.write(encodeConsultMessage({ type: 'accept', cert: init.deviceCert }), signal)
          return channel
        },
        decline() {
          if (settled) return
          settled = true
          clearTimeout(timer)
          void decline(DeclineReason.declined).catch(() => undefined).finally(() => channel.hangUp())
        }
      })
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err))
      if (claimed) busy = false
      if (e instanceof ConsultMessageFormatError || e.name.startsWith('DeviceCert') || e.name === 'SignatureInvalidError' || e.name.startsWith('SyncMessage')) fault(remotePeer, e)
      frames.close(e)
    }
  }

  /**
   * A connection to the callee's device: a direct one already open (sync keeps one while
   * the two talk), else a dial, tried up to `DIAL_ATTEMPTS` times (a first WebRTC dial
   * through a relay can lose a race with one already under way).
   */
  async function reach(peerId: string, addr: string, signal: AbortSignal): Promise<Connection> {
    const open = (): Connection | undefined => peer.getConnections().find((c) => c.remotePeer.toString() === peerId && c.status === 'open' && c.limits === undefined)
    let last: unknown
    for (let attempt = 1; attempt <= DIAL_ATTEMPTS; attempt++) {
      const existing = open()
      if (existing !== undefined) return existing
      signal.throwIfAborted()
      try {
        const connection = await peer.dial(multiaddr(addr), { signal: AbortSignal.any([signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]) })
        if (connection.remotePeer.toString() !== peerId) throw new CallNotAllowedError('consult: another device answered at that address')
        return connection
      } catch (err) {
        if (err instanceof CallNotAllowedError || signal.aborted) throw err
        last = err
      }
    }
    throw last instanceof Error ? last : new CallClosedError('consult: the other device could not be reached')
  }

  return {
    get busy() {
      return busy
    },
    async start() {
      stopper = new AbortController()
      await peer.handle(CONSULT_PROTOCOL, (stream, connection) => void handle(stream, connection), {
        maxInboundStreams: 2,
        maxOutboundStreams: 2,
        runOnLimitedConnection: true
      })
    },
    async stop() {
      stopper.abort(new CallClosedError('consult service stopped'))
      await peer.unhandle(CONSULT_PROTOCOL)
    },
    async ring(opts) {
      const { to } = opts
      if (!init.authorize(to)) throw new CallNotAllowedError('consult: no grant in force with this person')
      if (busy) throw new CallDeclinedError('busy', 'consult: already in a call')
      busy = true
      const signal = AbortSignal.any([stopper.signal, ...(opts.signal === undefined ? [] : [opts.signal])])
      let frames: FrameStream | undefined
      try {
        const connection = await reach(to.peerId, opts.addr, signal)
        const stream = await connection.newStream(CONSULT_PROTOCOL, { signal: AbortSignal.any([signal, AbortSignal.timeout(stepMs)]), runOnLimitedConnection: true })
        const f = frameStream(stream, { ...FRAMES, frameTimeoutMs: stepMs })
        frames = f
        const callId = randomBytes(16)
        await f.write(encodeConsultMessage({ type: 'ring', callId, grantId: to.grantId, cert: init.deviceCert }), signal)
        const onAbort = (): void => {
          // the caller gave up while it rang: tell the callee
          void f.write(encodeConsultMessage({ type: 'hangup', reason: HangupReason.hungUp }), AbortSignal.timeout(1_000)).catch(() => undefined).finally(() => f.close())
        }
        signal.addEventListener('abort', onAbort, { once: true })
        let frame: Uint8Array | null
        try {
          frame = await withTimeout(f.read(signal), ringMs + stepMs, signal, 'answer')
        } finally {
          signal.removeEventListener('abort', onAbort)
        }
        if (frame === null) throw new CallClosedError('consult: the other device closed the call without answering')
        const msg = decodeConsultMessage(frame)
        if (msg.type === 'decline') {
          if (msg.reason === DeclineReason.notAllowed) throw new CallNotAllowedError('consult: the other side has no grant in force for this call')
          throw new CallDeclinedError(msg.reason === DeclineReason.busy ? 'busy' : msg.reason === DeclineReason.noAnswer ? 'no-answer' : 'declined', 'consult: the call was not taken')
        }
        if (msg.type !== 'accept') throw new ConsultMessageFormatError('consult: expected ACCEPT or DECLINE')
        // the device that answered is the one rung, of the person meant
        verifyDeviceCert(msg.cert, { peerId: to.peerId, person: to.person })
        const channel = openChannel(f, stopper.signal, callId, to, true, () => {
          busy = false
        }, (e) => fault(to.peerId, e))
        channel.answered()
        return channel
      } catch (err) {
        busy = false
        const e = err instanceof Error ? err : new Error(String(err))
        if (e instanceof ConsultMessageFormatError) fault(to.peerId, e)
        frames?.close(e instanceof CallDeclinedError || e instanceof CallNotAllowedError ? undefined : e)
        throw e
      }
    }
  }
}
