/**
 * Fuzz every parser/decoder of untrusted bytes: random and mutated inputs must end in
 * success (only for the unmodified corpus, where integrity is checked) or one of the
 * parser's named errors — never a TypeError/RangeError/Error from inside a library.
 *
 * Count: `fuzzRuns(100_000, 1_000_000)` inputs per parser (`npm run fuzz` for the full
 * scale). Seed: PHR_FUZZ_SEED (default 0x5eed); a failure names seed and run to replay.
 *
 * Parsers that verify a signature after parsing spend ~1.3 ms per input that gets that
 * far. To keep the normal scale fast, the mutation mix (and, where the pipeline has one,
 * the cheap pre-signature gate `isAllowed`) lets a small share through to the
 * cryptography; each test prints how many inputs reached it ("deep").
 */
import { describe, expect, it } from 'vitest'
import { concatBytes, utf8Encode } from '../../src/lib/index.ts'
import {
  decodeCredential,
  ed25519FromDidKey,
  entropyFromRecoveryPhrase,
  recoveryPhraseFromEntropy,
  generateSigningKeyPair,
  issueCredential,
  issueDeviceCert,
  openSecret,
  parseWrap,
  profileOf,
  sealSecret,
  sha256,
  signLabelled,
  SignatureLabel,
  didKeyFromEd25519,
  unwrapKey,
  verifyDeviceCert,
  verifyProfile,
  wrapKey,
  type PersonKeys
} from '../../src/crypto/index.ts'
import {
  openEnvelope,
  parseEnvelopeHeader,
  sealEnvelope,
  verifyEnvelope,
  type EnvelopeHeader
} from '../../src/envelope/index.ts'
import { fuzzRuns } from '../helpers/fuzz.ts'
import { authority, doctor, patient, peerIdOf, seq } from '../crypto/helpers.ts'
import { fuzz, type FuzzReport, type FuzzTarget } from './fuzz-engine.ts'

const RUNS = fuzzRuns(100_000, 1_000_000)
const SEED = Number(process.env['PHR_FUZZ_SEED'] ?? 0x5eed)
const TIMEOUT = RUNS > 100_000 ? 3_600_000 : 120_000

const people: PersonKeys[] = [patient(), doctor(), authority()]
const epochKey = seq(0x40, 32)
const EPOCHS = new Set([0, 1, 300])

function keyOwner(publicKey: Uint8Array): PersonKeys {
  return people.find((p) => p.signing.publicKey.every((b, i) => b === publicKey[i])) ?? patient()
}

/** Replaces the trailing 64-byte signature with a fresh one by `signer` over `label ‖ body`. */
function resign(bytes: Uint8Array, label: SignatureLabel, signer: PersonKeys): Uint8Array {
  if (bytes.length < 65) return bytes
  const body = bytes.subarray(0, bytes.length - 64)
  return concatBytes(body, signLabelled(label, signer.signing.secretKey, body))
}

function report(r: FuzzReport): void {
  const outcomes = Object.entries(r.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')
  const deep = r.deep === undefined ? '' : `, ${r.deep} reached the cryptographic checks`
  console.log(`fuzz ${r.name}: ${r.runs} inputs in ${(r.ms / 1000).toFixed(1)} s${deep}; ${outcomes}`)
}

// ── corpora ─────────────────────────────────────────────────────────────────
const envelopes = (() => {
  const out: Uint8Array[] = []
  const docId = seq(0xd0, 16)
  let n = 0
  for (const author of [patient(), doctor()]) {
    for (const epoch of EPOCHS) {
      const covers = new Map([[Buffer.from(doctor().signing.publicKey).toString('hex'), 3]])
      const headers: EnvelopeHeader[] = [
        { docId, epoch, author: author.signing.publicKey, seq: 1 + n++, kind: 'update' },
        { docId, epoch, author: author.signing.publicKey, seq: 200 + n++, kind: 'snapshot', covers }
      ]
      for (const h of headers) out.push(sealEnvelope(h, seq(n, (n * 7) % 60), { epochKey, authorSecretKey: author.signing.secretKey }))
    }
  }
  return out
})()

function resignEnvelope(bytes: Uint8Array): Uint8Array {
  let signer = patient()
  try {
    signer = keyOwner(parseEnvelopeHeader(bytes).author)
  } catch {
    // unparseable: any signer will do, the parser rejects it before the signature
  }
  return resign(bytes, SignatureLabel.envelope, signer)
}

const profiles = [profileOf(patient(), 1), profileOf(doctor(), Date.UTC(2025, 0, 1))]
const device = (i: number): string => peerIdOf(generateSigningKeyPair(seq(0x30 + i, 32)).publicKey)
const certs = [
  issueDeviceCert({ peerId: device(0), name: 'Phone', issuedAt: 1 }, patient().signing.secretKey),
  issueDeviceCert({ peerId: device(1), name: 'Ноутбук 💻', issuedAt: Date.UTC(2025, 0, 1) }, doctor().signing.secretKey),
  issueDeviceCert({ peerId: device(2), name: '', issuedAt: 0 }, patient().signing.secretKey)
]
const credentials = [
  issueCredential({ did: doctor().did, name: 'Dr Ada Example', licence: 'GMC-1', specialty: 'GP', validUntil: 2_000_000 }, authority().signing.secretKey),
  issueCredential({ did: patient().did, name: 'Zoë', licence: '', specialty: 'Cardiología', validUntil: Number.MAX_SAFE_INTEGER }, authority().signing.secretKey)
]
const doctorProfile = verifyProfile(profiles[1]!)
const patientProfile = verifyProfile(profiles[0]!)
const wraps = [
  wrapKey(epochKey, { docId: seq(0xd0, 16), epoch: 0, grantId: seq(1, 1) }, patient().signing.secretKey, doctorProfile),
  wrapKey(epochKey, { docId: seq(0xd0, 16), epoch: 300, grantId: seq(2, 64) }, patient().signing.secretKey, doctorProfile),
  wrapKey(epochKey, { docId: seq(0xd1, 16), epoch: 1, grantId: seq(3, 16) }, doctor().signing.secretKey, patientProfile)
]
const PASS = 'pw'
const blobs = await Promise.all([
  sealSecret(seq(1, 32), PASS, { params: { log2N: 1, r: 1, p: 1 } }),
  sealSecret(new Uint8Array(0), PASS, { params: { log2N: 3, r: 2, p: 1 } }),
  sealSecret(seq(9, 100), PASS, { params: { log2N: 2, r: 1, p: 2 } })
])
const phrases = [seq(0, 32), seq(0x80, 32), new Uint8Array(32), new Uint8Array(32).fill(0xff)].map((e) => utf8Encode(recoveryPhraseFromEntropy(e)))
const dids = [...people.map((p) => p.did), ...Array.from({ length: 8 }, (_, i) => didKeyFromEd25519(generateSigningKeyPair(seq(i * 32, 32)).publicKey))]

// ── targets ─────────────────────────────────────────────────────────────────
/** Mutation mix for parsers whose only gate before the signature is the format. */
const SIGNED_RECORD_WEIGHTS = { random: 30, truncate: 16, append: 13, insert: 13, remove: 13, splice: 11, varint: 1, flip: 1, repaired: 0.5 }
/** Mutation mix for pipelines with a cheap `isAllowed` gate before the signature. */
const GATED_WEIGHTS = { random: 25, truncate: 13, append: 10, insert: 10, remove: 10, splice: 10, varint: 10, flip: 11.5, repaired: 0.5 }
/** Mutation mix for parsers without cryptography. */
const CHEAP_WEIGHTS = { random: 25, truncate: 13, append: 10, insert: 10, remove: 10, splice: 10, varint: 10, flip: 12 }

const targets: FuzzTarget[] = [
  {
    name: 'openEnvelope',
    corpus: envelopes,
    weights: GATED_WEIGHTS,
    maxLength: 1100,
    allowed: ['EnvelopeFormatError', 'EnvelopeTooLargeError', 'AuthorNotAllowedError', 'SignatureInvalidError', 'KeyUnavailableError', 'DecryptError', 'CompressedPayloadError'],
    deep: ['SignatureInvalidError', 'KeyUnavailableError', 'DecryptError'],
    repair: resignEnvelope,
    run: (input, rng, mutation) =>
      openEnvelope(
        input,
        { epochKey: (_docId, epoch) => (EPOCHS.has(epoch) ? epochKey : undefined) },
        { maxBytes: 1024, isAllowed: () => mutation === 'repaired' || rng.chance(0.02) }
      )
  },
  {
    name: 'parseEnvelopeHeader',
    corpus: envelopes,
    weights: CHEAP_WEIGHTS,
    maxLength: 1100,
    allowed: ['EnvelopeFormatError', 'EnvelopeTooLargeError'],
    mutantsMayParse: true,
    run: (input) => parseEnvelopeHeader(input, { maxBytes: 1024 })
  },
  {
    name: 'verifyEnvelope',
    corpus: envelopes,
    weights: GATED_WEIGHTS,
    maxLength: 1100,
    allowed: ['EnvelopeFormatError', 'EnvelopeTooLargeError', 'AuthorNotAllowedError', 'SignatureInvalidError'],
    deep: ['SignatureInvalidError'],
    repair: resignEnvelope,
    // a correctly re-signed mutant is a valid envelope by definition: verify checks no more
    mutantsMayParse: true,
    run: (input, rng, mutation) => verifyEnvelope(input, { maxBytes: 1024, isAllowed: () => mutation === 'repaired' || rng.chance(0.02) })
  },
  {
    name: 'verifyProfile',
    corpus: profiles,
    weights: SIGNED_RECORD_WEIGHTS,
    maxLength: 1500,
    allowed: ['ProfileFormatError', 'InputTooLargeError', 'SignatureInvalidError'],
    deep: ['SignatureInvalidError'],
    repair: (b) => resign(b, SignatureLabel.profile, keyOwner(b.subarray(1, 33))),
    mutantsMayParse: true, // re-signed by the person: a valid profile (with whatever issuedAt)
    run: (input) => verifyProfile(input)
  },
  {
    name: 'verifyDeviceCert',
    corpus: certs,
    weights: SIGNED_RECORD_WEIGHTS,
    maxLength: 400,
    allowed: ['DeviceCertFormatError', 'InputTooLargeError', 'SignatureInvalidError'],
    deep: ['SignatureInvalidError'],
    repair: (b) => resign(b, SignatureLabel.deviceCert, keyOwner(b.subarray(1, 33))),
    mutantsMayParse: true,
    run: (input) => verifyDeviceCert(input)
  },
  {
    name: 'decodeCredential',
    corpus: credentials,
    weights: SIGNED_RECORD_WEIGHTS,
    maxLength: 400,
    allowed: ['CredentialFormatError', 'InputTooLargeError', 'SignatureInvalidError'],
    deep: ['SignatureInvalidError'],
    repair: (b) => resign(b, SignatureLabel.credential, authority()),
    mutantsMayParse: true,
    run: (input) => decodeCredential(input)
  },
  {
    name: 'parseWrap',
    corpus: wraps,
    weights: CHEAP_WEIGHTS,
    maxLength: 1700,
    allowed: ['WrapFormatError', 'InputTooLargeError'],
    mutantsMayParse: true,
    run: (input) => parseWrap(input)
  },
  {
    name: 'unwrapKey',
    corpus: wraps,
    weights: { ...GATED_WEIGHTS, repaired: 0.3 },
    maxLength: 1700,
    allowed: ['WrapFormatError', 'InputTooLargeError', 'SenderNotAllowedError', 'SignatureInvalidError', 'WrapRecipientMismatchError', 'DecryptError'],
    deep: ['SignatureInvalidError', 'WrapRecipientMismatchError', 'DecryptError'],
    repair: (b) => {
      let signer = patient()
      try {
        signer = keyOwner(parseWrap(b).sender)
      } catch {
        // unparseable: rejected before the signature anyway
      }
      return resign(b, SignatureLabel.wrap, signer)
    },
    run: (input, rng, mutation) => unwrapKey(input, doctor(), { isAllowedSender: () => mutation === 'repaired' || rng.chance(0.02) })
  },
  {
    name: 'openSecret (key store)',
    corpus: blobs,
    weights: { ...CHEAP_WEIGHTS, repaired: 5 },
    maxLength: 300,
    allowed: ['KeystoreFormatError', 'InputTooLargeError', 'WrongPassphraseError'],
    deep: ['WrongPassphraseError'],
    repair: (b) => {
      if (b.length < 8) return b
      const out = b.slice()
      out.set(sha256(out.subarray(0, out.length - 8)).subarray(0, 8), out.length - 8)
      return out
    },
    run: (input) => openSecret(input, PASS, { maxMemoryBytes: 64 * 1024 })
  },
  {
    name: 'ed25519FromDidKey',
    corpus: dids.map((d) => utf8Encode(d)),
    weights: { ...CHEAP_WEIGHTS, repaired: 12 },
    maxLength: 160,
    allowed: ['DidKeyError'],
    deep: [],
    // keep mutated characters inside the base58btc alphabet, so decoding and the point check run
    repair: (b) => {
      const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
      const out = b.slice()
      for (let i = 9; i < out.length; i++) {
        const c = String.fromCharCode(out[i]!)
        if (!alphabet.includes(c)) out[i] = alphabet.charCodeAt(out[i]! % 58)
      }
      return out
    },
    mutantsMayParse: true, // a changed base58 character can spell another valid key
    run: (input) => ed25519FromDidKey(String.fromCharCode(...input))
  }
]

targets.push({
  name: 'entropyFromRecoveryPhrase',
  corpus: phrases,
  weights: { ...CHEAP_WEIGHTS, splice: 20 },
  maxLength: 300,
  allowed: ['RecoveryPhraseError'],
  deep: [],
  mutantsMayParse: true, // a changed word can still pass the 8-bit checksum (1 in 256)
  run: (input) => entropyFromRecoveryPhrase(new TextDecoder().decode(input))
})

describe(`parser fuzz (${RUNS} inputs per parser, seed ${SEED})`, () => {
  it.each(targets)(
    '$name: only named errors',
    async (target) => {
      const r = await fuzz(target, RUNS, SEED)
      report(r)
      expect(r.runs).toBe(RUNS)
      // every input ended in success or an allowed named error (fuzz() throws otherwise)
      expect(Object.values(r.outcomes).reduce((a, b) => a + b, 0)).toBe(RUNS)
    },
    TIMEOUT
  )
})
