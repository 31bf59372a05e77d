/**
 * A visit over real libp2p (two Node peers, TCP + Noise): the patient grants a doctor the
 * `core` compartment; the doctor's device receives the wrapped key as KEYS and the core
 * envelopes, and is denied `sensitive`. The patient revokes: `core` rotates to a new epoch,
 * a new snapshot is sealed under it, and a new allergy written after that never reaches
 * the doctor's device — not live, not on a fresh sync — and could not be opened with any
 * key it holds even if it did (as from a mailbox).
 */
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { profileOf, verifyProfile } from '../../src/crypto/index.ts'
import { decodeSyncMessage } from '../../src/sync/index.ts'
import { openEnvelope, parseEnvelopeHeader } from '../../src/envelope/index.ts'
import { toHex, type DocId } from '../../src/lib/index.ts'
import { createMemoryStore, createPersistence } from '../../src/storage/index.ts'
import {
  acceptWrappedKeys,
  addCompartment,
  createConsentLedger,
  createKeyShelf,
  epochKeyOf,
  newGrantId,
  signGrant,
  signRevocation,
  type Keyring
} from '../../src/consent/index.ts'
import { persistableYDoc } from '../helpers/ydoc.ts'
import { device, eventually, person, type Device } from '../sync/helpers.ts'
import { startPeer, type RunningPeer } from '../sync/nodes.ts'

const HOUR = 3_600_000

interface KeyedReplica {
  ydoc: Y.Doc
  store: ReturnType<typeof createMemoryStore>
  persistence: ReturnType<typeof createPersistence>
  doc: { docId: DocId; store: ReturnType<typeof createMemoryStore>; persistence: ReturnType<typeof createPersistence> }
}

/** A replica whose keys come from a keyring: sealed under the current epoch, opened with any epoch held. */
async function keyedReplica(dev: Device, keyring: Keyring, docId: DocId): Promise<KeyedReplica> {
  const ydoc = new Y.Doc()
  const store = createMemoryStore()
  const hex = toHex(docId)
  const persistence = createPersistence({
    docId,
    doc: persistableYDoc(ydoc),
    store,
    batchMs: 5,
    keys: {
      author: dev.author,
      sealing: () => {
        const c = keyring.get(hex)
        const key = c?.epochs.get(c.current)
        if (c === undefined || key === undefined) throw new Error('no key to seal with')
        return { epoch: c.current, key }
      },
      epochKey: (d, e) => epochKeyOf(keyring, d, e)
    }
  })
  await persistence.load()
  return { ydoc, store, persistence, doc: { docId, store, persistence } }
}

const running: RunningPeer[] = []
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()))
})

describe('a visit: grant, read, revoke', () => {
  it('gives the doctor core and not sensitive, and nothing written after the revocation', async () => {
    const now = { t: Date.now() }
    const patient = person()
    const doctor = person()
    const phone = device(patient, 'phone')
    const clinicPc = device(doctor, 'clinic pc')

    // the patient's record: core and sensitive, each under its own epoch-0 key
    const keyring: Keyring = new Map()
    const core = addCompartment(keyring, 'core')
    const sensitive = addCompartment(keyring, 'sensitive')
    const pCore = await keyedReplica(phone, keyring, core.docId)
    const pSensitive = await keyedReplica(phone, keyring, sensitive.docId)
    pCore.ydoc.getMap('m').set('allergy', 'penicillin')
    pSensitive.ydoc.getMap('m').set('note', 'MARKER-sensitive-4c1e')
    await Promise.all([pCore.persistence.whenSaved(), pSensitive.persistence.whenSaved()])

    const ledger = createConsentLedger({ owner: patient.did, keyring, clock: () => now.t })
    const shelf = createKeyShelf()
    const doctorProfile = verifyProfile(profileOf(doctor, now.t))
    const grantId = newGrantId()
    const change = ledger.grant(
      signGrant({ id: grantId, grantee: doctor.did, devices: [], compartments: [core], rights: 'read', notBefore: now.t, notAfter: now.t + 24 * HOUR, issuedAt: now.t, purpose: 'visit' }, patient.signing.secretKey)
    )
    shelf.deliver(change.deliveries, patient.signing.secretKey, (did) => (did === doctor.did ? doctorProfile : undefined))

    const p = await startPeer(phone, { sync: { authorize: (person, device, docId) => ledger.authorize(person, device, docId), keys: (remote, docId) => shelf.keysFor(remote.person, docId) } })
    running.push(p)
    // what the patient's device reports it gave the doctor's (the audit log's counts)
    const sentTo: Array<{ docId: string; peerId: string; count: number }> = []
    p.sync.onEvent((e) => {
      if (e.type === 'envelopes-sent') sentTo.push(e)
    })
    p.sync.addDoc(pCore.doc)
    p.sync.addDoc(pSensitive.doc)

    // the doctor knows the doc ids from the grant; keys arrive as KEYS, only from the record's owner
    const drKeyring: Keyring = new Map()
    const accepted: string[] = []
    const d = await startPeer(clinicPc, {
      sync: {
        // ask the patient's devices for the docs of the grant; serve nothing to anyone
        wants: (remotePerson) => remotePerson === patient.did,
        authorize: () => false,
        onKeys: (remote, docId, wraps) => {
          const r = acceptWrappedKeys(drKeyring, docId, toHex(docId) === toHex(core.docId) ? 'core' : 'other', wraps, doctor, patient.did)
          accepted.push(`${remote.person === patient.did}:${r.added}:${r.problems.length}`)
        }
      }
    })
    running.push(d)
    const dCore = await keyedReplica(clinicPc, drKeyring, core.docId)
    const dSensitive = await keyedReplica(clinicPc, drKeyring, sensitive.docId)
    d.sync.addDoc(dCore.doc)
    d.sync.addDoc(dSensitive.doc)
    await d.sync.syncWith(p.addr)

    await eventually(() => dCore.ydoc.getMap('m').get('allergy') === 'penicillin', 10_000, 'the allergy at the doctor')
    expect(accepted).toEqual(['true:1:0'])
    expect(dSensitive.ydoc.getMap('m').toJSON()).toEqual({})
    expect(await dSensitive.store.read(sensitive.docId)).toEqual({ envelopes: [] })
    expect(drKeyring.has(toHex(sensitive.docId))).toBe(false)
    // live: a change while the grant is in force arrives
    pCore.ydoc.getMap('m').set('condition', 'asthma')
    await eventually(() => dCore.ydoc.getMap('m').get('condition') === 'asthma', 10_000, 'a live change at the doctor')

    // revoke: core moves to epoch 1, a snapshot is sealed under it, then a new allergy is written
    now.t += HOUR
    const revoked = ledger.revoke(signRevocation(grantId, now.t, patient.signing.secretKey))
    expect(revoked.rotations.map((r) => [r.kind, r.from, r.to])).toEqual([['core', 0, 1]])
    expect(revoked.deliveries).toEqual([])
    await pCore.persistence.compact()
    pCore.ydoc.getMap('m').set('allergy-2', 'latex')
    await pCore.persistence.whenSaved()
    const newEpoch = (await pCore.store.read(core.docId)).envelopes.map((e) => parseEnvelopeHeader(e)).filter((h) => h.epoch === 1)
    expect(newEpoch.length).toBeGreaterThan(0)

    // a fresh sync is denied, and no envelope of epoch 1 ever reached the doctor's device
    await d.sync.syncWith(p.addr).catch(() => undefined)
    const again = await d.sync.syncWith(p.addr)
    void again
    await new Promise((r) => setTimeout(r, 300))
    const received = d.trace.filter((t) => t.direction === 'in').map((t) => decodeSyncMessage(t.bytes))
    const epochsReceived = received.flatMap((m) => (m.type === 'envelopes' ? m.envelopes.map((e) => parseEnvelopeHeader(e).epoch) : []))
    expect(epochsReceived.length).toBeGreaterThan(0)
    expect(new Set(epochsReceived)).toEqual(new Set([0]))
    expect(received.some((m) => m.type === 'denied' && toHex(m.docId) === toHex(core.docId))).toBe(true)
    expect(dCore.ydoc.getMap('m').get('allergy-2')).toBeUndefined()
    // the counts the audit entry would carry are the envelopes that actually went: all of core
    expect(new Set(sentTo.map((x) => x.docId))).toEqual(new Set([toHex(core.docId)]))
    expect(new Set(sentTo.map((x) => x.peerId))).toEqual(new Set([clinicPc.peerId]))
    expect(sentTo.reduce((n, x) => n + x.count, 0)).toBe(epochsReceived.length)

    // as if fetched from a mailbox: nothing of epoch 1 opens with any key the doctor holds
    expect([...(drKeyring.get(toHex(core.docId))?.epochs.keys() ?? [])]).toEqual([0])
    for (const e of (await pCore.store.read(core.docId)).envelopes.filter((x) => parseEnvelopeHeader(x).epoch === 1)) {
      expect(() => openEnvelope(e, { epochKey: (docId, ep) => epochKeyOf(drKeyring, docId, ep) })).toThrow(expect.objectContaining({ name: 'KeyUnavailableError' }))
    }
  })
})
