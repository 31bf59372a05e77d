/**
 * Hosting SMART Health Links on a relay: what a patient's device sends to the relay's
 * SHL server, signed by the patient's root key. The relay stores only the encrypted files
 * (JWE; the key stays in the link's fragment), serves the manifest, enforces the passcode
 * with a lifetime limit on wrong attempts, and keeps an access log that only the owner
 * may read.
 *
 * ```
 * registration = 0x01 ‖ id (32 random) ‖ owner (Ed25519 pk, 32) ‖ issuedAt (varuint ms)
 *                ‖ exp (varuint s since the epoch; 0 = none) ‖ passcode (varstring ≤ 64; empty = none)
 *                ‖ attempts (varuint 1..100) ‖ n (varuint 1..8)
 *                ‖ n × (contentType (varstring ≤ 128) ‖ jwe (varstring ≤ 2 MiB))
 *                ‖ sig (64) = Ed25519(owner sk, "phr/v1/shl-hosting" ‖ all before)
 * request      = 0x01 ‖ id (32) ‖ action (1 = read the access log, 2 = delete the link)
 *                ‖ at (varuint ms) ‖ sig (64) = Ed25519(owner sk, "phr/v1/shl-request" ‖ all before)
 * ```
 */
import { createReader, createWriter, FormatError, SignatureInvalidError, toHex } from '../lib/index.ts'
import { appendSignature, ED25519_PUBLIC_KEY_LENGTH, ed25519PublicKey, randomBytes, SignatureLabel, splitSignature, verifyLabelled } from '../crypto/index.ts'

/** SHL hosting bytes are malformed. */
export class ShlHostingFormatError extends FormatError {
  override name: string = 'ShlHostingFormatError'
}

const VERSION = 1
/** Length of a link id (its manifest path is the base64url of it). */
export const SHL_ID_LENGTH = 32
/** Largest JWE file hosted. */
export const MAX_SHL_FILE_CHARS = 2 * 1024 * 1024
/** Files per link. */
export const MAX_SHL_FILES = 8
/** Largest registration. */
export const MAX_SHL_REGISTRATION_BYTES = MAX_SHL_FILES * (MAX_SHL_FILE_CHARS + 140) + 256
const MAX_PASSCODE = 64
const MAX_CONTENT_TYPE = 128

/** What a link holds. */
export interface ShlHostingFields {
  readonly id: Uint8Array
  readonly issuedAt: number
  /** Seconds since the epoch; undefined: no expiry. */
  readonly exp?: number
  /** Empty or undefined: none. */
  readonly passcode?: string
  /** Wrong passcodes allowed over the link's lifetime. */
  readonly attempts: number
  readonly files: ReadonlyArray<{ readonly contentType: string; readonly jwe: string }>
}

/** A verified registration. */
export interface ShlHosting extends ShlHostingFields {
  readonly owner: Uint8Array
}

/** A fresh link id. */
export function newShlId(): Uint8Array {
  return randomBytes(SHL_ID_LENGTH)
}

/** base64url of a link id: its path on the server. */
export function shlIdText(id: Uint8Array): string {
  let bin = ''
  for (const b of id) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * Signs a link for the relay to host.
 * @throws {RangeError} for fields out of bounds
 */
export function signShlHosting(fields: ShlHostingFields, ownerSecretKey: Uint8Array): Uint8Array {
  if (fields.id.length !== SHL_ID_LENGTH) throw new RangeError('shl: id must be 32 bytes')
  if (!Number.isInteger(fields.attempts) || fields.attempts < 1 || fields.attempts > 100) throw new RangeError('shl: attempts must be 1..100')
  if (fields.files.length < 1 || fields.files.length > MAX_SHL_FILES) throw new RangeError(`shl: 1..${MAX_SHL_FILES} files`)
  const w = createWriter()
    .byte(VERSION)
    .bytes(fields.id)
    .bytes(ed25519PublicKey(ownerSecretKey))
    .varUint(fields.issuedAt)
    .varUint(fields.exp ?? 0)
    .varString(fields.passcode ?? '')
    .varUint(fields.attempts)
    .varUint(fields.files.length)
  for (const f of fields.files) {
    if (f.contentType.length > MAX_CONTENT_TYPE || f.jwe.length > MAX_SHL_FILE_CHARS) throw new RangeError('shl: a file or its content type is too long')
    w.varString(f.contentType).varString(f.jwe)
  }
  return appendSignature(SignatureLabel.shlHosting, ownerSecretKey, w.finish())
}

/**
 * Decodes and verifies a registration.
 * @throws {InputTooLargeError | ShlHostingFormatError | SignatureInvalidError}
 */
export function verifyShlHosting(bytes: Uint8Array): ShlHosting {
  const { body, signature } = splitSignature(bytes, 'shl registration', MAX_SHL_REGISTRATION_BYTES, ShlHostingFormatError)
  const r = createReader(body, ShlHostingFormatError)
  if (r.byte('version') !== VERSION) throw new ShlHostingFormatError('shl registration: unsupported version')
  const id = r.bytes('id', SHL_ID_LENGTH).slice()
  const owner = r.bytes('owner', ED25519_PUBLIC_KEY_LENGTH).slice()
  const issuedAt = r.varUint('issuedAt')
  const exp = r.varUint('exp')
  const passcode = r.varString('passcode', MAX_PASSCODE)
  const attempts = r.varUint('attempts', 1, 100)
  const n = r.varUint('files', 1, MAX_SHL_FILES)
  const files: Array<{ contentType: string; jwe: string }> = []
  for (let i = 0; i < n; i++) files.push({ contentType: r.varString('contentType', MAX_CONTENT_TYPE), jwe: r.varString('jwe', MAX_SHL_FILE_CHARS) })
  r.end('shl registration')
  if (!verifyLabelled(SignatureLabel.shlHosting, owner, body, signature)) throw new SignatureInvalidError('shl registration: the owner’s signature does not verify')
  return { id, owner, issuedAt, ...(exp === 0 ? {} : { exp }), ...(passcode === '' ? {} : { passcode }), attempts, files }
}

/** What an owner asks of a hosted link. */
export const ShlAction = { readLog: 1, delete: 2 } as const
/** One of `ShlAction`. */
export type ShlAction = (typeof ShlAction)[keyof typeof ShlAction]

/** Signs an owner's request about a hosted link. */
export function signShlRequest(id: Uint8Array, action: ShlAction, at: number, ownerSecretKey: Uint8Array): Uint8Array {
  const body = createWriter().byte(VERSION).bytes(id).byte(action).varUint(at).finish()
  return appendSignature(SignatureLabel.shlRequest, ownerSecretKey, body)
}

/**
 * Verifies an owner's request against the owner key the link was registered with.
 * @throws {ShlHostingFormatError | SignatureInvalidError}
 */
export function verifyShlRequest(bytes: Uint8Array, owner: Uint8Array): { id: Uint8Array; action: ShlAction; at: number } {
  const { body, signature } = splitSignature(bytes, 'shl request', 256, ShlHostingFormatError)
  const r = createReader(body, ShlHostingFormatError)
  if (r.byte('version') !== VERSION) throw new ShlHostingFormatError('shl request: unsupported version')
  const id = r.bytes('id', SHL_ID_LENGTH).slice()
  const action = r.byte('action')
  if (action !== 1 && action !== 2) throw new ShlHostingFormatError(`shl request: unknown action ${action}`)
  const at = r.varUint('at')
  r.end('shl request')
  if (!verifyLabelled(SignatureLabel.shlRequest, owner, body, signature)) throw new SignatureInvalidError(`shl request: not signed by the owner of ${toHex(id).slice(0, 8)}…`)
  return { id, action, at }
}
