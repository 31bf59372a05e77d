/**
 * SMART Health Links in the patient's app (issue 10 §4).
 *
 * Sharing: the patient picks what to share (the IPS, or chosen compartments as a Bundle),
 * an expiry and an optional passcode. The content is encrypted under a fresh key (JWE
 * `dir`/`A256GCM`, `zip: DEF`), registered on the SHL server of the app's own origin signed
 * by the patient's root key, and the link — `<origin>/patient#shlink:/…`, with the key in
 * the payload, i.e. in the fragment that no server sees — is kept in the record's vault on
 * this device (sealed under the vault key; never the passcode). The owner reads a link's
 * access log with a signed request; every access not yet in the audit log is added to it
 * (`shl-access`), so the access history shows who opened what, when.
 *
 * Opening: a pasted or scanned `shlink:/…` (bare or behind a viewer URL) is decoded, its
 * expiry honoured, the manifest fetched with the passcode when flagged `P`, every file
 * decrypted (the key never leaves the page) and checked as FHIR before anything is shown or
 * imported. Every response is size-capped before it is read whole.
 */
import { fromBase64, PhrError } from '../lib/index.ts'
import { AuditAction, openVaultItem, sealVaultItem } from '../consent/index.ts'
import { newShlId, shlIdText, signShlHosting, signShlRequest, ShlAction, MAX_SHL_FILE_CHARS } from '../sync/index.ts'
import {
  createShlink,
  decodeShlink,
  decryptShlFile,
  encryptShlFile,
  isShlinkExpired,
  manifestRequest,
  parseManifest,
  randomShlKey,
  readBundle,
  patientName,
  MAX_SHL_LABEL_CHARS,
  type ShlinkPayload
} from '../fhir/index.ts'
import type { CompartmentKind, FhirResource } from '../record/index.ts'
import type { PersonKeys } from '../crypto/index.ts'
import type { RecordSession } from './record-session.ts'
import type { FhirBundle } from '../fhir/index.ts'

/** The link has expired (its `exp` is past): it was not fetched. */
export class ShlinkExpiredError extends PhrError {
  override name: string = 'ShlinkExpiredError'
}
/** The passcode is wrong or missing; `remainingAttempts` is what the server says is left. */
export class ShlPasscodeError extends PhrError {
  override name: string = 'ShlPasscodeError'
  readonly remainingAttempts: number | undefined
  constructor(message: string, remainingAttempts: number | undefined) {
    super(message)
    this.remainingAttempts = remainingAttempts
  }
}
/** The server no longer has the link: deleted, expired, or disabled after too many wrong passcodes. */
export class ShlLinkGoneError extends PhrError {
  override name: string = 'ShlLinkGoneError'
}
/** The link's server could not be reached, or answered with something unexpected. */
export class ShlServerError extends PhrError {
  override name: string = 'ShlServerError'
}
/** What the link holds is not FHIR this app reads (e.g. only SMART Health Cards). */
export class ShlContentError extends PhrError {
  override name: string = 'ShlContentError'
}
/** What the patient picked is too large for one hosted file. */
export class ShlContentTooLargeError extends PhrError {
  override name: string = 'ShlContentTooLargeError'
}

/** What to share in a new link. */
export interface ShlChoice {
  /** `ips`: the International Patient Summary; else the compartments, as one Bundle. */
  readonly what: 'ips' | readonly CompartmentKind[]
  /** Shown to whoever opens it (≤ 80 characters). */
  readonly label: string
  /** Days until it expires (1..365). */
  readonly days: number
  /** Empty or undefined: none. */
  readonly passcode?: string
}

/** A link this patient made, as kept on this device. */
export interface HostedLink {
  /** The link id (base64url), its path on the server. */
  readonly id: string
  readonly link: string
  readonly label: string
  /** `ips`, or the compartments, comma-separated. */
  readonly shared: string
  readonly created: number
  /** Expiry, epoch seconds. */
  readonly exp: number
  readonly passcode: boolean
  /** The manifest URL (the server's). */
  readonly url: string
}

/** One access to a hosted link, as its server logged it. */
export interface LinkAccess {
  readonly at: number
  readonly recipient: string
  /** `served` or `wrong passcode`. */
  readonly outcome: string
}

/** A link opened and decrypted, before anything is imported. */
export interface OpenedLink {
  readonly label?: string
  readonly exp?: number
  /** The FHIR JSON of each file (Bundles or single resources), checked readable. */
  readonly fhir: readonly unknown[]
  /** Resources by type over all files. */
  readonly byType: Readonly<Record<string, number>>
  /** The name on the first Patient resource, when there is one. */
  readonly patient?: string
  /** Files of kinds not read (SMART Health Cards). */
  readonly skipped: number
}

/** Wrong passcodes a link tolerates over its lifetime. */
export const SHL_PASSCODE_ATTEMPTS = 10
/** Longest passcode. */
export const MAX_SHL_PASSCODE = 64
/** Links kept on this device. */
export const MAX_HOSTED_LINKS = 32
/** Largest manifest read. */
export const MAX_MANIFEST_BYTES = 20 << 20
const VAULT_ITEM = 'shl-links'
const MAX_VAULT_ITEM = 256 * 1024
const DAY_S = 86_400
const TIMEOUT_MS = 20_000

async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0)
  if (declared > max) throw new ShlServerError(`the server's answer is over ${max} bytes`)
  const reader = res.body?.getReader()
  if (reader === undefined) return ''
  const decoder = new TextDecoder()
  let out = ''
  let size = 0
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel()
      throw new ShlServerError(`the server's answer is over ${max} bytes`)
    }
    out += decoder.decode(value, { stream: true })
  }
  return out + decoder.decode()
}

function decodeLinks(bytes: Uint8Array | undefined): HostedLink[] {
  if (bytes === undefined) return []
  const json: unknown = JSON.parse(new TextDecoder().decode(bytes))
  return Array.isArray(json) ? (json as HostedLink[]) : []
}

/** What the SHL service is given. */
export interface RecordShlComponents {
  readonly session: RecordSession
  readonly vaultKey: Uint8Array
  readonly person: () => Promise<PersonKeys>
  readonly fetch: typeof fetch
  readonly audit: (action: string, actor: string, details: Record<string, string | number>) => void
  /** The audit entries already recorded, to add each access only once. */
  readonly audited: () => ReadonlyArray<{ action: string; details: Readonly<Record<string, string | number>> }>
  /** Content of a link: the IPS or a Bundle of the chosen compartments. */
  readonly content: (what: ShlChoice['what']) => FhirBundle
  /** @default Date.now */
  readonly clock?: () => number
}

/** SMART Health Links of one open record. */
export interface RecordShl {
  /**
   * Makes a link and registers it on the SHL server at `origin`.
   * @throws {RangeError} for a label over 80 characters, days outside 1..365, a passcode over 64 characters
   * @throws {ShlContentTooLargeError | ShlServerError | NoPatientError}
   */
  create(choice: ShlChoice, origin: string): Promise<HostedLink>
  /** The links made on this device, newest first. */
  list(): Promise<HostedLink[]>
  /**
   * A link's access log, read with a signed owner request; new accesses go into the audit log.
   * @throws {ShlLinkGoneError | ShlServerError}
   */
  accesses(id: string): Promise<LinkAccess[]>
  /** Deletes a link on its server (gone there already is fine) and here. @throws {ShlServerError} */
  remove(id: string): Promise<void>
}

/**
 * Creates the sharing side (see the file comment).
 * @throws Never on creation.
 */
export function createRecordShl(components: RecordShlComponents): RecordShl {
  const { session, vaultKey } = components
  const clock = components.clock ?? Date.now
  const load = async (): Promise<HostedLink[]> => {
    const sealed = await session.store.getMeta(VAULT_ITEM)
    return decodeLinks(sealed === undefined ? undefined : openVaultItem(vaultKey, VAULT_ITEM, sealed))
  }
  const save = async (links: HostedLink[]): Promise<void> => {
    const bytes = new TextEncoder().encode(JSON.stringify(links))
    if (bytes.length > MAX_VAULT_ITEM) throw new RangeError('shl: too many links kept')
    await session.store.putMeta(VAULT_ITEM, sealVaultItem(vaultKey, VAULT_ITEM, bytes))
  }
  // one change of the list at a time
  let chain: Promise<unknown> = Promise.resolve()
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const next = chain.then(task, task)
    chain = next.catch(() => undefined)
    return next
  }

  const owner = async (link: HostedLink, action: ShlAction): Promise<Response> => {
    const person = await components.person()
    // the id is 32 bytes as unpadded base64url (43 characters)
    const idBytes = fromBase64(`${link.id.replace(/-/g, '+').replace(/_/g, '/')}=`)
    const body = signShlRequest(idBytes, action, clock(), person.signing.secretKey)
    try {
      return await components.fetch(`${link.url}/owner`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: body as Uint8Array<ArrayBuffer>, signal: AbortSignal.timeout(TIMEOUT_MS) })
    } catch (err) {
      throw new ShlServerError(`the link server could not be reached (${err instanceof Error ? err.name : String(err)})`, { cause: err })
    }
  }

  const find = async (id: string): Promise<HostedLink> => {
    const link = (await load()).find((l) => l.id === id)
    if (link === undefined) throw new ShlLinkGoneError('no such link on this device')
    return link
  }

  return {
    create: (choice, origin) =>
      serial(async () => {
        const label = choice.label.trim()
        if (label.length > MAX_SHL_LABEL_CHARS) throw new RangeError(`label: at most ${MAX_SHL_LABEL_CHARS} characters`)
        if (!Number.isInteger(choice.days) || choice.days < 1 || choice.days > 365) throw new RangeError('days: 1..365')
        const passcode = choice.passcode ?? ''
        if (passcode.length > MAX_SHL_PASSCODE) throw new RangeError(`passcode: at most ${MAX_SHL_PASSCODE} characters`)
        if (!/^https?:\/\/[^/#?]+$/.test(origin)) throw new TypeError(`origin: expected an http(s) origin, got ${origin}`)
        const links = await load()
        if (links.length >= MAX_HOSTED_LINKS) throw new RangeError(`at most ${MAX_HOSTED_LINKS} links; delete one first`)
        const content = components.content(choice.what)
        const key = randomShlKey()
        const jwe = await encryptShlFile(content, key, 'application/fhir+json')
        if (jwe.length > MAX_SHL_FILE_CHARS) throw new ShlContentTooLargeError(`the encrypted content is ${jwe.length} characters, over ${MAX_SHL_FILE_CHARS}`)
        const id = newShlId()
        const now = clock()
        const exp = Math.floor(now / 1000) + choice.days * DAY_S
        const person = await components.person()
        const registration = signShlHosting(
          { id, issuedAt: now, exp, ...(passcode === '' ? {} : { passcode }), attempts: SHL_PASSCODE_ATTEMPTS, files: [{ contentType: 'application/fhir+json;fhirVersion=4.0.1', jwe }] },
          person.signing.secretKey
        )
        let res: Response
        try {
          res = await components.fetch(`${origin}/shl/links`, {
            method: 'POST',
            headers: { 'content-type': 'application/octet-stream' },
            body: registration as Uint8Array<ArrayBuffer>,
            signal: AbortSignal.timeout(TIMEOUT_MS)
          })
        } catch (err) {
          throw new ShlServerError(`the link server could not be reached (${err instanceof Error ? err.name : String(err)})`, { cause: err })
        }
        if (res.status !== 201) throw new ShlServerError(`the link server refused the link (${res.status})`)
        const answer = JSON.parse(await readCapped(res, 4096)) as { url?: unknown }
        const idText = shlIdText(id)
        const expected = `${origin}/shl/${idText}`
        // the server names the manifest URL; it must be the one for this id on this server
        if (answer.url !== expected) throw new ShlServerError('the link server answered with another URL')
        const payload: ShlinkPayload = { url: expected, key, exp, ...(passcode === '' ? {} : { flag: 'P' }), ...(label === '' ? {} : { label }), v: 1 }
        const link = createShlink(payload, `${origin}/patient#`)
        const shared = choice.what === 'ips' ? 'ips' : choice.what.join(',')
        const hosted: HostedLink = { id: idText, link, label, shared, created: now, exp, passcode: passcode !== '', url: expected }
        await save([hosted, ...links])
        components.audit(AuditAction.export, 'self', { what: 'shl', link: idText, shared, until: exp })
        return hosted
      }),
    list: () => serial(load),
    async accesses(id) {
      const link = await find(id)
      const res = await owner(link, ShlAction.readLog)
      if (res.status === 404) throw new ShlLinkGoneError('the server no longer has this link')
      if (res.status !== 200) throw new ShlServerError(`the link server refused to show the log (${res.status})`)
      const json = JSON.parse(await readCapped(res, 1 << 20)) as { entries?: unknown }
      const raw: unknown[] = Array.isArray(json.entries) ? (json.entries as unknown[]) : []
      const entries: LinkAccess[] = raw
        .filter((e): e is LinkAccess => {
          const x = e as Partial<Record<keyof LinkAccess, unknown>> | null
          return typeof x === 'object' && x !== null && typeof x.at === 'number' && typeof x.recipient === 'string' && typeof x.outcome === 'string'
        })
        .map((e) => ({ at: e.at, recipient: e.recipient.slice(0, 256), outcome: e.outcome.slice(0, 64) }))
      const seen = new Set(
        components
          .audited()
          .filter((a) => a.action === 'shl-access' && a.details['link'] === id)
          .map((a) => `${a.details['accessedAt']}\n${a.details['recipient']}\n${a.details['outcome']}`)
      )
      for (const e of entries) {
        if (seen.has(`${e.at}\n${e.recipient}\n${e.outcome}`)) continue
        components.audit('shl-access', 'self', { link: id, label: link.label, accessedAt: e.at, recipient: e.recipient, outcome: e.outcome })
      }
      return entries
    },
    remove: (id) =>
      serial(async () => {
        const links = await load()
        const link = links.find((l) => l.id === id)
        if (link === undefined) return
        const res = await owner(link, ShlAction.delete)
        if (res.status !== 204 && res.status !== 404) throw new ShlServerError(`the link server refused to delete the link (${res.status})`)
        await save(links.filter((l) => l.id !== id))
        components.audit('shl-delete', 'self', { link: id, label: link.label })
      })
  }
}

/** What opening a link is given. */
export interface OpenShlInit {
  readonly fetch: typeof fetch
  /** Who is asking, shown to the person who shared (spec: required). */
  readonly recipient: string
  readonly passcode?: string
  /** @default Date.now */
  readonly clock?: () => number
  readonly signal?: AbortSignal
}

/**
 * The payload of a link, checked (for the screen to ask for a passcode when flagged `P`).
 * @throws {ShlinkFormatError} for text that is not a SMART Health Link
 * @throws {ShlinkExpiredError} when its `exp` is past
 */
export function readShlink(text: string, now: number = Date.now()): ShlinkPayload {
  const payload = decodeShlink(text)
  if (isShlinkExpired(payload, now)) throw new ShlinkExpiredError(`the link expired on ${new Date((payload.exp ?? 0) * 1000).toISOString()}`)
  return payload
}

/**
 * Fetches a link's manifest and files and decrypts them (see the file comment).
 * @throws {ShlinkFormatError | ShlinkExpiredError | ShlPasscodeError | ShlLinkGoneError | ShlServerError | ShlManifestFormatError | ShlDecryptError | ShlTooLargeError | ShlContentError}
 */
export async function openShlink(text: string, init: OpenShlInit): Promise<OpenedLink> {
  const payload = readShlink(text, (init.clock ?? Date.now)())
  const flag = payload.flag ?? ''
  if (flag.includes('P') && (init.passcode ?? '') === '') throw new ShlPasscodeError('this link needs its passcode', undefined)
  const signal = init.signal ?? AbortSignal.timeout(TIMEOUT_MS)
  const call = async (url: string, req: RequestInit): Promise<Response> => {
    try {
      return await init.fetch(url, { ...req, signal })
    } catch (err) {
      throw new ShlServerError(`the link's server could not be reached (${err instanceof Error ? err.name : String(err)})`, { cause: err })
    }
  }
  let jwes: Array<{ contentType: string; jwe: string }>
  if (flag.includes('U')) {
    // spec: flag U — the url is the encrypted file itself, fetched with GET and ?recipient=
    const res = await call(`${payload.url}${payload.url.includes('?') ? '&' : '?'}recipient=${encodeURIComponent(init.recipient)}`, { method: 'GET' })
    if (res.status === 404) throw new ShlLinkGoneError('the server no longer has this link')
    if (!res.ok) throw new ShlServerError(`the link's server answered ${res.status}`)
    jwes = [{ contentType: 'application/fhir+json', jwe: await readCapped(res, MAX_MANIFEST_BYTES) }]
  } else {
    const req = manifestRequest(payload, { recipient: init.recipient, ...(flag.includes('P') ? { passcode: init.passcode ?? '' } : {}) })
    const res = await call(req.url, { method: req.method, headers: req.headers, body: req.body })
    if (res.status === 401) {
      const body = JSON.parse(await readCapped(res, 4096).catch(() => '{}')) as { remainingAttempts?: unknown }
      const left = typeof body.remainingAttempts === 'number' ? body.remainingAttempts : undefined
      throw new ShlPasscodeError('wrong passcode', left)
    }
    if (res.status === 404) throw new ShlLinkGoneError('the server no longer has this link (deleted, expired, or disabled after too many wrong passcodes)')
    if (!res.ok) throw new ShlServerError(`the link's server answered ${res.status}`)
    let json: unknown
    try {
      json = JSON.parse(await readCapped(res, MAX_MANIFEST_BYTES))
    } catch (err) {
      if (err instanceof ShlServerError) throw err
      throw new ShlServerError("the link's server answered with something that is not JSON", { cause: err })
    }
    const manifest = parseManifest(json)
    jwes = []
    for (const f of manifest.files) {
      if (f.embedded !== undefined) jwes.push({ contentType: f.contentType, jwe: f.embedded })
      else if (f.location !== undefined) {
        const r = await call(f.location, { method: 'GET' })
        if (!r.ok) throw new ShlServerError(`a file of the link could not be fetched (${r.status})`)
        jwes.push({ contentType: f.contentType, jwe: await readCapped(r, MAX_MANIFEST_BYTES) })
      }
    }
  }
  const fhir: unknown[] = []
  const byType: Record<string, number> = {}
  let patient: string | undefined
  let skipped = 0
  for (const f of jwes) {
    if (!f.contentType.startsWith('application/fhir+json')) {
      // SMART Health Cards (signed VCs) and API access are not read here
      skipped++
      continue
    }
    const json = await decryptShlFile(f.jwe, payload.key)
    const rt = typeof json === 'object' && json !== null ? (json as { resourceType?: unknown }).resourceType : undefined
    if (typeof rt !== 'string') throw new ShlContentError('a file of the link is not FHIR')
    let resources: Array<{ resourceType: string; [k: string]: unknown }>
    try {
      resources = rt === 'Bundle' ? readBundle(json).resources : [json as { resourceType: string }]
    } catch (err) {
      throw new ShlContentError(`a file of the link is not a Bundle this app reads (${err instanceof Error ? err.message : String(err)})`, { cause: err })
    }
    for (const r of resources) {
      byType[r.resourceType] = (byType[r.resourceType] ?? 0) + 1
      if (patient === undefined && r.resourceType === 'Patient') patient = patientName(r as FhirResource)
    }
    fhir.push(json)
  }
  if (fhir.length === 0) throw new ShlContentError('the link holds no FHIR this app reads')
  return {
    ...(payload.label === undefined ? {} : { label: payload.label }),
    ...(payload.exp === undefined ? {} : { exp: payload.exp }),
    fhir,
    byType,
    ...(patient === undefined ? {} : { patient }),
    skipped
  }
}
