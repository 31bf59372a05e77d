/**
 * Domain-separation labels. Every signature, AEAD associated data and KDF derivation in
 * the project starts with one of these, so that no signature or ciphertext made for one
 * message type is ever valid as another (DESIGN §5, last bullet).
 *
 * Labels are prepended as raw UTF-8 with no length prefix (DESIGN §5 writes
 * `"phr/v1/envelope" ‖ header ‖ …`). That is unambiguous only while no signature label is
 * a prefix of another; `test/crypto/labels.test.ts` checks this for the whole set, so a new
 * label that breaks it fails CI.
 */

/** Labels prepended to the message of every Ed25519 signature, one per signed type. */
export const SignatureLabel = {
  /** A person's published receiving keys, signed by their root key. */
  profile: 'phr/v1/profile',
  /** Device certificate: binds a libp2p PeerId to a person. */
  deviceCert: 'phr/v1/device-cert',
  /** Practitioner credential, signed by a licensing authority. */
  credential: 'phr/v1/credential',
  /** Hybrid key wrap, signed by the granting person. */
  wrap: 'phr/v1/wrap',
  /** Envelope: `header ‖ nonce ‖ ct`, signed by its author. */
  envelope: 'phr/v1/envelope',
  /** A mailbox registration: who may fetch and deposit a doc, signed by its owner. */
  mailboxRegistration: 'phr/v1/mailbox-registration',
  /** A consent grant (DESIGN §8), signed by the patient. */
  grant: 'phr/v1/grant',
  /** The revocation of a grant, signed by the patient. */
  revocation: 'phr/v1/revocation',
  /** One entry of the hash-chained audit log, signed by the device that wrote it. */
  audit: 'phr/v1/audit',
  /** A SMART Health Link handed to a relay to host, signed by the patient. */
  shlHosting: 'phr/v1/shl-hosting',
  /** The owner of a hosted SMART Health Link asking for its access log or its deletion. */
  shlRequest: 'phr/v1/shl-request'
} as const

/** One of the signature labels. */
export type SignatureLabel = (typeof SignatureLabel)[keyof typeof SignatureLabel]

/** Labels prepended to AEAD associated data. */
export const AeadLabel = {
  /** Envelope of kind `update`: `aad = label ‖ header`. */
  update: 'phr/v1/update',
  /** Envelope of kind `snapshot`: `aad = label ‖ header`. */
  snapshot: 'phr/v1/snapshot',
  /** One chunk of an encrypted attachment: `aad = label ‖ blobId ‖ index ‖ last`. */
  attachment: 'phr/v1/attachment',
  /** A device's local key vault (epoch keys and device secrets) at rest. */
  vault: 'phr/v1/vault',
  /** One segment of an encrypted backup file: `aad = label ‖ file header ‖ index ‖ final`. */
  backupSegment: 'phr/v1/backup-segment'
} as const

/** One of the AEAD labels. */
export type AeadLabel = (typeof AeadLabel)[keyof typeof AeadLabel]

/** HKDF salt and info labels. */
export const KdfLabel = {
  /** HKDF salt when deriving keys from the 32-byte BIP39 recovery entropy. */
  recoverySalt: 'phr/v1/recovery',
  /** HKDF info → 32-byte Ed25519 root secret key. */
  recoveryEd25519: 'phr/v1/recovery/ed25519',
  /** HKDF info → 32-byte X25519 secret key. */
  recoveryX25519: 'phr/v1/recovery/x25519',
  /** HKDF info → 64-byte ML-KEM-768 key-generation seed (d ‖ z, FIPS 203 §7.1). */
  recoveryMlKem768: 'phr/v1/recovery/ml-kem-768',
  /** First field of the hybrid-wrap HKDF info (DESIGN §8). */
  wrap: 'phr/v1/wrap',
  /** HKDF info → the person's 32-byte epoch seed (from the recovery entropy). */
  epochSeed: 'phr/v1/epoch-seed',
  /** HKDF info prefix (‖ epoch as u32 BE; salt = doc id) → a rotated epoch's key. */
  epochKey: 'phr/v1/epoch-key',
  /** HKDF info prefix (‖ compartment kind; salt = the recovery salt, ikm = entropy) → the 16-byte doc id of one of the person's own fixed compartments. */
  recordDocId: 'phr/v1/record/doc-id',
  /** HKDF info (salt = doc id, ikm = epoch seed) → epoch 0's key of one of the person's own fixed compartments. */
  firstEpochKey: 'phr/v1/record/first-epoch-key',
  /** HKDF info (salt = the backup file's header) → the key its segments are sealed under. */
  backupKey: 'phr/v1/backup/key',
  /** HKDF info (salt = the backup file's header) → its 16-byte passphrase check. */
  backupCheck: 'phr/v1/backup/check'
} as const

const encoder = new TextEncoder()
const cache = new Map<string, Uint8Array>()

/**
 * UTF-8 bytes of a label (cached; treat the result as read-only).
 * @throws Never.
 */
export function labelBytes(label: string): Uint8Array {
  let bytes = cache.get(label)
  if (bytes === undefined) {
    bytes = encoder.encode(label)
    cache.set(label, bytes)
  }
  return bytes
}
