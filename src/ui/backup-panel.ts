import { LitElement, css, html } from 'lit'
import { msg, str, updateWhenLocaleChanges } from '@lit/localize'
import { DEMO_PASSPHRASE, type OpenRecord, type RecordBackups } from '../app/index.ts'
import { formStyles, viewStyles } from './styles.ts'
import { textField } from './forms.ts'

const progressStyles = css`
  progress {
    width: 100%;
    max-width: 30rem;
    height: 0.75rem;
  }
  a.download {
    font-weight: 600;
  }
`

/** A restore or backup failure in plain words; every one says that nothing was changed. */
function problemOf(err: unknown): string {
  switch (err instanceof Error ? err.name : '') {
    case 'WrongPassphraseError':
      return msg('Wrong passphrase. Nothing was changed.')
    case 'BackupDamagedError':
      return msg('This backup file is damaged: it was changed, cut short or added to. Nothing was changed.')
    case 'BackupFormatError':
    case 'BackupTooLargeError':
      return msg('This is not a backup file of this app. Nothing was changed.')
    case 'RecordAlreadyHeldError':
      return msg('A record is already stored on this device. Nothing was changed.')
    default:
      return msg(str`The backup could not be used (${err instanceof Error ? err.name : String(err)}). Nothing was changed.`)
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1)
}

/** On an open record: writes an encrypted backup file and offers it as a download. */
export class BackupPanel extends LitElement {
  static override properties = {
    backups: { attribute: false },
    record: { attribute: false },
    progress: { state: true },
    problem: { state: true },
    file: { state: true }
  }
  declare backups: RecordBackups | undefined
  declare record: OpenRecord | undefined
  /** Fraction written while a backup is being made. */
  declare progress: number | undefined
  declare problem: string | undefined
  declare file: { url: string; name: string; bytes: number } | undefined
  static override styles = [viewStyles, formStyles, progressStyles]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.backups = undefined
    this.record = undefined
    this.progress = undefined
    this.problem = undefined
    this.file = undefined
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.forget()
  }

  private forget(): void {
    if (this.file !== undefined) URL.revokeObjectURL(this.file.url)
    this.file = undefined
  }

  private readonly submit = (evt: Event): void => {
    evt.preventDefault()
    const { backups, record } = this
    if (backups === undefined || record === undefined || this.progress !== undefined) return
    const passphrase = textField(evt.target as HTMLFormElement, 'backup-passphrase')
    this.forget()
    this.problem = undefined
    this.progress = 0
    backups
      .exportBackup(record, passphrase, (f) => {
        this.progress = f
      })
      .then(
        (d) => {
          this.progress = undefined
          this.file = { url: URL.createObjectURL(d.blob), name: d.fileName, bytes: d.blob.size }
        },
        (err: unknown) => {
          this.progress = undefined
          this.problem = problemOf(err)
        }
      )
  }

  override render(): unknown {
    const demo = this.record?.demo === true
    return html`<section class="card" aria-labelledby="backup-h">
      <h2 id="backup-h">${msg('Encrypted backup')}</h2>
      <p>${msg('A file with your whole record, encrypted under your passphrase. Keep it somewhere safe: with it and the passphrase, the record can be restored in any browser.')}</p>
      <form @submit=${this.submit}>
        <label for="backup-passphrase">${msg('Passphrase of this record')}</label>
        <input id="backup-passphrase" name="backup-passphrase" type="password" required autocomplete="current-password" .value=${demo ? DEMO_PASSPHRASE : ''} />
        ${demo ? html`<p>${msg(str`The demo record's passphrase is “${DEMO_PASSPHRASE}”.`)}</p>` : ''}
        <div class="actions">
          <button type="submit" ?disabled=${this.progress !== undefined}>${msg('Download an encrypted backup')}</button>
        </div>
      </form>
      ${this.progress === undefined
        ? ''
        : html`<progress max="1" .value=${this.progress} aria-label=${msg('Backup progress')}></progress>
            <p role="status">${msg(str`${Math.round(this.progress * 100)}% done`)}</p>`}
      ${this.file === undefined
        ? ''
        : html`<p role="status">
            <a class="download" data-testid="backup-download" href=${this.file.url} download=${this.file.name}>${msg(str`Save the backup file (${megabytes(this.file.bytes)} MB)`)}</a>
          </p>`}
      ${this.problem === undefined ? '' : html`<p class="error" role="alert">${this.problem}</p>`}
    </section>`
  }
}
customElements.define('phr-backup-panel', BackupPanel)

/**
 * On a device without a record: restores one from a backup file and its passphrase.
 * Fires `restored` with the open record.
 */
export class BackupRestore extends LitElement {
  static override properties = { backups: { attribute: false }, progress: { state: true }, problem: { state: true } }
  declare backups: RecordBackups | undefined
  declare progress: number | undefined
  declare problem: string | undefined
  static override styles = [viewStyles, formStyles, progressStyles]

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.backups = undefined
    this.progress = undefined
    this.problem = undefined
  }

  private readonly submit = (evt: Event): void => {
    evt.preventDefault()
    const backups = this.backups
    if (backups === undefined || this.progress !== undefined) return
    const form = evt.target as HTMLFormElement
    const file = new FormData(form).get('backup-file')
    const passphrase = textField(form, 'restore-passphrase')
    if (!(file instanceof Blob) || file.size === 0) {
      this.problem = msg('Choose a backup file first.')
      return
    }
    this.problem = undefined
    this.progress = 0
    backups
      .restoreBackup(file, passphrase, (f) => {
        this.progress = f
      })
      .then(
        (record) => {
          this.progress = undefined
          this.dispatchEvent(new CustomEvent('restored', { detail: record, bubbles: true, composed: true }))
        },
        (err: unknown) => {
          this.progress = undefined
          this.problem = problemOf(err)
        }
      )
  }

  override render(): unknown {
    return html`<section class="card" aria-labelledby="restore-h">
      <h2 id="restore-h">${msg('Restore from a backup file')}</h2>
      <p>${msg('Pick an encrypted backup made with this app, and type the passphrase of the record in it.')}</p>
      <form @submit=${this.submit}>
        <label for="backup-file">${msg('Backup file')}</label>
        <input id="backup-file" name="backup-file" type="file" accept=".phrbak,application/octet-stream" required />
        <label for="restore-passphrase">${msg('Passphrase')}</label>
        <input id="restore-passphrase" name="restore-passphrase" type="password" required autocomplete="current-password" />
        <div class="actions">
          <button type="submit" ?disabled=${this.progress !== undefined}>${this.progress === undefined ? msg('Restore') : msg('Restoring…')}</button>
        </div>
      </form>
      ${this.progress === undefined
        ? ''
        : html`<progress max="1" .value=${this.progress} aria-label=${msg('Restore progress')}></progress>
            <p role="status">${msg(str`${Math.round(this.progress * 100)}% done`)}</p>`}
      ${this.problem === undefined ? '' : html`<p class="error" role="alert" data-testid="restore-error">${this.problem}</p>`}
    </section>`
  }
}
customElements.define('phr-backup-restore', BackupRestore)
