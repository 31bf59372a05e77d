/**
 * The composition root: builds the services of the app and hands them to the UI through
 * a lit context.
 *
 * @example
 * ```ts
 * const services = createAppServices({ window, fetch: fetch.bind(window) })
 * services.relay.start()
 * ```
 * @packageDocumentation
 */
import { createContext } from '@lit/context'
import { createRelayStatus, type RelayStatus, type RelayStatusComponents } from './relay-status.ts'
import { localHoldings, type LocalHoldings } from './local-records.ts'
import { createPatientRecords, type PatientRecords } from './patient-record.ts'
import { guessDeviceName } from './device-name.ts'
import { createPractitioner, type Practitioner } from './practitioner.ts'
import { loadAppConfig } from './config.ts'
import { createPharmacy, type Pharmacy } from './prescriptions.ts'

export { RelayState, type RelayStatus, type RelayStatusSnapshot } from './relay-status.ts'
export { LOCALES, isLocale, initialLocale, rememberLocale, type Locale } from './settings.ts'
export { loadAppConfig, AppConfigError, type AppConfig } from './config.ts'
export { RECORD_DB_PREFIX, PRACTITIONER_DB_PREFIX, type LocalHoldings } from './local-records.ts'
export { DEMO_DB, DEMO_PASSPHRASE, OWN_DB } from './demo-record.ts'
export type { RecordSummary } from './summary.ts'
export { HeldRecord, type PatientRecords, type OpenRecord } from './patient-record.ts'
export { RelayUnavailableError, type SyncRuntime, type SyncSnapshot, type CompartmentSyncStatus, type ConnectedDevice, type LinkOfferView } from './sync-runtime.ts'
export { MailboxState, type MailboxStatus } from './mailbox-sync.ts'
export { LinkFailure, DeviceLinkError } from './link-device.ts'
export { MAX_ALLERGY_TEXT } from './edits.ts'
export { MAX_DEVICE_NAME } from './device-name.ts'
export type { LinkedDevice } from './vault-items.ts'
export { MAX_LINK_PAYLOAD_CHARS } from '../sync/index.ts'
export { SHAREABLE, type Shareable, type ShareChoice, type VisitRequest, type PersonWithAccess, type VisitNote, type PatientConsent } from './patient-consent.ts'
export type { GranteeCredential } from './consent-state.ts'
export { MAX_NOTE_TEXT, MAX_CREDENTIAL_TEXT, type Practitioner, type PractitionerInfo, type PatientReplica, type PatientView, type ReplicaCompartment, type PrescriptionRequest } from './practitioner.ts'
export { CHECK_FAILED_WARNING, type Pharmacy, type PharmacyCheck, type RecordPrescription, type PrescribeResult, type PrescribingWarning, type PrescriptionCheck, type PrescribingContext } from './prescriptions.ts'
export { MAX_PRESCRIPTION_TEXT_BYTES, MAX_REPEATS, MAX_VALIDITY_MS, MAX_QUANTITY, MAX_PRESCRIPTION_TEXT_CHARS, type PrescriptionVerdict, type PrescriptionDetails, type PrescriberInfo } from '../consult/index.ts'
export { type Consultations, type CallView, type FinishedCall } from './consultations.ts'
export { CallPhase, CallEndReason, MediaProblem, QualityLevel, MAX_CHAT_TEXT, MAX_CALL_FILE_BYTES, MAX_VISIT_REASON, type CallState, type MediaCall, type MediaCallSnapshot, type ChatLine, type CallFile, type CallQuality } from '../consult/index.ts'
export { accessHistory, accessHistoryFhir, type AccessHistory, type AccessHistoryEntry } from './access-history.ts'

/** Everything the UI may use. */
export interface AppServices {
  relay: RelayStatus
  /** What this device holds (records, practitioner profiles). */
  holdings(): Promise<LocalHoldings>
  /** The patient's record on this device (the demo patient, or the person's own), and its sync. */
  records: PatientRecords
  /** This device's default name. */
  deviceName: string
  /** The doctor's app: their identity and the patients who let them in. */
  practitioner: Practitioner
  /** The pharmacy page: verifies a prescription offline. */
  pharmacy: Pharmacy
}

/** What the services are built from. */
export interface AppComponents extends RelayStatusComponents {
  indexedDB: Pick<IDBFactory, 'databases' | 'deleteDatabase'>
  /** `navigator.userAgent`, for this device's default name. @default '' */
  userAgent?: string
}

/** Builds the app's services; nothing starts until `relay.start()`. */
export function createAppServices(components: AppComponents): AppServices {
  const deviceName = guessDeviceName(components.userAgent ?? '')
  const relay = createRelayStatus(components)
  return {
    relay,
    holdings: () => localHoldings(components.indexedDB),
    records: createPatientRecords({ ...components, deviceName, relayStatus: relay }),
    deviceName,
    practitioner: createPractitioner({
      indexedDB: components.indexedDB,
      relays: async (signal) => (await loadAppConfig(components.fetch, signal)).relays,
      iceServers: async () => (await loadAppConfig(components.fetch)).iceServers
    }),
    pharmacy: createPharmacy({ fetch: components.fetch })
  }
}

/** The lit context key under which the UI finds the services. */
export const servicesContext = createContext<AppServices>(Symbol('phr-services'))
