import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import QRCode from 'qrcode'
import { MAX_SHL_PASSCODE, SHAREABLE, type HostedLink, type LinkAccess, type OpenRecord, type Shareable } from '../app/index.ts'
import { formStyles, viewStyles } from './styles.ts'
import { interopStyles } from './interop-styles.ts'
import { partName } from './share-visit.ts'
import { getLocale } from './i18n.ts'

const DAYS = [1, 7, 30, 90] as const

/** A SMART Health Links failure in plain words. */
export function shlProblem(err: unknown): string {
  switch (err instanceof Error ? err.name : '') {
    case 'ShlServerError':
      return msg('The link server could not be reached or refused. Try again when you are online.')
    case 'ShlLinkGoneError':
      return msg('The link server no longer has this link: it was deleted, it expired, or it was locked after too many wrong passcodes.')
    case 'ShlContentTooLargeError':
      return msg('What you picked is too large for one link. Pick fewer parts.')
    case 'NoPatientError':
      return msg('Your record has no patient details yet, so there is no summary to share.')
    case 'RangeError':
      return msg('Check the label (at most 80 characters) and the passcode (at most 64), or delete an old link first (at most 32).')
    default:
      return msg(str`The link could not be made (${err instanceof Error ? err.name : String(err)}).`)
  }
}

function sharedText(shared: string): string {
  return shared === 'ips' ? msg('patient summary') : shared.split(',').map(partName).join(', ')
}

/**
 * SMART Health Links the patient makes: what to share, for how long, an optional passcode;
 * the link as text and QR code; the links made here with who opened each (the server's log,
 * read with a signed request and added to the access history), and deleting a link.
 */
export class InteropShare extends LitElement {
  static override properties = {
    record: { attribute: false },
    ips: { state: true },
    busy: { state: true },
    made: { state: true },
    links: { state: true },
    accesses: { state: true },
    problem: { state: true }
  }
  declare record: OpenRecord | undefined
  declare ips: boolean
  declare busy: boolean
  declare made: { link: HostedLink; qr: string } | undefined
  declare links: HostedLink[]
  /** Access logs shown, by link id (an error text when it could not be read). */
  declare accesses: Record<string, LinkAccess[] | string>
  declare problem: string | undefined
  static override styles = [
    viewStyles,
    formStyles,
    interopStyles,
    css`
      img {
        width: min(16rem, 100%);
        height: auto;
        image-rendering: pixelated;
        background: #fff;
      }
      textarea {
        width: 100%;
      }
      li.link {
        margin: 0.5rem 0;
        list-style: none;
        border-top: 1px solid var(--border);
        padding-top: 0.5rem;
      }
      ul.links {
        padding: 0;
      }
    `
  ]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.record = undefined
    this.ips = true
    this.busy = false
    this.made = undefined
    this.links = []
    this.accesses = {}
    this.problem = undefined
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('record')) void this.reload()
  }

  private async reload(): Promise<void> {
    const r = this.record
    if (r === undefined) return
    try {
      this.links = await r.interop.links.list()
    } catch (err) {
      this.problem = shlProblem(err)
    }
  }

  private readonly create = (evt: Event): void => {
    evt.preventDefault()
    const r = this.record
    if (r === undefined || this.busy) return
    const form = evt.target as HTMLFormElement
    const data = new FormData(form)
    const parts = SHAREABLE.filter((k: Shareable) => data.get(`shl-${k}`) === 'on')
    if (!this.ips && parts.length === 0) {
      this.problem = msg('Pick at least one part of the record.')
      return
    }
    const text = (name: string): string => {
      const v = data.get(name)
      return typeof v === 'string' ? v : ''
    }
    this.problem = undefined
    this.busy = true
    r.interop.links
      .create({ what: this.ips ? 'ips' : parts, label: text('shl-label'), days: Number(text('shl-days')), passcode: text('shl-passcode') }, location.origin)
      .then(async (link) => {
        const svg = await QRCode.toString(link.link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
        this.made = { link, qr: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}` }
        form.reset()
        this.ips = true
        await this.reload()
      })
      .catch((err: unknown) => {
        this.problem = shlProblem(err)
      })
      .finally(() => {
        this.busy = false
      })
  }

  private showAccesses(id: string): void {
    const r = this.record
    if (r === undefined) return
    r.interop.links.accesses(id).then(
      (list) => {
        this.accesses = { ...this.accesses, [id]: list }
      },
      (err: unknown) => {
        this.accesses = { ...this.accesses, [id]: shlProblem(err) }
      }
    )
  }

  private removeLink(id: string): void {
    const r = this.record
    if (r === undefined) return
    r.interop.links.remove(id).then(
      async () => {
        if (this.made?.link.id === id) this.made = undefined
        await this.reload()
      },
      (err: unknown) => {
        this.problem = shlProblem(err)
      }
    )
  }

  private accessList(id: string): unknown {
    const a = this.accesses[id]
    if (a === undefined) return ''
    if (typeof a === 'string') return html`<p class="error" role="alert">${a}</p>`
    if (a.length === 0) return html`<p data-testid="shl-no-access">${msg('Nobody has opened it yet.')}</p>`
    const fmt = (t: number): string => new Date(t).toLocaleString(getLocale(), { dateStyle: 'short', timeStyle: 'short' })
    return html`<ol>
      ${a.map(
        (e) =>
          html`<li data-testid="shl-access" data-outcome=${e.outcome}>
            ${fmt(e.at)} — ${e.outcome === 'served' ? msg(str`opened by “${e.recipient}”`) : msg(str`wrong passcode from “${e.recipient}”`)}
          </li>`
      )}
    </ol>`
  }

  override render(): unknown {
    const fmtDay = (s: number): string => new Date(s * 1000).toLocaleDateString(getLocale(), { dateStyle: 'medium' })
    return html`<section class="card" aria-labelledby="shl-h">
      <h2 id="shl-h">${msg('Share with a link (SMART Health Link)')}</h2>
      <p>${msg('Anyone with the link (and the passcode, if you set one) can read what you pick until it expires. The server that hosts it holds it encrypted; the key is only in the link.')}</p>
      <form @submit=${this.create}>
        <fieldset>
          <legend>${msg('What to share')}</legend>
          <label class="choice"><input type="radio" name="shl-what" .checked=${this.ips} @change=${() => (this.ips = true)} /><span>${msg('My patient summary')}</span></label>
          <label class="choice"><input type="radio" name="shl-what" .checked=${!this.ips} @change=${() => (this.ips = false)} /><span>${msg('Chosen parts of my record:')}</span></label>
          ${this.ips ? '' : SHAREABLE.map((k) => html`<label class="choice"><input type="checkbox" name=${`shl-${k}`} ?checked=${k === 'core'} /><span>${partName(k)}</span></label>`)}
        </fieldset>
        <label for="shl-label">${msg('Label, shown to whoever opens it')}</label>
        <input id="shl-label" name="shl-label" maxlength="80" autocomplete="off" />
        <label for="shl-days">${msg('Expires after')}</label>
        <select id="shl-days" name="shl-days">
          ${DAYS.map((d) => html`<option value=${d} ?selected=${d === 7}>${d === 1 ? msg('1 day') : msg(str`${d} days`)}</option>`)}
        </select>
        <label for="shl-passcode">${msg('Passcode (optional)')}</label>
        <input id="shl-passcode" name="shl-passcode" maxlength=${MAX_SHL_PASSCODE} autocomplete="off" />
        <div class="actions">
          <button type="submit" ?disabled=${this.busy}>${this.busy ? msg('Making the link…') : msg('Make the link')}</button>
        </div>
      </form>
      ${this.problem === undefined ? '' : html`<p class="error" role="alert" data-testid="shl-error">${this.problem}</p>`}
      ${this.made === undefined
        ? ''
        : html`<div class="result">
            <img src=${this.made.qr} alt=${msg('QR code of the link')} data-testid="shl-qr" />
            <label for="shl-link">${msg('The link')}</label>
            <textarea id="shl-link" rows="3" readonly data-testid="shl-link">${this.made.link.link}</textarea>
            ${this.made.link.passcode ? html`<p>${msg('Tell the passcode separately, not with the link.')}</p>` : ''}
          </div>`}
      ${this.links.length === 0
        ? ''
        : html`<h3>${msg('Your links')}</h3>
            <ul class="links">
              ${this.links.map(
                (l) => html`<li class="link" data-testid="shl-item" data-id=${l.id}>
                  <strong>${l.label === '' ? msg('(no label)') : l.label}</strong> — ${sharedText(l.shared)};
                  ${l.exp * 1000 <= Date.now() ? msg(str`expired ${fmtDay(l.exp)}`) : msg(str`until ${fmtDay(l.exp)}`)}${l.passcode ? msg('; with a passcode') : ''}
                  <div class="actions">
                    <button type="button" class="secondary" @click=${() => this.showAccesses(l.id)}>${msg('Who opened it')}</button>
                    <button type="button" class="secondary" @click=${() => this.removeLink(l.id)}>${msg('Delete the link')}</button>
                  </div>
                  ${this.accessList(l.id)}
                </li>`
              )}
            </ul>`}
    </section>`
  }
}
customElements.define('phr-interop-share', InteropShare)
