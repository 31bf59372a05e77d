/**
 * `/phr/consult/1` and data-channel messages: round trips over random messages, and
 * refusal by name of truncated, oversized, trailing, unknown and mistyped input.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  channelMessageText,
  decodeConsultMessage,
  encodeConsultMessage,
  parseChannelMessage,
  MAX_CONSULT_MESSAGE_BYTES,
  MAX_SDP_BYTES,
  MAX_CALL_FILE_BYTES,
  type ConsultMessage
} from '../../src/consult/index.ts'
import { createPerson, issueDeviceCert } from '../../src/crypto/index.ts'
import { fuzzRuns } from '../helpers/fuzz.ts'

const owner = createPerson().keys
const cert = issueDeviceCert({ peerId: '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN', name: 'Clinic PC', issuedAt: 1 }, owner.signing.secretKey)

const message: fc.Arbitrary<ConsultMessage> = fc.oneof(
  fc.record({ type: fc.constant('ring' as const), callId: fc.uint8Array({ minLength: 16, maxLength: 16 }), grantId: fc.uint8Array({ minLength: 16, maxLength: 16 }), cert: fc.constant(cert) }),
  fc.record({ type: fc.constant('accept' as const), cert: fc.constant(cert) }),
  fc.record({ type: fc.constant('decline' as const), reason: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const) }),
  fc.record({ type: fc.constantFrom('offer' as const, 'answer' as const), sdp: fc.string({ minLength: 1, maxLength: 400 }) }),
  fc.record({ type: fc.constant('ice' as const), candidate: fc.string({ maxLength: 200 }), sdpMid: fc.string({ maxLength: 8 }), sdpMLineIndex: fc.integer({ min: 0, max: 63 }) }),
  fc.record({ type: fc.constant('hangup' as const), reason: fc.constantFrom(1 as const, 2 as const) })
)

describe('consult messages', () => {
  it('decode what they encode', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeConsultMessage(encodeConsultMessage(m))).toEqual(m)
      }),
      { numRuns: fuzzRuns(300, 30_000) }
    )
  })

  it('refuse every truncation and any trailing byte', () => {
    fc.assert(
      fc.property(message, fc.nat(), (m, cut) => {
        const bytes = encodeConsultMessage(m)
        const short = bytes.subarray(0, cut % bytes.length)
        expect(() => decodeConsultMessage(short)).toThrow(expect.objectContaining({ name: 'ConsultMessageFormatError' }))
        const long = new Uint8Array([...bytes, 0])
        expect(() => decodeConsultMessage(long)).toThrow(expect.objectContaining({ name: 'ConsultMessageFormatError' }))
      }),
      { numRuns: fuzzRuns(300, 30_000) }
    )
  })

  it('never throw anything but their named error on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeConsultMessage(bytes)
        } catch (err) {
          expect((err as Error).name).toBe('ConsultMessageFormatError')
        }
      }),
      { numRuns: fuzzRuns(1000, 100_000) }
    )
  })

  it('refuse an oversized message before parsing, an unknown type, reasons and an empty SDP', () => {
    expect(() => decodeConsultMessage(new Uint8Array(MAX_CONSULT_MESSAGE_BYTES + 1).fill(4))).toThrow(/exceeds the cap/)
    expect(() => decodeConsultMessage(new Uint8Array([9]))).toThrow(/unknown type 9/)
    expect(() => decodeConsultMessage(new Uint8Array([3, 7]))).toThrow(/unknown reason/)
    expect(() => decodeConsultMessage(new Uint8Array([7, 0]))).toThrow(/unknown reason/)
    expect(() => decodeConsultMessage(new Uint8Array([4, 0]))).toThrow(/sdp: empty/)
    expect(() => encodeConsultMessage({ type: 'offer', sdp: 'x'.repeat(MAX_SDP_BYTES + 1) })).toThrow(RangeError)
    expect(() => encodeConsultMessage({ type: 'ice', candidate: '', sdpMid: '0', sdpMLineIndex: 64 })).toThrow(RangeError)
    expect(() => encodeConsultMessage({ type: 'ring', callId: new Uint8Array(15), grantId: new Uint8Array(16), cert })).toThrow(RangeError)
  })
})

describe('data-channel messages', () => {
  it('round-trip chat, file and keep', () => {
    for (const m of [
      { t: 'chat', id: 'abcd-1234', text: 'Привет, doktor! 👋', at: 1_700_000_000_000 },
      { t: 'file', id: 'file-0001', name: 'rash photo.jpg', mime: 'image/jpeg', size: 1234 },
      { t: 'keep', value: true }
    ] as const) {
      expect(parseChannelMessage(channelMessageText(m))).toEqual(m)
    }
  })

  it('refuse by name: extra fields, wrong types, too long text, path-like names, big files, unknown kinds, non-JSON', () => {
    const bad = [
      '{"t":"chat","id":"abcd-1234","text":"hi","at":1,"x":1}',
      '{"t":"chat","id":"abcd-1234","text":"","at":1}',
      `{"t":"chat","id":"abcd-1234","text":"${'a'.repeat(2001)}","at":1}`,
      '{"t":"chat","id":"ab","text":"hi","at":1}',
      '{"t":"chat","id":"abcd-1234","text":"hi","at":-1}',
      '{"t":"file","id":"file-0001","name":"../../etc/passwd","mime":"text/plain","size":1}',
      `{"t":"file","id":"file-0001","name":"a.pdf","mime":"application/pdf","size":${MAX_CALL_FILE_BYTES + 1}}`,
      '{"t":"file","id":"file-0001","name":"a.pdf","mime":"<script>","size":1}',
      '{"t":"keep","value":"yes"}',
      '{"t":"video"}',
      '[1,2]',
      'null',
      'not json',
      'x'.repeat(10_000)
    ]
    for (const text of bad) expect(() => parseChannelMessage(text), text.slice(0, 60)).toThrow(expect.objectContaining({ name: 'ConsultMessageFormatError' }))
  })
})
