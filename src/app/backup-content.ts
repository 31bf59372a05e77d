/**
 * What a backup file holds (inside the sealed segments of `backup-file.ts`), how it is
 * written from a record's store, and how it is restored into an empty one.
 *
 * ```
 * content  = manifest ‖ item* ‖ end
 * manifest = 0x4d ‖ version 0x01 ‖ createdAt (varuint, ms) ‖ label (varstring ≤ 64)
 * item     = 0x01 ‖ snapshot envelope (varbytes ≤ MAX_SNAPSHOT_BYTES)   a doc's stored snapshot, before its updates
 *          | 0x02 ‖ envelope (varbytes ≤ MAX_SNAPSHOT_BYTES)            what the doc holds beyond that snapshot
 *          | 0x03 ‖ name (varstring ≤ 256) ‖ value (varbytes ≤ 16 MiB) a meta record (sealed under the vault key,
 *                                                                       the vault key itself sealed under the passphrase)
 *          | 0x04 ‖ blobId (varstring ≤ 128) ‖ index (varuint < 2^20) ‖ chunk (varbytes ≤ MAX_CHUNK_BYTES + 40)
 * end      = 0x00 ‖ docs ‖ snapshots ‖ envelopes ‖ metas ‖ chunks (varuints: how many of each came before)
 * ```
 *
 * Every item is copied byte for byte: envelopes stay signed by their authors and sealed
 * under their compartment keys, meta records stay sealed under the vault key. The file's
 * own sealing (under the passphrase) is on top, so that nothing of the record, not even
 * its doc ids, authors and sizes, can be read from the file without the passphrase.
 *
 * A doc is backed up as `EnvelopeStore.read` gives it: its newest snapshot and the
 * envelopes it does not cover. That is the whole record as any reader sees it (the same
 * state, the same vector), not every row: a snapshot envelope a peer sent, whose own seq
 * the stored snapshot covers but whose cover reaches further, is not carried over.
 *
 * The backup passphrase is the record's own: exporting checks that it opens the vault,
 * and the restored record opens with it.
 *
 * Restoring reads the file twice. The first pass opens every segment, parses every item,
 * and checks that the record's vault opens with the passphrase — without writing
 * anything. Only then is the target asked for, checked empty, and written in a second
 * pass, the vault key last: a failure during the write (a full disk, a file changed in
 * between) leaves no record that opens, and the caller discards the target.
 */
import { FormatError, PhrError, utf8Decode, utf8Encode, createWriter, toHex, EnvelopeFormatError, EnvelopeTooLargeError } from '../lib/index.ts'
import { parseEnvelopeHeader } from '../envelope/index.ts'
import { createMemoryStore, docIdFromHex, MAX_SNAPSHOT_BYTES, type EnvelopeStore } from '../storage/index.ts'
import type { ScryptParams } from '../crypto/index.ts'
import { openVaultContents, unlockVault, NoRecordError } from './record-session.ts'
import { backupSegments, createBackupWriter, openBackupKeys, wipeBackupKeys, BackupFormatError, type BackupSource } from './backup-file.ts'

/** The restore target already holds something: nothing was written. */
export class RestoreTargetNotEmptyError extends PhrError {
  override name: string = 'RestoreTargetNotEmptyError'
}

const Item = { end: 0x00, snapshot: 0x01, envelope: 0x02, meta: 0x03, chunk: 0x04, manifest: 0x4d } as const
const CONTENT_VERSION = 1
/** Longest label of a backup (what kind of record it holds, for the app). */
export const MAX_BACKUP_LABEL_BYTES = 64
const MAX_META_NAME_BYTES = 256
const MAX_META_BYTES = 16 * 1024 * 1024
const MAX_BLOB_ID_BYTES = 128
const MAX_CHUNK_INDEX = 2 ** 20 - 1
/** An attachment chunk's largest sealed size (`MAX_CHUNK_BYTES` plaintext, nonce and tag). */
const MAX_SEALED_CHUNK_BYTES = 4 * 1024 * 1024 + 40
/** The vault key's meta name (`record-session.ts`): written last on restore. */
const VAULT_KEY_META = 'vault-key'
/** Envelopes per `append` when restoring, and bytes per batch. */
const APPEND_BATCH = 256
const APPEND_BATCH_BYTES = 8 * 1024 * 1024
const CHUNKS_PER_WRITE = 8

/** What the file says about itself. */
export interface BackupManifest {
  /** When it was written (ms since the epoch). */
  readonly createdAt: number
  /** What kind of record it holds, for the app (e.g. `demo`, `own`). */
  readonly label: string
}

/** How much a backup holds. */
export interface BackupCounts {
  docs: number
  snapshots: number
  envelopes: number
  metas: number
  chunks: number
}

const zeroCounts = (): BackupCounts => ({ docs: 0, snapshots: 0, envelopes: 0, metas: 0, chunks: 0 })

/** Options of `writeRecordBackup`. */
export interface WriteBackupOptions {
  /** Stored in the manifest (≤ 64 bytes). */
  label: string
  /** scrypt parameters of the file. @default DEFAULT_SCRYPT_PARAMS */
  scrypt?: ScryptParams
  /** @default Date.now */
  clock?: () => number
  /** Fraction of the record written so far. */
  onProgress?: (fraction: number) => void
}

/**
 * Writes every doc, meta record and attachment chunk of the record in `store` as one
 * backup file sealed under `passphrase`, part by part into `sink`.
 * @returns what it holds and the file's size
 * @throws {WrongPassphraseError} when the passphrase does not open the record (nothing is written)
 * @throws {NoRecordError} when the store holds no record
 * @throws {RangeError} for a label over 64 bytes
 */
export async function writeRecordBackup(
  store: EnvelopeStore,
  passphrase: string,
  sink: (part: Uint8Array) => void | Promise<void>,
  opts: WriteBackupOptions
): Promise<BackupCounts & { bytes: number }> {
  if (utf8Encode(opts.label).length > MAX_BACKUP_LABEL_BYTES) throw new RangeError(`backup label: longer than ${MAX_BACKUP_LABEL_BYTES} bytes`)
  // the file must open with the record's own passphrase, so that the record restored from it does too
  ;(await unlockVault(store, passphrase)).fill(0)
  const docs = await store.docs()
  const metaNames = await store.metaNames()
  const blobs: Array<{ id: string; count: number }> = []
  for (const id of await store.blobIds()) blobs.push({ id, count: await store.chunkCount(id) })
  const total = docs.length + metaNames.length + blobs.reduce((n, b) => n + b.count, 0)
  let done = 0
  const step = (n = 1): void => {
    done += n
    opts.onProgress?.(total === 0 ? 1 : done / total)
  }

  const out = await createBackupWriter(passphrase, sink, opts.scrypt === undefined ? {} : { scrypt: opts.scrypt })
  const item = (kind: number) => createWriter().byte(kind)
  const counts = zeroCounts()
  await out.write(
    item(Item.manifest)
      .byte(CONTENT_VERSION)
      .varUint((opts.clock ?? Date.now)())
      .varString(opts.label)
      .finish()
  )
  for (const hex of docs) {
    const held = await store.read(docIdFromHex(hex))
    if (held.snapshot !== undefined || held.envelopes.length > 0) counts.docs++
    if (held.snapshot !== undefined) {
      await out.write(item(Item.snapshot).varBytes(held.snapshot).finish())
      counts.snapshots++
    }
    for (const env of held.envelopes) await out.write(item(Item.envelope).varBytes(env).finish())
    counts.envelopes += held.envelopes.length
    step()
  }
  for (const name of metaNames) {
    const value = await store.getMeta(name)
    if (value === undefined) continue // removed since it was listed: nothing to keep
    await out.write(item(Item.meta).varString(name).varBytes(value).finish())
    counts.metas++
    step()
  }
  for (const blob of blobs) {
    for (let index = 0; index < blob.count; index++) {
      const bytes = await store.getChunk(blob.id, index)
      if (bytes === undefined) throw new RangeError(`attachment ${blob.id}: chunk ${index} of ${blob.count} is missing from the store`)
      await out.write(item(Item.chunk).varString(blob.id).varUint(index).varBytes(bytes).finish())
      counts.chunks++
      step()
    }
  }
  await out.write(item(Item.end).varUint(counts.docs).varUint(counts.snapshots).varUint(counts.envelopes).varUint(counts.metas).varUint(counts.chunks).finish())
  await out.finish()
  opts.onProgress?.(1)
  return { ...counts, bytes: out.written }
}

/** Sequential reads over the plaintext of the segments, across their boundaries. */
class ContentReader {
  readonly #segments: AsyncIterator<Uint8Array>
  #buf: Uint8Array = new Uint8Array(0)
  #pos = 0
  #exhausted = false

  constructor(segments: AsyncIterator<Uint8Array>) {
    this.#segments = segments
  }

  async #more(label: string): Promise<void> {
    while (this.#pos >= this.#buf.length) {
      const next = this.#exhausted ? undefined : await this.#segments.next()
      if (next === undefined || next.done === true) {
        this.#exhausted = true
        throw new BackupFormatError(`backup content: ends inside ${label}`)
      }
      this.#buf = next.value
      this.#pos = 0
    }
  }

  async byte(label: string): Promise<number> {
    await this.#more(label)
    return this.#buf[this.#pos++]!
  }

  async varUint(label: string, max = Number.MAX_SAFE_INTEGER): Promise<number> {
    let value = 0
    let mult = 1
    for (let i = 0; ; i++) {
      if (i === 8) throw new BackupFormatError(`backup content: ${label} is longer than 8 bytes`)
      const b = await this.byte(label)
      value += (b & 0x7f) * mult
      if (b < 0x80) {
        if (b === 0 && i > 0) throw new BackupFormatError(`backup content: ${label} is not minimal`)
        break
      }
      mult *= 128
    }
    if (value > max) throw new BackupFormatError(`backup content: ${label} ${value} is above its cap ${max}`)
    return value
  }

  /** A declared length (checked against `max` before anything is allocated), then that many bytes. */
  async varBytes(label: string, max: number): Promise<Uint8Array> {
    const length = await this.varUint(`${label} length`, max)
    const out = new Uint8Array(length)
    let fill = 0
    while (fill < length) {
      await this.#more(label)
      const n = Math.min(length - fill, this.#buf.length - this.#pos)
      out.set(this.#buf.subarray(this.#pos, this.#pos + n), fill)
      this.#pos += n
      fill += n
    }
    return out
  }

  async varString(label: string, maxBytes: number): Promise<string> {
    const raw = await this.varBytes(label, maxBytes)
    try {
      return utf8Decode(raw)
    } catch (err) {
      throw new BackupFormatError(`backup content: ${label} is not UTF-8`, { cause: err })
    }
  }

  /** Throws unless the content ends here (the iterator then has checked the end of the file). */
  async end(): Promise<void> {
    if (this.#pos < this.#buf.length) throw new BackupFormatError('backup content: bytes after the end')
    const next = await this.#segments.next()
    if (next.done !== true) throw new BackupFormatError('backup content: bytes after the end')
  }
}

/** What a pass over the content does with each item (after the item was checked). */
interface ContentVisitor {
  snapshot(bytes: Uint8Array, doc: string): Promise<void>
  envelope(bytes: Uint8Array, doc: string): Promise<void>
  meta(name: string, value: Uint8Array): Promise<void>
  chunk(blobId: string, index: number, bytes: Uint8Array): Promise<void>
}

function envelopeDoc(bytes: Uint8Array, snapshot: boolean): string {
  try {
    const h = parseEnvelopeHeader(bytes, { maxBytes: MAX_SNAPSHOT_BYTES })
    if ((h.kind === 'snapshot') !== snapshot) throw new BackupFormatError(`backup content: a ${snapshot ? 'snapshot' : 'update'} item holds a ${h.kind} envelope`)
    return toHex(h.docId)
  } catch (err) {
    if (err instanceof EnvelopeFormatError || err instanceof EnvelopeTooLargeError) throw new BackupFormatError(`backup content: ${err.message}`, { cause: err })
    throw err
  }
}

/** Reads and checks the whole content, handing each item to `visit`. */
async function readContent(segments: AsyncIterator<Uint8Array>, visit: ContentVisitor): Promise<{ manifest: BackupManifest; counts: BackupCounts }> {
  const r = new ContentReader(segments)
  if ((await r.byte('manifest')) !== Item.manifest) throw new BackupFormatError('backup content: does not start with a manifest')
  const version = await r.byte('content version')
  if (version !== CONTENT_VERSION) throw new BackupFormatError(`backup content: unsupported version ${version}`)
  const manifest: BackupManifest = { createdAt: await r.varUint('createdAt'), label: await r.varString('label', MAX_BACKUP_LABEL_BYTES) }
  const counts = zeroCounts()
  const finishedDocs = new Set<string>()
  const metaNames = new Set<string>()
  const chunks = new Set<string>()
  let doc: string | undefined
  const enter = (next: string, snapshot: boolean): void => {
    if (next === doc && !snapshot) return
    // a doc's items are together, its snapshot first
    if (next === doc || finishedDocs.has(next)) throw new BackupFormatError(`backup content: doc ${next} appears twice`)
    if (doc !== undefined) finishedDocs.add(doc)
    doc = next
    counts.docs++
  }
  for (;;) {
    const kind = await r.byte('item')
    switch (kind) {
      case Item.snapshot: {
        const bytes = await r.varBytes('snapshot', MAX_SNAPSHOT_BYTES)
        const d = envelopeDoc(bytes, true)
        enter(d, true)
        counts.snapshots++
        await visit.snapshot(bytes, d)
        break
      }
      case Item.envelope: {
        const bytes = await r.varBytes('envelope', MAX_SNAPSHOT_BYTES)
        const d = envelopeDoc(bytes, false)
        enter(d, false)
        counts.envelopes++
        await visit.envelope(bytes, d)
        break
      }
      case Item.meta: {
        const name = await r.varString('meta name', MAX_META_NAME_BYTES)
        if (metaNames.has(name)) throw new BackupFormatError(`backup content: meta ${name} appears twice`)
        metaNames.add(name)
        counts.metas++
        await visit.meta(name, await r.varBytes('meta value', MAX_META_BYTES))
        break
      }
      case Item.chunk: {
        const blobId = await r.varString('blob id', MAX_BLOB_ID_BYTES)
        const index = await r.varUint('chunk index', MAX_CHUNK_INDEX)
        const key = `${blobId}:${index}`
        if (chunks.has(key)) throw new BackupFormatError(`backup content: chunk ${key} appears twice`)
        chunks.add(key)
        counts.chunks++
        await visit.chunk(blobId, index, await r.varBytes('chunk', MAX_SEALED_CHUNK_BYTES))
        break
      }
      case Item.end: {
        const declared = [counts.docs, counts.snapshots, counts.envelopes, counts.metas, counts.chunks]
        for (const [i, label] of ['docs', 'snapshots', 'envelopes', 'metas', 'chunks'].entries()) {
          if ((await r.varUint(`${label} count`)) !== declared[i]) throw new BackupFormatError(`backup content: the count of ${label} does not match`)
        }
        await r.end()
        return { manifest, counts }
      }
      default:
        throw new BackupFormatError(`backup content: unknown item ${kind}`)
    }
  }
}

/** Options of `restoreRecordBackup`. */
export interface RestoreBackupOptions {
  /** Fraction of the restore done so far (checking is the first half, writing the second). */
  onProgress?: (fraction: number) => void
}

/**
 * Restores a backup into the store `target` gives. The whole file is checked first and
 * `target` is called only when every segment opened, every item parsed and the record's
 * vault opened with `passphrase`; a wrong passphrase or a damaged file changes nothing.
 * @returns the manifest and what was restored
 * @throws {WrongPassphraseError} for a wrong passphrase
 * @throws {BackupFormatError} for a file that is not a backup this app opens
 * @throws {BackupDamagedError} for a damaged, cut or lengthened file
 * @throws {RestoreTargetNotEmptyError} when the target holds anything (nothing is written)
 * @throws the target's own errors while writing: the caller discards the target then (it
 *   holds no vault key, so nothing there opens)
 */
export async function restoreRecordBackup(
  source: BackupSource,
  passphrase: string,
  target: (manifest: BackupManifest) => Promise<EnvelopeStore>,
  opts: RestoreBackupOptions = {}
): Promise<{ manifest: BackupManifest; counts: BackupCounts }> {
  const keys = await openBackupKeys(source, passphrase)
  try {
    // pass 1: check everything; keep only the meta records (small)
    const metas = new Map<string, Uint8Array>()
    const ignore = async (): Promise<void> => undefined
    const checked = await readContent(backupSegments(source, keys, (f) => opts.onProgress?.(f / 2)), {
      snapshot: ignore,
      envelope: ignore,
      chunk: ignore,
      meta: async (name, value) => {
        metas.set(name, value)
      }
    })
    await checkVault(metas, passphrase)

    const store = await target(checked.manifest)
    if ((await store.docs()).length > 0 || (await store.metaNames()).length > 0 || (await store.blobIds()).length > 0) {
      throw new RestoreTargetNotEmptyError('the restore target already holds data; nothing was written')
    }

    // pass 2: write; envelopes in batches per doc, chunks in batches per attachment
    let pending: Uint8Array[] = []
    let pendingBytes = 0
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return
      await store.append(pending)
      pending = []
      pendingBytes = 0
    }
    let chunkBlob: string | undefined
    let chunkBatch: Array<{ index: number; bytes: Uint8Array }> = []
    const flushChunks = async (): Promise<void> => {
      if (chunkBlob !== undefined && chunkBatch.length > 0) await store.putChunks(chunkBlob, chunkBatch)
      chunkBatch = []
    }
    let lastDoc: string | undefined
    const written = await readContent(backupSegments(source, keys, (f) => opts.onProgress?.(0.5 + f / 2)), {
      async snapshot(bytes) {
        await flush()
        // a stored snapshot goes back where `read` found it: as the doc's snapshot, not as one of its envelopes
        await store.compact(bytes)
      },
      async envelope(bytes, doc) {
        if (doc !== lastDoc) await flush()
        lastDoc = doc
        pending.push(bytes)
        pendingBytes += bytes.length
        if (pending.length >= APPEND_BATCH || pendingBytes >= APPEND_BATCH_BYTES) await flush()
      },
      // written after everything else, the vault key last
      meta: async () => undefined,
      async chunk(blobId, index, bytes) {
        await flush()
        if (blobId !== chunkBlob) {
          await flushChunks()
          chunkBlob = blobId
        }
        chunkBatch.push({ index, bytes })
        if (chunkBatch.length >= CHUNKS_PER_WRITE) await flushChunks()
      }
    })
    await flush()
    await flushChunks()
    if (!sameCounts(written.counts, checked.counts)) throw new BackupFormatError('backup: the file changed while it was restored')
    for (const [name, value] of metas) if (name !== VAULT_KEY_META) await store.putMeta(name, value)
    const vaultKey = metas.get(VAULT_KEY_META)
    if (vaultKey !== undefined) await store.putMeta(VAULT_KEY_META, vaultKey)
    opts.onProgress?.(1)
    return checked
  } finally {
    wipeBackupKeys(keys)
  }
}

function sameCounts(a: BackupCounts, b: BackupCounts): boolean {
  return a.docs === b.docs && a.snapshots === b.snapshots && a.envelopes === b.envelopes && a.metas === b.metas && a.chunks === b.chunks
}

/** The record's vault opens with the backup's passphrase, and its keyring and device key with the vault key. */
async function checkVault(metas: ReadonlyMap<string, Uint8Array>, passphrase: string): Promise<void> {
  const scratch = createMemoryStore()
  for (const [name, value] of metas) await scratch.putMeta(name, value)
  let vaultKey: Uint8Array | undefined
  try {
    vaultKey = await unlockVault(scratch, passphrase)
    await openVaultContents(scratch, vaultKey)
  } catch (err) {
    if (err instanceof NoRecordError) throw new BackupFormatError('backup: it holds no whole record', { cause: err })
    if (err instanceof PhrError || err instanceof FormatError) throw new BackupFormatError(`backup: the record in it does not open with its passphrase (${err.name})`, { cause: err })
    throw err
  } finally {
    vaultKey?.fill(0)
    await scratch.close()
  }
}
