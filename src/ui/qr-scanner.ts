import { LitElement, css, html } from 'lit'
import { msg, updateWhenLocaleChanges } from '@lit/localize'
import { MAX_LINK_PAYLOAD_CHARS } from '../app/index.ts'

type Decode = (data: Uint8ClampedArray, width: number, height: number, options?: { inversionAttempts?: 'dontInvert' | 'attemptBoth' }) => { data: string } | null

/** jsQR, loaded only when the camera is used (it ships as CommonJS with `default`). */
async function loadDecoder(): Promise<Decode> {
  const mod: unknown = await import('jsqr')
  const fn = (x: unknown): Decode | undefined => (typeof x === 'function' ? (x as Decode) : undefined)
  const first = (mod as { default?: unknown }).default
  const decode = fn(first) ?? fn((first as { default?: unknown } | undefined)?.default)
  if (decode === undefined) throw new TypeError('jsqr: no decoder found')
  return decode
}

const SCAN_EVERY_MS = 200
const MAX_SIDE = 640

/**
 * Reads a QR code from the camera: by default a `phr-link:` one (set `prefix` and
 * `maxLength` for another kind, and `label` to say what to hold up). Fires `scanned`
 * (detail: the text) once, or `scan-error` (detail: the error's name) when the camera
 * cannot be used. Frames never leave the page; the camera stops as soon as a code is read
 * or the element goes away.
 */
export class QrScanner extends LitElement {
  static override properties = { prefix: {}, maxLength: { type: Number }, label: {} }
  /** Only codes whose text starts with this are read. @default 'phr-link:' */
  declare prefix: string
  /** Longest text read. @default MAX_LINK_PAYLOAD_CHARS */
  declare maxLength: number
  /** The camera view's accessible name. @default "hold the QR code of your other device in front of it" */
  declare label: string | undefined
  static override styles = css`
    :host {
      display: block;
    }
    video {
      width: 100%;
      max-width: 24rem;
      border-radius: 8px;
      background: #000;
    }
  `
  private stream: MediaStream | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private stopped = false

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.prefix = 'phr-link:'
    this.maxLength = MAX_LINK_PAYLOAD_CHARS
    this.label = undefined
  }

  override connectedCallback(): void {
    super.connectedCallback()
    this.stopped = false
    void this.start()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.stop()
  }

  private stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
    for (const t of this.stream?.getTracks() ?? []) t.stop()
    this.stream = undefined
  }

  private fail(err: unknown): void {
    this.stop()
    this.dispatchEvent(new CustomEvent('scan-error', { detail: err instanceof Error ? err.name : 'Error', bubbles: true, composed: true }))
  }

  private async start(): Promise<void> {
    try {
      const decode = await loadDecoder()
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      if (this.stopped) {
        for (const t of stream.getTracks()) t.stop()
        return
      }
      this.stream = stream
      await this.updateComplete
      const video = this.renderRoot.querySelector('video')
      if (video === null) throw new Error('no video element')
      video.srcObject = stream
      await video.play()
      const canvas = document.createElement('canvas')
      const ctx = canvas.getContext('2d', { willReadFrequently: true })
      if (ctx === null) throw new Error('no 2d canvas')
      const tick = (): void => {
        if (this.stopped) return
        if (video.videoWidth > 0) {
          const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight))
          canvas.width = Math.round(video.videoWidth * scale)
          canvas.height = Math.round(video.videoHeight * scale)
          ctx.drawImage(video, 0, 0, canvas.width, canvas.height)
          const frame = ctx.getImageData(0, 0, canvas.width, canvas.height)
          const found = decode(frame.data, frame.width, frame.height, { inversionAttempts: 'dontInvert' })
          // only the kind of code asked for, and no longer than one: anything else in view is ignored
          if (found !== null && found.data.startsWith(this.prefix) && found.data.length <= this.maxLength) {
            this.stop()
            this.dispatchEvent(new CustomEvent('scanned', { detail: found.data, bubbles: true, composed: true }))
            return
          }
        }
        this.timer = setTimeout(tick, SCAN_EVERY_MS)
      }
      tick()
    } catch (err) {
      this.fail(err)
    }
  }

  override render(): unknown {
    return html`<video muted playsinline aria-label=${this.label ?? msg('Camera view: hold the QR code of your other device in front of it')}></video>`
  }
}
customElements.define('phr-qr-scanner', QrScanner)
