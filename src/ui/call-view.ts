import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { CallEndReason, CallPhase, MAX_CALL_FILE_BYTES, MAX_CHAT_TEXT, MAX_VISIT_REASON, MediaProblem, type CallView, type Consultations } from '../app/index.ts'
import { textField } from './forms.ts'
import { formStyles, viewStyles } from './styles.ts'

/**
 * A video consultation for one grant: the button that rings, the incoming ring to take or
 * decline, and the call itself — the other person's and one's own video, mute, camera off,
 * camera and microphone choice, the connection quality, chat and small files, keeping the
 * chat in the visit record, hanging up; on the doctor's side, ending the visit writes it
 * into the record. Everything is a labelled control, usable from the keyboard.
 */
export class CallPanel extends LitElement {
  static override properties = {
    consult: { attribute: false },
    grantId: { attribute: false },
    active: { attribute: false },
    call: { state: true },
    devices: { state: true },
    error: { state: true }
  }
  declare consult: Consultations | undefined
  declare grantId: string
  /** Whether a call may be rung (the grant is in force). */
  declare active: boolean
  declare call: CallView | undefined
  declare devices: MediaDeviceInfo[]
  declare error: string | undefined
  private unsubscribe: (() => void) | undefined
  /** Object URLs of received files, made once each and revoked when the screen goes. */
  private urls = new Map<string, string>()
  static override styles = [
    viewStyles,
    formStyles,
    css`
      .videos {
        position: relative;
        background: #111;
        border-radius: 8px;
        overflow: hidden;
        max-width: 40rem;
        aspect-ratio: 4 / 3;
      }
      .videos video.remote {
        width: 100%;
        height: 100%;
        object-fit: contain;
      }
      .videos video.local {
        position: absolute;
        right: 0.5rem;
        bottom: 0.5rem;
        width: 28%;
        border: 2px solid #fff;
        border-radius: 6px;
        background: #333;
      }
      .ring {
        background: #e8f1ff;
        border: 1px solid #9dbdf0;
        border-radius: 8px;
        padding: 0.75rem;
      }
      .quality[data-level='good'] {
        color: #0b6b2e;
      }
      .quality[data-level='fair'] {
        color: #8a4b00;
      }
      .quality[data-level='poor'] {
        color: #9b1c1c;
      }
      .chat {
        list-style: none;
        padding: 0.5rem;
        margin: 0.5rem 0;
        max-height: 14rem;
        overflow-y: auto;
        border: 1px solid var(--border);
        border-radius: 8px;
      }
      .chat li[data-mine='true'] {
        text-align: end;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: end;
      }
      .row > div {
        flex: 1 1 10rem;
      }
      button[aria-pressed='true'] {
        background: #5a2d0c;
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.consult = undefined
    this.grantId = ''
    this.active = false
    this.call = undefined
    this.devices = []
    this.error = undefined
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('consult')) {
      this.unsubscribe?.()
      this.unsubscribe = this.consult?.subscribe((v) => {
        const before = this.call?.state.phase
        this.call = v
        if (v?.grantId === this.grantId && v.state.phase === CallPhase.inCall && before !== CallPhase.inCall) this.loadDevices()
      })
    }
    // media streams are properties of the elements, not attributes
    const media = this.mine()?.media
    const set = (sel: string, stream: MediaStream | undefined): void => {
      const v = this.renderRoot.querySelector<HTMLVideoElement>(sel)
      if (v !== null && v.srcObject !== (stream ?? null)) v.srcObject = stream ?? null
    }
    set('video.remote', media?.remote)
    set('video.local', media?.local)
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.unsubscribe?.()
    this.unsubscribe = undefined
    for (const u of this.urls.values()) URL.revokeObjectURL(u)
    this.urls.clear()
  }

  private urlOf(id: string, data: Uint8Array, mime: string): string {
    let u = this.urls.get(id)
    if (u === undefined) {
      u = URL.createObjectURL(new Blob([data.slice().buffer], { type: mime }))
      this.urls.set(id, u)
    }
    return u
  }

  /** The call, if it is this grant's. */
  private mine(): CallView | undefined {
    return this.call?.grantId === this.grantId ? this.call : undefined
  }

  private loadDevices(): void {
    this.consult
      ?.media()
      ?.devices()
      .then(
        (d) => {
          this.devices = d
        },
        (err: unknown) => console.warn('call: devices could not be listed', err instanceof Error ? err.name : err)
      )
  }

  private act(work: () => Promise<void> | void): void {
    this.error = undefined
    Promise.resolve()
      .then(work)
      .catch((err: unknown) => {
        this.error = err instanceof Error && err.name === 'RangeError' ? err.message : msg('That did not work. Try again.')
      })
  }

  private sendChat(evt: Event): void {
    evt.preventDefault()
    const form = evt.target as HTMLFormElement
    const text = textField(form, 'message').trim()
    if (text === '') return
    this.act(() => {
      this.consult?.media()?.sendChat(text)
      form.reset()
    })
  }

  private sendFile(evt: Event): void {
    const input = evt.target as HTMLInputElement
    const file = input.files?.[0]
    if (file === undefined) return
    if (file.size > MAX_CALL_FILE_BYTES) {
      this.error = msg(str`Files up to ${Math.round(MAX_CALL_FILE_BYTES / 1024)} KB can be shared in a call.`)
      input.value = ''
      return
    }
    this.act(async () => {
      await this.consult?.media()?.sendFile({ name: file.name, type: file.type, bytes: new Uint8Array(await file.arrayBuffer()) })
      input.value = ''
    })
  }

  private endVisit(): void {
    const reason = (this.renderRoot.querySelector<HTMLTextAreaElement>('#call-reason')?.value ?? '').trim()
    this.act(() => this.consult?.endVisit(reason))
  }

  private endedText(reason: CallEndReason): string {
    switch (reason) {
      case CallEndReason.hungUp:
      case CallEndReason.remoteHungUp:
        return msg('The call has ended.')
      case CallEndReason.declined:
        return msg('The call was declined.')
      case CallEndReason.notAllowed:
        return msg('The call was refused: there is no access in force between you (it ended or was revoked).')
      case CallEndReason.busy:
        return msg('They are in another call. Try again later.')
      case CallEndReason.noAnswer:
        return msg('Nobody answered.')
      case CallEndReason.lost:
        return msg('The connection was lost and could not be restored.')
      case CallEndReason.failed:
        return msg('The call could not be connected. Check the network and try again.')
    }
  }

  private problemText(p: MediaProblem): string {
    switch (p) {
      case MediaProblem.denied:
        return msg('Camera and microphone are blocked for this site, so the other person cannot see or hear you. You can still see and hear them and use the chat. Allow them in the browser’s site settings to be seen and heard.')
      case MediaProblem.noCamera:
        return msg('No camera was found: this call is audio only from your side.')
      case MediaProblem.noDevices:
        return msg('No camera or microphone was found. You can still see and hear the other person and use the chat.')
    }
  }

  private renderInCall(c: CallView): unknown {
    const m = c.media
    const call = this.consult?.media()
    const phase = c.state.phase
    const q = m?.quality
    const qualityText = q === undefined || q.level === 'unknown' ? msg('Measuring…') : q.level === 'good' ? msg('Good') : q.level === 'fair' ? msg('Fair') : msg('Poor')
    const cameras = this.devices.filter((d) => d.kind === 'videoinput')
    const mics = this.devices.filter((d) => d.kind === 'audioinput')
    return html`
      <p role="status" data-testid="call-status">
        ${phase === CallPhase.connecting ? msg('Connecting…') : phase === CallPhase.reconnecting ? msg('The connection dropped. Reconnecting…') : msg(str`In a call with ${c.remoteName}`)}
      </p>
      ${m?.mediaProblem === undefined ? '' : html`<p class="error" role="alert" data-testid="call-media-problem" data-problem=${m.mediaProblem}>${this.problemText(m.mediaProblem)}</p>`}
      <div class="videos">
        <video class="remote" data-testid="remote-video" autoplay playsinline aria-label=${msg(str`Video of ${c.remoteName}`)}></video>
        <video class="local" data-testid="local-video" autoplay playsinline muted aria-label=${msg('Your own video')}></video>
      </div>
      <p>
        <span class="quality" data-testid="call-quality" data-level=${q?.level ?? 'unknown'}>${msg(str`Connection: ${qualityText}`)}</span>
        ${q?.rttMs === undefined ? '' : html` · ${msg(str`${q.rttMs} ms delay`)}`}
        · <span data-testid="remote-audio" data-muted=${m?.remoteAudioMuted === true ? 'true' : 'false'}>${m?.remoteAudioMuted === true ? msg('Their microphone is off') : msg('Their microphone is on')}</span>
      </p>
      <div class="actions">
        <button type="button" aria-pressed=${m?.muted === true ? 'true' : 'false'} @click=${() => call?.setMuted(m?.muted !== true)}>${m?.muted === true ? msg('Unmute') : msg('Mute')}</button>
        <button type="button" aria-pressed=${m?.cameraOff === true ? 'true' : 'false'} ?disabled=${m?.local?.getVideoTracks().length === 0 || m?.local === undefined} @click=${() => call?.setCameraOff(m?.cameraOff !== true)}>
          ${m?.cameraOff === true ? msg('Turn camera on') : msg('Turn camera off')}
        </button>
        ${this.consult?.records === true ? '' : html`<button type="button" class="secondary" @click=${() => this.consult?.hangUp()}>${msg('Hang up')}</button>`}
      </div>
      ${cameras.length + mics.length === 0
        ? ''
        : html`<div class="row">
            ${cameras.length === 0
              ? ''
              : html`<div>
                  <label for="call-camera">${msg('Camera')}</label>
                  <select id="call-camera" @change=${(e: Event) => this.act(() => call?.useDevice('videoinput', (e.target as HTMLSelectElement).value))}>
                    ${cameras.map((d, i) => html`<option value=${d.deviceId}>${d.label === '' ? msg(str`Camera ${i + 1}`) : d.label}</option>`)}
                  </select>
                </div>`}
            ${mics.length === 0
              ? ''
              : html`<div>
                  <label for="call-mic">${msg('Microphone')}</label>
                  <select id="call-mic" @change=${(e: Event) => this.act(() => call?.useDevice('audioinput', (e.target as HTMLSelectElement).value))}>
                    ${mics.map((d, i) => html`<option value=${d.deviceId}>${d.label === '' ? msg(str`Microphone ${i + 1}`) : d.label}</option>`)}
                  </select>
                </div>`}
          </div>`}
      <h4>${msg('Chat')}</h4>
      <ul class="chat" role="log" aria-live="polite" aria-label=${msg('Chat messages')} data-testid="call-chat">
        ${(m?.chat ?? []).map((l) => html`<li data-testid="chat-line" data-mine=${l.mine ? 'true' : 'false'}><strong>${l.mine ? msg('You') : c.remoteName}:</strong> ${l.text}</li>`)}
        ${(m?.files ?? []).map(
          (f) => html`<li data-testid="call-file" data-mine=${f.mine ? 'true' : 'false'}>
            <strong>${f.mine ? msg('You') : c.remoteName}:</strong>
            ${f.data === undefined ? f.name : html`<a href=${this.urlOf(f.id, f.data, f.mime)} download=${f.name}>${f.name}</a>`} (${Math.ceil(f.size / 1024)} KB)
          </li>`
        )}
      </ul>
      <form @submit=${(e: Event) => this.sendChat(e)}>
        <label for="call-message">${msg('Message')}</label>
        <div class="row">
          <div><input id="call-message" name="message" maxlength=${MAX_CHAT_TEXT} autocomplete="off" ?disabled=${m?.channelOpen !== true} /></div>
          <button type="submit" ?disabled=${m?.channelOpen !== true}>${msg('Send')}</button>
        </div>
      </form>
      <label for="call-file">${msg('Share a file (photo or document)')}</label>
      <input id="call-file" type="file" ?disabled=${m?.channelOpen !== true} @change=${(e: Event) => this.sendFile(e)} />
      <p>
        <label><input type="checkbox" .checked=${m?.keep.mine === true} @change=${(e: Event) => call?.setKeep((e.target as HTMLInputElement).checked)} /> ${msg('Keep this chat in the visit record')}</label>
        <span data-testid="keep-theirs">${m?.keep.theirs === true ? msg(str`${c.remoteName} agrees to keep it.`) : msg(str`${c.remoteName} has not agreed to keep it; without both, the chat is not kept.`)}</span>
      </p>
      ${this.consult?.records === true ? this.renderEndVisit(msg('End the visit')) : ''}
    `
  }

  private renderEndVisit(label: string): unknown {
    return html`<div>
      <label for="call-reason">${msg('Reason for the visit (saved with it)')}</label>
      <textarea id="call-reason" maxlength=${MAX_VISIT_REASON}></textarea>
      <div class="actions"><button type="button" @click=${() => this.endVisit()}>${label}</button></div>
    </div>`
  }

  override render(): unknown {
    const c = this.mine()
    const busyElsewhere = this.call !== undefined && this.call.grantId !== this.grantId && this.call.state.phase !== CallPhase.ended
    const error = this.error === undefined ? '' : html`<p class="error" role="alert">${this.error}</p>`
    if (c === undefined) {
      if (!this.active || this.consult === undefined) return ''
      return html`<div class="actions">
          <button type="button" ?disabled=${busyElsewhere} @click=${() => this.act(() => this.consult?.call(this.grantId))}>${msg('Start a video call')}</button>
        </div>
        ${error}`
    }
    const phase = c.state.phase
    let body: unknown
    if (phase === CallPhase.ringing && !c.outgoing) {
      body = html`<div class="ring" role="alert" data-testid="call-incoming">
        <p>${msg(str`${c.remoteName} is calling you (video).`)}</p>
        <div class="actions">
          <button type="button" @click=${() => this.act(() => this.consult?.accept())}>${msg('Answer')}</button>
          <button type="button" class="secondary" @click=${() => this.consult?.decline()}>${msg('Decline')}</button>
        </div>
      </div>`
    } else if (phase === CallPhase.ringing) {
      body = html`<p role="status" data-testid="call-status">${msg(str`Calling ${c.remoteName}…`)}</p>
        <div class="actions"><button type="button" class="secondary" @click=${() => this.consult?.hangUp()}>${msg('Cancel the call')}</button></div>`
    } else if (phase === CallPhase.ended) {
      body = html`<p role="status" data-testid="call-ended" data-reason=${c.state.reason}>${this.endedText(c.state.reason)}</p>
        ${c.saved === true
          ? html`<p data-testid="call-saved">${msg('The visit was saved in the patient’s record.')}</p>`
          : this.consult?.records === true && c.media !== undefined
            ? html`${c.saveError === undefined ? '' : html`<p class="error" role="alert">${msg('The visit could not be saved. Try again.')}</p>`}${this.renderEndVisit(msg('Save the visit to the record'))}`
            : ''}
        <div class="actions"><button type="button" class="secondary" @click=${() => this.consult?.dismiss()}>${msg('Close')}</button></div>`
    } else {
      body = this.renderInCall(c)
    }
    return html`<section class="card" aria-label=${msg(str`Video call with ${c.remoteName}`)} data-testid="call-view" data-phase=${phase}>${body}${error}</section>`
  }
}
customElements.define('phr-call-view', CallPanel)
