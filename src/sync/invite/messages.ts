/**
 * The `/phr/invite/1` messages, one length-prefixed frame each:
 *
 * ```
 * REQUEST 0x01 ‖ proof (32) ‖ cert (varBytes 1..1024: the doctor's DeviceCert)
 *              ‖ profile (varBytes 1..1400: the doctor's signed receiving keys)
 *              ‖ credential (varBytes 0..1024: practitioner credential, empty if none)
 * GRANTED 0x02 ‖ grant (varBytes 1..8 KiB: the patient's signed grant)
 *              ‖ issuer (varBytes 1..1024: the patient device's DeviceCert)
 *              ‖ n (varuint ≤ 64) ‖ n × wrap (varBytes 1..1536: epoch keys wrapped for the doctor)
 * REJECT  0x03 ‖ reason (1 = token refused, 2 = declined, 3 = failed)
 * ```
 */
import { assertBytes, assertBytesInRange, createReader, createWriter } from '../../lib/index.ts'
import { MAX_CREDENTIAL_BYTES, MAX_DEVICE_CERT_BYTES, MAX_PROFILE_BYTES, MAX_WRAP_BYTES } from '../../crypto/index.ts'
import { MAX_GRANT_BYTES } from '../../consent/index.ts'
import { InviteMessageFormatError } from '../errors.ts'

/** Most wrapped keys in one answer (one per compartment of the grant). */
export const MAX_INVITE_WRAPS = 64
/** Largest invite message. */
export const MAX_INVITE_MESSAGE_BYTES = 1 + 3 + MAX_GRANT_BYTES + 2 + MAX_DEVICE_CERT_BYTES + 1 + MAX_INVITE_WRAPS * (2 + MAX_WRAP_BYTES)

/** Why an invite was refused. */
export const InviteRejectReason = { token: 1, declined: 2, failed: 3 } as const
/** One of the reject reasons. */
export type InviteRejectReason = (typeof InviteRejectReason)[keyof typeof InviteRejectReason]

/** An invite message. */
export type InviteMessage =
  | { type: 'request'; proof: Uint8Array; cert: Uint8Array; profile: Uint8Array; credential: Uint8Array }
  | { type: 'granted'; grant: Uint8Array; issuer: Uint8Array; wraps: Uint8Array[] }
  | { type: 'reject'; reason: InviteRejectReason }

/**
 * Encodes an invite message.
 * @throws {TypeError | RangeError} for a malformed field.
 */
export function encodeInviteMessage(msg: InviteMessage): Uint8Array {
  const w = createWriter()
  switch (msg.type) {
    case 'request':
      assertBytes(msg.proof, 'proof', 32)
      assertBytesInRange(msg.cert, 'cert', 1, MAX_DEVICE_CERT_BYTES)
      assertBytesInRange(msg.profile, 'profile', 1, MAX_PROFILE_BYTES)
      assertBytesInRange(msg.credential, 'credential', 0, MAX_CREDENTIAL_BYTES)
      return w.byte(1).bytes(msg.proof).varBytes(msg.cert).varBytes(msg.profile).varBytes(msg.credential).finish()
    case 'granted':
      assertBytesInRange(msg.grant, 'grant', 1, MAX_GRANT_BYTES)
      assertBytesInRange(msg.issuer, 'issuer', 1, MAX_DEVICE_CERT_BYTES)
      if (msg.wraps.length > MAX_INVITE_WRAPS) throw new RangeError(`wraps: more than ${MAX_INVITE_WRAPS}`)
      w.byte(2).varBytes(msg.grant).varBytes(msg.issuer).varUint(msg.wraps.length)
      for (const x of msg.wraps) {
        assertBytesInRange(x, 'wrap', 1, MAX_WRAP_BYTES)
        w.varBytes(x)
      }
      return w.finish()
    case 'reject':
      if (!Object.values(InviteRejectReason).includes(msg.reason)) throw new RangeError('reason: unknown')
      return w.byte(3).byte(msg.reason).finish()
  }
}

/**
 * Decodes an invite message (size cap first).
 * @throws {InviteMessageFormatError} for an oversized, unknown or malformed message.
 */
export function decodeInviteMessage(bytes: Uint8Array): InviteMessage {
  if (!(bytes instanceof Uint8Array)) throw new InviteMessageFormatError('invite message: expected bytes')
  if (bytes.length > MAX_INVITE_MESSAGE_BYTES) throw new InviteMessageFormatError(`invite message: ${bytes.length} bytes exceeds the cap`)
  const r = createReader(bytes, InviteMessageFormatError)
  const type = r.byte('type')
  let msg: InviteMessage
  if (type === 1) {
    msg = {
      type: 'request',
      proof: r.bytes('proof', 32).slice(),
      cert: r.varBytes('cert', 1, MAX_DEVICE_CERT_BYTES).slice(),
      profile: r.varBytes('profile', 1, MAX_PROFILE_BYTES).slice(),
      credential: r.varBytes('credential', 0, MAX_CREDENTIAL_BYTES).slice()
    }
  } else if (type === 2) {
    const grant = r.varBytes('grant', 1, MAX_GRANT_BYTES).slice()
    const issuer = r.varBytes('issuer', 1, MAX_DEVICE_CERT_BYTES).slice()
    const n = r.varUint('wraps', 0, MAX_INVITE_WRAPS)
    const wraps: Uint8Array[] = []
    for (let i = 0; i < n; i++) wraps.push(r.varBytes('wrap', 1, MAX_WRAP_BYTES).slice())
    msg = { type: 'granted', grant, issuer, wraps }
  } else if (type === 3) {
    const reason = r.byte('reason')
    if (reason !== 1 && reason !== 2 && reason !== 3) throw new InviteMessageFormatError(`reject: unknown reason ${reason}`)
    msg = { type: 'reject', reason }
  } else {
    throw new InviteMessageFormatError(`invite message: unknown type ${type}`)
  }
  r.end('invite message')
  return msg
}
