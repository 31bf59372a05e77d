/**
 * Named error classes. Every error thrown for untrusted input is one of these, with a
 * stable `name` that tests and callers can switch on (`err.name === 'DecryptError'`).
 * Wrong *types* or *lengths* passed by our own code are `TypeError` / `RangeError`
 * (see `validate.ts`); those are programming errors, not input errors.
 */

/** Base of every named error in this project. */
export class PhrError extends Error {
  override name: string = 'PhrError'
}

/** Base of every "these bytes are not a well-formed X" error. */
export class FormatError extends PhrError {
  override name: string = 'FormatError'
}

/** Base of every "input exceeds its size cap" error; thrown before any parsing. */
export class InputTooLargeError extends PhrError {
  override name: string = 'InputTooLargeError'
}

/** A signature did not verify (wrong key, wrong label, or tampered bytes). */
export class SignatureInvalidError extends PhrError {
  override name: string = 'SignatureInvalidError'
}

/** Authenticated decryption failed: wrong key, wrong associated data, or tampered ciphertext. */
export class DecryptError extends PhrError {
  override name: string = 'DecryptError'
}

// ── envelopes ────────────────────────────────────────────────────────────────

/** Envelope bytes are malformed (bad version, truncated, non-canonical, trailing bytes…). */
export class EnvelopeFormatError extends FormatError {
  override name: string = 'EnvelopeFormatError'
}

/** Envelope bytes exceed the receiver's size cap. */
export class EnvelopeTooLargeError extends InputTooLargeError {
  override name: string = 'EnvelopeTooLargeError'
}

/** The envelope's author is not allowed to write this doc at this epoch. */
export class AuthorNotAllowedError extends PhrError {
  override name: string = 'AuthorNotAllowedError'
}

/** No key is held for the envelope's doc and epoch: fail closed, never plaintext. */
export class KeyUnavailableError extends PhrError {
  override name: string = 'KeyUnavailableError'
}

/** A sequence tracker's gap buffer is full: the new out-of-order envelope was not buffered. */
export class SequenceBufferFullError extends PhrError {
  override name: string = 'SequenceBufferFullError'
}

// ── identity and certificates ───────────────────────────────────────────────

/** A string is not a `did:key` of an Ed25519 public key. */
export class DidKeyError extends FormatError {
  override name: string = 'DidKeyError'
}

/** Profile bytes are malformed. */
export class ProfileFormatError extends FormatError {
  override name: string = 'ProfileFormatError'
}

/** Device certificate bytes are malformed. */
export class DeviceCertFormatError extends FormatError {
  override name: string = 'DeviceCertFormatError'
}

/** A valid device certificate binds a different PeerId or person than the one expected. */
export class DeviceCertMismatchError extends PhrError {
  override name: string = 'DeviceCertMismatchError'
}

/** Practitioner credential bytes are malformed. */
export class CredentialFormatError extends FormatError {
  override name: string = 'CredentialFormatError'
}

/** A practitioner credential is past its `validUntil`. */
export class CredentialExpiredError extends PhrError {
  override name: string = 'CredentialExpiredError'
}

/** A practitioner credential was issued by a key that is not on the trust list. */
export class UntrustedAuthorityError extends PhrError {
  override name: string = 'UntrustedAuthorityError'
}

/** A recovery phrase is not 24 BIP39 English words with a valid checksum. */
export class RecoveryPhraseError extends FormatError {
  override name: string = 'RecoveryPhraseError'
}

// ── key store ────────────────────────────────────────────────────────────────

/** A key-store blob is malformed or corrupt (bad magic, checksum, parameters out of bounds). */
export class KeystoreFormatError extends FormatError {
  override name: string = 'KeystoreFormatError'
}

/** The passphrase does not open this key-store blob. */
export class WrongPassphraseError extends PhrError {
  override name: string = 'WrongPassphraseError'
}

// ── key wrap ─────────────────────────────────────────────────────────────────

/** Wrapped-key bytes are malformed. */
export class WrapFormatError extends FormatError {
  override name: string = 'WrapFormatError'
}

/** The wrap's sender is not allowed to grant this key. */
export class SenderNotAllowedError extends PhrError {
  override name: string = 'SenderNotAllowedError'
}

/** The wrap is addressed to someone else. */
export class WrapRecipientMismatchError extends PhrError {
  override name: string = 'WrapRecipientMismatchError'
}
