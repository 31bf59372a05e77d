/**
 * The relay's SMART Health Links server (HTTP): it hosts links that patients' devices
 * register (signed by the patient), holding only the encrypted files — the key stays in
 * the link's fragment and never reaches it.
 *
 * ```
 * POST /shl/links                  body: a signed registration (application/octet-stream)
 *                                  → 201 {"url": "<base>/shl/<id>"}
 * POST /shl/<id>                   {"recipient": "…", "passcode"?: "…", "embeddedLengthMax"?: n}
 *                                  → 200 {"files": [{"contentType", "embedded" | "location"}]}
 *                                  → 401 {"remainingAttempts": n} for a wrong or missing passcode
 *                                  → 404 unknown, expired, or disabled after too many wrong passcodes
 * GET  /shl/<id>/file/<n>?t=<ticket>  → the JWE (a location is single-use and short-lived)
 * POST /shl/<id>/owner             body: a signed owner request → 200 access log | 204 deleted
 * ```
 * Each manifest request is logged (time, recipient, outcome) for the owner, who reads the
 * log with a signed request and records it in their audit log. Wrong passcodes count over
 * the link's lifetime; at the limit the link is disabled. Every body is size-capped.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { DatabaseSync } from 'node:sqlite'
import { toHex } from '../lib/index.ts'
import { randomBytes, sha256 } from '../crypto/index.ts'
import { sqliteTransaction } from '../storage/sqlite.ts'
import { MAX_SHL_REGISTRATION_BYTES, ShlAction, shlIdText, verifyShlHosting, verifyShlRequest } from '../sync/index.ts'

/** Options of the SHL server. */
export interface ShlServerInit {
  /** SQLite file, or `:memory:`. */
  path: string
  /** The public base URL links are served under (e.g. `http://127.0.0.1:8080`). */
  baseUrl: string
  /** @default Date.now */
  clock?: () => number
  /** Links one owner may host at once. @default 32 */
  maxLinksPerOwner?: number
  /** How long a file location stays valid. @default 60 s */
  ticketTtlMs?: number
  /** How far an owner request's time may be from the server's. @default 5 minutes */
  requestSkewMs?: number
}

/** The server: an HTTP handler for paths under `/shl/`. */
export interface ShlServer {
  /** Handles the request if its path is under `/shl/`; returns false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean
  close(): void
}

const MAX_JSON_BODY = 4096
const ID_TEXT = /^[A-Za-z0-9_-]{43}$/

class HttpError extends Error {
  readonly status: number
  readonly body: Record<string, unknown>
  constructor(status: number, body: Record<string, unknown>) {
    super(typeof body['error'] === 'string' ? body['error'] : String(status))
    this.status = status
    this.body = body
  }
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0)
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      // over the cap: keep nothing, but read on (up to a bound) so the client hears the 413
      if (size > max) {
        chunks.length = 0
        if (size > 4 * max) req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => (size > max || declared > max ? reject(new HttpError(413, { error: `the body exceeds ${max} bytes` })) : resolve(Buffer.concat(chunks))))
    req.on('error', reject)
  })
}

function send(res: ServerResponse, status: number, body?: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'access-control-allow-origin': '*' })
  res.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body))
}

function passcodeHash(salt: Uint8Array, passcode: string): Uint8Array {
  return sha256(new Uint8Array([...salt, ...new TextEncoder().encode(passcode)]))
}

/**
 * Opens the SHL server's database and returns its HTTP handler.
 * @throws the SQLite error when the file cannot be opened
 */
export function createShlServer(init: ShlServerInit): ShlServer {
  const clock = init.clock ?? Date.now
  const maxLinks = init.maxLinksPerOwner ?? 32
  const ticketTtl = init.ticketTtlMs ?? 60_000
  const skew = init.requestSkewMs ?? 5 * 60_000
  const db = new DatabaseSync(init.path)
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
    CREATE TABLE IF NOT EXISTS links (id TEXT PRIMARY KEY, owner BLOB NOT NULL, exp INTEGER, salt BLOB, hash BLOB, attempts_left INTEGER NOT NULL, created INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS files (link TEXT NOT NULL, n INTEGER NOT NULL, content_type TEXT NOT NULL, jwe TEXT NOT NULL, PRIMARY KEY (link, n));
    CREATE TABLE IF NOT EXISTS access (link TEXT NOT NULL, at INTEGER NOT NULL, recipient TEXT NOT NULL, outcome TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS access_link ON access (link, at);`)
  const tickets = new Map<string, { link: string; n: number; expires: number }>()

  const linkRow = (id: string): { owner: Uint8Array; exp: number | null; salt: Uint8Array | null; hash: Uint8Array | null; attempts_left: number } | undefined =>
    db.prepare('SELECT owner, exp, salt, hash, attempts_left FROM links WHERE id = ?').get(id) as never

  const live = (id: string): NonNullable<ReturnType<typeof linkRow>> => {
    const row = linkRow(id)
    if (row === undefined || (row.exp !== null && row.exp * 1000 <= clock()) || row.attempts_left <= 0) throw new HttpError(404, { error: 'no such link, or it has expired or been disabled' })
    return row
  }

  async function register(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_SHL_REGISTRATION_BYTES)
    let reg
    try {
      reg = verifyShlHosting(new Uint8Array(body))
    } catch (err) {
      throw new HttpError(400, { error: `${(err as Error).name}: ${(err as Error).message}` })
    }
    const id = shlIdText(reg.id)
    const salt = randomBytes(16)
    sqliteTransaction(db, () => {
      const existing = linkRow(id)
      if (existing !== undefined) throw new HttpError(409, { error: 'this link id is taken' })
      const count = (db.prepare('SELECT COUNT(*) AS n FROM links WHERE owner = ?').get(reg.owner) as { n: number }).n
      if (count >= maxLinks) throw new HttpError(429, { error: `an owner may host ${maxLinks} links at once` })
      db.prepare('INSERT INTO links (id, owner, exp, salt, hash, attempts_left, created) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        id,
        reg.owner,
        reg.exp ?? null,
        reg.passcode === undefined ? null : salt,
        reg.passcode === undefined ? null : passcodeHash(salt, reg.passcode),
        reg.attempts,
        clock()
      )
      const file = db.prepare('INSERT INTO files (link, n, content_type, jwe) VALUES (?, ?, ?, ?)')
      reg.files.forEach((f, n) => file.run(id, n, f.contentType, f.jwe))
    })
    send(res, 201, { url: `${init.baseUrl}/shl/${id}` })
  }

  async function manifest(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_JSON_BODY)
    let q: { recipient?: unknown; passcode?: unknown; embeddedLengthMax?: unknown }
    try {
      q = JSON.parse(body.toString('utf8')) as typeof q
    } catch {
      throw new HttpError(400, { error: 'the body is not JSON' })
    }
    const row = live(id)
    if (typeof q.recipient !== 'string' || q.recipient.length === 0 || q.recipient.length > 256) throw new HttpError(400, { error: 'recipient is required (1..256 characters)' })
    const recipient = q.recipient
    const log = (outcome: string): void => void db.prepare('INSERT INTO access (link, at, recipient, outcome) VALUES (?, ?, ?, ?)').run(id, clock(), recipient, outcome)
    if (row.hash !== null && row.salt !== null) {
      const ok = typeof q.passcode === 'string' && toHex(passcodeHash(row.salt, q.passcode)) === toHex(row.hash)
      if (!ok) {
        const left = row.attempts_left - 1
        db.prepare('UPDATE links SET attempts_left = ? WHERE id = ?').run(left, id)
        log('wrong passcode')
        throw new HttpError(401, { remainingAttempts: Math.max(0, left) })
      }
    }
    const max = typeof q.embeddedLengthMax === 'number' && q.embeddedLengthMax >= 0 ? q.embeddedLengthMax : Infinity
    const rows = db.prepare('SELECT n, content_type, jwe FROM files WHERE link = ? ORDER BY n').all(id) as Array<{ n: number; content_type: string; jwe: string }>
    const now = clock()
    for (const [t, v] of tickets) if (v.expires <= now) tickets.delete(t)
    const files = rows.map((f) => {
      if (f.jwe.length <= max) return { contentType: f.content_type, embedded: f.jwe }
      const ticket = shlIdText(randomBytes(32))
      tickets.set(ticket, { link: id, n: f.n, expires: now + ticketTtl })
      return { contentType: f.content_type, location: `${init.baseUrl}/shl/${id}/file/${f.n}?t=${ticket}` }
    })
    log('served')
    send(res, 200, { files })
  }

  function file(id: string, n: number, url: URL, res: ServerResponse): void {
    const t = url.searchParams.get('t') ?? ''
    const ticket = tickets.get(t)
    tickets.delete(t) // single use
    if (ticket === undefined || ticket.link !== id || ticket.n !== n || ticket.expires <= clock()) throw new HttpError(404, { error: 'no such file location, or it was used or has expired' })
    live(id)
    const row = db.prepare('SELECT jwe FROM files WHERE link = ? AND n = ?').get(id, n) as { jwe: string } | undefined
    if (row === undefined) throw new HttpError(404, { error: 'no such file' })
    send(res, 200, row.jwe, 'application/jose')
  }

  async function owner(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, 256)
    const row = linkRow(id)
    if (row === undefined) throw new HttpError(404, { error: 'no such link' })
    let r
    try {
      r = verifyShlRequest(new Uint8Array(body), row.owner)
    } catch (err) {
      throw new HttpError(403, { error: `${(err as Error).name}: ${(err as Error).message}` })
    }
    if (shlIdText(r.id) !== id) throw new HttpError(403, { error: 'the request names another link' })
    if (Math.abs(r.at - clock()) > skew) throw new HttpError(403, { error: 'the request is too old or from the future' })
    if (r.action === ShlAction.delete) {
      sqliteTransaction(db, () => {
        for (const t of ['files WHERE link', 'access WHERE link', 'links WHERE id']) db.prepare(`DELETE FROM ${t} = ?`).run(id)
      })
      send(res, 204)
      return
    }
    const entries = db.prepare('SELECT at, recipient, outcome FROM access WHERE link = ? ORDER BY at').all(id)
    send(res, 200, { entries })
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const parts = url.pathname.split('/').filter((p) => p !== '')
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'content-type' })
      res.end()
      return
    }
    if (parts.length === 2 && parts[1] === 'links' && req.method === 'POST') return register(req, res)
    const id = parts[1] ?? ''
    if (!ID_TEXT.test(id)) throw new HttpError(404, { error: 'no such link' })
    if (parts.length === 2 && req.method === 'POST') return manifest(id, req, res)
    if (parts.length === 4 && parts[2] === 'file' && req.method === 'GET' && /^\d{1,2}$/.test(parts[3] ?? '')) return file(id, Number(parts[3]), url, res)
    if (parts.length === 3 && parts[2] === 'owner' && req.method === 'POST') return owner(id, req, res)
    throw new HttpError(404, { error: 'not found' })
  }

  return {
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://relay')
      if (!url.pathname.startsWith('/shl/')) return false
      route(req, res, url).catch((err: unknown) => {
        if (res.headersSent) return
        if (err instanceof HttpError) send(res, err.status, err.body)
        else send(res, 500, { error: 'the server failed' })
      })
      return true
    },
    close: () => db.close()
  }
}
