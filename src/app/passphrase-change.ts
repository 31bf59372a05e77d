/**
 * Changing the passphrase of a vault on this device: the patient's record, and the doctor's
 * and the caregiver's profile, which keep their vault key the same way (`vault-key` =
 * `sealSecret(vaultKey, passphrase)`, scrypt; see `record-session.ts` and `practitioner.ts`).
 *
 * Only the vault key's wrapping changes: the current passphrase opens it, it is sealed again
 * under the new one with a fresh salt and nonce, and that one blob replaces the old one in a
 * single store write (`putMeta`, one transaction that commits whole or not at all). Everything
 * else — the keyring, the device key, the dependents' keys, the envelopes — is sealed under
 * the vault key, which stays the same, so it all stays readable; and after a failure at any
 * step the old passphrase still opens the vault, never neither.
 *
 * The change is this device's: another linked device keeps its own passphrase, and a backup
 * file made earlier keeps the passphrase it was made with.
 */
import { equalBytes, PhrError } from '../lib/index.ts'
import { DEFAULT_SCRYPT_PARAMS, keystoreParams, openSecret, sealSecret, type ScryptParams } from '../crypto/index.ts'
import type { EnvelopeStore } from '../storage/index.ts'
import { NoRecordError } from './record-session.ts'

/** Shortest passphrase accepted, as when a record or a profile is made. */
export const MIN_PASSPHRASE_LENGTH = 8
/** Longest passphrase accepted, in characters (the key store's own cap is 1,024 UTF-8 bytes). */
export const MAX_PASSPHRASE_LENGTH = 256

/** The new passphrase is too short (or too long): nothing was changed. */
export class WeakPassphraseError extends PhrError {
  override name: string = 'WeakPassphraseError'
}

/** Another change of the same vault committed while this one ran: this one changed nothing. */
export class PassphraseChangedMeanwhileError extends PhrError {
  override name: string = 'PassphraseChangedMeanwhileError'
}

/** The meta record that holds the passphrase-sealed vault key (the record's and the profiles'). */
export const VAULT_KEY_META = 'vault-key'

/**
 * Checks a new passphrase against the rules of onboarding.
 * @throws {WeakPassphraseError} for one under `MIN_PASSPHRASE_LENGTH` or over `MAX_PASSPHRASE_LENGTH` characters
 */
export function checkNewPassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string') throw new TypeError('passphrase: expected a string')
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) throw new WeakPassphraseError(`passphrase: at least ${MIN_PASSPHRASE_LENGTH} characters`)
  if (passphrase.length > MAX_PASSPHRASE_LENGTH) throw new WeakPassphraseError(`passphrase: at most ${MAX_PASSPHRASE_LENGTH} characters`)
}

/** Options of `changeVaultPassphrase`. */
export interface ChangePassphraseOptions {
  /**
   * scrypt parameters for the new wrapping.
   * @default the stronger of the vault's own and the key store's default
   */
  readonly scrypt?: ScryptParams
}

function stronger(a: ScryptParams, b: ScryptParams): ScryptParams {
  return 128 * a.r * 2 ** a.log2N * a.p >= 128 * b.r * 2 ** b.log2N * b.p ? a : b
}

/**
 * Re-wraps the vault key in `store` under `next` (see the file comment).
 * @throws {WeakPassphraseError} for a new passphrase that breaks the rules (checked first; nothing changed)
 * @throws {NoRecordError} when the store holds no vault
 * @throws {WrongPassphraseError} when `current` does not open the vault (nothing changed)
 * @throws {PassphraseChangedMeanwhileError} when another tab changed it meanwhile (nothing changed)
 * @example await changeVaultPassphrase(store, 'old passphrase', 'a new passphrase')
 */
export async function changeVaultPassphrase(store: EnvelopeStore, current: string, next: string, opts: ChangePassphraseOptions = {}): Promise<void> {
  checkNewPassphrase(next)
  const sealed = await store.getMeta(VAULT_KEY_META)
  if (sealed === undefined) throw new NoRecordError('there is no vault on this device')
  const vaultKey = await openSecret(sealed, current)
  try {
    const params = opts.scrypt ?? stronger(keystoreParams(sealed), DEFAULT_SCRYPT_PARAMS)
    // sealSecret draws a fresh salt and nonce
    const rewrapped = await sealSecret(vaultKey, next, { params })
    // the vault key was read before: a concurrent change in between would be lost, so refuse it
    const now = await store.getMeta(VAULT_KEY_META)
    if (now === undefined || !equalBytes(now, sealed)) {
      throw new PassphraseChangedMeanwhileError('passphrase: changed meanwhile by another tab; nothing was changed here')
    }
    // one write, one transaction: afterwards exactly one of the two passphrases opens the vault
    await store.putMeta(VAULT_KEY_META, rewrapped)
  } finally {
    vaultKey.fill(0)
  }
}
