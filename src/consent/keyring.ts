/**
 * The keyring: for every compartment this device can read, its doc id, its kind, and its
 * epoch keys (DESIGN §8: a compartment's key changes epoch on revocation). It lives only
 * sealed (see `vault.ts`); in memory it is a plain structure.
 *
 * ```
 * keyring  = 0x01 (version) ‖ count (varuint) ‖ count × compartment
 * compartment = docId (16) ‖ kind (varstring ≤ 128) ‖ current epoch (varuint)
 *               ‖ n (varuint) ‖ n × (epoch (varuint) ‖ key (32))
 * ```
 */
import { asDocId, createReader, createWriter, toHex, FormatError, type DocId, DOC_ID_LENGTH } from '../lib/index.ts'
import { AEAD_KEY_LENGTH, newDocId, newEpochKey } from '../crypto/index.ts'

/** The keyring bytes are malformed. */
export class KeyringFormatError extends FormatError {
  override name: string = 'KeyringFormatError'
}

/** One compartment's keys. */
export interface CompartmentKeys {
  readonly docId: DocId
  /** `core`, `vitals`, `visit:<grantId>`, … */
  readonly kind: string
  /** The epoch new envelopes are sealed under. */
  current: number
  /** Every epoch key held, by epoch. */
  readonly epochs: Map<number, Uint8Array>
}

/** Every compartment's keys, by doc id hex. */
export type Keyring = Map<string, CompartmentKeys>

const VERSION = 1
const MAX_COMPARTMENTS = 4096
const MAX_EPOCHS = 4096
const MAX_KIND_BYTES = 128

/**
 * Adds a new compartment with a fresh doc id and a fresh epoch-0 key.
 * @returns its keys
 */
export function addCompartment(keyring: Keyring, kind: string): CompartmentKeys {
  const keys: CompartmentKeys = { docId: newDocId(), kind, current: 0, epochs: new Map([[0, newEpochKey()]]) }
  keyring.set(toHex(keys.docId), keys)
  return keys
}

/** The key of `docId` at `epoch`, if held. */
export function epochKeyOf(keyring: Keyring, docId: Uint8Array, epoch: number): Uint8Array | undefined {
  return keyring.get(toHex(docId))?.epochs.get(epoch)
}

/**
 * Encodes a keyring (to be sealed right away: it holds keys).
 * @throws {RangeError} when it is larger than the format allows
 */
export function encodeKeyring(keyring: Keyring): Uint8Array {
  if (keyring.size > MAX_COMPARTMENTS) throw new RangeError(`keyring: more than ${MAX_COMPARTMENTS} compartments`)
  const w = createWriter().byte(VERSION).varUint(keyring.size)
  for (const c of keyring.values()) {
    if (c.epochs.size > MAX_EPOCHS) throw new RangeError(`keyring: more than ${MAX_EPOCHS} epochs`)
    w.bytes(c.docId).varString(c.kind).varUint(c.current).varUint(c.epochs.size)
    for (const [epoch, key] of [...c.epochs].sort((a, b) => a[0] - b[0])) w.varUint(epoch).bytes(key)
  }
  return w.finish()
}

/**
 * Decodes keyring bytes.
 * @throws {KeyringFormatError} for anything but a well-formed keyring
 */
export function decodeKeyring(bytes: Uint8Array): Keyring {
  const r = createReader(bytes, KeyringFormatError)
  if (r.byte('version') !== VERSION) throw new KeyringFormatError('keyring: unknown version')
  const count = r.varUint('count', 0, MAX_COMPARTMENTS)
  const keyring: Keyring = new Map()
  for (let i = 0; i < count; i++) {
    const docId = asDocId(r.bytes('docId', DOC_ID_LENGTH).slice())
    const kind = r.varString('kind', MAX_KIND_BYTES)
    const current = r.varUint('current')
    const n = r.varUint('epochs', 1, MAX_EPOCHS)
    const epochs = new Map<number, Uint8Array>()
    for (let j = 0; j < n; j++) {
      const epoch = r.varUint('epoch')
      if (epochs.has(epoch)) throw new KeyringFormatError(`keyring: epoch ${epoch} twice`)
      epochs.set(epoch, r.bytes('key', AEAD_KEY_LENGTH).slice())
    }
    if (!epochs.has(current)) throw new KeyringFormatError('keyring: no key for the current epoch')
    const hex = toHex(docId)
    if (keyring.has(hex)) throw new KeyringFormatError('keyring: a compartment twice')
    keyring.set(hex, { docId, kind, current, epochs })
  }
  r.end('keyring')
  return keyring
}
