/**
 * The audit log kept in the record's `audit` compartment: each signed entry is stored as
 * a FHIR R4 AuditEvent (so the compartment exports as it is), with the entry's exact
 * signed bytes in an extension and the id `<author hex 16>-<seq>` — one place per entry
 * of each device's chain. Reading checks every signature and every chain link
 * (`verifyAuditLog`); an entry found under another place than its own is "reordered".
 */
import { toHex } from '../lib/index.ts'
import type { Compartment } from '../record/index.ts'
import { appendAuditEntry, EMPTY_AUDIT_HEAD, verifyAuditLog, type AuditChainHead, type AuditFields, type AuditLogReport, type VerifyAuditOptions } from './audit.ts'
import { auditEntryToFhir } from './fhir.ts'

/** The extension holding an entry's signed bytes (base64). */
export const AUDIT_ENTRY_EXTENSION_URL = 'urn:phr:audit-entry'

const idOf = (authorHex: string, seq: number): string => `${authorHex.slice(0, 16)}-${seq}`

function toBase64(bytes: Uint8Array): string {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin)
}

function fromBase64(text: string): Uint8Array {
  const bin = atob(text)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

/**
 * Appends an entry to this device's chain in `audit` and returns the new head (keep it in
 * the vault: it also reveals a chain cut short at its end).
 * @throws {TypeError | RangeError} for fields out of bounds
 */
export function recordAudit(audit: Compartment, head: AuditChainHead, fields: AuditFields, deviceSecretKey: Uint8Array): AuditChainHead {
  const out = appendAuditEntry(head, fields, deviceSecretKey)
  const report = verifyAuditLog([out.bytes])
  const entry = report.entries[0]
  if (entry === undefined) throw new RangeError('audit: the new entry does not verify')
  const event = auditEntryToFhir(entry)
  audit.resources.put({
    ...event,
    id: idOf(toHex(entry.author), entry.seq),
    extension: [{ url: AUDIT_ENTRY_EXTENSION_URL, valueBase64Binary: toBase64(out.bytes) }]
  })
  return out.head
}

/**
 * The head of `author`'s chain as stored (for a device starting on a record it already wrote to).
 * @throws Never.
 */
export function auditHeadOf(audit: Compartment, authorPublicKey: Uint8Array): AuditChainHead {
  const report = readAuditLog(audit)
  return report.heads.get(toHex(authorPublicKey)) ?? EMPTY_AUDIT_HEAD
}

/** A verified log and, per entry, where it was stored. */
export interface StoredAuditLog extends AuditLogReport {
  /** Ids of the stored AuditEvents, in the order verified (author, then seq of the id). */
  readonly ids: readonly string[]
}

/**
 * Reads and verifies the whole log: every AuditEvent, by author and the seq of its id;
 * an event without readable entry bytes is "malformed", one whose entry does not match its
 * place is "reordered" (or "missing" for the gap it leaves).
 */
export function readAuditLog(audit: Compartment, opts: VerifyAuditOptions = {}): StoredAuditLog {
  const stored: Array<{ id: string; author: string; seq: number; bytes: Uint8Array }> = []
  for (const ev of audit.resources.list('AuditEvent', { includeWithdrawn: true })) {
    const id = ev.id ?? ''
    const m = /^([0-9a-f]{16})-(\d{1,15})$/.exec(id)
    const ext = (ev as { extension?: Array<{ url?: string; valueBase64Binary?: string }> }).extension?.find((x) => x.url === AUDIT_ENTRY_EXTENSION_URL)
    let bytes: Uint8Array = new Uint8Array(0)
    try {
      if (typeof ext?.valueBase64Binary === 'string') bytes = fromBase64(ext.valueBase64Binary)
    } catch {
      bytes = new Uint8Array(0)
    }
    stored.push({ id, author: m?.[1] ?? '', seq: m === null ? 0 : Number(m[2]), bytes })
  }
  stored.sort((a, b) => (a.author < b.author ? -1 : a.author > b.author ? 1 : a.seq - b.seq))
  const report = verifyAuditLog(
    stored.map((s) => s.bytes),
    opts
  )
  // an entry stored under another place than its own author and seq was moved
  const byBytes = new Map(report.entries.map((e) => [e.bytes, e]))
  const moved = stored.flatMap((s, index) => {
    const e = byBytes.get(s.bytes)
    return e !== undefined && (toHex(e.author).slice(0, 16) !== s.author || e.seq !== s.seq) ? [{ index, kind: 'reordered' as const, author: toHex(e.author), seq: e.seq }] : []
  })
  return { ...report, problems: [...report.problems, ...moved], ids: stored.map((s) => s.id) }
}
