/**
 * The vault: what a device must keep secret between sessions — its own signing key, the
 * person's keys when it is the owner's device, and the keyring — sealed at rest.
 *
 * Two layers, so that changing the passphrase re-seals 100 bytes, not the keyring:
 * a random 32-byte vault key seals the contents (XChaCha20-Poly1305, associated data
 * "phr/v1/vault" ‖ purpose), and the vault key itself is sealed under the passphrase with
 * the key store (scrypt). Both blobs are ciphertext in the envelope store's meta records.
 *
 * ```
 * sealed = nonce (24) ‖ XChaCha20-Poly1305(vaultKey, nonce, "phr/v1/vault" ‖ purpose, bytes)
 * ```
 */
import { concatBytes, utf8Encode, DecryptError } from '../lib/index.ts'
import { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, AeadLabel, aeadOpen, aeadSeal, labelBytes, randomBytes } from '../crypto/index.ts'

function aad(purpose: string): Uint8Array {
  return concatBytes(labelBytes(AeadLabel.vault), utf8Encode(purpose))
}

/**
 * Seals `bytes` for `purpose` (e.g. `keyring`) under the vault key.
 * @throws {RangeError} for a wrong key length
 */
export function sealVaultItem(vaultKey: Uint8Array, purpose: string, bytes: Uint8Array): Uint8Array {
  const nonce = randomBytes(AEAD_NONCE_LENGTH)
  const out = new Uint8Array(AEAD_NONCE_LENGTH + bytes.length + AEAD_TAG_LENGTH)
  out.set(nonce)
  aeadSeal(vaultKey, nonce, aad(purpose), bytes, out.subarray(AEAD_NONCE_LENGTH))
  return out
}

/**
 * Opens a vault item sealed for `purpose`.
 * @throws {DecryptError} when the key, the purpose or the bytes are wrong
 */
export function openVaultItem(vaultKey: Uint8Array, purpose: string, sealed: Uint8Array): Uint8Array {
  if (sealed.length < AEAD_NONCE_LENGTH + AEAD_TAG_LENGTH) throw new DecryptError('vault item too short')
  return aeadOpen(vaultKey, sealed.subarray(0, AEAD_NONCE_LENGTH), aad(purpose), sealed.subarray(AEAD_NONCE_LENGTH))
}
