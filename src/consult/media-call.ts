/**
 * The media side of an accepted call, in the browser: a plain `RTCPeerConnection` between
 * the two devices (audio, video, and a negotiated data channel for chat and small files),
 * negotiated over the call's `/phr/consult/1` signalling with the "perfect negotiation"
 * pattern (W3C WebRTC §10.7: the callee is polite and rolls back on a collision), so that
 * either side may renegotiate — muting or switching the camera off stops sending that track
 * (the transceiver becomes `recvonly`), which the other side sees as its track muted.
 *
 * Reconnection: when ICE drops (`disconnected`/`failed`), the call shows `reconnecting`;
 * after `reconnectGraceMs` the caller restarts ICE (RFC 8445 §2.4), and if media is not
 * back within `reconnectTimeoutMs` the call ends as lost.
 *
 * Media problems are said, not thrown: permission refused (the call still receives the
 * other side), no camera (audio only), nothing to capture.
 */
import { CallPhase, IDLE, nextCallState, type CallEvent, type CallState } from './call-state.ts'
import { channelMessageText, MAX_CALL_FILE_BYTES, MAX_CHAT_TEXT, MAX_FILE_CHUNK_BYTES, parseChannelMessage } from './channel-messages.ts'
import { ConsultMessageFormatError } from './errors.ts'
import { callQuality, statsSample, type CallQuality, type StatsSample } from './quality.ts'
import type { SignalChannel } from './signalling.ts'

/** Why this side sends less than audio and video. */
export const MediaProblem = {
  /** The person (or the browser) refused the camera and microphone. */
  denied: 'denied',
  /** No camera (or it is busy): audio only. */
  noCamera: 'no-camera',
  /** Neither camera nor microphone. */
  noDevices: 'no-devices'
} as const
/** One of the media problems. */
export type MediaProblem = (typeof MediaProblem)[keyof typeof MediaProblem]

/** A chat line. */
export interface ChatLine {
  readonly id: string
  readonly mine: boolean
  readonly text: string
  readonly at: number
}

/** A file sent or received in the call. */
export interface CallFile {
  readonly id: string
  readonly mine: boolean
  readonly name: string
  readonly mime: string
  readonly size: number
  /** The bytes, once complete. */
  readonly data?: Uint8Array
  readonly at: number
}

/** What the call screen shows. */
export interface MediaCallSnapshot {
  readonly state: CallState
  readonly local?: MediaStream
  readonly remote?: MediaStream
  readonly muted: boolean
  readonly cameraOff: boolean
  /** Whether the other side's audio / video track is muted (it stopped sending). */
  readonly remoteAudioMuted: boolean
  readonly remoteVideoMuted: boolean
  readonly mediaProblem?: MediaProblem
  readonly quality?: CallQuality
  readonly chat: readonly ChatLine[]
  readonly files: readonly CallFile[]
  /** This side and the other agree to keep the chat in the visit record. */
  readonly keep: { readonly mine: boolean; readonly theirs: boolean }
  readonly channelOpen: boolean
}

/** Options of a media call. */
export interface MediaCallInit {
  /** STUN/TURN servers (from `/config.json`); none works on one machine or one LAN. @default [] */
  iceServers?: RTCIceServer[]
  /** @default navigator.mediaDevices */
  mediaDevices?: Pick<MediaDevices, 'getUserMedia' | 'enumerateDevices'>
  /** @default (c) => new RTCPeerConnection(c) */
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection
  /** @default Date.now */
  clock?: () => number
  /** Time after a drop before the caller restarts ICE. @default 2000 */
  reconnectGraceMs?: number
  /** Time after a drop before the call is given up. @default 20000 */
  reconnectTimeoutMs?: number
  /** Time for the media to come up at all. @default 30000 */
  connectTimeoutMs?: number
  /** How often `getStats()` feeds the quality indicator. @default 2000 */
  statsIntervalMs?: number
}

/** One call's media. */
export interface MediaCall {
  /** Captures media, builds the connection, and (caller) sends the first offer. */
  start(): Promise<void>
  snapshot(): MediaCallSnapshot
  subscribe(listener: (s: MediaCallSnapshot) => void): () => void
  setMuted(muted: boolean): void
  setCameraOff(off: boolean): void
  /** Cameras and microphones to choose from (labels once permission was given). */
  devices(): Promise<MediaDeviceInfo[]>
  /** Switches to another camera or microphone. @throws the getUserMedia error */
  useDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void>
  /** @throws {RangeError} for empty or too long text, or before the channel is open */
  sendChat(text: string): void
  /** @throws {RangeError} for an empty or too big file, or before the channel is open */
  sendFile(file: { name: string; type: string; bytes: Uint8Array }): Promise<void>
  /** Whether this side agrees to keep the chat in the visit record. */
  setKeep(keep: boolean): void
  /** The raw stats (tests and diagnostics). */
  stats(): Promise<StatsSample>
  hangUp(): void
  /** Settles with the final state. */
  readonly ended: Promise<CallState>
}

let counter = 0
const newId = (): string => `${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`.slice(0, 32).padEnd(8, '0')

/**
 * The media of an accepted call over `channel`.
 * @example const call = createMediaCall(channel, { iceServers: config.iceServers }); await call.start()
 */
export function createMediaCall(channel: SignalChannel, init: MediaCallInit = {}): MediaCall {
  const clock = init.clock ?? Date.now
  const media = init.mediaDevices ?? navigator.mediaDevices
  const polite = !channel.caller
  const graceMs = init.reconnectGraceMs ?? 2_000
  const giveUpMs = init.reconnectTimeoutMs ?? 20_000
  const connectMs = init.connectTimeoutMs ?? 30_000
  const listeners = new Set<(s: MediaCallSnapshot) => void>()
  const pc = (init.createPeerConnection ?? ((c) => new RTCPeerConnection(c)))({ iceServers: init.iceServers ?? [] })
  const remote = new MediaStream()
  let local: MediaStream | undefined
  let state: CallState = nextCallState(nextCallState(IDLE, { type: channel.caller ? 'dial' : 'incoming' }), { type: channel.caller ? 'accepted' : 'accept' })
  let muted = false
  let cameraOff = false
  let mediaProblem: MediaProblem | undefined
  let quality: CallQuality | undefined
  let lastSample: StatsSample | undefined
  const chat: ChatLine[] = []
  const files: CallFile[] = []
  const keep = { mine: false, theirs: false }
  let dc: RTCDataChannel | undefined
  let incoming: { id: string; name: string; mime: string; size: number; chunks: Uint8Array[]; got: number; at: number } | undefined
  let makingOffer = false
  let ignoreOffer = false
  let graceTimer: ReturnType<typeof setTimeout> | undefined
  let giveUpTimer: ReturnType<typeof setTimeout> | undefined
  const connectTimer = setTimeout(() => dispatch({ type: 'give-up', at: clock() }), connectMs)
  let statsTimer: ReturnType<typeof setInterval> | undefined
  const done = Promise.withResolvers<CallState>()

  const snapshot = (): MediaCallSnapshot => {
    const track = (kind: string): MediaStreamTrack | undefined => remote.getTracks().find((t) => t.kind === kind)
    return {
      state,
      ...(local === undefined ? {} : { local }),
      ...(remote.getTracks().length === 0 ? {} : { remote }),
      muted,
      cameraOff,
      remoteAudioMuted: track('audio')?.muted ?? true,
      remoteVideoMuted: track('video')?.muted ?? true,
      ...(mediaProblem === undefined ? {} : { mediaProblem }),
      ...(quality === undefined ? {} : { quality }),
      chat: [...chat],
      files: [...files],
      keep: { ...keep },
      channelOpen: dc?.readyState === 'open'
    }
  }
  const notify = (): void => {
    const s = snapshot()
    for (const l of listeners) l(s)
  }

  function dispatch(event: CallEvent): void {
    const before = state
    state = nextCallState(state, event)
    if (state === before) return
    if (state.phase === CallPhase.inCall) {
      clearTimeout(connectTimer)
      clearTimeout(graceTimer)
      clearTimeout(giveUpTimer)
    }
    if (state.phase === CallPhase.reconnecting && before.phase === CallPhase.inCall) {
      graceTimer = setTimeout(() => {
        // RFC 8445 §2.4: new credentials, new candidates; the caller starts it to avoid glare
        if (channel.caller && state.phase === CallPhase.reconnecting) pc.restartIce()
      }, graceMs)
      giveUpTimer = setTimeout(() => dispatch({ type: 'give-up', at: clock() }), giveUpMs)
    }
    if (state.phase === CallPhase.ended) close(event.type === 'hangup' || event.type === 'give-up' || event.type === 'fail')
    notify()
  }

  function close(tellOtherSide: boolean): void {
    clearTimeout(connectTimer)
    clearTimeout(graceTimer)
    clearTimeout(giveUpTimer)
    clearInterval(statsTimer)
    for (const t of local?.getTracks() ?? []) t.stop()
    dc?.close()
    pc.close()
    if (tellOtherSide) channel.hangUp(state.phase === CallPhase.ended && state.reason !== 'hung-up')
    done.resolve(state)
  }

  const fault = (err: unknown): void => {
    console.warn('call: the other side sent something unusable', err instanceof Error ? `${err.name}: ${err.message}` : err)
    dispatch({ type: 'fail', at: clock() })
  }

  const send = (msg: Parameters<SignalChannel['send']>[0]): void => {
    channel.send(msg).catch((err: unknown) => {
      if (state.phase !== CallPhase.ended) fault(err)
    })
  }

  async function capture(): Promise<void> {
    try {
      local = await media.getUserMedia({ audio: true, video: true })
      return
    } catch (err) {
      const name = err instanceof Error ? err.name : ''
      // W3C Media Capture §10: NotAllowedError = refused; NotFoundError/OverconstrainedError = no such device; NotReadableError = busy
      if (name === 'NotAllowedError' || name === 'SecurityError') {
        mediaProblem = MediaProblem.denied
        return
      }
    }
    try {
      local = await media.getUserMedia({ audio: true, video: false })
      mediaProblem = MediaProblem.noCamera
    } catch (err) {
      mediaProblem = err instanceof Error && err.name === 'NotAllowedError' ? MediaProblem.denied : MediaProblem.noDevices
    }
  }

  const transceiverOf = (kind: 'audio' | 'video'): RTCRtpTransceiver | undefined => pc.getTransceivers().find((t) => t.receiver.track.kind === kind && t.currentDirection !== 'stopped')
  const trackOf = (kind: 'audio' | 'video'): MediaStreamTrack | undefined => local?.getTracks().find((t) => t.kind === kind)
  const sending = (kind: 'audio' | 'video'): boolean => trackOf(kind) !== undefined && !(kind === 'audio' ? muted : cameraOff)

  /** Puts local tracks on the transceivers and sets what each sends. */
  async function attach(): Promise<void> {
    for (const kind of ['audio', 'video'] as const) {
      const t = transceiverOf(kind)
      if (t === undefined) continue
      const track = trackOf(kind) ?? null
      if (t.sender.track !== track) await t.sender.replaceTrack(track)
      if (local !== undefined) t.sender.setStreams(local)
      const want: RTCRtpTransceiverDirection = sending(kind) ? 'sendrecv' : 'recvonly'
      if (t.direction !== want) t.direction = want
    }
  }

  function setUpChannel(channelDc: RTCDataChannel): void {
    dc = channelDc
    dc.binaryType = 'arraybuffer'
    dc.onopen = () => {
      if (keep.mine) dc?.send(channelMessageText({ t: 'keep', value: true }))
      notify()
    }
    dc.onclose = () => notify()
    dc.onmessage = (e: MessageEvent<unknown>) => {
      try {
        onChannelMessage(e.data)
      } catch (err) {
        fault(err)
      }
    }
  }

  function onChannelMessage(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      const f = incoming
      if (f === undefined) throw new ConsultMessageFormatError('channel: file bytes without a file')
      if (data.byteLength === 0 || data.byteLength > MAX_FILE_CHUNK_BYTES || f.got + data.byteLength > f.size) throw new ConsultMessageFormatError('channel: file chunk out of bounds')
      f.chunks.push(new Uint8Array(data))
      f.got += data.byteLength
      if (f.got === f.size) {
        const bytes = new Uint8Array(f.size)
        let o = 0
        for (const c of f.chunks) {
          bytes.set(c, o)
          o += c.length
        }
        incoming = undefined
        files.push({ id: f.id, mine: false, name: f.name, mime: f.mime, size: f.size, data: bytes, at: f.at })
        notify()
      }
      return
    }
    if (typeof data !== 'string') throw new ConsultMessageFormatError('channel: neither text nor bytes')
    const msg = parseChannelMessage(data)
    if (msg.t === 'chat') {
      if (chat.length >= 2000) throw new ConsultMessageFormatError('channel: too many chat lines')
      chat.push({ id: msg.id, mine: false, text: msg.text, at: clock() })
    } else if (msg.t === 'file') {
      if (incoming !== undefined) throw new ConsultMessageFormatError('channel: a file started before the last one ended')
      if (files.length >= 20) throw new ConsultMessageFormatError('channel: too many files')
      incoming = { id: msg.id, name: msg.name, mime: msg.mime, size: msg.size, chunks: [], got: 0, at: clock() }
    } else {
      keep.theirs = msg.value
    }
    notify()
  }

  // the signalling: perfect negotiation (W3C WebRTC §10.7), one message at a time in order,
  // and none before this side's media is captured (its answer must carry its tracks)
  const captured = Promise.withResolvers<void>()
  let queue: Promise<void> = captured.promise
  channel.onMessage((msg) => {
    queue = queue
      .then(async () => {
        if (state.phase === CallPhase.ended) return
        if (msg.type === 'ice') {
          try {
            await pc.addIceCandidate({ candidate: msg.candidate, sdpMid: msg.sdpMid, sdpMLineIndex: msg.sdpMLineIndex })
          } catch (err) {
            // a candidate of an offer this side ignored (the glare it won) is expected to fail
            if (!ignoreOffer) throw err
          }
          return
        }
        const collision = msg.type === 'offer' && (makingOffer || pc.signalingState !== 'stable')
        ignoreOffer = !polite && collision
        if (ignoreOffer) return
        await pc.setRemoteDescription({ type: msg.type, sdp: msg.sdp })
        if (msg.type === 'offer') {
          // the callee's tracks go on the transceivers the caller's offer made
          if (dc === undefined) setUpChannel(pc.createDataChannel('chat', { negotiated: true, id: 0, ordered: true }))
          await attach()
          await pc.setLocalDescription()
          send({ type: 'answer', sdp: pc.localDescription?.sdp ?? '' })
        }
      })
      .catch(fault)
  })
  void channel.ended.then((end) => {
    if (state.phase === CallPhase.ended) return
    dispatch(end.reason === 'hangup' ? { type: 'remote-hangup', at: clock() } : { type: 'fail', at: clock() })
  })

  pc.onnegotiationneeded = async () => {
    // the callee waits for the caller's first offer before negotiating anything itself
    if (polite && pc.remoteDescription === null) return
    try {
      makingOffer = true
      await pc.setLocalDescription()
      send({ type: 'offer', sdp: pc.localDescription?.sdp ?? '' })
    } catch (err) {
      fault(err)
    } finally {
      makingOffer = false
    }
  }
  pc.onicecandidate = (e) => {
    const c = e.candidate
    // null: gathering finished (RFC 8838 §4.4 end-of-candidates, sent as an empty candidate)
    send({ type: 'ice', candidate: c?.candidate ?? '', sdpMid: c?.sdpMid ?? '0', sdpMLineIndex: c?.sdpMLineIndex ?? 0 })
  }
  pc.ontrack = (e) => {
    const track = e.track
    for (const old of remote.getTracks().filter((t) => t.kind === track.kind && t !== track)) remote.removeTrack(old)
    if (!remote.getTracks().includes(track)) remote.addTrack(track)
    track.onmute = notify
    track.onunmute = notify
    notify()
  }
  pc.onconnectionstatechange = () => {
    const s = pc.connectionState
    if (s === 'connected') dispatch({ type: 'media-up', at: clock() })
    else if (s === 'disconnected' || s === 'failed') {
      dispatch({ type: 'media-down' })
      if (s === 'failed' && channel.caller && state.phase === CallPhase.reconnecting) pc.restartIce()
    }
  }

  async function sample(): Promise<StatsSample> {
    return statsSample(await pc.getStats())
  }

  return {
    async start() {
      try {
        await capture()
      } finally {
        captured.resolve()
      }
      if (state.phase === CallPhase.ended) return
      if (channel.caller) {
        // the caller's offer asks for audio and video both ways, whatever it can send itself
        pc.addTransceiver('audio', { direction: 'recvonly' })
        pc.addTransceiver('video', { direction: 'recvonly' })
        setUpChannel(pc.createDataChannel('chat', { negotiated: true, id: 0, ordered: true }))
        await attach()
      }
      statsTimer = setInterval(() => {
        if (state.phase !== CallPhase.inCall && state.phase !== CallPhase.reconnecting) return
        sample().then(
          (s) => {
            quality = callQuality(lastSample, s)
            lastSample = s
            notify()
          },
          (err: unknown) => console.warn('call: stats unavailable', err instanceof Error ? err.name : err)
        )
      }, init.statsIntervalMs ?? 2_000)
      notify()
    },
    snapshot,
    subscribe(listener) {
      listeners.add(listener)
      listener(snapshot())
      return () => listeners.delete(listener)
    },
    setMuted(m) {
      muted = m
      const t = trackOf('audio')
      if (t !== undefined) t.enabled = !m
      void attach().catch(fault)
      notify()
    },
    setCameraOff(off) {
      cameraOff = off
      const t = trackOf('video')
      if (t !== undefined) t.enabled = !off
      void attach().catch(fault)
      notify()
    },
    async devices() {
      return (await media.enumerateDevices()).filter((d) => d.kind === 'audioinput' || d.kind === 'videoinput')
    },
    async useDevice(kind, deviceId) {
      const k = kind === 'audioinput' ? 'audio' : 'video'
      const got = await media.getUserMedia({ [k]: { deviceId: { exact: deviceId } } })
      const track = got.getTracks()[0]
      if (track === undefined) return
      const old = trackOf(k)
      local ??= new MediaStream()
      if (old !== undefined) {
        local.removeTrack(old)
        old.stop()
      }
      track.enabled = !(k === 'audio' ? muted : cameraOff)
      local.addTrack(track)
      if (k === 'video' && mediaProblem === MediaProblem.noCamera) mediaProblem = undefined
      await attach()
      notify()
    },
    sendChat(text) {
      const t = text.trim()
      if (t.length === 0 || t.length > MAX_CHAT_TEXT) throw new RangeError(`chat: 1..${MAX_CHAT_TEXT} characters`)
      if (dc?.readyState !== 'open') throw new RangeError('chat: not connected')
      const line = { id: newId(), mine: true, text: t, at: clock() }
      dc.send(channelMessageText({ t: 'chat', id: line.id, text: t, at: line.at }))
      chat.push(line)
      notify()
    },
    async sendFile(file) {
      const d = dc
      if (file.bytes.length === 0 || file.bytes.length > MAX_CALL_FILE_BYTES) throw new RangeError(`file: 1..${MAX_CALL_FILE_BYTES} bytes`)
      if (d?.readyState !== 'open') throw new RangeError('file: not connected')
      const id = newId()
      const mime = /^[a-z0-9][a-z0-9.+-]{0,40}\/[a-z0-9][a-z0-9.+-]{0,50}$/.test(file.type) ? file.type : 'application/octet-stream'
      d.send(channelMessageText({ t: 'file', id, name: file.name.replace(/[/\\]/g, '_').slice(0, 200) || 'file', mime, size: file.bytes.length }))
      d.bufferedAmountLowThreshold = 256 * 1024
      for (let o = 0; o < file.bytes.length; o += MAX_FILE_CHUNK_BYTES) {
        // RFC 8831 §6.6: keep the send buffer bounded
        if (d.bufferedAmount > 1024 * 1024) await new Promise<void>((resolve) => d.addEventListener('bufferedamountlow', () => resolve(), { once: true }))
        d.send(file.bytes.slice(o, o + MAX_FILE_CHUNK_BYTES))
      }
      files.push({ id, mine: true, name: file.name, mime, size: file.bytes.length, data: file.bytes, at: clock() })
      notify()
    },
    setKeep(k) {
      keep.mine = k
      if (dc?.readyState === 'open') dc.send(channelMessageText({ t: 'keep', value: k }))
      notify()
    },
    stats: sample,
    hangUp() {
      dispatch({ type: 'hangup', at: clock() })
    },
    ended: done.promise
  }
}
