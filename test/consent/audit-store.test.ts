/**
 * The audit log in the record's `audit` compartment: entries stored as FHIR AuditEvents
 * (each carrying its signed bytes), read back verified; an edited, moved or damaged one is
 * named; the compartment's AuditEvents validate as FHIR.
 */
import { describe, expect, it } from 'vitest'
import { generateSigningKeyPair, newDocId } from '../../src/crypto/index.ts'
import { asDocId, toHex } from '../../src/lib/index.ts'
import { createCompartment, validateResource } from '../../src/record/index.ts'
import { auditHeadOf, readAuditLog, recordAudit, EMPTY_AUDIT_HEAD, AUDIT_ENTRY_EXTENSION_URL, type AuditChainHead } from '../../src/consent/index.ts'

const T0 = Date.UTC(2026, 10, 29, 9)
const phone = generateSigningKeyPair()
const laptop = generateSigningKeyPair()
const actor = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'

function written(): { audit: ReturnType<typeof createCompartment>; heads: Map<string, AuditChainHead> } {
  const audit = createCompartment({ kind: 'audit', docId: asDocId(newDocId()), clock: () => T0 })
  const heads = new Map<string, AuditChainHead>()
  const write = (dev: typeof phone, action: string, i: number): void => {
    const k = toHex(dev.publicKey)
    heads.set(k, recordAudit(audit, heads.get(k) ?? EMPTY_AUDIT_HEAD, { at: T0 + i, action, actor, details: { n: i } }, dev.secretKey))
  }
  write(phone, 'grant', 1)
  write(laptop, 'device-link', 2)
  write(phone, 'sync', 3)
  write(phone, 'revoke', 4)
  return { audit, heads }
}

describe('audit log in the audit compartment', () => {
  it('stores signed entries as FHIR AuditEvents and reads them back verified', () => {
    const { audit, heads } = written()
    const log = readAuditLog(audit, { knownHeads: heads })
    expect(log.problems).toEqual([])
    expect(log.entries.map((e) => e.action).sort()).toEqual(['device-link', 'grant', 'revoke', 'sync'])
    for (const ev of audit.resources.list('AuditEvent')) expect(() => validateResource(ev, 1 << 20)).not.toThrow()
    expect(auditHeadOf(audit, phone.publicKey).seq).toBe(3)
    expect(auditHeadOf(audit, generateSigningKeyPair().publicKey)).toEqual(EMPTY_AUDIT_HEAD)
  })

  it('names an edited entry, one moved to another place, and one whose bytes are gone', () => {
    const { audit, heads } = written()
    const events = audit.resources.list('AuditEvent')
    const bytesOf = (id: string): string => (audit.resources.get('AuditEvent', id) as unknown as { extension: Array<{ valueBase64Binary: string }> }).extension[0]!.valueBase64Binary
    const phoneId = (seq: number): string => `${toHex(phone.publicKey).slice(0, 16)}-${seq}`

    // edited: a byte of the phone's second entry changed (its signature fails)
    const b = Uint8Array.from(atob(bytesOf(phoneId(2))), (c) => c.charCodeAt(0))
    const at = b.findIndex((_, i) => String.fromCharCode(...b.subarray(i, i + 4)) === 'sync')
    b[at + 1]! ^= 1 // "sync" → "sxnc"
    const ev2 = events.find((e) => e.id === phoneId(2))!
    audit.resources.put({ ...ev2, extension: [{ url: AUDIT_ENTRY_EXTENSION_URL, valueBase64Binary: btoa(String.fromCharCode(...b)) }] })
    expect(readAuditLog(audit).problems.map((p) => [p.kind, p.seq])).toEqual([
      ['edited', 2],
      ['missing', 3]
    ])

    // moved: the third entry's bytes stored again under the place of the second
    const { audit: a2 } = written()
    const third = a2.resources.get('AuditEvent', phoneId(3))!
    a2.resources.put({ ...third, id: phoneId(2) })
    const moved = readAuditLog(a2).problems.map((p) => p.kind)
    expect(moved).toContain('reordered')

    // gone: the entry bytes removed from an event
    const { audit: a3 } = written()
    const first = a3.resources.get('AuditEvent', phoneId(1))!
    a3.resources.put({ ...first, extension: [] })
    expect(readAuditLog(a3, { knownHeads: heads }).problems.map((p) => p.kind)).toEqual(['malformed', 'missing'])
  })
})
