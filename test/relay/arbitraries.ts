/** fast-check arbitraries for mailbox messages (not a test file itself). */
import fc from 'fast-check'
import { toHex } from '../../src/lib/index.ts'
import type { MailboxMessage } from '../../src/sync/mailbox/index.ts'

const docIdArb = fc.uint8Array({ minLength: 16, maxLength: 16 })
const bytesArb = fc.uint8Array({ minLength: 1, maxLength: 300 })
const nat = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.maxSafeNat())
const vectorArb = fc
  .uniqueArray(fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })), { maxLength: 5, selector: ([k]) => k })
  .map((e) => new Map(e))

/** Every message type, with any valid field values. */
export const messageArb: fc.Arbitrary<MailboxMessage> = fc.oneof(
  fc.record({ type: fc.constant('hello' as const), version: nat, deviceCert: fc.option(fc.uint8Array({ minLength: 1, maxLength: 1024 }), { nil: undefined }) }),
  fc.record({ type: fc.constant('register' as const), registration: bytesArb }),
  fc.record({
    type: fc.constant('deposit' as const),
    docId: docIdArb,
    certs: fc.array(bytesArb, { maxLength: 3 }),
    envelopes: fc.array(bytesArb, { minLength: 1, maxLength: 4 })
  }),
  fc.record({
    type: fc.constant('fetch' as const),
    docId: docIdArb,
    cursor: nat,
    maxEnvelopes: fc.integer({ min: 1, max: 1000 }),
    maxBytes: fc.integer({ min: 1, max: 2 ** 40 }),
    vector: vectorArb
  }),
  fc.record({ type: fc.constant('error' as const), code: fc.integer({ min: 0, max: 20 }), detail: fc.string({ maxLength: 60 }).filter((s) => !/\p{Cs}/u.test(s)) }),
  fc.record({
    type: fc.constant('welcome' as const),
    version: nat,
    limits: fc.record({ maxMessageBytes: fc.constant(1 << 20), maxEnvelopeBytes: fc.integer({ min: 1, max: 1 << 20 }), maxBatchEnvelopes: fc.integer({ min: 1, max: 1000 }) })
  }),
  fc.record({ type: fc.constant('registered' as const), docId: docIdArb, version: fc.integer({ min: 1, max: 2 ** 40 }) }),
  fc.record({ type: fc.constant('deposited' as const), docId: docIdArb, stored: nat, skipped: nat }),
  fc.record({ type: fc.constant('envelopes' as const), docId: docIdArb, cursor: nat, more: fc.boolean(), envelopes: fc.array(bytesArb, { maxLength: 4 }) })
) as fc.Arbitrary<MailboxMessage>

