import { LitElement } from 'lit'
import { ContextConsumer } from '@lit/context'
import { updateWhenLocaleChanges } from '@lit/localize'
import { servicesContext, type AppServices, type LocalHoldings } from '../../app/index.ts'
import { viewStyles } from '../styles.ts'

/** Where a view stands in reading what this device holds. */
export type HoldingsState = { kind: 'loading' } | { kind: 'ready'; holdings: LocalHoldings } | { kind: 'error'; message: string }

/**
 * Base of the views that show what this device holds: it reads the holdings once when
 * the services arrive and re-renders in the current language.
 */
export abstract class HoldingsView extends LitElement {
  static override properties = { state: { state: true } }
  static override styles = viewStyles
  declare state: HoldingsState
  // subscribe: the services may arrive after this view is first rendered
  protected readonly services = new ContextConsumer(this, {
    context: servicesContext,
    subscribe: true,
    callback: (services) => this.load(services)
  })

  constructor() {
    super()
    updateWhenLocaleChanges(this)
    this.state = { kind: 'loading' }
  }

  private load(services: AppServices | undefined): void {
    if (services === undefined) return
    services.holdings().then(
      (holdings) => {
        this.state = { kind: 'ready', holdings }
      },
      (err: unknown) => {
        this.state = { kind: 'error', message: err instanceof Error ? err.message : String(err) }
      }
    )
  }
}
