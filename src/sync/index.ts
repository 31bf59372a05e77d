/**
 * Peer-to-peer sync (DESIGN §7): libp2p node factories, the `/phr/sync/1` protocol
 * (HELLO → WANT → KEYS / ENVELOPES / DENIED → DONE → live push, with ACK flow control),
 * device linking over `/phr/link/1`, and the helpers that tie a device's libp2p key to its
 * envelope author key. `/phr/mailbox/1` lives in `./mailbox/`.
 *
 * @example
 * ```ts
 * import { createNodePeer, createSyncService, createBanList, deviceKeyFromSecret, authorKeysOf } from '../sync/index.ts'
 *
 * const privateKey = await deviceKeyFromSecret(deviceSecret)         // the device key = envelope author key
 * const bans = createBanList()
 * const peer = await createNodePeer({ privateKey, bans, allowInsecureLoopback: true })
 * const deviceCert = issueDeviceCert({ peerId: peer.peerId.toString(), name: 'Laptop', issuedAt: Date.now() }, person.signing.secretKey)
 * const sync = createSyncService(peer, { deviceCert, bans })       // default: own devices read everything
 * await sync.start()
 * sync.addDoc({ docId, store, persistence })                       // persistence keys: { author: authorKeysOf(privateKey), … }
 * await sync.syncWith('/ip4/127.0.0.1/tcp/4001/p2p/12D3Koo…')
 * sync.subscribe((s) => render(s.peers, s.docs))                   // connected peers, last synced, pending
 * ```
 * @packageDocumentation
 */
export { createBrowserPeer, createNodePeer, type BrowserPeerInit, type NodePeerInit, type Peer } from './peer.ts'
export { dialPolicy, isLoopbackAddr } from './gater.ts'
// length-prefixed framing and bounded waits, for protocols built on this layer (`/phr/consult/1`)
export { frameStream, type FrameStream, type FrameStreamInit } from './frames.ts'
export { withTimeout, abortReason } from './protocol/wait.ts'
export { connectRelay, type RelayConnection } from './relay-connection.ts'
export { createBanList, withBans, type BanList, type BanListInit } from './bans.ts'
export { deviceKeyFromSecret, authorKeysOf, authorKeyOfPeerId, peerIdOfAuthorKey } from './identity.ts'
export { createSyncService, SYNC_PROTOCOL, type SyncService, type SyncServiceInit } from './service.ts'
export {
  createSyncEngine,
  type SyncEngine,
  type SyncEngineInit,
  type SyncStatus,
  type SyncPeerStatus,
  type SyncDocStatus,
  type RefusedPeer,
  type SyncEvent
} from './engine.ts'
export { createDefaultAuthorizer, type DefaultAuthorizer, type AllowEntry } from './authorize.ts'
export type {
  SyncDoc,
  Authorizer,
  RemoteIdentity,
  KeysProvider,
  KeysReceiver,
  SessionTransport,
  SyncSession,
  SyncTrace
} from './protocol/types.ts'
export { DEFAULT_SYNC_LIMITS, resolveLimits, type SyncLimits } from './protocol/limits.ts'
export { encodeSyncMessage, decodeSyncMessage, SyncMessageType, DeniedReason, type SyncMessage, type WantDoc } from './protocol/messages.ts'
export { createDeviceLinker, linkDevice, LINK_PROTOCOL, type DeviceLinker, type DeviceLinkerInit, type LinkRequest, type LinkResult, type LinkDeviceOptions } from './link/linker.ts'
export { encodeLinkPayload, parseLinkPayload, linkProof, newLinkToken, LINK_PAYLOAD_PREFIX, MAX_LINK_PAYLOAD_CHARS, type LinkOffer } from './link/payload.ts'
export {
  SyncMessageFormatError,
  SyncMessageTooLargeError,
  PeerFaultError,
  SyncProtocolError,
  PeerCertificateError,
  PeerRateLimitError,
  TooManyStreamsError,
  PeerBannedError,
  SyncTimeoutError,
  SyncClosedError,
  LinkPayloadFormatError,
  LinkMessageFormatError,
  LinkTokenError,
  LinkRejectedError,
  InvitePayloadFormatError,
  InviteMessageFormatError,
  InviteTokenError,
  InviteRejectedError,
  isPeerFault
} from './errors.ts'
// the blind mailbox protocol (`/phr/mailbox/1`): client, codec and signed registrations
export * from './mailbox/index.ts'
export {
  createInviteHost,
  answerInvite,
  parseInvite,
  encodeInvite,
  INVITE_PROTOCOL,
  INVITE_PAYLOAD_PREFIX,
  type Invite,
  type InviteHost,
  type InviteHostInit,
  type InviteRequest,
  type InviteGrant,
  type AcceptedInvite,
  type AnswerInviteOptions
} from './invite/invite.ts'
export { encodeInviteMessage, decodeInviteMessage, InviteRejectReason, MAX_INVITE_MESSAGE_BYTES, type InviteMessage } from './invite/messages.ts'
export {
  signShlHosting,
  verifyShlHosting,
  signShlRequest,
  verifyShlRequest,
  newShlId,
  shlIdText,
  ShlAction,
  ShlHostingFormatError,
  SHL_ID_LENGTH,
  MAX_SHL_FILES,
  MAX_SHL_FILE_CHARS,
  MAX_SHL_REGISTRATION_BYTES,
  type ShlHosting,
  type ShlHostingFields
} from './shl.ts'
export {
  createBreakGlassHost,
  requestBreakGlass,
  encodeBreakGlassCapability,
  parseBreakGlassCapability,
  breakGlassProof,
  newBreakGlassToken,
  BreakGlassCapabilityFormatError,
  BreakGlassFailedError,
  BREAK_GLASS_PROTOCOL,
  BREAK_GLASS_PREFIX,
  type BreakGlassCapability,
  type BreakGlassRequest,
  type BreakGlassGrant,
  type BreakGlassHost,
  type BreakGlassHostInit,
  type AcceptedBreakGlass,
  type RequestBreakGlassOptions
} from './break-glass/break-glass.ts'
export { encodeBreakGlassMessage, decodeBreakGlassMessage, BreakGlassMessageFormatError, BreakGlassRejectReason, type BreakGlassMessage } from './break-glass/messages.ts'
