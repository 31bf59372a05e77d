import { base58 } from '@scure/base'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { didKeyFromEd25519, ed25519FromDidKey, generateSigningKeyPair } from '../../src/crypto/index.ts'
import { thrown } from './helpers.ts'

const VALID = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp' // W3C did:key test vector

function didOfRaw(raw: Uint8Array): string {
  return 'did:key:z' + base58.encode(raw)
}

describe('did:key (Ed25519)', () => {
  it('round-trips every Ed25519 public key (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        const { publicKey } = generateSigningKeyPair(seed)
        const did = didKeyFromEd25519(publicKey)
        expect(did.startsWith('did:key:z6Mk')).toBe(true)
        expect(ed25519FromDidKey(did)).toEqual(publicKey)
      }),
      { numRuns: 50 }
    )
  })

  it('validates its argument', () => {
    expect(() => didKeyFromEd25519(new Uint8Array(31))).toThrow(RangeError)
    expect(() => didKeyFromEd25519('x' as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => ed25519FromDidKey(5 as unknown as string)).toThrow(TypeError)
  })

  const pk = ed25519FromDidKey(VALID)
  const rejected: Array<[string, string]> = [
    ['empty', ''],
    ['another method', 'did:web:example.com'],
    ['base58 without multibase prefix', VALID.replace('did:key:z', 'did:key:')],
    ['another multibase (base32 b)', VALID.replace('did:key:z', 'did:key:b')],
    ['upper-case scheme', VALID.replace('did:key', 'DID:KEY')],
    ['a fragment', VALID + '#' + VALID.slice(8)],
    ['a query', VALID + '?x=1'],
    ['whitespace', VALID + ' '],
    ['a non-base58 character (0)', VALID.slice(0, -1) + '0'],
    ['truncated', VALID.slice(0, -1)],
    ['extended', VALID + 'a'],
    ['leading zero byte (extra "1")', 'did:key:z1' + VALID.slice(9)],
    ['secp256k1 multicodec', didOfRaw(Uint8Array.of(0xe7, 0x01, ...pk))],
    ['x25519 multicodec', didOfRaw(Uint8Array.of(0xec, 0x01, ...pk))],
    ['33-byte key', didOfRaw(Uint8Array.of(0xed, 0x01, ...pk, 0))],
    ['very long', 'did:key:z' + '6'.repeat(500)],
    // y = 2^255 - 1 (≥ p): not a canonical field element (RFC 8032 §5.1.3 step 1)
    ['non-canonical point encoding', didOfRaw(Uint8Array.of(0xed, 0x01, ...new Uint8Array(32).fill(0xff)))]
  ]

  it.each(rejected)('rejects %s with DidKeyError', (_, did) => {
    expect(thrown(() => ed25519FromDidKey(did)).name).toBe('DidKeyError')
  })

  it('rejects a 32-byte string that is not a curve point', () => {
    // find a y whose x² has no square root: decoding must fail
    for (let i = 0; i < 256; i++) {
      const y = new Uint8Array(32)
      y[0] = i
      y[1] = 1
      const did = didOfRaw(Uint8Array.of(0xed, 0x01, ...y))
      let ok = true
      try {
        ed25519FromDidKey(did)
      } catch (err) {
        expect((err as Error).name).toBe('DidKeyError')
        ok = false
      }
      if (!ok) return
    }
    throw new Error('no off-curve y found in 256 tries')
  })
})
