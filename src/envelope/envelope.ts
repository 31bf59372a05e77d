/**
 * Seal and open envelopes (DESIGN §5):
 *
 * ```
 * envelope = header ‖ nonce (24) ‖ ct (plaintext length + 16) ‖ sig (64)
 * ct       = XChaCha20-Poly1305(K[docId, epoch], nonce, aad = label ‖ header, plaintext)
 *            label = "phr/v1/update" or "phr/v1/snapshot", by the header's kind
 * sig      = Ed25519(author sk, "phr/v1/envelope" ‖ header ‖ nonce ‖ ct)
 * ```
 *
 * The ciphertext's length is implicit (everything between the nonce and the last 64 bytes).
 * A compressed snapshot (`header.codec === 'deflate-raw'`) seals the compressed payload of
 * `compression.ts` as its plaintext; `sealSnapshot` writes one and `openEnvelopeAsync`
 * inflates it after the signature and the tag have been checked.
 */
import {
  assertBytes,
  AuthorNotAllowedError,
  concatBytes,
  createReader,
  EnvelopeFormatError,
  EnvelopeTooLargeError,
  equalBytes,
  KeyUnavailableError,
  SignatureInvalidError
} from '../lib/index.ts'
import {
  AEAD_KEY_LENGTH,
  AEAD_NONCE_LENGTH,
  AEAD_TAG_LENGTH,
  AeadLabel,
  aeadOpen,
  aeadSeal,
  ED25519_SECRET_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  labelBytes,
  randomBytes,
  SignatureLabel,
  signLabelled,
  signLabelledAsync,
  verifyLabelled,
  verifyLabelledAsync
} from '../crypto/index.ts'
import { encodeHeader, readHeader, type EnvelopeHeader } from './header.ts'
import { CompressedPayloadError, compressParts, compressPayload, decompressPayload, inflateParts } from './compression.ts'

/** Default receive size cap: 4 MiB. */
export const DEFAULT_MAX_ENVELOPE_BYTES = 4 * 1024 * 1024
/** Default cap on the state a compressed snapshot may inflate to: 256 MiB. */
export const DEFAULT_MAX_INFLATED_BYTES = 256 * 1024 * 1024

/** Keys for sealing. */
export interface SealKeys {
  /** K[docId, epoch]: the 32-byte epoch key. */
  epochKey: Uint8Array
  /** The author's 32-byte Ed25519 secret key; `header.author` must be its public key. */
  authorSecretKey: Uint8Array
}

/** Key lookup for opening: `undefined` when no key is held (then opening fails closed). */
export interface OpenKeys {
  epochKey(docId: Uint8Array, epoch: number): Uint8Array | undefined
}

/** Options of `openEnvelope` / `verifyEnvelope` / `parseEnvelopeHeader`. */
export interface OpenOptions {
  /** Size cap in bytes, checked before parsing. @default DEFAULT_MAX_ENVELOPE_BYTES (4 MiB) */
  maxBytes?: number
  /** Whether `author` may write this doc at this epoch; checked before the signature. @default allow all */
  isAllowed?(author: Uint8Array, header: EnvelopeHeader): boolean
}

interface ParsedEnvelope {
  readonly header: EnvelopeHeader
  readonly headerBytes: Uint8Array
  readonly nonce: Uint8Array
  readonly ct: Uint8Array
  /** header ‖ nonce ‖ ct: the signed bytes without the label. */
  readonly signed: Uint8Array
  readonly signature: Uint8Array
}

function aadLabel(kind: EnvelopeHeader['kind']): Uint8Array {
  return labelBytes(kind === 'snapshot' ? AeadLabel.snapshot : AeadLabel.update)
}

function parse(bytes: Uint8Array, maxBytes = DEFAULT_MAX_ENVELOPE_BYTES): ParsedEnvelope {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`envelope: expected Uint8Array, got ${typeof bytes}`)
  if (bytes.length > maxBytes) throw new EnvelopeTooLargeError(`envelope: ${bytes.length} bytes exceeds the cap of ${maxBytes}`)
  const r = createReader(bytes, EnvelopeFormatError)
  const header = readHeader(r)
  const headerLength = r.offset
  if (r.remaining < AEAD_NONCE_LENGTH + AEAD_TAG_LENGTH + ED25519_SIGNATURE_LENGTH) {
    throw new EnvelopeFormatError(`envelope: ${r.remaining} bytes after the header, need at least ${AEAD_NONCE_LENGTH + AEAD_TAG_LENGTH + ED25519_SIGNATURE_LENGTH}`)
  }
  const sigStart = bytes.length - ED25519_SIGNATURE_LENGTH
  return {
    header,
    headerBytes: bytes.subarray(0, headerLength),
    nonce: bytes.subarray(headerLength, headerLength + AEAD_NONCE_LENGTH),
    ct: bytes.subarray(headerLength + AEAD_NONCE_LENGTH, sigStart),
    signed: bytes.subarray(0, sigStart),
    signature: bytes.subarray(sigStart)
  }
}

/**
 * Seals with a caller-chosen nonce. Only for test vectors: reusing a nonce under one
 * epoch key breaks confidentiality. Everything else is as `sealEnvelope`, except that a
 * header with `codec` is accepted: `plaintext` is then sealed as given, so it must already
 * be a compressed payload (`compressPayload`).
 * @throws {TypeError} if an argument has the wrong type.
 * @throws {RangeError} if a key, the nonce or a header field is out of range.
 */
export function sealEnvelopeWithNonce(
  header: EnvelopeHeader,
  plaintext: Uint8Array,
  keys: SealKeys,
  nonce: Uint8Array
): Uint8Array {
  const { out, ctEnd } = encryptInto(header, plaintext, keys, nonce)
  out.set(signLabelled(SignatureLabel.envelope, keys.authorSecretKey, out.subarray(0, ctEnd)), ctEnd)
  return out
}

/** Header, nonce and ciphertext written into one array with room for the signature at `ctEnd`. */
function encryptInto(header: EnvelopeHeader, plaintext: Uint8Array, keys: SealKeys, nonce: Uint8Array): { out: Uint8Array; ctEnd: number } {
  assertBytes(plaintext, 'plaintext')
  assertBytes(keys.epochKey, 'keys.epochKey', AEAD_KEY_LENGTH)
  assertBytes(keys.authorSecretKey, 'keys.authorSecretKey', ED25519_SECRET_KEY_LENGTH)
  assertBytes(nonce, 'nonce', AEAD_NONCE_LENGTH)
  const headerBytes = encodeHeader(header)
  const h = headerBytes.length
  const ctEnd = h + AEAD_NONCE_LENGTH + plaintext.length + AEAD_TAG_LENGTH
  // one allocation for the whole envelope; the cipher writes its output in place
  const out = new Uint8Array(ctEnd + ED25519_SIGNATURE_LENGTH)
  out.set(headerBytes)
  out.set(nonce, h)
  const aad = concatBytes(aadLabel(header.kind), headerBytes)
  aeadSeal(keys.epochKey, nonce, aad, plaintext, out.subarray(h + AEAD_NONCE_LENGTH, ctEnd))
  return { out, ctEnd }
}

/**
 * `sealEnvelope`, signing with the platform's Ed25519 where there is one (see
 * `signLabelledAsync`): the same envelope format, the same signature bytes.
 * @throws everything `sealEnvelope` throws.
 */
export async function sealEnvelopeAsync(header: EnvelopeHeader, plaintext: Uint8Array, keys: SealKeys): Promise<Uint8Array> {
  if (header !== null && typeof header === 'object' && header.codec !== undefined) {
    throw new TypeError('header.codec: a compressed snapshot is sealed with sealSnapshot')
  }
  const { out, ctEnd } = encryptInto(header, plaintext, keys, randomBytes(AEAD_NONCE_LENGTH))
  out.set(await signLabelledAsync(SignatureLabel.envelope, keys.authorSecretKey, out.subarray(0, ctEnd)), ctEnd)
  return out
}

/**
 * Seals a Yjs update (or a snapshot of the whole doc state) into a signed, encrypted
 * envelope with a fresh random nonce. `header.author` must be the public key of
 * `keys.authorSecretKey` (not re-derived here, to keep sealing cheap; receivers reject
 * a mismatch as `SignatureInvalidError`).
 * @throws {TypeError} if an argument has the wrong type, or a snapshot has no `covers`.
 * @throws {RangeError} if a key or header field is out of range.
 * @example const bytes = sealEnvelope({ docId, epoch, author: pk, seq: 1, kind: 'update' }, update, { epochKey, authorSecretKey: sk })
 */
export function sealEnvelope(
  header: EnvelopeHeader,
  plaintext: Uint8Array,
  keys: { epochKey: Uint8Array; authorSecretKey: Uint8Array }
): Uint8Array {
  if (header !== null && typeof header === 'object' && header.codec !== undefined) {
    throw new TypeError('header.codec: a compressed snapshot is sealed with sealSnapshot')
  }
  return sealEnvelopeWithNonce(header, plaintext, keys, randomBytes(AEAD_NONCE_LENGTH))
}

/**
 * Seals a snapshot of a whole doc state: compressed (`codec: 'deflate-raw'`, the default)
 * or raw. Compression is for snapshots only (see `compression.ts` on CRIME-style length
 * leaks). Any `codec` on `header` is replaced by the one chosen here. The compressed
 * payload is inflated once more and compared with `state` before it is sealed.
 * @throws {TypeError} if an argument has the wrong type, or `header` is not a snapshot with `covers`.
 * @throws {CompressedPayloadError} if the compressed payload would not give back `state`.
 * @throws {RangeError} if a key or header field is out of range.
 * @example const bytes = await sealSnapshot({ docId, epoch, author: pk, seq: 9, kind: 'snapshot', covers }, state, { epochKey, authorSecretKey: sk })
 */
export async function sealSnapshot(
  header: EnvelopeHeader,
  state: Uint8Array,
  keys: SealKeys,
  opts: { compress?: boolean } = {}
): Promise<Uint8Array> {
  if (header === null || typeof header !== 'object' || header.kind !== 'snapshot') throw new TypeError('sealSnapshot: expected a snapshot header')
  assertBytes(state, 'state')
  const rest: EnvelopeHeader = { ...header }
  delete rest.codec
  if (opts.compress === false) return sealEnvelopeWithNonce(rest, state, keys, randomBytes(AEAD_NONCE_LENGTH))
  const payload = await compressPayload(state)
  // a snapshot replaces the update log: a payload that would not give back exactly these
  // bytes must never be sealed (this costs one inflate, at compaction only)
  if (!equalBytes(await decompressPayload(payload, state.length), state)) {
    throw new CompressedPayloadError('sealSnapshot: the compressed payload does not inflate to the state')
  }
  return sealEnvelopeWithNonce({ ...rest, codec: 'deflate-raw' }, payload, keys, randomBytes(AEAD_NONCE_LENGTH))
}

/**
 * Reads an envelope's header without any cryptography — for stores and mailboxes that
 * hold no keys. Checks the size cap and the whole envelope's structure.
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {EnvelopeTooLargeError} if `bytes` exceeds `opts.maxBytes`.
 * @throws {EnvelopeFormatError} if the bytes are not a well-formed envelope.
 */
export function parseEnvelopeHeader(bytes: Uint8Array, opts: { maxBytes?: number } = {}): EnvelopeHeader {
  return parse(bytes, opts.maxBytes).header
}

function checkAuthorAndSignature(p: ParsedEnvelope, opts: OpenOptions): void {
  if (opts.isAllowed !== undefined && !opts.isAllowed(p.header.author, p.header)) {
    throw new AuthorNotAllowedError('envelope: author is not allowed to write this doc at this epoch')
  }
  if (!verifyLabelled(SignatureLabel.envelope, p.header.author, p.signed, p.signature)) {
    throw new SignatureInvalidError('envelope: signature does not verify')
  }
}

/**
 * Checks an envelope's size, format, author and signature without decrypting — so a
 * mailbox can refuse forgeries without holding keys.
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {EnvelopeTooLargeError} if `bytes` exceeds `opts.maxBytes`.
 * @throws {EnvelopeFormatError} if the bytes are malformed.
 * @throws {AuthorNotAllowedError} if `opts.isAllowed` refuses the author.
 * @throws {SignatureInvalidError} if the author's signature does not verify.
 */
export function verifyEnvelope(bytes: Uint8Array, opts: OpenOptions = {}): EnvelopeHeader {
  const p = parse(bytes, opts.maxBytes)
  checkAuthorAndSignature(p, opts)
  return p.header
}

/**
 * Opens an envelope, in DESIGN §5's order: size cap → parse header → author allowed →
 * verify signature → key lookup → decrypt. Fails closed: without a key there is an
 * error, never plaintext. (Sequence checks are the caller's, with `createSequenceTracker`.)
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {RangeError} if `keys.epochKey` returns something other than 32 bytes.
 * @throws {EnvelopeTooLargeError} if `bytes` exceeds `opts.maxBytes` (default 4 MiB).
 * @throws {EnvelopeFormatError} if the bytes are malformed.
 * @throws {AuthorNotAllowedError} if `opts.isAllowed` refuses the author.
 * @throws {SignatureInvalidError} if the author's signature does not verify.
 * @throws {KeyUnavailableError} if no key is held for the doc and epoch.
 * @throws {DecryptError} if the payload does not authenticate under that key.
 * @throws {CompressedPayloadError} for a compressed snapshot (checked and decrypted, then
 *   refused: its payload is not the state; `openEnvelopeAsync` inflates it).
 * @example const { header, plaintext } = openEnvelope(bytes, { epochKey: (d, e) => keyring.get(d, e) })
 */
export function openEnvelope(
  bytes: Uint8Array,
  keys: { epochKey(docId: Uint8Array, epoch: number): Uint8Array | undefined },
  opts?: { maxBytes?: number; isAllowed?(author: Uint8Array, header: EnvelopeHeader): boolean }
): { header: EnvelopeHeader; plaintext: Uint8Array } {
  const options = opts ?? {}
  const p = parse(bytes, options.maxBytes)
  const plaintext = decrypt(p, keys, options)
  // fail closed: a compressed payload must never reach a caller as if it were the state
  if (p.header.codec !== undefined) throw new CompressedPayloadError('openEnvelope: a compressed snapshot is opened with openEnvelopeAsync')
  return { header: p.header, plaintext }
}

function decrypt(p: ParsedEnvelope, keys: OpenKeys, opts: OpenOptions): Uint8Array {
  checkAuthorAndSignature(p, opts)
  return decryptVerified(p, keys)
}

/** As `checkAuthorAndSignature`, with the platform's Ed25519 where there is one. */
async function checkAuthorAndSignatureAsync(p: ParsedEnvelope, opts: OpenOptions): Promise<void> {
  if (opts.isAllowed !== undefined && !opts.isAllowed(p.header.author, p.header)) {
    throw new AuthorNotAllowedError('envelope: author is not allowed to write this doc at this epoch')
  }
  if (!(await verifyLabelledAsync(SignatureLabel.envelope, p.header.author, p.signed, p.signature))) {
    throw new SignatureInvalidError('envelope: signature does not verify')
  }
}

/** The key an envelope is sealed under. */
function keyOf(p: ParsedEnvelope, keys: OpenKeys): Uint8Array {
  const key = keys.epochKey(p.header.docId, p.header.epoch)
  if (key === undefined) throw new KeyUnavailableError(`envelope: no key for this doc at epoch ${p.header.epoch}`)
  assertBytes(key, 'epochKey()', AEAD_KEY_LENGTH)
  return key
}

/** Key lookup and AEAD open of an envelope whose author and signature were checked. */
function decryptVerified(p: ParsedEnvelope, keys: OpenKeys): Uint8Array {
  return aeadOpen(keyOf(p, keys), p.nonce, concatBytes(aadLabel(p.header.kind), p.headerBytes), p.ct)
}

/**
 * Opens any envelope, compressed snapshots included: as `openEnvelope`, then — only after
 * the signature and the AEAD tag have been checked — inflates a compressed snapshot's
 * payload under `opts.maxInflatedBytes`. `plaintext` is always the Yjs update or state.
 * @throws everything `openEnvelope` throws; a compressed snapshot is inflated rather than refused.
 * @throws {InflatedTooLargeError} if a compressed snapshot declares more state than `opts.maxInflatedBytes`.
 * @throws {CompressedPayloadError} if a compressed snapshot's payload is malformed.
 * @example const { header, plaintext } = await openEnvelopeAsync(bytes, keys, { maxBytes, maxInflatedBytes: 64 << 20 })
 */
export async function openEnvelopeAsync(
  bytes: Uint8Array,
  keys: OpenKeys,
  opts: OpenOptions & { maxInflatedBytes?: number } = {}
): Promise<{ header: EnvelopeHeader; plaintext: Uint8Array }> {
  const p = parse(bytes, opts.maxBytes)
  await checkAuthorAndSignatureAsync(p, opts)
  const sealed = decryptVerified(p, keys)
  if (p.header.codec === undefined) return { header: p.header, plaintext: sealed }
  // fail closed: the parts of a snapshot in parts are not one state
  if (p.header.codec === 'deflate-raw-parts') throw new CompressedPayloadError('openEnvelopeAsync: a snapshot in parts is opened with openEnvelopeParts')
  return { header: p.header, plaintext: await decompressPayload(sealed, opts.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES) }
}

/**
 * Verifies and decrypts an envelope somewhere other than this thread (a worker), given the
 * key the caller looked up: resolves with exactly what `verifyAndDecrypt` would return,
 * and rejects with the same named errors.
 */
export type EnvelopeDecrypter = (envelope: Uint8Array, epochKey: Uint8Array, maxBytes: number | undefined) => Promise<Uint8Array>

let offThreadDecrypter: EnvelopeDecrypter | undefined

/** Envelopes at least this big are verified and decrypted by the installed `EnvelopeDecrypter`. */
export const OFF_THREAD_MIN_BYTES = 512 * 1024

/**
 * Installs (or, with `undefined`, removes) the decrypter big envelopes go to in
 * `openEnvelopeParts`: checking the signature of a snapshot of several MB and decrypting it
 * held a page for about 100 ms in Chromium (the cipher is plain JavaScript).
 */
export function useEnvelopeDecrypter(decrypter: EnvelopeDecrypter | undefined): void {
  offThreadDecrypter = decrypter
}

/**
 * Verifies an envelope's signature, then decrypts it under `epochKey`: what an
 * `EnvelopeDecrypter` runs in a worker. The author check against a consent list is the
 * caller's, before (it needs the record's grants).
 * @throws {EnvelopeTooLargeError} if `bytes` exceeds `maxBytes`.
 * @throws {EnvelopeFormatError} if the bytes are malformed.
 * @throws {SignatureInvalidError} if the author's signature does not verify.
 * @throws {DecryptError} if the payload does not authenticate under `epochKey`.
 */
export async function verifyAndDecrypt(bytes: Uint8Array, epochKey: Uint8Array, maxBytes?: number): Promise<Uint8Array> {
  const p = parse(bytes, maxBytes)
  await checkAuthorAndSignatureAsync(p, {})
  return decryptVerified(p, { epochKey: () => epochKey })
}

/**
 * Opens any envelope and hands its Yjs updates to `onUpdate`, in order: the one update of
 * an update envelope or of a single-state snapshot, or each part of a snapshot in parts
 * as soon as it is inflated (so that applying one overlaps inflating the next). As
 * `openEnvelopeAsync`, nothing is handed over before the signature and the AEAD tag have
 * been checked. A malformed part stops the hand-over there: the parts before it were
 * authenticated with the rest and are a prefix, in clock order, of the author's state.
 * `share` is the part's share of the whole state (1 for a single update), for progress.
 * With `transientParts`, `onUpdate` promises to keep no reference to a part once it
 * returns, and the part's buffer may be reused (see `InflatePartsOptions.transient`).
 * @throws everything `openEnvelopeAsync` throws, and whatever `onUpdate` throws.
 * @example const header = await openEnvelopeParts(bytes, keys, { maxBytes }, (u) => Y.applyUpdate(doc, u))
 */
export async function openEnvelopeParts(
  bytes: Uint8Array,
  keys: OpenKeys,
  opts: OpenOptions & { maxInflatedBytes?: number; transientParts?: boolean },
  onUpdate: (update: Uint8Array, share: number) => void | Promise<void>
): Promise<EnvelopeHeader> {
  const p = parse(bytes, opts.maxBytes)
  let sealed: Uint8Array
  const decrypter = offThreadDecrypter
  if (decrypter !== undefined && bytes.length >= OFF_THREAD_MIN_BYTES) {
    // the same order: author allowed and key held (here), signature then decryption (there)
    if (opts.isAllowed !== undefined && !opts.isAllowed(p.header.author, p.header)) {
      throw new AuthorNotAllowedError('envelope: author is not allowed to write this doc at this epoch')
    }
    sealed = await decrypter(bytes, keyOf(p, keys), opts.maxBytes)
  } else {
    await checkAuthorAndSignatureAsync(p, opts)
    sealed = decryptVerified(p, keys)
  }
  const max = opts.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES
  if (p.header.codec === undefined) await onUpdate(sealed, 1)
  else if (p.header.codec === 'deflate-raw') await onUpdate(await decompressPayload(sealed, max), 1)
  else {
    const transient = opts.transientParts === true
    await inflateParts(sealed, max, (part, _, of) => onUpdate(part, of.inflatedBytes === 0 ? 1 / of.parts : part.length / of.inflatedBytes), { transient })
  }
  return p.header
}

/**
 * Seals a snapshot in parts (`codec: 'deflate-raw-parts'`): each part a whole Yjs update,
 * together the doc's state (the caller checks that, e.g. with the record's
 * `stateMatchesParts`). The payload is inflated once more and compared part by part.
 * @throws {TypeError} if `header` is not a snapshot with `covers`, or a part is not bytes.
 * @throws {RangeError} if there is no part or one is over `MAX_PART_BYTES`.
 * @throws {CompressedPayloadError} if the payload would not give back the parts.
 */
export async function sealSnapshotParts(header: EnvelopeHeader, parts: readonly Uint8Array[], keys: SealKeys): Promise<Uint8Array> {
  if (header === null || typeof header !== 'object' || header.kind !== 'snapshot') throw new TypeError('sealSnapshotParts: expected a snapshot header')
  const payload = await compressParts(parts)
  let at = 0
  let same = true
  await inflateParts(payload, Number.MAX_SAFE_INTEGER, (part, i) => {
    same &&= i === at && equalBytes(part, parts[i] as Uint8Array)
    at++
  })
  if (!same || at !== parts.length) throw new CompressedPayloadError('sealSnapshotParts: the compressed payload does not inflate to the parts')
  return sealEnvelopeWithNonce({ ...header, codec: 'deflate-raw-parts' }, payload, keys, randomBytes(AEAD_NONCE_LENGTH))
}
