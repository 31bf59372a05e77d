import { LitElement, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { readShlink, type ImportSummary, type OpenedLink, type OpenRecord } from '../app/index.ts'
import { formStyles, viewStyles } from './styles.ts'
import { interopStyles } from './interop-styles.ts'
import { importSummaryView, typeName } from './interop-import.ts'
import './qr-scanner.ts'

/** Why a link could not be opened, in plain words. */
function openProblem(err: unknown): string {
  const name = err instanceof Error ? err.name : ''
  switch (name) {
    case 'ShlinkFormatError':
      return msg('This is not a SMART Health Link (it should contain “shlink:/”).')
    case 'ShlinkExpiredError':
      return msg('This link has expired.')
    case 'ShlPasscodeError': {
      const left = (err as { remainingAttempts?: number }).remainingAttempts
      if (left === undefined) return msg('This link needs its passcode.')
      return left === 0 ? msg('Wrong passcode. No attempts are left: the link is now locked.') : msg(str`Wrong passcode. ${left} attempts left.`)
    }
    case 'ShlLinkGoneError':
      return msg('The link no longer works: it was deleted, it expired, or it was locked after too many wrong passcodes.')
    case 'ShlServerError':
      return msg('The server of the link could not be reached. Try again when you are online.')
    case 'ShlDecryptError':
    case 'ShlManifestFormatError':
      return msg('What the link holds could not be decrypted: the link is damaged or was changed.')
    case 'ShlTooLargeError':
      return msg('What the link holds is too large to open here.')
    case 'ShlContentError':
      return msg('The link holds nothing this app can read.')
    default:
      return msg(str`The link could not be opened (${name === '' ? String(err) : name}).`)
  }
}

type State =
  | { kind: 'idle' }
  | { kind: 'fetching' }
  | { kind: 'preview'; opened: OpenedLink }
  | { kind: 'importing'; opened: OpenedLink }
  | { kind: 'imported'; summary: ImportSummary }

/**
 * Opens a SMART Health Link someone shared (pasted, scanned, or in this page's address after
 * `#`): asks for the passcode when the link says it has one, fetches and decrypts, shows what
 * it holds, and imports it into the record on request.
 */
export class InteropOpenLink extends LitElement {
  static override properties = {
    record: { attribute: false },
    recipient: {},
    state: { state: true },
    link: { state: true },
    needsPasscode: { state: true },
    scanning: { state: true },
    problem: { state: true }
  }
  declare record: OpenRecord | undefined
  /** Who is asking, sent to the link's server and shown to the person who shared. */
  declare recipient: string
  declare state: State
  declare link: string
  declare needsPasscode: boolean
  declare scanning: boolean
  declare problem: string | undefined
  static override styles = [viewStyles, formStyles, interopStyles]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.recipient = ''
    this.state = { kind: 'idle' }
    this.link = ''
    this.needsPasscode = false
    this.scanning = false
    this.problem = undefined
  }

  override connectedCallback(): void {
    super.connectedCallback()
    // a link opened in this app: <origin>/patient#shlink:/…
    if (location.hash.includes('shlink:/')) this.setLink(location.href)
  }

  private setLink(text: string): void {
    this.link = text.trim()
    this.problem = undefined
    this.state = { kind: 'idle' }
    try {
      this.needsPasscode = (readShlink(this.link).flag ?? '').includes('P')
    } catch (err) {
      this.needsPasscode = false
      if (this.link !== '') this.problem = openProblem(err)
    }
  }

  private readonly submit = (evt: Event): void => {
    evt.preventDefault()
    const r = this.record
    if (r === undefined || this.state.kind === 'fetching') return
    const data = new FormData(evt.target as HTMLFormElement)
    const text = (name: string): string => {
      const v = data.get(name)
      return typeof v === 'string' ? v : ''
    }
    this.setLink(text('shl-open-link'))
    if (this.problem !== undefined) return
    const recipient = text('shl-open-recipient').trim() || msg('someone with the link')
    this.state = { kind: 'fetching' }
    r.interop.openLink(this.link, { recipient, passcode: text('shl-open-passcode') }).then(
      (opened) => {
        this.state = { kind: 'preview', opened }
      },
      (err: unknown) => {
        this.state = { kind: 'idle' }
        this.problem = openProblem(err)
      }
    )
  }

  private readonly importIt = (): void => {
    const r = this.record
    const s = this.state
    if (r === undefined || s.kind !== 'preview') return
    this.state = { kind: 'importing', opened: s.opened }
    r.interop.importOpened(s.opened).then(
      (summary) => {
        this.state = { kind: 'imported', summary }
        this.dispatchEvent(new CustomEvent('imported', { bubbles: true, composed: true }))
      },
      (err: unknown) => {
        this.state = { kind: 'preview', opened: s.opened }
        this.problem = msg(str`The import failed (${err instanceof Error ? err.name : String(err)}). Nothing was changed.`)
      }
    )
  }

  private preview(o: OpenedLink, busy: boolean): unknown {
    const entries = Object.entries(o.byType).sort((a, b) => b[1] - a[1])
    return html`<div class="result" data-testid="shl-preview">
      ${o.label === undefined ? '' : html`<p><strong>${o.label}</strong></p>`}
      ${o.patient === undefined ? '' : html`<p data-testid="shl-preview-patient">${msg(str`About: ${o.patient}`)}</p>`}
      <ul class="counts">
        ${entries.map(([t, n]) => html`<li data-testid="shl-preview-type" data-type=${t}>${typeName(t)}: ${n}</li>`)}
      </ul>
      ${o.skipped === 0 ? '' : html`<p>${msg(str`${o.skipped} files of kinds this app does not read were left out.`)}</p>`}
      <div class="actions">
        <button type="button" ?disabled=${busy} @click=${this.importIt}>${busy ? msg('Importing…') : msg('Import into my record')}</button>
      </div>
    </div>`
  }

  override render(): unknown {
    const s = this.state
    return html`<section class="card" aria-labelledby="shl-open-h">
      <h2 id="shl-open-h">${msg('Read a shared link (SMART Health Link)')}</h2>
      <p>${msg('Paste or scan a link someone shared with you. What it holds is decrypted on this device; you see it before anything is added to your record.')}</p>
      <form @submit=${this.submit}>
        <label for="shl-open-link">${msg('The shared link')}</label>
        <textarea id="shl-open-link" name="shl-open-link" rows="3" required .value=${this.link} @change=${(e: Event) => this.setLink((e.target as HTMLTextAreaElement).value)}></textarea>
        ${this.needsPasscode
          ? html`<label for="shl-open-passcode">${msg('Passcode of the link')}</label>
              <input id="shl-open-passcode" name="shl-open-passcode" autocomplete="off" required />`
          : ''}
        <label for="shl-open-recipient">${msg('Your name, shown to the person who shared')}</label>
        <input id="shl-open-recipient" name="shl-open-recipient" maxlength="200" autocomplete="name" .value=${this.recipient} />
        <div class="actions">
          <button type="submit" ?disabled=${s.kind === 'fetching'}>${s.kind === 'fetching' ? msg('Fetching…') : msg('Show what it holds')}</button>
          <button type="button" class="secondary" @click=${() => (this.scanning = !this.scanning)}>${this.scanning ? msg('Stop the camera') : msg('Scan a link QR code')}</button>
        </div>
      </form>
      ${this.scanning
        ? html`<phr-qr-scanner
            prefix=""
            maxLength="8192"
            label=${msg('hold the link QR code in front of it')}
            @scanned=${(e: CustomEvent<string>) => {
              this.scanning = false
              this.setLink(e.detail)
            }}
            @scan-error=${() => {
              this.scanning = false
              this.problem = msg('The camera could not be used. Paste the link instead.')
            }}
          ></phr-qr-scanner>`
        : ''}
      ${this.problem === undefined ? '' : html`<p class="error" role="alert" data-testid="shl-open-error">${this.problem}</p>`}
      ${s.kind === 'preview' || s.kind === 'importing' ? this.preview(s.opened, s.kind === 'importing') : ''}
      ${s.kind === 'imported' ? importSummaryView(s.summary) : ''}
    </section>`
  }
}
customElements.define('phr-interop-open-link', InteropOpenLink)
