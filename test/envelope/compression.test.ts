/**
 * Compressed snapshots: the payload codec (round trip, framing checks, bombs) and the
 * envelope kind that carries it (codec byte authenticated, old raw snapshots still open,
 * the synchronous `openEnvelope` never hands out a compressed payload as the state).
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWriter, equalBytes, toHex } from '../../src/lib/index.ts'
import { SignatureLabel, signLabelled } from '../../src/crypto/index.ts'
import {
  compressPayload,
  decompressPayload,
  openEnvelope,
  openEnvelopeAsync,
  parseEnvelopeHeader,
  sealEnvelope,
  sealEnvelopeWithNonce,
  sealSnapshot,
  SEGMENT_BYTES,
  useRawInflater,
  type EnvelopeHeader
} from '../../src/envelope/index.ts'
import { installNodeInflater } from '../../src/envelope/node-inflate.ts'
import { encodeHeader } from '../../src/envelope/header.ts'
import { doctor, patient, rejected, seq, thrown } from '../crypto/helpers.ts'

const author = patient()
const epochKey = seq(0x40, 32)
const docId = seq(0xd0, 16)
const sealKeys = { epochKey, authorSecretKey: author.signing.secretKey }
const openKeys = { epochKey: () => epochKey }
const snapshot: EnvelopeHeader = {
  docId,
  epoch: 2,
  author: author.signing.publicKey,
  seq: 6,
  kind: 'snapshot',
  covers: new Map([[toHex(doctor().signing.publicKey), 3], [toHex(author.signing.publicKey), 6]])
}

/** A state-like buffer: repetitive text with some noise, so that it compresses but not to nothing. */
function stateLike(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length)
  const words = new TextEncoder().encode('{"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"valueQuantity":{"value":')
  let x = seed
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = i % 131 < 110 ? (words[i % words.length] as number) : x >>> 24
  }
  return out
}

async function deflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate-raw'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

/** A payload with hand-written framing around given DEFLATE segments. */
function framed(total: number, segments: Array<{ inflated: number; data: Uint8Array }>): Uint8Array {
  const w = createWriter().varUint(total).varUint(segments.length)
  for (const s of segments) w.varUint(s.inflated).varUint(s.data.length)
  for (const s of segments) w.bytes(s.data)
  return w.finish()
}

/** Replaces the header's kind byte (the byte after the seq). */
function withKindByte(bytes: Uint8Array, header: EnvelopeHeader, kind: number): Uint8Array {
  const out = bytes.slice()
  // header = v ‖ docId ‖ epoch ‖ author ‖ seq ‖ kind ‖ …: the kind byte follows the seq
  const at = 1 + 16 + 1 + 32 + 1
  expect(encodeHeader(header)[at]).toBe(header.codec === 'deflate-raw' ? 2 : header.kind === 'snapshot' ? 1 : 0)
  out[at] = kind
  return out
}

function resign(bytes: Uint8Array): Uint8Array {
  const body = bytes.subarray(0, bytes.length - 64)
  const out = bytes.slice()
  out.set(signLabelled(SignatureLabel.envelope, author.signing.secretKey, body), bytes.length - 64)
  return out
}

describe.each([
  ['DecompressionStream', false],
  ['Node zlib on the thread pool', true]
])('compressed payload, inflated by %s', (_name, zlib) => {
  beforeAll(() => {
    if (zlib) installNodeInflater()
  })
  afterAll(() => useRawInflater(undefined))

  it('round-trips any bytes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4000 }), async (state) => {
        expect(await decompressPayload(await compressPayload(state), state.length)).toEqual(state)
      }),
      { numRuns: 40 }
    )
  })

  it('cuts a large state into segments and gives back exactly the same bytes, much smaller at rest', async () => {
    const state = stateLike(2 * SEGMENT_BYTES + 12_345)
    const payload = await compressPayload(state)
    expect(payload.length).toBeLessThan(state.length / 3)
    // (equalBytes: a deep equality over megabytes takes the test runner minutes)
    expect(equalBytes(await decompressPayload(payload, state.length), state)).toBe(true)
  })

  it('refuses a payload that declares more state than the cap before inflating anything (a bomb, honestly labelled)', async () => {
    // 64 MiB of zeros deflate to about 64 KB
    const zeros = await deflateRaw(new Uint8Array(SEGMENT_BYTES))
    const bomb = framed(16 * SEGMENT_BYTES, Array.from({ length: 16 }, () => ({ inflated: SEGMENT_BYTES, data: zeros })))
    expect(bomb.length).toBeLessThan(SEGMENT_BYTES / 8)
    expect((await rejected(() => decompressPayload(bomb, 8 * SEGMENT_BYTES))).name).toBe('InflatedTooLargeError')
  })

  it('stops a segment that inflates past its declared length (a bomb that lies about its size)', async () => {
    const zeros = await deflateRaw(new Uint8Array(64 * 1024 * 1024))
    const lying = framed(1000, [{ inflated: 1000, data: zeros }])
    const e = await rejected(() => decompressPayload(lying, 1 << 20))
    expect(e.name).toBe('CompressedPayloadError')
    expect(e.message).toMatch(/declared 1000 bytes/)
  })

  it('names every malformed framing and corrupt DEFLATE data', async () => {
    const state = stateLike(5000)
    const data = await deflateRaw(state)
    const cases: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array(0)],
      ['short by one segment', framed(state.length, [{ inflated: state.length - 1, data }])],
      ['declares more than it holds', framed(state.length + 1, [{ inflated: state.length + 1, data }])],
      ['segments do not add up', framed(state.length + 7, [{ inflated: state.length, data }])],
      ['truncated data', framed(state.length, [{ inflated: state.length, data }]).subarray(0, -3)],
      ['trailing bytes', new Uint8Array([...framed(state.length, [{ inflated: state.length, data }]), 0])],
      ['segment over 4 MiB', framed(SEGMENT_BYTES + 1, [{ inflated: SEGMENT_BYTES + 1, data }])],
      ['corrupt DEFLATE', framed(state.length, [{ inflated: state.length, data: data.map((b, i) => (i === 0 ? 0xff : b)) }])],
      ['no segments', createWriter().varUint(0).varUint(0).finish()]
    ]
    for (const [what, payload] of cases) {
      expect((await rejected(() => decompressPayload(payload, 64 << 20))).name, what).toBe('CompressedPayloadError')
    }
  })
})

describe('compressed snapshot envelopes', () => {
  const state = stateLike(300_000)

  it('seals a snapshot compressed, reads back as a snapshot with its codec, opens to the state', async () => {
    const bytes = await sealSnapshot(snapshot, state, sealKeys)
    expect(bytes.length).toBeLessThan(state.length / 3)
    expect(parseEnvelopeHeader(bytes)).toEqual({ ...snapshot, codec: 'deflate-raw' })
    const opened = await openEnvelopeAsync(bytes, openKeys)
    expect(equalBytes(opened.plaintext, state)).toBe(true)
    expect(opened.header.kind).toBe('snapshot')
  })

  it('still opens an old raw snapshot (kind 0x01) and updates, through the same call', async () => {
    const raw = sealEnvelope(snapshot, state, sealKeys)
    expect(parseEnvelopeHeader(raw).codec).toBeUndefined()
    expect(equalBytes((await openEnvelopeAsync(raw, openKeys)).plaintext, state)).toBe(true)
    const up = sealEnvelope({ docId, epoch: 2, author: author.signing.publicKey, seq: 7, kind: 'update' }, state.subarray(0, 10), sealKeys)
    expect(equalBytes((await openEnvelopeAsync(up, openKeys)).plaintext, state.subarray(0, 10))).toBe(true)
    expect(equalBytes((await openEnvelopeAsync(await sealSnapshot(snapshot, state, sealKeys, { compress: false }), openKeys)).plaintext, state)).toBe(true)
  })

  it('refuses a snapshot that would inflate past the reader cap, by name', async () => {
    const bytes = await sealSnapshot(snapshot, state, sealKeys)
    expect((await rejected(() => openEnvelopeAsync(bytes, openKeys, { maxInflatedBytes: state.length - 1 }))).name).toBe('InflatedTooLargeError')
  })

  it('names a corrupted codec byte: unknown kind, a flipped codec, or a re-signed lie', async () => {
    const bytes = await sealSnapshot(snapshot, state, sealKeys)
    const compressed = { ...snapshot, codec: 'deflate-raw' as const }
    // an unknown kind is a format error, found before any cryptography
    expect((await rejected(() => openEnvelopeAsync(withKindByte(bytes, compressed, 4), openKeys))).name).toBe('EnvelopeFormatError')
    // compressed → in parts (kind 3) breaks the signature too
    expect((await rejected(() => openEnvelopeAsync(withKindByte(bytes, compressed, 3), openKeys))).name).toBe('SignatureInvalidError')
    // the kind byte is signed: compressed → raw (or back) breaks the signature
    expect((await rejected(() => openEnvelopeAsync(withKindByte(bytes, compressed, 1), openKeys))).name).toBe('SignatureInvalidError')
    const raw = sealEnvelope(snapshot, state, sealKeys)
    expect((await rejected(() => openEnvelopeAsync(withKindByte(raw, snapshot, 2), openKeys))).name).toBe('SignatureInvalidError')
    // an author who re-signs it still cannot pass the AEAD: the header is its associated data
    expect((await rejected(() => openEnvelopeAsync(resign(withKindByte(raw, snapshot, 2)), openKeys))).name).toBe('DecryptError')
    // an author who seals a raw state labelled as compressed gets a named format error
    const lie = sealEnvelopeWithNonce(compressed, state, sealKeys, seq(1, 24))
    expect((await rejected(() => openEnvelopeAsync(lie, openKeys))).name).toBe('CompressedPayloadError')
  })

  it('never gives a compressed payload to a synchronous caller as if it were the state', async () => {
    const bytes = await sealSnapshot(snapshot, state, sealKeys)
    expect(thrown(() => openEnvelope(bytes, openKeys)).name).toBe('CompressedPayloadError')
    // and sealing a codec header synchronously is refused rather than sealing raw bytes under it
    expect(thrown(() => sealEnvelope({ ...snapshot, codec: 'deflate-raw' }, state, sealKeys)).name).toBe('TypeError')
  })

  it('refuses a codec on an update header', () => {
    expect(thrown(() => encodeHeader({ docId, epoch: 0, author: author.signing.publicKey, seq: 1, kind: 'update', codec: 'deflate-raw' })).name).toBe('RangeError')
  })
})
