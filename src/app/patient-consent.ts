/**
 * The patient's side of consent in an open record (DESIGN §8): sharing for a visit,
 * deciding on a doctor's request, the people with access, revoking, expiry, and the audit
 * entries of all of it. It holds the consent ledger over the record's own keyring (a
 * rotation takes effect for the next envelope) and the key shelf that sync serves.
 *
 * The visit compartment: on approval the *patient's* device creates `visit:<grantId>`
 * (a fresh doc id and epoch-0 key in the record's keyring), names it in the grant
 * (`visitDocId`, rights `read+visit-write`) and wraps its key for the doctor along with
 * the others. So the patient holds its key from the start (nothing has to come back to
 * read the notes) and the record's keyring stays the one list of its compartments; the
 * doctor's device is the only other author the patient's device accepts in it (the
 * grant lists that device).
 */
import { equalBytes, fromHex, toHex } from '../lib/index.ts'
import { authorKeyOfPeerId } from '../sync/index.ts'
import type { InviteGrant, InviteRequest } from '../sync/index.ts'
import { deriveEpochKey, deriveEpochSeed, parseWrap, unwrapKey, wrapKey, type PersonKeys, type Profile } from '../crypto/index.ts'
import { visitCompartment, type FhirResource } from '../record/index.ts'
import {
  addCompartment,
  auditHeadOf,
  AuditAction,
  BREAK_GLASS_PURPOSE,
  createConsentLedger,
  isEmergencyGrant,
  createKeyShelf,
  grantIdHex,
  newGrantId,
  openVaultItem,
  recordAudit,
  sealVaultItem,
  signGrant,
  signRevocation,
  verifyGrant,
  type AuditChainHead,
  type ConsentLedger,
  type Grant,
  type GrantStatus,
  type KeyShelf,
  type LedgerChange
} from '../consent/index.ts'
import { saveKeyring, type RecordSession } from './record-session.ts'
import type { RecordVault } from './vault-items.ts'
import { readSharedGrants, sharedConsentOf } from './shared-consent.ts'
import { decodeConsentState, emptyConsentState, encodeConsentState, type ConsentState, type Grantee, type GranteeCredential } from './consent-state.ts'

/** The compartments a patient may share for a visit; `sensitive` only when picked. */
export const SHAREABLE = ['core', 'results', 'vitals', 'notes', 'documents', 'sensitive'] as const
export type Shareable = (typeof SHAREABLE)[number]

/**
 * Whom a grant is for (DESIGN §8, delegation): a doctor for a visit (read, and write the
 * visit compartment), or a caregiver — a family member, a person without a licence — who
 * holds a long-lived read grant (vitals, for example) and writes nothing.
 */
export const GranteeRole = {
  /** A doctor, for a visit: at most 30 days, with a visit compartment. */
  visit: 'visit',
  /** A family member looking after the person: read only, up to a year. */
  caregiver: 'caregiver'
} as const
export type GranteeRole = (typeof GranteeRole)[keyof typeof GranteeRole]

/** A caregiver's grant says so in its signed purpose: `caregiver: vitals`. */
export const CAREGIVER_PURPOSE = 'caregiver'
/** Longest grant: a visit's. */
export const MAX_VISIT_HOURS = 24 * 30
/** Longest grant: a caregiver's. */
export const MAX_CAREGIVER_HOURS = 24 * 366

/** The role a grant was made for, read from its signed purpose. */
export function roleOfGrant(grant: Pick<Grant, 'purpose' | 'rights'>): GranteeRole {
  return grant.rights === 'read' && grant.purpose.startsWith(`${CAREGIVER_PURPOSE}:`) ? GranteeRole.caregiver : GranteeRole.visit
}

/** What the patient chose to share. */
export interface ShareChoice {
  readonly compartments: readonly Shareable[]
  /** How long, in hours (1 to 24 × 30 for a visit, to 24 × 366 for a caregiver). */
  readonly hours: number
  /** @default GranteeRole.visit */
  readonly role?: GranteeRole
}

/** A doctor asking, as shown to the patient. */
export interface VisitRequest {
  /** What the patient is sharing: a visit, or a caregiver's grant. */
  readonly role: GranteeRole
  readonly person: string
  readonly deviceName: string
  readonly credential: GranteeCredential
}

/** One person with access (or who had it). */
export interface PersonWithAccess {
  readonly grantId: string
  readonly did: string
  readonly name: string
  readonly credential: GranteeCredential
  readonly compartments: readonly string[]
  readonly notAfter: number
  readonly status: GrantStatus
  /** A doctor (visit) or a family member (caregiver). */
  readonly role: GranteeRole
  /** An emergency override (break-glass), not a grant the patient approved on screen. */
  readonly emergency: boolean
}

/** The window and id of an emergency grant, as the break-glass policy decided it. */
export interface EmergencyWindow {
  readonly id: Uint8Array
  readonly notBefore: number
  readonly notAfter: number
  /** The clinician's credential is from an authority this app does not list. */
  readonly flagged: boolean
}

/** A note a doctor wrote in a visit compartment. */
export interface VisitNote {
  readonly id: string
  readonly text: string
  readonly at?: string
  /** The doctor's name from the grant's credential (or their device name). */
  readonly author: string
  /** Every envelope of the visit compartment is signed by the grant's device (or this person's). */
  readonly signatureValid: boolean
}

/** What the consent service is given. */
export interface PatientConsentComponents {
  readonly session: RecordSession
  readonly vault: RecordVault
  readonly vaultKey: Uint8Array
  /** @default Date.now */
  readonly clock?: () => number
}

/** The patient's consent service. */
export interface PatientConsent {
  /** Reads the sealed state, takes back the ledger, and starts the expiry timer. */
  start(): Promise<void>
  stop(): void
  /** Sync hooks. */
  authorize(person: string, device: string, docId: Uint8Array): boolean
  /**
   * Whether an envelope by `author` may change the compartment `docHex`: a device a grant
   * names (a doctor's) writes only the visit compartment of its grant — a read grant gives
   * the compartment's key, never the right to change it; every other author is the
   * owner's. Checked by the record's persistence before the signature, for every envelope
   * stored or received.
   */
  mayWrite(docHex: string, author: Uint8Array): boolean
  wants(person: string, device: string, docId: Uint8Array): boolean
  keysFor(person: string, docId: Uint8Array): Uint8Array[]
  /**
   * Whether a video call with `person`'s device `peerId` under grant `grantIdHex` is allowed:
   * that grant is in force now (not expired, not revoked), names that person, and lists that
   * device (or any of theirs).
   */
  callAllowed(person: string, peerId: string, grantIdHex: string): boolean
  /** Whom to ring for a grant in force: the grantee and their device; undefined otherwise. */
  callTarget(grantIdHex: string): { person: string; peerId: string; grantId: Uint8Array } | undefined
  /** Sets what the next invite shares. */
  setChoice(choice: ShareChoice): void
  /** The invite host's `approve` hook: waits for the patient's decision. */
  approve(request: InviteRequest): Promise<InviteGrant | undefined>
  /** The request waiting for a decision. */
  pending(): VisitRequest | undefined
  /** The patient's decision on the pending request. */
  decide(approve: boolean): void
  /**
   * Grants a clinician emergency (break-glass) access without asking anyone: `core` only,
   * read only, for the window given, purpose `BREAK_GLASS_PURPOSE`, audited as
   * `emergency-access`. The break-glass policy (`app/break-glass.ts`) decides before this.
   * @throws {RangeError} when not started or the record has no `core`
   */
  emergencyGrant(request: InviteRequest, window: EmergencyWindow): Promise<InviteGrant>
  people(): PersonWithAccess[]
  /** Revokes a grant: rotation, new snapshots, keyring and audit saved. */
  revoke(grantIdHex: string): Promise<void>
  visitNotes(): VisitNote[]
  /** Records an audit entry of this device. */
  audit(action: string, actor: string, details: Record<string, string | number>): void
  /** Calls `listener` when anything shown changes. */
  subscribe(listener: () => void): () => void
  /** Called when a visit compartment was added (sync registers it). */
  onCompartment(listener: (docHex: string) => void): () => void
}

const STATE_ITEM = 'consent'
const HOUR = 3_600_000

/** Creates the service; nothing is read until `start()`. */
export function createPatientConsent(components: PatientConsentComponents): PatientConsent {
  const { session, vault, vaultKey } = components
  const clock = components.clock ?? Date.now
  const listeners = new Set<() => void>()
  const compartmentListeners = new Set<(docHex: string) => void>()
  let owner = ''
  let ledger: ConsentLedger | undefined
  let shelf: KeyShelf = createKeyShelf()
  let grantees: Grantee[] = []
  let choice: Required<ShareChoice> = { compartments: ['core'], hours: 24, role: GranteeRole.visit }
  let waiting: { request: InviteRequest; view: VisitRequest; resolve: (ok: boolean) => void } | undefined
  let timer: ReturnType<typeof setInterval> | undefined
  let auditHead: AuditChainHead | undefined
  let stopAbsorbing: (() => void) | undefined
  // one change at a time: a revoke and a tick never interleave their rotations
  let chain: Promise<unknown> = Promise.resolve()
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const next = chain.then(task, task)
    chain = next.catch(() => undefined)
    return next
  }
  const notify = (): void => {
    for (const l of listeners) l()
  }

  const verdictOf = (c: InviteRequest['credential']): GranteeCredential => {
    switch (c.status) {
      case 'verified':
        return { status: 'verified', name: c.credential.name, licence: c.credential.licence, specialty: c.credential.specialty, authority: c.authorityName }
      case 'expired':
      case 'untrusted':
        return { status: c.status, name: c.credential.name, licence: c.credential.licence, specialty: c.credential.specialty }
      case 'invalid':
        return { status: 'invalid' }
      case 'none':
        return { status: 'none' }
    }
  }

  async function save(): Promise<void> {
    const l = ledger
    if (l === undefined) return
    const grants = l.grants()
    const state: ConsentState = {
      grants: grants.map((g) => g.grant.bytes),
      revocations: l.revocations().map((r) => r.bytes),
      ended: grants.filter((g) => g.status === 'expired' || g.status === 'revoked').map((g) => grantIdHex(g.grant.id)),
      shelf: shelf.entries(),
      grantees,
      ...(auditHead === undefined ? {} : { audit: auditHead })
    }
    await session.store.putMeta(STATE_ITEM, sealVaultItem(vaultKey, STATE_ITEM, encodeConsentState(state)))
  }

  function auditEntry(action: string, actor: string, details: Record<string, string | number>): void {
    const c = session.compartments.get('audit')
    if (c === undefined) return
    auditHead ??= auditHeadOf(c.compartment, session.device.publicKey)
    auditHead = recordAudit(c.compartment, auditHead, { at: clock(), action, actor, details }, session.device.secretKey)
  }

  const profileOfGrantee = (did: string): Profile | undefined => {
    const g = grantees.find((x) => x.did === did)
    return g === undefined ? undefined : { person: g.did, x25519PublicKey: g.x25519, mlkemPublicKey: g.mlkem, issuedAt: g.profileIssuedAt }
  }

  /** Carries out what the ledger asked: wraps, new snapshots under new epochs, keyring saved, audit. */
  async function apply(change: LedgerChange): Promise<void> {
    const person = await vault.person()
    if (change.deliveries.length > 0) shelf.deliver(change.deliveries, person.signing.secretKey, profileOfGrantee)
    if (change.rotations.length > 0) {
      // the keyring first: envelopes sealed under the new epoch must open after a restart
      await saveKeyring(session.store, vaultKey, session.keyring)
      for (const r of change.rotations) {
        const c = [...session.compartments.values()].find((x) => equalBytes(x.compartment.docId, r.docId))
        if (c === undefined) continue
        await c.persistence.whenSaved()
        // DESIGN §8: a new snapshot under the new key; nothing after it opens with the old one
        await c.persistence.compact()
        auditEntry(AuditAction.rotate, owner, { compartment: r.kind, from: r.from, to: r.to })
      }
    }
    await save()
  }

  async function tick(): Promise<void> {
    const l = ledger
    if (l === undefined) return
    const change = l.tick()
    // grants whose time ran out (now, or while the app was closed): their end is recorded once, with the rotation
    const ended = new Map(change.rotations.flatMap((r) => r.because).map((g) => [grantIdHex(g.id), g]))
    for (const [hex, g] of ended) auditEntry(AuditAction.revoke, g.grantee, { grant: hex, reason: 'expired' })
    if (change.rotations.length > 0 || change.deliveries.length > 0) {
      await apply(change)
      notify()
    }
  }

  function nameOf(did: string): { name: string; credential: GranteeCredential } {
    const g = grantees.find((x) => x.did === did)
    if (g === undefined) return { name: did.slice(0, 16), credential: { status: 'none' } }
    return { name: g.credential.name ?? g.deviceName, credential: g.credential }
  }

  /** The person's own receiving keys as a profile: what a key is wrapped to for their other devices. */
  const selfProfile = (person: PersonKeys): Profile => ({ person: person.did, x25519PublicKey: person.agreement.publicKey, mlkemPublicKey: person.kem.publicKey, issuedAt: 0 })

  /** Shares a grant (and its revocation, once there is one) with the person's other devices, in the audit compartment. */
  function share(g: Parameters<typeof sharedConsentOf>[0]): void {
    session.compartments.get('audit')?.compartment.resources.put(sharedConsentOf(g))
  }

  /** Binds the visit compartment of a grant made on another of the person's devices. */
  async function adoptVisit(grant: Grant, wrap: Uint8Array, person: PersonKeys): Promise<void> {
    const docId = grant.visitDocId
    if (docId === undefined || session.keyring.has(toHex(docId))) return
    // only the owner wraps a visit key for the person: anything else is refused by name
    const unwrapped = unwrapKey(wrap, person, { isAllowedSender: (sender) => equalBytes(sender, person.signing.publicKey) })
    if (!equalBytes(unwrapped.docId, docId) || unwrapped.epoch !== 0) throw new RangeError('consent: the shared visit key is for another compartment')
    session.keyring.set(toHex(docId), { docId: docId, kind: visitCompartment(grantIdHex(grant.id)), current: 0, epochs: new Map([[0, unwrapped.key]]) })
    await saveKeyring(session.store, vaultKey, session.keyring)
    await session.bindCompartment(toHex(docId))
    for (const cl of compartmentListeners) cl(toHex(docId))
  }

  /**
   * Takes the grants and revocations another of the person's devices shared: the ledger
   * acts on them as if they were made here (authorizes the grantee's device, hands out and
   * rotates keys), and the visit compartment is bound and synced.
   */
  async function absorb(): Promise<void> {
    const l = ledger
    const audit = session.compartments.get('audit')
    if (l === undefined || audit === undefined) return
    const { grants: shared, problems } = readSharedGrants(audit.compartment.resources.list('Consent', { includeWithdrawn: true }), owner)
    for (const p of problems) console.warn(`consent: a shared grant was refused (${p.error})`)
    const known = new Set(l.grants().map((g) => grantIdHex(g.grant.id)))
    const revoked = new Set(l.revocations().map((r) => grantIdHex(r.grantId)))
    let changed = false
    for (const s of shared) {
      const hex = grantIdHex(s.grant.id)
      try {
        if (!known.has(hex)) {
          const g = s.grantee
          if (g !== undefined) grantees = [...grantees.filter((x) => x.did !== g.did), g]
          if (s.visitKeyWrap !== undefined) await adoptVisit(s.grant, s.visitKeyWrap, await vault.person())
          await apply(l.grant(s.grantBytes))
          changed = true
        }
        if (s.revocationBytes !== undefined && !revoked.has(hex)) {
          await apply(l.revoke(s.revocationBytes))
          changed = true
        }
      } catch (err) {
        console.warn(`consent: a shared grant could not be taken (${err instanceof Error ? err.name : 'Error'})`)
      }
    }
    if (changed) {
      await save()
      notify()
    }
  }

  async function grantFor(request: InviteRequest): Promise<InviteGrant> {
    const l = ledger
    if (l === undefined) throw new RangeError('consent: not started')
    const person = await vault.person()
    const now = clock()
    const id = newGrantId()
    const hex = grantIdHex(id)
    const caregiver = choice.role === GranteeRole.caregiver
    const compartments = choice.compartments.flatMap((kind) => {
      const c = session.compartments.get(kind)
      return c === undefined ? [] : [{ docId: c.compartment.docId, kind }]
    })
    if (compartments.length === 0) throw new RangeError('consent: nothing chosen to share')
    // the visit compartment: made here, keyed here, wrapped for the doctor (see the header); a caregiver writes nothing and gets none
    const visit = caregiver ? undefined : addCompartment(session.keyring, visitCompartment(hex))
    if (visit !== undefined) {
      await saveKeyring(session.store, vaultKey, session.keyring)
      await session.bindCompartment(toHex(visit.docId))
      for (const cl of compartmentListeners) cl(toHex(visit.docId))
    }
    const grantee: Grantee = { did: request.person, peerId: request.peerId, deviceName: request.device.name, x25519: request.profile.x25519PublicKey, mlkem: request.profile.mlkemPublicKey, profileIssuedAt: request.profile.issuedAt, credential: verdictOf(request.credential) }
    grantees = [...grantees.filter((g) => g.did !== grantee.did), grantee]
    const bytes = signGrant(
      {
        id,
        grantee: request.person,
        devices: [request.peerId],
        compartments,
        ...(visit === undefined ? { rights: 'read' as const } : { rights: 'read+visit-write' as const, visitDocId: visit.docId }),
        notBefore: now,
        notAfter: now + Math.round(choice.hours * HOUR),
        issuedAt: now,
        purpose: caregiver ? `${CAREGIVER_PURPOSE}: ${compartments.map((c) => c.kind).join(', ')}` : `visit ${new Date(now).toISOString().slice(0, 10)}`
      },
      person.signing.secretKey
    )
    const change = l.grant(bytes)
    const grant = verifyGrant(bytes)
    const visitKey = visit?.epochs.get(0)
    await apply({ rotations: change.rotations, deliveries: [...change.deliveries, ...(visit === undefined || visitKey === undefined ? [] : [{ grant, docId: visit.docId, epoch: 0, key: visitKey }])] })
    auditEntry(AuditAction.grant, request.person, { grant: hex, compartments: compartments.map((c) => c.kind).join(','), until: grant.notAfter, device: request.peerId, role: choice.role })
    // the person's other devices learn the grant, the grantee's keys and the visit key from the record
    share({
      grantBytes: bytes,
      grant,
      status: 'active',
      grantee,
      ...(visit === undefined || visitKey === undefined ? {} : { visitKeyWrap: wrapKey(visitKey, { docId: visit.docId, epoch: 0, grantId: id }, person.signing.secretKey, selfProfile(person)) })
    })
    await save()
    const wraps = [...compartments.map((c) => c.docId), ...(visit === undefined ? [] : [visit.docId])].flatMap((docId) => shelf.keysFor(request.person, docId).filter((w) => equalBytes(parseWrap(w).grantId, id)))
    notify()
    return { grant: bytes, wraps }
  }

  async function emergencyGrantFor(request: InviteRequest, w: EmergencyWindow): Promise<InviteGrant> {
    const l = ledger
    const core = session.compartments.get('core')
    if (l === undefined) throw new RangeError('consent: not started')
    if (core === undefined) throw new RangeError('consent: this record has no summary')
    const person = await vault.person()
    const hex = grantIdHex(w.id)
    const grantee: Grantee = { did: request.person, peerId: request.peerId, deviceName: request.device.name, x25519: request.profile.x25519PublicKey, mlkem: request.profile.mlkemPublicKey, profileIssuedAt: request.profile.issuedAt, credential: verdictOf(request.credential) }
    grantees = [...grantees.filter((g) => g.did !== grantee.did), grantee]
    const bytes = signGrant(
      {
        id: w.id,
        grantee: request.person,
        devices: [request.peerId],
        // core only, read only, no visit compartment: an emergency clinician reads, never writes
        compartments: [{ docId: core.compartment.docId, kind: 'core' }],
        rights: 'read',
        notBefore: w.notBefore,
        notAfter: w.notAfter,
        issuedAt: clock(),
        purpose: BREAK_GLASS_PURPOSE
      },
      person.signing.secretKey
    )
    const change = l.grant(bytes)
    const grant = verifyGrant(bytes)
    await apply(change)
    auditEntry(AuditAction.emergencyAccess, request.person, {
      grant: hex,
      compartments: 'core',
      until: grant.notAfter,
      device: request.peerId,
      name: grantee.credential.name ?? grantee.deviceName,
      credential: grantee.credential.status,
      ...(w.flagged ? { flagged: 'unknown licensing authority' } : {})
    })
    share({ grantBytes: bytes, grant, status: 'active', grantee })
    await save()
    const wraps = shelf.keysFor(request.person, core.compartment.docId).filter((x) => equalBytes(parseWrap(x).grantId, w.id))
    notify()
    return { grant: bytes, wraps }
  }

  const activeGrants = (): Grant[] => ledger?.grants().filter((g) => g.status === 'active').map((g) => g.grant) ?? []

  return {
    async start() {
      const person = await vault.person()
      owner = person.did
      // rotated epoch keys derive from the person's seed: every device of the person computes
      // the same one, so a revocation on one device never leaves the others unable to read
      const entropy = await vault.personEntropy()
      const seed = deriveEpochSeed(entropy)
      entropy.fill(0)
      const epochKey = (docId: Uint8Array, epoch: number): Uint8Array => deriveEpochKey(seed, docId, epoch)
      session.setEpochDerivation(epochKey, () => {
        saveKeyring(session.store, vaultKey, session.keyring).catch((err: unknown) => console.error('consent: the keyring could not be saved', err instanceof Error ? err.name : err))
      })
      ledger = createConsentLedger({ owner, keyring: session.keyring, clock, epochKey })
      const sealed = await session.store.getMeta(STATE_ITEM)
      const state = sealed === undefined ? emptyConsentState() : decodeConsentState(openVaultItem(vaultKey, STATE_ITEM, sealed))
      // a grant whose keys were wrapped has started; one that came into force while the app
      // was closed has not, and the first tick hands its keys out
      const started = new Set(state.shelf.flatMap((e) => e.wraps.map((w) => toHex(parseWrap(w).grantId))))
      ledger.restore({ grants: state.grants, revocations: state.revocations, ended: new Set(state.ended), started })
      shelf = createKeyShelf()
      for (const e of state.shelf) for (const w of e.wraps) shelf.add(e.person, fromHex(e.docHex), w)
      grantees = state.grants.length === 0 ? [] : state.grantees
      if (state.audit !== undefined) auditHead = state.audit
      await serial(tick)
      await serial(absorb)
      // another device's grants and revocations arrive in the audit compartment
      const audit = session.compartments.get('audit')
      let absorbTimer: ReturnType<typeof setTimeout> | undefined
      stopAbsorbing = audit?.compartment.onUpdate((_u, _o, local) => {
        if (local) return
        clearTimeout(absorbTimer)
        absorbTimer = setTimeout(() => void serial(absorb).catch((err: unknown) => console.error('consent: shared grants could not be read', err instanceof Error ? err.name : err)), 100)
      })
      timer = setInterval(() => void serial(tick).catch((err: unknown) => console.error('consent: expiry check failed', err instanceof Error ? err.name : err)), 30_000)
    },
    stop() {
      clearInterval(timer)
      stopAbsorbing?.()
      waiting?.resolve(false)
      waiting = undefined
    },
    authorize(person, device, docId) {
      return ledger?.authorize(person, device, docId) ?? false
    },
    mayWrite(docHex, author) {
      const hex = toHex(author)
      const theirs = (ledger?.grants() ?? []).filter(({ grant }) => grant.devices.some((d) => toHex(authorKeyOfPeerId(d)) === hex))
      return theirs.length === 0 || theirs.some(({ grant }) => grant.visitDocId !== undefined && toHex(grant.visitDocId) === docHex)
    },
    wants(person, device, docId) {
      if (person === owner) return true
      // from a grantee: only the visit compartment they write
      return activeGrants().some((g) => g.grantee === person && (g.devices.length === 0 || g.devices.includes(device)) && g.visitDocId !== undefined && equalBytes(g.visitDocId, docId))
    },
    keysFor(person, docId) {
      return shelf.keysFor(person, docId)
    },
    callAllowed(person, peerId, hex) {
      return activeGrants().some((g) => grantIdHex(g.id) === hex && g.grantee === person && (g.devices.length === 0 || g.devices.includes(peerId)))
    },
    callTarget(hex) {
      const g = activeGrants().find((x) => grantIdHex(x.id) === hex)
      const peerId = g?.devices[0]
      return g === undefined || peerId === undefined ? undefined : { person: g.grantee, peerId, grantId: g.id }
    },
    setChoice(c) {
      const role = c.role ?? GranteeRole.visit
      if (role !== GranteeRole.visit && role !== GranteeRole.caregiver) throw new RangeError('share: unknown role')
      const picked = SHAREABLE.filter((k) => c.compartments.includes(k))
      if (picked.length === 0) throw new RangeError('share: pick at least one part of the record')
      const max = role === GranteeRole.caregiver ? MAX_CAREGIVER_HOURS : MAX_VISIT_HOURS
      if (!(c.hours >= 1 && c.hours <= max)) throw new RangeError(`share: 1 to ${max} hours`)
      choice = { compartments: picked, hours: c.hours, role }
    },
    async approve(request) {
      waiting?.resolve(false)
      const ok = await new Promise<boolean>((resolve) => {
        waiting = { request, view: { role: choice.role, person: request.person, deviceName: request.device.name, credential: verdictOf(request.credential) }, resolve }
        notify()
      })
      waiting = undefined
      notify()
      if (!ok) return undefined
      return serial(() => grantFor(request))
    },
    emergencyGrant(request, window) {
      return serial(() => emergencyGrantFor(request, window))
    },
    pending: () => waiting?.view,
    decide(ok) {
      waiting?.resolve(ok)
    },
    people() {
      return (ledger?.grants() ?? []).map(({ grant, status }) => {
        const who = nameOf(grant.grantee)
        return {
          grantId: grantIdHex(grant.id),
          did: grant.grantee,
          name: who.name,
          credential: who.credential,
          compartments: grant.compartments.map((c) => c.kind),
          notAfter: grant.notAfter,
          status,
          emergency: isEmergencyGrant(grant),
          role: roleOfGrant(grant)
        }
      })
    },
    revoke(hex) {
      return serial(async () => {
        const l = ledger
        const g = l?.grants().find((x) => grantIdHex(x.grant.id) === hex)
        if (l === undefined || g === undefined) throw new RangeError('revoke: no such grant')
        const person = await vault.person()
        const revocation = signRevocation(g.grant.id, clock(), person.signing.secretKey)
        const change = l.revoke(revocation)
        auditEntry(AuditAction.revoke, g.grant.grantee, { grant: hex, reason: 'revoked' })
        const grantee = grantees.find((x) => x.did === g.grant.grantee)
        share({ grantBytes: g.grant.bytes, grant: g.grant, status: 'revoked', revocationBytes: revocation, ...(grantee === undefined ? {} : { grantee }) })
        await apply(change)
        notify()
      })
    },
    visitNotes() {
      const out: VisitNote[] = []
      for (const { grant } of ledger?.grants() ?? []) {
        if (grant.visitDocId === undefined) continue
        const c = session.compartments.get(visitCompartment(grantIdHex(grant.id)))
        if (c === undefined) continue
        const who = nameOf(grant.grantee)
        const allowed = grant.devices.map((d) => authorKeyOfPeerId(d))
        for (const r of c.compartment.resources.list('Encounter')) {
          const enc = r as FhirResource & { reasonCode?: Array<{ text?: string }>; period?: { start?: string } }
          out.push({
            id: r.id ?? '',
            text: enc.reasonCode?.[0]?.text ?? '',
            ...(enc.period?.start === undefined ? {} : { at: enc.period.start }),
            author: who.name,
            signatureValid: allowed.length > 0 && c.persistence.vector().size > 0 && [...c.persistence.vector().keys()].every((a) => allowed.some((k) => toHex(k) === a))
          })
        }
      }
      return out
    },
    audit(action, actor, details) {
      try {
        auditEntry(action, actor, details)
        void serial(save)
      } catch (err) {
        console.warn('audit: an entry could not be recorded', err instanceof Error ? err.name : err)
      }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    onCompartment(listener) {
      compartmentListeners.add(listener)
      return () => compartmentListeners.delete(listener)
    }
  }
}
