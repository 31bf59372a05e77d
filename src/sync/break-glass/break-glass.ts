/**
 * Break-glass requests over `/phr/break-glass/1` (the policy is `consent/break-glass.ts`):
 *
 * 1. The patient opted in; their emergency QR carries a capability: `phr-btg:` ‖
 *    base64url(the offer layout of `link/payload.ts`: token, the patient's key, the
 *    answering device's PeerId, the token's expiry, relay addresses). It is not one-time
 *    like an invite: the patient's device keeps the token and its use budget.
 * 2. The clinician's device dials that device and sends REQUEST: the token proof bound to
 *    both PeerIds, its device certificate, signed receiving keys, practitioner credential,
 *    and what it asks for (`core`).
 * 3. The patient's device verifies the certificate against the Noise-proven PeerId, the
 *    keys against the certificate's person, the credential against the trust list, and
 *    hands all of it to `approve` — no person is asked: the patient may be unconscious.
 *    `approve` decides by the policy (throwing one of its named errors) or returns the
 *    emergency grant and its wrapped keys.
 * 4. The clinician's device checks the grant is the capability's patient's, for this
 *    clinician and device, an emergency grant of `core` only, read only, and every wrap
 *    the patient's for it. A refusal arrives as the policy's named error.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { equalBytes } from '../../lib/index.ts'
import { checkCredential, ed25519FromDidKey, parseWrap, verifyDeviceCert, verifyProfile, type CredentialVerdict, type DeviceCert, type Profile, type TrustList } from '../../crypto/index.ts'
import {
  BreakGlassCredentialError,
  BreakGlassNotEnabledError,
  BreakGlassScopeError,
  BreakGlassTokenExpiredError,
  BreakGlassTokenInvalidError,
  BreakGlassTokenUsedError,
  BREAK_GLASS_SCOPE,
  grantCovers,
  isEmergencyGrant,
  verifyGrant,
  type Grant
} from '../../consent/index.ts'
import { FormatError, PhrError } from '../../lib/index.ts'
import { SyncClosedError } from '../errors.ts'
import { frameStream } from '../frames.ts'
import { encodeOffer, newLinkToken, offerProof, parseOffer, type LinkOffer, type OfferKind } from '../link/payload.ts'
import { dialOffer } from '../offer-dial.ts'
import type { Peer } from '../peer.ts'
import { withTimeout } from '../protocol/wait.ts'
import { BreakGlassMessageFormatError, BreakGlassRejectReason, decodeBreakGlassMessage, encodeBreakGlassMessage, MAX_BREAK_GLASS_MESSAGE_BYTES } from './messages.ts'

/** The protocol id. */
export const BREAK_GLASS_PROTOCOL = '/phr/break-glass/1'
/** Prefix of the capability text. */
export const BREAK_GLASS_PREFIX = 'phr-btg:'

/** The capability text is not one of this app's. */
export class BreakGlassCapabilityFormatError extends FormatError {
  override name: string = 'BreakGlassCapabilityFormatError'
}
/** The patient's device could not be reached, or answered with something that does not hold up. */
export class BreakGlassFailedError extends PhrError {
  override name: string = 'BreakGlassFailedError'
}

const KIND: OfferKind = Object.freeze({ prefix: BREAK_GLASS_PREFIX, proofSalt: 'phr/v1/break-glass', proofInfo: 'phr/v1/break-glass/proof', FormatError: BreakGlassCapabilityFormatError })
const LIMITS = { maxFrameBytes: MAX_BREAK_GLASS_MESSAGE_BYTES, maxBufferedBytes: MAX_BREAK_GLASS_MESSAGE_BYTES + 1024 }

/** A decoded capability: the token, the patient, their answering device, where, until when. */
export type BreakGlassCapability = LinkOffer

/** A fresh 16-byte emergency token. */
export const newBreakGlassToken: () => Uint8Array = newLinkToken

/**
 * Encodes a capability as `phr-btg:…` text.
 * @throws {TypeError | RangeError} for a malformed field
 */
export function encodeBreakGlassCapability(c: BreakGlassCapability): string {
  return encodeOffer(KIND, c)
}

/**
 * Finds and parses the capability in a text: bare, or inside an emergency link
 * (`…/emergency#e1.<key>.<jwe>~phr-btg:…`). Size cap first; expiry is checked when used.
 * @throws {BreakGlassCapabilityFormatError}
 */
export function parseBreakGlassCapability(text: string): BreakGlassCapability {
  if (typeof text !== 'string' || text.length > 8192) throw new BreakGlassCapabilityFormatError('emergency access: not an emergency code')
  const m = /phr-btg:[A-Za-z0-9_-]+/.exec(text)
  if (m === null) throw new BreakGlassCapabilityFormatError('emergency access: this emergency code carries no emergency access (the patient did not switch it on)')
  return parseOffer(KIND, m[0])
}

/** The proof a clinician's device sends (see `link/payload.ts`). */
export function breakGlassProof(token: Uint8Array, patientPeerId: string, clinicianPeerId: string): Uint8Array {
  return offerProof(KIND, token, patientPeerId, clinicianPeerId)
}

/** A clinician asking, as the patient's device verified them. */
export interface BreakGlassRequest {
  readonly peerId: string
  readonly device: DeviceCert
  readonly person: string
  readonly profile: Profile
  readonly credential: CredentialVerdict | { readonly status: 'none' }
  /** Whether the proof matched the current token. */
  readonly proofMatches: boolean
  readonly scope: readonly string[]
}

/** What an approval hands over. */
export interface BreakGlassGrant {
  readonly grant: Uint8Array
  readonly wraps: readonly Uint8Array[]
}

/** Options of the patient's host. */
export interface BreakGlassHostInit {
  deviceCert: Uint8Array
  trustList: TrustList
  /** The current token, or undefined while switched off. */
  token(): Uint8Array | undefined
  /** Decides by the policy: a grant, or one of the policy's named errors. */
  approve(request: BreakGlassRequest): Promise<BreakGlassGrant>
  /** @default Date.now */
  clock?: () => number
  /** @default 10 s */
  stepTimeoutMs?: number
}

/** The patient's side. */
export interface BreakGlassHost {
  start(): Promise<void>
  stop(): Promise<void>
}

const REASONS: ReadonlyArray<[new (m: string) => Error, BreakGlassRejectReason]> = [
  [BreakGlassNotEnabledError, BreakGlassRejectReason.notEnabled],
  [BreakGlassTokenInvalidError, BreakGlassRejectReason.tokenInvalid],
  [BreakGlassTokenExpiredError, BreakGlassRejectReason.tokenExpired],
  [BreakGlassTokenUsedError, BreakGlassRejectReason.tokenUsed],
  [BreakGlassCredentialError, BreakGlassRejectReason.credential],
  [BreakGlassScopeError, BreakGlassRejectReason.scope]
]
const reasonOf = (err: unknown): BreakGlassRejectReason => REASONS.find(([E]) => err instanceof E)?.[1] ?? BreakGlassRejectReason.failed

/**
 * The patient's break-glass host on `peer`.
 * @throws as `verifyDeviceCert` when `init.deviceCert` is not this node's
 */
export function createBreakGlassHost(peer: Peer, init: BreakGlassHostInit): BreakGlassHost {
  verifyDeviceCert(init.deviceCert, { peerId: peer.peerId.toString() })
  const clock = init.clock ?? Date.now
  const stepMs = init.stepTimeoutMs ?? 10_000
  const me = peer.peerId.toString()
  let stopper = new AbortController()

  async function handle(stream: Stream, connection: Connection): Promise<void> {
    const frames = frameStream(stream, { ...LIMITS, frameTimeoutMs: stepMs })
    const signal = AbortSignal.any([stopper.signal, AbortSignal.timeout(4 * stepMs)])
    const remote = connection.remotePeer.toString()
    const reject = async (reason: BreakGlassRejectReason): Promise<void> => {
      await frames.write(encodeBreakGlassMessage({ type: 'reject', reason }), signal)
      frames.close()
    }
    try {
      const frame = await withTimeout(frames.read(signal), stepMs, signal, 'break-glass request')
      if (frame === null) throw new SyncClosedError('break-glass: the clinician’s device closed the stream')
      const msg = decodeBreakGlassMessage(frame)
      if (msg.type !== 'request') throw new BreakGlassMessageFormatError('break-glass: expected REQUEST')
      const token = init.token()
      // constant-time comparison of a MAC (lib/bytes.ts equalBytes)
      const proofMatches = token !== undefined && equalBytes(msg.proof, breakGlassProof(token, me, remote))
      const device = verifyDeviceCert(msg.cert, { peerId: remote })
      const profile = verifyProfile(msg.profile)
      if (profile.person !== device.person) throw new BreakGlassMessageFormatError('break-glass: the receiving keys are not the device owner’s')
      let credential: BreakGlassRequest['credential'] = { status: 'none' }
      if (msg.credential.length > 0) {
        const verdict = checkCredential(msg.credential, { trustList: init.trustList, now: clock })
        // a credential issued to someone else says nothing about this clinician
        credential = verdict.status !== 'invalid' && verdict.credential.did !== device.person ? { status: 'invalid', error: new BreakGlassCredentialError('issued to someone else') } : verdict
      }
      let answer: BreakGlassGrant
      try {
        answer = await withTimeout(init.approve({ peerId: remote, device, person: device.person, profile, credential, proofMatches, scope: msg.scope }), 3 * stepMs, signal, 'break-glass decision')
      } catch (err) {
        await reject(reasonOf(err))
        return
      }
      await frames.write(encodeBreakGlassMessage({ type: 'granted', grant: answer.grant, issuer: init.deviceCert, wraps: [...answer.wraps] }), signal)
      frames.close()
    } catch (err) {
      try {
        await reject(BreakGlassRejectReason.failed)
      } catch {
        // the stream is gone: closing it below is all that is left to do
      }
      frames.close(err instanceof Error ? err : new Error(String(err)))
    }
  }

  return {
    async start() {
      stopper = new AbortController()
      await peer.handle(BREAK_GLASS_PROTOCOL, (stream, connection) => void handle(stream, connection), { maxInboundStreams: 2, maxOutboundStreams: 1, runOnLimitedConnection: true })
    },
    async stop() {
      stopper.abort(new SyncClosedError('break-glass host stopped'))
      await peer.unhandle(BREAK_GLASS_PROTOCOL)
    }
  }
}

/** What the clinician's device receives. */
export interface AcceptedBreakGlass {
  readonly grant: Grant
  readonly wraps: Uint8Array[]
  readonly issuer: DeviceCert
  readonly capability: BreakGlassCapability
}

/** Options of `requestBreakGlass`. */
export interface RequestBreakGlassOptions {
  deviceCert: Uint8Array
  profile: Uint8Array
  credential?: Uint8Array
  webRTC?: boolean
  /** @default Date.now */
  clock?: () => number
  /** @default 60 s */
  timeoutMs?: number
  signal?: AbortSignal
}

const ERROR_OF: Record<BreakGlassRejectReason, () => Error> = {
  [BreakGlassRejectReason.notEnabled]: () => new BreakGlassNotEnabledError('emergency access: the patient has not switched it on'),
  [BreakGlassRejectReason.tokenInvalid]: () => new BreakGlassTokenInvalidError('emergency access: the patient’s device does not know this emergency code'),
  [BreakGlassRejectReason.tokenExpired]: () => new BreakGlassTokenExpiredError('emergency access: this emergency code has expired'),
  [BreakGlassRejectReason.tokenUsed]: () => new BreakGlassTokenUsedError('emergency access: this emergency code was used up, or you already have access'),
  [BreakGlassRejectReason.credential]: () => new BreakGlassCredentialError('emergency access: a valid practitioner credential is needed'),
  [BreakGlassRejectReason.scope]: () => new BreakGlassScopeError('emergency access: only the summary can be opened'),
  [BreakGlassRejectReason.failed]: () => new BreakGlassFailedError('emergency access: the patient’s device failed')
}

/**
 * The clinician's side: dials the patient's device named in the capability and asks for
 * emergency access to `core`.
 * @throws {BreakGlassCapabilityFormatError} for a text without a capability
 * @throws {BreakGlassTokenExpiredError} before dialling when the capability has expired
 * @throws the policy's named error when the patient's device refuses
 * @throws {BreakGlassFailedError} when the answer does not hold up
 */
export async function requestBreakGlass(peer: Peer, text: string, opts: RequestBreakGlassOptions): Promise<AcceptedBreakGlass> {
  const capability = parseBreakGlassCapability(text)
  const clock = opts.clock ?? Date.now
  if (capability.expiresAt <= clock()) throw new BreakGlassTokenExpiredError('emergency access: this emergency code has expired')
  const me = peer.peerId.toString()
  const mine = verifyDeviceCert(opts.deviceCert, { peerId: me })
  const timeoutMs = opts.timeoutMs ?? 60_000
  const signal = opts.signal === undefined ? AbortSignal.timeout(timeoutMs) : AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)])
  const connection = await dialOffer(peer, capability, { webRTC: opts.webRTC ?? false, signal, wrongPeer: (m) => new BreakGlassFailedError(`emergency access: ${m}`) })
  const stream = await connection.newStream(BREAK_GLASS_PROTOCOL, { signal, runOnLimitedConnection: true })
  const frames = frameStream(stream, { ...LIMITS, frameTimeoutMs: timeoutMs })
  try {
    const proof = breakGlassProof(capability.token, capability.peerId, me)
    await frames.write(encodeBreakGlassMessage({ type: 'request', proof, cert: opts.deviceCert, profile: opts.profile, credential: opts.credential ?? new Uint8Array(0), scope: [...BREAK_GLASS_SCOPE] }), signal)
    const frame = await frames.read(signal)
    if (frame === null) throw new BreakGlassFailedError('emergency access: the patient’s device closed the stream without answering')
    const msg = decodeBreakGlassMessage(frame)
    if (msg.type === 'reject') throw ERROR_OF[msg.reason]()
    if (msg.type !== 'granted') throw new BreakGlassMessageFormatError('break-glass: expected GRANTED or REJECT')
    const issuer = verifyDeviceCert(msg.issuer, { peerId: capability.peerId, person: capability.person })
    const grant = verifyGrant(msg.grant)
    if (grant.patient !== capability.person) throw new BreakGlassFailedError('emergency access: the grant is not signed by the code’s patient')
    if (grant.grantee !== mine.person) throw new BreakGlassFailedError('emergency access: the grant is for someone else')
    if (grant.devices.length > 0 && !grant.devices.includes(me)) throw new BreakGlassFailedError('emergency access: the grant does not list this device')
    // what we asked for and nothing else: an emergency grant, read only, core only
    if (!isEmergencyGrant(grant) || grant.rights !== 'read' || grant.visitDocId !== undefined || grant.compartments.length !== 1 || grant.compartments[0]?.kind !== 'core') {
      throw new BreakGlassFailedError('emergency access: the grant is not an emergency grant of the summary')
    }
    const patientKey = ed25519FromDidKey(capability.person)
    const clinicianKey = ed25519FromDidKey(mine.person)
    for (const w of msg.wraps) {
      const h = parseWrap(w)
      if (!equalBytes(h.sender, patientKey) || !equalBytes(h.recipient, clinicianKey) || !equalBytes(h.grantId, grant.id) || !grantCovers(grant, h.docId)) {
        throw new BreakGlassFailedError('emergency access: a wrapped key does not belong to this grant')
      }
    }
    frames.close()
    return { grant, wraps: msg.wraps, issuer, capability }
  } catch (err) {
    frames.close(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}
