import type { DocId } from '../lib/index.ts'

/** A doc's sync state: author (64 lowercase hex digits) → highest contiguous seq. */
export type Vector = ReadonlyMap<string, number>

/**
 * The envelope store (DESIGN §6): sealed envelopes and snapshots by doc, small sealed
 * records (key material), and encrypted attachment chunks. It holds only ciphertext: it
 * reads envelope headers (no keys needed) and never opens a payload.
 *
 * Every write is atomic: a batch is stored whole or not at all, and the returned promise
 * resolves only after the write has committed (so the caller may then count it saved).
 */
export interface EnvelopeStore {
  /**
   * Stores a batch of sealed envelopes (updates or snapshots) in one transaction. Each
   * header is parsed first; one malformed envelope rejects the whole batch and nothing is
   * written. An envelope already stored (same doc, author, seq) is skipped.
   * @throws {EnvelopeFormatError | EnvelopeTooLargeError} for a malformed envelope
   */
  append(batch: readonly Uint8Array[]): Promise<void>

  /**
   * What a doc holds beyond `since`: its newest snapshot (unless `since` already covers
   * it), then the update envelopes not covered by `since` or by that snapshot, ordered by
   * author and seq.
   */
  read(docId: DocId, since?: Vector): Promise<StoredDoc>

  /**
   * The doc's vector: per author, the highest seq such that every seq up to it is held
   * (by the snapshot's cover or by stored envelopes).
   */
  vector(docId: DocId): Promise<Map<string, number>>

  /**
   * Stores a snapshot envelope and, in the same transaction, removes the update envelopes
   * and older snapshots it covers. The caller has already checked that the snapshot
   * decodes to the state it replaces (see `createPersistence`).
   * @returns how many envelopes were removed
   * @throws {EnvelopeFormatError} when the bytes are not a snapshot envelope
   */
  compact(snapshot: Uint8Array): Promise<number>

  /** The ids of every doc with anything stored, as lowercase hex. */
  docs(): Promise<string[]>

  /** Stores a small sealed record (key material, settings) under `name`; replaces any. */
  putMeta(name: string, value: Uint8Array): Promise<void>
  /** The record stored under `name`, if any. */
  getMeta(name: string): Promise<Uint8Array | undefined>
  /** The name of every stored meta record, sorted (a backup copies them all). */
  metaNames(): Promise<string[]>

  /** Stores encrypted attachment chunks in one transaction. */
  putChunks(blobId: string, chunks: ReadonlyArray<{ index: number; bytes: Uint8Array }>): Promise<void>
  /** One encrypted chunk of an attachment, if stored. */
  getChunk(blobId: string, index: number): Promise<Uint8Array | undefined>
  /** How many chunks of an attachment are stored (0 when none). */
  chunkCount(blobId: string): Promise<number>
  /** The id of every attachment with a chunk stored, sorted (a backup copies them all). */
  blobIds(): Promise<string[]>

  /** Releases the underlying database. */
  close(): Promise<void>
}

/** A doc's stored state, as `read` returns it. */
export interface StoredDoc {
  snapshot?: Uint8Array
  envelopes: Uint8Array[]
}
