/**
 * The blind mailbox over real libp2p (TCP and WebSockets on 127.0.0.1): an owner registers
 * a doc, device A deposits while device B is offline, B fetches exactly what it missed and
 * ends with A's content; the mailbox holds only ciphertext; strangers, forgeries, bad
 * signatures, quota overruns and revoked parties are refused with named errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPerson } from '../../src/crypto/index.ts'
import { sealEnvelope } from '../../src/envelope/index.ts'
import { toHex, utf8Encode } from '../../src/lib/index.ts'
import { signRegistration, type MailboxParty } from '../../src/sync/mailbox/index.ts'
import { rejected } from '../crypto/helpers.ts'
import { mailboxFileBytes, newDocSecrets, openDoc, startDevice, startRelay, type TestDevice, type TestRelay } from './helpers.ts'

function registration(owner: TestDevice, docId: Uint8Array, version: number, parties: MailboxParty[] = []): Uint8Array {
  return signRegistration({ docId, version, issuedAt: Date.now(), parties }, owner.person.signing.secretKey)
}

describe('mailbox over libp2p', () => {
  let r: TestRelay
  const devices: TestDevice[] = []
  const device = async (...args: Parameters<typeof startDevice>): Promise<TestDevice> => {
    const d = await startDevice(...args)
    devices.push(d)
    return d
  }

  beforeAll(async () => {
    r = await startRelay()
  })
  afterAll(async () => {
    await Promise.all(devices.map((d) => d.stop()))
    await r.stop()
  })

  it('B, offline while A deposits, fetches exactly what it missed and ends with A’s doc; the database holds no plaintext', async () => {
    const patient = createPerson().keys
    const a = await device(patient, 'phone')
    const secrets = newDocSecrets()
    const markers = ['MARKER-allergy-penicillin-7f3a', 'MARKER-condition-asthma-91c2', 'MARKER-med-salbutamol-55e0', 'MARKER-late-note-0b4d']
    const docA = await openDoc(a, secrets)
    await docA.write('allergy', markers[0] as string)
    await docA.write('condition', markers[1] as string)
    await docA.write('medication', markers[2] as string)

    const viaTcp = a.mailbox(r.tcpAddr)
    expect(await viaTcp.register(registration(a, secrets.docId, 1))).toEqual({ version: 1 })
    expect(await viaTcp.deposit(secrets.docId, docA.sealed)).toEqual({ stored: 3, skipped: 0 })
    // depositing again stores nothing twice
    expect(await viaTcp.deposit(secrets.docId, docA.sealed)).toEqual({ stored: 0, skipped: 3 })

    // B comes online only now, over WebSockets
    const b = await device(patient, 'laptop')
    const docB = await openDoc(b, secrets)
    const viaWs = b.mailbox(r.wsAddr)
    const first = await viaWs.fetch(secrets.docId, { vector: docB.persistence.vector() })
    expect(first.complete).toBe(true)
    expect(first.envelopes.map(toHex)).toEqual(docA.sealed.map(toHex))
    const report = await docB.persistence.receive(first.envelopes)
    expect(report).toMatchObject({ applied: 3, problems: [] })
    expect(docB.notes()).toEqual(docA.notes())

    // A writes more while B is away again; B fetches only the new envelope
    await docA.write('late', markers[3] as string)
    await viaTcp.deposit(secrets.docId, docA.sealed.slice(3))
    const second = await viaWs.fetch(secrets.docId, { vector: docB.persistence.vector() })
    expect(second.envelopes.map(toHex)).toEqual([toHex(docA.sealed[3] as Uint8Array)])
    await docB.persistence.receive(second.envelopes)
    expect(docB.notes()).toEqual(docA.notes())
    expect((await viaWs.fetch(secrets.docId, { vector: docB.persistence.vector() })).envelopes).toEqual([])

    // blind: the raw database files hold the doc id (the grep finds what is there) but no marker
    const raw = await mailboxFileBytes(r.dataDir)
    expect(raw.indexOf(Buffer.from(secrets.docId))).toBeGreaterThanOrEqual(0)
    for (const m of markers) expect(raw.indexOf(Buffer.from(m)), m).toBe(-1)
    expect(JSON.stringify(docA.notes())).toContain(markers[3])
  })

  it('fetches in bounded pages and stops at the caller’s maxEnvelopes', async () => {
    const a = await device()
    const secrets = newDocSecrets()
    const doc = await openDoc(a, secrets)
    for (let i = 0; i < 12; i++) await doc.write(`k${i}`, `v${i}`)
    const mb = a.mailbox(r.tcpAddr, { limits: { maxBatchEnvelopes: 5 } })
    await mb.register(registration(a, secrets.docId, 1))
    expect(await mb.deposit(secrets.docId, doc.sealed)).toEqual({ stored: 12, skipped: 0 })
    const all = await mb.fetch(secrets.docId)
    expect(all.envelopes.map(toHex)).toEqual(doc.sealed.map(toHex))
    const some = await mb.fetch(secrets.docId, { maxEnvelopes: 7 })
    expect(some.complete).toBe(false)
    expect(some.envelopes.length).toBeGreaterThanOrEqual(7)
    expect(some.envelopes.length).toBeLessThan(12)
  })

  it('refuses strangers: fetch and deposit by an unlisted person, and any access to an unregistered doc', async () => {
    const owner = await device()
    const stranger = await device()
    const secrets = newDocSecrets()
    const doc = await openDoc(owner, secrets)
    await doc.write('x', 'secret')
    await owner.mailbox(r.tcpAddr).register(registration(owner, secrets.docId, 1))
    await owner.mailbox(r.tcpAddr).deposit(secrets.docId, doc.sealed)

    const theirs = stranger.mailbox(r.tcpAddr)
    expect((await rejected(() => theirs.fetch(secrets.docId))).name).toBe('MailboxAccessDeniedError')
    const own = await openDoc(stranger, secrets)
    await own.write('y', 'spam')
    expect((await rejected(() => theirs.deposit(secrets.docId, own.sealed))).name).toBe('MailboxAccessDeniedError')
    // an unregistered doc answers the same way, so a stranger cannot probe which ids exist
    const unknown = newDocSecrets().docId
    expect((await rejected(() => owner.mailbox(r.tcpAddr).fetch(unknown))).name).toBe('MailboxAccessDeniedError')
    // a device without a certificate is only its PeerId: not the owner
    expect((await rejected(() => createMailboxWithoutCert(owner, r).fetch(secrets.docId))).name).toBe('MailboxAccessDeniedError')
  })

  it('refuses forged registrations: a bad signature, another person claiming the doc, an older version', async () => {
    const owner = await device()
    const mallory = await device()
    const secrets = newDocSecrets()
    const mb = owner.mailbox(r.tcpAddr)
    const good = registration(owner, secrets.docId, 2)
    const forged = good.slice()
    forged[forged.length - 1]! ^= 1
    expect((await rejected(() => mb.register(forged))).name).toBe('MailboxRegistrationRefusedError')
    expect(await mb.register(good)).toEqual({ version: 2 })
    expect(await mb.register(good)).toEqual({ version: 2 }) // the same bytes again: idempotent
    // mallory signs a registration for the same doc id with her own key
    const claim = registration(mallory, secrets.docId, 9)
    expect((await rejected(() => mallory.mailbox(r.tcpAddr).register(claim))).name).toBe('MailboxRegistrationRefusedError')
    expect((await rejected(() => mallory.mailbox(r.tcpAddr).fetch(secrets.docId))).name).toBe('MailboxAccessDeniedError')
    expect((await rejected(() => mb.register(registration(owner, secrets.docId, 1)))).name).toBe('MailboxStaleRegistrationError')
    expect((await rejected(() => mb.register(registration(owner, secrets.docId, 2, [{ person: mallory.did, fetch: true, deposit: false }])))).name).toBe(
      'MailboxStaleRegistrationError'
    )
  })

  it('refuses a batch with a badly signed envelope, an unlisted author or another doc’s envelope, and stores nothing of it', async () => {
    const owner = await device()
    const secrets = newDocSecrets()
    const doc = await openDoc(owner, secrets)
    for (let i = 0; i < 3; i++) await doc.write(`k${i}`, `v${i}`)
    const mb = owner.mailbox(r.tcpAddr)
    await mb.register(registration(owner, secrets.docId, 1))
    const before = r.relay.mailbox?.stats().storedEnvelopes

    // the owner's second device wrote an envelope; the first forwards it, damaged on the way
    const laptop = await device(owner.person, 'laptop')
    const fromLaptop = await openDoc(laptop, secrets)
    await fromLaptop.write('k9', 'v9')
    const tampered = (fromLaptop.sealed[0] as Uint8Array).slice()
    tampered[tampered.length - 80]! ^= 0x40 // a ciphertext byte: only the signature can tell
    const err = await rejected(() => mb.deposit(secrets.docId, [doc.sealed[0] as Uint8Array, doc.sealed[1] as Uint8Array, tampered], { certs: [laptop.cert] }))
    expect(err.name).toBe('MailboxEnvelopeRefusedError')
    expect(err.message).toContain('SignatureInvalidError')

    const outsider = createPerson().keys
    const foreign = sealEnvelope({ docId: secrets.docId, epoch: 0, author: outsider.signing.publicKey, seq: 1, kind: 'update' }, utf8Encode('x'), {
      epochKey: secrets.epochKey,
      authorSecretKey: outsider.signing.secretKey
    })
    const err2 = await rejected(() => mb.deposit(secrets.docId, [doc.sealed[0] as Uint8Array, foreign]))
    expect(err2.name).toBe('MailboxEnvelopeRefusedError')
    expect(err2.message).toContain('AuthorNotAllowedError')

    const other = newDocSecrets()
    const otherDoc = await openDoc(owner, other)
    await otherDoc.write('x', 'y')
    expect((await rejected(() => mb.deposit(secrets.docId, otherDoc.sealed))).name).toBe('MailboxEnvelopeRefusedError')

    expect(r.relay.mailbox?.stats().storedEnvelopes).toBe(before)
    expect((await mb.fetch(secrets.docId)).envelopes).toEqual([])
  })

  it('takes a device’s own envelopes on the strength of the Noise channel, and the reader still refuses a damaged one by name', async () => {
    const patient = createPerson().keys
    const phone = await device(patient, 'phone')
    const secrets = newDocSecrets()
    const doc = await openDoc(phone, secrets)
    await doc.write('a', '1')
    await doc.write('b', '2')
    const mb = phone.mailbox(r.tcpAddr)
    await mb.register(registration(phone, secrets.docId, 1))
    // the author is the depositor: Noise proved its key, so the relay does not re-check the signature
    const damaged = (doc.sealed[1] as Uint8Array).slice()
    damaged[damaged.length - 80]! ^= 0x40
    expect(await mb.deposit(secrets.docId, [doc.sealed[0] as Uint8Array, damaged])).toEqual({ stored: 2, skipped: 0 })
    // whoever fetches verifies before decrypting: the damaged envelope is named, the good one applies
    const laptop = await device(patient, 'laptop')
    const mine = await openDoc(laptop, secrets)
    const fetched = await laptop.mailbox(r.wsAddr).fetch(secrets.docId, { vector: mine.persistence.vector() })
    const report = await mine.persistence.receive(fetched.envelopes)
    expect(report.applied).toBe(1)
    expect(report.problems.map((p) => p.error)).toEqual(['SignatureInvalidError'])
    expect(mine.notes()).toEqual({ a: '1' })
  })

  it('a listed doctor deposits; the patient forwards the doctor’s envelopes with the doctor’s certificate; a cert for another PeerId is refused in HELLO', async () => {
    const patient = await device()
    const doctor = await device(createPerson().keys, 'clinic pc')
    const secrets = newDocSecrets()
    await patient.mailbox(r.tcpAddr).register(registration(patient, secrets.docId, 1, [{ person: doctor.did, fetch: true, deposit: true }]))
    const note = await openDoc(doctor, secrets)
    await note.write('visit', 'notes')
    await note.write('plan', 'rest')
    expect(await doctor.mailbox(r.wsAddr).deposit(secrets.docId, note.sealed.slice(0, 1))).toEqual({ stored: 1, skipped: 0 })
    // the patient relays the doctor's second envelope: without the doctor's cert the author is unknown
    const forward = patient.mailbox(r.tcpAddr)
    expect((await rejected(() => forward.deposit(secrets.docId, note.sealed.slice(1)))).name).toBe('MailboxEnvelopeRefusedError')
    expect(await forward.deposit(secrets.docId, note.sealed.slice(1), { certs: [doctor.cert] })).toEqual({ stored: 1, skipped: 0 })
    expect((await forward.fetch(secrets.docId)).envelopes.length).toBe(2)

    // HELLO with someone else's device certificate: Noise proves the PeerId does not match
    const liar = patient.mailbox(r.tcpAddr, { deviceCert: doctor.cert })
    expect((await rejected(() => liar.fetch(secrets.docId))).name).toBe('MailboxHelloRefusedError')
  })

  it('a registration update removing a party stops their fetches and deposits', async () => {
    const patient = await device()
    const doctor = await device()
    const laptop = await device(createPerson().keys) // listed by PeerId only, no person
    const secrets = newDocSecrets()
    const doc = await openDoc(patient, secrets)
    await doc.write('x', '1')
    const mb = patient.mailbox(r.tcpAddr)
    await mb.register(
      registration(patient, secrets.docId, 1, [
        { person: doctor.did, fetch: true, deposit: true },
        { device: laptop.peerId, fetch: true, deposit: false }
      ])
    )
    await mb.deposit(secrets.docId, doc.sealed)
    const drMailbox = doctor.mailbox(r.tcpAddr)
    const laptopMailbox = createMailboxWithoutCert(laptop, r)
    expect((await drMailbox.fetch(secrets.docId)).envelopes.length).toBe(1)
    expect((await laptopMailbox.fetch(secrets.docId)).envelopes.length).toBe(1)

    // revoke the doctor (version 2 lists only the laptop)
    await mb.register(registration(patient, secrets.docId, 2, [{ device: laptop.peerId, fetch: true, deposit: false }]))
    expect((await rejected(() => drMailbox.fetch(secrets.docId))).name).toBe('MailboxAccessDeniedError')
    const drDoc = await openDoc(doctor, secrets)
    await drDoc.write('late', 'after revocation')
    expect((await rejected(() => drMailbox.deposit(secrets.docId, drDoc.sealed))).name).toBe('MailboxAccessDeniedError')
    expect((await laptopMailbox.fetch(secrets.docId)).envelopes.length).toBe(1)
    // the laptop may fetch but not deposit
    expect((await rejected(() => laptopMailbox.deposit(secrets.docId, doc.sealed))).name).toBe('MailboxAccessDeniedError')
  })

  it('a deposited snapshot expires the envelopes it covers; a later fetch gets the snapshot and rebuilds the doc', async () => {
    const patient = createPerson().keys
    const a = await device(patient)
    const secrets = newDocSecrets()
    const docA = await openDoc(a, secrets)
    for (let i = 0; i < 5; i++) await docA.write(`k${i}`, `value ${i}`)
    const mb = a.mailbox(r.tcpAddr)
    await mb.register(registration(a, secrets.docId, 1))
    await mb.deposit(secrets.docId, docA.sealed)
    expect((await mb.fetch(secrets.docId)).envelopes.length).toBe(5)
    const stored = r.relay.mailbox?.stats().storedEnvelopes ?? 0

    await docA.persistence.compact()
    const snapshot = (await docA.store.read(secrets.docId)).snapshot
    if (snapshot === undefined) throw new Error('no snapshot')
    expect(await mb.deposit(secrets.docId, [snapshot])).toEqual({ stored: 1, skipped: 0 })
    expect(r.relay.mailbox?.stats().storedEnvelopes).toBe(stored - 5 + 1)
    // an update the snapshot covers is now refused as already covered (skipped, not stored)
    expect(await mb.deposit(secrets.docId, docA.sealed.slice(0, 1))).toEqual({ stored: 0, skipped: 1 })

    const b = await device(patient)
    const docB = await openDoc(b, secrets)
    const fetched = await b.mailbox(r.wsAddr).fetch(secrets.docId)
    expect(fetched.envelopes.map(toHex)).toEqual([toHex(snapshot)])
    await docB.persistence.receive(fetched.envelopes)
    expect(docB.notes()).toEqual(docA.notes())
  })
})

describe('mailbox quotas and age expiry', () => {
  it('a deposit over the owner’s quota fails with MailboxQuotaExceededError and stores nothing of the batch', async () => {
    const r = await startRelay({ quotas: { maxEnvelopesPerOwner: 5, maxBytesPerOwner: 64 * 1024, maxDocsPerOwner: 2 } })
    const a = await startDevice()
    try {
      const secrets = newDocSecrets()
      const doc = await openDoc(a, secrets)
      for (let i = 0; i < 7; i++) await doc.write(`k${i}`, `v${i}`)
      const mb = a.mailbox(r.tcpAddr)
      await mb.register(registration(a, secrets.docId, 1))
      expect((await rejected(() => mb.deposit(secrets.docId, doc.sealed.slice(0, 6)))).name).toBe('MailboxQuotaExceededError')
      expect((await mb.fetch(secrets.docId)).envelopes).toEqual([])
      expect(r.relay.mailbox?.store.usage(a.person.signing.publicKey)).toMatchObject({ bytes: 0, envelopes: 0 })
      expect(await mb.deposit(secrets.docId, doc.sealed.slice(0, 5))).toEqual({ stored: 5, skipped: 0 })
      expect((await rejected(() => mb.deposit(secrets.docId, doc.sealed.slice(5, 6)))).name).toBe('MailboxQuotaExceededError')
      expect((await mb.fetch(secrets.docId)).envelopes.length).toBe(5)

      // bytes: one large envelope over 64 KiB
      const d2 = newDocSecrets()
      const bigDoc = await openDoc(a, d2)
      await bigDoc.write('blob', 'x'.repeat(70 * 1024))
      await mb.register(registration(a, d2.docId, 1))
      expect((await rejected(() => mb.deposit(d2.docId, bigDoc.sealed))).name).toBe('MailboxQuotaExceededError')
      // docs: a third registration is over maxDocsPerOwner
      expect((await rejected(() => mb.register(registration(a, newDocSecrets().docId, 1)))).name).toBe('MailboxQuotaExceededError')
    } finally {
      await a.stop()
      await r.stop()
    }
  })

  it('envelopes older than maxAgeMs are deleted and their bytes returned to the owner', async () => {
    let clock = Date.now()
    const r = await startRelay({ maxAgeMs: 60_000, now: () => clock })
    const a = await startDevice()
    try {
      const secrets = newDocSecrets()
      const doc = await openDoc(a, secrets)
      await doc.write('old', '1')
      const mb = a.mailbox(r.tcpAddr)
      await mb.register(registration(a, secrets.docId, 1))
      await mb.deposit(secrets.docId, doc.sealed)
      clock += 30_000
      await doc.write('new', '2')
      await mb.deposit(secrets.docId, doc.sealed.slice(1))
      clock += 40_000 // the first is 70 s old, the second 40 s
      expect(r.relay.mailbox?.expire()).toBe(1)
      const left = await mb.fetch(secrets.docId)
      expect(left.envelopes.map(toHex)).toEqual([toHex(doc.sealed[1] as Uint8Array)])
      expect(r.relay.mailbox?.store.usage(a.person.signing.publicKey).envelopes).toBe(1)
    } finally {
      await a.stop()
      await r.stop()
    }
  })
})

/** A client that presents no device certificate (the device is then only its PeerId). */
function createMailboxWithoutCert(d: TestDevice, r: TestRelay): ReturnType<TestDevice['mailbox']> {
  return d.mailbox(r.tcpAddr, { deviceCert: undefined })
}
