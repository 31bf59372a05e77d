/**
 * The patient's side of break-glass (emergency override; the policy is
 * `consent/break-glass.ts`, the wire `sync/break-glass`): the opt-in and its token,
 * the capability the emergency QR carries, and the automatic decision on a clinician's
 * request — nobody is asked, because the patient may be unconscious.
 *
 * ```
 * meta "break-glass" = sealVaultItem(vaultKey, "break-glass", JSON {
 *   enabled, hours, maxUses, token (base64, absent while off), tokenExpiresAt,
 *   uses: [{ at, did, grantId }] })
 * ```
 * A use is written (durably) before the grant is signed, so a crash between the two
 * spends a use rather than giving one away.
 */
import { fromBase64, toBase64 } from '../lib/index.ts'
import {
  BREAK_GLASS_OFF,
  checkBreakGlassChoice,
  decideBreakGlass,
  grantIdHex,
  newGrantId,
  openVaultItem,
  sealVaultItem,
  type BreakGlassCredentialStatus,
  type BreakGlassSettings
} from '../consent/index.ts'
import { encodeBreakGlassCapability, newBreakGlassToken, type BreakGlassGrant, type BreakGlassRequest } from '../sync/index.ts'
import type { PatientConsent } from './patient-consent.ts'
import type { RecordSession } from './record-session.ts'

const ITEM = 'break-glass'
const DAY = 86_400_000

/** The settings as the screen shows them (never the token). */
export interface BreakGlassView {
  readonly enabled: boolean
  readonly hours: number
  readonly maxUses: number
  readonly usesLeft: number
  readonly tokenExpiresAt: number
}

/** What the patient chooses when switching emergency access on. */
export interface BreakGlassChoice {
  /** How long an emergency grant lasts (1–4 h). */
  readonly hours: number
  /** How many emergency grants one QR may give over its life (1 = one-time). @default 3 */
  readonly maxUses?: number
  /** How long the QR's emergency access stays valid, in days. @default 365 */
  readonly days?: number
}

/** What the service is given. */
export interface PatientBreakGlassComponents {
  readonly session: Pick<RecordSession, 'store'>
  readonly vaultKey: Uint8Array
  readonly consent: Pick<PatientConsent, 'people' | 'emergencyGrant'>
  /** @default Date.now */
  readonly clock?: () => number
}

/** The patient's break-glass service. */
export interface PatientBreakGlass {
  /** Reads the sealed settings. */
  start(): Promise<void>
  view(): BreakGlassView
  /** Switches emergency access on with a fresh token (earlier QR codes stop giving access). @throws {RangeError} for a choice out of bounds */
  enable(choice: BreakGlassChoice): Promise<void>
  /** Switches it off: every emergency QR stops giving access (its facts still read offline). */
  disable(): Promise<void>
  /** The current token for the host, or undefined while off. */
  token(): Uint8Array | undefined
  /**
   * The capability for the emergency QR (`phr-btg:…`), naming this device and how to reach
   * it; undefined while off.
   */
  capability(person: string, peerId: string, addrs: readonly string[]): string | undefined
  /** The host's `approve`: the policy's decision, then the emergency grant. @throws the policy's named errors */
  approve(request: BreakGlassRequest): Promise<BreakGlassGrant>
  subscribe(listener: () => void): () => void
}

interface Stored {
  enabled: boolean
  hours: number
  maxUses: number
  token?: string
  tokenExpiresAt: number
  uses: Array<{ at: number; did: string; grantId: string }>
}

const credentialStatusOf = (c: BreakGlassRequest['credential']): BreakGlassCredentialStatus => c.status

/** Creates the service; nothing is read until `start()`. */
export function createPatientBreakGlass(components: PatientBreakGlassComponents): PatientBreakGlass {
  const { session, vaultKey, consent } = components
  const clock = components.clock ?? Date.now
  const listeners = new Set<() => void>()
  let settings: BreakGlassSettings = BREAK_GLASS_OFF
  // one decision at a time: two requests never both take the last use
  let chain: Promise<unknown> = Promise.resolve()
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const next = chain.then(task, task)
    chain = next.catch(() => undefined)
    return next
  }
  const notify = (): void => {
    for (const l of listeners) l()
  }

  async function save(next: BreakGlassSettings): Promise<void> {
    const stored: Stored = {
      enabled: next.enabled,
      hours: next.hours,
      maxUses: next.maxUses,
      ...(next.token === undefined ? {} : { token: toBase64(next.token) }),
      tokenExpiresAt: next.tokenExpiresAt,
      uses: [...next.uses]
    }
    await session.store.putMeta(ITEM, sealVaultItem(vaultKey, ITEM, new TextEncoder().encode(JSON.stringify(stored))))
    // in memory only once it is stored
    settings = next
    notify()
  }

  return {
    async start() {
      const sealed = await session.store.getMeta(ITEM)
      if (sealed === undefined) return
      const s = JSON.parse(new TextDecoder().decode(openVaultItem(vaultKey, ITEM, sealed))) as Stored
      settings = { enabled: s.enabled === true, hours: s.hours, maxUses: s.maxUses, ...(s.token === undefined ? {} : { token: fromBase64(s.token) }), tokenExpiresAt: s.tokenExpiresAt, uses: s.uses }
    },
    view() {
      return { enabled: settings.enabled && settings.token !== undefined, hours: settings.hours, maxUses: settings.maxUses, usesLeft: Math.max(0, settings.maxUses - settings.uses.length), tokenExpiresAt: settings.tokenExpiresAt }
    },
    enable(choice) {
      const c = { hours: choice.hours, maxUses: choice.maxUses ?? 3, days: choice.days ?? 365 }
      checkBreakGlassChoice(c)
      return serial(() => save({ enabled: true, hours: c.hours, maxUses: c.maxUses, token: newBreakGlassToken(), tokenExpiresAt: clock() + c.days * DAY, uses: [] }))
    },
    disable() {
      return serial(() => save({ ...BREAK_GLASS_OFF, hours: settings.hours, maxUses: settings.maxUses }))
    },
    token: () => (settings.enabled ? settings.token : undefined),
    capability(person, peerId, addrs) {
      const token = settings.enabled ? settings.token : undefined
      if (token === undefined || addrs.length === 0) return undefined
      return encodeBreakGlassCapability({ token, person, peerId, expiresAt: settings.tokenExpiresAt, addrs: addrs.slice(0, 4) })
    },
    approve(request) {
      return serial(async () => {
        const now = clock()
        const active = consent.people().filter((p) => p.emergency && p.status === 'active' && p.did === request.person).length
        const window = decideBreakGlass(settings, { did: request.person, proofMatches: request.proofMatches, credential: credentialStatusOf(request.credential), scope: request.scope, activeGrantsOfClinician: active }, now)
        const id = newGrantId()
        const before = settings
        // the use first, durably: a failure after this spends it rather than giving it away
        await save({ ...settings, uses: [...settings.uses, { at: now, did: request.person, grantId: grantIdHex(id) }] })
        try {
          return await consent.emergencyGrant(request, { id, ...window })
        } catch (err) {
          // no grant was made: give the use back
          await save(before).catch((e: unknown) => console.warn('break-glass: a use could not be given back', e instanceof Error ? e.name : e))
          throw err
        }
      })
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
}
