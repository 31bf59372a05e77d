/**
 * Break-glass (emergency override) policy: when may a clinician the patient never met
 * read the patient's `core` compartment without the patient approving on screen — the
 * patient may be unconscious; that is the point.
 *
 * Safety comes from what the patient decided beforehand and from what is recorded after:
 *
 * - **Opt-in.** Nothing works until the patient switches emergency access on. Doing so
 *   makes a fresh 16-byte token with an expiry and a use budget; the emergency QR then
 *   carries it (with this device's PeerId and the relay). Switching off, or making a new
 *   token, makes every earlier QR useless for access (its facts still read offline).
 * - **Proof, not token.** The clinician's device never sends the token: it sends an HMAC
 *   of both PeerIds under a key derived from it (the same construction as a visit
 *   invite's), so a relay or onlooker learns nothing reusable, and a proof is useless
 *   from any other device. A proof that matches no current token is refused as forged.
 * - **Budget.** A token serves at most `maxUses` emergency grants over its life
 *   (1 = one-time use), and never a second one to a clinician whose first is still in force.
 * - **Who.** A practitioner credential issued to the clinician's own key is required.
 *   One from an authority the patient's app does not list is accepted but flagged (see
 *   `checkBreakGlassCredential`); none, a forged one, or an expired one is refused.
 * - **What and how long.** `core` only, read only (no visit compartment), for the hours the
 *   patient chose (1–4 h by default bounds), marked with the purpose `BREAK_GLASS_PURPOSE`
 *   inside the signed grant, audited as `emergency-access`, shown to the patient as a
 *   banner and revocable like any grant (revocation rotates the key).
 */
import { PhrError } from '../lib/index.ts'
import type { Grant } from './grant.ts'

/** Emergency access is not switched on (or was switched off) on the patient's device. */
export class BreakGlassNotEnabledError extends PhrError {
  override name: string = 'BreakGlassNotEnabledError'
}
/** The emergency token has passed its expiry. */
export class BreakGlassTokenExpiredError extends PhrError {
  override name: string = 'BreakGlassTokenExpiredError'
}
/** The emergency token's use budget is spent, or this clinician already holds access from it. */
export class BreakGlassTokenUsedError extends PhrError {
  override name: string = 'BreakGlassTokenUsedError'
}
/** The proof matches no current emergency token: forged, altered, or from a replaced QR. */
export class BreakGlassTokenInvalidError extends PhrError {
  override name: string = 'BreakGlassTokenInvalidError'
}
/** The clinician presented no practitioner credential, or one that is forged, expired or someone else's. */
export class BreakGlassCredentialError extends PhrError {
  override name: string = 'BreakGlassCredentialError'
}
/** The request asked for more than the `core` compartment. */
export class BreakGlassScopeError extends PhrError {
  override name: string = 'BreakGlassScopeError'
}

/**
 * The purpose written (and signed) into an emergency grant; `isEmergencyGrant` reads it.
 * HL7 v3 ActReason `BTG` ("break the glass", terminology.hl7.org CodeSystem v3-ActReason).
 */
export const BREAK_GLASS_PURPOSE = 'BTG: emergency override'
/** The only compartment an emergency grant covers. */
export const BREAK_GLASS_SCOPE = ['core'] as const
/** Shortest and longest emergency grant the patient may choose, in hours. */
export const BREAK_GLASS_MIN_HOURS = 1
export const BREAK_GLASS_MAX_HOURS = 4
/** Most emergency grants one token may ever serve. */
export const BREAK_GLASS_MAX_USES = 10
/** Longest life of one emergency token, in days. */
export const BREAK_GLASS_MAX_DAYS = 3 * 365

/** FHIR coding of the break-glass purpose of use (HL7 v3 ActReason). */
export const BREAK_GLASS_PURPOSE_CODING = Object.freeze({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG', display: 'break the glass' })

/** The patient's emergency-access settings and the state of the current token. */
export interface BreakGlassSettings {
  readonly enabled: boolean
  /** How long an emergency grant lasts, in hours (`BREAK_GLASS_MIN_HOURS`..`MAX_HOURS`). */
  readonly hours: number
  /** Grants this token may serve over its life (1..`BREAK_GLASS_MAX_USES`). */
  readonly maxUses: number
  /** The token's secret (16 bytes); absent while switched off. */
  readonly token?: Uint8Array
  /** The token is refused from this moment (ms since the epoch). */
  readonly tokenExpiresAt: number
  /** Emergency grants the token served: when, to whom, which grant. */
  readonly uses: ReadonlyArray<{ readonly at: number; readonly did: string; readonly grantId: string }>
}

/** The settings before the patient opts in. */
export const BREAK_GLASS_OFF: BreakGlassSettings = Object.freeze({ enabled: false, hours: 2, maxUses: 3, tokenExpiresAt: 0, uses: [] })

/**
 * Checks the patient's choice when switching emergency access on.
 * @throws {RangeError} for hours, uses or days outside their bounds
 */
export function checkBreakGlassChoice(choice: { hours: number; maxUses: number; days: number }): void {
  if (!Number.isInteger(choice.hours) || choice.hours < BREAK_GLASS_MIN_HOURS || choice.hours > BREAK_GLASS_MAX_HOURS) throw new RangeError(`emergency access: ${BREAK_GLASS_MIN_HOURS} to ${BREAK_GLASS_MAX_HOURS} hours`)
  if (!Number.isInteger(choice.maxUses) || choice.maxUses < 1 || choice.maxUses > BREAK_GLASS_MAX_USES) throw new RangeError(`emergency access: 1 to ${BREAK_GLASS_MAX_USES} uses`)
  if (!Number.isInteger(choice.days) || choice.days < 1 || choice.days > BREAK_GLASS_MAX_DAYS) throw new RangeError(`emergency access: 1 to ${BREAK_GLASS_MAX_DAYS} days`)
}

/** What a clinician's credential said, as the invite machinery reports it. */
export type BreakGlassCredentialStatus = 'verified' | 'untrusted' | 'expired' | 'invalid' | 'none'

/**
 * Whether a clinician's credential lets them break the glass, and whether to flag it.
 *
 * - `verified` (an authority on this app's trust list): accepted.
 * - `untrusted` (a valid signature by an authority this app does not list, on a
 *   credential issued to the clinician's own key): accepted **and flagged** — an
 *   unconscious traveller is treated by whoever is there, whose licensing authority the
 *   patient's app may never have heard of; refusing them would fail exactly the case
 *   break-glass exists for. The credential still names a licensed person bound to the key
 *   that signed the request, so the override is attributable, and the patient sees
 *   "unverified" on the banner and in the history and can revoke at once.
 * - `none`, `invalid` (bad signature, or issued to another key), `expired`: refused —
 *   nothing would then tie the access to an accountable clinician.
 * @throws {BreakGlassCredentialError} for the refused ones
 */
export function checkBreakGlassCredential(status: BreakGlassCredentialStatus): { flagged: boolean } {
  if (status === 'verified') return { flagged: false }
  if (status === 'untrusted') return { flagged: true }
  const why = status === 'none' ? 'no practitioner credential was presented' : status === 'expired' ? 'the practitioner credential has expired' : 'the practitioner credential does not verify'
  throw new BreakGlassCredentialError(`emergency access: ${why}`)
}

/**
 * Checks that a request asks for `core` only.
 * @throws {BreakGlassScopeError} for anything else (empty, another compartment, more than one)
 */
export function checkBreakGlassScope(scope: readonly string[]): void {
  if (scope.length !== 1 || scope[0] !== 'core') throw new BreakGlassScopeError(`emergency access: only the summary (core) can be opened, not ${scope.join(',') || 'nothing'}`)
}

/** What the patient's device knows about a request when deciding. */
export interface BreakGlassAttempt {
  /** The clinician's did (the device certificate's person). */
  readonly did: string
  /** Whether the proof matched the current token (false: no current token matched). */
  readonly proofMatches: boolean
  readonly credential: BreakGlassCredentialStatus
  readonly scope: readonly string[]
  /** Emergency grants of this clinician still in force. */
  readonly activeGrantsOfClinician: number
}

/**
 * Decides on a break-glass request, in this order: switched on, proof matches, token not
 * expired, budget left and no access in force for this clinician, credential, scope.
 * Returns the grant's window; records nothing (the caller records the use durably first).
 * @throws {BreakGlassNotEnabledError | BreakGlassTokenInvalidError | BreakGlassTokenExpiredError | BreakGlassTokenUsedError | BreakGlassCredentialError | BreakGlassScopeError}
 */
export function decideBreakGlass(settings: BreakGlassSettings, attempt: BreakGlassAttempt, now: number): { notBefore: number; notAfter: number; flagged: boolean } {
  if (!settings.enabled || settings.token === undefined) throw new BreakGlassNotEnabledError('emergency access: the patient has not switched it on')
  if (!attempt.proofMatches) throw new BreakGlassTokenInvalidError('emergency access: this emergency code is not the patient’s current one')
  if (now >= settings.tokenExpiresAt) throw new BreakGlassTokenExpiredError('emergency access: this emergency code has expired')
  if (settings.uses.length >= settings.maxUses) throw new BreakGlassTokenUsedError('emergency access: this emergency code has been used up')
  if (attempt.activeGrantsOfClinician > 0) throw new BreakGlassTokenUsedError('emergency access: this clinician already has emergency access')
  const { flagged } = checkBreakGlassCredential(attempt.credential)
  checkBreakGlassScope(attempt.scope)
  return { notBefore: now, notAfter: now + settings.hours * 3_600_000, flagged }
}

/** Whether a grant is an emergency override (its signed purpose says so). */
export function isEmergencyGrant(grant: Pick<Grant, 'purpose' | 'rights' | 'compartments'>): boolean {
  return grant.purpose === BREAK_GLASS_PURPOSE
}
