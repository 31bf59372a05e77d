/**
 * The mailbox's SQLite store (Node 24's `node:sqlite`): registrations, their parties,
 * sealed envelopes and per-owner usage. It holds what DESIGN §7 says a mailbox sees —
 * doc ids, authors, sequence numbers, sizes, and ciphertext — and no key.
 *
 * Every write is one transaction: a deposit is stored whole or not at all (a quota
 * refusal rolls the whole batch back). WAL journal with `synchronous = FULL`: a deposit
 * acknowledged to a peer survives a crash of the process and of the machine.
 *
 * Storage is charged to the doc's owner (the person who registered it): the owner
 * decides who may deposit, so the owner's quota bounds what they let others store.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { equalBytes, toHex } from '../../lib/index.ts'
import type { EnvelopeHeader } from '../../envelope/index.ts'
import { sqliteTransaction } from '../../storage/sqlite.ts'
import {
  MailboxQuotaExceededError,
  MailboxRegistrationRefusedError,
  MailboxServerError,
  MailboxStaleRegistrationError,
  PartyKind,
  type MailboxVector,
  type Registration
} from '../../sync/mailbox/index.ts'

/** Per-owner and total storage limits. */
export interface MailboxQuotas {
  /** Envelope bytes stored for one owner's docs. @default 268435456 (256 MiB) */
  maxBytesPerOwner: number
  /** Envelopes stored for one owner's docs. @default 100000 */
  maxEnvelopesPerOwner: number
  /** Docs one owner may register. @default 256 */
  maxDocsPerOwner: number
  /** Envelope bytes stored for everyone together. @default 4294967296 (4 GiB) */
  maxTotalBytes: number
}

/** Default quotas (see `MailboxQuotas`). */
export const DEFAULT_MAILBOX_QUOTAS: MailboxQuotas = {
  maxBytesPerOwner: 256 * 1024 * 1024,
  maxEnvelopesPerOwner: 100_000,
  maxDocsPerOwner: 256,
  maxTotalBytes: 4 * 1024 * 1024 * 1024
}

/** Options of the store. */
export interface MailboxStoreInit {
  /** Database file; `:memory:` for a private in-memory database. */
  path: string
  quotas?: Partial<MailboxQuotas>
  /** Clock, ms since the Unix epoch. @default Date.now */
  now?: () => number
}

/** The registration held for a doc. */
export interface StoredRegistration {
  readonly ownerKey: Uint8Array
  readonly version: number
  readonly bytes: Uint8Array
}

/** An envelope about to be stored, with its parsed (and verified) header. */
export interface DepositEntry {
  readonly header: EnvelopeHeader
  readonly bytes: Uint8Array
}

/** One page of a fetch. */
export interface FetchPage {
  readonly envelopes: Uint8Array[]
  /** Row id after which the next page starts. */
  readonly cursor: number
  readonly more: boolean
}

/** What an owner uses. */
export interface OwnerUsage {
  readonly bytes: number
  readonly envelopes: number
  readonly docs: number
}

/** The mailbox store. Synchronous: each call is one SQLite transaction on the caller's thread. */
export interface MailboxStore {
  /** The registration held for `docId`, if any. */
  registration(docId: Uint8Array): StoredRegistration | undefined
  /** The right bits a party holds on `docId` (0 when not listed). */
  rights(docId: Uint8Array, kind: number, key: Uint8Array): number
  /**
   * Stores a verified registration: the first for a doc makes its signer the owner; a
   * later one must be signed by the same owner with a higher version.
   * @throws {MailboxRegistrationRefusedError} if another owner holds the doc.
   * @throws {MailboxStaleRegistrationError} if the version is not newer (same bytes again is accepted).
   * @throws {MailboxQuotaExceededError} if the owner already has `maxDocsPerOwner` docs.
   */
  register(registration: Registration, bytes: Uint8Array): { version: number }
  /**
   * Stores verified envelopes of one doc in one transaction, skipping duplicates and
   * envelopes covered by a held snapshot; a snapshot deletes what it covers.
   * @throws {MailboxQuotaExceededError} if the owner's or the total quota would be exceeded (nothing stored).
   */
  deposit(docId: Uint8Array, ownerKey: Uint8Array, entries: readonly DepositEntry[]): { stored: number; skipped: number }
  /** Envelopes of `docId` after row `cursor` that `vector` does not cover, in deposit order. */
  fetch(docId: Uint8Array, vector: MailboxVector, cursor: number, maxEnvelopes: number, maxBytes: number): FetchPage
  /** Deletes envelopes received before `cutoff` (ms). @returns how many */
  expireBefore(cutoff: number): number
  /** What an owner uses. */
  usage(ownerKey: Uint8Array): OwnerUsage
  /** Envelope bytes and count held for everyone. */
  totals(): { bytes: number; envelopes: number }
  close(): void
}

const SCHEMA_VERSION = 1

const SCHEMA = `
CREATE TABLE IF NOT EXISTS registrations (
  doc BLOB PRIMARY KEY, owner BLOB NOT NULL, version INTEGER NOT NULL,
  bytes BLOB NOT NULL, updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS registrations_owner ON registrations (owner);
CREATE TABLE IF NOT EXISTS parties (
  doc BLOB NOT NULL, kind INTEGER NOT NULL, key BLOB NOT NULL, rights INTEGER NOT NULL,
  PRIMARY KEY (doc, kind, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS envelopes (
  id INTEGER PRIMARY KEY, doc BLOB NOT NULL, author BLOB NOT NULL, seq INTEGER NOT NULL,
  kind INTEGER NOT NULL, covers TEXT, size INTEGER NOT NULL, received_at INTEGER NOT NULL,
  bytes BLOB NOT NULL, UNIQUE (doc, author, seq)
);
CREATE INDEX IF NOT EXISTS envelopes_doc ON envelopes (doc, id);
CREATE INDEX IF NOT EXISTS envelopes_age ON envelopes (received_at);
CREATE TABLE IF NOT EXISTS usage (
  owner BLOB PRIMARY KEY, bytes INTEGER NOT NULL, envelopes INTEGER NOT NULL
) WITHOUT ROWID;
`

const KIND_UPDATE = 0
const KIND_SNAPSHOT = 1

type Vector = ReadonlyMap<string, number>

function covered(v: Vector | undefined, author: string, seq: number): boolean {
  return v !== undefined && seq <= (v.get(author) ?? 0)
}

function dominates(a: Vector, b: Vector): boolean {
  for (const [author, seq] of b) if ((a.get(author) ?? 0) < seq) return false
  return true
}

function coversJson(covers: Vector): string {
  return JSON.stringify([...covers])
}

function coversFromJson(text: string | null): Map<string, number> {
  return new Map(text === null ? [] : (JSON.parse(text) as Array<[string, number]>))
}

interface Row {
  id: number
  author: Uint8Array
  seq: number
  kind: number
  covers: string | null
  size: number
}

/**
 * Opens (creating if needed) the mailbox database.
 * @throws {MailboxServerError} if the file cannot be opened or has a newer schema.
 */
export function createMailboxStore(init: MailboxStoreInit): MailboxStore {
  const quotas: MailboxQuotas = { ...DEFAULT_MAILBOX_QUOTAS, ...init.quotas }
  const now = init.now ?? Date.now
  let db: DatabaseSync
  try {
    db = new DatabaseSync(init.path)
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;')
    const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version
    if (version > SCHEMA_VERSION) throw new MailboxServerError(`mailbox database schema ${version} is newer than this relay (${SCHEMA_VERSION})`)
    db.exec(SCHEMA)
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`)
  } catch (err) {
    if (err instanceof MailboxServerError) throw err
    throw new MailboxServerError(`could not open the mailbox database at ${init.path}: ${(err as Error).message}`, { cause: err })
  }

  const q = {
    registration: db.prepare('SELECT owner, version, bytes FROM registrations WHERE doc = ?'),
    putRegistration: db.prepare('INSERT OR REPLACE INTO registrations (doc, owner, version, bytes, updated_at) VALUES (?, ?, ?, ?, ?)'),
    ownerDocs: db.prepare('SELECT count(*) AS n FROM registrations WHERE owner = ?'),
    rights: db.prepare('SELECT rights FROM parties WHERE doc = ? AND kind = ? AND key = ?'),
    clearParties: db.prepare('DELETE FROM parties WHERE doc = ?'),
    putParty: db.prepare('INSERT INTO parties (doc, kind, key, rights) VALUES (?, ?, ?, ?)'),
    insert: db.prepare('INSERT OR IGNORE INTO envelopes (doc, author, seq, kind, covers, size, received_at, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    snapshots: db.prepare('SELECT id, author, seq, kind, covers, size FROM envelopes WHERE doc = ? AND kind = 1'),
    rows: db.prepare('SELECT id, author, seq, kind, covers, size FROM envelopes WHERE doc = ?'),
    page: db.prepare('SELECT id, author, seq, kind, covers, size FROM envelopes WHERE doc = ? AND id > ? ORDER BY id'),
    bytes: db.prepare('SELECT bytes FROM envelopes WHERE id = ?'),
    remove: db.prepare('DELETE FROM envelopes WHERE id = ?'),
    addUsage: db.prepare(
      'INSERT INTO usage (owner, bytes, envelopes) VALUES (?, ?, ?) ON CONFLICT (owner) DO UPDATE SET bytes = bytes + excluded.bytes, envelopes = envelopes + excluded.envelopes'
    ),
    usage: db.prepare('SELECT bytes, envelopes FROM usage WHERE owner = ?'),
    expiredByOwner: db.prepare(
      'SELECT r.owner AS owner, sum(e.size) AS bytes, count(*) AS n FROM envelopes e JOIN registrations r ON r.doc = e.doc WHERE e.received_at < ? GROUP BY r.owner'
    ),
    expire: db.prepare('DELETE FROM envelopes WHERE received_at < ?'),
    totals: db.prepare('SELECT coalesce(sum(bytes), 0) AS bytes, coalesce(sum(envelopes), 0) AS envelopes FROM usage')
  } satisfies Record<string, StatementSync>

  // the total is read once and then kept in step with each committed transaction
  let total = q.totals.get() as { bytes: number; envelopes: number }

  const tx = <T>(fn: () => T): T => sqliteTransaction(db, fn)

  const registration = (docId: Uint8Array): StoredRegistration | undefined => {
    const row = q.registration.get(docId) as { owner: Uint8Array; version: number; bytes: Uint8Array } | undefined
    return row === undefined ? undefined : { ownerKey: row.owner, version: row.version, bytes: row.bytes }
  }

  return {
    registration,
    rights(docId, kind, key) {
      return (q.rights.get(docId, kind, key) as { rights: number } | undefined)?.rights ?? 0
    },
    register(reg, bytes) {
      return tx(() => {
        const held = registration(reg.docId)
        if (held !== undefined) {
          if (!equalBytes(held.ownerKey, reg.ownerKey)) {
            throw new MailboxRegistrationRefusedError('registration: the doc is registered by another owner')
          }
          if (reg.version < held.version || (reg.version === held.version && !equalBytes(bytes, held.bytes))) {
            throw new MailboxStaleRegistrationError(`registration: version ${reg.version} is not newer than the held version ${held.version}`)
          }
          if (reg.version === held.version) return { version: held.version }
        } else {
          const docs = (q.ownerDocs.get(reg.ownerKey) as { n: number }).n
          if (docs >= quotas.maxDocsPerOwner) throw new MailboxQuotaExceededError(`registration: the owner already has ${docs} docs here (limit ${quotas.maxDocsPerOwner})`)
        }
        q.putRegistration.run(reg.docId, reg.ownerKey, reg.version, bytes, now())
        q.clearParties.run(reg.docId)
        for (const p of reg.parties) q.putParty.run(reg.docId, p.kind === 'person' ? PartyKind.person : PartyKind.device, p.key, p.rights)
        return { version: reg.version }
      })
    },
    deposit(docId, ownerKey, entries) {
      const at = now()
      const result = tx(() => {
        const snapshots = (q.snapshots.all(docId) as unknown as Row[]).map((r) => ({ id: r.id, covers: coversFromJson(r.covers) }))
        let stored = 0
        let skipped = 0
        let bytes = 0
        let count = 0
        for (const { header, bytes: envelope } of entries) {
          const author = toHex(header.author)
          if (snapshots.some((s) => covered(s.covers, author, header.seq))) {
            skipped++
            continue
          }
          const isSnapshot = header.kind === 'snapshot'
          const covers = isSnapshot ? (header.covers ?? new Map<string, number>()) : undefined
          const res = q.insert.run(docId, header.author, header.seq, isSnapshot ? KIND_SNAPSHOT : KIND_UPDATE, covers === undefined ? null : coversJson(covers), envelope.length, at, envelope)
          if (res.changes === 0) {
            skipped++
            continue
          }
          stored++
          bytes += envelope.length
          count++
          if (covers === undefined) continue
          // DESIGN §5: peers may drop what a stored snapshot covers — but never an older
          // snapshot that covers something this one does not (that would lose updates)
          const id = Number(res.lastInsertRowid)
          const doomed = (q.rows.all(docId) as unknown as Row[]).filter(
            (row) =>
              row.id !== id &&
              covered(covers, toHex(row.author), row.seq) &&
              (row.kind !== KIND_SNAPSHOT || dominates(covers, coversFromJson(row.covers)))
          )
          for (const row of doomed) {
            q.remove.run(row.id)
            bytes -= row.size
            count--
          }
          snapshots.splice(0, snapshots.length, ...snapshots.filter((s) => !doomed.some((d) => d.id === s.id)), { id, covers })
        }
        if (bytes !== 0 || count !== 0) q.addUsage.run(ownerKey, bytes, count)
        const used = q.usage.get(ownerKey) as { bytes: number; envelopes: number } | undefined
        if (used !== undefined && (bytes > 0 || count > 0)) {
          if (used.bytes > quotas.maxBytesPerOwner) throw new MailboxQuotaExceededError(`deposit: the owner's quota of ${quotas.maxBytesPerOwner} bytes would be exceeded (${used.bytes})`)
          if (used.envelopes > quotas.maxEnvelopesPerOwner) throw new MailboxQuotaExceededError(`deposit: the owner's quota of ${quotas.maxEnvelopesPerOwner} envelopes would be exceeded (${used.envelopes})`)
          if (total.bytes + bytes > quotas.maxTotalBytes) throw new MailboxQuotaExceededError('deposit: the mailbox is full')
        }
        return { stored, skipped, bytes, count }
      })
      // in-memory state only after the commit (STYLE: durable write first)
      total = { bytes: total.bytes + result.bytes, envelopes: total.envelopes + result.count }
      return { stored: result.stored, skipped: result.skipped }
    },
    fetch(docId, vector, cursor, maxEnvelopes, maxBytes) {
      const picked: number[] = []
      let bytes = 0
      let last = cursor
      let more = false
      for (const row of q.page.iterate(docId, cursor) as Iterable<Row>) {
        const author = toHex(row.author)
        const skip = covered(vector, author, row.seq) || (row.kind === KIND_SNAPSHOT && dominates(vector, coversFromJson(row.covers)))
        if (!skip) {
          // always at least one envelope per page, so a page can never be empty while more wait
          if (picked.length >= maxEnvelopes || (picked.length > 0 && bytes + row.size > maxBytes)) {
            more = true
            break
          }
          picked.push(row.id)
          bytes += row.size
        }
        last = row.id
      }
      const envelopes = picked.map((id) => (q.bytes.get(id) as { bytes: Uint8Array }).bytes)
      return { envelopes, cursor: last, more }
    },
    expireBefore(cutoff) {
      const removed = tx(() => {
        let n = 0
        let bytes = 0
        for (const row of q.expiredByOwner.all(cutoff) as Array<{ owner: Uint8Array; bytes: number; n: number }>) {
          q.addUsage.run(row.owner, -row.bytes, -row.n)
          n += row.n
          bytes += row.bytes
        }
        q.expire.run(cutoff)
        return { n, bytes }
      })
      total = { bytes: total.bytes - removed.bytes, envelopes: total.envelopes - removed.n }
      return removed.n
    },
    usage(ownerKey) {
      const used = q.usage.get(ownerKey) as { bytes: number; envelopes: number } | undefined
      return { bytes: used?.bytes ?? 0, envelopes: used?.envelopes ?? 0, docs: (q.ownerDocs.get(ownerKey) as { n: number }).n }
    },
    totals: () => ({ ...total }),
    close() {
      if (db.isOpen) db.close()
    }
  }
}
