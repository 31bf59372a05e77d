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
export {
  signGrant,
  verifyGrant,
  signRevocation,
  verifyRevocation,
  grantStatus,
  grantCovers,
  grantAllowsDevice,
  newGrantId,
  grantIdHex,
  GrantFormatError,
  GrantNotValidError,
  GrantRights,
  GRANT_ID_LENGTH,
  MAX_GRANT_BYTES,
  type Grant,
  type GrantFields,
  type GrantedCompartment,
  type GrantStatus,
  type Revocation
} from './grant.ts'
export { createConsentLedger, type ConsentLedger, type ConsentLedgerInit, type KeyDelivery, type LedgerChange, type Rotation } from './ledger.ts'
export {
  appendAuditEntry,
  decodeAuditEntry,
  verifyAuditLog,
  AuditAction,
  AuditFormatError,
  EMPTY_AUDIT_HEAD,
  MAX_AUDIT_ENTRY_BYTES,
  type AuditChainHead,
  type AuditDetails,
  type AuditEntry,
  type AuditFields,
  type AuditLogReport,
  type AuditProblem,
  type VerifyAuditOptions
} from './audit.ts'
export { grantToFhirConsent, auditEntryToFhir } from './fhir.ts'
export { createKeyShelf, acceptWrappedKeys, type KeyShelf, type AcceptedKeys } from './keys.ts'
export { recordAudit, readAuditLog, auditHeadOf, AUDIT_ENTRY_EXTENSION_URL, type StoredAuditLog } from './audit-store.ts'
export {
  BREAK_GLASS_PURPOSE,
  BREAK_GLASS_PURPOSE_CODING,
  BREAK_GLASS_SCOPE,
  BREAK_GLASS_MIN_HOURS,
  BREAK_GLASS_MAX_HOURS,
  BREAK_GLASS_MAX_USES,
  BREAK_GLASS_MAX_DAYS,
  BREAK_GLASS_OFF,
  BreakGlassNotEnabledError,
  BreakGlassTokenExpiredError,
  BreakGlassTokenUsedError,
  BreakGlassTokenInvalidError,
  BreakGlassCredentialError,
  BreakGlassScopeError,
  checkBreakGlassChoice,
  checkBreakGlassCredential,
  checkBreakGlassScope,
  decideBreakGlass,
  isEmergencyGrant,
  type BreakGlassAttempt,
  type BreakGlassCredentialStatus,
  type BreakGlassSettings
} from './break-glass.ts'
