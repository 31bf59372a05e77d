/**
 * Grants and revocations: signed by the patient, refused by name when forged, re-signed by
 * someone else, malformed or oversized; in force only between notBefore and notAfter and
 * until revoked.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createPerson, newDocId } from '../../src/crypto/index.ts'
import { asDocId, toHex } from '../../src/lib/index.ts'
import { grantAllowsDevice, grantCovers, grantStatus, newGrantId, signGrant, signRevocation, verifyGrant, verifyRevocation, type GrantFields } from '../../src/consent/index.ts'
import { thrown } from '../crypto/helpers.ts'
import { fuzzRuns } from '../helpers/fuzz.ts'

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 10, 29, 9)
const patient = createPerson().keys
const doctor = createPerson().keys
const doctorDid = doctor.did
const laptop = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'
const core = { docId: asDocId(newDocId()), kind: 'core' }
const vitals = { docId: asDocId(newDocId()), kind: 'vitals' }

function fields(over: Partial<GrantFields> = {}): GrantFields {
  return { id: newGrantId(), grantee: doctorDid, devices: [], compartments: [core], rights: 'read', notBefore: T0, notAfter: T0 + 24 * HOUR, issuedAt: T0, purpose: 'visit', ...over }
}

describe('grants', () => {
  it('round-trip every field, and export the signer as the patient', () => {
    const visitDocId = asDocId(newDocId())
    const f = fields({ devices: [laptop], compartments: [core, vitals], rights: 'read+visit-write', visitDocId, purpose: 'Визит к врачу / shifokor' })
    const g = verifyGrant(signGrant(f, patient.signing.secretKey))
    expect(g).toMatchObject({ grantee: doctorDid, devices: [laptop], rights: 'read+visit-write', notBefore: f.notBefore, notAfter: f.notAfter, purpose: f.purpose })
    expect(g.compartments.map((c) => [toHex(c.docId), c.kind])).toEqual([[toHex(core.docId), 'core'], [toHex(vitals.docId), 'vitals']])
    expect(toHex(g.visitDocId!)).toBe(toHex(visitDocId))
    expect(g.patient).toMatch(/^did:key:z6Mk/)
    expect(grantCovers(g, vitals.docId)).toBe(true)
    expect(grantCovers(g, visitDocId)).toBe(true)
    expect(grantCovers(g, newDocId())).toBe(false)
    expect(grantAllowsDevice(g, laptop)).toBe(true)
    expect(grantAllowsDevice(g, '12D3KooWAnother')).toBe(false)
  })

  it('are in force only from notBefore until notAfter, and not after their revocation', () => {
    const g = verifyGrant(signGrant(fields(), patient.signing.secretKey))
    expect(grantStatus(g, T0 - 1)).toBe('not-yet-valid')
    expect(grantStatus(g, T0)).toBe('active')
    expect(grantStatus(g, T0 + 24 * HOUR - 1)).toBe('active')
    expect(grantStatus(g, T0 + 24 * HOUR)).toBe('expired')
    const rev = verifyRevocation(signRevocation(g.id, T0 + HOUR, patient.signing.secretKey))
    expect(grantStatus(g, T0 + HOUR - 1, [rev])).toBe('active')
    expect(grantStatus(g, T0 + HOUR, [rev])).toBe('revoked')
    // a revocation signed by anyone else changes nothing
    const forged = verifyRevocation(signRevocation(g.id, T0, doctor.signing.secretKey))
    expect(grantStatus(g, T0 + 2 * HOUR, [forged])).toBe('active')
  })

  it('refuse a forged grant, one re-signed by someone else, and bad fields, by name', () => {
    const bytes = signGrant(fields(), patient.signing.secretKey)
    for (let i = 0; i < bytes.length; i += 7) {
      const bad = bytes.slice()
      bad[i]! ^= 0x01
      const err = thrown(() => verifyGrant(bad))
      expect(['SignatureInvalidError', 'GrantFormatError']).toContain(err.name)
    }
    // the doctor re-signs the patient's grant body (with a longer window) under his own key
    const resigned = verifyGrant(signGrant(fields({ notAfter: T0 + 1000 * HOUR }), doctor.signing.secretKey))
    expect(resigned.patient).not.toBe(verifyGrant(bytes).patient)
    expect((thrown(() => verifyGrant(new Uint8Array(9000)))).name).toBe('InputTooLargeError')
    expect(() => signGrant(fields({ notAfter: T0 }), patient.signing.secretKey)).toThrow(RangeError)
    expect(() => signGrant(fields({ compartments: [] }), patient.signing.secretKey)).toThrow(RangeError)
    expect(() => signGrant(fields({ rights: 'read+visit-write' }), patient.signing.secretKey)).toThrow(/visit compartment/)
    expect(() => signGrant(fields({ grantee: 'did:web:example.org' }), patient.signing.secretKey)).toThrow()
  })

  it('decode any bytes to a grant or a named error', () => {
    const good = signGrant(fields(), patient.signing.secretKey)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(good.length), (noise, cut) => {
        for (const input of [noise, Uint8Array.from([...good.subarray(0, cut), ...noise])]) {
          try {
            verifyGrant(input)
          } catch (err) {
            expect(['GrantFormatError', 'SignatureInvalidError', 'InputTooLargeError']).toContain((err as Error).name)
          }
        }
      }),
      { numRuns: fuzzRuns(2000, 50_000) }
    )
  })
})
