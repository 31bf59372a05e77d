/**
 * The acceptance suite every `EnvelopeStore` adapter passes (memory, SQLite in Node,
 * IndexedDB in real Chromium). Modelled on automerge-repo's storage adapter tests.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { sealEnvelope, type EnvelopeHeader } from '../../src/envelope/index.ts'
import { generateSigningKeyPair, newDocId, newEpochKey } from '../../src/crypto/index.ts'
import { toHex, utf8Encode, type DocId } from '../../src/lib/index.ts'
import type { EnvelopeStore } from '../../src/storage/index.ts'

/** Makes a fresh store; `reopen` (optional) opens the same store again after close. */
export interface StoreFactory {
  open(): Promise<EnvelopeStore>
  reopen?(): Promise<EnvelopeStore>
}

const epochKey = newEpochKey()
const alice = generateSigningKeyPair()
const bob = generateSigningKeyPair()
const A = toHex(alice.publicKey)
const B = toHex(bob.publicKey)

function env(docId: DocId, who: typeof alice, seq: number, body = `update ${seq}`): Uint8Array {
  const header: EnvelopeHeader = { docId, epoch: 0, author: who.publicKey, seq, kind: 'update' }
  return sealEnvelope(header, utf8Encode(body), { epochKey, authorSecretKey: who.secretKey })
}

function snap(docId: DocId, who: typeof alice, seq: number, covers: Record<string, number>): Uint8Array {
  const header: EnvelopeHeader = { docId, epoch: 0, author: who.publicKey, seq, kind: 'snapshot', covers: new Map(Object.entries(covers)) }
  return sealEnvelope(header, utf8Encode('whole state'), { epochKey, authorSecretKey: who.secretKey })
}

const hex = (list: Uint8Array[]): string[] => list.map(toHex)

/** Registers the suite for one adapter. */
export function envelopeStoreSuite(name: string, factory: StoreFactory): void {
  describe(`EnvelopeStore: ${name}`, () => {
    let store: EnvelopeStore
    let doc: DocId
    beforeEach(async () => {
      store = await factory.open()
      doc = newDocId()
    })
    afterEach(async () => {
      await store.close()
    })

    it('reads back what it stored, byte for byte, ordered by author then seq', async () => {
      const a = [1, 2, 3].map((s) => env(doc, alice, s))
      const b = [1, 2].map((s) => env(doc, bob, s))
      await store.append([a[2]!, b[1]!, a[0]!])
      await store.append([b[0]!, a[1]!])
      const read = await store.read(doc)
      const expected = (A < B ? [...a, ...b] : [...b, ...a])
      expect(hex(read.envelopes)).toEqual(hex(expected))
      expect(read.snapshot).toBeUndefined()
    })

    it('skips an envelope it already holds', async () => {
      const e = env(doc, alice, 1)
      await store.append([e])
      await store.append([e, e])
      expect((await store.read(doc)).envelopes).toHaveLength(1)
    })

    it('stores nothing of a batch that holds one malformed envelope', async () => {
      const good = env(doc, alice, 1)
      const bad = env(doc, alice, 2).slice(0, 20)
      const err = await store.append([good, bad]).catch((e: unknown) => e)
      expect((err as Error).name).toBe('EnvelopeFormatError')
      expect((await store.read(doc)).envelopes).toHaveLength(0)
      expect(await store.vector(doc)).toEqual(new Map())
    })

    it('keeps docs apart', async () => {
      const other = newDocId()
      await store.append([env(doc, alice, 1), env(other, alice, 1), env(other, alice, 2)])
      expect((await store.read(doc)).envelopes).toHaveLength(1)
      expect((await store.read(other)).envelopes).toHaveLength(2)
      expect((await store.docs()).sort()).toEqual([toHex(doc), toHex(other)].sort())
    })

    it('gives the contiguous vector: a gap stops an author’s run', async () => {
      await store.append([1, 2, 4].map((s) => env(doc, alice, s)))
      await store.append([env(doc, bob, 1)])
      expect(await store.vector(doc)).toEqual(new Map([[A, 2], [B, 1]]))
      await store.append([env(doc, alice, 3)])
      expect((await store.vector(doc)).get(A)).toBe(4)
    })

    it('reads only what a vector does not cover', async () => {
      const a = [1, 2, 3].map((s) => env(doc, alice, s))
      const b = [1, 2].map((s) => env(doc, bob, s))
      await store.append([...a, ...b])
      const read = await store.read(doc, new Map([[A, 2]]))
      expect(hex(read.envelopes)).toEqual(hex(A < B ? [a[2]!, ...b] : [...b, a[2]!]))
      expect((await store.read(doc, new Map([[A, 3], [B, 2]]))).envelopes).toHaveLength(0)
    })

    it('compacts: a snapshot replaces the envelopes it covers, atomically', async () => {
      const a = [1, 2, 3].map((s) => env(doc, alice, s))
      const b = [1, 2].map((s) => env(doc, bob, s))
      await store.append([...a, ...b])
      const s = snap(doc, alice, 4, { [A]: 4, [B]: 1 })
      expect(await store.compact(s)).toBe(4)
      const read = await store.read(doc)
      expect(toHex(read.snapshot!)).toBe(toHex(s))
      expect(hex(read.envelopes)).toEqual(hex([b[1]!]))
      expect(await store.vector(doc)).toEqual(new Map([[A, 4], [B, 2]]))
      // an envelope the snapshot covers is not stored again
      await store.append([a[0]!])
      expect((await store.read(doc)).envelopes).toHaveLength(1)
      // a peer that has the snapshot gets only what follows it
      const after = await store.read(doc, new Map([[A, 4], [B, 1]]))
      expect(after.snapshot).toBeUndefined()
      expect(hex(after.envelopes)).toEqual(hex([b[1]!]))
    })

    it('refuses a snapshot that covers less than the stored one, and changes nothing', async () => {
      await store.append([1, 2, 3].map((s) => env(doc, alice, s)))
      await store.compact(snap(doc, alice, 4, { [A]: 4 }))
      await store.append([env(doc, alice, 5)])
      const err = await store.compact(snap(doc, bob, 1, { [B]: 1 })).catch((e: unknown) => e)
      expect((err as Error).name).toBe('StaleSnapshotError')
      const read = await store.read(doc)
      expect(read.snapshot).toBeDefined()
      expect(read.envelopes).toHaveLength(1)
      expect(await store.vector(doc)).toEqual(new Map([[A, 5]]))
    })

    it('counts a received snapshot in the vector, and a later compaction absorbs it', async () => {
      await store.append([env(doc, alice, 1)])
      // bob's snapshot covers alice 1..3 and his own 1..2 although we never saw them singly
      const received = snap(doc, bob, 2, { [A]: 3, [B]: 2 })
      await store.append([received])
      expect(await store.vector(doc)).toEqual(new Map([[A, 3], [B, 2]]))
      expect((await store.read(doc)).envelopes).toHaveLength(2)
      expect(await store.compact(snap(doc, alice, 4, { [A]: 4, [B]: 2 }))).toBe(2)
      expect((await store.read(doc)).envelopes).toHaveLength(0)
    })

    it('rejects a snapshot whose covered vector leaves out its own seq', async () => {
      const err = await store.append([snap(doc, alice, 3, { [A]: 2 })]).catch((e: unknown) => e)
      expect((err as Error).name).toBe('EnvelopeFormatError')
    })

    it('keeps sealed records and attachment chunks', async () => {
      expect(await store.getMeta('keys')).toBeUndefined()
      await store.putMeta('keys', new Uint8Array([1, 2, 3]))
      await store.putMeta('keys', new Uint8Array([4, 5]))
      expect(await store.getMeta('keys')).toEqual(new Uint8Array([4, 5]))
      await store.putChunks('blob1', [{ index: 0, bytes: new Uint8Array([9]) }, { index: 1, bytes: new Uint8Array([8, 7]) }])
      expect(await store.chunkCount('blob1')).toBe(2)
      expect(await store.chunkCount('blob2')).toBe(0)
      expect(await store.getChunk('blob1', 1)).toEqual(new Uint8Array([8, 7]))
      expect(await store.getChunk('blob1', 2)).toBeUndefined()
    })

    it('lists every meta name and every attachment, sorted', async () => {
      const tag = toHex(doc)
      const names = [`${tag}-b`, `${tag}-a`, `${tag}-c`]
      for (const n of names) await store.putMeta(n, new Uint8Array([1]))
      await store.putMeta(names[0]!, new Uint8Array([2]))
      const listedNames = await store.metaNames()
      expect(listedNames.filter((n) => n.startsWith(tag))).toEqual([...names].sort())
      expect(listedNames).toEqual([...listedNames].sort())
      await store.putChunks(`${tag}-y`, [{ index: 0, bytes: new Uint8Array([9]) }, { index: 1, bytes: new Uint8Array([8]) }])
      await store.putChunks(`${tag}-x`, [{ index: 0, bytes: new Uint8Array([7]) }])
      const blobs = await store.blobIds()
      expect(blobs.filter((b) => b.startsWith(tag))).toEqual([`${tag}-x`, `${tag}-y`])
      expect(blobs).toEqual([...blobs].sort())
    })

    if (factory.reopen !== undefined) {
      const reopen = factory.reopen.bind(factory)
      it('holds everything after close and reopen', async () => {
        await store.append([1, 2].map((s) => env(doc, alice, s)))
        await store.compact(snap(doc, alice, 3, { [A]: 3 }))
        await store.append([env(doc, alice, 4)])
        await store.putMeta('m', new Uint8Array([1]))
        const before = await store.read(doc)
        await store.close()
        store = await reopen()
        const after = await store.read(doc)
        expect(toHex(after.snapshot!)).toBe(toHex(before.snapshot!))
        expect(hex(after.envelopes)).toEqual(hex(before.envelopes))
        expect(await store.vector(doc)).toEqual(new Map([[A, 4]]))
        expect(await store.getMeta('m')).toEqual(new Uint8Array([1]))
      })
    }
  })
}
