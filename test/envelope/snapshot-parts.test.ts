/**
 * Snapshots in parts (kind 0x03, `codec: 'deflate-raw-parts'`): each part a whole Yjs
 * update. The parts come back in order, each as soon as it is inflated; the codec byte is
 * authenticated; `openEnvelopeAsync` never hands the parts out as one state; a malformed
 * part stops the hand-over at that part; the framing refuses oversized parts and bombs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWriter, equalBytes, toHex } from '../../src/lib/index.ts'
import {
  compressParts,
  inflateParts,
  MAX_PART_BYTES,
  openEnvelopeAsync,
  openEnvelopeParts,
  parseEnvelopeHeader,
  sealSnapshot,
  sealSnapshotParts,
  useRawInflater,
  type EnvelopeHeader
} from '../../src/envelope/index.ts'
import { installNodeInflater } from '../../src/envelope/node-inflate.ts'
import { patient, rejected, seq } from '../crypto/helpers.ts'

const author = patient()
const epochKey = seq(0x41, 32)
const sealKeys = { epochKey, authorSecretKey: author.signing.secretKey }
const openKeys = { epochKey: () => epochKey }
const header: EnvelopeHeader = { docId: seq(0xd1, 16), epoch: 0, author: author.signing.publicKey, seq: 4, kind: 'snapshot', covers: new Map([[toHex(author.signing.publicKey), 4]]) }

/** Compressible parts of different sizes (the content says which part it is). */
const parts = [200_000, 1, 70_000, 0, 3_000_000].map((n, i) => Uint8Array.from({ length: n }, (_, j) => (j % 97 === 0 ? i : j % 13)))

for (const platform of ['zlib (Node thread pool)', 'DecompressionStream'] as const) {
  describe(`snapshot in parts, inflated by ${platform}`, () => {
    beforeAll(() => (platform === 'zlib (Node thread pool)' ? installNodeInflater() : useRawInflater(undefined)))
    afterAll(() => useRawInflater(undefined))

    it('seals and opens: the same parts, in order, under kind 0x03', async () => {
      const bytes = await sealSnapshotParts(header, parts, sealKeys)
      expect(parseEnvelopeHeader(bytes, { maxBytes: 1 << 26 }).codec).toBe('deflate-raw-parts')
      const got: Uint8Array[] = []
      const h = await openEnvelopeParts(bytes, openKeys, { maxBytes: 1 << 26 }, (u) => void got.push(u))
      expect(h.seq).toBe(4)
      expect(got.length).toBe(parts.length)
      got.forEach((u, i) => expect(equalBytes(u, parts[i] as Uint8Array)).toBe(true))
    })

    it('openEnvelopeAsync refuses to hand the parts out as one state', async () => {
      const bytes = await sealSnapshotParts(header, parts, sealKeys)
      expect((await rejected(() => openEnvelopeAsync(bytes, openKeys, { maxBytes: 1 << 26 }))).name).toBe('CompressedPayloadError')
    })

    it('openEnvelopeParts also opens a single-state snapshot and an update, as one update each', async () => {
      const state = parts[0] as Uint8Array
      const single = await sealSnapshot(header, state, sealKeys)
      const got: Uint8Array[] = []
      await openEnvelopeParts(single, openKeys, { maxBytes: 1 << 26 }, (u) => void got.push(u))
      expect(got.length).toBe(1)
      expect(equalBytes(got[0] as Uint8Array, state)).toBe(true)
    })

    it('a flipped byte in the sealed snapshot is refused before any part is handed over', async () => {
      const bytes = await sealSnapshotParts(header, parts, sealKeys)
      const bad = bytes.slice()
      bad[bad.length - 200] = (bad[bad.length - 200] as number) ^ 1
      const got: Uint8Array[] = []
      const err = await rejected(() => openEnvelopeParts(bad, openKeys, { maxBytes: 1 << 26 }, (u) => void got.push(u)))
      expect(err.name).toBe('SignatureInvalidError')
      expect(got).toEqual([])
    })

    it('a malformed part stops the hand-over at that part, with a named error', async () => {
      const payload = await compressParts(parts.slice(0, 3))
      // corrupt the last segment's DEFLATE data (its final bytes)
      const bad = payload.slice()
      bad.fill(0xff, bad.length - 8)
      const got: number[] = []
      const err = await rejected(() => inflateParts(bad, 1 << 26, (_, i) => void got.push(i)))
      expect(err.name).toBe('CompressedPayloadError')
      expect(got).toEqual([0, 1])
    })

    it('refuses a part declared over MAX_PART_BYTES, and a payload declaring more than the cap, before inflating', async () => {
      const over = createWriter().varUint(MAX_PART_BYTES + 1).varUint(1).varUint(MAX_PART_BYTES + 1).varUint(1).byte(0).finish()
      expect((await rejected(() => inflateParts(over, Number.MAX_SAFE_INTEGER, () => undefined))).name).toBe('CompressedPayloadError')
      const payload = await compressParts(parts)
      expect((await rejected(() => inflateParts(payload, 1000, () => undefined))).name).toBe('InflatedTooLargeError')
      await expect(compressParts([new Uint8Array(MAX_PART_BYTES + 1)])).rejects.toThrow(RangeError)
      await expect(compressParts([])).rejects.toThrow(RangeError)
    })
  })
}
