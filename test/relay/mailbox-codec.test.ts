/**
 * The `/phr/mailbox/1` codec and the signed registration: every message round-trips, the
 * decoder refuses every non-canonical spelling with a named error, and a registration
 * verifies only as its owner signed it.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createPerson, didKeyFromEd25519, randomBytes, signLabelled, SignatureLabel } from '../../src/crypto/index.ts'
import { concatBytes, toHex, type DocId } from '../../src/lib/index.ts'
import {
  decodeMailboxMessage,
  decodeRegistration,
  DEFAULT_MAILBOX_LIMITS,
  encodeMailboxMessage,
  mailboxErrorOfCode,
  codeOfMailboxError,
  MailboxErrorCode,
  MailboxQuotaExceededError,
  MAILBOX_REGISTRATION_LABEL,
  MAX_REGISTRATION_PARTIES,
  peerIdOfEd25519,
  signRegistration,
  verifyRegistration,
  type MailboxMessage,
  type MailboxParty
} from '../../src/sync/mailbox/index.ts'
import { thrown } from '../crypto/helpers.ts'
import { messageArb } from './arbitraries.ts'

function normal(m: MailboxMessage): unknown {
  return JSON.parse(JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v instanceof Map ? [...(v as Map<string, number>)].sort() : v)))
}

describe('mailbox messages', () => {
  it('every message round-trips, and its encoding is the only one the decoder accepts for it', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const bytes = encodeMailboxMessage(m)
        const back = decodeMailboxMessage(bytes, DEFAULT_MAILBOX_LIMITS)
        expect(normal(back)).toEqual(normal(m))
        expect(toHex(encodeMailboxMessage(back))).toBe(toHex(bytes))
      }),
      { numRuns: 500 }
    )
  })

  it('any truncation, and any trailing byte, is a MailboxMessageFormatError', () => {
    fc.assert(
      fc.property(messageArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (m, cut, extra) => {
        const bytes = encodeMailboxMessage(m)
        const at = cut % bytes.length
        expect(thrown(() => decodeMailboxMessage(bytes.subarray(0, at), DEFAULT_MAILBOX_LIMITS)).name).toBe('MailboxMessageFormatError')
        expect(thrown(() => decodeMailboxMessage(concatBytes(bytes, Uint8Array.of(extra)), DEFAULT_MAILBOX_LIMITS)).name).toBe('MailboxMessageFormatError')
      }),
      { numRuns: 300 }
    )
  })

  it('refuses unknown types, out-of-order vectors, empty deposits, batches and envelopes over the limits', () => {
    const limits = { maxMessageBytes: 1 << 20, maxEnvelopeBytes: 100, maxBatchEnvelopes: 2 }
    const docId = randomBytes(16) as DocId
    const e = (n: number): Uint8Array => new Uint8Array(n).fill(7)
    const cases: Uint8Array[] = [
      Uint8Array.of(0x05),
      Uint8Array.of(0x7f, 0),
      encodeMailboxMessage({ type: 'deposit', docId, certs: [], envelopes: [e(1), e(1), e(1)] }),
      encodeMailboxMessage({ type: 'deposit', docId, certs: [], envelopes: [e(101)] }),
      concatBytes(Uint8Array.of(0x03), docId, Uint8Array.of(0, 0)), // zero envelopes
      concatBytes(Uint8Array.of(0x03), docId, Uint8Array.of(0, 2, 0, 0)), // zero-length envelopes
      concatBytes(Uint8Array.of(0x84), docId, Uint8Array.of(0, 2, 0)), // more flag 2
      concatBytes(Uint8Array.of(0x04), docId, Uint8Array.of(0, 1, 1, 2), new Uint8Array(32).fill(9), Uint8Array.of(1), new Uint8Array(32).fill(1), Uint8Array.of(1)),
      concatBytes(Uint8Array.of(0x04), docId, Uint8Array.of(0, 1, 1, 1), new Uint8Array(32), Uint8Array.of(0)), // seq 0
      concatBytes(Uint8Array.of(0x04), docId, Uint8Array.of(0x80, 0x00, 1, 1, 0)), // non-minimal cursor
      concatBytes(Uint8Array.of(0x03), docId, Uint8Array.of(0, 0xff, 0xff, 0x03)) // count far beyond the input
    ]
    for (const c of cases) expect(thrown(() => decodeMailboxMessage(c, limits)).name, toHex(c)).toBe('MailboxMessageFormatError')
  })

  it('ERROR codes map to the named errors and back', () => {
    for (const code of Object.values(MailboxErrorCode)) {
      const err = mailboxErrorOfCode(code, 'why')
      expect(codeOfMailboxError(err)).toBe(code)
      expect(err.message).toContain('why')
    }
    expect(mailboxErrorOfCode(99, 'x').name).toBe('MailboxServerError')
    expect(mailboxErrorOfCode(MailboxErrorCode.quotaExceeded, '')).toBeInstanceOf(MailboxQuotaExceededError)
    expect(codeOfMailboxError(new Error('plain'))).toBe(MailboxErrorCode.internal)
  })
})

describe('signed registration', () => {
  const owner = createPerson().keys
  const doctor = createPerson().keys
  const deviceKey = createPerson().keys.signing.publicKey
  const docId = randomBytes(16)
  const parties: MailboxParty[] = [
    { person: didKeyFromEd25519(doctor.signing.publicKey), fetch: true, deposit: false },
    { device: peerIdOfEd25519(deviceKey), fetch: true, deposit: true }
  ]

  it('verifies as signed, with parties in canonical order and the owner implied', () => {
    const bytes = signRegistration({ docId, version: 3, issuedAt: 1_700_000_000_000, parties: [...parties].reverse() }, owner.signing.secretKey)
    const reg = verifyRegistration(bytes)
    expect(reg.owner).toBe(didKeyFromEd25519(owner.signing.publicKey))
    expect(reg.version).toBe(3)
    expect(toHex(reg.docId)).toBe(toHex(docId))
    expect(reg.parties.map((p) => [p.kind, p.id, p.rights])).toEqual([
      ['person', didKeyFromEd25519(doctor.signing.publicKey), 1],
      ['device', peerIdOfEd25519(deviceKey), 3]
    ])
    // the same fields in another order sign the same bytes (Ed25519 is deterministic)
    expect(toHex(signRegistration({ docId, version: 3, issuedAt: 1_700_000_000_000, parties }, owner.signing.secretKey))).toBe(toHex(bytes))
  })

  it('refuses any flipped bit, and a signature under another label or key', () => {
    const bytes = signRegistration({ docId, version: 1, issuedAt: 1, parties }, owner.signing.secretKey)
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 7 }), (pos, bit) => {
        const t = bytes.slice()
        t[pos % t.length]! ^= 1 << bit
        const name = thrown(() => verifyRegistration(t)).name
        expect(['SignatureInvalidError', 'MailboxRegistrationFormatError', 'DidKeyError']).toContain(name)
      }),
      { numRuns: 200 }
    )
    const body = bytes.subarray(0, bytes.length - 64)
    const wrongLabel = concatBytes(body, signLabelled(SignatureLabel.profile, owner.signing.secretKey, body))
    expect(thrown(() => verifyRegistration(wrongLabel)).name).toBe('SignatureInvalidError')
    // the owner key is inside the signed bytes: re-signing with another key does not make it theirs
    const byDoctor = concatBytes(body, signLabelled(MAILBOX_REGISTRATION_LABEL, doctor.signing.secretKey, body))
    expect(thrown(() => verifyRegistration(byDoctor)).name).toBe('SignatureInvalidError')
  })

  it('refuses bad fields when signing', () => {
    const sk = owner.signing.secretKey
    expect(() => signRegistration({ docId, version: 0, issuedAt: 1, parties }, sk)).toThrow(RangeError)
    expect(() => signRegistration({ docId: randomBytes(15), version: 1, issuedAt: 1, parties }, sk)).toThrow(RangeError)
    expect(() => signRegistration({ docId, version: 1, issuedAt: 1, parties: [{ person: didKeyFromEd25519(owner.signing.publicKey), fetch: true, deposit: true }] }, sk)).toThrow(/owner/)
    expect(() => signRegistration({ docId, version: 1, issuedAt: 1, parties: [parties[0] as MailboxParty, { ...(parties[0] as MailboxParty), deposit: true }] }, sk)).toThrow(/twice/)
    expect(() => signRegistration({ docId, version: 1, issuedAt: 1, parties: [{ device: 'not a peer id', fetch: true, deposit: false }] }, sk)).toThrow(RangeError)
    expect(() => signRegistration({ docId, version: 1, issuedAt: 1, parties: [{ person: didKeyFromEd25519(doctor.signing.publicKey), fetch: false, deposit: false }] }, sk)).toThrow(/right/)
    const many = Array.from({ length: MAX_REGISTRATION_PARTIES + 1 }, () => ({ device: peerIdOfEd25519(randomBytes(32)), fetch: true, deposit: false }))
    expect(() => signRegistration({ docId, version: 1, issuedAt: 1, parties: many }, sk)).toThrow(RangeError)
  })

  it('decodes the largest list it allows within the size cap', () => {
    const many = Array.from({ length: MAX_REGISTRATION_PARTIES }, () => ({ device: peerIdOfEd25519(randomBytes(32)), fetch: true, deposit: false }))
    const bytes = signRegistration({ docId, version: 1, issuedAt: 1, parties: many }, owner.signing.secretKey)
    expect(decodeRegistration(bytes).parties.length).toBe(MAX_REGISTRATION_PARTIES)
    expect(thrown(() => decodeRegistration(new Uint8Array(64 * 1024 + 1))).name).toBe('InputTooLargeError')
  })
})
