/**
 * The `/phr/link/1` messages, one length-prefixed frame each (the framing of `/phr/sync/1`):
 *
 * ```
 * REQUEST 0x01 ‖ proof (32) ‖ name (varstring ≤ 256: the new device's name)
 * ACCEPT  0x02 ‖ cert (varBytes 1..1024: DeviceCert for the new device)
 *              ‖ issuer (varBytes 1..1024: the first device's own DeviceCert)
 *              ‖ owner (varBytes 0..256 KiB: opaque owner key material)
 *              ‖ n (varuint ≤ 4096) ‖ n × docId (16)
 * REJECT  0x03 ‖ reason (1 = token refused, 2 = declined, 3 = failed)
 * ```
 *
 * The owner key material (person keys, keyring) crosses only inside this stream, which
 * Noise encrypts end to end between the two devices' proven PeerIds; a relay in between
 * sees ciphertext.
 */
import { assertBytes, assertBytesInRange, assertText, createReader, createWriter, DOC_ID_LENGTH } from '../../lib/index.ts'
import { MAX_DEVICE_CERT_BYTES } from '../../crypto/index.ts'
import { LinkMessageFormatError } from '../errors.ts'

/** Largest owner key material carried. */
export const MAX_OWNER_MATERIAL_BYTES = 256 * 1024
/** Most doc ids carried. */
export const MAX_LINK_DOCS = 4096
/** Largest link message. */
export const MAX_LINK_MESSAGE_BYTES = 1 + 2 * (MAX_DEVICE_CERT_BYTES + 2) + MAX_OWNER_MATERIAL_BYTES + 3 + 3 + MAX_LINK_DOCS * DOC_ID_LENGTH
const MAX_NAME_BYTES = 256

/** Why a link was refused. */
export const LinkRejectReason = {
  /** Unknown, expired, used or wrong token. */
  token: 1,
  /** The user (or policy) declined. */
  declined: 2,
  /** The first device failed to complete. */
  failed: 3
} as const
/** One of the reject reasons. */
export type LinkRejectReason = (typeof LinkRejectReason)[keyof typeof LinkRejectReason]

/** A link message. */
export type LinkMessage =
  | { type: 'request'; proof: Uint8Array; name: string }
  | { type: 'accept'; cert: Uint8Array; issuer: Uint8Array; owner: Uint8Array; docIds: Uint8Array[] }
  | { type: 'reject'; reason: LinkRejectReason }

/**
 * Encodes a link message.
 * @throws {TypeError | RangeError} for a malformed field.
 */
export function encodeLinkMessage(msg: LinkMessage): Uint8Array {
  const w = createWriter()
  switch (msg.type) {
    case 'request':
      assertBytes(msg.proof, 'proof', 32)
      assertText(msg.name, 'name', MAX_NAME_BYTES)
      return w.byte(1).bytes(msg.proof).varString(msg.name).finish()
    case 'accept':
      assertBytesInRange(msg.cert, 'cert', 1, MAX_DEVICE_CERT_BYTES)
      assertBytesInRange(msg.issuer, 'issuer', 1, MAX_DEVICE_CERT_BYTES)
      assertBytesInRange(msg.owner, 'owner', 0, MAX_OWNER_MATERIAL_BYTES)
      if (msg.docIds.length > MAX_LINK_DOCS) throw new RangeError(`docIds: more than ${MAX_LINK_DOCS}`)
      w.byte(2).varBytes(msg.cert).varBytes(msg.issuer).varBytes(msg.owner).varUint(msg.docIds.length)
      for (const d of msg.docIds) {
        assertBytes(d, 'docId', DOC_ID_LENGTH)
        w.bytes(d)
      }
      return w.finish()
    case 'reject':
      if (!Object.values(LinkRejectReason).includes(msg.reason)) throw new RangeError('reason: unknown')
      return w.byte(3).byte(msg.reason).finish()
  }
}

/**
 * Decodes a link message (size cap first).
 * @throws {LinkMessageFormatError} for an oversized, unknown or malformed message.
 */
export function decodeLinkMessage(bytes: Uint8Array): LinkMessage {
  if (!(bytes instanceof Uint8Array)) throw new LinkMessageFormatError('link message: expected bytes')
  if (bytes.length > MAX_LINK_MESSAGE_BYTES) throw new LinkMessageFormatError(`link message: ${bytes.length} bytes exceeds the cap`)
  const r = createReader(bytes, LinkMessageFormatError)
  const type = r.byte('type')
  let msg: LinkMessage
  if (type === 1) {
    msg = { type: 'request', proof: r.bytes('proof', 32).slice(), name: r.varString('name', MAX_NAME_BYTES) }
  } else if (type === 2) {
    const cert = r.varBytes('cert', 1, MAX_DEVICE_CERT_BYTES).slice()
    const issuer = r.varBytes('issuer', 1, MAX_DEVICE_CERT_BYTES).slice()
    const owner = r.varBytes('owner', 0, MAX_OWNER_MATERIAL_BYTES).slice()
    const n = r.varUint('docIds', 0, MAX_LINK_DOCS)
    const docIds: Uint8Array[] = []
    for (let i = 0; i < n; i++) docIds.push(r.bytes('docId', DOC_ID_LENGTH).slice())
    msg = { type: 'accept', cert, issuer, owner, docIds }
  } else if (type === 3) {
    const reason = r.byte('reason')
    if (reason !== 1 && reason !== 2 && reason !== 3) throw new LinkMessageFormatError(`reject: unknown reason ${reason}`)
    msg = { type: 'reject', reason }
  } else {
    throw new LinkMessageFormatError(`link message: unknown type ${type}`)
  }
  r.end('link message')
  return msg
}
