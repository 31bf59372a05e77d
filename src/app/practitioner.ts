/**
 * The doctor's app on this device: the practitioner's identity (person keys, this
 * device's certificate, receiving keys, an imported credential), kept sealed under a
 * passphrase as the patient's record is; answering a patient's `phr-invite:`; and, per
 * patient who approved, a local replica of the granted compartments in its own IndexedDB,
 * synced from the patient's device only while the grant is in force.
 *
 * ```
 * phr-practitioner-default (meta only, all sealed under the vault key):
 *   vault-key  = sealSecret(vaultKey, passphrase)         (scrypt)
 *   person     = recovery entropy (32)
 *   device     = this device's signing secret key
 *   device-cert, credential (optional)
 *   patients   = JSON [{ grant, issuer, relay, keyring }]  (base64; keyring = encodeKeyring)
 * phr-visit-<grantId hex>: the replica's envelopes (ciphertext, as a record's)
 * ```
 */
import { multiaddr } from '@multiformats/multiaddr'
import { asDocId, equalBytes, toHex, type DocId } from '../lib/index.ts'
import {
  createPerson,
  decodeCredential,
  generateSigningKeyPair,
  issueDeviceCert,
  openSecret,
  parseWrap,
  personFromEntropy,
  profileOf,
  randomBytes,
  sealSecret,
  verifyDeviceCert,
  type DeviceCert,
  type IssuedCredential,
  type PersonKeys
} from '../crypto/index.ts'
import {
  acceptWrappedKeys,
  AuditAction,
  auditHeadOf,
  decodeKeyring,
  encodeKeyring,
  grantIdHex,
  grantStatus,
  isEmergencyGrant,
  openVaultItem,
  recordAudit,
  sealVaultItem,
  verifyGrant,
  type Grant,
  type Keyring
} from '../consent/index.ts'
import {
  answerInvite,
  connectRelay,
  createBrowserPeer,
  createSyncService,
  deviceKeyFromSecret,
  isLoopbackAddr,
  parseInvite,
  peerIdOfAuthorKey,
  requestBreakGlass,
  type Peer,
  type SyncService
} from '../sync/index.ts'
import { parseEnvelopeHeader } from '../envelope/index.ts'
import { createIndexedDbStore, type EnvelopeStore } from '../storage/index.ts'
import { isWithdrawn, visitCompartment, type CodeableConcept, type FhirResource } from '../record/index.ts'
import { bindCompartment, type OpenCompartment } from './record-session.ts'
import { prescribeInto, type PrescribeResult, type PrescriptionCheck } from './prescriptions.ts'
import { CallNotAllowedError, createConsultService, visitRecordOf, type ConsultService, type PrescriptionDraft } from '../consult/index.ts'
import { createConsultations, type Consultations, type FinishedCall } from './consultations.ts'
import { createTelemonitor, type Telemonitor } from './telemonitor.ts'
import type { AlertNotification } from './alert-notifications.ts'
import { PRACTITIONER_DB_PREFIX } from './local-records.ts'
import { latestVitals, type LatestVital } from './manual-vitals.ts'
import { createRecordInsights, type RecordInsights } from './record-insights.ts'
import { changeVaultPassphrase } from './passphrase-change.ts'
import { endScale2, news2ContextStatus, recordNews2Entry, type News2ContextStatus } from './news2-record.ts'
import type { News2ContextInput } from '../insights/index.ts'
import type { InsightsWorker } from './insights-worker.ts'

/** The practitioner's store on this device. */
export const PRACTITIONER_DB = `${PRACTITIONER_DB_PREFIX}default`
/** Prefix of a patient's replica store. */
export const VISIT_DB_PREFIX = 'phr-visit-'
const META = { vaultKey: 'vault-key', person: 'person', device: 'device', deviceCert: 'device-cert', credential: 'credential', patients: 'patients', name: 'name', details: 'details' } as const
/** Longest licence number or authority name a practitioner types in. */
export const MAX_DETAIL_TEXT = 200
/** Longest pasted credential text. */
export const MAX_CREDENTIAL_TEXT = 4096
/** Longest visit note. */
export const MAX_NOTE_TEXT = 2000

/** The practitioner as shown. */
export interface PractitionerInfo {
  readonly did: string
  readonly name: string
  readonly deviceName: string
  readonly credential?: IssuedCredential
  /** The licence number and issuing authority the practitioner typed in (unverified; the credential is what patients check). */
  readonly declared?: PractitionerDetails
}

/** What a practitioner says of their licence, before (or beside) the authority's credential. */
export interface PractitionerDetails {
  readonly licence: string
  readonly authority: string
}

/** One compartment of a patient's replica, with what this device holds of it. */
export interface ReplicaCompartment {
  readonly kind: string
  /** The epochs of the envelopes (and snapshot) stored here. */
  readonly storedEpochs: number[]
  readonly storedCount: number
  /** The epochs this device holds keys for. */
  readonly keyEpochs: number[]
  readonly complete: boolean
}

/** What the doctor sees of a patient. */
export interface PatientView {
  readonly grantId: string
  readonly patientName: string
  readonly allergies: string[]
  readonly conditions: string[]
  readonly medications: string[]
  /** False until a first sync finished and while updates are missing. */
  readonly complete: boolean
  readonly status: ReturnType<typeof grantStatus>
  readonly notAfter: number
  readonly compartments: ReplicaCompartment[]
  /** Kinds the grant covers (the visit compartment aside). */
  readonly granted: string[]
  readonly notes: Array<{ id: string; text: string }>
  /** The patient's birth date as the record states it (YYYY-MM-DD), for a prescription. */
  readonly birthDate?: string
  /** Prescriptions this doctor wrote in the visit compartment, newest first. */
  readonly prescriptions: Array<{ id: string; drug: string; dosage: string; validUntil: string }>
  readonly connected: boolean
  /** Opened by emergency (break-glass) access, not by the patient's approval. */
  readonly emergency: boolean
}

/** A prescription as the doctor fills it in; the patient's name and birth date default to the record's. */
export type PrescriptionRequest = Omit<PrescriptionDraft, 'patient'> & { readonly patient?: PrescriptionDraft['patient'] }

/** An open patient replica. */
export interface PatientReplica {
  readonly grant: Grant
  view(): Promise<PatientView>
  /** Writes a visit note (an Encounter) into the visit compartment. @throws {RangeError} for empty or too long text, or without the right */
  writeNote(text: string): Promise<void>
  /**
   * Signs a prescription with this doctor's key and licence and writes it (with its JWS)
   * into the visit compartment, for the patient to show at a pharmacy. The prescribing
   * check runs first; while a warning is not in `acknowledged`, nothing is signed.
   * @throws {RangeError} without the right to write, or for a prescription that cannot be written
   * @throws {TypeError} for a field of the wrong type
   */
  prescribe(request: PrescriptionRequest, acknowledged?: readonly string[]): Promise<PrescribeResult>
  /** Findings of the patient's readings, from the vitals and results the grant covers (none without them). */
  readonly insights: RecordInsights
  /**
   * Telemonitoring of this patient (running while the replica is open): live vitals,
   * thresholds and alerts. This device evaluates and writes alerts while the grant lets it
   * write the visit compartment. Undefined when the grant covers no vitals or has no visit
   * compartment.
   */
  telemonitor(): Telemonitor | undefined
  /**
   * Writes a finished video visit into the visit compartment: the Encounter, the transcript
   * if both agreed, the shared files as DocumentReferences.
   * @throws {RangeError} without the right to write, or for a visit that cannot be written
   */
  recordVisit(call: FinishedCall): Promise<void>
  /** The latest reading of each kind in the vitals the grant covers (none without them). */
  latestVitals(): LatestVital[]
  /** The NEWS2 entries in force in the visit compartment (newest of each kind; see news2-record.ts). */
  news2Context(): News2ContextStatus
  /**
   * Records a NEWS2 entry (ACVPU, air or oxygen, SpO2 scale 2) for now, in the visit
   * compartment, as recorded by this practitioner.
   * @throws {News2ContextInputError} for a value that cannot be recorded
   * @throws {RangeError} without the right to write the visit compartment
   */
  recordNews2(input: News2ContextInput): Promise<void>
  /** Withdraws the SpO2 scale-2 mark in force. @throws {RangeError} without the right to write the visit compartment */
  endScale2(): Promise<void>
}

/** The doctor's service. */
export interface Practitioner {
  /** Whether a practitioner identity exists on this device. */
  exists(): Promise<boolean>
  /**
   * Creates the practitioner identity on this device, with the licence number and issuing
   * authority they type in (optional, shown as theirs until a credential is imported).
   * @throws {RangeError} for an empty name, a passphrase under 8 characters, a detail over `MAX_DETAIL_TEXT`
   */
  create(req: { name: string; passphrase: string; deviceName: string; licence?: string; authority?: string }): Promise<PractitionerInfo>
  /** @throws {WrongPassphraseError} */
  unlock(passphrase: string): Promise<PractitionerInfo>
  /**
   * Changes the passphrase of the unlocked profile on this device (see `passphrase-change.ts`).
   * @throws {WeakPassphraseError | WrongPassphraseError | PassphraseChangedMeanwhileError} with nothing changed
   * @throws {RangeError} while locked
   */
  changePassphrase(current: string, next: string): Promise<void>
  info(): PractitionerInfo | undefined
  /** Imports a practitioner credential (base64 text). @throws {RangeError} when it is not theirs or not a credential */
  importCredential(text: string): Promise<PractitionerInfo>
  /**
   * Answers an invite and waits for the patient's decision; then opens the replica and syncs it.
   * @throws {InvitePayloadFormatError | InviteTokenError | InviteRejectedError | …}
   */
  answer(text: string, signal?: AbortSignal, label?: string): Promise<PatientReplica>
  /**
   * Emergency (break-glass) access: reads the capability in an emergency link or QR text,
   * asks the patient's device for it with this practitioner's credential, and opens the
   * replica of the summary it grants (read only, for the hours the patient chose). Nobody
   * approves on the patient's side; the access is recorded there as an emergency override.
   * @throws {BreakGlassCapabilityFormatError} when the text carries no emergency access
   * @throws {BreakGlassNotEnabledError | BreakGlassTokenInvalidError | BreakGlassTokenExpiredError | BreakGlassTokenUsedError | BreakGlassCredentialError | BreakGlassScopeError | BreakGlassFailedError}
   */
  emergencyAccess(text: string, signal?: AbortSignal): Promise<PatientReplica>
  patients(): PatientReplica[]
  /** Calls `listener` when something shown may have changed (sync). */
  subscribe(listener: () => void): () => void
  /** Video calls with the patients whose grant is in force. */
  readonly consult: Consultations
  close(): Promise<void>
}

/** What the service is given. */
export interface PractitionerComponents {
  relays(signal: AbortSignal): Promise<string[]>
  /** The identity's database: a caregiver's app is this service on its own database. @default PRACTITIONER_DB */
  profileDb?: string
  /** Prefix of each patient's replica database. @default VISIT_DB_PREFIX */
  replicaDbPrefix?: string
  /** STUN/TURN servers for video calls. @default none */
  iceServers?: () => Promise<RTCIceServer[]>
  /** @default createIndexedDbStore */
  openStore?: (name: string) => Promise<EnvelopeStore>
  indexedDB: Pick<IDBFactory, 'databases'>
  /** @default Date.now */
  clock?: () => number
  /** Checks a prescription before it is signed (drug–allergy, drug–drug). @default none */
  checkPrescription?: PrescriptionCheck
  /** The insights worker, for each patient's findings. @default no findings (the snapshot stays idle) */
  insights?: InsightsWorker
  /** Shows a system notification of an alert. @default none */
  notify?: (n: AlertNotification) => void
}

/** How often a patient's device that is not connected is dialled again while the grant is in force. */
const REDIAL_MS = 10_000

const b64 = (bytes: Uint8Array): string => {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin)
}
const unb64 = (text: string): Uint8Array => {
  const bin = atob(text)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

interface Held {
  name: string
  person: PersonKeys
  device: { publicKey: Uint8Array; secretKey: Uint8Array }
  deviceCert: Uint8Array
  cert: DeviceCert
  credential?: Uint8Array
  declared?: PractitionerDetails
  vaultKey: Uint8Array
  store: EnvelopeStore
}

const encodeDetails = (d: PractitionerDetails): Uint8Array => new TextEncoder().encode(JSON.stringify({ licence: d.licence, authority: d.authority }))
/** Reads the sealed details back; anything but two short strings reads as none. */
function decodeDetails(bytes: Uint8Array | undefined): PractitionerDetails | undefined {
  if (bytes === undefined || bytes.length > 4 * MAX_DETAIL_TEXT + 64) return undefined
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as unknown
    if (typeof v !== 'object' || v === null) return undefined
    const { licence, authority } = v as Record<string, unknown>
    if (typeof licence !== 'string' || typeof authority !== 'string' || licence.length > MAX_DETAIL_TEXT || authority.length > MAX_DETAIL_TEXT) return undefined
    return { licence, authority }
  } catch {
    // sealed by this app, so only damage lands here: the details are shown as absent
    return undefined
  }
}

interface SavedPatient {
  grant: Uint8Array
  issuer: string
  relay: string
  keyring: Keyring
  /** The patient's device refused a granted compartment: the grant was revoked (the doctor never gets the revocation itself). */
  ended?: boolean
  /** The name this device's user gave the person (a caregiver's grant covers no Patient resource to read it from). */
  label?: string
}

const label = (c: CodeableConcept | undefined): string => c?.text ?? c?.coding?.find((x) => x.display !== undefined)?.display ?? c?.coding?.[0]?.code ?? '?'

/** Creates the doctor's service. */
export function createPractitioner(components: PractitionerComponents): Practitioner {
  const clock = components.clock ?? Date.now
  const openStore = components.openStore ?? ((name: string) => createIndexedDbStore({ name }))
  const profileDb = components.profileDb ?? PRACTITIONER_DB
  const replicaPrefix = components.replicaDbPrefix ?? VISIT_DB_PREFIX
  const listeners = new Set<() => void>()
  const notify = (): void => {
    for (const l of listeners) l()
  }
  let held: Held | undefined
  let saved: SavedPatient[] = []
  const replicas: Array<PatientReplica & { close(): Promise<void>; patientName(): string }> = []
  let peer: Peer | undefined
  let sync: SyncService | undefined
  let consultService: ConsultService | undefined
  let relayAddr: string | undefined
  const connectedPatients = new Set<string>()

  const info = (): PractitionerInfo | undefined => {
    if (held === undefined) return undefined
    const cred = held.credential === undefined ? undefined : decodeCredential(held.credential)
    return { did: held.person.did, name: cred?.name ?? held.name, deviceName: held.cert.name, ...(cred === undefined ? {} : { credential: cred }), ...(held.declared === undefined ? {} : { declared: held.declared }) }
  }

  async function writeItem(name: string, bytes: Uint8Array): Promise<void> {
    const h = held
    if (h === undefined) throw new RangeError('practitioner: locked')
    await h.store.putMeta(name, sealVaultItem(h.vaultKey, name, bytes))
  }
  async function readItem(store: EnvelopeStore, vaultKey: Uint8Array, name: string): Promise<Uint8Array | undefined> {
    const sealed = await store.getMeta(name)
    return sealed === undefined ? undefined : openVaultItem(vaultKey, name, sealed)
  }
  async function savePatients(): Promise<void> {
    const json = saved.map((p) => ({ grant: b64(p.grant), issuer: p.issuer, relay: p.relay, keyring: b64(encodeKeyring(p.keyring)), ended: p.ended === true, ...(p.label === undefined ? {} : { label: p.label }) }))
    await writeItem(META.patients, new TextEncoder().encode(JSON.stringify(json)))
  }

  async function ensurePeer(signal: AbortSignal): Promise<{ peer: Peer; sync: SyncService; relay: string }> {
    const h = held
    if (h === undefined) throw new RangeError('practitioner: locked')
    const relays = await components.relays(signal)
    if (peer === undefined || sync === undefined) {
      const loopback = relays.length > 0 && relays.every((a) => isLoopbackAddr(multiaddr(a)))
      const p = await createBrowserPeer({ privateKey: await deviceKeyFromSecret(h.device.secretKey), allowInsecureLoopback: loopback })
      const s = createSyncService(p, {
        deviceCert: h.deviceCert,
        dialTimeoutMs: 20_000,
        // serve only a visit compartment, only to the patient whose grant names it
        authorize: (person, _device, docId) => saved.some((x) => { const g = verifyGrant(x.grant); return g.patient === person && g.visitDocId !== undefined && equalBytes(g.visitDocId, docId) }),
        // ask the patient only for what a grant in force covers
        wants: (person, device, docId) =>
          saved.some((x) => {
            const g = verifyGrant(x.grant)
            return g.patient === person && x.issuer === device && x.ended !== true && grantStatus(g, clock(), []) === 'active' && (g.compartments.some((c) => equalBytes(c.docId, docId)) || (g.visitDocId !== undefined && equalBytes(g.visitDocId, docId)))
          }),
        onKeys: async (remote, docId, wraps) => {
          const entry = saved.find((x) => verifyGrant(x.grant).patient === remote.person && x.keyring.has(toHex(docId)))
          if (entry === undefined) return
          const kind = entry.keyring.get(toHex(docId))?.kind ?? 'core'
          const r = acceptWrappedKeys(entry.keyring, docId, kind, wraps, h.person, remote.person)
          if (r.problems.length > 0) console.warn('visit: wrapped keys refused:', r.problems.map((x) => x.error).join(', '))
          if (r.added > 0) await savePatients()
        },
        warn: (m, e) => console.warn(`sync: ${m}`, e instanceof Error ? e.name : '')
      })
      await s.start()
      // video calls: only with the device of a patient whose grant to this doctor is in force
      const c = createConsultService(p, {
        deviceCert: h.deviceCert,
        authorize: (party) => entryFor(toHex(party.grantId), party.person, party.peerId) !== undefined,
        onRing: (ring) => consult.onRing(ring)
      })
      await c.start()
      consultService = c
      s.subscribe(() => notify())
      s.onEvent((e) => {
        if (e.type === 'peer-connected') connectedPatients.add(e.peerId)
        if (e.type === 'peer-disconnected') connectedPatients.delete(e.peerId)
        if (e.type === 'envelopes-received' || e.type === 'doc-synced' || e.type.startsWith('peer-')) notify()
      })
      peer = p
      sync = s
    }
    if (relayAddr === undefined) relayAddr = (await connectRelay(peer, relays, { signal })).addr
    return { peer, sync, relay: relayAddr }
  }

  /** The saved patient of a grant in force, given by that patient from that device. */
  function entryFor(grantHex: string, person?: string, peerId?: string): SavedPatient | undefined {
    return saved.find((x) => {
      const g = verifyGrant(x.grant)
      return grantIdHex(g.id) === grantHex && (person === undefined || g.patient === person) && (peerId === undefined || x.issuer === peerId) && x.ended !== true && grantStatus(g, clock(), []) === 'active'
    })
  }

  const consult = createConsultations({
    async ring(grantHex, signal) {
      const entry = entryFor(grantHex)
      if (entry === undefined) throw new CallNotAllowedError('consult: no grant in force with this patient')
      const { relay } = await ensurePeer(AbortSignal.any([signal, AbortSignal.timeout(30_000)]))
      const service = consultService
      if (service === undefined) throw new CallNotAllowedError('consult: locked')
      const grant = verifyGrant(entry.grant)
      return service.ring({ to: { person: grant.patient, peerId: entry.issuer, grantId: grant.id }, addr: `${relay}/p2p-circuit/webrtc/p2p/${entry.issuer}`, signal })
    },
    nameOf: (grantHex) => replicas.find((r) => grantIdHex(r.grant.id) === grantHex)?.patientName() ?? '',
    selfName: () => info()?.name ?? '',
    iceServers: components.iceServers ?? (() => Promise.resolve([])),
    async record(call) {
      const r = replicas.find((x) => grantIdHex(x.grant.id) === call.grantId)
      if (r === undefined) throw new RangeError('visit: no such patient')
      await r.recordVisit(call)
    }
  })

  async function openReplica(entry: SavedPatient): Promise<PatientReplica & { close(): Promise<void>; patientName(): string }> {
    const h = held
    if (h === undefined) throw new RangeError('practitioner: locked')
    const grant = verifyGrant(entry.grant)
    const hex = grantIdHex(grant.id)
    const store = await openStore(`${replicaPrefix}${hex}`)
    const compartments = new Map<string, OpenCompartment>()
    for (const keys of entry.keyring.values()) compartments.set(keys.kind, await bindCompartment(store, entry.keyring, keys, h.device, {}))
    const visitKind = visitCompartment(hex)
    const firstSync = new Set<string>()
    const { sync: s, relay } = await ensurePeer(AbortSignal.timeout(30_000))
    for (const c of compartments.values()) s.addDoc({ docId: c.compartment.docId, store, persistence: c.persistence })
    s.onEvent((e) => {
      if (e.type === 'doc-synced') firstSync.add(e.docId)
      if (e.type === 'doc-denied' && e.reason === 'not-allowed' && e.peerId === entry.issuer && grant.compartments.some((c) => toHex(c.docId) === e.docId) && entry.ended !== true) {
        entry.ended = true
        savePatients().catch((err: unknown) => console.warn('visit: could not note the end of a grant', err instanceof Error ? err.name : err))
        notify()
      }
    })
    const statusNow = (): ReturnType<typeof grantStatus> => (entry.ended === true ? 'revoked' : grantStatus(grant, clock(), []))
    // DESIGN §8: the doctor's app records that it opened the record, in the visit compartment
    const visit = compartments.get(visitKind)
    const core = (): OpenCompartment | undefined => compartments.get('core')
    const coreList = <T extends FhirResource>(type: string): T[] => (core()?.compartment.resources.list(type) ?? []).filter((r) => !isWithdrawn(r)) as T[]
    const patientOf = (): (FhirResource & { name?: Array<{ text?: string; given?: string[]; family?: string }>; birthDate?: string }) | undefined => coreList<FhirResource & { name?: Array<{ text?: string; given?: string[]; family?: string }>; birthDate?: string }>('Patient')[0]
    const nameOf = (p: ReturnType<typeof patientOf>): string => {
      const n = p?.name?.[0]
      return n?.text ?? `${n?.given?.join(' ') ?? ''} ${n?.family ?? ''}`.trim()
    }
    if (visit !== undefined) {
      const head = auditHeadOf(visit.compartment, h.device.publicKey)
      recordAudit(visit.compartment, head, { at: clock(), action: AuditAction.recordOpened, actor: h.person.did, details: { grant: hex } }, h.device.secretKey)
    }
    const target = `${relay}/p2p-circuit/webrtc/p2p/${entry.issuer}`
    let dialing = false
    const dial = async (): Promise<void> => {
      if (dialing) return
      dialing = true
      try {
        for (let attempt = 1; attempt <= 3; attempt++) {
          if (statusNow() !== 'active') return
          try {
            await s.syncWith(target, { signal: AbortSignal.timeout(25_000) })
            return
          } catch (err) {
            console.warn(`visit: attempt ${attempt} to reach the patient's device failed:`, err instanceof Error ? err.name : err)
          }
        }
      } finally {
        dialing = false
      }
    }
    void dial()
    // while the grant is in force and no session with the patient's device is open (a dial that
    // lost its race, a connection that dropped), dial again now and then
    const redial = setInterval(() => {
      if (statusNow() !== 'active' || s.status().peers.some((p) => p.peerId === entry.issuer)) return
      void dial()
    }, REDIAL_MS)
    const insightsWorker = components.insights
    const insights = createRecordInsights({
      // only what the grant covers is here: without vitals or results there is nothing to look at
      compartments: () =>
        insightsWorker === undefined
          ? {}
          : { vitals: compartments.get('vitals')?.compartment, results: compartments.get('results')?.compartment, visits: visit === undefined ? [] : [visit.compartment] },
      insights: () => {
        if (insightsWorker === undefined) throw new RangeError('insights: no worker given')
        return insightsWorker.client()
      },
      clock
    })
    // telemonitoring runs as long as the replica is open, whatever screen is shown: an alert is raised even unseen
    const vitals = compartments.get('vitals')
    const me = info()
    const telemonitor: Telemonitor | undefined =
      visit === undefined || vitals === undefined
        ? undefined
        : createTelemonitor(
            {
              vitals: vitals.compartment,
              visit: visit.compartment,
              flush: () => visit.persistence.flush(),
              mayWrite: () => grant.rights === 'read+visit-write' && statusNow() === 'active',
              // the patient's findings raise alerts too (without a worker there are none)
              ...(insightsWorker === undefined ? {} : { findings: insights }),
              ...(components.notify === undefined ? {} : { notify: components.notify }),
              clock
            },
            { role: 'monitor', ...(me === undefined ? {} : { author: { display: me.name } }) }
          )
    telemonitor?.start()
    return {
      grant,
      insights,
      telemonitor: () => telemonitor,
      patientName: () => nameOf(patientOf()) || (entry.label ?? ''),
      latestVitals: () => (vitals === undefined ? [] : latestVitals(vitals.compartment)),
      news2Context: () => (visit === undefined ? {} : news2ContextStatus([visit.compartment], clock())),
      async recordNews2(input) {
        if (visit === undefined || grant.rights !== 'read+visit-write' || statusNow() !== 'active') throw new RangeError('news2: this grant gives no visit compartment')
        recordNews2Entry(visit.compartment, input, { at: clock(), by: info()?.name ?? '' })
        await visit.persistence.whenSaved()
        notify()
      },
      async endScale2() {
        if (visit === undefined || grant.rights !== 'read+visit-write' || statusNow() !== 'active') throw new RangeError('news2: this grant gives no visit compartment')
        endScale2(visit.compartment)
        await visit.persistence.whenSaved()
        notify()
      },
      async view() {
        const core = compartments.get('core')
        const list = coreList
        const patient = patientOf()
        const out: ReplicaCompartment[] = []
        for (const [kind, c] of compartments) {
          const stored = await store.read(c.compartment.docId)
          const all = [...(stored.snapshot === undefined ? [] : [stored.snapshot]), ...stored.envelopes]
          out.push({
            kind,
            storedEpochs: [...new Set(all.map((e) => parseEnvelopeHeader(e).epoch))].sort((a, b) => a - b),
            storedCount: all.length,
            keyEpochs: [...(entry.keyring.get(toHex(c.compartment.docId))?.epochs.keys() ?? [])].sort((a, b) => a - b),
            complete: c.compartment.isComplete()
          })
        }
        const synced = core !== undefined && firstSync.has(toHex(core.compartment.docId))
        return {
          grantId: hex,
          patientName: nameOf(patient) || (entry.label ?? ''),
          ...(patient?.birthDate === undefined ? {} : { birthDate: patient.birthDate }),
          allergies: list<FhirResource & { code?: CodeableConcept }>('AllergyIntolerance').map((a) => label(a.code)),
          conditions: list<FhirResource & { code?: CodeableConcept; clinicalStatus?: CodeableConcept }>('Condition')
            .filter((c) => c.clinicalStatus?.coding?.some((x) => x.code === 'active') !== false)
            .map((c) => label(c.code)),
          medications: list<FhirResource & { medicationCodeableConcept?: CodeableConcept; status?: string }>('MedicationStatement')
            .filter((m) => m.status === 'active' || m.status === 'intended')
            .map((m) => label(m.medicationCodeableConcept)),
          complete: synced && (core?.compartment.isComplete() ?? false),
          status: statusNow(),
          notAfter: grant.notAfter,
          compartments: out,
          granted: grant.compartments.map((c) => c.kind),
          notes: (visit?.compartment.resources.list('Encounter') ?? []).map((r) => ({ id: r.id ?? '', text: (r as { reasonCode?: Array<{ text?: string }> }).reasonCode?.[0]?.text ?? '' })),
          prescriptions: (visit?.compartment.resources.list('MedicationRequest') ?? [])
            .map((r) => {
              const m = r as FhirResource & { authoredOn?: string; medicationCodeableConcept?: CodeableConcept; dosageInstruction?: Array<{ text?: string }>; dispenseRequest?: { validityPeriod?: { end?: string } } }
              return { id: r.id ?? '', at: m.authoredOn ?? '', drug: label(m.medicationCodeableConcept), dosage: m.dosageInstruction?.[0]?.text ?? '', validUntil: m.dispenseRequest?.validityPeriod?.end ?? '' }
            })
            .sort((a, b) => b.at.localeCompare(a.at))
            .map(({ at: _at, ...p }) => p),
          connected: connectedPatients.has(entry.issuer),
          emergency: isEmergencyGrant(grant)
        }
      },
      async writeNote(text) {
        const t = text.trim()
        if (t.length === 0 || t.length > MAX_NOTE_TEXT) throw new RangeError(`note: 1..${MAX_NOTE_TEXT} characters`)
        if (visit === undefined || grant.rights !== 'read+visit-write' || statusNow() !== 'active') throw new RangeError('note: this grant gives no visit compartment')
        const me = info()
        visit.compartment.resources.put({
          resourceType: 'Encounter',
          id: `enc-${toHex(randomBytes(8))}`,
          status: 'finished',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
          period: { start: new Date(clock()).toISOString() },
          participant: [{ individual: { display: me?.name ?? '' } }],
          reasonCode: [{ text: t }]
        })
        await visit.persistence.whenSaved()
        notify()
      },
      async prescribe(request, acknowledged) {
        const h = held
        if (h === undefined) throw new RangeError('practitioner: locked')
        if (visit === undefined || grant.rights !== 'read+visit-write' || statusNow() !== 'active') throw new RangeError('prescription: this grant gives no visit compartment')
        const p = patientOf()
        const name = nameOf(p)
        const patient = request.patient ?? { name, ...(p?.birthDate === undefined ? {} : { birthDate: p.birthDate }) }
        const coreHere = core()
        const result = await prescribeInto(visit.compartment, { ...request, patient }, {
          prescriber: { secretKey: h.person.signing.secretKey, name: h.name, ...(h.credential === undefined ? {} : { credential: h.credential }) },
          context: {
            allergies: coreList('AllergyIntolerance'),
            medications: [...coreList('MedicationStatement'), ...coreList('MedicationRequest')],
            conditions: coreList('Condition'),
            complete: coreHere !== undefined && firstSync.has(toHex(coreHere.compartment.docId)) && coreHere.compartment.isComplete()
          },
          ...(components.checkPrescription === undefined ? {} : { check: components.checkPrescription }),
          ...(acknowledged === undefined ? {} : { acknowledged }),
          now: clock
        })
        if (result.kind === 'written') {
          await visit.persistence.whenSaved()
          notify()
        }
        return result
      },
      async recordVisit(call) {
        const h = held
        if (h === undefined) throw new RangeError('practitioner: locked')
        if (visit === undefined || grant.rights !== 'read+visit-write' || statusNow() !== 'active') throw new RangeError('visit: this grant gives no visit compartment')
        const p = patientOf()
        const resources = visitRecordOf({
          id: toHex(randomBytes(8)),
          start: call.start,
          end: call.end,
          doctor: { name: info()?.name ?? h.name, did: h.person.did },
          patient: { name: nameOf(p), did: grant.patient },
          reason: call.reason,
          ...(call.transcript === undefined ? {} : { transcript: call.transcript }),
          files: call.files
        })
        for (const r of resources) visit.compartment.resources.put(r)
        await visit.persistence.whenSaved()
        notify()
      },
      async close() {
        clearInterval(redial)
        insights.close()
        telemonitor?.stop()
        for (const c of compartments.values()) {
          s.removeDoc(c.compartment.docId)
          await c.persistence.close()
          c.compartment.destroy()
        }
        await store.close()
      }
    }
  }

  /** Takes a grant the patient's device gave: its keys into a keyring of its own, saved, and the replica opened and synced. */
  async function adopt(h: Held, grant: Grant, wraps: readonly Uint8Array[], issuer: string, relay: string, label?: string): Promise<PatientReplica> {
    const keyring: Keyring = new Map()
    const kinds = new Map<string, string>(grant.compartments.map((c) => [toHex(c.docId), c.kind]))
    if (grant.visitDocId !== undefined) kinds.set(toHex(grant.visitDocId), visitCompartment(grantIdHex(grant.id)))
    const byDoc = new Map<string, { docId: DocId; wraps: Uint8Array[] }>()
    for (const w of wraps) {
      const docId = parseWrap(w).docId
      const e = byDoc.get(toHex(docId)) ?? { docId: asDocId(docId.slice()), wraps: [] as Uint8Array[] }
      e.wraps.push(w)
      byDoc.set(toHex(docId), e)
    }
    for (const [hex, e] of byDoc) {
      const kind = kinds.get(hex)
      if (kind === undefined) continue
      const r = acceptWrappedKeys(keyring, e.docId, kind, e.wraps, h.person, grant.patient)
      if (r.problems.length > 0) throw new RangeError(`visit: keys refused (${r.problems.map((x) => x.error).join(', ')})`)
    }
    const tag = label?.trim().slice(0, 200)
    const entry: SavedPatient = { grant: grant.bytes, issuer, relay, keyring, ...(tag === undefined || tag === '' ? {} : { label: tag }) }
    saved = [...saved, entry]
    await savePatients()
    const replica = await openReplica(entry)
    replicas.push(replica)
    notify()
    return replica
  }

  async function openAll(): Promise<void> {
    for (const entry of saved) {
      try {
        replicas.push(await openReplica(entry))
      } catch (err) {
        console.warn('visit: a patient could not be opened', err instanceof Error ? err.name : err)
      }
    }
  }

  return {
    async exists() {
      return (await components.indexedDB.databases()).some((d) => d.name === profileDb)
    },
    async create(req) {
      const name = req.name.trim()
      if (name.length === 0 || name.length > 200) throw new RangeError('name: 1..200 characters')
      if (req.passphrase.length < 8) throw new RangeError('passphrase: at least 8 characters')
      const licence = (req.licence ?? '').trim()
      const authority = (req.authority ?? '').trim()
      if (licence.length > MAX_DETAIL_TEXT || authority.length > MAX_DETAIL_TEXT) throw new RangeError(`licence details: at most ${MAX_DETAIL_TEXT} characters each`)
      const declared = licence === '' && authority === '' ? undefined : { licence, authority }
      const store = await openStore(profileDb)
      const vaultKey = randomBytes(32)
      const { entropy } = createPerson()
      const person = personFromEntropy(entropy)
      const device = generateSigningKeyPair()
      const peerId = peerIdOfAuthorKey(device.publicKey)
      const deviceCert = issueDeviceCert({ peerId, name: req.deviceName.trim() === '' ? name : `${name} — ${req.deviceName.trim()}`, issuedAt: clock() }, person.signing.secretKey)
      const seal = async (n: string, b: Uint8Array): Promise<void> => store.putMeta(n, sealVaultItem(vaultKey, n, b))
      await seal(META.person, entropy)
      await seal(META.device, device.secretKey)
      await seal(META.deviceCert, deviceCert)
      await seal(META.patients, new TextEncoder().encode('[]'))
      await seal(META.name, new TextEncoder().encode(name))
      if (declared !== undefined) await seal(META.details, encodeDetails(declared))
      // the passphrase-sealed vault key last: a half-made identity never opens
      await store.putMeta(META.vaultKey, await sealSecret(vaultKey, req.passphrase))
      entropy.fill(0)
      held = { name, person, device, deviceCert, cert: verifyDeviceCert(deviceCert, { peerId }), vaultKey, store, ...(declared === undefined ? {} : { declared }) }
      saved = []
      notify()
      return info() as PractitionerInfo
    },
    async unlock(passphrase) {
      if (held !== undefined) return info() as PractitionerInfo
      const store = await openStore(profileDb)
      const sealed = await store.getMeta(META.vaultKey)
      if (sealed === undefined) throw new RangeError('practitioner: none on this device')
      const vaultKey = await openSecret(sealed, passphrase)
      const entropy = await readItem(store, vaultKey, META.person)
      const deviceSk = await readItem(store, vaultKey, META.device)
      const deviceCert = await readItem(store, vaultKey, META.deviceCert)
      if (entropy === undefined || deviceSk === undefined || deviceCert === undefined) throw new RangeError('practitioner: the identity on this device is incomplete')
      const device = generateSigningKeyPair(deviceSk)
      const credential = await readItem(store, vaultKey, META.credential)
      const name = new TextDecoder().decode((await readItem(store, vaultKey, META.name)) ?? new Uint8Array())
      const declared = decodeDetails(await readItem(store, vaultKey, META.details))
      held = { name, person: personFromEntropy(entropy), device, deviceCert, cert: verifyDeviceCert(deviceCert, { peerId: peerIdOfAuthorKey(device.publicKey) }), vaultKey, store, ...(credential === undefined ? {} : { credential }), ...(declared === undefined ? {} : { declared }) }
      entropy.fill(0)
      const list = JSON.parse(new TextDecoder().decode((await readItem(store, vaultKey, META.patients)) ?? new Uint8Array())) as Array<{ grant: string; issuer: string; relay: string; keyring: string; ended?: boolean; label?: unknown }>
      saved = list.map((p) => ({ grant: unb64(p.grant), issuer: p.issuer, relay: p.relay, keyring: decodeKeyring(unb64(p.keyring)), ended: p.ended === true, ...(typeof p.label === 'string' ? { label: p.label.slice(0, 200) } : {}) }))
      void openAll().then(notify)
      notify()
      return info() as PractitionerInfo
    },
    info,
    async changePassphrase(current, next) {
      const h = held
      if (h === undefined) throw new RangeError('practitioner: locked')
      await changeVaultPassphrase(h.store, current, next)
    },
    async importCredential(text) {
      const h = held
      if (h === undefined) throw new RangeError('practitioner: locked')
      const t = text.trim()
      if (t.length === 0 || t.length > MAX_CREDENTIAL_TEXT) throw new RangeError('credential: not a credential')
      let bytes: Uint8Array
      let cred: IssuedCredential
      try {
        bytes = unb64(t)
        cred = decodeCredential(bytes)
      } catch (err) {
        throw new RangeError('credential: not a credential', { cause: err })
      }
      if (cred.did !== h.person.did) throw new RangeError('credential: issued to someone else')
      await writeItem(META.credential, bytes)
      h.credential = bytes
      notify()
      return info() as PractitionerInfo
    },
    async answer(text, signal, label) {
      const h = held
      if (h === undefined) throw new RangeError('practitioner: locked')
      const invite = parseInvite(text.trim())
      const sig = signal ?? AbortSignal.timeout(300_000)
      const { peer: p } = await ensurePeer(AbortSignal.any([sig, AbortSignal.timeout(30_000)]))
      const accepted = await answerInvite(p, text.trim(), {
        deviceCert: h.deviceCert,
        profile: profileOf(h.person, clock()),
        ...(h.credential === undefined ? {} : { credential: h.credential }),
        signal: sig
      })
      return adopt(h, accepted.grant, accepted.wraps, accepted.issuer.peerId, invite.addrs[0] ?? '', label)
    },
    async emergencyAccess(text, signal) {
      const h = held
      if (h === undefined) throw new RangeError('practitioner: locked')
      const sig = signal ?? AbortSignal.timeout(90_000)
      const { peer: p } = await ensurePeer(AbortSignal.any([sig, AbortSignal.timeout(30_000)]))
      const accepted = await requestBreakGlass(p, text, {
        deviceCert: h.deviceCert,
        profile: profileOf(h.person, clock()),
        ...(h.credential === undefined ? {} : { credential: h.credential }),
        signal: sig
      })
      return adopt(h, accepted.grant, accepted.wraps, accepted.issuer.peerId, accepted.capability.addrs[0] ?? '')
    },
    patients: () => [...replicas],
    consult,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async close() {
      consult.close()
      await consultService?.stop()
      consultService = undefined
      for (const r of replicas.splice(0)) await r.close()
      await sync?.stop()
      await peer?.stop()
      peer = undefined
      sync = undefined
      relayAddr = undefined
      held?.vaultKey.fill(0)
      await held?.store.close()
      held = undefined
    }
  }
}
