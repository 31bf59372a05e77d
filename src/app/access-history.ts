/**
 * The patient's access history: the audit compartment's entries, each verified (signature
 * and hash chain per device), in time order, with the problems the check found (an
 * entry changed, removed, moved or unreadable) — and its export as FHIR AuditEvents.
 */
import { toHex } from '../lib/index.ts'
import { auditEntryToFhir, readAuditLog, type AuditEntry, type AuditProblem } from '../consent/index.ts'
import type { RecordSession } from './record-session.ts'

/** One entry as the screen shows it. */
export interface AccessHistoryEntry {
  readonly at: number
  readonly action: string
  /** The did of who acted or was affected ('self' for this person). */
  readonly actor: string
  readonly details: Readonly<Record<string, string | number>>
  /** The writing device (author key, hex). */
  readonly device: string
}

/** The history. */
export interface AccessHistory {
  /** Newest first. */
  readonly entries: readonly AccessHistoryEntry[]
  readonly problems: readonly AuditProblem[]
}

/** The audit compartment's entries, and those doctors' apps wrote in visit compartments ("record opened"). */
function entries(session: RecordSession): { all: readonly AuditEntry[]; problems: readonly AuditProblem[] } {
  const all: AuditEntry[] = []
  const problems: AuditProblem[] = []
  for (const [kind, c] of session.compartments) {
    if (kind !== 'audit' && !kind.startsWith('visit:')) continue
    const report = readAuditLog(c.compartment)
    all.push(...report.entries)
    problems.push(...report.problems)
  }
  return { all, problems }
}

/** Reads the access history of the open record. */
export function accessHistory(session: RecordSession): AccessHistory {
  const { all, problems } = entries(session)
  return {
    entries: [...all].sort((a, b) => b.at - a.at).map((e) => ({ at: e.at, action: e.action, actor: e.actor, details: e.details, device: toHex(e.author) })),
    problems
  }
}

/** The verified entries as a FHIR R4 Bundle (collection) of AuditEvents, for download. */
export function accessHistoryFhir(session: RecordSession): string {
  const { all } = entries(session)
  return JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: all.map((e) => ({ resource: auditEntryToFhir(e) })) }, null, 2)
}
