/**
 * The audit log (DESIGN §8): every grant, revocation, rotation, sync session, export,
 * emergency access and device link is a signed entry, hash-chained per writing device.
 *
 * ```
 * entry = 0x01 (version) ‖ author (device Ed25519 pk, 32) ‖ seq (varuint, from 1)
 *         ‖ prev (32: SHA-256 of the author's previous entry, zeros for seq 1)
 *         ‖ at (varuint ms) ‖ action (varstring ≤ 32) ‖ actor (varstring ≤ 128: a did)
 *         ‖ details (varstring ≤ 4096: JSON object of strings and numbers)
 *         ‖ sig (64) = Ed25519(author sk, "phr/v1/audit" ‖ all bytes before sig)
 * ```
 * Chains are per device, so two devices writing at once never fork one chain; each
 * device's chain must run seq 1, 2, 3… with every `prev` matching. `verifyAuditLog` names
 * what is wrong where: an edited entry (its signature fails), a removed one (a gap in seq
 * or a `prev` that does not match), a reordered one (seq going backwards).
 */
import { createReader, createWriter, equalBytes, FormatError, toHex } from '../lib/index.ts'
import { appendSignature, ED25519_PUBLIC_KEY_LENGTH, ed25519PublicKey, SignatureLabel, sha256, splitSignature, verifyLabelled } from '../crypto/index.ts'

/** The bytes are not an audit entry. */
export class AuditFormatError extends FormatError {
  override name: string = 'AuditFormatError'
}

const VERSION = 1
/** Size cap of one entry. */
export const MAX_AUDIT_ENTRY_BYTES = 5 * 1024
const MAX_ACTION = 32
const MAX_ACTOR = 128
const MAX_DETAILS = 4096
const ZERO_HASH = new Uint8Array(32)

/** What happened. */
export const AuditAction = {
  grant: 'grant',
  revoke: 'revoke',
  rotate: 'rotate',
  sync: 'sync',
  export: 'export',
  emergencyAccess: 'emergency-access',
  deviceLink: 'device-link',
  recordOpened: 'record-opened',
  /** A dependent's record was handed over to its subject (a new owner). */
  handover: 'handover'
} as const
/** One of `AuditAction` (other strings are kept and shown as they are). */
export type AuditAction = (typeof AuditAction)[keyof typeof AuditAction]

/** Details of an entry: flat, plain values only. */
export type AuditDetails = Readonly<Record<string, string | number>>

/** What an entry records. */
export interface AuditFields {
  readonly at: number
  readonly action: string
  /** Who acted (a did), or who was affected (the grantee of a grant). */
  readonly actor: string
  readonly details: AuditDetails
}

/** A decoded entry (its signature checked by `verifyAuditLog`, not by `decodeAuditEntry`). */
export interface AuditEntry extends AuditFields {
  readonly author: Uint8Array
  readonly seq: number
  readonly prev: Uint8Array
  /** SHA-256 of the entry's bytes: the next entry's `prev`. */
  readonly hash: Uint8Array
  readonly bytes: Uint8Array
}

/** The state of one device's chain, to append to it. */
export interface AuditChainHead {
  readonly seq: number
  readonly hash: Uint8Array
}

/** The head before a device's first entry. */
export const EMPTY_AUDIT_HEAD: AuditChainHead = Object.freeze({ seq: 0, hash: ZERO_HASH })

function checkDetails(details: AuditDetails): string {
  for (const [k, v] of Object.entries(details)) {
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) throw new TypeError(`audit details: ${k} is not a string or a finite number`)
  }
  return JSON.stringify(details)
}

/**
 * Signs the next entry of this device's chain.
 * @returns the entry bytes and the new head
 * @throws {TypeError | RangeError} for fields out of bounds (named)
 */
export function appendAuditEntry(head: AuditChainHead, fields: AuditFields, authorSecretKey: Uint8Array): { bytes: Uint8Array; head: AuditChainHead } {
  const details = checkDetails(fields.details)
  const body = createWriter()
    .byte(VERSION)
    .bytes(ed25519PublicKey(authorSecretKey))
    .varUint(head.seq + 1)
    .bytes(head.hash)
    .varUint(fields.at)
    .varString(fields.action)
    .varString(fields.actor)
    .varString(details)
    .finish()
  if (fields.action.length > MAX_ACTION || fields.actor.length > MAX_ACTOR || details.length > MAX_DETAILS) throw new RangeError('audit entry: a field is too long')
  const bytes = appendSignature(SignatureLabel.audit, authorSecretKey, body)
  return { bytes, head: { seq: head.seq + 1, hash: sha256(bytes) } }
}

interface Parsed {
  readonly entry: AuditEntry
  readonly body: Uint8Array
  readonly signature: Uint8Array
}

function parse(bytes: Uint8Array): Parsed {
  const { body, signature } = splitSignature(bytes, 'audit entry', MAX_AUDIT_ENTRY_BYTES, AuditFormatError)
  const r = createReader(body, AuditFormatError)
  if (r.byte('version') !== VERSION) throw new AuditFormatError('audit entry: unsupported version')
  const author = r.bytes('author', ED25519_PUBLIC_KEY_LENGTH).slice()
  const seq = r.varUint('seq', 1)
  const prev = r.bytes('prev', 32).slice()
  const at = r.varUint('at')
  const action = r.varString('action', MAX_ACTION)
  const actor = r.varString('actor', MAX_ACTOR)
  const detailsText = r.varString('details', MAX_DETAILS)
  r.end('audit entry')
  let details: unknown
  try {
    details = JSON.parse(detailsText)
  } catch (err) {
    throw new AuditFormatError('audit entry: details are not JSON', { cause: err })
  }
  if (typeof details !== 'object' || details === null || Array.isArray(details)) throw new AuditFormatError('audit entry: details are not an object')
  for (const v of Object.values(details)) if (typeof v !== 'string' && typeof v !== 'number') throw new AuditFormatError('audit entry: a detail is not a string or number')
  return { entry: { author, seq, prev, at, action, actor, details: details as AuditDetails, hash: sha256(bytes), bytes }, body, signature }
}

/**
 * Decodes an entry without checking its signature or chain (`verifyAuditLog` does both).
 * @throws {InputTooLargeError | AuditFormatError}
 */
export function decodeAuditEntry(bytes: Uint8Array): AuditEntry {
  return parse(bytes).entry
}

/** What is wrong at a place in the log. */
export interface AuditProblem {
  /** Index in the stored order. */
  readonly index: number
  /** `edited`: the signature fails; `missing`: entries before this one are gone; `reordered`: it comes after a later one; `malformed`: unreadable. */
  readonly kind: 'edited' | 'missing' | 'reordered' | 'malformed'
  /** Author hex, when readable. */
  readonly author?: string
  readonly seq?: number
}

/** The verified log. */
export interface AuditLogReport {
  /** Entries whose signature verifies and whose chain link holds, in stored order. */
  readonly entries: readonly AuditEntry[]
  readonly problems: readonly AuditProblem[]
  /** Each device's last good head, to append to. */
  readonly heads: ReadonlyMap<string, AuditChainHead>
}

/** Options of `verifyAuditLog`. */
export interface VerifyAuditOptions {
  /** Whether an author key may write this log (the owner's devices, grantees'). @default every author */
  readonly allowed?: (author: Uint8Array) => boolean
  /**
   * Heads remembered elsewhere (a device keeps its own in its vault): a chain that ends
   * before its remembered seq lost its last entries, which the log alone cannot show.
   */
  readonly knownHeads?: ReadonlyMap<string, AuditChainHead>
}

/**
 * Verifies a whole log in its stored order: each entry's signature, and each device's chain
 * (seq contiguous from 1, `prev` = hash of the previous entry).
 */
export function verifyAuditLog(stored: readonly Uint8Array[], opts: VerifyAuditOptions = {}): AuditLogReport {
  const allowed = opts.allowed ?? ((): boolean => true)
  const entries: AuditEntry[] = []
  const problems: AuditProblem[] = []
  const heads = new Map<string, AuditChainHead>()
  stored.forEach((bytes, index) => {
    let p: Parsed
    try {
      p = parse(bytes)
    } catch {
      problems.push({ index, kind: 'malformed' })
      return
    }
    const e = p.entry
    const author = toHex(e.author)
    if (!allowed(e.author) || !verifyLabelled(SignatureLabel.audit, e.author, p.body, p.signature)) {
      problems.push({ index, kind: 'edited', author, seq: e.seq })
      return
    }
    const head = heads.get(author) ?? EMPTY_AUDIT_HEAD
    if (e.seq <= head.seq) {
      problems.push({ index, kind: 'reordered', author, seq: e.seq })
      return
    }
    if (e.seq !== head.seq + 1 || !equalBytes(e.prev, head.hash)) problems.push({ index, kind: 'missing', author, seq: e.seq })
    heads.set(author, { seq: e.seq, hash: e.hash })
    entries.push(e)
  })
  for (const [author, known] of opts.knownHeads ?? []) {
    const head = heads.get(author) ?? EMPTY_AUDIT_HEAD
    if (head.seq < known.seq) problems.push({ index: stored.length, kind: 'missing', author, seq: known.seq })
  }
  return { entries, problems, heads }
}
