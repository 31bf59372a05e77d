/**
 * The `/phr/consult/1` messages, one length-prefixed frame each (lib0 varuint/varString):
 *
 * ```
 * RING    0x01 ‖ callId (16) ‖ grantId (16) ‖ cert (varBytes 1..1024: the caller's DeviceCert)
 * ACCEPT  0x02 ‖ cert (varBytes 1..1024: the answering device's DeviceCert)
 * DECLINE 0x03 ‖ reason (1 declined, 2 not allowed, 3 busy, 4 no answer)
 * OFFER   0x04 ‖ sdp (varString ≤ 32 KiB)            RFC 8829 (JSEP) §5.2
 * ANSWER  0x05 ‖ sdp (varString ≤ 32 KiB)            RFC 8829 §5.3
 * ICE     0x06 ‖ candidate (varString ≤ 1 KiB; empty = end of candidates, RFC 8838 §4.4)
 *              ‖ sdpMid (varString ≤ 32) ‖ sdpMLineIndex (varUint ≤ 63)
 * HANGUP  0x07 ‖ reason (1 hung up, 2 failed)
 * ```
 * RING, then ACCEPT or DECLINE, then OFFER / ANSWER / ICE in either direction (an ICE
 * restart is a new OFFER), and HANGUP from either side.
 */
import { assertBytes, assertBytesInRange, createReader, createWriter } from '../lib/index.ts'
import { MAX_DEVICE_CERT_BYTES } from '../crypto/index.ts'
import { ConsultMessageFormatError } from './errors.ts'

/** Longest SDP accepted (a two-track offer with every codec is about 6 KiB). */
export const MAX_SDP_BYTES = 32 * 1024
/** Longest ICE candidate line. */
export const MAX_CANDIDATE_BYTES = 1024
const MAX_MID_BYTES = 32
/** Largest consult message. */
export const MAX_CONSULT_MESSAGE_BYTES = 1 + 4 + MAX_SDP_BYTES

/** Why a ring was not taken. */
export const DeclineReason = { declined: 1, notAllowed: 2, busy: 3, noAnswer: 4 } as const
/** One of the decline reasons. */
export type DeclineReason = (typeof DeclineReason)[keyof typeof DeclineReason]

/** How a call was hung up. */
export const HangupReason = { hungUp: 1, failed: 2 } as const
/** One of the hang-up reasons. */
export type HangupReason = (typeof HangupReason)[keyof typeof HangupReason]

/** A message of `/phr/consult/1`. */
export type ConsultMessage =
  | { type: 'ring'; callId: Uint8Array; grantId: Uint8Array; cert: Uint8Array }
  | { type: 'accept'; cert: Uint8Array }
  | { type: 'decline'; reason: DeclineReason }
  | { type: 'offer'; sdp: string }
  | { type: 'answer'; sdp: string }
  | { type: 'ice'; candidate: string; sdpMid: string; sdpMLineIndex: number }
  | { type: 'hangup'; reason: HangupReason }

/** The messages that carry the media negotiation once a call is accepted. */
export type SignalMessage = Extract<ConsultMessage, { type: 'offer' | 'answer' | 'ice' | 'hangup' }>

const utf8 = new TextEncoder()
function assertText(value: unknown, label: string, maxBytes: number): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${label}: expected a string`)
  if (utf8.encode(value).length > maxBytes) throw new RangeError(`${label}: longer than ${maxBytes} bytes`)
}

/**
 * Encodes a consult message.
 * @throws {TypeError | RangeError} for a malformed field.
 */
export function encodeConsultMessage(msg: ConsultMessage): Uint8Array {
  const w = createWriter()
  switch (msg.type) {
    case 'ring':
      assertBytes(msg.callId, 'callId', 16)
      assertBytes(msg.grantId, 'grantId', 16)
      assertBytesInRange(msg.cert, 'cert', 1, MAX_DEVICE_CERT_BYTES)
      return w.byte(1).bytes(msg.callId).bytes(msg.grantId).varBytes(msg.cert).finish()
    case 'accept':
      assertBytesInRange(msg.cert, 'cert', 1, MAX_DEVICE_CERT_BYTES)
      return w.byte(2).varBytes(msg.cert).finish()
    case 'decline':
      if (!Object.values(DeclineReason).includes(msg.reason)) throw new RangeError('reason: unknown')
      return w.byte(3).byte(msg.reason).finish()
    case 'offer':
    case 'answer':
      assertText(msg.sdp, 'sdp', MAX_SDP_BYTES)
      if (msg.sdp.length === 0) throw new RangeError('sdp: empty')
      return w.byte(msg.type === 'offer' ? 4 : 5).varString(msg.sdp).finish()
    case 'ice':
      assertText(msg.candidate, 'candidate', MAX_CANDIDATE_BYTES)
      assertText(msg.sdpMid, 'sdpMid', MAX_MID_BYTES)
      if (!Number.isInteger(msg.sdpMLineIndex) || msg.sdpMLineIndex < 0 || msg.sdpMLineIndex > 63) throw new RangeError('sdpMLineIndex: 0..63')
      return w.byte(6).varString(msg.candidate).varString(msg.sdpMid).varUint(msg.sdpMLineIndex).finish()
    case 'hangup':
      if (!Object.values(HangupReason).includes(msg.reason)) throw new RangeError('reason: unknown')
      return w.byte(7).byte(msg.reason).finish()
  }
}

/**
 * Decodes a consult message (size cap first, then strict parsing: no trailing bytes).
 * @throws {ConsultMessageFormatError} for an oversized, unknown or malformed message.
 */
export function decodeConsultMessage(bytes: Uint8Array): ConsultMessage {
  if (!(bytes instanceof Uint8Array)) throw new ConsultMessageFormatError('consult message: expected bytes')
  if (bytes.length > MAX_CONSULT_MESSAGE_BYTES) throw new ConsultMessageFormatError(`consult message: ${bytes.length} bytes exceeds the cap`)
  const r = createReader(bytes, ConsultMessageFormatError)
  const type = r.byte('type')
  let msg: ConsultMessage
  switch (type) {
    case 1:
      msg = { type: 'ring', callId: r.bytes('callId', 16).slice(), grantId: r.bytes('grantId', 16).slice(), cert: r.varBytes('cert', 1, MAX_DEVICE_CERT_BYTES).slice() }
      break
    case 2:
      msg = { type: 'accept', cert: r.varBytes('cert', 1, MAX_DEVICE_CERT_BYTES).slice() }
      break
    case 3: {
      const reason = r.byte('reason')
      if (reason !== 1 && reason !== 2 && reason !== 3 && reason !== 4) throw new ConsultMessageFormatError(`decline: unknown reason ${reason}`)
      msg = { type: 'decline', reason }
      break
    }
    case 4:
    case 5: {
      const sdp = r.varString('sdp', MAX_SDP_BYTES)
      if (sdp.length === 0) throw new ConsultMessageFormatError('sdp: empty')
      msg = { type: type === 4 ? 'offer' : 'answer', sdp }
      break
    }
    case 6:
      msg = { type: 'ice', candidate: r.varString('candidate', MAX_CANDIDATE_BYTES), sdpMid: r.varString('sdpMid', MAX_MID_BYTES), sdpMLineIndex: r.varUint('sdpMLineIndex', 0, 63) }
      break
    case 7: {
      const reason = r.byte('reason')
      if (reason !== 1 && reason !== 2) throw new ConsultMessageFormatError(`hangup: unknown reason ${reason}`)
      msg = { type: 'hangup', reason }
      break
    }
    default:
      throw new ConsultMessageFormatError(`consult message: unknown type ${type}`)
  }
  r.end('consult message')
  return msg
}
