/**
 * Envelope seal/open throughput against raw XChaCha20-Poly1305 encrypt/decrypt of the same
 * bytes, measured in the same run. Sealing includes the Ed25519 signature over
 * `label ‖ header ‖ nonce ‖ ct` (two SHA-512 passes over the message plus one scalar
 * multiplication); opening includes its verification (one SHA-512 pass plus a double
 * scalar multiplication). The raw baseline does neither.
 */
import { aeadOpen, aeadSeal, createPerson, randomBytes } from '../src/crypto/index.ts'
import { openEnvelope, sealEnvelope, type EnvelopeHeader } from '../src/envelope/index.ts'
import { medianNs, type BenchRow } from './report.ts'

const SIZES: Array<[string, number, number]> = [
  ['1 KB', 1024, 200],
  ['64 KB', 64 * 1024, 30],
  ['1 MB', 1024 * 1024, 6]
]
const ROUNDS = 7

function mbPerSecond(bytes: number, ns: number): number {
  return bytes / (1024 * 1024) / (ns / 1e9)
}

/** Bench entry point (see `bench/report.ts`); the measurements are synchronous. */
export default function run(): Promise<BenchRow[]> {
  return Promise.resolve(measure())
}

function measure(): BenchRow[] {
  const author = createPerson().keys
  const epochKey = randomBytes(32)
  const header: EnvelopeHeader = { docId: randomBytes(16), epoch: 1, author: author.signing.publicKey, seq: 1, kind: 'update' }
  const keys = { epochKey, authorSecretKey: author.signing.secretKey }
  const rows: BenchRow[] = []
  // Warm every code path first: V8 needs a few dozen calls before the cipher and hash
  // loops are optimised, and a cold baseline would flatter the ratios.
  {
    const warm = randomBytes(64 * 1024)
    const n = randomBytes(24)
    const ct = aeadSeal(epochKey, n, new Uint8Array(80), warm)
    const env = sealEnvelope(header, warm, keys)
    for (let i = 0; i < 150; i++) {
      aeadSeal(epochKey, n, new Uint8Array(80), warm)
      aeadOpen(epochKey, n, new Uint8Array(80), ct)
      sealEnvelope(header, warm, keys)
      openEnvelope(env, { epochKey: () => epochKey })
    }
  }
  for (const [label, size, iterations] of SIZES) {
    const plaintext = randomBytes(Math.min(size, 65536))
    const data = new Uint8Array(size)
    for (let o = 0; o < size; o += plaintext.length) data.set(plaintext.subarray(0, Math.min(plaintext.length, size - o)), o)
    const nonce = randomBytes(24)
    const aad = new Uint8Array(80) // about the size of "phr/v1/update" ‖ header
    const sealed = aeadSeal(epochKey, nonce, aad, data)
    const envelope = sealEnvelope(header, data, keys)

    // Interleaved rounds, best median per operation: V8's tiering makes any single
    // measurement depend on what ran before it, in both directions.
    let [rawSealNs, sealNs, rawOpenNs, openNs] = [Infinity, Infinity, Infinity, Infinity]
    for (let round = 0; round < ROUNDS; round++) {
      rawSealNs = Math.min(rawSealNs, medianNs(() => aeadSeal(epochKey, nonce, aad, data), iterations))
      sealNs = Math.min(sealNs, medianNs(() => sealEnvelope(header, data, keys), iterations))
      rawOpenNs = Math.min(rawOpenNs, medianNs(() => aeadOpen(epochKey, nonce, aad, sealed), iterations))
      openNs = Math.min(openNs, medianNs(() => openEnvelope(envelope, { epochKey: () => epochKey }), iterations))
    }

    const seal = mbPerSecond(size, sealNs)
    const rawSeal = mbPerSecond(size, rawSealNs)
    const open = mbPerSecond(size, openNs)
    const rawOpen = mbPerSecond(size, rawOpenNs)
    rows.push({
      name: `seal ${label} (incl. Ed25519 sign)`,
      value: seal,
      unit: 'MB/s',
      baselineName: 'raw XChaCha20-Poly1305 encrypt',
      baseline: rawSeal,
      ratio: seal / rawSeal,
      target: '≥ 0.8',
      met: seal / rawSeal >= 0.8
    })
    rows.push({
      name: `open ${label} (incl. Ed25519 verify)`,
      value: open,
      unit: 'MB/s',
      baselineName: 'raw XChaCha20-Poly1305 decrypt',
      baseline: rawOpen,
      ratio: open / rawOpen,
      target: '≥ 0.8',
      met: open / rawOpen >= 0.8
    })
  }
  return rows
}
