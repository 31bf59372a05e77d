/**
 * Attachments: a 50 MB file goes in and comes out chunk by chunk through a real SQLite
 * store, never whole in memory; a changed, reordered, missing or truncated chunk and a
 * wrong key are each refused by name.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { DatabaseSync } from 'node:sqlite'
import { createMemoryStore, readBlob, writeBlob, type BlobRef } from '../../src/storage/index.ts'
import { createSqliteStore } from '../../src/storage/sqlite.ts'
import { heldBytes } from '../helpers/memory.ts'

const dir = mkdtempSync(join(tmpdir(), 'phr-blobs-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A deterministic pseudo-random file of `size` bytes, produced in 64 KiB pieces. */
async function* fakePdf(size: number, produced?: { bytes: number }): AsyncGenerator<Uint8Array> {
  let x = 0x12345678
  for (let off = 0; off < size; off += 65536) {
    if (produced !== undefined) produced.bytes = off
    const piece = new Uint8Array(Math.min(65536, size - off))
    for (let i = 0; i < piece.length; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      piece[i] = x & 0xff
    }
    yield piece
  }
}

async function digestOf(source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): Promise<{ hex: string; size: number }> {
  const h = createHash('sha256')
  let size = 0
  for await (const piece of source as AsyncIterable<Uint8Array>) {
    h.update(piece)
    size += piece.length
  }
  return { hex: h.digest('hex'), size }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<unknown> {
  try {
    for await (const _ of stream as unknown as AsyncIterable<Uint8Array>) {
      // drain
    }
    return undefined
  } catch (err) {
    return err
  }
}

describe('attachments', () => {
  it('stores a 50 MB file and reads it back exactly, never holding it whole in memory', async () => {
    const size = 50 * 1024 * 1024
    const store = createSqliteStore({ path: join(dir, 'big.db') })
    const before = heldBytes().arrayBuffers
    let peak = 0
    let samples = 0
    const sample = (): void => {
      if (samples++ % 8 !== 0) return
      peak = Math.max(peak, heldBytes().arrayBuffers - before)
    }
    // the streaming property itself, independent of when the GC runs: the source is never
    // more than a few transactions ahead of what the store has committed
    const produced = { bytes: 0 }
    let ahead = 0
    const ref = await writeBlob(store, fakePdf(size, produced), {
      onProgress: (stored) => {
        ahead = Math.max(ahead, produced.bytes - stored)
        sample()
      }
    })
    expect(ahead).toBeLessThanOrEqual(10 * 256 * 1024)
    expect(ref.size).toBe(size)
    expect(ref.chunkHashes).toHaveLength(Math.ceil(size / ref.chunkBytes))
    const stream = readBlob(store, ref)
    const reader = stream.getReader()
    const h = createHash('sha256')
    let n = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      h.update(value)
      n += value.length
      sample()
    }
    expect(n).toBe(size)
    expect(h.digest('hex')).toBe((await digestOf(fakePdf(size))).hex)
    // and what the process holds stays far below the file (GC timing makes this coarse)
    expect(samples).toBeGreaterThan(100)
    expect(peak).toBeLessThan(size * 0.8)
    await store.close()
  }, 120_000)

  it('round-trips an empty file and a file smaller than one chunk', async () => {
    const store = createMemoryStore()
    for (const size of [0, 1, 1000]) {
      const ref = await writeBlob(store, fakePdf(size))
      expect(await digestOf(readBlob(store, ref))).toEqual(await digestOf(fakePdf(size)))
    }
  })

  describe('refuses damaged attachments', () => {
    const setup = async (): Promise<{ path: string; ref: BlobRef }> => {
      const path = join(dir, `d${Math.random()}.db`)
      const store = createSqliteStore({ path })
      const ref = await writeBlob(store, fakePdf(5 * 65536), { chunkBytes: 65536 })
      await store.close()
      return { path, ref }
    }
    const edit = (path: string, sql: string, ...args: Array<string | number | Uint8Array>): void => {
      const db = new DatabaseSync(path)
      db.prepare(sql).run(...args)
      db.close()
    }

    it('a changed byte in a chunk', async () => {
      const { path, ref } = await setup()
      const db = new DatabaseSync(path)
      const row = db.prepare('SELECT bytes FROM chunks WHERE blob = ? AND idx = 2').get(ref.blobId) as { bytes: Uint8Array }
      row.bytes[40]! ^= 1
      db.prepare('UPDATE chunks SET bytes = ? WHERE blob = ? AND idx = 2').run(row.bytes, ref.blobId)
      db.close()
      expect(((await readAll(readBlob(createSqliteStore({ path }), ref))) as Error).name).toBe('DecryptError')
    })

    it('two chunks swapped', async () => {
      const { path, ref } = await setup()
      edit(path, 'UPDATE chunks SET idx = -1 WHERE blob = ? AND idx = 1', ref.blobId)
      edit(path, 'UPDATE chunks SET idx = 1 WHERE blob = ? AND idx = 2', ref.blobId)
      edit(path, 'UPDATE chunks SET idx = 2 WHERE blob = ? AND idx = -1', ref.blobId)
      expect(((await readAll(readBlob(createSqliteStore({ path }), ref))) as Error).name).toBe('DecryptError')
    })

    it('a missing chunk', async () => {
      const { path, ref } = await setup()
      edit(path, 'DELETE FROM chunks WHERE blob = ? AND idx = 3', ref.blobId)
      expect(((await readAll(readBlob(createSqliteStore({ path }), ref))) as Error).name).toBe('AttachmentIntegrityError')
    })

    it('a truncated file (the reference shortened to drop the final chunk)', async () => {
      const { path, ref } = await setup()
      const truncated = { ...ref, chunkHashes: ref.chunkHashes.slice(0, -1) }
      expect(((await readAll(readBlob(createSqliteStore({ path }), truncated))) as Error).name).toBe('DecryptError')
    })

    it('a wrong key', async () => {
      const { path, ref } = await setup()
      const wrong = { ...ref, fileKey: '00'.repeat(32) }
      expect(((await readAll(readBlob(createSqliteStore({ path }), wrong))) as Error).name).toBe('DecryptError')
    })
  })
})
