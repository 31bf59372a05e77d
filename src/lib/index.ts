/**
 * Shared foundations: bytes, strict binary encoding (lib0 format), branded ids, named
 * errors and argument validation. Imports nothing of ours.
 *
 * @example
 * ```ts
 * import { createWriter, createReader, EnvelopeFormatError, toHex } from '../lib/index.ts'
 *
 * const bytes = createWriter().byte(1).varUint(300).varString('hi').finish()
 * const r = createReader(bytes, EnvelopeFormatError) // throws EnvelopeFormatError on bad input
 * r.byte('version'); r.varUint('epoch'); r.varString('name', 64); r.end('record')
 * toHex(bytes) // '01ac02026869'
 * ```
 * @packageDocumentation
 */
export { concatBytes, equalBytes, compareBytes, toHex, fromHex, utf8Encode, utf8Decode, wipe, toBase64, fromBase64 } from './bytes.ts'
export { createReader, createWriter, varUintLength } from './binary.ts'
export type { Reader, Writer, ErrorClass } from './binary.ts'
export { assertBytes, assertBytesInRange, assertUint, assertText, assertFunction } from './validate.ts'
export { asDocId, authorHex, isAuthorHex, DOC_ID_LENGTH, AUTHOR_KEY_LENGTH } from './ids.ts'
export type { Did, PeerIdString, DocId, AuthorHex } from './ids.ts'
export {
  PhrError,
  FormatError,
  InputTooLargeError,
  SignatureInvalidError,
  DecryptError,
  EnvelopeFormatError,
  EnvelopeTooLargeError,
  AuthorNotAllowedError,
  KeyUnavailableError,
  SequenceBufferFullError,
  DidKeyError,
  ProfileFormatError,
  DeviceCertFormatError,
  DeviceCertMismatchError,
  CredentialFormatError,
  CredentialExpiredError,
  UntrustedAuthorityError,
  RecoveryPhraseError,
  KeystoreFormatError,
  WrongPassphraseError,
  WrapFormatError,
  SenderNotAllowedError,
  WrapRecipientMismatchError
} from './errors.ts'
