/**
 * Device linking over `/phr/link/1`:
 *
 * 1. The first device creates an offer (`createOffer`): a one-time random token with an
 *    expiry (injected clock), shown as a QR/text payload with its PeerId, the person's key
 *    and the relay (or its own) addresses.
 * 2. The new device dials it (through the relay when needed) and sends REQUEST: its name
 *    and the token proof bound to both PeerIds.
 * 3. The first device checks the proof against its open offers in constant time, burns the
 *    token (it works once, even if the user then declines), asks the injected `approve`
 *    callback (which may ask the user) for the person's root secret key, issues a
 *    DeviceCert for the new PeerId, and answers ACCEPT with that cert, its own cert, the
 *    owner key material (opaque, from the injected provider) and the list of doc ids.
 * 4. The new device checks both certificates against the person in the payload and the
 *    PeerIds Noise proved; it then registers the docs and syncs every compartment.
 *
 * Repeated wrong proofs revoke every open offer (`maxFailedProofs`).
 */
import type { Connection, Stream } from '@libp2p/interface'
import { type DocId, asDocId } from '../../lib/index.ts'
import { didKeyFromEd25519, ed25519PublicKey, issueDeviceCert, verifyDeviceCert, type DeviceCert } from '../../crypto/index.ts'
import { LinkMessageFormatError, LinkRejectedError, LinkTokenError, SyncClosedError } from '../errors.ts'
import { frameStream, type FrameStream } from '../frames.ts'
import type { Peer } from '../peer.ts'
import { withTimeout } from '../protocol/wait.ts'
import { dialOffer } from '../offer-dial.ts'
import { decodeLinkMessage, encodeLinkMessage, LinkRejectReason, MAX_LINK_MESSAGE_BYTES } from './messages.ts'
import { LINK_OFFER, linkProof, parseLinkPayload } from './payload.ts'
import { createOfferBook } from '../offer-book.ts'

/** The protocol id. */
export const LINK_PROTOCOL = '/phr/link/1'

/** A new device asking to be linked. */
export interface LinkRequest {
  /** Its Noise-proven PeerId. */
  readonly peerId: string
  /** The name it gave itself ("Anna's laptop"). */
  readonly name: string
}

/** Options of the first device's linker. */
export interface DeviceLinkerInit {
  /** This device's own certificate (sent to the new device as the issuer). */
  deviceCert: Uint8Array
  /**
   * Asks (the user) whether to link `request`; returns the person's 32-byte root secret key
   * to sign its certificate, or undefined to decline. The key is used once and not kept.
   */
  approve(request: LinkRequest): Promise<Uint8Array | undefined> | Uint8Array | undefined
  /** The owner key material to hand over (opaque: person keys, keyring…). */
  ownerMaterial(request: LinkRequest): Promise<Uint8Array> | Uint8Array
  /** The ids of the docs (compartments) the new device should sync. */
  docIds(): Promise<Uint8Array[]> | Uint8Array[]
  /** Called after a device was linked. @default none */
  onLinked?(cert: DeviceCert): void
  /** Wall clock (ms). @default Date.now */
  clock?: () => number
  /** How long an offer stays valid. @default 10 minutes */
  tokenTtlMs?: number
  /** Offers open at once (the oldest is dropped beyond). @default 4 */
  maxOpenOffers?: number
  /** Wrong proofs tolerated before every open offer is revoked. @default 3 */
  maxFailedProofs?: number
  /** Time for `approve` (the user deciding). @default 120 s */
  approveTimeoutMs?: number
  /** Time for each network step (a message to arrive, a provider to answer). @default 10 s */
  stepTimeoutMs?: number
}

/** The first device's side of linking. */
export interface DeviceLinker {
  /** Registers the `/phr/link/1` handler. */
  start(): Promise<void>
  /** Unregisters it and forgets every offer. */
  stop(): Promise<void>
  /**
   * Creates a one-time offer reachable at `addrs` (relay multiaddrs, or this device's own).
   * @throws {RangeError} if `addrs` is empty or longer than 4.
   */
  createOffer(addrs: string[]): { payload: string; expiresAt: number }
  /** Open (unused, unexpired) offers. */
  readonly openOffers: number
}

/** What the new device receives. */
export interface LinkResult {
  /** Its certificate (bytes, for the sync service's HELLO). */
  readonly deviceCert: Uint8Array
  readonly cert: DeviceCert
  /** The first device's certificate. */
  readonly issuer: DeviceCert
  /** did:key of the person. */
  readonly person: string
  /** Opaque owner key material. */
  readonly ownerMaterial: Uint8Array
  /** The docs to register and sync. */
  readonly docIds: DocId[]
}

const LIMITS = { maxFrameBytes: MAX_LINK_MESSAGE_BYTES, maxBufferedBytes: MAX_LINK_MESSAGE_BYTES + 1024 }

/**
 * The first device's linker on `peer`.
 * @throws {DeviceCertMismatchError} if `init.deviceCert` is not this node's.
 * @throws as `verifyDeviceCert` for a bad certificate.
 * @example
 * const linker = createDeviceLinker(peer, { deviceCert, approve: askUser, ownerMaterial, docIds })
 * await linker.start()
 * showQr(linker.createOffer([relayAddr]).payload)
 */
export function createDeviceLinker(peer: Peer, init: DeviceLinkerInit): DeviceLinker {
  const own = verifyDeviceCert(init.deviceCert, { peerId: peer.peerId.toString() })
  const clock = init.clock ?? Date.now
  const ttl = init.tokenTtlMs ?? 10 * 60_000
  const maxOpen = init.maxOpenOffers ?? 4
  const maxFailed = init.maxFailedProofs ?? 3
  const approveTimeoutMs = init.approveTimeoutMs ?? 120_000
  const stepMs = init.stepTimeoutMs ?? 10_000
  let stopper = new AbortController()
  const me = peer.peerId.toString()
  const offers = createOfferBook({ kind: LINK_OFFER, person: own.person, peerId: me, clock, ttlMs: ttl, maxOpen, maxFailed })

  async function handle(stream: Stream, connection: Connection): Promise<void> {
    const frames = frameStream(stream, { ...LIMITS, frameTimeoutMs: stepMs })
    const signal = AbortSignal.any([stopper.signal, AbortSignal.timeout(stepMs + approveTimeoutMs + 2 * stepMs)])
    const remote = connection.remotePeer.toString()
    const reject = async (reason: LinkRejectReason): Promise<void> => {
      await frames.write(encodeLinkMessage({ type: 'reject', reason }), signal)
      frames.close()
    }
    try {
      const frame = await withTimeout(frames.read(signal), stepMs, signal, 'link request')
      if (frame === null) throw new SyncClosedError('link: the new device closed the stream')
      const msg = decodeLinkMessage(frame)
      if (msg.type !== 'request') throw new LinkMessageFormatError('link: expected REQUEST')
      // the token works once, whatever happens next; guessing revokes every open offer
      if (!offers.redeem(msg.proof, remote)) {
        await reject(LinkRejectReason.token)
        return
      }
      const request: LinkRequest = { peerId: remote, name: msg.name }
      const rootSecretKey = await withTimeout(Promise.resolve(init.approve(request)), approveTimeoutMs, signal, 'approval')
      if (rootSecretKey === undefined) {
        await reject(LinkRejectReason.declined)
        return
      }
      if (didKeyFromEd25519(ed25519PublicKey(rootSecretKey)) !== own.person) {
        await reject(LinkRejectReason.failed)
        throw new RangeError("approve: the key returned is not the person's root key")
      }
      const cert = issueDeviceCert({ peerId: remote, name: msg.name, issuedAt: clock() }, rootSecretKey)
      const owner = await withTimeout(Promise.resolve(init.ownerMaterial(request)), stepMs, signal, 'owner material')
      const docIds = await withTimeout(Promise.resolve(init.docIds()), stepMs, signal, 'doc ids')
      await frames.write(encodeLinkMessage({ type: 'accept', cert, issuer: init.deviceCert, owner, docIds }), signal)
      frames.close()
      init.onLinked?.(verifyDeviceCert(cert))
    } catch (err) {
      frames.close(err instanceof Error ? err : new Error(String(err)))
    }
  }

  return {
    async start() {
      stopper = new AbortController()
      await peer.handle(LINK_PROTOCOL, (stream, connection) => void handle(stream, connection), {
        maxInboundStreams: 1,
        maxOutboundStreams: 1,
        // linking messages are small: they fit a relay's limits
        runOnLimitedConnection: true
      })
    },
    async stop() {
      stopper.abort(new SyncClosedError('linker stopped'))
      offers.clear()
      await peer.unhandle(LINK_PROTOCOL)
    },
    createOffer: (addrs) => offers.create(addrs),
    get openOffers() {
      return offers.open
    }
  }
}

/** Options of `linkDevice`. */
export interface LinkDeviceOptions {
  /** This device's name, put in its certificate. */
  name: string
  /** Dial through relays as WebRTC (browsers) rather than a relayed connection. @default false */
  webRTC?: boolean
  /** Wall clock (ms), to refuse an expired payload before dialing. @default Date.now */
  clock?: () => number
  /** Time for the whole exchange, user approval included. @default 150 s */
  timeoutMs?: number
  signal?: AbortSignal
}

/**
 * The new device's side: parses the payload, dials the first device, proves the token and
 * returns its certificate, the owner key material and the doc ids.
 * @throws {LinkPayloadFormatError} if the payload is malformed.
 * @throws {LinkTokenError} if the offer has expired or the first device refused the token.
 * @throws {LinkRejectedError} if the first device declined or failed.
 * @throws {LinkMessageFormatError | DeviceCertFormatError | SignatureInvalidError | DeviceCertMismatchError} if the answer is malformed or its certificates do not bind the expected person and PeerIds.
 * @throws the dial error or a `SyncTimeoutError`.
 * @example const { deviceCert, docIds, ownerMaterial } = await linkDevice(peer, scanned, { name: 'Laptop' })
 */
export async function linkDevice(peer: Peer, payload: string, opts: LinkDeviceOptions): Promise<LinkResult> {
  const offer = parseLinkPayload(payload)
  const clock = opts.clock ?? Date.now
  if (offer.expiresAt <= clock()) throw new LinkTokenError('link: the offer has expired; show a new code on the first device')
  const timeoutMs = opts.timeoutMs ?? 150_000
  const signal = opts.signal === undefined ? AbortSignal.timeout(timeoutMs) : AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)])
  const me = peer.peerId.toString()
  const connection = await dialOffer(peer, offer, { webRTC: opts.webRTC ?? false, signal, wrongPeer: (m) => new LinkRejectedError(`link: ${m}`) })
  const stream = await connection.newStream(LINK_PROTOCOL, { signal, runOnLimitedConnection: true })
  const frames: FrameStream = frameStream(stream, { ...LIMITS, frameTimeoutMs: 10_000 })
  try {
    await frames.write(encodeLinkMessage({ type: 'request', proof: linkProof(offer.token, offer.peerId, me), name: opts.name }), signal)
    const frame = await frames.read(signal)
    if (frame === null) throw new LinkRejectedError('link: the first device closed the stream without answering')
    const msg = decodeLinkMessage(frame)
    if (msg.type === 'reject') {
      if (msg.reason === LinkRejectReason.token) throw new LinkTokenError('link: the first device refused the code (used, expired or wrong)')
      throw new LinkRejectedError(msg.reason === LinkRejectReason.declined ? 'link: declined on the first device' : 'link: the first device failed')
    }
    if (msg.type !== 'accept') throw new LinkMessageFormatError('link: expected ACCEPT or REJECT')
    const cert = verifyDeviceCert(msg.cert, { peerId: me, person: offer.person })
    const issuer = verifyDeviceCert(msg.issuer, { peerId: offer.peerId, person: offer.person })
    frames.close()
    return { deviceCert: msg.cert, cert, issuer, person: offer.person, ownerMaterial: msg.owner, docIds: msg.docIds.map((d) => asDocId(d)) }
  } catch (err) {
    frames.close(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}
