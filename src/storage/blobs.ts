/**
 * Attachments in the store: a file is read as a stream, cut into chunks, each sealed and
 * stored as it comes (a few chunks per transaction), so a 50 MB PDF is never whole in
 * memory and the page stays responsive (the loop yields between transactions). Reading
 * gives a stream that opens and checks one chunk at a time.
 */
import { fromHex, toHex } from '../lib/index.ts'
import { DEFAULT_CHUNK_BYTES, newBlob, openChunk, sealChunk, AttachmentIntegrityError } from '../envelope/index.ts'
import type { EnvelopeStore } from './port.ts'

/** What the record keeps about an attachment (in its DocumentReference). */
export interface BlobRef {
  /** Blob id, lowercase hex. */
  blobId: string
  /** The file key, lowercase hex: it lives only inside the encrypted record. */
  fileKey: string
  /** Plaintext size in bytes. */
  size: number
  /** Plaintext bytes per chunk (the last may be shorter). */
  chunkBytes: number
  /** SHA-256 of each plaintext chunk, lowercase hex, in order. */
  chunkHashes: string[]
}

/** Options of `writeBlob`. */
export interface WriteBlobOptions {
  /** @default DEFAULT_CHUNK_BYTES (256 KiB) */
  chunkBytes?: number
  /** Chunks written per transaction. @default 8 */
  chunksPerTransaction?: number
  /** Called with the plaintext bytes stored so far. */
  onProgress?(bytes: number): void
  signal?: AbortSignal
}

async function* chunksOf(source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  const iterable: AsyncIterable<Uint8Array> =
    Symbol.asyncIterator in source
      ? source
      : {
          async *[Symbol.asyncIterator]() {
            const reader = source.getReader()
            try {
              for (;;) {
                const { done, value } = await reader.read()
                if (done) return
                yield value
              }
            } finally {
              reader.releaseLock()
            }
          }
        }
  let buf = new Uint8Array(size)
  let fill = 0
  for await (const piece of iterable) {
    let off = 0
    while (off < piece.length) {
      const n = Math.min(size - fill, piece.length - off)
      buf.set(piece.subarray(off, off + n), fill)
      fill += n
      off += n
      if (fill === size) {
        yield buf
        buf = new Uint8Array(size)
        fill = 0
      }
    }
  }
  if (fill > 0) yield buf.subarray(0, fill)
}

/**
 * Encrypts a file into the store, chunk by chunk.
 * @returns the reference to keep in the record (its key included)
 * @throws the store's error, or the abort reason; chunks already written stay unreferenced
 */
export async function writeBlob(store: EnvelopeStore, source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>, opts: WriteBlobOptions = {}): Promise<BlobRef> {
  const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES
  const perTx = opts.chunksPerTransaction ?? 8
  const { blobId, fileKey } = newBlob()
  const id = toHex(blobId)
  const hashes: string[] = []
  let size = 0
  let batch: Array<{ index: number; bytes: Uint8Array }> = []
  // one chunk of look-ahead: a chunk is sealed only when we know whether it is the last
  let held: Uint8Array | undefined
  const seal = async (plaintext: Uint8Array, last: boolean): Promise<void> => {
    const index = hashes.length
    const { sealed, hash } = sealChunk(fileKey, blobId, index, last, plaintext)
    hashes.push(toHex(hash))
    size += plaintext.length
    batch.push({ index, bytes: sealed })
    if (batch.length >= perTx || last) {
      opts.signal?.throwIfAborted()
      await store.putChunks(id, batch)
      batch = []
      opts.onProgress?.(size)
    }
  }
  for await (const chunk of chunksOf(source, chunkBytes)) {
    if (held !== undefined) await seal(held, false)
    held = chunk
  }
  await seal(held ?? new Uint8Array(0), true)
  return { blobId: id, fileKey: toHex(fileKey), size, chunkBytes, chunkHashes: hashes }
}

/**
 * Reads an attachment back as a stream, opening and checking one chunk at a time.
 * The stream errors with `AttachmentIntegrityError` on a missing, altered or reordered
 * chunk, or `DecryptError` on a wrong key.
 */
export function readBlob(store: EnvelopeStore, ref: BlobRef): ReadableStream<Uint8Array> {
  const blobId = fromHex(ref.blobId)
  const fileKey = fromHex(ref.fileKey)
  let index = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index >= ref.chunkHashes.length) {
        controller.close()
        return
      }
      const sealed = await store.getChunk(ref.blobId, index)
      if (sealed === undefined) throw new AttachmentIntegrityError(`attachment chunk ${index} is missing`)
      const last = index === ref.chunkHashes.length - 1
      controller.enqueue(openChunk(fileKey, blobId, index, last, sealed, fromHex(ref.chunkHashes[index] ?? '')))
      index++
    }
  })
}
