/**
 * Video consultations as the app runs them, the same on both sides: at most one call at a
 * time, rung to (or from) the other person of a grant, its media, and — on the doctor's
 * side — the visit record written when the doctor ends the visit (DESIGN §9; issue 9
 * parts 1 and 2). Each side plugs in how it rings (its own libp2p peer), how it names the
 * other person, and (doctor) where the visit record goes.
 */
import { fromHex, toHex } from '../lib/index.ts'
import {
  CallEndReason,
  CallNotAllowedError,
  CallPhase,
  IDLE,
  createMediaCall,
  nextCallState,
  type CallState,
  type IncomingRing,
  type MediaCall,
  type MediaCallInit,
  type MediaCallSnapshot,
  type SignalChannel,
  type TranscriptLine,
  type SharedFile
} from '../consult/index.ts'

/** The call as the call screen shows it. */
export interface CallView {
  /** The grant the call is under (hex). */
  readonly grantId: string
  readonly remoteName: string
  readonly outgoing: boolean
  readonly state: CallState
  readonly media?: MediaCallSnapshot
  /** Doctor: the visit was written into the record. */
  readonly saved?: boolean
  /** Doctor: the visit could not be written (the error's name). */
  readonly saveError?: string
}

/** A finished call, for the visit record. */
export interface FinishedCall {
  readonly grantId: string
  readonly start: number
  readonly end: number
  readonly reason: string
  /** Only when both agreed to keep it. */
  readonly transcript?: TranscriptLine[]
  readonly files: SharedFile[]
}

/** The consultations of this side. */
export interface Consultations {
  /** Whether this side writes the visit record when the visit ends (the doctor's). */
  readonly records: boolean
  snapshot(): CallView | undefined
  subscribe(listener: (view: CallView | undefined) => void): () => void
  /** Rings the other person of the grant; the view says how it went. @throws {RangeError} while another call is on */
  call(grantIdHex: string): Promise<void>
  /** Takes the incoming call. */
  accept(): Promise<void>
  decline(): void
  hangUp(): void
  /**
   * Doctor: ends the visit (hangs up if still on) and writes it into the record: the
   * Encounter, the transcript if both agreed, the shared files.
   * @throws {RangeError} on the patient's side, or when there is no call to record
   */
  endVisit(reason: string): Promise<void>
  /** The current call's media controls (mute, camera, devices, chat, files). */
  media(): MediaCall | undefined
  /** Forgets an ended call (closes its screen). */
  dismiss(): void
}

/** What each side plugs in. */
export interface ConsultationsComponents {
  /** Rings the other person of `grantIdHex`. @throws {CallNotAllowedError | CallDeclinedError | …} */
  ring(grantIdHex: string, signal: AbortSignal): Promise<SignalChannel>
  /** The other person's name as shown, for the grant. */
  nameOf(grantIdHex: string): string
  /** This person's name (in the transcript). */
  selfName(): string
  /** STUN/TURN servers from `/config.json` (none if it has none). */
  iceServers(): Promise<RTCIceServer[]>
  /** Doctor: writes a finished visit into the grant's visit compartment. */
  record?(call: FinishedCall): Promise<void>
  /** @default Date.now */
  clock?: () => number
  /** @default createMediaCall */
  createMediaCall?: (channel: SignalChannel, init: MediaCallInit) => MediaCall
}

/** The consultations, and the hook the consult service calls for an allowed ring. */
export type ConsultationsService = Consultations & {
  onRing(ring: IncomingRing): void
  close(): void
}

/** Creates the consultations of one side. */
export function createConsultations(components: ConsultationsComponents): ConsultationsService {
  const clock = components.clock ?? Date.now
  const makeMedia = components.createMediaCall ?? createMediaCall
  const listeners = new Set<(v: CallView | undefined) => void>()
  let view: CallView | undefined
  let call: MediaCall | undefined
  let ring: IncomingRing | undefined
  let ringing: AbortController | undefined
  let unsubscribe: (() => void) | undefined
  let reason: string | undefined

  const set = (next: CallView | undefined): void => {
    view = next
    for (const l of listeners) l(view)
  }
  const live = (): boolean => view !== undefined && view.state.phase !== CallPhase.ended

  async function startMedia(channel: SignalChannel): Promise<void> {
    const iceServers = await components.iceServers().catch(() => [])
    const m = makeMedia(channel, { iceServers })
    call = m
    unsubscribe = m.subscribe((s) => {
      // when media first came up: the Encounter's start
      if (firstUp === undefined && s.state.phase === CallPhase.inCall) firstUp = s.state.since
      if (view !== undefined) set({ ...view, state: s.state, media: s })
    })
    await m.start()
  }

  function finished(): FinishedCall | undefined {
    const s = call?.snapshot()
    const v = view
    if (s === undefined || v === undefined) return undefined
    const end = s.state.phase === CallPhase.ended ? s.state.at : clock()
    const me = components.selfName()
    return {
      grantId: v.grantId,
      start: firstUp ?? end,
      end,
      reason: reason ?? '',
      ...(s.keep.mine && s.keep.theirs ? { transcript: s.chat.map((l) => ({ author: l.mine ? me : v.remoteName, text: l.text, at: l.at })) } : {}),
      files: s.files.flatMap((f) => (f.data === undefined ? [] : [{ name: f.name, mime: f.mime, data: f.data, author: f.mine ? me : v.remoteName, at: f.at }]))
    }
  }
  let firstUp: number | undefined

  let saving: Promise<void> | undefined
  function save(text: string): Promise<void> {
    const record = components.record === undefined ? undefined : (c: FinishedCall): Promise<void> => (components.record as NonNullable<typeof components.record>)(c)
    if (record === undefined) return Promise.reject(new RangeError('consult: this side does not record visits'))
    saving ??= (async () => {
      const f = finished()
      if (f === undefined) throw new RangeError('consult: no call to record')
      try {
        await record({ ...f, reason: text })
        if (view !== undefined) set({ ...view, saved: true })
      } catch (err) {
        if (view !== undefined) set({ ...view, saveError: err instanceof Error ? err.name : String(err) })
        saving = undefined
        throw err
      }
    })()
    return saving
  }

  return {
    records: components.record !== undefined,
    snapshot: () => view,
    subscribe(listener) {
      listeners.add(listener)
      listener(view)
      return () => listeners.delete(listener)
    },
    async call(grantIdHex) {
      if (live()) throw new RangeError('consult: a call is already on')
      reset()
      const outgoing = nextCallState(IDLE, { type: 'dial' })
      set({ grantId: grantIdHex, remoteName: components.nameOf(grantIdHex), outgoing: true, state: outgoing })
      ringing = new AbortController()
      let channel: SignalChannel
      try {
        channel = await components.ring(grantIdHex, ringing.signal)
      } catch (err) {
        const name = err instanceof Error ? err.name : ''
        const why = name === 'CallNotAllowedError' ? CallEndReason.notAllowed : name === 'CallDeclinedError' ? ((err as { reason?: 'declined' | 'busy' | 'no-answer' }).reason ?? CallEndReason.declined) : undefined
        if (view !== undefined && view.state.phase !== CallPhase.ended) set({ ...view, state: why === undefined ? nextCallState(view.state, { type: 'fail', at: clock() }) : nextCallState(view.state, { type: 'declined', reason: why, at: clock() }) })
        if (why === undefined && !(ringing.signal.aborted)) console.warn('consult: the call could not be placed', name)
        return
      } finally {
        ringing = undefined
      }
      if (view === undefined || view.state.phase === CallPhase.ended) {
        channel.hangUp()
        return
      }
      set({ ...view, state: nextCallState(view.state, { type: 'accepted' }) })
      await startMedia(channel)
    },
    async accept() {
      const r = ring
      if (r === undefined || view === undefined) return
      ring = undefined
      let channel: SignalChannel
      try {
        channel = await r.accept()
      } catch (err) {
        set({ ...view, state: nextCallState(view.state, err instanceof CallNotAllowedError ? { type: 'declined', reason: 'not-allowed', at: clock() } : { type: 'remote-hangup', at: clock() }) })
        return
      }
      set({ ...view, state: nextCallState(view.state, { type: 'accept' }) })
      await startMedia(channel)
    },
    decline,
    hangUp() {
      if (ringing !== undefined) {
        ringing.abort(new DOMException('hung up', 'AbortError'))
        if (view !== undefined) set({ ...view, state: nextCallState(view.state, { type: 'hangup', at: clock() }) })
        return
      }
      if (call !== undefined) call.hangUp()
      else if (ring !== undefined) decline()
    },
    async endVisit(text) {
      if (components.record === undefined) throw new RangeError('consult: this side does not record visits')
      reason = text.trim()
      if (call === undefined) throw new RangeError('consult: no call to record')
      if (call.snapshot().state.phase !== CallPhase.ended) {
        call.hangUp()
        await call.ended
      }
      await save(reason)
    },
    media: () => call,
    dismiss() {
      if (live()) return
      reset()
      set(undefined)
    },
    onRing(r) {
      if (live()) {
        // one call at a time (the service answers busy to a second ring; this is a race)
        r.decline()
        return
      }
      reset()
      ring = r
      const hex = toHex(r.remote.grantId)
      set({ grantId: hex, remoteName: components.nameOf(hex), outgoing: false, state: nextCallState(IDLE, { type: 'incoming' }) })
      r.signal.addEventListener('abort', () => {
        if (ring === r && view !== undefined) {
          ring = undefined
          set({ ...view, state: nextCallState(view.state, { type: 'remote-hangup', at: clock() }) })
        }
      })
    },
    close() {
      ringing?.abort()
      call?.hangUp()
      ring?.decline()
      reset()
      set(undefined)
    }
  }

  function decline(): void {
    const r = ring
    ring = undefined
    r?.decline()
    if (view !== undefined) set({ ...view, state: nextCallState(view.state, { type: 'hangup', at: clock() }) })
  }

  function reset(): void {
    unsubscribe?.()
    unsubscribe = undefined
    call = undefined
    ring = undefined
    reason = undefined
    saving = undefined
    firstUp = undefined
  }
}

/** The grant id bytes of a hex id. @throws {RangeError} if it is not 16 bytes of hex */
export function grantIdBytes(hex: string): Uint8Array {
  const b = fromHex(hex)
  if (b.length !== 16) throw new RangeError('grant id: 16 bytes')
  return b
}
