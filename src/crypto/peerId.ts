/**
 * Structural check of a libp2p PeerId string (libp2p peer-ids spec, "String
 * representation"): base58btc of a multihash — identity (code 0x00, used for keys of at
 * most 42 bytes, e.g. Ed25519 → `12D3KooW…`) or sha2-256 (0x12, 32 bytes → `Qm…`).
 * The CIDv1 form is not accepted. This is parsing only: a device certificate binds the
 * string; Noise proves possession of the key behind it.
 */
import { base58 } from '@scure/base'

/** Longest PeerId string we accept (an identity-multihashed Ed25519 PeerId is 52 chars). */
export const MAX_PEER_ID_LENGTH = 128
const BASE58BTC = /^[1-9A-HJ-NP-Za-km-z]+$/

/**
 * Whether `value` is a base58btc PeerId string whose multihash is identity (≤ 42-byte
 * digest) or sha2-256 (32-byte digest), with the digest length matching.
 * @throws Never.
 * @example isPeerIdString(peerId.toString()) // true for a libp2p Ed25519 PeerId
 */
export function isPeerIdString(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PEER_ID_LENGTH) return false
  if (!BASE58BTC.test(value)) return false
  let mh: Uint8Array
  try {
    mh = base58.decode(value)
  } catch {
    // invalid base58 (cannot happen after the regex, but the decoder is the authority)
    return false
  }
  if (base58.encode(mh) !== value) return false
  const code = mh[0]
  const length = mh[1]
  if (length === undefined || mh.length !== 2 + length) return false
  if (code === 0x00) return length > 0 && length <= 42 // libp2p: inline keys of ≤ 42 bytes
  if (code === 0x12) return length === 32
  return false
}
