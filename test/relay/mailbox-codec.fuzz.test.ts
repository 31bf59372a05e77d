/**
 * Fuzz the mailbox's decoders of untrusted bytes: random and mutated inputs must decode
 * or fail with one of the decoder's named errors — never a TypeError, RangeError or a
 * library's plain Error.
 *
 * Count: `fuzzRuns(100_000, 1_000_000)` inputs for the message decoder and the
 * registration decoder (`npm run fuzz` for the full scale); fewer for the signature check
 * (about 1.5 ms per input that reaches it) and the frame reader (async per input). Seed:
 * PHR_FUZZ_SEED (default 0x5eed); a failure names seed and run to replay.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { Stream } from '@libp2p/interface'
import { createPerson, didKeyFromEd25519, randomBytes, signLabelled } from '../../src/crypto/index.ts'
import { concatBytes } from '../../src/lib/index.ts'
import {
  createMailboxFramedStream,
  decodeMailboxMessage,
  decodeRegistration,
  DEFAULT_MAILBOX_LIMITS,
  encodeMailboxMessage,
  mailboxFrameOf,
  MAILBOX_REGISTRATION_LABEL,
  peerIdOfEd25519,
  signRegistration,
  verifyRegistration
} from '../../src/sync/mailbox/index.ts'
import { fuzzRuns } from '../helpers/fuzz.ts'
import { fuzz, type FuzzReport, type FuzzTarget } from '../envelope/fuzz-engine.ts'
import { messageArb } from './arbitraries.ts'

const RUNS = fuzzRuns(100_000, 1_000_000)
const DEEP_RUNS = fuzzRuns(5_000, 50_000)
const FRAME_RUNS = fuzzRuns(20_000, 200_000)
const SEED = Number(process.env['PHR_FUZZ_SEED'] ?? 0x5eed)
const TIMEOUT = RUNS > 100_000 ? 3_600_000 : 120_000

function print(report: FuzzReport): void {
  console.log(`${report.name}: ${report.runs} inputs in ${report.ms.toFixed(0)} ms; outcomes ${JSON.stringify(report.outcomes)}${report.deep === undefined ? '' : `; reached the signature check: ${report.deep}`}`)
}

const owner = createPerson().keys
const messages = fc.sample(messageArb, { numRuns: 300, seed: SEED }).map(encodeMailboxMessage)
const registrations = Array.from({ length: 12 }, (_, i) =>
  signRegistration(
    {
      docId: randomBytes(16),
      version: 1 + i * 1000,
      issuedAt: Date.now(),
      parties: Array.from({ length: i % 5 }, (_, j) =>
        j % 2 === 0
          ? { person: didKeyFromEd25519(createPerson().keys.signing.publicKey), fetch: true, deposit: j % 3 === 0 }
          : { device: peerIdOfEd25519(randomBytes(32)), fetch: j % 3 !== 0, deposit: true }
      )
    },
    owner.signing.secretKey
  )
)

const structural = { random: 2, truncate: 2, append: 1, insert: 1, remove: 1, splice: 1, varint: 2, flip: 3 }

describe('mailbox decoders under fuzz', () => {
  it(`decodeMailboxMessage: ${RUNS} inputs end in a message or MailboxMessageFormatError`, async () => {
    const target: FuzzTarget = {
      name: 'decodeMailboxMessage',
      corpus: messages,
      weights: structural,
      allowed: ['MailboxMessageFormatError'],
      maxLength: 512,
      mutantsMayParse: true,
      run: (input) => decodeMailboxMessage(input, { maxMessageBytes: 1 << 20, maxEnvelopeBytes: 4096, maxBatchEnvelopes: 16 })
    }
    const report = await fuzz(target, RUNS, SEED)
    print(report)
    expect(report.runs).toBe(RUNS)
  }, TIMEOUT)

  it(`decodeRegistration: ${RUNS} inputs end in a registration or a named error`, async () => {
    const report = await fuzz(
      {
        name: 'decodeRegistration',
        corpus: registrations,
        weights: structural,
        allowed: ['MailboxRegistrationFormatError', 'InputTooLargeError'],
        maxLength: 400,
        mutantsMayParse: true,
        run: (input) => decodeRegistration(input)
      },
      RUNS,
      SEED
    )
    print(report)
    expect(report.runs).toBe(RUNS)
  }, TIMEOUT)

  it(`verifyRegistration: ${DEEP_RUNS} inputs, re-signed mutants included, end in a registration or a named error`, async () => {
    const report = await fuzz(
      {
        name: 'verifyRegistration',
        corpus: registrations,
        weights: { ...structural, flip: 6, repaired: 4 },
        allowed: ['MailboxRegistrationFormatError', 'InputTooLargeError', 'SignatureInvalidError'],
        deep: ['SignatureInvalidError'],
        maxLength: 400,
        // a repaired mutant is re-signed by the owner: it may verify, and then it is a real registration
        mutantsMayParse: true,
        repair: (bytes) => {
          if (bytes.length <= 64) return bytes
          const body = bytes.subarray(0, bytes.length - 64)
          return concatBytes(body, signLabelled(MAILBOX_REGISTRATION_LABEL, owner.signing.secretKey, body))
        },
        run: (input) => verifyRegistration(input)
      },
      DEEP_RUNS,
      SEED
    )
    print(report)
    expect(report.deep).toBeGreaterThan(0)
  }, TIMEOUT)

  it(`the frame reader: ${FRAME_RUNS} byte streams, split anywhere, end in frames or a named error`, async () => {
    const corpus = messages.slice(0, 60).map(mailboxFrameOf)
    const report = await fuzz(
      {
        name: 'framed stream',
        corpus,
        weights: structural,
        allowed: ['MailboxMessageTooLargeError', 'MailboxMessageFormatError', 'MailboxProtocolError', 'MailboxClosedError'],
        maxLength: 600,
        mutantsMayParse: true,
        run: async (input, rng) => {
          const s = new EventTarget() as EventTarget & { status: string; remoteWriteStatus: string }
          s.status = 'open'
          s.remoteWriteStatus = 'writable'
          const f = createMailboxFramedStream(s as unknown as Stream, { maxFrameBytes: DEFAULT_MAILBOX_LIMITS.maxBatchEnvelopes * 2 })
          let at = 0
          while (at < input.length) {
            const n = 1 + rng.int(64)
            s.dispatchEvent(Object.assign(new Event('message'), { data: input.subarray(at, at + n) }))
            at += n
          }
          s.remoteWriteStatus = 'closed'
          s.dispatchEvent(new Event('remoteCloseWrite'))
          for (;;) await f.read(AbortSignal.timeout(1_000))
        }
      },
      FRAME_RUNS,
      SEED
    )
    print(report)
    expect(report.runs).toBe(FRAME_RUNS)
  }, TIMEOUT)
})
