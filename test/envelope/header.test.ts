import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createWriter, toHex } from '../../src/lib/index.ts'
import { parseEnvelopeHeader, sealEnvelopeWithNonce, type EnvelopeHeader } from '../../src/envelope/index.ts'
import { decodeHeader, encodeHeader } from '../../src/envelope/header.ts'
import { patient, seq, thrown } from '../crypto/helpers.ts'
import { coversArb, headerArb } from './arbitraries.ts'

const author = patient().signing.publicKey
const keys = { epochKey: seq(0x40, 32), authorSecretKey: patient().signing.secretKey }

describe('envelope header encoding', () => {
  it('encode/decode round-trip for any header (property)', () => {
    fc.assert(
      fc.property(headerArb(author), (header) => {
        const bytes = encodeHeader(header)
        expect(decodeHeader(bytes)).toEqual(header)
        expect(encodeHeader(decodeHeader(bytes))).toEqual(bytes) // one header, one encoding
      }),
      { numRuns: 300 }
    )
  })

  it('parseEnvelopeHeader reads the header of a sealed envelope without keys (property)', () => {
    fc.assert(
      fc.property(headerArb(author), fc.uint8Array({ maxLength: 64 }), (header, plaintext) => {
        expect(parseEnvelopeHeader(sealEnvelopeWithNonce(header, plaintext, keys, seq(0, 24)))).toEqual(header)
      }),
      { numRuns: 40 }
    )
  })

  it('covers vector round-trips in canonical (sorted) order regardless of insertion order (property)', () => {
    fc.assert(
      fc.property(coversArb, (covers) => {
        const reversed = new Map([...covers].reverse())
        const h: EnvelopeHeader = { docId: seq(0, 16), epoch: 0, author, seq: 1, kind: 'snapshot', covers }
        const bytes = encodeHeader(h)
        expect(encodeHeader({ ...h, covers: reversed })).toEqual(bytes)
        const decoded = decodeHeader(bytes).covers!
        expect(decoded).toEqual(covers)
        expect([...decoded.keys()]).toEqual([...covers.keys()].sort())
      })
    )
  })

  /** A hand-built header so that non-canonical spellings can be written. */
  function raw(kindAndAfter: (w: ReturnType<typeof createWriter>) => void, version = 1): Uint8Array {
    const w = createWriter().byte(version).bytes(seq(0, 16)).varUint(5).bytes(author).varUint(1)
    kindAndAfter(w)
    return w.finish()
  }
  const a = new Uint8Array(32).fill(1)
  const b = new Uint8Array(32).fill(2)

  it.each<[string, Uint8Array]>([
    ['unknown version', raw((w) => w.byte(0), 2)],
    ['unknown kind', raw((w) => w.byte(2))],
    ['seq 0', createWriter().byte(1).bytes(seq(0, 16)).varUint(5).bytes(author).varUint(0).byte(0).finish()],
    ['non-minimal epoch', createWriter().byte(1).bytes(seq(0, 16)).bytes(Uint8Array.of(0x85, 0x00)).bytes(author).varUint(1).byte(0).finish()],
    ['covers out of order', raw((w) => w.byte(1).varUint(2).bytes(b).varUint(1).bytes(a).varUint(1))],
    ['covers with a duplicate author', raw((w) => w.byte(1).varUint(2).bytes(a).varUint(1).bytes(a).varUint(2))],
    ['covers with seq 0', raw((w) => w.byte(1).varUint(1).bytes(a).varUint(0))],
    ['covers count larger than the input', raw((w) => w.byte(1).varUint(1000).bytes(a).varUint(1))],
    ['truncated', raw((w) => w.byte(1).varUint(1).bytes(a))],
    ['trailing byte', raw((w) => w.byte(0).byte(0))]
  ])('rejects %s with EnvelopeFormatError', (_, bytes) => {
    expect(thrown(() => decodeHeader(bytes)).name).toBe('EnvelopeFormatError')
  })

  it('validates headers when sealing: TypeError / RangeError', () => {
    const base: EnvelopeHeader = { docId: seq(0, 16), epoch: 0, author, seq: 1, kind: 'update' }
    expect(() => encodeHeader({ ...base, seq: 0 })).toThrow(RangeError)
    expect(() => encodeHeader({ ...base, epoch: 1.5 })).toThrow(TypeError)
    expect(() => encodeHeader({ ...base, docId: seq(0, 15) })).toThrow(RangeError)
    expect(() => encodeHeader({ ...base, author: seq(0, 33) })).toThrow(RangeError)
    expect(() => encodeHeader({ ...base, kind: 'delta' as 'update' })).toThrow(RangeError)
    expect(() => encodeHeader({ ...base, covers: new Map() })).toThrow(/only snapshots/)
    expect(() => encodeHeader({ ...base, kind: 'snapshot' })).toThrow(TypeError)
    expect(() => encodeHeader({ ...base, kind: 'snapshot', covers: new Map([['AB'.repeat(32), 1]]) })).toThrow(/lowercase hex/)
    expect(() => encodeHeader({ ...base, kind: 'snapshot', covers: new Map([[toHex(a), 0]]) })).toThrow(RangeError)
  })
})
