/**
 * The consent ledger: grants hand out the current epoch keys of what they cover, once in
 * force; revocation and expiry rotate those compartments, and the fresh keys go only to
 * grants still in force; sync asks it who may read what.
 *
 * The model-based test drives grant / revoke / time passing / owner rotation / key
 * delivery ("sync") in any order (fast-check commands) and checks, after every step:
 * - a reader holds the key of an epoch only if one of its grants was in force while that
 *   epoch was current (it received it then);
 * - once the ledger has noticed a grant's end, a reader without a grant in force holds no
 *   current key of anything that grant covered;
 * - `authorize` answers exactly "has a grant in force now that covers the doc".
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createPerson } from '../../src/crypto/index.ts'
import { toHex } from '../../src/lib/index.ts'
import {
  addCompartment,
  createConsentLedger,
  newGrantId,
  signGrant,
  signRevocation,
  type ConsentLedger,
  type KeyDelivery,
  type Keyring,
  type LedgerChange
} from '../../src/consent/index.ts'
import { thrown } from '../crypto/helpers.ts'
import { fuzzRuns } from '../helpers/fuzz.ts'

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 10, 29, 9)
const owner = createPerson().keys
const readers = [createPerson().keys, createPerson().keys, createPerson().keys]
const DEVICE = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'

function setup(): { keyring: Keyring; ledger: ConsentLedger; now: { t: number }; docs: ReturnType<typeof addCompartment>[] } {
  const keyring: Keyring = new Map()
  const docs = ['core', 'vitals', 'sensitive'].map((k) => addCompartment(keyring, k))
  const now = { t: T0 }
  const ledger = createConsentLedger({ owner: owner.did, keyring, clock: () => now.t })
  return { keyring, ledger, now, docs }
}

describe('consent ledger', () => {
  it('hands the current keys to an active grant, rotates on revocation, and gives the new key only to those still allowed', () => {
    const { ledger, docs, now } = setup()
    const [core, vitals] = docs as [ReturnType<typeof addCompartment>, ReturnType<typeof addCompartment>]
    const doctor = readers[0]!
    const daughter = readers[1]!
    const visit = signGrant({ id: newGrantId(), grantee: doctor.did, devices: [], compartments: [core, vitals], rights: 'read', notBefore: T0, notAfter: T0 + 24 * HOUR, issuedAt: T0, purpose: 'visit' }, owner.signing.secretKey)
    const care = signGrant({ id: newGrantId(), grantee: daughter.did, devices: [DEVICE], compartments: [vitals], rights: 'read', notBefore: T0, notAfter: T0 + 365 * 24 * HOUR, issuedAt: T0, purpose: 'caregiver' }, owner.signing.secretKey)
    const first = ledger.grant(visit)
    expect(first.deliveries.map((d) => [d.grant.grantee, d.docId, d.epoch])).toEqual([
      [doctor.did, core.docId, 0],
      [doctor.did, vitals.docId, 0]
    ])
    ledger.grant(care)
    expect(ledger.authorize(doctor.did, 'any-device', core.docId)).toBe(true)
    expect(ledger.authorize(daughter.did, DEVICE, vitals.docId)).toBe(true)
    expect(ledger.authorize(daughter.did, 'another-device', vitals.docId)).toBe(false)
    expect(ledger.authorize(daughter.did, DEVICE, core.docId)).toBe(false)

    now.t += HOUR
    const gone = ledger.revoke(signRevocation(ledger.grants()[0]!.grant.id, now.t, owner.signing.secretKey))
    expect(gone.rotations.map((r) => [r.kind, r.from, r.to])).toEqual([
      ['core', 0, 1],
      ['vitals', 0, 1]
    ])
    // the caregiver keeps vitals: she alone gets its new key; nobody gets core's
    expect(gone.deliveries.map((d) => [d.grant.grantee, d.docId, d.epoch])).toEqual([[daughter.did, vitals.docId, 1]])
    expect(ledger.authorize(doctor.did, 'any-device', core.docId)).toBe(false)
    expect(ledger.grants().map((g) => g.status)).toEqual(['revoked', 'active'])
  })

  it('hands nothing out before notBefore, and rotates once a grant passes notAfter', () => {
    const { ledger, docs, now } = setup()
    const core = docs[0]!
    const g = signGrant({ id: newGrantId(), grantee: readers[0]!.did, devices: [], compartments: [core], rights: 'read', notBefore: T0 + HOUR, notAfter: T0 + 2 * HOUR, issuedAt: T0, purpose: 'visit' }, owner.signing.secretKey)
    expect(ledger.grant(g).deliveries).toEqual([])
    expect(ledger.authorize(readers[0]!.did, DEVICE, core.docId)).toBe(false)
    now.t = T0 + HOUR
    expect(ledger.tick().deliveries.map((d) => d.epoch)).toEqual([0])
    now.t = T0 + 2 * HOUR
    expect(ledger.authorize(readers[0]!.did, DEVICE, core.docId)).toBe(false) // at once, before any tick
    expect(ledger.tick().rotations.map((r) => [r.kind, r.to])).toEqual([['core', 1]])
    expect(ledger.tick()).toEqual({ rotations: [], deliveries: [] })
  })

  it('refuses grants and revocations that the owner did not sign, and grants of compartments it does not have', () => {
    const { ledger, docs } = setup()
    const stranger = readers[2]!
    const fields = { id: newGrantId(), grantee: readers[0]!.did, devices: [], compartments: [docs[0]!], rights: 'read' as const, notBefore: T0, notAfter: T0 + HOUR, issuedAt: T0, purpose: 'x' }
    expect(thrown(() => ledger.grant(signGrant(fields, stranger.signing.secretKey))).name).toBe('GrantNotValidError')
    const other = setup().docs[0]!
    expect(thrown(() => ledger.grant(signGrant({ ...fields, compartments: [other] }, owner.signing.secretKey))).name).toBe('GrantNotValidError')
    ledger.grant(signGrant(fields, owner.signing.secretKey))
    expect(thrown(() => ledger.revoke(signRevocation(fields.id, T0, stranger.signing.secretKey))).name).toBe('GrantNotValidError')
    expect(thrown(() => ledger.revoke(signRevocation(newGrantId(), T0, owner.signing.secretKey))).name).toBe('GrantNotValidError')
    expect(ledger.grants()[0]!.status).toBe('active')
  })

  it('restores grants and revocations without handing keys out or rotating again, and hands out keys of a grant that started while closed', () => {
    const { ledger, docs, now, keyring } = setup()
    const core = docs[0]!
    const sign = (notBefore: number): Uint8Array =>
      signGrant({ id: newGrantId(), grantee: readers[0]!.did, devices: [], compartments: [core], rights: 'read', notBefore, notAfter: notBefore + 5 * HOUR, issuedAt: T0, purpose: 'visit' }, owner.signing.secretKey)
    const now1 = sign(T0)
    const later = sign(T0 + HOUR)
    ledger.grant(now1)
    ledger.grant(later)
    const revoked = sign(T0)
    ledger.grant(revoked)
    const rev = signRevocation(ledger.grants()[2]!.grant.id, T0, owner.signing.secretKey)
    ledger.revoke(rev)
    const epochAfter = keyring.get(toHex(core.docId))!.current
    const hexOf = (b: Uint8Array): string => toHex(ledger.grants().find((g) => g.grant.bytes.length === b.length && toHex(g.grant.bytes) === toHex(b))!.grant.id)
    // the app closes; later reopens (the grant of `later` came into force meanwhile)
    now.t = T0 + 2 * HOUR
    const again = createConsentLedger({ owner: owner.did, keyring, clock: () => now.t })
    again.restore({ grants: [now1, later, revoked], revocations: [rev], ended: new Set([hexOf(revoked)]), started: new Set([hexOf(now1)]) })
    const first = again.tick()
    expect(first.rotations).toEqual([])
    expect(first.deliveries.map((d) => toHex(d.grant.id))).toEqual([hexOf(later)])
    expect(keyring.get(toHex(core.docId))!.current).toBe(epochAfter)
    expect(again.grants().map((g) => g.status)).toEqual(['active', 'active', 'revoked'])
    expect(again.tick()).toEqual({ rotations: [], deliveries: [] })
    // a revocation of another record's grant is refused on restore
    expect(thrown(() => again.restore({ grants: [], revocations: [signRevocation(newGrantId(), T0, owner.signing.secretKey)], ended: new Set() })).name).toBe('GrantNotValidError')
  })

  it('model: under any order of grant, revoke, expiry, rotation and sync, a reader holds a key only if a grant covered it', () => {
    type Model = { ledger: ConsentLedger; keyring: Keyring; now: { t: number }; docs: ReturnType<typeof addCompartment>[] }
    interface Real {
      grants: Array<{ id: Uint8Array; reader: number; docs: number[]; notBefore: number; notAfter: number; revokedAt?: number }>
      /** doc hex → epoch → [start, end) */
      epochs: Map<string, Map<number, { start: number; end: number }>>
      /** keys in flight to each reader (sync delivers them later, in any order) */
      inFlight: KeyDelivery[][]
      /** what each reader holds: doc hex:epoch */
      held: Set<string>[]
    }
    const activeAt = (g: Real['grants'][number], t: number): boolean => t >= g.notBefore && t < g.notAfter && (g.revokedAt === undefined || t < g.revokedAt)
    const absorb = (m: Model, r: Real, change: LedgerChange): void => {
      for (const rot of change.rotations) {
        const eps = r.epochs.get(toHex(rot.docId))!
        eps.get(rot.from)!.end = m.now.t
        eps.set(rot.to, { start: m.now.t, end: Infinity })
      }
      for (const d of change.deliveries) {
        const reader = readers.findIndex((p) => p.did === d.grant.grantee)
        // only while the grant is in force, and only the epoch current now
        const g = r.grants.find((x) => toHex(x.id) === toHex(d.grant.id))!
        expect(activeAt(g, m.now.t)).toBe(true)
        expect(m.keyring.get(toHex(d.docId))!.current).toBe(d.epoch)
        r.inFlight[reader]!.push(d)
      }
    }
    const check = (m: Model, r: Real): void => {
      readers.forEach((p, i) => {
        for (const item of r.held[i]!) {
          const [hex, e] = item.split(':') as [string, string]
          const life = r.epochs.get(hex)!.get(Number(e))!
          const docIdx = m.docs.findIndex((d) => toHex(d.docId) === hex)
          // some instant when the epoch was current (an epoch may start and end at one instant) and the grant in force
          const covered = r.grants.some((g) => {
            const from = Math.max(life.start, g.notBefore)
            return g.reader === i && g.docs.includes(docIdx) && from <= life.end && from < Math.min(g.notAfter, g.revokedAt ?? Infinity)
          })
          expect(covered, `${i} holds ${item}`).toBe(true)
        }
        m.docs.forEach((d, di) => {
          const shouldRead = r.grants.some((g) => g.reader === i && g.docs.includes(di) && activeAt(g, m.now.t))
          expect(m.ledger.authorize(p.did, DEVICE, d.docId)).toBe(shouldRead)
        })
      })
    }
    const afterTick = (m: Model, r: Real): void => {
      // once noticed, an ended grant leaves its reader no current key of what it covered, unless another grant covers it
      readers.forEach((_, i) => {
        m.docs.forEach((d, di) => {
          const current = `${toHex(d.docId)}:${m.keyring.get(toHex(d.docId))!.current}`
          const inForce = r.grants.some((g) => g.reader === i && g.docs.includes(di) && activeAt(g, m.now.t))
          if (!inForce) expect(r.held[i]!.has(current) || r.inFlight[i]!.some((x) => `${toHex(x.docId)}:${x.epoch}` === current), `reader ${i} keeps ${d.kind}`).toBe(false)
        })
      })
    }

    const GrantCmd = (reader: number, docs: number[], startIn: number, hours: number): fc.Command<Model, Real> => ({
      check: (): boolean => true,
      run(m: Model, r: Real): void {
        const id = newGrantId()
        const notBefore = m.now.t + startIn
        const notAfter = notBefore + hours * HOUR
        r.grants.push({ id, reader, docs, notBefore, notAfter })
        const compartments = docs.map((i) => m.docs[i]!)
        absorb(m, r, m.ledger.grant(signGrant({ id, grantee: readers[reader]!.did, devices: [], compartments, rights: 'read', notBefore, notAfter, issuedAt: m.now.t, purpose: 'model' }, owner.signing.secretKey)))
        check(m, r)
        afterTick(m, r)
      },
      toString: (): string => `grant(${reader}, [${docs.join()}], +${startIn}, ${hours}h)`
    })
    const RevokeCmd = (pick: number): fc.Command<Model, Real> => ({
      check: (_m: Readonly<Model>): boolean => true,
      run(m: Model, r: Real): void {
        if (r.grants.length === 0) return
        const g = r.grants[pick % r.grants.length]!
        m.now.t += 1 // a revocation comes after what happened before it (deliveries included)
        if (g.revokedAt === undefined) g.revokedAt = m.now.t
        absorb(m, r, m.ledger.revoke(signRevocation(g.id, m.now.t, owner.signing.secretKey)))
        check(m, r)
        afterTick(m, r)
      },
      toString: (): string => `revoke(#${pick})`
    })
    const AdvanceCmd = (ms: number): fc.Command<Model, Real> => ({
      check: (): boolean => true,
      run(m: Model, r: Real): void {
        m.now.t += ms
        check(m, r) // before the ledger notices: authorize already refuses what ended
        absorb(m, r, m.ledger.tick())
        check(m, r)
        afterTick(m, r)
      },
      toString: (): string => `advance(${ms})`
    })
    const RotateCmd = (doc: number): fc.Command<Model, Real> => ({
      check: (): boolean => true,
      run(m: Model, r: Real): void {
        absorb(m, r, m.ledger.rotate(m.docs[doc]!.docId))
        check(m, r)
      },
      toString: (): string => `rotate(${doc})`
    })
    const SyncCmd = (reader: number, count: number): fc.Command<Model, Real> => ({
      check: (): boolean => true,
      run(m: Model, r: Real): void {
        // deliver some of what is in flight, newest first (any order must be safe)
        const queue = r.inFlight[reader]!
        for (const d of queue.splice(Math.max(0, queue.length - count)).reverse()) r.held[reader]!.add(`${toHex(d.docId)}:${d.epoch}`)
        check(m, r)
      },
      toString: (): string => `sync(${reader}, ${count})`
    })

    const reader = fc.integer({ min: 0, max: readers.length - 1 })
    const commands = [
      fc.tuple(reader, fc.subarray([0, 1, 2], { minLength: 1 }), fc.constantFrom(0, 0, HOUR, 3 * HOUR), fc.integer({ min: 1, max: 6 })).map(([a, b, c, d]) => GrantCmd(a, b, c, d)),
      fc.nat(20).map((i) => RevokeCmd(i)),
      fc.constantFrom(1, HOUR / 2, HOUR, 2 * HOUR, 5 * HOUR).map((ms) => AdvanceCmd(ms)),
      fc.integer({ min: 0, max: 2 }).map((d) => RotateCmd(d)),
      fc.tuple(reader, fc.integer({ min: 1, max: 5 })).map(([a, n]) => SyncCmd(a, n))
    ]
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 40 }), (cmds) => {
        const s = setup()
        const real: Real = {
          grants: [],
          epochs: new Map(s.docs.map((d) => [toHex(d.docId), new Map([[0, { start: T0, end: Infinity }]])])),
          inFlight: readers.map(() => []),
          held: readers.map(() => new Set<string>())
        }
        fc.modelRun(() => ({ model: { ledger: s.ledger, keyring: s.keyring, now: s.now, docs: s.docs }, real }), cmds)
      }),
      { numRuns: fuzzRuns(60, 2000) }
    )
  })
})
