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
import { recordVault } from './vault-items.ts'
import { joinRecord } from './link-device.ts'
import { addAllergy } from './edits.ts'
import { cleanDeviceName } from './device-name.ts'
import type { RelayStatus, RelayStatusComponents } from './relay-status.ts'
import { createPatientConsent, type PatientConsent } from './patient-consent.ts'
import { AuditAction } from '../consent/index.ts'
import { createTrustList } from '../crypto/index.ts'
import { listPrescriptions, type RecordPrescription } from './prescriptions.ts'
import type { CompartmentKind } from '../record/index.ts'
import { toHex } from '../lib/index.ts'
import { CallNotAllowedError } from '../consult/index.ts'
import { createConsultations, type Consultations } from './consultations.ts'

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
  readonly demo: boolean
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
}

/** The record service. */
export interface PatientRecords {
  held(): Promise<HeldRecord>
  current(): OpenRecord | undefined
  createDemo(onProgress?: (fraction: number) => void): Promise<OpenRecord>
  openDemo(): Promise<OpenRecord>
  /** Opens the own record. @throws {WrongPassphraseError} for a wrong passphrase */
  unlock(passphrase: string): Promise<OpenRecord>
  /** Links this device to the record shown on another device. @throws {DeviceLinkError} with the reason */
  join(req: { payload: string; passphrase: string; deviceName: string }): Promise<OpenRecord>
  /** Stops syncing and closes the record. */
  close(): Promise<void>
}

/** What the record service is given. */
export interface PatientRecordsComponents extends RelayStatusComponents {
  indexedDB: Pick<IDBFactory, 'databases' | 'deleteDatabase'>
  /** This device's name for its certificate. */
  deviceName: string
  /** The page-wide relay status, which shows an open record's connection instead of holding its own. */
  relayStatus?: Pick<RelayStatus, 'follow'>
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
  let current: (OpenRecord & { close(): Promise<void> }) | undefined
  const relays = async (signal: AbortSignal): Promise<string[]> => (await loadAppConfig(components.fetch, signal)).relays
  const exists = async (name: string): Promise<boolean> => (await components.indexedDB.databases()).some((d) => d.name === name)

  async function open(demo: boolean, store: EnvelopeStore, session: RecordSession, vaultKey: Uint8Array): Promise<OpenRecord & { close(): Promise<void> }> {
    const vault = recordVault(store, vaultKey, session.device.publicKey)
    const syncedDocs = await vault.syncedDocs()
    const consent = createPatientConsent({ session, vault, vaultKey })
    await consent.start()
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
          onSession: (e) => consent.audit(AuditAction.sync, e.person, { device: e.peerId, name: e.deviceName })
        },
        consult: {
          authorize: (party) => consent.callAllowed(party.person, party.peerId, toHex(party.grantId)),
          onRing: (r) => consult.onRing(r)
        }
      },
      { deviceName: components.deviceName }
    )
    consent.onCompartment((docHex) => {
      const kind = session.keyring.get(docHex)?.kind
      if (kind !== undefined) sync.addCompartment(kind as CompartmentKind)
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
    // one connection to the relay per device: the page-wide status shows the record's
    components.relayStatus?.follow(sync)
    return {
      demo,
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
      async close() {
        consult.close()
        consent.stop()
        components.relayStatus?.follow(undefined)
        await sync.stop()
        await session.close()
        await store.close()
        vaultKey.fill(0)
      }
    }
  }

  async function openWith(name: string, passphrase: string, demo: boolean): Promise<OpenRecord> {
    if (current !== undefined) return current
    const store = await createIndexedDbStore({ name })
    try {
      const vaultKey = await unlockVault(store, passphrase)
      try {
        current = await open(demo, store, await openRecordWithVaultKey(store, vaultKey), vaultKey)
      } catch (err) {
        vaultKey.fill(0)
        throw err
      }
      return current
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
    current: () => current,
    async createDemo(onProgress) {
      const store = await createIndexedDbStore({ name: DEMO_DB })
      const { session, vaultKey } = await createRecordWithVault(store, DEMO_PASSPHRASE, {})
      await importSyntheticRecord(session, SYNTHETIC_MONTH, onProgress === undefined ? {} : { onProgress })
      current = await open(true, store, session, vaultKey)
      return current
    },
    openDemo: () => openWith(DEMO_DB, DEMO_PASSPHRASE, true),
    unlock: (passphrase) => openWith(OWN_DB, passphrase, false),
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
      current = await open(false, joined.store, joined.session, joined.vaultKey)
      return current
    },
    async close() {
      const c = current
      current = undefined
      await c?.close()
    }
  }
}
