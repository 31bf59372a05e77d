/**
 * The audit log: signed, hash-chained entries per device; an edited, reordered or removed
 * entry is found and named; grants and entries export as FHIR R4 Consent / AuditEvent that
 * the record's own validator accepts.
 */
import { describe, expect, it } from 'vitest'
import { createPerson, generateSigningKeyPair, newDocId } from '../../src/crypto/index.ts'
import { asDocId, toHex } from '../../src/lib/index.ts'
import { validateResource } from '../../src/record/index.ts'
import {
  appendAuditEntry,
  auditEntryToFhir,
  EMPTY_AUDIT_HEAD,
  grantToFhirConsent,
  newGrantId,
  signGrant,
  verifyAuditLog,
  verifyGrant,
  type AuditChainHead
} from '../../src/consent/index.ts'

const T0 = Date.UTC(2026, 10, 29, 9)
const patient = createPerson().keys
const doctor = createPerson().keys
const phone = generateSigningKeyPair()
const laptop = generateSigningKeyPair()

/** A log written by two devices, interleaved. */
function log(): { entries: Uint8Array[]; heads: Map<string, AuditChainHead> } {
  const heads = new Map<string, AuditChainHead>()
  const entries: Uint8Array[] = []
  const write = (dev: typeof phone, i: number, action: string): void => {
    const key = toHex(dev.publicKey)
    const out = appendAuditEntry(heads.get(key) ?? EMPTY_AUDIT_HEAD, { at: T0 + i * 1000, action, actor: doctor.did, details: { compartments: 'core,vitals', envelopes: i } }, dev.secretKey)
    heads.set(key, out.head)
    entries.push(out.bytes)
  }
  write(phone, 0, 'grant')
  write(phone, 1, 'sync')
  write(laptop, 2, 'device-link')
  write(phone, 3, 'sync')
  write(laptop, 4, 'export')
  write(phone, 5, 'revoke')
  return { entries, heads }
}

describe('audit log', () => {
  it('verifies a log that two devices wrote, in order, with their details', () => {
    const { entries } = log()
    const report = verifyAuditLog(entries)
    expect(report.problems).toEqual([])
    expect(report.entries.map((e) => [e.action, e.seq])).toEqual([
      ['grant', 1],
      ['sync', 2],
      ['device-link', 1],
      ['sync', 3],
      ['export', 2],
      ['revoke', 4]
    ])
    expect(report.entries[1]!.details).toEqual({ compartments: 'core,vitals', envelopes: 1 })
  })

  it('names an edited entry (a changed byte, or one re-signed by another key)', () => {
    const { entries } = log()
    const edited = entries.slice()
    const e = edited[3]!.slice()
    e[e.length - 70]! ^= 1 // inside the details
    edited[3] = e
    const report = verifyAuditLog(edited)
    expect(report.problems.map((p) => [p.index, p.kind])).toEqual([
      [3, 'edited'],
      [5, 'missing'] // the phone's chain now skips from seq 2 to 4
    ])
    // a stranger rewrites the entry and signs it with his own key: not an allowed author
    const mine = new Set([toHex(phone.publicKey), toHex(laptop.publicKey)])
    const stranger = generateSigningKeyPair()
    const forged = entries.slice()
    forged[1] = appendAuditEntry(EMPTY_AUDIT_HEAD, { at: T0, action: 'sync', actor: doctor.did, details: {} }, stranger.secretKey).bytes
    expect(verifyAuditLog(forged, { allowed: (a) => mine.has(toHex(a)) }).problems.map((p) => [p.index, p.kind])).toEqual([
      [1, 'edited'],
      [3, 'missing']
    ])
  })

  it('names a removed entry, a reordered one, and a chain cut short at its end', () => {
    const { entries, heads } = log()
    const removed = entries.filter((_, i) => i !== 1)
    expect(verifyAuditLog(removed).problems.map((p) => [p.index, p.kind])).toEqual([[2, 'missing']])
    const reordered = [entries[0]!, entries[3]!, entries[2]!, entries[1]!, entries[4]!, entries[5]!]
    expect(verifyAuditLog(reordered).problems.map((p) => [p.index, p.kind])).toEqual([
      [1, 'missing'],
      [3, 'reordered']
    ])
    // the last entry is gone: only a head remembered elsewhere can tell
    const cut = entries.slice(0, 5)
    expect(verifyAuditLog(cut).problems).toEqual([])
    expect(verifyAuditLog(cut, { knownHeads: heads }).problems.map((p) => [p.kind, p.seq])).toEqual([['missing', 4]])
    expect(verifyAuditLog([new Uint8Array(10), ...entries]).problems.map((p) => p.kind)).toEqual(['malformed'])
  })

  it('exports entries as FHIR AuditEvent and grants as FHIR Consent that validate', () => {
    const { entries } = log()
    const report = verifyAuditLog(entries)
    for (const e of report.entries) {
      const fhir = auditEntryToFhir(e)
      expect(() => validateResource(fhir, 1 << 20)).not.toThrow()
      expect(fhir.recorded).toBe(new Date(e.at).toISOString())
    }
    const g = verifyGrant(
      signGrant(
        { id: newGrantId(), grantee: doctor.did, devices: [], compartments: [{ docId: asDocId(newDocId()), kind: 'core' }], rights: 'read', notBefore: T0, notAfter: T0 + 86_400_000, issuedAt: T0, purpose: 'visit' },
        patient.signing.secretKey
      )
    )
    const consent = grantToFhirConsent(g, 'active')
    expect(() => validateResource(consent, 1 << 20)).not.toThrow()
    expect(consent).toMatchObject({ status: 'active', provision: { period: { start: new Date(T0).toISOString() } } })
    expect(grantToFhirConsent(g, 'revoked').status).toBe('inactive')
  })
})
