/**
 * Visit invites over `/phr/invite/1` between real Node peers (TCP + Noise): the patient's
 * device shows an invite, the doctor's device answers it with its certificate, receiving
 * keys and credential; the patient sees who is asking ("verified by …", "unverified") and
 * approves; the doctor gets a grant for itself and keys it can open. Tokens work once and
 * expire; a wrong token, a declined request, and answers that do not hold up are refused
 * by name.
 */
import { afterEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createPerson, createTrustList, issueCredential, profileOf, type PersonKeys } from '../../src/crypto/index.ts'
import { toHex } from '../../src/lib/index.ts'
import { acceptWrappedKeys, addCompartment, createConsentLedger, createKeyShelf, newGrantId, signGrant, type Keyring } from '../../src/consent/index.ts'
import { answerInvite, createInviteHost, createNodePeer, decodeInviteMessage, encodeInvite, encodeInviteMessage, parseInvite, type InviteGrant, type InviteHost, type InviteRequest, type Peer } from '../../src/sync/index.ts'
import { device, person, privateKeyOf, type Device } from './helpers.ts'
import { fuzzRuns } from '../helpers/fuzz.ts'

const HOUR = 3_600_000
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function node(d: Device): Promise<Peer> {
  const p = await createNodePeer({ privateKey: await privateKeyOf(d), allowInsecureLoopback: true, listen: ['/ip4/127.0.0.1/tcp/0'] })
  cleanup.push(async () => {
    await p.stop()
  })
  return p
}

const authority = createPerson().keys
const trustList = createTrustList([{ did: authority.did, name: 'Ministry of Health of Uzbekistan' }])

interface Setup {
  patient: PersonKeys
  doctor: PersonKeys
  keyring: Keyring
  host: InviteHost
  patientNode: Peer
  doctorNode: Peer
  doctorDevice: Device
  requests: InviteRequest[]
  now: { t: number }
}

async function setup(approve: (r: InviteRequest, s: { keyring: Keyring; patient: PersonKeys }) => InviteGrant | undefined): Promise<Setup> {
  const now = { t: Date.now() }
  const patient = person()
  const doctor = person()
  const phone = device(patient, 'phone')
  const doctorDevice = device(doctor, 'clinic pc')
  const keyring: Keyring = new Map()
  addCompartment(keyring, 'core')
  addCompartment(keyring, 'sensitive')
  const patientNode = await node(phone)
  const doctorNode = await node(doctorDevice)
  const requests: InviteRequest[] = []
  const host = createInviteHost(patientNode, {
    deviceCert: phone.cert,
    trustList,
    clock: () => now.t,
    approve: (r) => {
      requests.push(r)
      return approve(r, { keyring, patient })
    }
  })
  await host.start()
  cleanup.push(() => host.stop())
  return { patient, doctor, keyring, host, patientNode, doctorNode, doctorDevice, requests, now }
}

/** The patient's "approve": a 24 h read grant of `core`, its key wrapped for the doctor. */
function grantCore(r: InviteRequest, s: { keyring: Keyring; patient: PersonKeys }): InviteGrant {
  const core = [...s.keyring.values()].find((c) => c.kind === 'core')!
  const ledger = createConsentLedger({ owner: s.patient.did, keyring: s.keyring })
  const shelf = createKeyShelf()
  const now = Date.now()
  const grant = signGrant({ id: newGrantId(), grantee: r.person, devices: [r.peerId], compartments: [core], rights: 'read', notBefore: now, notAfter: now + 24 * HOUR, issuedAt: now, purpose: 'visit' }, s.patient.signing.secretKey)
  shelf.deliver(ledger.grant(grant).deliveries, s.patient.signing.secretKey, (did) => (did === r.person ? r.profile : undefined))
  return { grant, wraps: shelf.keysFor(r.person, core.docId) }
}

const addrOf = (p: Peer): string => p.getMultiaddrs()[0]!.toString()

describe('visit invites', () => {
  it('let a verified doctor in once the patient approves, with keys only the doctor can open', async () => {
    const s = await setup(grantCore)
    const { payload } = s.host.createInvite([addrOf(s.patientNode)])
    expect(payload.startsWith('phr-invite:')).toBe(true)
    expect(parseInvite(payload).person).toBe(s.patient.did)
    const credential = issueCredential({ did: s.doctor.did, name: 'Dr. Dilnoza Karimova', licence: 'UZ-12345', specialty: 'General practice', validUntil: s.now.t + 365 * 24 * HOUR }, authority.signing.secretKey)
    const accepted = await answerInvite(s.doctorNode, payload, { deviceCert: s.doctorDevice.cert, profile: profileOf(s.doctor, s.now.t), credential })

    // what the patient saw
    expect(s.requests).toHaveLength(1)
    const seen = s.requests[0]!
    expect(seen).toMatchObject({ person: s.doctor.did, peerId: s.doctorDevice.peerId, device: { name: 'clinic pc' } })
    expect(seen.credential).toMatchObject({ status: 'verified', authorityName: 'Ministry of Health of Uzbekistan', credential: { name: 'Dr. Dilnoza Karimova', licence: 'UZ-12345' } })

    // what the doctor got: a grant for itself, signed by the patient, and core's key
    expect(accepted.grant).toMatchObject({ patient: s.patient.did, grantee: s.doctor.did, devices: [s.doctorDevice.peerId] })
    expect(accepted.grant.compartments.map((c) => c.kind)).toEqual(['core'])
    const core = [...s.keyring.values()].find((c) => c.kind === 'core')!
    const drKeyring: Keyring = new Map()
    expect(acceptWrappedKeys(drKeyring, core.docId, 'core', accepted.wraps, s.doctor, s.patient.did)).toEqual({ added: 1, problems: [] })
    expect(toHex(drKeyring.get(toHex(core.docId))!.epochs.get(0)!)).toBe(toHex(core.epochs.get(0)!))
    // another person cannot open the same wraps
    const other = createPerson().keys
    expect(acceptWrappedKeys(new Map(), core.docId, 'core', accepted.wraps, other, s.patient.did).problems.map((p) => p.error)).toEqual(['WrapRecipientMismatchError'])

    // the token worked once
    const again = await answerInvite(s.doctorNode, payload, { deviceCert: s.doctorDevice.cert, profile: profileOf(s.doctor, s.now.t) }).catch((e: Error) => e)
    expect((again as Error).name).toBe('InviteTokenError')
  })

  it('show a doctor without a credential, or with someone else’s or an untrusted one, as not verified', async () => {
    const s = await setup(() => undefined)
    const stranger = createPerson().keys
    const rogueAuthority = createPerson().keys
    const cases = [
      undefined,
      issueCredential({ did: stranger.did, name: 'Dr. Someone Else', licence: 'X', specialty: 'X', validUntil: s.now.t + HOUR }, authority.signing.secretKey),
      issueCredential({ did: s.doctor.did, name: 'Dr. Self-made', licence: 'X', specialty: 'X', validUntil: s.now.t + HOUR }, rogueAuthority.signing.secretKey),
      issueCredential({ did: s.doctor.did, name: 'Dr. Lapsed', licence: 'X', specialty: 'X', validUntil: s.now.t - 1 }, authority.signing.secretKey)
    ]
    for (const credential of cases) {
      const { payload } = s.host.createInvite([addrOf(s.patientNode)])
      const err = await answerInvite(s.doctorNode, payload, { deviceCert: s.doctorDevice.cert, profile: profileOf(s.doctor, s.now.t), ...(credential === undefined ? {} : { credential }) }).catch((e: Error) => e)
      expect((err as Error).name).toBe('InviteRejectedError') // the patient declined
    }
    expect(s.requests.map((r) => r.credential.status)).toEqual(['none', 'none', 'untrusted', 'expired'])
  })

  it('refuse an expired invite, a wrong token, and a grant that is not for this doctor', async () => {
    const s = await setup(grantCore)
    const { payload } = s.host.createInvite([addrOf(s.patientNode)])
    const opts = { deviceCert: s.doctorDevice.cert, profile: profileOf(s.doctor, s.now.t) }
    // the doctor's clock says it has expired: refused before dialing
    expect(((await answerInvite(s.doctorNode, payload, { ...opts, clock: () => s.now.t + HOUR }).catch((e: Error) => e)) as Error).name).toBe('InviteTokenError')
    // the patient's device has let it expire
    s.now.t += HOUR
    expect(((await answerInvite(s.doctorNode, payload, opts).catch((e: Error) => e)) as Error).name).toBe('InviteTokenError')
    // a guessed token: the real invite with another token
    const real = parseInvite(s.host.createInvite([addrOf(s.patientNode)]).payload)
    const guessed = encodeInvite({ ...real, token: new Uint8Array(16).fill(9) })
    expect(((await answerInvite(s.doctorNode, guessed, opts).catch((e: Error) => e)) as Error).name).toBe('InviteTokenError')

    // a patient device answering with a grant for someone else (or with someone else's keys)
    const odd = await setup((r, st) => {
      const core = [...st.keyring.values()].find((c) => c.kind === 'core')!
      const t = Date.now()
      const grant = signGrant({ id: newGrantId(), grantee: createPerson().keys.did, devices: [], compartments: [core], rights: 'read', notBefore: t, notAfter: t + HOUR, issuedAt: t, purpose: 'visit' }, st.patient.signing.secretKey)
      return { grant, wraps: [] }
    })
    const oddInvite = odd.host.createInvite([addrOf(odd.patientNode)]).payload
    const err = await answerInvite(odd.doctorNode, oddInvite, { deviceCert: odd.doctorDevice.cert, profile: profileOf(odd.doctor, odd.now.t) }).catch((e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).name).toBe('InviteMessageFormatError')
    expect((err as Error).message).toContain('someone else')
  })

  it('decode any bytes or text to a message or a named error', () => {
    const good = encodeInviteMessage({ type: 'request', proof: new Uint8Array(32), cert: new Uint8Array(100).fill(1), profile: new Uint8Array(50).fill(2), credential: new Uint8Array(0) })
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(good.length), fc.string({ maxLength: 300 }), (noise, cut, text) => {
        for (const input of [noise, Uint8Array.from([...good.subarray(0, cut), ...noise])]) {
          try {
            decodeInviteMessage(input)
          } catch (err) {
            expect((err as Error).name).toBe('InviteMessageFormatError')
          }
        }
        for (const t of [text, 'phr-invite:' + text]) {
          try {
            parseInvite(t)
          } catch (err) {
            expect((err as Error).name).toBe('InvitePayloadFormatError')
          }
        }
      }),
      { numRuns: fuzzRuns(5000, 200_000) }
    )
  })
})
