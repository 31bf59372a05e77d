/**
 * Named errors of the FHIR interop layer. Each extends a base from `../lib/index.ts` and has
 * a stable `name` that callers and tests switch on.
 */
import { DecryptError, FormatError, InputTooLargeError } from '../lib/index.ts'

/** The input is not a FHIR Bundle this layer reads (not an object, not `resourceType: "Bundle"`, an unsupported `type`, `entry` not an array). */
export class BundleFormatError extends FormatError {
  override name: string = 'BundleFormatError'
}

/** A `shlink:/` link (or its payload) is malformed: bad prefix, bad base64url, not JSON, a field of the wrong type or size. */
export class ShlinkFormatError extends FormatError {
  override name: string = 'ShlinkFormatError'
}

/** A SMART Health Links file (compact JWE) could not be decrypted: wrong key, tampered bytes, or not a `dir`/`A256GCM` JWE. Fail closed. */
export class ShlDecryptError extends DecryptError {
  override name: string = 'ShlDecryptError'
}

/** A SMART Health Links file, or its inflated plaintext, exceeds its size cap. */
export class ShlTooLargeError extends InputTooLargeError {
  override name: string = 'ShlTooLargeError'
}

/** A SMART Health Links manifest response is malformed. */
export class ShlManifestFormatError extends FormatError {
  override name: string = 'ShlManifestFormatError'
}

/** An Apple Health `export.xml` is not well-formed XML, or not a `HealthData` export. */
export class AppleHealthFormatError extends FormatError {
  override name: string = 'AppleHealthFormatError'
}

/** An Apple Health `export.xml` ended before its root element was closed (a cut download or copy). What came before the cut was kept. */
export class AppleHealthTruncatedError extends AppleHealthFormatError {
  override name: string = 'AppleHealthTruncatedError'
}
