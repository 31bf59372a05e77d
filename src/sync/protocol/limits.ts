/**
 * Every limit of `/phr/sync/1`, with its default and the reason for it. One session is
 * one stream between two devices; the limits bound what a misbehaving peer can make this
 * device hold or do, while leaving room for a 10-year record to sync in one go.
 */
import { DEFAULT_MAX_ENVELOPE_BYTES } from '../../envelope/index.ts'
import { MAX_DEVICE_CERT_BYTES } from '../../crypto/index.ts'

/** Limits of one sync session. */
export interface SyncLimits {
  /**
   * Largest envelope accepted inside ENVELOPES; the receive pipeline applies the same cap.
   * @default 4 MiB (`DEFAULT_MAX_ENVELOPE_BYTES`)
   */
  maxEnvelopeBytes: number
  /**
   * Largest snapshot envelope accepted (a whole compartment; the storage layer's cap).
   * Snapshots larger than `maxEnvelopeBytes` travel as PART messages, reassembled by the
   * receiver in order, one at a time per session.
   * @default 256 MiB
   */
  maxSnapshotBytes: number
  /**
   * Largest sync message (the `maxDataLength` of the length-prefixed framing): one
   * envelope of `maxEnvelopeBytes` plus the ENVELOPES header.
   * @default maxEnvelopeBytes + 1 KiB
   */
  maxMessageBytes: number
  /** Envelopes per ENVELOPES message (sender side packs at most this many; receiver refuses more). @default 256 */
  maxEnvelopesPerMessage: number
  /** Bytes of envelopes the sender packs into one ENVELOPES message (one larger envelope travels alone). @default 1 MiB */
  batchBytes: number
  /**
   * Flow control: bytes of ENVELOPES messages sent but not yet acknowledged. The sender
   * waits for ACKs beyond this, so the receiver never buffers more than about
   * `windowBytes + maxMessageBytes` for one session.
   * @default 4 MiB
   */
  windowBytes: number
  /** Bytes a reader may buffer for one session before the stream is cut. @default windowBytes + 2 × maxMessageBytes */
  maxBufferedBytes: number
  /** Docs in one WANT message. @default 1024 */
  maxWantDocs: number
  /** New author keys announced in one WANT message. @default 1024 */
  maxWantAuthors: number
  /** Author keys one side may announce over a whole session. @default 8192 */
  maxSessionAuthors: number
  /** Entries of one doc's vector in WANT. @default 4096 */
  maxVectorEntries: number
  /** Docs a peer may ask for in one session (served-doc state is kept per doc). @default 4096 */
  maxServedDocs: number
  /** Largest HELLO (device certificate + grants). @default 64 KiB */
  maxHelloBytes: number
  /** Grants presented in one HELLO. @default 16 */
  maxGrants: number
  /** Largest single grant presented. @default 16 KiB */
  maxGrantBytes: number
  /** Wrapped keys in one KEYS message. @default 64 */
  maxKeys: number
  /** Largest single wrapped key. @default 16 KiB */
  maxKeyBytes: number
  /** Largest WANT message. @default 1 MiB */
  maxWantBytes: number
  /** Bytes of live-push envelopes queued per served doc before falling back to a store read. @default 1 MiB */
  maxPushQueueBytes: number
  /** Messages per second a peer may send, sustained. @default 200 */
  messagesPerSecond: number
  /** Messages a peer may send in a burst. @default 400 */
  messageBurst: number
  /** Time to receive the peer's HELLO after the session opens. @default 10 s */
  helloTimeoutMs: number
  /** Time for the rest of a message once its first byte arrived. @default 30 s */
  frameTimeoutMs: number
  /** Time for the transport to accept a message (drain after back-pressure). @default 30 s */
  sendTimeoutMs: number
  /** Time to wait for an ACK when the window is full. @default 60 s */
  ackTimeoutMs: number
  /** Time an injected callback (authorize, keys provider, keys receiver) may take. @default 10 s */
  callbackTimeoutMs: number
}

/** Size of the ENVELOPES header allowance in `maxMessageBytes`. */
const ENVELOPES_OVERHEAD = 1024

/** The default limits (see each field). */
export const DEFAULT_SYNC_LIMITS: Readonly<SyncLimits> = Object.freeze(withDerived({}))

/**
 * Fills in every limit not given, deriving `maxMessageBytes` and `maxBufferedBytes` from
 * the others when they are not set.
 * @throws {RangeError} if a limit is not a positive safe integer, or the message cap cannot
 *   hold one envelope of `maxEnvelopeBytes`.
 */
export function resolveLimits(partial: Partial<SyncLimits> = {}): SyncLimits {
  const limits = withDerived(partial)
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || (value as number) < 1) throw new RangeError(`limits.${name}: expected a positive integer, got ${String(value)}`)
  }
  if (limits.maxMessageBytes < limits.maxEnvelopeBytes + 64) {
    throw new RangeError('limits.maxMessageBytes: must hold one envelope of maxEnvelopeBytes plus its header')
  }
  if (limits.maxHelloBytes < MAX_DEVICE_CERT_BYTES + 16) throw new RangeError('limits.maxHelloBytes: must hold a device certificate')
  if (limits.maxSnapshotBytes < limits.maxEnvelopeBytes) throw new RangeError('limits.maxSnapshotBytes: must be at least maxEnvelopeBytes')
  return limits
}

function withDerived(p: Partial<SyncLimits>): SyncLimits {
  const maxEnvelopeBytes = p.maxEnvelopeBytes ?? DEFAULT_MAX_ENVELOPE_BYTES
  const maxMessageBytes = p.maxMessageBytes ?? maxEnvelopeBytes + ENVELOPES_OVERHEAD
  const windowBytes = p.windowBytes ?? 4 * 1024 * 1024
  return {
    maxEnvelopeBytes,
    maxSnapshotBytes: p.maxSnapshotBytes ?? Math.max(256 * 1024 * 1024, maxEnvelopeBytes),
    maxMessageBytes,
    maxEnvelopesPerMessage: p.maxEnvelopesPerMessage ?? 256,
    batchBytes: p.batchBytes ?? 1024 * 1024,
    windowBytes,
    maxBufferedBytes: p.maxBufferedBytes ?? windowBytes + 2 * maxMessageBytes,
    maxWantDocs: p.maxWantDocs ?? 1024,
    maxWantAuthors: p.maxWantAuthors ?? 1024,
    maxSessionAuthors: p.maxSessionAuthors ?? 8192,
    maxVectorEntries: p.maxVectorEntries ?? 4096,
    maxServedDocs: p.maxServedDocs ?? 4096,
    maxHelloBytes: p.maxHelloBytes ?? 64 * 1024,
    maxGrants: p.maxGrants ?? 16,
    maxGrantBytes: p.maxGrantBytes ?? 16 * 1024,
    maxKeys: p.maxKeys ?? 64,
    maxKeyBytes: p.maxKeyBytes ?? 16 * 1024,
    maxWantBytes: p.maxWantBytes ?? 1024 * 1024,
    maxPushQueueBytes: p.maxPushQueueBytes ?? 1024 * 1024,
    messagesPerSecond: p.messagesPerSecond ?? 200,
    messageBurst: p.messageBurst ?? 400,
    helloTimeoutMs: p.helloTimeoutMs ?? 10_000,
    frameTimeoutMs: p.frameTimeoutMs ?? 30_000,
    sendTimeoutMs: p.sendTimeoutMs ?? 30_000,
    ackTimeoutMs: p.ackTimeoutMs ?? 60_000,
    callbackTimeoutMs: p.callbackTimeoutMs ?? 10_000
  }
}
