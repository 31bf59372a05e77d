/**
 * The shape shared by every signed record here (profile, device cert, credential):
 * `body ‖ sig(64)` with `sig = Ed25519(sk, label ‖ body)`, decoded under a size cap.
 */
import { InputTooLargeError, type ErrorClass } from '../lib/index.ts'
import { ED25519_SIGNATURE_LENGTH, signLabelled } from './sign.ts'
import type { SignatureLabel } from './labels.ts'

/**
 * `body ‖ Ed25519(secretKey, label ‖ body)`.
 * @throws {TypeError} if an argument is not a `Uint8Array`.
 * @throws {RangeError} if `secretKey` is not 32 bytes.
 */
export function appendSignature(label: SignatureLabel, secretKey: Uint8Array, body: Uint8Array): Uint8Array {
  const sig = signLabelled(label, secretKey, body)
  const out = new Uint8Array(body.length + sig.length)
  out.set(body)
  out.set(sig, body.length)
  return out
}

/**
 * Splits `body ‖ sig` after checking the size cap and minimum length.
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {InputTooLargeError} if `bytes` is longer than `maxBytes`.
 * @throws `Err` if `bytes` is too short to hold a signature.
 */
export function splitSignature(
  bytes: Uint8Array,
  what: string,
  maxBytes: number,
  Err: ErrorClass
): { body: Uint8Array; signature: Uint8Array } {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${what}: expected Uint8Array, got ${typeof bytes}`)
  if (bytes.length > maxBytes) throw new InputTooLargeError(`${what}: ${bytes.length} bytes exceeds the cap of ${maxBytes}`)
  if (bytes.length <= ED25519_SIGNATURE_LENGTH) throw new Err(`${what}: too short (${bytes.length} bytes)`)
  const split = bytes.length - ED25519_SIGNATURE_LENGTH
  return { body: bytes.subarray(0, split), signature: bytes.subarray(split) }
}
