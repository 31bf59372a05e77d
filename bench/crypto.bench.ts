/**
 * Cryptographic core: Ed25519 sign/verify rate, hybrid wrap/unwrap cost per recipient
 * (with its X25519 and ML-KEM-768 parts as baselines measured in the same run), and the
 * key-store unlock time at the default scrypt parameters.
 */
import {
  createPerson,
  DEFAULT_SCRYPT_PARAMS,
  openSecret,
  profileOf,
  randomBytes,
  sealSecret,
  SignatureLabel,
  signLabelled,
  unwrapKey,
  verifyLabelled,
  verifyProfile,
  wrapKey,
  x25519KeyPair,
  x25519SharedSecret
} from '../src/crypto/index.ts'
import { medianNs, type BenchRow } from './report.ts'

async function medianAsyncMs(fn: () => Promise<unknown>, iterations: number): Promise<number> {
  await fn() // warm-up
  const samples: number[] = []
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now()
    await fn()
    samples.push(performance.now() - t0)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(iterations / 2)] ?? 0
}

export default async function run(): Promise<BenchRow[]> {
  const sender = createPerson().keys
  const recipient = createPerson().keys
  const message = randomBytes(256)
  const sig = signLabelled(SignatureLabel.envelope, sender.signing.secretKey, message)

  const signNs = medianNs(() => signLabelled(SignatureLabel.envelope, sender.signing.secretKey, message), 300)
  const verifyNs = medianNs(() => verifyLabelled(SignatureLabel.envelope, sender.signing.publicKey, message, sig), 300)

  const profile = verifyProfile(profileOf(recipient, Date.now()))
  const context = { docId: randomBytes(16), epoch: 1, grantId: randomBytes(16) }
  const key = randomBytes(32)
  const wrapped = wrapKey(key, context, sender.signing.secretKey, profile)
  const wrapNs = medianNs(() => wrapKey(key, context, sender.signing.secretKey, profile), 100)
  const unwrapNs = medianNs(() => unwrapKey(wrapped, recipient), 100)
  const eph = x25519KeyPair()
  const dhNs = medianNs(() => x25519SharedSecret(eph.secretKey, recipient.agreement.publicKey), 100)

  const blob = await sealSecret(randomBytes(32), 'correct horse battery staple')
  const unlockMs = await medianAsyncMs(() => openSecret(blob, 'correct horse battery staple'), 3)
  const { log2N, r, p } = DEFAULT_SCRYPT_PARAMS

  return [
    { name: 'Ed25519 sign (256-byte message, labelled)', value: 1e9 / signNs, unit: 'ops/s' },
    { name: 'Ed25519 verify (256-byte message, strict)', value: 1e9 / verifyNs, unit: 'ops/s' },
    {
      name: 'hybrid wrap, per recipient',
      value: wrapNs / 1000,
      unit: 'µs',
      baselineName: 'one X25519 DH',
      baseline: dhNs / 1000,
      ratio: wrapNs / dhNs
    },
    {
      name: 'hybrid unwrap, per recipient (verify + DH + decaps + AEAD)',
      value: unwrapNs / 1000,
      unit: 'µs',
      baselineName: 'one X25519 DH',
      baseline: dhNs / 1000,
      ratio: unwrapNs / dhNs
    },
    {
      name: `key-store unlock, scrypt N=2^${log2N} r=${r} p=${p}`,
      value: unlockMs,
      unit: 'ms',
      target: '< 1000 ms (interactive)',
      met: unlockMs < 1000
    }
  ]
}
