/**
 * Fixed inputs shared by tests and by `test/vectors/generate-own.ts` (no test-runner
 * imports, so the generator can run under plain Node).
 */
import { base58 } from '@scure/base'
import { personFromEntropy, type PersonKeys } from '../../src/crypto/index.ts'

/** `length` bytes counting up from `start` (mod 256): readable, fixed test input. */
export function seq(start: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff)
}

/** The libp2p PeerId string of an Ed25519 public key: base58btc(identity multihash(protobuf key)). */
export function peerIdOf(ed25519PublicKey: Uint8Array): string {
  // libp2p peer-ids spec: multihash 0x00 (identity), length 36, then the protobuf
  // PublicKey { Type: Ed25519 (0x08 0x01), Data: 32 bytes (0x12 0x20 …) }
  return base58.encode(Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...ed25519PublicKey))
}

/** Entropy of the fixed patient of the test vectors. */
export const PATIENT_ENTROPY = seq(0x00, 32)
/** Entropy of the fixed doctor of the test vectors. */
export const DOCTOR_ENTROPY = seq(0x20, 32)
/** Entropy of the fixed licensing authority of the test vectors. */
export const AUTHORITY_ENTROPY = seq(0xf0, 32)

const cache = new Map<string, PersonKeys>()
function person(name: string, entropy: Uint8Array): PersonKeys {
  let keys = cache.get(name)
  if (keys === undefined) {
    keys = personFromEntropy(entropy)
    cache.set(name, keys)
  }
  return keys
}

/** The fixed patient (entropy 00 01 … 1f). */
export const patient = (): PersonKeys => person('patient', PATIENT_ENTROPY)
/** The fixed doctor (entropy 20 21 … 3f). */
export const doctor = (): PersonKeys => person('doctor', DOCTOR_ENTROPY)
/** The fixed licensing authority (entropy f0 f1 … 0f). */
export const authority = (): PersonKeys => person('authority', AUTHORITY_ENTROPY)
