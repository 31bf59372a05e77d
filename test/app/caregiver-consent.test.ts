/**
 * A caregiver's grant (a family member, no licence) over a real record (memory store, the
 * app's vault): it reads only what was picked (vitals), for up to a year, writes nothing
 * (no visit compartment, every envelope it authors is refused), is listed as a caregiver
 * among the people with access, and revoking it rotates vitals so that nothing after opens
 * with the keys it held.
 */
import { describe, it, expect } from 'vitest'
import { createMemoryStore } from '../../src/storage/index.ts'
import { sealEnvelope } from '../../src/envelope/index.ts'
import { createCompartment } from '../../src/record/index.ts'
import { toHex } from '../../src/lib/index.ts'
import { acceptWrappedKeys, epochKeyOf, verifyGrant, type Keyring } from '../../src/consent/index.ts'
import { profileOf, verifyDeviceCert, verifyProfile } from '../../src/crypto/index.ts'
import { createRecordWithVault } from '../../src/app/record-session.ts'
import { recordVault } from '../../src/app/vault-items.ts'
import { createPatientConsent, GranteeRole, MAX_CAREGIVER_HOURS, roleOfGrant } from '../../src/app/patient-consent.ts'
import { manualObservation } from '../../src/app/manual-vitals.ts'
import { device, person } from '../sync/helpers.ts'

const fast = { scrypt: { log2N: 10, r: 8, p: 1 }, batchMs: 1 }
const HOUR = 3_600_000

describe('a caregiver’s grant', () => {
  it('covers only vitals, for up to a year, writes nothing, and ends with a rotation', async () => {
    const now = { t: Date.UTC(2026, 10, 29, 9) }
    const clock = () => now.t
    const store = createMemoryStore()
    const { session, vaultKey } = await createRecordWithVault(store, 'pass', {}, fast)
    const vault = recordVault(store, vaultKey, session.device.publicKey, clock)
    const consent = createPatientConsent({ session, vault, vaultKey, clock })
    await consent.start()
    session.setWriteCheck((docHex, author) => consent.mayWrite(docHex, author))
    const aunt = person()
    const dev = device(aunt, 'Aziza — phone')
    const request = { peerId: dev.peerId, device: verifyDeviceCert(dev.cert), person: aunt.did, profile: verifyProfile(profileOf(aunt, now.t)), credential: { status: 'none' as const } }

    // a visit may last 30 days at most; a caregiver's grant a year
    expect(() => consent.setChoice({ compartments: ['vitals'], hours: 24 * 90 })).toThrow(RangeError)
    expect(() => consent.setChoice({ compartments: ['vitals'], hours: MAX_CAREGIVER_HOURS + 1, role: GranteeRole.caregiver })).toThrow(RangeError)
    consent.setChoice({ compartments: ['vitals'], hours: 24 * 365, role: GranteeRole.caregiver })

    const answer = consent.approve(request)
    await new Promise((r) => setTimeout(r, 0))
    expect(consent.pending()?.role).toBe(GranteeRole.caregiver)
    consent.decide(true)
    const out = await answer
    if (out === undefined) throw new Error('declined')
    const grant = verifyGrant(out.grant)
    expect(grant.rights).toBe('read')
    expect(grant.visitDocId).toBeUndefined()
    expect(grant.purpose).toBe('caregiver: vitals')
    expect(roleOfGrant(grant)).toBe(GranteeRole.caregiver)
    expect(grant.notAfter - grant.notBefore).toBe(365 * 24 * HOUR)
    expect(grant.compartments.map((c) => c.kind)).toEqual(['vitals'])
    // no visit compartment was made for a caregiver
    expect([...session.compartments.keys()].some((k) => k.startsWith('visit:'))).toBe(false)

    // the keys it gets open vitals and nothing else
    const vitalsId = session.compartments.get('vitals')!.compartment.docId
    const coreId = session.compartments.get('core')!.compartment.docId
    const held: Keyring = new Map()
    const accepted = acceptWrappedKeys(held, vitalsId, 'vitals', out.wraps, aunt, grant.patient)
    expect(accepted.added).toBe(1)
    expect(out.wraps).toHaveLength(1)
    expect(acceptWrappedKeys(held, coreId, 'core', out.wraps, aunt, grant.patient).added).toBe(0)
    expect(consent.authorize(aunt.did, dev.peerId, vitalsId)).toBe(true)
    expect(consent.authorize(aunt.did, dev.peerId, coreId)).toBe(false)
    expect(consent.wants(aunt.did, dev.peerId, vitalsId)).toBe(false)

    // it writes nothing: not even into the vitals it holds the key of
    const forged = createCompartment({ kind: 'vitals', docId: vitalsId })
    forged.resources.put(manualObservation('heart-rate', 40, now.t))
    const env = sealEnvelope({ docId: vitalsId, epoch: 0, author: dev.author.publicKey, seq: 1, kind: 'update' }, forged.encodeState(), { epochKey: epochKeyOf(held, vitalsId, 0)!, authorSecretKey: dev.author.secretKey })
    const r = await session.compartments.get('vitals')!.persistence.receive([env])
    expect(r.problems.map((p) => p.error)).toEqual(['AuthorNotAllowedError'])

    // listed as a family member
    expect(consent.people().map((p) => [p.role, p.status, p.compartments])).toEqual([[GranteeRole.caregiver, 'active', ['vitals']]])

    // revoked: vitals move to a new epoch whose key it never gets
    now.t += 10 * 24 * HOUR
    await consent.revoke(toHex(grant.id))
    expect(consent.authorize(aunt.did, dev.peerId, vitalsId)).toBe(false)
    const vitals = [...session.keyring.values()].find((k) => k.kind === 'vitals')!
    expect(vitals.current).toBe(1)
    // whatever the shelf still holds for her, none of it is a key of the new epoch
    acceptWrappedKeys(held, vitalsId, 'vitals', consent.keysFor(aunt.did, vitalsId), aunt, grant.patient)
    expect(epochKeyOf(held, vitalsId, 1)).toBeUndefined()
    expect([...(held.get(toHex(vitalsId))?.epochs.keys() ?? [])]).toEqual([0])
    consent.stop()
    await session.close()
  })
})
