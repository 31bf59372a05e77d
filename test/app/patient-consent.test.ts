/**
 * The patient's consent service over a real record (memory store, the app's vault): a
 * doctor's request is approved with a grant signed by the person's root key, covering
 * what was picked plus a new visit compartment whose key the patient made and wrapped
 * for the doctor; revoking rotates the covered compartments, snapshots them under the
 * new epoch and saves the keyring; the state survives a reopen (sealed, never plaintext)
 * without rotating again; expiry with an injected clock rotates too; every step is in
 * the audit log.
 */
import { describe, it, expect } from 'vitest'
import { createMemoryStore } from '../../src/storage/index.ts'
import { parseEnvelopeHeader, sealEnvelope } from '../../src/envelope/index.ts'
import { createCompartment } from '../../src/record/index.ts'
import { toHex, utf8Encode } from '../../src/lib/index.ts'
import { acceptWrappedKeys, decodeKeyring, encodeKeyring, epochKeyOf, readAuditLog, verifyGrant, type Keyring } from '../../src/consent/index.ts'
import { profileOf, verifyDeviceCert, verifyProfile } from '../../src/crypto/index.ts'
import type { InviteRequest } from '../../src/sync/index.ts'
import { createRecordWithVault, openRecordWithVaultKey, type RecordSession } from '../../src/app/record-session.ts'
import { recordVault } from '../../src/app/vault-items.ts'
import { createPatientConsent, type PatientConsent } from '../../src/app/patient-consent.ts'
import { addAllergy } from '../../src/app/edits.ts'
import { decodeConsentState, encodeConsentState } from '../../src/app/consent-state.ts'
import { device, person } from '../sync/helpers.ts'

const fast = { scrypt: { log2N: 10, r: 8, p: 1 }, batchMs: 1 }
const HOUR = 3_600_000

function requestFrom(doctor: ReturnType<typeof person>, now: number): { request: InviteRequest; peerId: string; dev: ReturnType<typeof device> } {
  const dev = device(doctor, 'clinic pc')
  return {
    dev,
    peerId: dev.peerId,
    request: { peerId: dev.peerId, device: verifyDeviceCert(dev.cert), person: doctor.did, profile: verifyProfile(profileOf(doctor, now)), credential: { status: 'none' } }
  }
}

async function approved(consent: PatientConsent, request: InviteRequest): Promise<{ grant: Uint8Array; wraps: readonly Uint8Array[] }> {
  const answer = consent.approve(request)
  await new Promise((r) => setTimeout(r, 0))
  expect(consent.pending()?.person).toBe(request.person)
  consent.decide(true)
  const out = await answer
  if (out === undefined) throw new Error('declined')
  return out
}

const kindOf = (s: RecordSession, kind: string) => [...s.keyring.values()].find((k) => k.kind === kind)

describe('patient consent', () => {
  it('grants what was picked plus a visit compartment, revokes with rotation, and restores sealed state', async () => {
    const now = { t: Date.UTC(2026, 10, 29, 9) }
    const clock = () => now.t
    const store = createMemoryStore()
    const { session, vaultKey } = await createRecordWithVault(store, 'pass', {}, fast)
    const vault = recordVault(store, vaultKey, session.device.publicKey, clock)
    const consent = createPatientConsent({ session, vault, vaultKey, clock })
    await consent.start()
    const doctor = person()
    const { request, peerId, dev } = requestFrom(doctor, now.t)
    session.setWriteCheck((docHex, author) => consent.mayWrite(docHex, author))

    // a decline hands nothing out
    const declined = consent.approve(request)
    await new Promise((r) => setTimeout(r, 0))
    consent.decide(false)
    expect(await declined).toBeUndefined()
    expect(consent.people()).toEqual([])

    consent.setChoice({ compartments: ['core', 'vitals'], hours: 24 })
    const { grant: bytes, wraps } = await approved(consent, request)
    const grant = verifyGrant(bytes)
    expect(grant.patient).toBe((await vault.person()).did)
    expect(grant.rights).toBe('read+visit-write')
    expect(grant.devices).toEqual([peerId])
    expect(grant.compartments.map((c) => c.kind)).toEqual(['core', 'vitals'])
    expect(grant.notAfter - grant.notBefore).toBe(24 * HOUR)
    const visitKind = `visit:${toHex(grant.id)}`
    expect(session.compartments.has(visitKind as never)).toBe(true)

    // the doctor can open core, vitals and the visit compartment — not sensitive
    const drKeyring: Keyring = new Map()
    for (const docId of [...grant.compartments.map((c) => c.docId), grant.visitDocId!]) {
      const r = acceptWrappedKeys(drKeyring, docId, 'x', wraps, doctor, grant.patient)
      expect(r.problems.filter((p) => p.error !== 'GrantNotValidError')).toEqual([])
    }
    expect(drKeyring.size).toBe(3)
    expect(drKeyring.has(toHex(kindOf(session, 'sensitive')!.docId))).toBe(false)

    // sync hooks: the doctor's device reads core, not sensitive; the patient asks it only for the visit compartment
    const coreId = kindOf(session, 'core')!.docId
    expect(consent.authorize(doctor.did, peerId, coreId)).toBe(true)
    expect(consent.authorize(doctor.did, peerId, kindOf(session, 'sensitive')!.docId)).toBe(false)
    expect(consent.authorize(doctor.did, device(doctor, 'another').peerId, coreId)).toBe(false)
    expect(consent.wants(doctor.did, peerId, coreId)).toBe(false)
    expect(consent.wants(doctor.did, peerId, grant.visitDocId!)).toBe(true)
    expect(consent.keysFor(doctor.did, coreId).length).toBe(1)

    // the doctor's device holds core's key, yet may change only the visit compartment
    const note = createCompartment({ kind: visitKind as never, docId: grant.visitDocId! })
    note.resources.put({ resourceType: 'Encounter', id: 'visit-1', status: 'finished', class: { code: 'AMB' } })
    const sealFor = (docId: Uint8Array): Uint8Array =>
      sealEnvelope({ docId, epoch: 0, author: dev.author.publicKey, seq: 1, kind: 'update' }, note.encodeState(), { epochKey: epochKeyOf(drKeyring, docId, 0)!, authorSecretKey: dev.author.secretKey })
    const intoCore = await session.compartments.get('core')!.persistence.receive([sealFor(coreId)])
    expect(intoCore.applied).toBe(0)
    expect(intoCore.problems.map((p) => p.error)).toEqual(['AuthorNotAllowedError'])
    expect(session.get('core').resources.get('Encounter', 'visit-1')).toBeUndefined()
    const intoVisit = await session.compartments.get(visitKind as never)!.persistence.receive([sealFor(grant.visitDocId!)])
    expect(intoVisit).toMatchObject({ applied: 1, problems: [] })
    expect(session.get(visitKind as never).resources.get('Encounter', 'visit-1')?.status).toBe('finished')

    // revoke: core and vitals rotate; core is snapshotted under the new epoch; the keyring is saved
    now.t += HOUR
    await consent.revoke(toHex(grant.id))
    expect(consent.people()[0]?.status).toBe('revoked')
    expect(kindOf(session, 'core')!.current).toBe(1)
    expect(kindOf(session, 'vitals')!.current).toBe(1)
    expect(consent.authorize(doctor.did, peerId, coreId)).toBe(false)
    await addAllergy(session, 'Latex', now.t)
    const epochs = (await store.read(coreId)).envelopes.map((e) => parseEnvelopeHeader(e).epoch)
    expect(epochs.at(-1)).toBe(1)
    const stored = await store.read(coreId)
    if (stored.snapshot !== undefined) expect(parseEnvelopeHeader(stored.snapshot).epoch).toBe(1)

    const log = readAuditLog(session.get('audit'))
    expect(log.problems).toEqual([])
    expect(log.entries.map((e) => e.action)).toEqual(['grant', 'revoke', 'rotate', 'rotate'])

    // at rest: the consent state is sealed (the doctor's did is nowhere in plaintext)
    const sealed = await store.getMeta('consent')
    expect(sealed).toBeDefined()
    expect(Buffer.from(sealed!).includes(Buffer.from(utf8Encode(doctor.did)))).toBe(false)
    consent.stop()
    await session.close()

    // reopen: the ledger comes back as it was, without rotating again
    const again = await openRecordWithVaultKey(store, vaultKey, fast)
    expect(kindOf(again, 'core')!.current).toBe(1)
    expect(again.compartments.has(visitKind as never)).toBe(true)
    const consent2 = createPatientConsent({ session: again, vault, vaultKey, clock })
    await consent2.start()
    expect(consent2.people().map((p) => [p.status, p.compartments])).toEqual([['revoked', ['core', 'vitals']]])
    expect(kindOf(again, 'core')!.current).toBe(1)
    expect(again.get('core').resources.list('AllergyIntolerance').some((a) => (a as { code?: { text?: string } }).code?.text === 'Latex')).toBe(true)
    consent2.stop()
    await again.close()
  })

  it('another device of the person reads what is sealed after a revocation made on the first, and seals under the new epoch too', async () => {
    const now = { t: Date.UTC(2026, 10, 29, 9) }
    const clock = () => now.t
    const storeA = createMemoryStore()
    const a = await createRecordWithVault(storeA, 'pass', {}, fast)
    const vaultA = recordVault(storeA, a.vaultKey, a.session.device.publicKey, clock)
    const entropy = await vaultA.personEntropy()
    // device B: the same person and the keyring as handed over when it was linked
    const storeB = createMemoryStore()
    const b = await createRecordWithVault(storeB, 'pass', { keyring: decodeKeyring(encodeKeyring(a.session.keyring)), items: new Map([['person', entropy]]) }, fast)
    const vaultB = recordVault(storeB, b.vaultKey, b.session.device.publicKey, clock)
    const consentA = createPatientConsent({ session: a.session, vault: vaultA, vaultKey: a.vaultKey, clock })
    const consentB = createPatientConsent({ session: b.session, vault: vaultB, vaultKey: b.vaultKey, clock })
    await consentA.start()
    await consentB.start()
    // the two devices' sync, reduced to its receive pipeline: what one seals, the other receives
    const problems: string[] = []
    for (const [from, to] of [
      [a.session, b.session],
      [b.session, a.session]
    ] as const) {
      for (const [kind, c] of from.compartments) {
        c.persistence.onSealed((env) => {
          void to.compartments
            .get(kind)
            ?.persistence.receive([env])
            .then((r) => problems.push(...r.problems.map((p) => p.error)))
        })
      }
    }
    const allergies = (s: RecordSession): string[] => s.get('core').resources.list('AllergyIntolerance').map((x) => (x as { code?: { text?: string } }).code?.text ?? '')
    const until = async (check: () => boolean): Promise<void> => {
      for (let i = 0; i < 200 && !check(); i++) {
        await a.session.whenSaved()
        await b.session.whenSaved()
        await new Promise((r) => setTimeout(r, 20))
      }
      expect(check()).toBe(true)
    }
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 5; i++) {
        await a.session.whenSaved()
        await b.session.whenSaved()
        await new Promise((r) => setTimeout(r, 10))
      }
    }

    const doctor = person()
    consentA.setChoice({ compartments: ['core'], hours: 24 })
    const asked = requestFrom(doctor, now.t)
    const { grant: bytes, wraps } = await approved(consentA, asked.request)
    const grant = verifyGrant(bytes)
    // B learns the grant from the record: it lists the doctor, lets the doctor's device sync
    // core, and holds the visit compartment (the doctor's notes) under the same key
    const visitHex = toHex(grant.visitDocId!)
    await until(() => consentB.people().length === 1 && b.session.keyring.has(visitHex))
    expect(consentB.people().map((p) => [p.status, p.compartments])).toEqual([['active', ['core']]])
    expect(consentB.authorize(doctor.did, asked.peerId, kindOf(b.session, 'core')!.docId)).toBe(true)
    expect(consentB.authorize(doctor.did, asked.peerId, kindOf(b.session, 'sensitive')!.docId)).toBe(false)
    expect(b.session.keyring.get(visitHex)!.epochs.get(0)).toEqual(a.session.keyring.get(visitHex)!.epochs.get(0))
    expect(b.session.compartments.has(`visit:${toHex(grant.id)}` as never)).toBe(true)
    await consentA.revoke(toHex(grant.id))
    expect(kindOf(a.session, 'core')!.current).toBe(1)
    // the revocation snapshotted core under epoch 1; sync hands that snapshot over too
    for (const [kind, c] of b.session.compartments) {
      const snapshot = (await storeA.read(a.session.compartments.get(kind)!.compartment.docId)).snapshot
      if (snapshot !== undefined) problems.push(...(await c.persistence.receive([snapshot])).problems.map((p) => p.error))
    }

    // B learns the revocation too: the doctor's device is refused there as well
    await until(() => consentB.people()[0]?.status === 'revoked')
    expect(consentB.authorize(doctor.did, asked.peerId, kindOf(b.session, 'core')!.docId)).toBe(false)

    // A writes under epoch 1; B was never sent that key, derives it, and reads
    await addAllergy(a.session, 'Latex', now.t)
    await settle()
    expect(allergies(b.session)).toContain('Latex')
    expect(problems).toEqual([])
    expect(kindOf(b.session, 'core')!.current).toBe(1)
    expect(kindOf(b.session, 'core')!.epochs.get(1)).toEqual(kindOf(a.session, 'core')!.epochs.get(1))

    // B's own change is sealed under epoch 1 as well, and A reads it
    await addAllergy(b.session, 'Kiwi', now.t)
    await settle()
    expect(allergies(a.session)).toContain('Kiwi')
    const coreId = kindOf(a.session, 'core')!.docId
    expect(parseEnvelopeHeader((await storeB.read(coreId)).envelopes.at(-1)!).epoch).toBe(1)
    // and the revoked doctor holds no key that opens it: only epoch 0 was ever wrapped for it
    const drKeyring: Keyring = new Map()
    acceptWrappedKeys(drKeyring, coreId, 'core', wraps, doctor, grant.patient)
    expect([...(drKeyring.get(toHex(coreId))?.epochs.keys() ?? [])]).toEqual([0])

    // a claimed epoch ahead whose key is not the person's: refused by name, nothing learnt
    const forged = sealEnvelope({ docId: coreId, epoch: 3, author: a.session.device.publicKey, seq: 99, kind: 'update' }, new Uint8Array([0, 0]), {
      epochKey: new Uint8Array(32).fill(7),
      authorSecretKey: a.session.device.secretKey
    })
    const r = await b.session.compartments.get('core')!.persistence.receive([forged])
    expect(r.problems.map((p) => p.error)).toEqual(['DecryptError'])
    expect(kindOf(b.session, 'core')!.current).toBe(1)
    expect(kindOf(b.session, 'core')!.epochs.has(3)).toBe(false)
    consentA.stop()
    consentB.stop()
    await a.session.close()
    await b.session.close()
  })

  it('rotates when a grant expires, on the timer or at the next open', async () => {
    const now = { t: Date.UTC(2026, 10, 29, 9) }
    const clock = () => now.t
    const store = createMemoryStore()
    const { session, vaultKey } = await createRecordWithVault(store, 'pass', {}, fast)
    const vault = recordVault(store, vaultKey, session.device.publicKey, clock)
    const consent = createPatientConsent({ session, vault, vaultKey, clock })
    await consent.start()
    consent.setChoice({ compartments: ['results'], hours: 1 })
    await approved(consent, requestFrom(person(), now.t).request)
    consent.stop()
    await session.close()

    // closed while it expired: the next open rotates results
    now.t += 2 * HOUR
    const again = await openRecordWithVaultKey(store, vaultKey, fast)
    const consent2 = createPatientConsent({ session: again, vault, vaultKey, clock })
    await consent2.start()
    expect(kindOf(again, 'results')!.current).toBe(1)
    expect(consent2.people()[0]?.status).toBe('expired')
    expect(readAuditLog(again.get('audit')).entries.map((e) => e.action)).toEqual(['grant', 'revoke', 'rotate'])
    consent2.stop()
    await again.close()
  })
})

describe('consent state codec', () => {
  it('round-trips and refuses garbage by name', () => {
    const s = {
      grants: [new Uint8Array([1, 2])],
      revocations: [],
      ended: ['aa'],
      shelf: [{ person: 'did:key:z', docHex: '00', wraps: [new Uint8Array([3])] }],
      grantees: [{ did: 'did:key:z', peerId: 'p', deviceName: 'pc', x25519: new Uint8Array(32), mlkem: new Uint8Array(4), profileIssuedAt: 5, credential: { status: 'verified' as const, name: 'Dr A', authority: 'DEMO' } }],
      audit: { seq: 3, hash: new Uint8Array(32).fill(7) }
    }
    expect(decodeConsentState(encodeConsentState(s))).toEqual(s)
    for (const bad of ['', '{}', '{"v":2}', '{"v":1,"grants":[1]}', '{"v":1,"grants":[],"revocations":[],"ended":[],"shelf":[],"grantees":[{"did":"x"}]}']) {
      expect(() => decodeConsentState(utf8Encode(bad))).toThrow(expect.objectContaining({ name: 'ConsentStateFormatError' }))
    }
  })
})
