/**
 * The `/phr/break-glass/1` messages, one length-prefixed frame each:
 *
 * ```
 * REQUEST 0x01 ‖ proof (32) ‖ cert (varBytes 1..1024: the clinician's DeviceCert)
 *              ‖ profile (varBytes 1..1400: the clinician's signed receiving keys)
 *              ‖ credential (varBytes 0..1024: practitioner credential, empty if none)
 *              ‖ n (varuint 1..8) ‖ n × compartment kind (varstring ≤ 32): what is asked for
 * GRANTED 0x02 ‖ grant (varBytes 1..8 KiB) ‖ issuer (varBytes 1..1024: the patient device's
 *              DeviceCert) ‖ n (varuint ≤ 64) ‖ n × wrap (varBytes 1..1536)
 * REJECT  0x03 ‖ reason (1 not enabled, 2 token invalid, 3 token expired, 4 token used,
 *              5 credential, 6 scope, 7 failed)
 * ```
 */
import { assertBytes, assertBytesInRange, assertText, createReader, createWriter } from '../../lib/index.ts'
import { MAX_CREDENTIAL_BYTES, MAX_DEVICE_CERT_BYTES, MAX_PROFILE_BYTES, MAX_WRAP_BYTES } from '../../crypto/index.ts'
import { MAX_GRANT_BYTES } from '../../consent/index.ts'
import { FormatError } from '../../lib/index.ts'

/** A break-glass message is malformed. */
export class BreakGlassMessageFormatError extends FormatError {
  override name: string = 'BreakGlassMessageFormatError'
}

const MAX_SCOPE = 8
const MAX_KIND_BYTES = 32
const MAX_WRAPS = 64
/** Largest break-glass message. */
export const MAX_BREAK_GLASS_MESSAGE_BYTES = 1 + 3 + MAX_GRANT_BYTES + 2 + MAX_DEVICE_CERT_BYTES + 1 + MAX_WRAPS * (2 + MAX_WRAP_BYTES)

/** Why a request was refused (each maps to one named error on the clinician's side). */
export const BreakGlassRejectReason = { notEnabled: 1, tokenInvalid: 2, tokenExpired: 3, tokenUsed: 4, credential: 5, scope: 6, failed: 7 } as const
/** One of the reject reasons. */
export type BreakGlassRejectReason = (typeof BreakGlassRejectReason)[keyof typeof BreakGlassRejectReason]

/** A break-glass message. */
export type BreakGlassMessage =
  | { type: 'request'; proof: Uint8Array; cert: Uint8Array; profile: Uint8Array; credential: Uint8Array; scope: string[] }
  | { type: 'granted'; grant: Uint8Array; issuer: Uint8Array; wraps: Uint8Array[] }
  | { type: 'reject'; reason: BreakGlassRejectReason }

/**
 * Encodes a message.
 * @throws {TypeError | RangeError} for a malformed field
 */
export function encodeBreakGlassMessage(msg: BreakGlassMessage): Uint8Array {
  const w = createWriter()
  switch (msg.type) {
    case 'request':
      assertBytes(msg.proof, 'proof', 32)
      assertBytesInRange(msg.cert, 'cert', 1, MAX_DEVICE_CERT_BYTES)
      assertBytesInRange(msg.profile, 'profile', 1, MAX_PROFILE_BYTES)
      assertBytesInRange(msg.credential, 'credential', 0, MAX_CREDENTIAL_BYTES)
      if (msg.scope.length < 1 || msg.scope.length > MAX_SCOPE) throw new RangeError(`scope: 1..${MAX_SCOPE} compartments`)
      w.byte(1).bytes(msg.proof).varBytes(msg.cert).varBytes(msg.profile).varBytes(msg.credential).varUint(msg.scope.length)
      for (const k of msg.scope) {
        assertText(k, 'scope kind', MAX_KIND_BYTES)
        w.varString(k)
      }
      return w.finish()
    case 'granted':
      assertBytesInRange(msg.grant, 'grant', 1, MAX_GRANT_BYTES)
      assertBytesInRange(msg.issuer, 'issuer', 1, MAX_DEVICE_CERT_BYTES)
      if (msg.wraps.length > MAX_WRAPS) throw new RangeError(`wraps: more than ${MAX_WRAPS}`)
      w.byte(2).varBytes(msg.grant).varBytes(msg.issuer).varUint(msg.wraps.length)
      for (const x of msg.wraps) {
        assertBytesInRange(x, 'wrap', 1, MAX_WRAP_BYTES)
        w.varBytes(x)
      }
      return w.finish()
    case 'reject':
      if (!Object.values(BreakGlassRejectReason).includes(msg.reason)) throw new RangeError('reason: unknown')
      return w.byte(3).byte(msg.reason).finish()
  }
}

/**
 * Decodes a message (size cap first).
 * @throws {BreakGlassMessageFormatError} for an oversized, unknown or malformed message
 */
export function decodeBreakGlassMessage(bytes: Uint8Array): BreakGlassMessage {
  if (!(bytes instanceof Uint8Array)) throw new BreakGlassMessageFormatError('break-glass message: expected bytes')
  if (bytes.length > MAX_BREAK_GLASS_MESSAGE_BYTES) throw new BreakGlassMessageFormatError(`break-glass message: ${bytes.length} bytes exceeds the cap`)
  const r = createReader(bytes, BreakGlassMessageFormatError)
  const type = r.byte('type')
  let msg: BreakGlassMessage
  if (type === 1) {
    const proof = r.bytes('proof', 32).slice()
    const cert = r.varBytes('cert', 1, MAX_DEVICE_CERT_BYTES).slice()
    const profile = r.varBytes('profile', 1, MAX_PROFILE_BYTES).slice()
    const credential = r.varBytes('credential', 0, MAX_CREDENTIAL_BYTES).slice()
    const n = r.varUint('scope', 1, MAX_SCOPE)
    const scope: string[] = []
    for (let i = 0; i < n; i++) scope.push(r.varString('scope kind', MAX_KIND_BYTES))
    msg = { type: 'request', proof, cert, profile, credential, scope }
  } else if (type === 2) {
    const grant = r.varBytes('grant', 1, MAX_GRANT_BYTES).slice()
    const issuer = r.varBytes('issuer', 1, MAX_DEVICE_CERT_BYTES).slice()
    const n = r.varUint('wraps', 0, MAX_WRAPS)
    const wraps: Uint8Array[] = []
    for (let i = 0; i < n; i++) wraps.push(r.varBytes('wrap', 1, MAX_WRAP_BYTES).slice())
    msg = { type: 'granted', grant, issuer, wraps }
  } else if (type === 3) {
    const reason = r.byte('reason')
    if (!(Object.values(BreakGlassRejectReason) as number[]).includes(reason)) throw new BreakGlassMessageFormatError(`reject: unknown reason ${reason}`)
    msg = { type: 'reject', reason: reason as BreakGlassRejectReason }
  } else {
    throw new BreakGlassMessageFormatError(`break-glass message: unknown type ${type}`)
  }
  r.end('break-glass message')
  return msg
}
