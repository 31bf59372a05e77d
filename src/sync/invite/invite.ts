/**
 * Visit invites over `/phr/invite/1` (DESIGN §8, the visit flow):
 *
 * 1. The patient's device creates an invite (`createInvite`): a one-time token with an
 *    expiry, shown as a `phr-invite:` QR/text with its PeerId, the patient's key and the
 *    relay addresses.
 * 2. The doctor's device dials it and sends REQUEST: the token proof bound to both
 *    PeerIds, its device certificate, the doctor's signed receiving keys (profile) and
 *    practitioner credential.
 * 3. The patient's device checks the proof (constant work per open invite), burns the
 *    token, verifies the certificate against the Noise-proven PeerId, the profile against
 *    the certificate's person, and the credential against the trust list, then asks the
 *    injected `approve` (the patient, on screen: name, licence, "verified by …" or
 *    "unverified"). Approval returns the signed grant and the epoch keys wrapped for the
 *    doctor; the device answers GRANTED.
 * 4. The doctor's device checks that the grant is signed by the invite's patient, names
 *    this doctor and this device (or any of theirs), and that every wrap is from the
 *    patient to the doctor for a compartment of the grant; then it syncs those compartments.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { equalBytes } from '../../lib/index.ts'
import { checkCredential, ed25519FromDidKey, parseWrap, verifyDeviceCert, verifyProfile, type CredentialVerdict, type DeviceCert, type Profile, type TrustList } from '../../crypto/index.ts'
import { grantCovers, verifyGrant, type Grant } from '../../consent/index.ts'
import { InviteMessageFormatError, InvitePayloadFormatError, InviteRejectedError, InviteTokenError, SyncClosedError } from '../errors.ts'
import { frameStream } from '../frames.ts'
import { encodeOffer, offerProof, parseOffer, type LinkOffer, type OfferKind } from '../link/payload.ts'
import { createOfferBook } from '../offer-book.ts'
import { dialOffer } from '../offer-dial.ts'
import type { Peer } from '../peer.ts'
import { withTimeout } from '../protocol/wait.ts'
import { decodeInviteMessage, encodeInviteMessage, InviteRejectReason, MAX_INVITE_MESSAGE_BYTES } from './messages.ts'

/** The protocol id. */
export const INVITE_PROTOCOL = '/phr/invite/1'
/** Prefix of the invite text. */
export const INVITE_PAYLOAD_PREFIX = 'phr-invite:'

const INVITE_OFFER: OfferKind = Object.freeze({ prefix: INVITE_PAYLOAD_PREFIX, proofSalt: 'phr/v1/invite', proofInfo: 'phr/v1/invite/proof', FormatError: InvitePayloadFormatError })
const LIMITS = { maxFrameBytes: MAX_INVITE_MESSAGE_BYTES, maxBufferedBytes: MAX_INVITE_MESSAGE_BYTES + 1024 }

/** A decoded invite: the patient, their device, where to reach it, until when. */
export type Invite = LinkOffer

/**
 * Encodes an invite as text (what `createInvite` shows; for tools and tests).
 * @throws {TypeError | RangeError} for a malformed field
 */
export function encodeInvite(invite: Invite): string {
  return encodeOffer(INVITE_OFFER, invite)
}

/**
 * Parses an invite text (size cap, strict decoding; expiry is checked when answering).
 * @throws {InvitePayloadFormatError}
 */
export function parseInvite(text: string): Invite {
  return parseOffer(INVITE_OFFER, text)
}

/** A doctor asking to be let in, as the patient's device verified it. */
export interface InviteRequest {
  /** The doctor's device, Noise-proven, and its certificate. */
  readonly peerId: string
  readonly device: DeviceCert
  /** did:key of the doctor (the certificate's person). */
  readonly person: string
  /** The doctor's receiving keys (to wrap epoch keys for). */
  readonly profile: Profile
  /** What the credential says: verified by an authority on the trust list, or why not ('none' when there is none). */
  readonly credential: CredentialVerdict | { readonly status: 'none' }
}

/** What the patient's approval hands over. */
export interface InviteGrant {
  /** The signed grant for `request.person`. */
  readonly grant: Uint8Array
  /** The epoch keys of its compartments, wrapped for the doctor. */
  readonly wraps: readonly Uint8Array[]
}

/** Options of the patient's invite host. */
export interface InviteHostInit {
  /** This device's certificate. */
  deviceCert: Uint8Array
  /** Licensing authorities to check credentials against. */
  trustList: TrustList
  /** Asks the patient; returns the grant and keys, or undefined to decline. */
  approve(request: InviteRequest): Promise<InviteGrant | undefined> | InviteGrant | undefined
  /** @default Date.now */
  clock?: () => number
  /** How long an invite stays usable. @default 15 minutes */
  tokenTtlMs?: number
  /** Invites open at once (the oldest is dropped beyond). @default 4 */
  maxOpenInvites?: number
  /** Wrong proofs tolerated before every open invite is revoked. @default 3 */
  maxFailedProofs?: number
  /** Time for the patient to decide. @default 180 s */
  approveTimeoutMs?: number
  /** Time for each network step. @default 10 s */
  stepTimeoutMs?: number
}

/** The patient's side. */
export interface InviteHost {
  start(): Promise<void>
  stop(): Promise<void>
  /**
   * A one-time invite reachable at `addrs` (relay multiaddrs, or this device's own).
   * @throws {RangeError} if `addrs` is empty or longer than 4
   */
  createInvite(addrs: string[]): { payload: string; expiresAt: number }
  readonly openInvites: number
}

/**
 * The patient's invite host on `peer`.
 * @throws as `verifyDeviceCert` when `init.deviceCert` is not this node's
 */
export function createInviteHost(peer: Peer, init: InviteHostInit): InviteHost {
  const own = verifyDeviceCert(init.deviceCert, { peerId: peer.peerId.toString() })
  const clock = init.clock ?? Date.now
  const ttl = init.tokenTtlMs ?? 15 * 60_000
  const maxOpen = init.maxOpenInvites ?? 4
  const maxFailed = init.maxFailedProofs ?? 3
  const approveMs = init.approveTimeoutMs ?? 180_000
  const stepMs = init.stepTimeoutMs ?? 10_000
  const me = peer.peerId.toString()
  const invites = createOfferBook({ kind: INVITE_OFFER, person: own.person, peerId: me, clock, ttlMs: ttl, maxOpen, maxFailed })
  let stopper = new AbortController()

  async function handle(stream: Stream, connection: Connection): Promise<void> {
    const frames = frameStream(stream, { ...LIMITS, frameTimeoutMs: stepMs })
    const signal = AbortSignal.any([stopper.signal, AbortSignal.timeout(approveMs + 3 * stepMs)])
    const remote = connection.remotePeer.toString()
    const reject = async (reason: InviteRejectReason): Promise<void> => {
      await frames.write(encodeInviteMessage({ type: 'reject', reason }), signal)
      frames.close()
    }
    try {
      const frame = await withTimeout(frames.read(signal), stepMs, signal, 'invite request')
      if (frame === null) throw new SyncClosedError('invite: the doctor’s device closed the stream')
      const msg = decodeInviteMessage(frame)
      if (msg.type !== 'request') throw new InviteMessageFormatError('invite: expected REQUEST')
      // once, whatever happens next; guessing revokes every open invite
      if (!invites.redeem(msg.proof, remote)) {
        await reject(InviteRejectReason.token)
        return
      }
      const device = verifyDeviceCert(msg.cert, { peerId: remote })
      const profile = verifyProfile(msg.profile)
      if (profile.person !== device.person) throw new InviteMessageFormatError('invite: the receiving keys are not the device owner’s')
      let credential: InviteRequest['credential'] = { status: 'none' }
      if (msg.credential.length > 0) {
        const verdict = checkCredential(msg.credential, { trustList: init.trustList, now: clock })
        // a credential issued to someone else says nothing about this doctor
        credential = verdict.status !== 'invalid' && verdict.credential.did !== device.person ? { status: 'none' } : verdict
      }
      const answer = await withTimeout(Promise.resolve(init.approve({ peerId: remote, device, person: device.person, profile, credential })), approveMs, signal, 'approval')
      if (answer === undefined) {
        await reject(InviteRejectReason.declined)
        return
      }
      await frames.write(encodeInviteMessage({ type: 'granted', grant: answer.grant, issuer: init.deviceCert, wraps: [...answer.wraps] }), signal)
      frames.close()
    } catch (err) {
      frames.close(err instanceof Error ? err : new Error(String(err)))
    }
  }

  return {
    async start() {
      stopper = new AbortController()
      await peer.handle(INVITE_PROTOCOL, (stream, connection) => void handle(stream, connection), {
        maxInboundStreams: 2,
        maxOutboundStreams: 1,
        runOnLimitedConnection: true
      })
    },
    async stop() {
      stopper.abort(new SyncClosedError('invite host stopped'))
      invites.clear()
      await peer.unhandle(INVITE_PROTOCOL)
    },
    createInvite: (addrs) => invites.create(addrs),
    get openInvites() {
      return invites.open
    }
  }
}

/** What the doctor's device receives. */
export interface AcceptedInvite {
  /** The verified grant (for this doctor, signed by the invite's patient). */
  readonly grant: Grant
  /** Wraps of the grant's epoch keys for the doctor (`acceptWrappedKeys` opens them). */
  readonly wraps: Uint8Array[]
  /** The patient device's certificate. */
  readonly issuer: DeviceCert
}

/** Options of `answerInvite`. */
export interface AnswerInviteOptions {
  /** This device's certificate (the doctor's). */
  deviceCert: Uint8Array
  /** The doctor's signed receiving keys. */
  profile: Uint8Array
  /** The practitioner credential, if the doctor has one. */
  credential?: Uint8Array
  webRTC?: boolean
  /** @default Date.now */
  clock?: () => number
  /** Time for the whole exchange, the patient's decision included. @default 200 s */
  timeoutMs?: number
  signal?: AbortSignal
}

/**
 * The doctor's side: dials the patient's device, presents itself, waits for approval.
 * @throws {InvitePayloadFormatError} for a malformed invite
 * @throws {InviteTokenError} if it expired or the patient's device refused the token
 * @throws {InviteRejectedError} if the patient declined
 * @throws {InviteMessageFormatError | GrantFormatError | SignatureInvalidError | DeviceCertMismatchError …} if the answer does not hold up
 */
export async function answerInvite(peer: Peer, text: string, opts: AnswerInviteOptions): Promise<AcceptedInvite> {
  const invite = parseInvite(text)
  const clock = opts.clock ?? Date.now
  if (invite.expiresAt <= clock()) throw new InviteTokenError('invite: it has expired; ask the patient for a new code')
  const me = peer.peerId.toString()
  const mine = verifyDeviceCert(opts.deviceCert, { peerId: me })
  const timeoutMs = opts.timeoutMs ?? 200_000
  const signal = opts.signal === undefined ? AbortSignal.timeout(timeoutMs) : AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)])
  const connection = await dialOffer(peer, invite, { webRTC: opts.webRTC ?? false, signal, wrongPeer: (m) => new InviteRejectedError(`invite: ${m}`) })
  const stream = await connection.newStream(INVITE_PROTOCOL, { signal, runOnLimitedConnection: true })
  const frames = frameStream(stream, { ...LIMITS, frameTimeoutMs: timeoutMs })
  try {
    const proof = offerProof(INVITE_OFFER, invite.token, invite.peerId, me)
    await frames.write(encodeInviteMessage({ type: 'request', proof, cert: opts.deviceCert, profile: opts.profile, credential: opts.credential ?? new Uint8Array(0) }), signal)
    const frame = await frames.read(signal)
    if (frame === null) throw new InviteRejectedError('invite: the patient’s device closed the stream without answering')
    const msg = decodeInviteMessage(frame)
    if (msg.type === 'reject') {
      if (msg.reason === InviteRejectReason.token) throw new InviteTokenError('invite: the patient’s device refused the code (used, expired or wrong)')
      throw new InviteRejectedError(msg.reason === InviteRejectReason.declined ? 'invite: the patient declined' : 'invite: the patient’s device failed')
    }
    if (msg.type !== 'granted') throw new InviteMessageFormatError('invite: expected GRANTED or REJECT')
    const issuer = verifyDeviceCert(msg.issuer, { peerId: invite.peerId, person: invite.person })
    const grant = verifyGrant(msg.grant)
    if (grant.patient !== invite.person) throw new InviteMessageFormatError('invite: the grant is not signed by the invite’s patient')
    if (grant.grantee !== mine.person) throw new InviteMessageFormatError('invite: the grant is for someone else')
    if (grant.devices.length > 0 && !grant.devices.includes(me)) throw new InviteMessageFormatError('invite: the grant does not list this device')
    const patientKey = ed25519FromDidKey(invite.person)
    const doctorKey = ed25519FromDidKey(mine.person)
    for (const w of msg.wraps) {
      const h = parseWrap(w)
      if (!equalBytes(h.sender, patientKey) || !equalBytes(h.recipient, doctorKey) || !equalBytes(h.grantId, grant.id) || !grantCovers(grant, h.docId)) {
        throw new InviteMessageFormatError('invite: a wrapped key does not belong to this grant')
      }
    }
    frames.close()
    return { grant, wraps: msg.wraps, issuer }
  } catch (err) {
    frames.close(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}
