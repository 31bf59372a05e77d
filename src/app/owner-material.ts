/**
 * The owner key material a first device hands a newly linked one, inside the link
 * protocol's encrypted stream (never shown, never stored in plaintext):
 *
 * ```
 * material = 0x01 (version) ‖ entropy (32: the person's recovery entropy)
 *            ‖ keyring (varbytes ≤ 1 MiB: the record's compartments and epoch keys)
 * ```
 */
import { createReader, createWriter, FormatError } from '../lib/index.ts'
import { personFromEntropy, RECOVERY_ENTROPY_LENGTH, type PersonKeys } from '../crypto/index.ts'
import { decodeKeyring, encodeKeyring, type Keyring } from '../consent/index.ts'

/** The owner material is malformed, or does not belong to the person the link named. */
export class OwnerMaterialError extends FormatError {
  override name: string = 'OwnerMaterialError'
}

const VERSION = 1
/** Largest owner material accepted. */
export const MAX_OWNER_MATERIAL_BYTES = 1024 * 1024

/** What the new device gets. */
export interface OwnerMaterial {
  readonly entropy: Uint8Array
  readonly person: PersonKeys
  readonly keyring: Keyring
}

/**
 * Encodes the owner material (to be sent only inside the encrypted link stream).
 * @throws {RangeError} if `entropy` is not 32 bytes or the keyring is too large
 */
export function encodeOwnerMaterial(entropy: Uint8Array, keyring: Keyring): Uint8Array {
  if (entropy.length !== RECOVERY_ENTROPY_LENGTH) throw new RangeError(`entropy: expected ${RECOVERY_ENTROPY_LENGTH} bytes`)
  const ring = encodeKeyring(keyring)
  if (ring.length > MAX_OWNER_MATERIAL_BYTES - 64) throw new RangeError('keyring: too large to hand over')
  return createWriter().byte(VERSION).bytes(entropy).varBytes(ring).finish()
}

/**
 * Decodes owner material and checks that it is the material of `expectedPerson` (the
 * did:key the link payload and both certificates named): fail closed otherwise.
 * @throws {OwnerMaterialError} if it is malformed, too large, or of another person
 */
export function decodeOwnerMaterial(bytes: Uint8Array, expectedPerson: string): OwnerMaterial {
  if (!(bytes instanceof Uint8Array)) throw new OwnerMaterialError('owner material: expected bytes')
  if (bytes.length > MAX_OWNER_MATERIAL_BYTES) throw new OwnerMaterialError('owner material: too large')
  const r = createReader(bytes, OwnerMaterialError)
  if (r.byte('version') !== VERSION) throw new OwnerMaterialError('owner material: unknown version')
  const entropy = r.bytes('entropy', RECOVERY_ENTROPY_LENGTH).slice()
  const ring = r.varBytes('keyring', 1, MAX_OWNER_MATERIAL_BYTES)
  r.end('owner material')
  let keyring: Keyring
  try {
    keyring = decodeKeyring(ring)
  } catch (err) {
    throw new OwnerMaterialError('owner material: the keyring is malformed', { cause: err })
  }
  const person = personFromEntropy(entropy)
  if (person.did !== expectedPerson) throw new OwnerMaterialError('owner material: it is not the keys of the person who offered the link')
  return { entropy, person, keyring }
}
