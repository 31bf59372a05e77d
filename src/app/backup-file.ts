/**
 * The encrypted backup file's container: a header that names the passphrase KDF, then
 * the content cut into segments, each sealed on its own, so that neither writing nor
 * reading ever holds more than one segment of it (a record with attachments may be large).
 *
 * ```
 * file      = header ‖ segment₀ ‖ … ‖ segmentₙ            (segmentₙ alone has final = 1; the file ends there)
 * header    = "PHRBAK" ‖ version 0x01 ‖ kdf 0x01 (scrypt) ‖ log2N (1) ‖ r (1) ‖ p (1) ‖ salt (16)
 *             ‖ check (16) ‖ sum (8)                         51 bytes
 * ikm       = scrypt(NFKC(passphrase) as UTF-8, salt, N = 2^log2N, r, p, dkLen = 32)
 * key       = HKDF-SHA256(ikm, salt = header[0..27), info = "phr/v1/backup/key", 32)
 * check     = HKDF-SHA256(ikm, salt = header[0..27), info = "phr/v1/backup/check", 16)
 * sum       = SHA-256(header[0..43))[0..8]
 * segmentᵢ  = final (1: 0x00 | 0x01) ‖ length (u32 BE: 16 ..= SEGMENT_BYTES + 16) ‖ nonce (24) ‖ ct
 * ct        = XChaCha20-Poly1305(key, nonce, aad = "phr/v1/backup-segment" ‖ header ‖ i (u64 BE) ‖ final, plaintextᵢ)
 * ```
 *
 * Why each part:
 * - The index and the final flag are bound as associated data (the STREAM construction,
 *   Hoang–Reyhanitabar–Rogaway–Vizár 2015): a segment moved, dropped, repeated, or taken
 *   from another file (another header, so another key and other associated data) fails to
 *   open; a file cut at a segment boundary lacks its final segment; bytes after the final
 *   segment are refused.
 * - `check` tells a wrong passphrase (`WrongPassphraseError`) from a damaged segment
 *   (`BackupDamagedError`) before any segment is opened. It gives an attacker nothing the
 *   first segment's tag would not: each guess still costs one scrypt.
 * - `sum` is not a security feature (anyone can recompute it); like the key store's
 *   checksum it tells a damaged header from a wrong passphrase.
 * - Every length is declared before what it measures and checked against its cap before
 *   anything is allocated or read.
 *
 * Segments carry `SEGMENT_BYTES` (256 KiB) of plaintext except the last, which may carry
 * less (or none). Random 24-byte nonces are safe under one key for far more segments than
 * a file can hold (XChaCha20's 192-bit nonce).
 */
import { concatBytes, createWriter, equalBytes, FormatError, InputTooLargeError, PhrError, utf8Encode, wipe, WrongPassphraseError, DecryptError } from '../lib/index.ts'
import {
  AEAD_NONCE_LENGTH,
  AEAD_TAG_LENGTH,
  AeadLabel,
  aeadOpen,
  aeadSeal,
  DEFAULT_SCRYPT_PARAMS,
  derivePassphraseKey,
  hkdfSha256,
  KdfLabel,
  labelBytes,
  randomBytes,
  sha256,
  type ScryptParams
} from '../crypto/index.ts'

/** The file is not a backup of this app (bad magic), or of a version or KDF it does not know. */
export class BackupFormatError extends FormatError {
  override name: string = 'BackupFormatError'
}

/** The file was a backup but has been changed: a damaged byte, cut short, bytes added, segments moved. */
export class BackupDamagedError extends PhrError {
  override name: string = 'BackupDamagedError'
}

/** The file is larger than any backup this app opens. */
export class BackupTooLargeError extends InputTooLargeError {
  override name: string = 'BackupTooLargeError'
}

const MAGIC = utf8Encode('PHRBAK')
const VERSION = 1
const KDF_SCRYPT = 1
const SALT_LENGTH = 16
const CHECK_LENGTH = 16
const SUM_LENGTH = 8
/** Bytes of the header that the KDF salt and the HKDF salt cover. */
const PARAMS_END = MAGIC.length + 5 + SALT_LENGTH // 27
const CHECK_END = PARAMS_END + CHECK_LENGTH // 43
/** Length of the file header. */
export const BACKUP_HEADER_BYTES = CHECK_END + SUM_LENGTH // 51
/** Plaintext bytes per segment (the last may carry fewer). */
export const SEGMENT_BYTES = 256 * 1024
/** A segment's framing before its ciphertext: final flag, length, nonce. */
const FRAME_BYTES = 1 + 4 + AEAD_NONCE_LENGTH
/** The largest file this app opens (64 GiB). */
export const MAX_BACKUP_BYTES = 64 * 1024 ** 3
/** Most scrypt memory a backup may ask for when opened (256 MiB, as the key store). */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024

/** The keys of one backup file, derived from its passphrase. Wipe with `wipeBackupKeys`. */
export interface BackupKeys {
  readonly header: Uint8Array
  readonly key: Uint8Array
}

/** Zeroes the segment key. */
export function wipeBackupKeys(keys: BackupKeys): void {
  wipe(keys.key)
}

function derive(ikm: Uint8Array, header: Uint8Array): { key: Uint8Array; check: Uint8Array } {
  const salt = header.subarray(0, PARAMS_END)
  return {
    key: hkdfSha256(ikm, salt, labelBytes(KdfLabel.backupKey), 32),
    check: hkdfSha256(ikm, salt, labelBytes(KdfLabel.backupCheck), CHECK_LENGTH)
  }
}

function segmentAad(header: Uint8Array, index: number, final: boolean): Uint8Array {
  const tail = new Uint8Array(9)
  const view = new DataView(tail.buffer)
  view.setBigUint64(0, BigInt(index))
  tail[8] = final ? 1 : 0
  return concatBytes(labelBytes(AeadLabel.backupSegment), header, tail)
}

/** Options of `createBackupWriter`. */
export interface BackupWriterOptions {
  /** scrypt parameters (tests lower them). @default DEFAULT_SCRYPT_PARAMS (N = 2^16, r = 8, p = 1) */
  scrypt?: ScryptParams
}

/** Writes one backup file: content in, sealed parts out. */
export interface BackupWriter {
  /** Adds content; full segments are sealed and handed to the sink as they fill. */
  write(bytes: Uint8Array): Promise<void>
  /** Seals what is left as the final segment; the writer is done. */
  finish(): Promise<void>
  /** Bytes handed to the sink so far. */
  readonly written: number
}

/**
 * Starts a backup file sealed under `passphrase`: the header goes to `sink` at once, then
 * one part per segment.
 * @throws {RangeError} for an empty or too long passphrase or out-of-range scrypt parameters
 * @example const w = await createBackupWriter('pass', (p) => parts.push(p)); await w.write(bytes); await w.finish()
 */
export async function createBackupWriter(passphrase: string, sink: (part: Uint8Array) => void | Promise<void>, opts: BackupWriterOptions = {}): Promise<BackupWriter> {
  const params = opts.scrypt ?? DEFAULT_SCRYPT_PARAMS
  const salt = randomBytes(SALT_LENGTH)
  const ikm = await derivePassphraseKey(passphrase, salt, params)
  const head = createWriter().bytes(MAGIC).byte(VERSION).byte(KDF_SCRYPT).byte(params.log2N).byte(params.r).byte(params.p).bytes(salt).finish()
  const { key, check } = derive(ikm, head)
  wipe(ikm)
  const unsummed = concatBytes(head, check)
  const header = concatBytes(unsummed, sha256(unsummed).subarray(0, SUM_LENGTH))
  let written = 0
  const emit = async (part: Uint8Array): Promise<void> => {
    await sink(part)
    written += part.length
  }
  await emit(header)
  let buffer = new Uint8Array(SEGMENT_BYTES)
  let fill = 0
  let index = 0
  let done = false
  const seal = async (plaintext: Uint8Array, final: boolean): Promise<void> => {
    const nonce = randomBytes(AEAD_NONCE_LENGTH)
    const ct = aeadSeal(key, nonce, segmentAad(header, index, final), plaintext)
    const part = new Uint8Array(FRAME_BYTES + ct.length)
    part[0] = final ? 1 : 0
    new DataView(part.buffer).setUint32(1, ct.length)
    part.set(nonce, 5)
    part.set(ct, FRAME_BYTES)
    index++
    await emit(part)
  }
  return {
    get written() {
      return written
    },
    async write(bytes) {
      if (done) throw new Error('backup writer: already finished')
      let off = 0
      while (off < bytes.length) {
        const n = Math.min(SEGMENT_BYTES - fill, bytes.length - off)
        buffer.set(bytes.subarray(off, off + n), fill)
        fill += n
        off += n
        if (fill === SEGMENT_BYTES) {
          await seal(buffer, false)
          buffer = new Uint8Array(SEGMENT_BYTES)
          fill = 0
        }
      }
    },
    async finish() {
      if (done) return
      done = true
      try {
        await seal(buffer.subarray(0, fill), true)
      } finally {
        wipe(key, buffer)
      }
    }
  }
}

/** Random access to a backup file (a `File` in the browser, bytes in tests). */
export interface BackupSource {
  readonly size: number
  /** `length` bytes from `offset` (fewer only past the end). */
  read(offset: number, length: number): Promise<Uint8Array>
}

/** A backup source over bytes in memory. */
export function bytesSource(bytes: Uint8Array): BackupSource {
  return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, offset + length) }
}

/** A backup source over a `Blob` (a `File` the user picked); reads one segment at a time. */
export function blobSource(blob: Blob): BackupSource {
  return { size: blob.size, read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()) }
}

async function readExactly(source: BackupSource, offset: number, length: number, what: string): Promise<Uint8Array> {
  if (offset + length > source.size) throw new BackupDamagedError(`backup: the file ends inside ${what} (cut short)`)
  const bytes = await source.read(offset, length)
  if (bytes.length !== length) throw new BackupDamagedError(`backup: the file ends inside ${what} (cut short)`)
  return bytes
}

/**
 * Reads the header of a backup and derives its keys from `passphrase`.
 * @throws {BackupTooLargeError} for a file above `MAX_BACKUP_BYTES`
 * @throws {BackupFormatError} when it is not a backup file, or of an unknown version or KDF
 * @throws {BackupDamagedError} when the header was changed
 * @throws {WrongPassphraseError} when the passphrase is not the backup's
 */
export async function openBackupKeys(source: BackupSource, passphrase: string): Promise<BackupKeys> {
  if (source.size > MAX_BACKUP_BYTES) throw new BackupTooLargeError(`backup: ${source.size} bytes exceeds the cap of ${MAX_BACKUP_BYTES}`)
  if (source.size < MAGIC.length) throw new BackupFormatError('backup: not a backup file (too short)')
  const magic = await readExactly(source, 0, MAGIC.length, 'the header')
  if (!equalBytes(magic, MAGIC)) throw new BackupFormatError('backup: not a backup file (bad magic)')
  const header = (await readExactly(source, 0, BACKUP_HEADER_BYTES, 'the header')).slice()
  if (!equalBytes(sha256(header.subarray(0, CHECK_END)).subarray(0, SUM_LENGTH), header.subarray(CHECK_END))) {
    throw new BackupDamagedError('backup: the header is damaged (checksum mismatch)')
  }
  const version = header[MAGIC.length]
  if (version !== VERSION) throw new BackupFormatError(`backup: unsupported version ${String(version)}`)
  const kdf = header[MAGIC.length + 1]
  if (kdf !== KDF_SCRYPT) throw new BackupFormatError(`backup: unsupported key derivation ${String(kdf)}`)
  const params: ScryptParams = { log2N: header[MAGIC.length + 2]!, r: header[MAGIC.length + 3]!, p: header[MAGIC.length + 4]! }
  const salt = header.subarray(MAGIC.length + 5, PARAMS_END)
  let ikm: Uint8Array
  try {
    ikm = await derivePassphraseKey(passphrase, salt, params, { maxMemoryBytes: MAX_SCRYPT_MEMORY })
  } catch (err) {
    // the checksum passed, so these parameters were written so: refuse them as a format this app does not open
    if (err instanceof RangeError && !/passphrase/.test(err.message)) throw new BackupFormatError(`backup: ${err.message}`, { cause: err })
    throw err
  }
  const { key, check } = derive(ikm, header)
  wipe(ikm)
  if (!equalBytes(check, header.subarray(PARAMS_END, CHECK_END))) {
    wipe(key)
    throw new WrongPassphraseError('backup: wrong passphrase')
  }
  return { header, key }
}

/**
 * The plaintext of each segment of a backup in order, each opened and checked before it is
 * yielded. `onProgress` gets the fraction of the file read.
 * @throws {BackupDamagedError} when a segment does not open, is out of place, the file is
 *   cut short or has bytes after its final segment, or a segment declares a length over its cap
 */
export async function* backupSegments(source: BackupSource, keys: BackupKeys, onProgress?: (fraction: number) => void): AsyncGenerator<Uint8Array> {
  let offset = BACKUP_HEADER_BYTES
  for (let index = 0; ; index++) {
    const frame = await readExactly(source, offset, FRAME_BYTES, `segment ${index}`)
    const flag = frame[0]
    if (flag !== 0 && flag !== 1) throw new BackupDamagedError(`backup: segment ${index} has an unknown flag ${String(flag)}`)
    const length = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(1)
    // the cap is checked before the segment is read: a damaged length allocates nothing
    if (length < AEAD_TAG_LENGTH || length > SEGMENT_BYTES + AEAD_TAG_LENGTH) {
      throw new BackupDamagedError(`backup: segment ${index} declares ${length} bytes, outside ${AEAD_TAG_LENGTH}..${SEGMENT_BYTES + AEAD_TAG_LENGTH}`)
    }
    const nonce = frame.slice(5, FRAME_BYTES)
    const ct = await readExactly(source, offset + FRAME_BYTES, length, `segment ${index}`)
    const final = flag === 1
    let plaintext: Uint8Array
    try {
      // RFC 8439 §2.8: authenticate before anything of the plaintext is used
      plaintext = aeadOpen(keys.key, nonce, segmentAad(keys.header, index, final), ct)
    } catch (err) {
      if (err instanceof DecryptError) throw new BackupDamagedError(`backup: segment ${index} is damaged or out of place`, { cause: err })
      throw err
    }
    offset += FRAME_BYTES + length
    onProgress?.(offset / source.size)
    if (final && offset !== source.size) throw new BackupDamagedError(`backup: ${source.size - offset} bytes after the final segment`)
    yield plaintext
    if (final) return
  }
}
