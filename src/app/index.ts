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
import { CAREGIVER_DB, CAREGIVER_REPLICA_PREFIX } from './local-records.ts'
import { loadAppConfig } from './config.ts'
import { createPharmacy, type Pharmacy } from './prescriptions.ts'
import { lazyInsightsWorker } from './insights-worker.ts'
import { prescribingCheck } from './prescribing-check.ts'
import { systemNotifier } from './alert-notifications.ts'
import { createRecordBackups, type RecordBackups } from './backup.ts'
import { createBluetoothDevices, type BluetoothDevices } from './bluetooth-devices.ts'

export { RelayState, type RelayStatus, type RelayStatusSnapshot } from './relay-status.ts'
export { LOCALES, isLocale, initialLocale, rememberLocale, type Locale } from './settings.ts'
export { loadAppConfig, AppConfigError, type AppConfig } from './config.ts'
export { RECORD_DB_PREFIX, PRACTITIONER_DB_PREFIX, type LocalHoldings } from './local-records.ts'
export { DEMO_DB, DEMO_PASSPHRASE, OWN_DB } from './demo-record.ts'
export type { RecordSummary } from './summary.ts'
export { HeldRecord, type PatientRecords, type OpenRecord, type RecordEntry } from './patient-record.ts'
export { MAX_DEPENDENTS } from './dependents.ts'
export { createIdleLock, DEFAULT_IDLE_LOCK_MS, type IdleLock } from './idle-lock.ts'
export { readEmergencyLink, EmergencyLinkError, type EmergencyCard } from './emergency.ts'
export { createPatientBreakGlass, type PatientBreakGlass, type BreakGlassView, type BreakGlassChoice } from './break-glass.ts'
export { BREAK_GLASS_MIN_HOURS, BREAK_GLASS_MAX_HOURS, BREAK_GLASS_MAX_USES } from '../consent/index.ts'
export { RelayUnavailableError, type SyncRuntime, type SyncSnapshot, type CompartmentSyncStatus, type ConnectedDevice, type LinkOfferView } from './sync-runtime.ts'
export { MailboxState, type MailboxStatus } from './mailbox-sync.ts'
export { LinkFailure, DeviceLinkError } from './link-device.ts'
export { checkRecoveryPhrase, MAX_PHRASE_TEXT, type PhraseCheck, type UnknownWord } from './restore.ts'
export { MAX_ALLERGY_TEXT } from './edits.ts'
export { createRecordEdits, type RecordEdits } from './record-edits-service.ts'
export { RecordSection, FormProblem, RecordFormError, RecordEntryNotFoundError, MAX_FORM_TEXT, MAX_FORM_NOTE, MAX_UNIT_TEXT, entryTitle, formOf, type FieldProblem, type CodedValue, type SectionForms, type FormSection } from './record-edits.ts'
export { DOCUMENT_TYPES, MAX_DOCUMENT_BYTES, DocumentContentError, DocumentUnreadableError, type DocumentFile } from './record-edits-documents.ts'
export { MANUAL_SOURCE, type ManualReadingForm } from './record-edits-vitals.ts'
export { VitalMeasure, MEASURES, type MeasureDef, type ChartData, type LinePoints } from './vitals-chart-data.ts'
export { vitalTrends, directionOf, TrendDirection, TRENDED_MEASURES, STEADY_BAND, RECENT_DAYS, EARLIER_DAYS, MIN_EARLIER_READINGS, type VitalTrend, type LineLatest, type LineTrend, type VitalTrendsOptions } from './vitals-trends.ts'
export { ALLERGY_CODES, CONDITION_CODES, MEDICATION_CODES, LAB_CODES, VACCINE_CODES, searchCodes, MAX_CODE_MATCHES, type CodeEntry } from './record-codes.ts'
export { MAX_DEVICE_NAME } from './device-name.ts'
export type { LinkedDevice } from './vault-items.ts'
export { MAX_LINK_PAYLOAD_CHARS } from '../sync/index.ts'
export { MANUAL_VITALS, type ManualVital, type LatestVital } from './manual-vitals.ts'
export { SHAREABLE, GranteeRole, MAX_CAREGIVER_HOURS, type Shareable, type ShareChoice, type VisitRequest, type PersonWithAccess, type VisitNote, type PatientConsent } from './patient-consent.ts'
export type { GranteeCredential } from './consent-state.ts'
export { MAX_NOTE_TEXT, MAX_CREDENTIAL_TEXT, MAX_DETAIL_TEXT, type PractitionerDetails, type Practitioner, type PractitionerInfo, type PatientReplica, type PatientView, type ReplicaCompartment, type PrescriptionRequest } from './practitioner.ts'
export { CHECK_FAILED_WARNING, type Pharmacy, type PharmacyCheck, type RecordPrescription, type PrescribeResult, type PrescribingWarning, type PrescriptionCheck, type PrescribingContext } from './prescriptions.ts'
export { MAX_PRESCRIPTION_TEXT_BYTES, MAX_REPEATS, MAX_VALIDITY_MS, MAX_QUANTITY, MAX_PRESCRIPTION_TEXT_CHARS, type PrescriptionVerdict, type PrescriptionDetails, type PrescriberInfo } from '../consult/index.ts'
export { InsightsState, type InsightsSnapshot, type RecordInsights } from './record-insights.ts'
export { factsOf, sourceLabel, unitLabel, readingsOf, type InsightFacts, type News2Risk } from './insight-facts.ts'
export { RECORD_INCOMPLETE_WARNING } from './prescribing-check.ts'
export type { Finding, Evidence, Severity, RuleId, BpCategory, InsightAlert, AlertKey } from '../insights/index.ts'
export { type Consultations, type CallView, type FinishedCall } from './consultations.ts'
export { CallPhase, CallEndReason, MediaProblem, QualityLevel, MAX_CHAT_TEXT, MAX_CALL_FILE_BYTES, MAX_VISIT_REASON, type CallState, type MediaCall, type MediaCallSnapshot, type ChatLine, type CallFile, type CallQuality } from '../consult/index.ts'
export { accessHistory, accessHistoryFhir, type AccessHistory, type AccessHistoryEntry } from './access-history.ts'
export {
  TelemonitorRole,
  TelemonitorRoleError,
  isInsightAlert,
  type Telemonitor,
  type TelemonitorAlert,
  type TelemonitorEvents,
  type LiveReading,
  type TrendPoint,
  type ThresholdsView
} from './telemonitor.ts'
export { requestAlertNotifications, type AlertNotification } from './alert-notifications.ts'
export { RecordAlreadyHeldError, BackupDamagedError, BackupFormatError, BackupTooLargeError, type RecordBackups, type BackupDownload } from './backup.ts'
export { WeakPassphraseError, PassphraseChangedMeanwhileError, MIN_PASSPHRASE_LENGTH, MAX_PASSPHRASE_LENGTH } from './passphrase-change.ts'
export type { PatientAlerts, PatientAlert } from './patient-alerts.ts'
export {
  ImportFileKindError,
  ImportPhase,
  NoPatientError,
  ShlinkExpiredError,
  ShlPasscodeError,
  ShlLinkGoneError,
  ShlServerError,
  ShlContentError,
  ShlContentTooLargeError,
  ZipFormatError,
  readShlink,
  SHL_PASSCODE_ATTEMPTS,
  MAX_SHL_PASSCODE,
  MAX_HOSTED_LINKS,
  type RecordInterop,
  type ImportProgress,
  type ImportSummary,
  type ImportRejected,
  type ExportFile,
  type PrintableSummary,
  type SummarySection,
  type SummaryRow,
  type ShlChoice,
  type HostedLink,
  type LinkAccess,
  type OpenedLink,
  type RecordShl
} from './interop.ts'
export type { LiveReadingInput } from './live-vitals.ts'
export { createBluetoothDevices, valuesOf, type BluetoothDevices, type BluetoothDevicesComponents, type PairedDevice, type DeviceValue } from './bluetooth-devices.ts'
export { DeviceKinds, BluetoothUnavailableError, PairingCancelledError, DeviceValueError, GattTimeoutError, DeviceUnsupportedError, RacpRequestError, RacpTimeoutError, DEVICE_LOINC, type DeviceKind, type ConnectionState } from '../devices/index.ts'
export { ThresholdRuleError, ThresholdUnitError, describeRule, convertValue, canonicalUnit, type ThresholdRule, type ThresholdComparator, type ThresholdAlert } from '../devices/index.ts'

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
  /**
   * The caregiver's app (a family member, no licence): the same service on its own
   * identity and databases; what it holds are read grants (vitals, for example).
   */
  caregiver: Practitioner
  /** The pharmacy page: verifies a prescription offline. */
  pharmacy: Pharmacy
  /** Encrypted backup of the patient's record, and its restore on a device without one. */
  backups: RecordBackups
  /** The patient's Bluetooth devices; their readings go into the open record. */
  devices: BluetoothDevices
}

/** What the services are built from. */
export interface AppComponents extends RelayStatusComponents {
  indexedDB: Pick<IDBFactory, 'databases' | 'deleteDatabase'>
  /** `navigator.userAgent`, for this device's default name. @default '' */
  userAgent?: string
  /** Where paired devices' kinds and glucose sequence numbers are kept (`localStorage`). @default none */
  storage?: Pick<Storage, 'getItem' | 'setItem'>
}

/** Builds the app's services; nothing starts until `relay.start()`. */
export function createAppServices(components: AppComponents): AppServices {
  const deviceName = guessDeviceName(components.userAgent ?? '')
  const relay = createRelayStatus(components)
  // one worker for the patient's findings, every patient's and the prescribing check; started on first use
  const insights = lazyInsightsWorker()
  // alerts as system notifications where the user allowed them (no-op without the API)
  const notify = systemNotifier(globalThis)
  const records = createPatientRecords({ ...components, deviceName, relayStatus: relay, insights, notify })
  return {
    relay,
    holdings: () => localHoldings(components.indexedDB),
    records,
    deviceName,
    practitioner: createPractitioner({
      indexedDB: components.indexedDB,
      notify,
      relays: async (signal) => (await loadAppConfig(components.fetch, signal)).relays,
      insights,
      checkPrescription: prescribingCheck(() => insights.client()),
      iceServers: async () => (await loadAppConfig(components.fetch)).iceServers
    }),
    caregiver: createPractitioner({
      indexedDB: components.indexedDB,
      notify,
      relays: async (signal) => (await loadAppConfig(components.fetch, signal)).relays,
      insights,
      iceServers: async () => (await loadAppConfig(components.fetch)).iceServers,
      profileDb: CAREGIVER_DB,
      replicaDbPrefix: CAREGIVER_REPLICA_PREFIX
    }),
    pharmacy: createPharmacy({ fetch: components.fetch }),
    backups: createRecordBackups({ records, indexedDB: components.indexedDB }),
    devices: createBluetoothDevices({
      record: async (reading) => {
        const open = records.current()
        if (open === undefined) throw new RangeError('no record is open: the reading was not stored')
        await open.recordReading(reading)
      },
      storage: components.storage
    })
  }
}

/** The lit context key under which the UI finds the services. */
export const servicesContext = createContext<AppServices>(Symbol('phr-services'))
export { createTimeline, type Timeline, type TimelineEntry, type TimelineFilter, type TimelineState, type TimelineType, type TimelineComponents, type TimelineInit } from './timeline.ts'
