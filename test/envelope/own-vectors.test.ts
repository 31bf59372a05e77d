/** Envelope known-answer vectors (test/vectors/phr-envelope.json, from generate-own.ts). */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { concatBytes, fromHex, toHex, utf8Encode } from '../../src/lib/index.ts'
import { aeadOpen, SignatureLabel, verifyLabelled } from '../../src/crypto/index.ts'
import { openEnvelope, openEnvelopeAsync, parseEnvelopeHeader, sealEnvelopeWithNonce, type EnvelopeHeader } from '../../src/envelope/index.ts'
import { patient } from '../crypto/helpers.ts'

interface Case {
  name: string
  header: { docId: string; epoch: number; author: string; seq: number; kind: 'update' | 'snapshot'; covers?: Record<string, number>; codec?: 'deflate-raw' }
  plaintext: string
  /** Compressed snapshots: the state the plaintext (a compressed payload) inflates to. */
  state?: string
  nonce: string
  headerBytes: string
  aad: string
  ciphertext: string
  signature: string
  envelope: string
}

const v = JSON.parse(readFileSync(new URL('../vectors/phr-envelope.json', import.meta.url), 'utf8')) as {
  author: { ed25519SecretKey: string; ed25519PublicKey: string }
  epochKey: string
  cases: Case[]
}

function header(c: Case): EnvelopeHeader {
  const h = { docId: fromHex(c.header.docId), epoch: c.header.epoch, author: fromHex(c.header.author), seq: c.header.seq }
  return c.header.kind === 'update'
    ? { ...h, kind: 'update' }
    : { ...h, kind: 'snapshot', covers: new Map(Object.entries(c.header.covers ?? {})), ...(c.header.codec === undefined ? {} : { codec: c.header.codec }) }
}

describe('phr-envelope.json', () => {
  const epochKey = fromHex(v.epochKey)
  const authorSecretKey = fromHex(v.author.ed25519SecretKey)

  it('uses the fixed patient as author', () => {
    expect(toHex(patient().signing.secretKey)).toBe(v.author.ed25519SecretKey)
  })

  it.each(v.cases)('$name: sealing reproduces every byte', (c) => {
    const bytes = sealEnvelopeWithNonce(header(c), fromHex(c.plaintext), { epochKey, authorSecretKey }, fromHex(c.nonce))
    expect(toHex(bytes)).toBe(c.envelope)
  })

  it.each(v.cases)('$name: layout is header ‖ nonce ‖ ct ‖ sig with the documented AAD and signature', (c) => {
    expect(c.envelope).toBe(c.headerBytes + c.nonce + c.ciphertext + c.signature)
    const label = c.header.kind === 'snapshot' ? 'phr/v1/snapshot' : 'phr/v1/update'
    expect(c.aad).toBe(toHex(concatBytes(utf8Encode(label), fromHex(c.headerBytes))))
    expect(toHex(aeadOpen(epochKey, fromHex(c.nonce), fromHex(c.aad), fromHex(c.ciphertext)))).toBe(c.plaintext)
    const signed = fromHex(c.headerBytes + c.nonce + c.ciphertext)
    expect(verifyLabelled(SignatureLabel.envelope, fromHex(v.author.ed25519PublicKey), signed, fromHex(c.signature))).toBe(true)
  })

  it.each(v.cases)('$name: opens to the plaintext (or, compressed, its state) and header', async (c) => {
    const opened = await openEnvelopeAsync(fromHex(c.envelope), { epochKey: () => epochKey })
    expect(opened.header).toEqual(header(c))
    expect(toHex(opened.plaintext)).toBe(c.state ?? c.plaintext)
    if (c.state === undefined) expect(toHex(openEnvelope(fromHex(c.envelope), { epochKey: () => epochKey }).plaintext)).toBe(c.plaintext)
    expect(parseEnvelopeHeader(fromHex(c.envelope))).toEqual(header(c))
  })
})
