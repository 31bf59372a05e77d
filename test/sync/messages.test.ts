/**
 * The `/phr/sync/1` codec: known encodings, round trips of every message type (fast-check),
 * and refusals by name: unknown type, caps checked before parsing, canonical form only.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { toHex } from '../../src/lib/index.ts'
import {
  DEFAULT_SYNC_LIMITS,
  decodeSyncMessage,
  encodeSyncMessage,
  resolveLimits,
  type SyncMessage
} from '../../src/sync/index.ts'

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max })
const docId = bytes(16, 16)

const message: fc.Arbitrary<SyncMessage> = fc.oneof(
  fc.record({ type: fc.constant('hello' as const), cert: bytes(1, 300), grants: fc.array(bytes(1, 100), { maxLength: 4 }) }),
  fc
    .record({
      type: fc.constant('want' as const),
      authors: fc.array(bytes(32, 32), { maxLength: 5 }),
      docs: fc.uniqueArray(
        fc.record({
          docId,
          vector: fc
            .uniqueArray(fc.tuple(fc.nat(10_000), fc.integer({ min: 1, max: 2 ** 40 })), { selector: (p) => p[0], maxLength: 6 })
            .map((v) => v.sort((a, b) => a[0] - b[0]))
        }),
        { selector: (d) => toHex(d.docId), minLength: 1, maxLength: 5 }
      )
    }),
  fc.record({ type: fc.constant('envelopes' as const), docId, envelopes: fc.array(bytes(1, 300), { minLength: 1, maxLength: 8 }) }),
  fc.record({ type: fc.constant('keys' as const), docId, keys: fc.array(bytes(1, 200), { minLength: 1, maxLength: 4 }) }),
  fc.record({ type: fc.constant('denied' as const), docId, reason: fc.constantFrom(1 as const, 2 as const) }),
  fc.record({ type: fc.constant('done' as const), want: fc.nat() }),
  fc.record({ type: fc.constant('ack' as const), count: fc.integer({ min: 1, max: 2 ** 31 }) }),
  fc
    .record({ docId, total: fc.integer({ min: 4 * 1024 * 1024 + 1, max: 256 * 1024 * 1024 }), piece: bytes(1, 200), at: fc.nat() })
    .map(({ docId, total, piece, at }) => ({ type: 'part' as const, docId, total, offset: at % (total - piece.length + 1), piece }))
)

function errorName(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    return (err as Error).name
  }
  return 'no error'
}

describe('sync message codec', () => {
  it('encodes the short messages byte for byte as documented', () => {
    expect(toHex(encodeSyncMessage({ type: 'ack', count: 1 }))).toBe('0701')
    expect(toHex(encodeSyncMessage({ type: 'done', want: 300 }))).toBe('06ac02')
    // PART: total 4 MiB + 1, offset 2, piece [9]
    expect(toHex(encodeSyncMessage({ type: 'part', docId: new Uint8Array(16), total: 4 * 1024 * 1024 + 1, offset: 2, piece: Uint8Array.of(9) }))).toBe(
      `08${'00'.repeat(16)}818080020201` + '09'
    )
    const id = new Uint8Array(16).fill(0xaa)
    expect(toHex(encodeSyncMessage({ type: 'denied', docId: id, reason: 2 }))).toBe(`05${'aa'.repeat(16)}02`)
    // WANT: 1 new author, 1 doc with vector {author 0: seq 5}
    const author = new Uint8Array(32).fill(0x11)
    expect(toHex(encodeSyncMessage({ type: 'want', authors: [author], docs: [{ docId: id, vector: [[0, 5]] }] }))).toBe(
      `0201${'11'.repeat(32)}01${'aa'.repeat(16)}010005`
    )
  })

  it('an up-to-date doc costs its id plus about 2 bytes per author in WANT', () => {
    const id = new Uint8Array(16)
    const docs = Array.from({ length: 7 }, (_, i) => ({ docId: id.map((_, j) => i * 16 + j), vector: [[0, 120], [1, 3000]] as Array<readonly [number, number]> }))
    const withoutAuthors = encodeSyncMessage({ type: 'want', authors: [], docs })
    expect(withoutAuthors.length).toBe(2 + 1 + 7 * (16 + 1 + 2 + 3))
  })

  it('round-trips every message type', () => {
    fc.assert(
      fc.property(message, (msg) => {
        const decoded = decodeSyncMessage(encodeSyncMessage(msg))
        expect(decoded).toEqual(msg)
      }),
      { numRuns: 2000 }
    )
  })

  it('decodes only canonical bytes: re-encoding any accepted input gives it back', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.nat(255), (msg, at, value) => {
        const bytes = encodeSyncMessage(msg)
        const mutated = bytes.slice()
        mutated[at % mutated.length] = value
        let decoded: SyncMessage
        try {
          decoded = decodeSyncMessage(mutated)
        } catch (err) {
          expect(['SyncMessageFormatError', 'SyncMessageTooLargeError']).toContain((err as Error).name)
          return
        }
        expect(toHex(encodeSyncMessage(decoded))).toBe(toHex(mutated))
      }),
      { numRuns: 3000 }
    )
  })

  it('refuses by name: empty, unknown type, trailing bytes, non-minimal varuint, duplicate doc, unsorted vector', () => {
    expect(errorName(() => decodeSyncMessage(new Uint8Array(0)))).toBe('SyncMessageFormatError')
    expect(errorName(() => decodeSyncMessage(Uint8Array.of(0x00)))).toBe('SyncMessageFormatError')
    expect(errorName(() => decodeSyncMessage(Uint8Array.of(0x08, 1)))).toBe('SyncMessageFormatError')
    expect(errorName(() => decodeSyncMessage(Uint8Array.of(0x07, 1, 0)))).toBe('SyncMessageFormatError')
    expect(errorName(() => decodeSyncMessage(Uint8Array.of(0x07, 0x81, 0x00)))).toBe('SyncMessageFormatError')
    expect(errorName(() => decodeSyncMessage(Uint8Array.of(0x07, 0)))).toBe('SyncMessageFormatError') // ACK of 0
    const id = new Uint8Array(16)
    const want = (docs: Array<{ vector: number[][] }>): Uint8Array =>
      Uint8Array.of(0x02, 0, docs.length, ...docs.flatMap((d) => [...id, d.vector.length, ...d.vector.flat()]))
    expect(errorName(() => decodeSyncMessage(want([{ vector: [] }, { vector: [] }])))).toBe('SyncMessageFormatError')
    expect(errorName(() => decodeSyncMessage(want([{ vector: [[1, 1], [0, 1]] }])))).toBe('SyncMessageFormatError')
    expect(errorName(() => decodeSyncMessage(want([{ vector: [[0, 0]] }])))).toBe('SyncMessageFormatError') // seq 0
    expect(errorName(() => decodeSyncMessage(Uint8Array.of(0x05, ...id, 3)))).toBe('SyncMessageFormatError') // reason 3
  })

  it('checks the size caps before parsing: message cap, then the cap of its type', () => {
    const limits = resolveLimits({ maxEnvelopeBytes: 1024, maxHelloBytes: 2048 })
    expect(errorName(() => decodeSyncMessage(new Uint8Array(limits.maxMessageBytes + 1).fill(3), limits))).toBe('SyncMessageTooLargeError')
    const hello = new Uint8Array(2049)
    hello[0] = 0x01
    expect(errorName(() => decodeSyncMessage(hello, limits))).toBe('SyncMessageTooLargeError')
    const ack = new Uint8Array(20)
    ack[0] = 0x07
    expect(errorName(() => decodeSyncMessage(ack))).toBe('SyncMessageTooLargeError')
    // counts beyond the limits are refused by the decoder
    const tooMany = encodeSyncMessage({ type: 'envelopes', docId: new Uint8Array(16), envelopes: Array.from({ length: 9 }, () => Uint8Array.of(1)) })
    expect(errorName(() => decodeSyncMessage(tooMany, { ...DEFAULT_SYNC_LIMITS, maxEnvelopesPerMessage: 8 }))).toBe('SyncMessageFormatError')
  })

  it('encoding validates its input (TypeError / RangeError: our own bug, not the peer’s)', () => {
    expect(() => encodeSyncMessage({ type: 'envelopes', docId: new Uint8Array(15), envelopes: [Uint8Array.of(1)] })).toThrow(RangeError)
    expect(() => encodeSyncMessage({ type: 'envelopes', docId: new Uint8Array(16), envelopes: [] })).toThrow(RangeError)
    expect(() => encodeSyncMessage({ type: 'ack', count: 0 })).toThrow(RangeError)
    expect(() => encodeSyncMessage({ type: 'want', authors: [], docs: [{ docId: new Uint8Array(16), vector: [[2, 1], [1, 1]] }] })).toThrow(RangeError)
    expect(() => encodeSyncMessage({ type: 'hello', cert: 'x' as unknown as Uint8Array, grants: [] })).toThrow(TypeError)
  })

  it('the default limits are the documented ones', () => {
    expect(DEFAULT_SYNC_LIMITS.maxEnvelopeBytes).toBe(4 * 1024 * 1024)
    expect(DEFAULT_SYNC_LIMITS.maxMessageBytes).toBe(4 * 1024 * 1024 + 1024)
    expect(DEFAULT_SYNC_LIMITS.maxEnvelopesPerMessage).toBe(256)
    expect(DEFAULT_SYNC_LIMITS.batchBytes).toBe(1024 * 1024)
    expect(DEFAULT_SYNC_LIMITS.windowBytes).toBe(4 * 1024 * 1024)
    expect(() => resolveLimits({ maxMessageBytes: 100 })).toThrow(RangeError)
    expect(() => resolveLimits({ windowBytes: 0 })).toThrow(RangeError)
  })
})
