import { generateKeyPair, generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { base58 } from '@scure/base'
import { describe, expect, it } from 'vitest'
import { ed25519PublicKey, isPeerIdString } from '../../src/crypto/index.ts'
import { peerIdOf, seq } from './helpers.ts'

describe('PeerId strings', () => {
  it('accepts real libp2p Ed25519 and secp256k1 PeerIds', async () => {
    for (const type of ['Ed25519', 'secp256k1'] as const) {
      const id = peerIdFromPrivateKey(await generateKeyPair(type)).toString()
      expect(isPeerIdString(id), id).toBe(true)
    }
  })

  it("our test helper spells a key's PeerId exactly as libp2p does", async () => {
    const seed = seq(0x33, 32)
    const libp2pId = peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', seed)).toString()
    expect(peerIdOf(ed25519PublicKey(seed))).toBe(libp2pId)
    expect(libp2pId.startsWith('12D3KooW')).toBe(true)
  })

  it('accepts a sha2-256 multihash (Qm…, e.g. RSA keys)', () => {
    expect(isPeerIdString(base58.encode(Uint8Array.of(0x12, 0x20, ...seq(0, 32))))).toBe(true)
  })

  it.each([
    ['empty', ''],
    ['not base58', '12D3KooW0OIl'],
    ['wrong multihash length', base58.encode(Uint8Array.of(0x12, 0x20, ...seq(0, 31)))],
    ['unknown multihash code', base58.encode(Uint8Array.of(0x13, 0x20, ...seq(0, 32)))],
    ['identity multihash too long', base58.encode(Uint8Array.of(0x00, 43, ...seq(0, 43)))],
    ['CIDv1 form', 'bafzaajaiaejcazhvqy4zaoyhjpbnjzjvfyugqa7g6nd2tpvf2zqqnl3ynnjjm'],
    ['too long', '1'.repeat(200)],
    ['a number', 42]
  ])('rejects %s', (_, value) => {
    expect(isPeerIdString(value)).toBe(false)
  })
})
