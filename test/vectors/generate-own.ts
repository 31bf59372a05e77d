/**
 * Generates this project's own known-answer vectors (phr-*.json) from fixed keys and
 * nonces, with the intermediate values another implementation needs to interoperate.
 * Run once after a deliberate format change, review the diff, check the files in:
 *
 *     npx node test/vectors/generate-own.ts
 *
 * The tests (test/crypto/own-vectors.test.ts, test/envelope/own-vectors.test.ts) assert
 * that the current code reproduces every byte.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { scrypt } from '@noble/hashes/scrypt.js'
import { concatBytes, createWriter, toHex, utf8Encode } from '../../src/lib/index.ts'
import {
  aeadSeal,
  hkdfSha256,
  issueCredential,
  issueDeviceCert,
  profileOf,
  recoveryPhraseFromEntropy,
  sealSecret,
  sha256,
  signLabelled,
  SignatureLabel,
  wrapKey,
  x25519KeyPair,
  x25519SharedSecret,
  generateSigningKeyPair,
  type PersonKeys
} from '../../src/crypto/index.ts'
import { mlKem768Encapsulate } from '../../src/crypto/kem.ts'
import { compressPayload, sealEnvelopeWithNonce, type EnvelopeHeader } from '../../src/envelope/index.ts'
import { encodeHeader } from '../../src/envelope/header.ts'
import { base64url } from 'jose'
import { signPrescription, type PrescriptionDraft } from '../../src/consult/index.ts'
import {
  AUTHORITY_ENTROPY,
  authority,
  doctor,
  DOCTOR_ENTROPY,
  patient,
  PATIENT_ENTROPY,
  peerIdOf,
  seq
} from '../crypto/fixtures.ts'

const dir = fileURLToPath(new URL('./', import.meta.url))
const hex = toHex

function write(name: string, value: unknown): void {
  writeFileSync(dir + name, JSON.stringify(value, null, 2) + '\n')
  console.log(`wrote test/vectors/${name}`)
}

function personJson(keys: PersonKeys, entropy: Uint8Array): Record<string, string> {
  return {
    entropy: hex(entropy),
    did: keys.did,
    ed25519SecretKey: hex(keys.signing.secretKey),
    ed25519PublicKey: hex(keys.signing.publicKey),
    x25519SecretKey: hex(keys.agreement.secretKey),
    x25519PublicKey: hex(keys.agreement.publicKey),
    mlkem768PublicKeySha256: hex(sha256(keys.kem.publicKey))
  }
}

// ── recovery ────────────────────────────────────────────────────────────────
const salt = utf8Encode('phr/v1/recovery')
write('phr-recovery.json', {
  description:
    'Recovery derivation (src/crypto/identity.ts): 24-word BIP39 English phrase of 32 bytes of entropy; ' +
    'Ed25519 seed = HKDF-SHA256(entropy, salt "phr/v1/recovery", info "phr/v1/recovery/ed25519", 32); ' +
    'X25519 secret = same with info "phr/v1/recovery/x25519"; ML-KEM-768 keygen seed (d ‖ z, FIPS 203) = same with ' +
    'info "phr/v1/recovery/ml-kem-768", 64 bytes. The ML-KEM public key is given by its SHA-256.',
  cases: [
    { name: 'patient', phrase: recoveryPhraseFromEntropy(PATIENT_ENTROPY), ...personJson(patient(), PATIENT_ENTROPY), mlkem768Seed: hex(hkdfSha256(PATIENT_ENTROPY, salt, utf8Encode('phr/v1/recovery/ml-kem-768'), 64)) },
    { name: 'doctor', phrase: recoveryPhraseFromEntropy(DOCTOR_ENTROPY), ...personJson(doctor(), DOCTOR_ENTROPY), mlkem768Seed: hex(hkdfSha256(DOCTOR_ENTROPY, salt, utf8Encode('phr/v1/recovery/ml-kem-768'), 64)) }
  ]
})

// ── envelopes ───────────────────────────────────────────────────────────────
const author = patient()
const epochKey = seq(0x40, 32)
const docId = seq(0xd0, 16)
const compressedState = utf8Encode('{"resourceType":"Observation","status":"final"}'.repeat(40))
const envelopeCases: Array<{ name: string; header: EnvelopeHeader; plaintext: Uint8Array; nonce: Uint8Array; state?: Uint8Array }> = [
  {
    name: 'update, epoch 0, seq 1',
    header: { docId, epoch: 0, author: author.signing.publicKey, seq: 1, kind: 'update' },
    plaintext: utf8Encode('{"resourceType":"AllergyIntolerance","id":"a1"}'),
    nonce: seq(0x60, 24)
  },
  {
    name: 'update, multi-byte varuints: epoch 300, seq 70000, empty plaintext',
    header: { docId, epoch: 300, author: author.signing.publicKey, seq: 70000, kind: 'update' },
    plaintext: new Uint8Array(0),
    nonce: seq(0x78, 24)
  },
  {
    name: 'snapshot, epoch 3, seq 7, covering patient → 6 and doctor → 2',
    header: {
      docId,
      epoch: 3,
      author: author.signing.publicKey,
      seq: 7,
      kind: 'snapshot',
      covers: new Map([
        [hex(doctor().signing.publicKey), 2],
        [hex(patient().signing.publicKey), 6]
      ])
    },
    plaintext: utf8Encode('whole doc state'),
    nonce: seq(0x90, 24)
  },
  {
    name: 'compressed snapshot (kind 0x02), epoch 3, seq 8, covering patient → 8: plaintext = compressed payload of state',
    header: { docId, epoch: 3, author: author.signing.publicKey, seq: 8, kind: 'snapshot', covers: new Map([[hex(patient().signing.publicKey), 8]]), codec: 'deflate-raw' },
    plaintext: await compressPayload(compressedState),
    state: compressedState,
    nonce: seq(0xa8, 24)
  }
]
write('phr-envelope.json', {
  description:
    'Envelopes (DESIGN §5, src/envelope): envelope = header ‖ nonce(24) ‖ ct ‖ sig(64); ' +
    'ct = XChaCha20-Poly1305(epochKey, nonce, aad = label ‖ header, plaintext) with label "phr/v1/update" or "phr/v1/snapshot"; ' +
    'a compressed snapshot (kind 0x02, codec deflate-raw) seals the compressed payload of its state (listed as state); ' +
    'sig = Ed25519(author sk, "phr/v1/envelope" ‖ header ‖ nonce ‖ ct). See test/vectors/README.md for the header layout.',
  author: personJson(author, PATIENT_ENTROPY),
  epochKey: hex(epochKey),
  cases: envelopeCases.map((c) => {
    const headerBytes = encodeHeader(c.header)
    const label = c.header.kind === 'snapshot' ? 'phr/v1/snapshot' : 'phr/v1/update'
    const aad = concatBytes(utf8Encode(label), headerBytes)
    const ciphertext = aeadSeal(epochKey, c.nonce, aad, c.plaintext)
    const signature = signLabelled(SignatureLabel.envelope, author.signing.secretKey, concatBytes(headerBytes, c.nonce, ciphertext))
    return {
      name: c.name,
      header: {
        docId: hex(c.header.docId),
        epoch: c.header.epoch,
        author: hex(c.header.author),
        seq: c.header.seq,
        kind: c.header.kind,
        ...(c.header.covers === undefined ? {} : { covers: Object.fromEntries(c.header.covers) }),
        ...(c.header.codec === undefined ? {} : { codec: c.header.codec })
      },
      plaintext: hex(c.plaintext),
      ...(c.state === undefined ? {} : { state: hex(c.state) }),
      nonce: hex(c.nonce),
      headerBytes: hex(headerBytes),
      aad: hex(aad),
      ciphertext: hex(ciphertext),
      signature: hex(signature),
      envelope: hex(sealEnvelopeWithNonce(c.header, c.plaintext, { epochKey, authorSecretKey: author.signing.secretKey }, c.nonce))
    }
  })
})

// ── hybrid wrap ─────────────────────────────────────────────────────────────
{
  const sender = patient()
  const recipient = doctor()
  const profile = { person: recipient.did, x25519PublicKey: recipient.agreement.publicKey, mlkemPublicKey: recipient.kem.publicKey, issuedAt: 0 }
  const context = { docId, epoch: 3, grantId: seq(0x80, 16) }
  const random = { ephemeralSecretKey: seq(0xa0, 32), kemMessage: seq(0xc0, 32), nonce: seq(0xe0, 24) }
  const eph = x25519KeyPair(random.ephemeralSecretKey)
  const dh = x25519SharedSecret(eph.secretKey, recipient.agreement.publicKey)
  if (dh === undefined) throw new Error('unreachable: fixed keys are not low order')
  const kem = mlKem768Encapsulate(recipient.kem.publicKey, random.kemMessage)
  const ss = concatBytes(dh, kem.sharedSecret)
  const kdfSalt = concatBytes(eph.publicKey, recipient.agreement.publicKey)
  const info = createWriter()
    .bytes(utf8Encode('phr/v1/wrap'))
    .bytes(context.docId)
    .varUint(context.epoch)
    .varBytes(context.grantId)
    .bytes(sender.signing.publicKey)
    .bytes(recipient.signing.publicKey)
    .finish()
  const kek = hkdfSha256(ss, kdfSalt, info, 32)
  const wrapped = wrapKey(epochKey, context, sender.signing.secretKey, profile, random)
  write('phr-wrap.json', {
    description:
      'Hybrid key wrap (DESIGN §8, src/crypto/wrap.ts), patient → doctor, with injected randomness. ' +
      'ss = X25519(eph_sk, R_x25519) ‖ ML-KEM-768.Encaps(R_kem; m).sharedSecret; ' +
      'kek = HKDF-SHA256(ss, salt = eph_pk ‖ R_x25519, info = "phr/v1/wrap" ‖ docId ‖ varuint(epoch) ‖ varbytes(grantId) ‖ sender ‖ recipient, 32); ' +
      'sealed = XChaCha20-Poly1305(kek, nonce, aad = wrap bytes from version through kem_ct, key); sig = Ed25519(sender sk, "phr/v1/wrap" ‖ all bytes before sig). ' +
      'Recipient secret keys follow from its entropy (phr-recovery.json).',
    sender: personJson(sender, PATIENT_ENTROPY),
    recipient: { ...personJson(recipient, DOCTOR_ENTROPY), mlkem768PublicKey: hex(recipient.kem.publicKey) },
    key: hex(epochKey),
    docId: hex(context.docId),
    epoch: context.epoch,
    grantId: hex(context.grantId),
    ephemeralSecretKey: hex(random.ephemeralSecretKey),
    kemMessage: hex(random.kemMessage),
    nonce: hex(random.nonce),
    ephemeralPublicKey: hex(eph.publicKey),
    x25519SharedSecret: hex(dh),
    kemCipherText: hex(kem.cipherText),
    kemSharedSecret: hex(kem.sharedSecret),
    hkdfSalt: hex(kdfSalt),
    hkdfInfo: hex(info),
    kek: hex(kek),
    wrap: hex(wrapped)
  })
}

// ── key store ───────────────────────────────────────────────────────────────
{
  const params = { log2N: 10, r: 8, p: 1 }
  const secret = PATIENT_ENTROPY
  const passphrase = 'correct horse battery staple'
  const ksSalt = seq(0x10, 16)
  const nonce = seq(0x30, 24)
  const blob = await sealSecret(secret, passphrase, { params, salt: ksSalt, nonce })
  const key = scrypt(utf8Encode(passphrase.normalize('NFKC')), ksSalt, { N: 2 ** params.log2N, r: params.r, p: params.p, dkLen: 32 })
  write('phr-keystore.json', {
    description:
      'Key-store blob (src/crypto/keystore.ts) with low scrypt cost (N = 2^10) so the test is fast; ' +
      'key = scrypt(NFKC(passphrase), salt, N, r, p, 32); ct = XChaCha20-Poly1305(key, nonce, aad = header, secret); ' +
      'check = SHA-256(header ‖ varbytes(ct))[0..8].',
    secret: hex(secret),
    passphrase,
    params,
    salt: hex(ksSalt),
    nonce: hex(nonce),
    scryptKey: hex(key),
    blob: hex(blob)
  })
}

// ── signed records ──────────────────────────────────────────────────────────
{
  const device = generateSigningKeyPair(seq(0x33, 32))
  const peerId = peerIdOf(device.publicKey)
  const credential = {
    did: doctor().did,
    name: 'Dr Ada Example',
    licence: 'GMC-7654321',
    specialty: 'General practice',
    validUntil: Date.UTC(2030, 0, 1)
  }
  write('phr-records.json', {
    description:
      'Signed records (src/crypto): profile, device certificate, practitioner credential. Each is body ‖ Ed25519(sk, label ‖ body) ' +
      'with labels "phr/v1/profile", "phr/v1/device-cert", "phr/v1/credential"; layouts in test/vectors/README.md.',
    profile: { person: patient().did, issuedAt: Date.UTC(2025, 0, 1), bytes: hex(profileOf(patient(), Date.UTC(2025, 0, 1))) },
    deviceCert: {
      person: patient().did,
      deviceSeed: hex(seq(0x33, 32)),
      peerId,
      name: "Anna's phone",
      issuedAt: Date.UTC(2025, 0, 2),
      bytes: hex(issueDeviceCert({ peerId, name: "Anna's phone", issuedAt: Date.UTC(2025, 0, 2) }, patient().signing.secretKey))
    },
    credential: {
      ...credential,
      issuer: authority().did,
      authorityEntropy: hex(AUTHORITY_ENTROPY),
      bytes: hex(issueCredential(credential, authority().signing.secretKey))
    }
  })
}

// ── e-prescription ──────────────────────────────────────────────────────────
{
  const credential = issueCredential(
    { did: doctor().did, name: 'Dr Ada Example', licence: 'GMC-7654321', specialty: 'General practice', validUntil: Date.UTC(2030, 0, 1) },
    authority().signing.secretKey
  )
  const authoredOn = Date.UTC(2026, 4, 2, 10, 15)
  const draft: PrescriptionDraft = {
    medication: { rxnorm: { code: '314076', display: 'lisinopril 10 MG Oral Tablet' } },
    dosage: '1 tablet once daily in the morning',
    quantity: { value: 30, unit: 'tablet' },
    repeats: 2,
    validFrom: authoredOn,
    validUntil: authoredOn + 90 * 86_400_000,
    patient: { name: 'Anna Example', birthDate: '1984-03-12' }
  }
  const id = 'rx-0123456789abcdef'
  const signed = await signPrescription(draft, { secretKey: doctor().signing.secretKey, credential }, { now: () => authoredOn, id })
  const [header, payload] = signed.jws.split('.') as [string, string, string]
  write('phr-prescription.json', {
    description:
      'An e-prescription (src/consult): compact JWS, EdDSA (RFC 8037) by the fixed doctor, protected header {alg, typ: "phr-rx", zip: "DEF", kid: did, cred: credential base64url}, ' +
      'payload = raw DEFLATE (RFC 1951, Node 24 zlib through CompressionStream) of the MedicationRequest JSON; qrText = "phr-rx:" ‖ two digits per JWS character (ord − 45). ' +
      'Another DEFLATE encoder may produce other payload bytes for the same JSON (and so another JWS); any valid one verifies.',
    doctor: doctor().did,
    authority: authority().did,
    credential: hex(credential),
    draft,
    authoredOn,
    id,
    protectedHeader: JSON.parse(new TextDecoder().decode(base64url.decode(header))) as unknown,
    resource: signed.resource,
    deflatedPayload: hex(base64url.decode(payload)),
    jws: signed.jws,
    qrText: signed.qrText
  })
}
