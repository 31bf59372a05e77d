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
import { createDemoRecord, type DemoRecord } from './demo-record.ts'

export { RelayState, type RelayStatus, type RelayStatusSnapshot } from './relay-status.ts'
export { LOCALES, isLocale, initialLocale, rememberLocale, type Locale } from './settings.ts'
export { loadAppConfig, AppConfigError, type AppConfig } from './config.ts'
export { RECORD_DB_PREFIX, PRACTITIONER_DB_PREFIX, type LocalHoldings } from './local-records.ts'
export { DEMO_DB, DEMO_PASSPHRASE, type DemoRecord } from './demo-record.ts'
export type { RecordSummary } from './summary.ts'

/** Everything the UI may use. */
export interface AppServices {
  relay: RelayStatus
  /** What this device holds (records, practitioner profiles). */
  holdings(): Promise<LocalHoldings>
  /** The demo patient. */
  demo: DemoRecord
}

/** What the services are built from. */
export interface AppComponents extends RelayStatusComponents {
  indexedDB: Pick<IDBFactory, 'databases'>
}

/** Builds the app's services; nothing starts until `relay.start()`. */
export function createAppServices(components: AppComponents): AppServices {
  return {
    relay: createRelayStatus(components),
    holdings: () => localHoldings(components.indexedDB),
    demo: createDemoRecord(components.indexedDB)
  }
}

/** The lit context key under which the UI finds the services. */
export const servicesContext = createContext<AppServices>(Symbol('phr-services'))
