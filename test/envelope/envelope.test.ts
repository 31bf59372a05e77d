import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { concatBytes, equalBytes, PhrError, toHex } from '../../src/lib/index.ts'
import { labelBytes, SignatureLabel, signLabelled } from '../../src/crypto/index.ts'
import {
  DEFAULT_MAX_ENVELOPE_BYTES,
  openEnvelope,
  parseEnvelopeHeader,
  sealEnvelope,
  sealEnvelopeWithNonce,
  verifyEnvelope,
  type EnvelopeHeader
} from '../../src/envelope/index.ts'
import { encodeHeader } from '../../src/envelope/header.ts'
import { doctor, patient, seq, thrown } from '../crypto/helpers.ts'
import { headerArb } from './arbitraries.ts'

const author = patient()
const other = doctor()
const epochKey = seq(0x40, 32)
const docId = seq(0xd0, 16)
const sealKeys = { epochKey, authorSecretKey: author.signing.secretKey }
const openKeys = { epochKey: () => epochKey }
const plaintext = new TextEncoder().encode('a yjs update')

const update: EnvelopeHeader = { docId, epoch: 2, author: author.signing.publicKey, seq: 5, kind: 'update' }
const snapshot: EnvelopeHeader = {
  docId,
  epoch: 2,
  author: author.signing.publicKey,
  seq: 6,
  kind: 'snapshot',
  covers: new Map([[toHex(other.signing.publicKey), 3], [toHex(author.signing.publicKey), 5]])
}

/** Re-signs `header ‖ nonce ‖ ct` as the author would (an insider holding the author key). */
function resign(bytes: Uint8Array, sk = author.signing.secretKey): Uint8Array {
  const body = bytes.subarray(0, bytes.length - 64)
  return concatBytes(body, signLabelled(SignatureLabel.envelope, sk, body))
}

/** Splices a new header onto an envelope's nonce, ciphertext and signature. */
function withHeader(bytes: Uint8Array, from: EnvelopeHeader, to: EnvelopeHeader): Uint8Array {
  return concatBytes(encodeHeader(to), bytes.subarray(encodeHeader(from).length))
}

describe('seal / open', () => {
  it('round-trips any header and payload (property)', () => {
    fc.assert(
      fc.property(headerArb(author.signing.publicKey), fc.uint8Array({ maxLength: 300 }), (header, pt) => {
        const bytes = sealEnvelope(header, pt, sealKeys)
        const opened = openEnvelope(bytes, openKeys)
        expect(opened.header).toEqual(header)
        expect(opened.plaintext).toEqual(pt)
        expect(verifyEnvelope(bytes)).toEqual(header)
        expect(bytes.length).toBe(encodeHeader(header).length + 24 + pt.length + 16 + 64)
      }),
      { numRuns: 30 }
    )
  })

  it('uses a fresh nonce each time', () => {
    const a = sealEnvelope(update, plaintext, sealKeys)
    const b = sealEnvelope(update, plaintext, sealKeys)
    expect(equalBytes(a, b)).toBe(false)
  })

  it('looks the key up by the header’s docId and epoch', () => {
    const calls: Array<[string, number]> = []
    openEnvelope(sealEnvelope(update, plaintext, sealKeys), {
      epochKey: (d, e) => {
        calls.push([toHex(d), e])
        return epochKey
      }
    })
    expect(calls).toEqual([[toHex(docId), 2]])
  })
})

describe('receive pipeline order (DESIGN §5)', () => {
  const good = sealEnvelope(update, plaintext, sealKeys)
  const badSig = good.slice()
  badSig[badSig.length - 1]! ^= 1
  const neverCalled = {
    epochKey: (): Uint8Array => {
      throw new Error('key lookup must not happen before the signature verifies')
    }
  }

  it('1. size cap, before parsing', () => {
    expect(thrown(() => openEnvelope(new Uint8Array(DEFAULT_MAX_ENVELOPE_BYTES + 1), neverCalled)).name).toBe('EnvelopeTooLargeError')
    expect(thrown(() => openEnvelope(good, neverCalled, { maxBytes: good.length - 1 })).name).toBe('EnvelopeTooLargeError')
    expect(thrown(() => parseEnvelopeHeader(good, { maxBytes: 10 })).name).toBe('EnvelopeTooLargeError')
  })

  it('2. header format', () => {
    expect(thrown(() => openEnvelope(seq(7, 200), neverCalled)).name).toBe('EnvelopeFormatError')
    expect(thrown(() => openEnvelope(good.subarray(0, 150), neverCalled)).name).toBe('EnvelopeFormatError')
  })

  it('3. author allowed, before the signature is checked', () => {
    const isAllowed = (a: Uint8Array): boolean => equalBytes(a, other.signing.publicKey)
    expect(thrown(() => openEnvelope(badSig, neverCalled, { isAllowed })).name).toBe('AuthorNotAllowedError')
    const seen: EnvelopeHeader[] = []
    openEnvelope(good, openKeys, { isAllowed: (_, h) => (seen.push(h), true) })
    expect(seen[0]).toEqual(update)
  })

  it('4. signature, before any key lookup', () => {
    expect(thrown(() => openEnvelope(badSig, neverCalled)).name).toBe('SignatureInvalidError')
    expect(thrown(() => verifyEnvelope(badSig)).name).toBe('SignatureInvalidError')
  })

  it('5. key lookup: no key → KeyUnavailableError, never plaintext', () => {
    expect(thrown(() => openEnvelope(good, { epochKey: () => undefined })).name).toBe('KeyUnavailableError')
  })

  it('6. decrypt: wrong key → DecryptError', () => {
    expect(thrown(() => openEnvelope(good, { epochKey: () => seq(0x41, 32) })).name).toBe('DecryptError')
  })

  it('an author whose key did not sign it is refused (header.author ≠ signer)', () => {
    const forged = sealEnvelope({ ...update, author: other.signing.publicKey }, plaintext, sealKeys)
    expect(thrown(() => openEnvelope(forged, openKeys)).name).toBe('SignatureInvalidError')
  })
})

describe('tampering', () => {
  const XORS = [0x01, 0x80, 0xff]

  it.each([
    ['update', update],
    ['snapshot', snapshot]
  ] as const)('every single-byte change of a sealed %s is rejected with a named error', (_, header) => {
    const bytes = sealEnvelopeWithNonce(header, plaintext, sealKeys, seq(0x60, 24))
    const names = new Map<string, number>()
    for (let i = 0; i < bytes.length; i++) {
      for (const x of XORS) {
        const m = bytes.slice()
        m[i]! ^= x
        const err = thrown(() => openEnvelope(m, openKeys))
        expect(err, `byte ${i} ^ 0x${x.toString(16)}: ${err.name}`).toBeInstanceOf(PhrError)
        names.set(err.name, (names.get(err.name) ?? 0) + 1)
      }
    }
    expect([...names.keys()].sort()).toEqual(['EnvelopeFormatError', 'SignatureInvalidError'])
  })

  const a = sealEnvelopeWithNonce(update, plaintext, sealKeys, seq(0x60, 24))
  const swaps: Array<[string, EnvelopeHeader]> = [
    ['docId', { ...update, docId: seq(0xe0, 16) }],
    ['epoch', { ...update, epoch: 3 }],
    ['author', { ...update, author: other.signing.publicKey }],
    ['seq', { ...update, seq: 4 }],
    ['kind', { ...update, kind: 'snapshot', covers: new Map() }]
  ]

  it.each(swaps)('swapping the %s of a valid envelope is rejected (signature)', (_, swapped) => {
    expect(thrown(() => openEnvelope(withHeader(a, update, swapped), openKeys)).name).toBe('SignatureInvalidError')
  })

  it.each(swaps.filter(([f]) => f !== 'author'))(
    'even re-signed by the author, swapping the %s fails to decrypt (AAD binds label ‖ header)',
    (_, swapped) => {
      expect(thrown(() => openEnvelope(resign(withHeader(a, update, swapped)), openKeys)).name).toBe('DecryptError')
    }
  )

  it('swapping headers between two valid envelopes of different docs is rejected', () => {
    const b = sealEnvelopeWithNonce({ ...update, docId: seq(0xe0, 16), epoch: 9 }, plaintext, sealKeys, seq(0x60, 24))
    const hA = encodeHeader(update).length
    const spliced = concatBytes(b.subarray(0, hA), a.subarray(hA))
    expect(thrown(() => openEnvelope(spliced, openKeys)).name).toBe('SignatureInvalidError')
    expect(thrown(() => openEnvelope(resign(spliced), openKeys)).name).toBe('DecryptError')
  })

  it('an update never opens as a snapshot and vice versa (different AAD labels)', () => {
    expect(toHex(labelBytes('phr/v1/update'))).not.toBe(toHex(labelBytes('phr/v1/snapshot')))
    const asSnapshot = resign(withHeader(a, update, { ...update, kind: 'snapshot', covers: new Map() }))
    expect(thrown(() => openEnvelope(asSnapshot, openKeys)).name).toBe('DecryptError')
    const s = sealEnvelopeWithNonce(snapshot, plaintext, sealKeys, seq(0x60, 24))
    const { covers: _ignored, ...rest } = snapshot
    const asUpdate = resign(withHeader(s, snapshot, { ...rest, kind: 'update' }))
    expect(thrown(() => openEnvelope(asUpdate, openKeys)).name).toBe('DecryptError')
  })

  it('truncation, extension and trailing bytes are rejected', () => {
    for (const m of [a.subarray(0, a.length - 1), concatBytes(a, Uint8Array.of(0)), concatBytes(Uint8Array.of(1), a)]) {
      expect(thrown(() => openEnvelope(m, openKeys))).toBeInstanceOf(PhrError)
    }
  })

  it('a mailbox can verify without keys and read the header of a tampered ciphertext', () => {
    expect(verifyEnvelope(a)).toEqual(update)
    const m = a.slice()
    m[m.length - 70]! ^= 1
    expect(parseEnvelopeHeader(m)).toEqual(update)
    expect(thrown(() => verifyEnvelope(m)).name).toBe('SignatureInvalidError')
  })
})

describe('argument errors', () => {
  it('are TypeError / RangeError, not named input errors', () => {
    expect(() => sealEnvelope(update, 'x' as unknown as Uint8Array, sealKeys)).toThrow(TypeError)
    expect(() => sealEnvelope(update, plaintext, { ...sealKeys, epochKey: seq(0, 16) })).toThrow(RangeError)
    expect(() => sealEnvelope(update, plaintext, { ...sealKeys, authorSecretKey: seq(0, 64) })).toThrow(RangeError)
    expect(() => sealEnvelopeWithNonce(update, plaintext, sealKeys, seq(0, 12))).toThrow(RangeError)
    expect(() => openEnvelope(sealEnvelope(update, plaintext, sealKeys), { epochKey: () => seq(0, 16) })).toThrow(RangeError)
    expect(() => openEnvelope('x' as unknown as Uint8Array, openKeys)).toThrow(TypeError)
  })
})
