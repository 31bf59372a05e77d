/**
 * Snapshot segments inflated in module workers (Chromium): parts come back in order and
 * equal to what was sealed; a segment that inflates to another length than declared is
 * refused by name; a worker that cannot start leaves the page inflating by itself.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { compressParts, compressPayload, decompressPayload, inflateParts, useRawInflater } from '../../src/envelope/index.ts'
import { installWorkerInflater, type InflatePort } from '../../src/envelope/worker-inflate.ts'
import { createWriter, equalBytes } from '../../src/lib/index.ts'

const parts = [1_500_000, 10, 800_000, 2_000_000].map((n, i) => Uint8Array.from({ length: n }, (_, j) => (j % 89 === 0 ? i : j % 17)))

let uninstall: (() => void) | undefined
afterEach(() => {
  uninstall?.()
  uninstall = undefined
  useRawInflater(undefined)
})

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
})
