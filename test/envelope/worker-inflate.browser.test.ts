/**
 * Snapshot segments inflated in module workers (Chromium): parts come back in order and
 * equal to what was sealed; a segment that inflates to another length than declared is
 * refused by name; a worker that cannot start leaves the page inflating by itself. A big
 * snapshot is verified and decrypted in a worker too: the same parts come back, and a
 * tampered envelope or a wrong key is refused with the same named error as on the page.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  compressParts,
  compressPayload,
  decompressPayload,
  inflateParts,
  openEnvelopeParts,
  sealSnapshotParts,
  useEnvelopeDecrypter,
  useRawInflater,
  OFF_THREAD_MIN_BYTES,
  type EnvelopeHeader
} from '../../src/envelope/index.ts'
import { installWorkerInflater, type InflatePort } from '../../src/envelope/worker-inflate.ts'
import { generateSigningKeyPair, newDocId, newEpochKey } from '../../src/crypto/index.ts'
import { createWriter, equalBytes } from '../../src/lib/index.ts'

const parts = [1_500_000, 10, 800_000, 2_000_000].map((n, i) => Uint8Array.from({ length: n }, (_, j) => (j % 89 === 0 ? i : j % 17)))

let uninstall: (() => void) | undefined
afterEach(() => {
  uninstall?.()
  uninstall = undefined
  useRawInflater(undefined)
  useEnvelopeDecrypter(undefined)
})

/** A Worker of workers/inflate.ts that counts the envelopes it is sent. */
function countingWorker(counts: { envelopes: number }): InflatePort {
  const w = new Worker(new URL('../../workers/inflate.ts', import.meta.url), { type: 'module' })
  const post = w.postMessage.bind(w) as InflatePort['postMessage']
  return Object.assign(w, {
    postMessage: (m: Parameters<InflatePort['postMessage']>[0], t: Transferable[]) => {
      if ('envelope' in m) counts.envelopes++
      post(m, t)
    }
  })
}

describe('inflating in workers', () => {
  it('hands every part back, in order, equal to what was compressed', async () => {
    let started = 0
    uninstall = installWorkerInflater({
      start: () => {
        started++
        return new Worker(new URL('../../workers/inflate.ts', import.meta.url), { type: 'module' })
      }
    })
    const payload = await compressParts(parts)
    const got: Uint8Array[] = []
    await inflateParts(payload, 1 << 26, (p, i) => {
      expect(i).toBe(got.length)
      got.push(p)
    })
    expect(started).toBeGreaterThanOrEqual(1)
    expect(got.map((p, i) => equalBytes(p, parts[i] as Uint8Array))).toEqual([true, true, true, true])
    // a single-state payload too
    const state = parts[2] as Uint8Array
    expect(equalBytes(await decompressPayload(await compressPayload(state), 1 << 26), state)).toBe(true)
  })

  it('refuses a segment that is not what it declares, by name', async () => {
    uninstall = installWorkerInflater()
    const payload = await compressParts([parts[0] as Uint8Array])
    // declare one byte fewer than the segment inflates to (same framing otherwise)
    const head = createWriter().varUint(1_499_999).varUint(1).varUint(1_499_999).varUint(payload.length - 8).finish()
    const body = payload.subarray(payload.length - (payload.length - 8))
    const lie = new Uint8Array(head.length + body.length)
    lie.set(head)
    lie.set(body, head.length)
    await expect(inflateParts(lie, 1 << 26, () => undefined)).rejects.toMatchObject({ name: 'CompressedPayloadError' })
  })

  it('inflates on the page when a worker cannot start', async () => {
    const failing = (): InflatePort => {
      throw new Error('blocked by the content security policy')
    }
    uninstall = installWorkerInflater({ start: failing })
    const got: Uint8Array[] = []
    await inflateParts(await compressParts(parts), 1 << 26, (p) => void got.push(p))
    expect(got.map((p, i) => equalBytes(p, parts[i] as Uint8Array))).toEqual([true, true, true, true])
  })

  it('verifies and decrypts a big snapshot in a worker: the same parts, and the same named errors', async () => {
    const counts = { envelopes: 0 }
    uninstall = installWorkerInflater({ start: () => countingWorker(counts) })
    const author = generateSigningKeyPair()
    const epochKey = newEpochKey()
    const docId = newDocId()
    const header: EnvelopeHeader = { docId, epoch: 0, author: author.publicKey, seq: 1, kind: 'snapshot', covers: new Map() }
    // parts that compress poorly, so that the envelope is over the off-thread threshold
    const noisy = [600_000, 500_000].map((n) => {
      const out = new Uint8Array(n)
      for (let at = 0; at < n; at += 65536) crypto.getRandomValues(out.subarray(at, at + 65536))
      return out
    })
    const sealed = await sealSnapshotParts(header, noisy, { epochKey, authorSecretKey: author.secretKey })
    expect(sealed.length).toBeGreaterThanOrEqual(OFF_THREAD_MIN_BYTES)
    const keys = { epochKey: () => epochKey }
    const got: Uint8Array[] = []
    await openEnvelopeParts(sealed, keys, { maxBytes: 1 << 26 }, (u) => void got.push(u))
    expect(counts.envelopes).toBe(1)
    expect(got.map((p, i) => equalBytes(p, noisy[i] as Uint8Array))).toEqual([true, true])
    // a flipped byte in the ciphertext: the signature no longer verifies (checked before decrypting)
    const tampered = sealed.slice()
    const at = tampered.length - 1000
    tampered[at] = (tampered[at] as number) ^ 1
    await expect(openEnvelopeParts(tampered, keys, { maxBytes: 1 << 26 }, () => undefined)).rejects.toMatchObject({ name: 'SignatureInvalidError' })
    // another key: the signature is fine, the payload does not authenticate
    await expect(openEnvelopeParts(sealed, { epochKey: () => newEpochKey() }, { maxBytes: 1 << 26 }, () => undefined)).rejects.toMatchObject({ name: 'DecryptError' })
    // no key at all, or an author the record does not allow: refused on the page, nothing sent
    await expect(openEnvelopeParts(sealed, { epochKey: () => undefined }, { maxBytes: 1 << 26 }, () => undefined)).rejects.toMatchObject({ name: 'KeyUnavailableError' })
    await expect(openEnvelopeParts(sealed, keys, { maxBytes: 1 << 26, isAllowed: () => false }, () => undefined)).rejects.toMatchObject({ name: 'AuthorNotAllowedError' })
    expect(counts.envelopes).toBe(3)
    // the page does the same by itself when the decrypter is removed
    useEnvelopeDecrypter(undefined)
    await expect(openEnvelopeParts(tampered, keys, { maxBytes: 1 << 26 }, () => undefined)).rejects.toMatchObject({ name: 'SignatureInvalidError' })
    expect(counts.envelopes).toBe(3)
  })
})
