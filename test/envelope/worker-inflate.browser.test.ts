/**
 * Snapshot segments inflated in module workers (Chromium): parts come back in order and
 * equal to what was sealed; a segment that inflates to another length than declared is
 * refused by name; a worker that cannot start leaves the page inflating by itself. A big
 * part's buffer, once applied, goes back to a worker to inflate a later part into. A big
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
import { installWorkerInflater, serveInflate, type InflatePort } from '../../src/envelope/worker-inflate.ts'
import { generateSigningKeyPair, newDocId, newEpochKey } from '../../src/crypto/index.ts'
import { createReader, createWriter, equalBytes } from '../../src/lib/index.ts'

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

  it('reuses the buffer of a part once it is applied, and every part still arrives whole', async () => {
    const given: ArrayBuffer[] = []
    uninstall = installWorkerInflater({
      workers: 1,
      start: () => {
        const w = new Worker(new URL('../../workers/inflate.ts', import.meta.url), { type: 'module' })
        const post = w.postMessage.bind(w) as InflatePort['postMessage']
        return Object.assign(w, {
          postMessage: (m: Parameters<InflatePort['postMessage']>[0], t: Transferable[]) => {
            if ('recycle' in m) given.push(m.recycle)
            post(m, t)
          }
        })
      }
    })
    // eight parts of about 1 MB, more than the parts kept inflating ahead
    const many = Array.from({ length: 8 }, (_, i) => Uint8Array.from({ length: 1_000_000 + i * 1000 }, (_, j) => (j % 97 === 0 ? i : (j * 7) % 23)))
    const payload = await compressParts(many)
    const same: boolean[] = []
    await inflateParts(payload, 1 << 26, (p, i) => void same.push(equalBytes(p, many[i] as Uint8Array)), { transient: true })
    expect(same).toEqual(many.map(() => true))
    expect(given.length).toBe(many.length)
    // without `transient` nothing is given back, and a kept part stays as it was
    given.length = 0
    const kept: Uint8Array[] = []
    await inflateParts(payload, 1 << 26, (p) => void kept.push(p))
    expect(given.length).toBe(0)
    expect(kept.map((p, i) => equalBytes(p, many[i] as Uint8Array))).toEqual(many.map(() => true))
  })

  it('a worker inflates into a buffer given back to it, and keeps a given-back buffer after a refused segment', async () => {
    const answers: Array<{ id: number; inflated?: ArrayBuffer; length?: number; error?: string }> = []
    let listener: ((e: MessageEvent) => void) | undefined
    serveInflate({
      addEventListener: (_type, l) => (listener = l as (e: MessageEvent) => void),
      postMessage: (m) => void answers.push(m)
    })
    const send = (data: unknown): void => listener?.({ data } as MessageEvent)
    const a = parts[0] as Uint8Array
    const b = parts[2] as Uint8Array
    const deflated = async (bytes: Uint8Array): Promise<ArrayBuffer> => {
      const payload = await compressParts([bytes])
      // the framing is total, count, inflated, deflated (varuints), then the segment
      const r = createReader(payload, Error)
      r.varUint('total')
      r.varUint('count')
      r.varUint('inflated')
      r.varUint('deflated')
      return payload.slice(r.offset).buffer
    }
    send({ id: 1, deflated: await deflated(a), length: a.length })
    const first = answers[0]?.inflated as ArrayBuffer
    expect(equalBytes(new Uint8Array(first, 0, answers[0]?.length), a)).toBe(true)
    send({ recycle: first })
    send({ id: 2, deflated: await deflated(b), length: b.length })
    expect(answers[1]?.inflated).toBe(first)
    expect(equalBytes(new Uint8Array(first, 0, answers[1]?.length), b)).toBe(true)
    // a segment declared one byte short is refused, and the buffer it was tried in is kept
    send({ recycle: first })
    send({ id: 3, deflated: await deflated(b), length: b.length - 1 })
    expect(answers[2]?.error).toMatch(/past its declared/)
    send({ id: 4, deflated: await deflated(a), length: a.length })
    expect(answers[3]?.inflated).toBe(first)
    // not DEFLATE at all
    send({ id: 5, deflated: Uint8Array.of(0xff, 0xff, 0xff).buffer, length: 10 })
    expect(answers[4]?.error).toMatch(/not valid DEFLATE/)
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
