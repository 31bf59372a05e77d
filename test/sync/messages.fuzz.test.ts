/**
 * Fuzz the `/phr/sync/1` and `/phr/link/1` decoders and the link-payload parser: random
 * and mutated inputs must decode or fail with the decoder's named errors only — never a
 * TypeError/RangeError/Error from inside.
 *
 * Count: `fuzzRuns(100_000, 1_000_000)` inputs per decoder. Seed: PHR_FUZZ_SEED (default
 * 0x5eed); a failure names seed and run to replay.
 */
import { describe, expect, it } from 'vitest'
import { toHex } from '../../src/lib/index.ts'
import { createPerson } from '../../src/crypto/index.ts'
import { decodeSyncMessage, encodeSyncMessage, encodeLinkPayload, parseLinkPayload, resolveLimits, type SyncMessage } from '../../src/sync/index.ts'
import { decodeLinkMessage, encodeLinkMessage } from '../../src/sync/link/messages.ts'
import { fuzzRuns } from '../helpers/fuzz.ts'
import { fuzz, Rng, type FuzzTarget } from '../envelope/fuzz-engine.ts'
import { device } from './helpers.ts'

const RUNS = fuzzRuns(100_000, 1_000_000)
const SEED = Number(process.env['PHR_FUZZ_SEED'] ?? 0x5eed)
const TIMEOUT = RUNS > 100_000 ? 3_600_000 : 120_000
const rng = new Rng(SEED ^ 0x51c)
const owner = createPerson().keys
const dev = device(owner, 'fuzz')
const id = (): Uint8Array => rng.bytes(16)
// small caps so that count and size limits are reached by mutants too
const limits = resolveLimits({ maxEnvelopeBytes: 4096, maxSnapshotBytes: 65536, maxEnvelopesPerMessage: 16, maxWantDocs: 16, maxWantAuthors: 8, maxVectorEntries: 8, maxGrants: 4, maxKeys: 4, maxKeyBytes: 512 })

const syncCorpus: SyncMessage[] = [
  { type: 'hello', cert: dev.cert, grants: [] },
  { type: 'hello', cert: dev.cert, grants: [rng.bytes(40), rng.bytes(3)] },
  { type: 'want', authors: [rng.bytes(32), rng.bytes(32)], docs: [{ docId: id(), vector: [[0, 3], [1, 200]] }, { docId: id(), vector: [] }] },
  { type: 'want', authors: [], docs: [{ docId: id(), vector: [[5, 1]] }] },
  { type: 'envelopes', docId: id(), envelopes: [rng.bytes(150), rng.bytes(300), rng.bytes(1)] },
  { type: 'keys', docId: id(), keys: [rng.bytes(100)] },
  { type: 'denied', docId: id(), reason: 1 },
  { type: 'done', want: 3 },
  { type: 'ack', count: 2 },
  { type: 'part', docId: id(), total: 5000, offset: 100, piece: rng.bytes(200) }
]

const targets: FuzzTarget[] = [
  {
    name: 'decodeSyncMessage',
    corpus: syncCorpus.map((m) => encodeSyncMessage(m, limits)),
    weights: { random: 2, truncate: 2, append: 1, insert: 1, remove: 1, splice: 2, varint: 2, flip: 3 },
    allowed: ['SyncMessageFormatError', 'SyncMessageTooLargeError'],
    maxLength: 600,
    // no integrity check at this layer: a mutant may well be another valid message
    mutantsMayParse: true,
    run: (input) => {
      const msg = decodeSyncMessage(input, limits)
      // whatever decodes re-encodes to the same bytes (canonical form)
      if (toHex(encodeSyncMessage(msg, limits)) !== toHex(input)) throw new Error('decoded a non-canonical input')
    }
  },
  {
    name: 'decodeLinkMessage',
    corpus: [
      encodeLinkMessage({ type: 'request', proof: rng.bytes(32), name: 'Laptop' }),
      encodeLinkMessage({ type: 'accept', cert: dev.cert, issuer: dev.cert, owner: rng.bytes(64), docIds: [id(), id()] }),
      encodeLinkMessage({ type: 'reject', reason: 2 })
    ],
    weights: { random: 2, truncate: 2, append: 1, insert: 1, remove: 1, splice: 2, varint: 2, flip: 3 },
    allowed: ['LinkMessageFormatError'],
    maxLength: 800,
    mutantsMayParse: true,
    run: (input) => decodeLinkMessage(input)
  },
  {
    name: 'parseLinkPayload',
    corpus: [
      new TextEncoder().encode(
        encodeLinkPayload({ token: rng.bytes(16), person: owner.did, peerId: dev.peerId, expiresAt: 1_800_000_000_000, addrs: ['/ip4/127.0.0.1/tcp/9090/ws/p2p/' + dev.peerId] })
      )
    ],
    weights: { random: 1, truncate: 2, append: 1, insert: 1, remove: 1, varint: 1, flip: 4 },
    allowed: ['LinkPayloadFormatError'],
    maxLength: 400,
    mutantsMayParse: true,
    run: (input) => parseLinkPayload(new TextDecoder().decode(input))
  }
]

describe(`sync decoder fuzz (${RUNS} inputs per decoder, seed ${SEED})`, () => {
  it.each(targets)(
    '$name: only named errors',
    async (target) => {
      const r = await fuzz(target, RUNS, SEED)
      console.log(`${r.name}: ${r.runs} inputs in ${r.ms.toFixed(0)} ms; outcomes ${JSON.stringify(r.outcomes)}`)
      expect(Object.values(r.outcomes).reduce((a, b) => a + b, 0)).toBe(RUNS)
      // the corpus is valid, so some inputs decode
      expect(r.outcomes['ok'] ?? 0).toBeGreaterThan(0)
    },
    TIMEOUT
  )
})

