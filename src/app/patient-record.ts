/**
 * The patient's record on this device, as the UI uses it: which record is held (the demo
 * patient, or the person's own linked record), opening it, linking this device to a
 * record on another one, and — while a record is open — its sync runtime.
 */
import { SYNTHETIC_MONTH } from '../record/index.ts'
import { createIndexedDbStore, type EnvelopeStore } from '../storage/index.ts'
import { createRecordWithVault, openRecordWithVaultKey, unlockVault, type RecordSession } from './record-session.ts'
import { importSyntheticRecord } from './demo.ts'
import { summarize, type RecordSummary } from './summary.ts'
import { DEMO_DB, DEMO_PASSPHRASE, OWN_DB } from './demo-record.ts'
import { loadAppConfig } from './config.ts'
import { createSyncRuntime, type SyncRuntime } from './sync-runtime.ts'
import { recordVault, VaultItem } from './vault-items.ts'
import { emergencyCardOf, emergencyLink, withBreakGlass } from './emergency.ts'
import { createPatientBreakGlass, type PatientBreakGlass } from './break-glass.ts'
import { joinRecord } from './link-device.ts'
import { addAllergy } from './edits.ts'
import { cleanDeviceName } from './device-name.ts'
import type { RelayStatus, RelayStatusComponents } from './relay-status.ts'
import { createPatientConsent, type PatientConsent } from './patient-consent.ts'
import { AuditAction, openVaultItem, sealVaultItem } from '../consent/index.ts'
import { checkPersonDetails, decodeDependents, dependentDbName, DEPENDENTS_ITEM, encodeDependents, MAX_DEPENDENTS, newDependentId, type DependentEntry } from './dependents.ts'
import { createPerson, createTrustList, randomBytes } from '../crypto/index.ts'
import { toHex } from '../lib/index.ts'
import { listPrescriptions, type RecordPrescription } from './prescriptions.ts'
import type { CompartmentKind } from '../record/index.ts'
import { createRecordInsights, type RecordInsights } from './record-insights.ts'
import type { InsightsWorker } from './insights-worker.ts'
import { createPatientAlerts, type PatientAlerts } from './patient-alerts.ts'
import { recordLiveReading, type LiveReadingInput } from './live-vitals.ts'
import { manualObservation, type ManualVital } from './manual-vitals.ts'
import { HandoverIncompleteError, takeOwnership } from './handover.ts'
import type { AlertNotification } from './alert-notifications.ts'
import { CallNotAllowedError } from '../consult/index.ts'
import { createConsultations, type Consultations } from './consultations.ts'
import { assertRestorable, ownRecordKeyring, restoreOwnRecord } from './restore.ts'
import { createRecordInterop, type RecordInterop } from './interop.ts'
import { changeVaultPassphrase } from './passphrase-change.ts'

/** Which record this device holds. */
export const HeldRecord = {
  /** None yet. */
  none: 'none',
  /** The demo patient (opens with its public passphrase). */
  demo: 'demo',
  /** The person's own record (opens with their passphrase). */
  own: 'own'
} as const
export type HeldRecord = (typeof HeldRecord)[keyof typeof HeldRecord]

/** An open record. */
export interface OpenRecord {
  /** Which record: `own`, `demo`, or a dependent's id. */
  readonly id: string
  readonly demo: boolean
  /** A dependent's record the person manages as guardian (see `dependents.ts`). */
  readonly dependent: boolean
  readonly session: RecordSession
  readonly sync: SyncRuntime
  /** Sharing for visits, the people with access, revocation, the audit log. */
  readonly consent: PatientConsent
  /** Video calls with the people who have access. */
  readonly consult: Consultations
  /** The summary; `complete` is false while anything (a dependency, a first sync) is missing. */
  summary(): RecordSummary
  /** Records an allergy the patient reports. @throws {RangeError} for an empty or too long text */
  addAllergy(text: string): Promise<void>
  /** The signed prescriptions doctors wrote into the record, newest first, each with the verdict a pharmacy would give now. */
  prescriptions(): Promise<RecordPrescription[]>
  /** Findings of the record's readings (NEWS2, blood pressure, glucose, trends), computed in the insights worker. */
  readonly insights: RecordInsights
  /** Doctors' thresholds and alerts (telemonitoring), one observer per grant's visit compartment. */
  readonly alerts: PatientAlerts
  /**
   * Stores a device reading (a Bluetooth session's `reading` event) in vitals and sends it
   * at once, for whoever watches live.
   * @throws {ResourceInvalidError} for an invalid Observation
   */
  recordReading(reading: LiveReadingInput): Promise<void>
  /** Stores a reading typed in by hand in vitals, and sends it at once. @throws {RangeError} for a value outside the plausible range */
  addVital(kind: ManualVital, value: number): Promise<void>
  /**
   * A fresh emergency link of the critical summary (see `emergency.ts`), for the QR code;
   * with the break-glass capability when emergency access is on and the relay is reachable.
   */
  emergencyLink(origin: string): Promise<string>
  /** Import and export (FHIR, IPS, Apple Health) and SMART Health Links (see `interop.ts`). */
  readonly interop: RecordInterop
  /** Emergency (break-glass) access: the opt-in and its automatic decisions. */
  readonly breakGlass: PatientBreakGlass
  /**
   * Changes the passphrase that opens this record on this device (see `passphrase-change.ts`):
   * the vault key is sealed again under the new one; everything else stays as it is.
   * @throws {WeakPassphraseError | WrongPassphraseError | PassphraseChangedMeanwhileError} with nothing changed
   * @throws {RangeError} for the demo record (its passphrase is public) and a dependent's (the guardian's vault holds its key)
   */
  changePassphrase(current: string, next: string): Promise<void>
}

/** One record this device shows, for the record switcher. */
export interface RecordEntry {
  /** `own`, `demo`, or a dependent's id. */
  readonly id: string
  readonly name: string
  readonly kind: 'own' | 'demo' | 'dependent'
  /** Open now (its keys are in memory). */
  readonly open: boolean
  /** The one shown. */
  readonly current: boolean
}

/** The record service. */
export interface PatientRecords {
  held(): Promise<HeldRecord>
  current(): OpenRecord | undefined
  createDemo(onProgress?: (fraction: number) => void): Promise<OpenRecord>
  /** Opens the demo record; `onProgress` gets the fraction of the stored record applied. */
  openDemo(onProgress?: (fraction: number) => void): Promise<OpenRecord>
  /**
   * Opens the own record; `onProgress` gets the fraction of the stored record applied (a
   * big record takes a moment).
   * @throws {WrongPassphraseError} for a wrong passphrase
   */
  unlock(passphrase: string, onProgress?: (fraction: number) => void): Promise<OpenRecord>
  /**
   * Creates the person's own record on this device: a new person (root key from fresh
   * recovery entropy), their Patient resource (name, birth date), sealed under the
   * passphrase. Returns the open record and the 24-word recovery phrase to show once.
   * @throws {RangeError} when a record is already held here, or for an empty name, a birth date that is not a past date, a passphrase under 8 characters
   */
  createOwn(init: { name: string; birthDate: string; passphrase: string }): Promise<{ record: OpenRecord; phrase: string[] }>
  /**
   * Brings the person's own record back on this device from the 24-word recovery phrase
   * (see `restore.ts`): the same identity and compartments, filled as their envelopes
   * arrive from the mailboxes and the person's other devices.
   * @throws {RecoveryPhraseError} naming the first unknown word or the failed checksum (nothing is stored)
   * @throws {MailboxAddressError} for a mailbox address that cannot be one (nothing is stored)
   * @throws {RangeError} when a record is already held here, or for a passphrase under 8 characters
   */
  restore(req: { phrase: string; passphrase: string; mailboxes?: readonly string[] }): Promise<OpenRecord>
  /** Links this device to the record shown on another device. @throws {DeviceLinkError} with the reason */
  join(req: { payload: string; passphrase: string; deviceName: string }): Promise<OpenRecord>
  /**
   * Takes over a dependent's record that its guardian hands over (see `handover.ts`): links
   * this device to the guardian's with the code it shows, waits until every compartment has
   * synced, then makes a new person its owner (new recovery phrase, new keys for everything
   * written from now on); the guardian's access ends.
   * @throws {DeviceLinkError} as `join`; {HandoverIncompleteError} when the record did not arrive whole within `waitMs`
   */
  takeOver(req: { payload: string; passphrase: string; deviceName: string; waitMs?: number }): Promise<{ record: OpenRecord; phrase: string[] }>
  /** Removes a dependent's record from this device (after handing it over): closed, deleted, and struck from the guardian's vault. */
  removeDependent(id: string): Promise<void>
  /** Stops syncing and closes every open record (the own one and the dependents'). */
  close(): Promise<void>
  /** The records to switch between: the own (or demo) one and, while it is unlocked, the dependents'. */
  records(): RecordEntry[]
  /**
   * Creates a dependent's record (a child's): its own person, keys and database, with its
   * Patient resource; its vault key is sealed in the guardian's vault. It is opened and shown.
   * @throws {RangeError} while the own record is not open, for the demo record, an empty name, a birth date that is not a past date, or too many dependents
   */
  createDependent(init: { name: string; birthDate: string }): Promise<OpenRecord>
  /**
   * Shows a record: a dependent's is opened with the key the guardian's vault holds.
   * @throws {RangeError} for an unknown record, or a dependent's while the own record is locked
   */
  select(id: string): Promise<OpenRecord>
  /** Closes one dependent's record (its keys leave memory); the own record stays open. Locking the own record closes them all. */
  lock(id: string): Promise<void>
  /** Calls `listener` when the list of records, or which is shown or open, changes. */
  subscribe(listener: () => void): () => void
}

/** What the record service is given. */
export interface PatientRecordsComponents extends RelayStatusComponents {
  indexedDB: Pick<IDBFactory, 'databases' | 'deleteDatabase'>
  /** This device's name for its certificate. */
  deviceName: string
  /** The page-wide relay status, which shows an open record's connection instead of holding its own. */
  relayStatus?: Pick<RelayStatus, 'follow'>
  /** The insights worker, shared with the doctor's app. */
  insights: InsightsWorker
  /** Shows a system notification of an alert. @default none */
  notify?: (n: AlertNotification) => void
}

/** scrypt for a dependent's throwaway passphrase: 32 random bytes need no stretching. */
const THROWAWAY_SCRYPT = { log2N: 10, r: 8, p: 1 }

/** Writes the record's Patient resource. */
function putPatient(session: RecordSession, name: string, birthDate: string): void {
  const parts = name.split(/\s+/)
  session.get('core').resources.put({
    resourceType: 'Patient',
    id: `pt-${toHex(randomBytes(8))}`,
    name: [{ text: name, ...(parts.length > 1 ? { family: parts.at(-1), given: parts.slice(0, -1) } : { given: parts }) }],
    birthDate
  })
}

function deleteDb(idb: Pick<IDBFactory, 'deleteDatabase'>, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const r = idb.deleteDatabase(name)
    r.onsuccess = () => resolve()
    r.onerror = () => reject(r.error ?? new Error(`${name} could not be deleted`))
  })
}

/** Creates the record service; nothing is opened until asked. */
export function createPatientRecords(components: PatientRecordsComponents): PatientRecords {
  type Held = OpenRecord & { close(): Promise<void>; readonly store: EnvelopeStore; readonly vaultKey: Uint8Array }
  /** The own (or demo) record: the one a passphrase opens. */
  let primary: Held | undefined
  /** Dependents' records open now, by id. */
  const opened = new Map<string, Held>()
  /** The dependents listed in the own record's vault (read when it opens). */
  let dependents: DependentEntry[] = []
  let shownId: string | undefined
  const listeners = new Set<() => void>()
  const changed = (): void => {
    for (const l of listeners) l()
  }
  const shown = (): Held | undefined => (shownId === undefined ? undefined : primary?.id === shownId ? primary : opened.get(shownId))
  /** Shows `r`: the page-wide relay status follows its connection. */
  const show = (r: Held): Held => {
    shownId = r.id
    components.relayStatus?.follow(r.sync)
    changed()
    return r
  }
  /** Opens the own or demo record as the primary one, and reads the dependents it lists. */
  const setPrimary = async (r: Held): Promise<Held> => {
    primary = r
    if (!r.demo) {
      const sealed = await r.store.getMeta(DEPENDENTS_ITEM)
      dependents = sealed === undefined ? [] : decodeDependents(openVaultItem(r.vaultKey, DEPENDENTS_ITEM, sealed))
    }
    return show(r)
  }
  const relays = async (signal: AbortSignal): Promise<string[]> => (await loadAppConfig(components.fetch, signal)).relays
  const exists = async (name: string): Promise<boolean> => (await components.indexedDB.databases()).some((d) => d.name === name)

  async function open(id: string, demo: boolean, store: EnvelopeStore, session: RecordSession, vaultKey: Uint8Array): Promise<Held> {
    const vault = recordVault(store, vaultKey, session.device.publicKey)
    const syncedDocs = await vault.syncedDocs()
    const consent = createPatientConsent({ session, vault, vaultKey })
    await consent.start()
    const breakGlass = createPatientBreakGlass({ session, vaultKey, consent })
    await breakGlass.start()
    // a doctor's device may change only its visit compartment, whatever keys it holds
    session.setWriteCheck((docHex, author) => consent.mayWrite(docHex, author))
    const config = await loadAppConfig(components.fetch).then(
      (c) => c,
      // no config now (offline): no authority is trusted, so every doctor shows as unverified
      () => undefined
    )
    const authorities = config?.authorities ?? []
    const trustList = createTrustList(authorities)
    // video calls with a grantee: rung both ways only under a grant in force now
    const consult = createConsultations({
      ring: (grantIdHex, signal) => {
        const to = consent.callTarget(grantIdHex)
        if (to === undefined) return Promise.reject(new CallNotAllowedError('consult: no grant in force with this person'))
        // `sync` is made below; a ring comes only from the screen, once it runs
        return sync.ring(to, signal)
      },
      nameOf: (grantIdHex) => consent.people().find((p) => p.grantId === grantIdHex)?.name ?? '',
      selfName: () => summarize(session).name,
      iceServers: async () => (await loadAppConfig(components.fetch)).iceServers
    })
    const sync = createSyncRuntime(
      {
        session,
        vault,
        vaultKey,
        syncedDocs,
        relays,
        window: components.window,
        consent: {
          authorize: (person, device, docId) => consent.authorize(person, device, docId),
          wants: (person, device, docId) => consent.wants(person, device, docId),
          keysFor: (person, docId) => consent.keysFor(person, docId),
          approve: (request) => consent.approve(request),
          trustList,
          breakGlass: { token: () => breakGlass.token(), approve: (request) => breakGlass.approve(request) },
          onSession: (e) => {
            const kinds = e.docs.map((hex) => session.keyring.get(hex)?.kind ?? hex.slice(0, 8))
            consent.audit(AuditAction.sync, e.person, { device: e.peerId, name: e.deviceName, compartments: kinds.join(','), sent: e.sent, received: e.received, since: e.since })
          }
        },
        consult: {
          authorize: (party) => consent.callAllowed(party.person, party.peerId, toHex(party.grantId)),
          onRing: (r) => consult.onRing(r)
        }
      },
      // one's own record keeps a copy in the mailboxes: the recovery phrase finds it there
      { deviceName: components.deviceName, keepMailboxCopy: !demo }
    )
    const alerts = createPatientAlerts({ session, ...(components.notify === undefined ? {} : { notify: components.notify }) })
    alerts.start()
    consent.onCompartment((docHex) => {
      const kind = session.keyring.get(docHex)?.kind
      if (kind === undefined) return
      sync.addCompartment(kind as CompartmentKind)
      alerts.track(kind as CompartmentKind)
    })
    let lastLinked = sync.snapshot().justLinked?.peerId
    sync.subscribe((snap) => {
      const j = snap.justLinked
      if (j !== undefined && j.peerId !== lastLinked) {
        lastLinked = j.peerId
        consent.audit(AuditAction.deviceLink, 'self', { device: j.peerId, name: j.name })
      }
    })
    sync.start()
    const insights = createRecordInsights({
      compartments: () => ({
        vitals: session.compartments.get('vitals')?.compartment,
        results: session.compartments.get('results')?.compartment,
        // NEWS2 entries (ACVPU, oxygen, SpO2 scale 2) the doctors recorded in their visit compartments
        visits: [...session.compartments].filter(([kind]) => kind.startsWith('visit:')).map(([, c]) => c.compartment)
      }),
      insights: () => components.insights.client()
    })
    const interop = createRecordInterop({
      session,
      vaultKey,
      person: () => vault.person(),
      fetch: components.fetch,
      audit: (action, actor, details) => consent.audit(action, actor, details)
    })
    return {
      id,
      demo,
      interop,
      dependent: id !== 'own' && id !== 'demo',
      store,
      vaultKey,
      insights,
      session,
      sync,
      consent,
      consult,
      summary() {
        const s = summarize(session)
        // on a linked device, a compartment that never synced may hold only part of the record
        const waiting = sync.snapshot().compartments.some((c) => c.awaitingFirstSync)
        return { ...s, complete: s.complete && !waiting }
      },
      async addAllergy(text) {
        await addAllergy(session, text, Date.now())
      },
      prescriptions: () => listPrescriptions([...session.compartments].map(([kind, c]) => [kind, c.compartment] as const), { trustList, now: Date.now }),
      alerts,
      breakGlass,
      async changePassphrase(current, next) {
        if (demo) throw new RangeError('passphrase: the demo record keeps its public passphrase')
        if (id !== 'own') throw new RangeError('passphrase: a dependent’s record opens with the guardian’s')
        await changeVaultPassphrase(store, current, next)
      },
      async emergencyLink(origin) {
        let link = await emergencyLink(emergencyCardOf(session), origin)
        if (breakGlass.view().enabled) {
          try {
            const at = await sync.emergencyAddress(AbortSignal.timeout(10_000))
            const capability = breakGlass.capability((await vault.person()).did, at.peerId, at.addrs)
            if (capability !== undefined) link = withBreakGlass(link, capability)
          } catch (err) {
            // offline: the card still works; the screen says emergency access is not in this code
            console.warn('emergency: the code carries no emergency access', err instanceof Error ? err.name : err)
          }
        }
        consent.audit(AuditAction.export, 'self', { what: 'emergency-qr', access: link.includes('~phr-btg:') ? 'break-glass' : 'none' })
        return link
      },
      async recordReading(reading) {
        const vitals = session.compartments.get('vitals')
        if (vitals === undefined) throw new RangeError('this record has no vitals compartment')
        await recordLiveReading(vitals, reading)
      },
      async addVital(kind, value) {
        const vitals = session.compartments.get('vitals')
        if (vitals === undefined) throw new RangeError('this record has no vitals compartment')
        await recordLiveReading(vitals, { observations: [manualObservation(kind, value, Date.now())] })
      },
      async close() {
        alerts.stop()
        insights.close()
        consult.close()
        consent.stop()
        // the page-wide status stops following this record's connection if it did
        if (shownId === id) components.relayStatus?.follow(undefined)
        await sync.stop()
        await session.close()
        await store.close()
        vaultKey.fill(0)
      }
    }
  }

  async function openWith(name: string, passphrase: string, demo: boolean, onProgress?: (fraction: number) => void): Promise<OpenRecord> {
    if (primary !== undefined) return shown() ?? show(primary)
    const store = await createIndexedDbStore({ name })
    try {
      const vaultKey = await unlockVault(store, passphrase)
      try {
        const session = await openRecordWithVaultKey(store, vaultKey, onProgress === undefined ? {} : { onOpenProgress: onProgress })
        return await setPrimary(await open(demo ? 'demo' : 'own', demo, store, session, vaultKey))
      } catch (err) {
        vaultKey.fill(0)
        throw err
      }
    } catch (err) {
      await store.close()
      throw err
    }
  }

  return {
    async held() {
      if (await exists(DEMO_DB)) return HeldRecord.demo
      if (await exists(OWN_DB)) return HeldRecord.own
      return HeldRecord.none
    },
    current: () => shown(),
    async createDemo(onProgress) {
      const store = await createIndexedDbStore({ name: DEMO_DB })
      const { session, vaultKey } = await createRecordWithVault(store, DEMO_PASSPHRASE, {})
      await importSyntheticRecord(session, SYNTHETIC_MONTH, onProgress === undefined ? {} : { onProgress })
      return setPrimary(await open('demo', true, store, session, vaultKey))
    },
    openDemo: (onProgress) => openWith(DEMO_DB, DEMO_PASSPHRASE, true, onProgress),
    async createOwn(init) {
      const name = init.name.trim()
      if (name.length === 0 || name.length > 200) throw new RangeError('name: 1..200 characters')
      if (!/^\d{4}-\d{2}-\d{2}$/.test(init.birthDate) || !(Date.parse(init.birthDate) <= Date.now())) throw new RangeError('birth date: a past date, YYYY-MM-DD')
      if (init.passphrase.length < 8) throw new RangeError('passphrase: at least 8 characters')
      if ((await exists(DEMO_DB)) || (await exists(OWN_DB))) throw new RangeError('a record is already held on this device')
      const person = createPerson()
      const store = await createIndexedDbStore({ name: OWN_DB })
      try {
        // the compartments' doc ids and first keys derive from the phrase, so that it alone restores them
        const keyring = ownRecordKeyring(person.entropy)
        const { session, vaultKey } = await createRecordWithVault(store, init.passphrase, { keyring, items: new Map([[VaultItem.person, person.entropy]]) })
        putPatient(session, name, init.birthDate)
        await session.whenSaved()
        const record = await setPrimary(await open('own', false, store, session, vaultKey))
        return { record, phrase: person.phrase.split(' ') }
      } catch (err) {
        // nothing half-made stays behind: the next attempt starts clean
        await store.close().catch(() => undefined)
        await deleteDb(components.indexedDB, OWN_DB)
        throw err
      } finally {
        person.entropy.fill(0)
      }
    },
    unlock: (passphrase, onProgress) => openWith(OWN_DB, passphrase, false, onProgress),
    async restore(req) {
      // a wrong word, passphrase or address is refused before anything is stored
      assertRestorable(req)
      if ((await exists(DEMO_DB)) || (await exists(OWN_DB))) throw new RangeError('a record is already held on this device')
      const store = await createIndexedDbStore({ name: OWN_DB })
      let restored
      try {
        restored = await restoreOwnRecord(store, req)
      } catch (err) {
        // nothing half-made stays behind: a wrong word changes nothing on this device
        await store.close().catch(() => undefined)
        await deleteDb(components.indexedDB, OWN_DB)
        throw err
      }
      return setPrimary(await open('own', false, store, restored.session, restored.vaultKey))
    },
    async join(req) {
      const joined = await joinRecord(
        {
          relays,
          recordExists: async () => (await exists(DEMO_DB)) || (await exists(OWN_DB)),
          openStore: () => createIndexedDbStore({ name: OWN_DB }),
          discardStore: () => deleteDb(components.indexedDB, OWN_DB)
        },
        { payload: req.payload, passphrase: req.passphrase, deviceName: cleanDeviceName(req.deviceName, components.deviceName) }
      )
      return setPrimary(await open('own', false, joined.store, joined.session, joined.vaultKey))
    },
    async takeOver(req) {
      const deviceName = cleanDeviceName(req.deviceName, components.deviceName)
      const joined = await joinRecord(
        {
          relays,
          recordExists: async () => (await exists(DEMO_DB)) || (await exists(OWN_DB)),
          openStore: () => createIndexedDbStore({ name: OWN_DB }),
          discardStore: () => deleteDb(components.indexedDB, OWN_DB)
        },
        { payload: req.payload, passphrase: req.passphrase, deviceName }
      )
      // `close` wipes the key it was given; the takeover reopens the record with this copy
      const vaultKey = joined.vaultKey.slice()
      try {
        const first = await open('own', false, joined.store, joined.session, joined.vaultKey)
        try {
          await new Promise<void>((resolve, reject) => {
            let unsubscribe: () => void = () => undefined
            const timer = setTimeout(() => {
              unsubscribe()
              reject(new HandoverIncompleteError('handover: the record did not arrive whole from the guardian’s device'))
            }, req.waitMs ?? 180_000)
            const check = (s: ReturnType<SyncRuntime['snapshot']>): void => {
              if (s.compartments.length === 0 || s.compartments.some((c) => c.awaitingFirstSync)) return
              clearTimeout(timer)
              unsubscribe()
              resolve()
            }
            unsubscribe = first.sync.subscribe(check)
            check(first.sync.snapshot())
          })
        } finally {
          await first.close()
        }
        const store = await createIndexedDbStore({ name: OWN_DB })
        const session = await openRecordWithVaultKey(store, vaultKey)
        const h = await takeOwnership({ session, vault: recordVault(store, vaultKey, session.device.publicKey), vaultKey, deviceName })
        const record = await setPrimary(await open('own', false, store, session, vaultKey))
        return { record, phrase: h.phrase }
      } catch (err) {
        vaultKey.fill(0)
        throw err
      }
    },
    async removeDependent(id) {
      const p = primary
      if (p === undefined || p.demo) throw new RangeError('dependents: open your own record first')
      if (!dependents.some((d) => d.id === id)) throw new RangeError('records: no such record')
      const r = opened.get(id)
      opened.delete(id)
      if (shownId === id) show(p)
      await r?.close()
      const rest = dependents.filter((d) => d.id !== id)
      // struck from the vault first: a record that failed to delete is then only unreachable bytes
      await p.store.putMeta(DEPENDENTS_ITEM, sealVaultItem(p.vaultKey, DEPENDENTS_ITEM, encodeDependents(rest)))
      dependents = rest
      await deleteDb(components.indexedDB, dependentDbName(id))
      changed()
    },
    async close() {
      const all = [...opened.values(), ...(primary === undefined ? [] : [primary])]
      opened.clear()
      primary = undefined
      shownId = undefined
      dependents = []
      for (const r of all) await r.close()
      changed()
    },
    records() {
      const p = primary
      if (p === undefined) return []
      const entry = (r: Held, kind: RecordEntry['kind']): RecordEntry => ({ id: r.id, name: r.summary().name, kind, open: true, current: shownId === r.id })
      return [
        entry(p, p.demo ? 'demo' : 'own'),
        ...dependents.map((d) => ({ id: d.id, name: d.name, kind: 'dependent' as const, open: opened.has(d.id), current: shownId === d.id }))
      ]
    },
    async createDependent(init) {
      const p = primary
      if (p === undefined || p.demo) throw new RangeError('dependents: open your own record first')
      const { name, birthDate } = checkPersonDetails(init.name, init.birthDate, Date.now())
      if (dependents.length >= MAX_DEPENDENTS) throw new RangeError(`dependents: at most ${MAX_DEPENDENTS}`)
      const id = newDependentId()
      const dbName = dependentDbName(id)
      const person = createPerson()
      const store = await createIndexedDbStore({ name: dbName })
      try {
        // nobody keeps this passphrase: the vault key itself is sealed in the guardian's vault
        const throwaway = toHex(randomBytes(32))
        const { session, vaultKey } = await createRecordWithVault(store, throwaway, { items: new Map([[VaultItem.person, person.entropy]]) }, { scrypt: THROWAWAY_SCRYPT })
        putPatient(session, name, birthDate)
        await session.whenSaved()
        const entry: DependentEntry = { id, name, birthDate, createdAt: Date.now(), vaultKey: vaultKey.slice() }
        // the guardian's vault lists it only once the record is whole; the list is written before it is used
        await p.store.putMeta(DEPENDENTS_ITEM, sealVaultItem(p.vaultKey, DEPENDENTS_ITEM, encodeDependents([...dependents, entry])))
        dependents = [...dependents, entry]
        const r = await open(id, false, store, session, vaultKey)
        opened.set(id, r)
        return show(r)
      } catch (err) {
        // nothing half-made stays behind
        await store.close().catch(() => undefined)
        await deleteDb(components.indexedDB, dbName)
        throw err
      } finally {
        person.entropy.fill(0)
      }
    },
    async select(id) {
      const p = primary
      if (p === undefined) throw new RangeError('records: open your own record first')
      if (id === p.id) return show(p)
      const already = opened.get(id)
      if (already !== undefined) return show(already)
      const d = dependents.find((x) => x.id === id)
      if (d === undefined) throw new RangeError('records: no such record')
      const store = await createIndexedDbStore({ name: dependentDbName(id) })
      const vaultKey = d.vaultKey.slice()
      try {
        const r = await open(id, false, store, await openRecordWithVaultKey(store, vaultKey), vaultKey)
        opened.set(id, r)
        return show(r)
      } catch (err) {
        vaultKey.fill(0)
        await store.close().catch(() => undefined)
        throw err
      }
    },
    async lock(id) {
      const r = opened.get(id)
      if (r === undefined) return
      opened.delete(id)
      if (shownId === id && primary !== undefined) show(primary)
      await r.close()
      changed()
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
}
