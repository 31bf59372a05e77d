/**
 * Break-glass over a real record (memory store, the app's vault and consent service) and
 * real Node peers (TCP + Noise) speaking `/phr/break-glass/1`: the patient opts in; a
 * clinician's device with a licence presents the capability from the emergency link and
 * gets, without anyone approving, a read-only grant of `core` alone for the hours chosen,
 * marked as an emergency override (purpose BTG), audited as `emergency-access`, listed
 * for the patient, and revocable with key rotation. Each refusal arrives on the
 * clinician's side as its named error: no opt-in, a forged or replaced token, an expired
 * token, a spent one, no (or an expired) licence, more than `core`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryStore } from '../../src/storage/index.ts'
import { toHex } from '../../src/lib/index.ts'
import {
  acceptWrappedKeys,
  auditEntryToFhir,
  BreakGlassCredentialError,
  BreakGlassNotEnabledError,
  BreakGlassScopeError,
  BreakGlassTokenExpiredError,
  BreakGlassTokenInvalidError,
  BreakGlassTokenUsedError,
  BREAK_GLASS_OFF,
  BREAK_GLASS_PURPOSE,
  decideBreakGlass,
  grantToFhirConsent,
  isEmergencyGrant,
  readAuditLog,
  type BreakGlassSettings,
  type Keyring
} from '../../src/consent/index.ts'
import { createPerson, createTrustList, issueCredential, profileOf } from '../../src/crypto/index.ts'
import {
  BREAK_GLASS_PROTOCOL,
  createBreakGlassHost,
  createNodePeer,
  decodeBreakGlassMessage,
  encodeBreakGlassCapability,
  encodeBreakGlassMessage,
  breakGlassProof,
  parseBreakGlassCapability,
  requestBreakGlass,
  type Peer
} from '../../src/sync/index.ts'
import { frameStream } from '../../src/sync/frames.ts'
import { multiaddr } from '@multiformats/multiaddr'
import { createRecordWithVault } from '../../src/app/record-session.ts'
import { recordVault } from '../../src/app/vault-items.ts'
import { createPatientConsent } from '../../src/app/patient-consent.ts'
import { createPatientBreakGlass } from '../../src/app/break-glass.ts'
import { emergencyCardOf, emergencyLink, readEmergencyLink, withBreakGlass } from '../../src/app/emergency.ts'
import { device, person, privateKeyOf, type Device } from '../sync/helpers.ts'

const fast = { scrypt: { log2N: 10, r: 8, p: 1 }, batchMs: 1 }
const HOUR = 3_600_000
const DAY = 24 * HOUR
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

/** A patient's record with consent and break-glass running, its device listening for emergency requests. */
async function patientSide() {
  const now = { t: Date.UTC(2026, 10, 29, 9) }
  const clock = () => now.t
  const store = createMemoryStore()
  const { session, vaultKey } = await createRecordWithVault(store, 'pass', {}, fast)
  const vault = recordVault(store, vaultKey, session.device.publicKey, clock)
  const consent = createPatientConsent({ session, vault, vaultKey, clock })
  await consent.start()
  cleanup.push(async () => consent.stop())
  const breakGlass = createPatientBreakGlass({ session, vaultKey, consent, clock })
  await breakGlass.start()
  const patient = await vault.person()
  const phone = device(patient, 'phone')
  const peer = await node(phone)
  const host = createBreakGlassHost(peer, { deviceCert: phone.cert, trustList, clock, token: () => breakGlass.token(), approve: (r) => breakGlass.approve(r) })
  await host.start()
  cleanup.push(() => host.stop())
  const capability = (): string => {
    const c = breakGlass.capability(patient.did, phone.peerId, [peer.getMultiaddrs()[0]!.toString()])
    if (c === undefined) throw new Error('emergency access is off')
    return c
  }
  return { now, store, session, vaultKey, consent, breakGlass, patient, peer, capability }
}

/** A clinician's device; `licence`: verified (default), untrusted, expired or none. */
async function clinician(now: { t: number }, licence: 'verified' | 'untrusted' | 'expired' | 'none' = 'verified') {
  const keys = person()
  const dev = device(keys, 'ambulance tablet')
  const peer = await node(dev)
  const issuer = licence === 'untrusted' ? createPerson().keys : authority
  const validUntil = licence === 'expired' ? now.t - DAY : now.t + 365 * DAY
  const credential = licence === 'none' ? undefined : issueCredential({ did: keys.did, name: 'Dr Bobur Aliyev', licence: 'UZ-EM-77', specialty: 'Emergency medicine', validUntil }, issuer.signing.secretKey)
  const ask = (text: string) =>
    requestBreakGlass(peer, text, { deviceCert: dev.cert, profile: profileOf(keys, now.t), ...(credential === undefined ? {} : { credential }), clock: () => now.t, timeoutMs: 20_000 })
  return { keys, dev, peer, ask }
}

const nameOf = (p: Promise<unknown>): Promise<string> => p.then(() => 'granted', (e: unknown) => (e instanceof Error ? e.name : String(e)))
const kindOf = (k: Keyring, kind: string) => [...k.values()].find((c) => c.kind === kind)

describe('break-glass access', () => {
  it('opens core alone, read only, without anyone approving; audited as an emergency override; revocable with rotation', async () => {
    const p = await patientSide()
    await p.breakGlass.enable({ hours: 2, maxUses: 3 })
    expect(p.breakGlass.view()).toMatchObject({ enabled: true, hours: 2, usesLeft: 3 })
    // the emergency link carries the capability after the card, and the card still reads
    const link = withBreakGlass(await emergencyLink(emergencyCardOf(p.session), 'https://phr.example'), p.capability())
    expect((await readEmergencyLink(new URL(link).hash)).name).toBeTypeOf('string')
    expect(parseBreakGlassCapability(link).person).toBe(p.patient.did)

    const c = await clinician(p.now)
    const accepted = await c.ask(link)
    // the grant: this clinician's device, core only, read only, 2 h, marked as an emergency override
    expect(accepted.grant).toMatchObject({ patient: p.patient.did, grantee: c.keys.did, devices: [c.dev.peerId], rights: 'read', purpose: BREAK_GLASS_PURPOSE })
    expect(accepted.grant.visitDocId).toBeUndefined()
    expect(accepted.grant.compartments.map((x) => x.kind)).toEqual(['core'])
    expect(accepted.grant.notAfter - accepted.grant.notBefore).toBe(2 * HOUR)
    expect(isEmergencyGrant(accepted.grant)).toBe(true)
    // its key opens core for the clinician
    const core = kindOf(p.session.keyring, 'core')!
    const drKeyring: Keyring = new Map()
    expect(acceptWrappedKeys(drKeyring, core.docId, 'core', accepted.wraps, c.keys, p.patient.did)).toEqual({ added: 1, problems: [] })
    // sync: core to that device only; nothing else of the record
    expect(p.consent.authorize(c.keys.did, c.dev.peerId, core.docId)).toBe(true)
    for (const kind of ['results', 'vitals', 'notes', 'documents', 'sensitive', 'audit']) expect(p.consent.authorize(c.keys.did, c.dev.peerId, kindOf(p.session.keyring, kind)!.docId), kind).toBe(false)
    expect(p.consent.mayWrite(toHex(core.docId), c.dev.author.publicKey)).toBe(false)

    // the patient sees it: an emergency entry among the people, one use spent
    expect(p.consent.people()).toEqual([expect.objectContaining({ did: c.keys.did, name: 'Dr Bobur Aliyev', emergency: true, status: 'active', compartments: ['core'] })])
    expect(p.breakGlass.view().usesLeft).toBe(2)
    // the audit log: an emergency-access entry, exported with the HL7 v3 ActReason BTG purpose
    const log = readAuditLog(p.session.get('audit'))
    expect(log.problems).toEqual([])
    const entry = log.entries.find((e) => e.action === 'emergency-access')
    expect(entry).toMatchObject({ actor: c.keys.did, details: { compartments: 'core', credential: 'verified', name: 'Dr Bobur Aliyev', until: accepted.grant.notAfter } })
    expect(log.entries.some((e) => e.action === 'grant')).toBe(false)
    expect(auditEntryToFhir(entry!)).toMatchObject({ purposeOfEvent: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG' }] }] })
    expect(grantToFhirConsent(accepted.grant, 'active')).toMatchObject({ provision: { purpose: [{ code: 'BTG' }] } })

    // the same clinician again while the access is in force: refused as reused
    expect(await nameOf(c.ask(link))).toBe('BreakGlassTokenUsedError')

    // revoked like any grant: core moves to a new epoch, the clinician's device is refused
    await p.consent.revoke(p.consent.people()[0]!.grantId)
    expect(kindOf(p.session.keyring, 'core')!.current).toBe(1)
    expect(p.consent.authorize(c.keys.did, c.dev.peerId, core.docId)).toBe(false)
    expect(p.consent.people()[0]).toMatchObject({ status: 'revoked', emergency: true })
  }, 60_000)

  it('refuses by name: no opt-in, a forged or replaced token, an expired token, a spent one, no or an expired licence', async () => {
    const p = await patientSide()
    const c = await clinician(p.now)
    // never switched on: the emergency QR carries no capability, and a made-up one is refused
    expect(p.breakGlass.capability(p.patient.did, 'x', ['y'])).toBeUndefined()
    const madeUp = encodeBreakGlassCapability({ token: new Uint8Array(16).fill(7), person: p.patient.did, peerId: p.peer.peerId.toString(), expiresAt: p.now.t + DAY, addrs: [p.peer.getMultiaddrs()[0]!.toString()] })
    expect(await nameOf(c.ask(madeUp))).toBe('BreakGlassNotEnabledError')
    expect(await nameOf(c.ask('https://phr.example/emergency#e1.abc'))).toBe('BreakGlassCapabilityFormatError')

    await p.breakGlass.enable({ hours: 1, maxUses: 1, days: 30 })
    const first = p.capability()
    // forged: the right device, a token the patient never made
    expect(await nameOf(c.ask(madeUp))).toBe('BreakGlassTokenInvalidError')
    // replaced: switched on again (a new QR) — the old code is no longer the current one
    await p.breakGlass.enable({ hours: 1, maxUses: 1, days: 30 })
    expect(await nameOf(c.ask(first))).toBe('BreakGlassTokenInvalidError')
    const current = p.capability()

    // no licence, an expired one: refused, and no use is spent
    expect(await nameOf((await clinician(p.now, 'none')).ask(current))).toBe('BreakGlassCredentialError')
    expect(await nameOf((await clinician(p.now, 'expired')).ask(current))).toBe('BreakGlassCredentialError')
    expect(p.breakGlass.view().usesLeft).toBe(1)
    expect(p.consent.people()).toEqual([])

    // one-time use: the first clinician gets in, the next is refused
    expect(await nameOf(c.ask(current))).toBe('granted')
    expect(await nameOf((await clinician(p.now)).ask(current))).toBe('BreakGlassTokenUsedError')

    // expired: refused before dialling (the code says so), and by the patient's device when the clinician's clock is behind
    await p.breakGlass.enable({ hours: 1, maxUses: 3, days: 1 })
    const shortLived = p.capability()
    p.now.t += 2 * DAY
    expect(await nameOf(c.ask(shortLived))).toBe('BreakGlassTokenExpiredError')
    const behind = await clinician({ t: p.now.t - 3 * DAY })
    expect(await nameOf(behind.ask(shortLived))).toBe('BreakGlassTokenExpiredError')

    // switched off after the QR was made: refused, though the code is well formed and current
    p.now.t -= 2 * DAY
    await p.breakGlass.disable()
    expect(await nameOf((await clinician(p.now)).ask(shortLived))).toBe('BreakGlassNotEnabledError')
    expect(p.consent.people().filter((x) => x.status === 'active')).toHaveLength(1)
  }, 90_000)

  it('lets a licence from an unknown authority in, flagged in the audit log', async () => {
    const p = await patientSide()
    await p.breakGlass.enable({ hours: 4 })
    const c = await clinician(p.now, 'untrusted')
    const accepted = await c.ask(p.capability())
    expect(accepted.grant.notAfter - accepted.grant.notBefore).toBe(4 * HOUR)
    const entry = readAuditLog(p.session.get('audit')).entries.find((e) => e.action === 'emergency-access')
    expect(entry?.details).toMatchObject({ credential: 'untrusted', flagged: 'unknown licensing authority' })
    expect(p.consent.people()[0]?.credential.status).toBe('untrusted')
  }, 60_000)

  it('refuses a request for more than core (a client that does not keep to the protocol)', async () => {
    const p = await patientSide()
    await p.breakGlass.enable({ hours: 1 })
    const cap = parseBreakGlassCapability(p.capability())
    const keys = person()
    const dev = device(keys, 'rogue')
    const peer = await node(dev)
    const credential = issueCredential({ did: keys.did, name: 'Dr X', licence: 'L', specialty: 'S', validUntil: p.now.t + DAY }, authority.signing.secretKey)
    const connection = await peer.dial(multiaddr(cap.addrs[0]))
    const stream = await connection.newStream(BREAK_GLASS_PROTOCOL)
    const frames = frameStream(stream, { maxFrameBytes: 1 << 20, maxBufferedBytes: 1 << 21, frameTimeoutMs: 10_000 })
    const proof = breakGlassProof(cap.token, cap.peerId, dev.peerId)
    await frames.write(encodeBreakGlassMessage({ type: 'request', proof, cert: dev.cert, profile: profileOf(keys, p.now.t), credential, scope: ['core', 'sensitive'] }), AbortSignal.timeout(10_000))
    const answer = decodeBreakGlassMessage((await frames.read(AbortSignal.timeout(10_000)))!)
    expect(answer).toEqual({ type: 'reject', reason: 6 })
    frames.close()
    expect(p.consent.people()).toEqual([])
    expect(p.breakGlass.view().usesLeft).toBe(3)
  }, 60_000)
})

describe('break-glass policy', () => {
  const on: BreakGlassSettings = { enabled: true, hours: 2, maxUses: 2, token: new Uint8Array(16), tokenExpiresAt: 1_000, uses: [] }
  const ok = { did: 'did:key:z', proofMatches: true, credential: 'verified' as const, scope: ['core'], activeGrantsOfClinician: 0 }
  const refusal = (s: BreakGlassSettings, a: Partial<typeof ok> | Record<string, unknown>, now = 10): string => {
    try {
      decideBreakGlass(s, { ...ok, ...a }, now)
      return 'granted'
    } catch (err) {
      return (err as Error).name
    }
  }

  it('decides in order and names every refusal', () => {
    expect(decideBreakGlass(on, ok, 10)).toEqual({ notBefore: 10, notAfter: 10 + 2 * HOUR, flagged: false })
    expect(refusal(BREAK_GLASS_OFF, {})).toBe(new BreakGlassNotEnabledError('').name)
    expect(refusal(on, { proofMatches: false })).toBe(new BreakGlassTokenInvalidError('').name)
    expect(refusal(on, {}, 1_000)).toBe(new BreakGlassTokenExpiredError('').name)
    expect(refusal({ ...on, uses: [{ at: 1, did: 'a', grantId: 'g' }, { at: 2, did: 'b', grantId: 'h' }] }, {})).toBe(new BreakGlassTokenUsedError('').name)
    expect(refusal(on, { activeGrantsOfClinician: 1 })).toBe('BreakGlassTokenUsedError')
    for (const credential of ['none', 'invalid', 'expired']) expect(refusal(on, { credential }), credential).toBe(new BreakGlassCredentialError('').name)
    expect(decideBreakGlass(on, { ...ok, credential: 'untrusted' }, 10).flagged).toBe(true)
    for (const scope of [[], ['vitals'], ['core', 'vitals'], ['sensitive']]) expect(refusal(on, { scope }), scope.join()).toBe(new BreakGlassScopeError('').name)
    // off wins over everything else, a forged proof over expiry
    expect(refusal({ ...on, enabled: false }, { proofMatches: false, credential: 'none' })).toBe('BreakGlassNotEnabledError')
    expect(refusal(on, { proofMatches: false }, 5_000)).toBe('BreakGlassTokenInvalidError')
  })

  it('bounds the patient’s choice', () => {
    const p = createPatientBreakGlass({ session: { store: createMemoryStore() }, vaultKey: new Uint8Array(32), consent: { people: () => [], emergencyGrant: () => Promise.reject(new Error('unused')) } })
    expect(() => p.enable({ hours: 5 })).toThrow(RangeError)
    expect(() => p.enable({ hours: 0 })).toThrow(RangeError)
    expect(() => p.enable({ hours: 2, maxUses: 11 })).toThrow(RangeError)
    expect(() => p.enable({ hours: 2, days: 0 })).toThrow(RangeError)
  })
})
