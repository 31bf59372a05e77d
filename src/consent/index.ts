/**
 * Consent (DESIGN §8): keys per compartment and epoch, and (in later work) grants,
 * revocation with rotation, delegation and the audit log.
 *
 * @example
 * ```ts
 * const keyring: Keyring = new Map()
 * const core = addCompartment(keyring, 'core')
 * const sealed = sealVaultItem(vaultKey, 'keyring', encodeKeyring(keyring))
 * decodeKeyring(openVaultItem(vaultKey, 'keyring', sealed))
 * ```
 * @packageDocumentation
 */
export { addCompartment, epochKeyOf, encodeKeyring, decodeKeyring, KeyringFormatError, type CompartmentKeys, type Keyring } from './keyring.ts'
export { sealVaultItem, openVaultItem } from './vault.ts'
