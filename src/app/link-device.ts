/**
 * The new device's side of linking, in the app: from a pasted (or scanned) `phr-link:`
 * text and a passphrase for this device's own vault, to a record stored here whose keys
 * came from the first device. Every failure is one named reason; nothing is written
 * before the first device has answered and its answer checked, and a failure while
 * writing removes what was written.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { generateSigningKeyPair, type ScryptParams } from '../crypto/index.ts'
import {
  createBrowserPeer,
  deviceKeyFromSecret,
  isLoopbackAddr,
  LinkPayloadFormatError,
  LinkRejectedError,
  LinkTokenError,
  linkDevice,
  MAX_LINK_PAYLOAD_CHARS,
  parseLinkPayload,
  type BrowserPeerInit,
  type Peer
} from '../sync/index.ts'
import type { EnvelopeStore } from '../storage/index.ts'
import { toHex } from '../lib/index.ts'
import { decodeOwnerMaterial } from './owner-material.ts'
import { createRecordWithVault, type RecordSession } from './record-session.ts'
import { encodeDocSet, encodeLinkedDevices, VaultItem } from './vault-items.ts'

/** Why linking failed, one word each (the UI names each in the user's language). */
export const LinkFailure = {
  /** The text is not a link code. */
  format: 'format',
  /** The code's time is over. */
  expired: 'expired',
  /** The first device refused the code (already used, expired there, or wrong). */
  token: 'token',
  /** The first device declined or failed. */
  declined: 'declined',
  /** The first device could not be reached (closed, or no network). */
  unreachable: 'unreachable',
  /** The first device's answer did not check out (certificates, keys of another person). */
  mismatch: 'mismatch',
  /** This device already holds a record. */
  exists: 'exists',
  /** The record could not be stored here. */
  storage: 'storage'
} as const
export type LinkFailure = (typeof LinkFailure)[keyof typeof LinkFailure]

/** Linking failed; `reason` says why. */
export class DeviceLinkError extends Error {
  override name: string = 'DeviceLinkError'
  readonly reason: LinkFailure
  constructor(reason: LinkFailure, message: string, options?: ErrorOptions) {
    super(message, options)
    this.reason = reason
  }
}

/** What joining needs. */
export interface JoinComponents {
  /** The relays of `/config.json` (decide whether loopback `ws://` may be dialled). */
  relays(signal: AbortSignal): Promise<string[]>
  /** Whether this device already holds a record. */
  recordExists(): Promise<boolean>
  /** Opens (creates) the store of the new record. */
  openStore(): Promise<EnvelopeStore>
  /** Removes that store and everything in it (after a failure). */
  discardStore(): Promise<void>
  /** @default createBrowserPeer */
  createPeer?: (init: BrowserPeerInit) => Promise<Peer>
}

/** What the user gave. */
export interface JoinRequest {
  payload: string
  passphrase: string
  deviceName: string
  clock?: () => number
  signal?: AbortSignal
  /** Time for the whole exchange. @default 90 s */
  timeoutMs?: number
  /** scrypt parameters of the new vault (tests lower them). */
  scrypt?: ScryptParams
  /** Reach the first device over WebRTC through the relay (browsers). @default true */
  webRTC?: boolean
}

/** The record now on this device. */
export interface JoinedRecord {
  readonly session: RecordSession
  readonly vaultKey: Uint8Array
  readonly store: EnvelopeStore
}

function reasonOf(err: unknown): LinkFailure {
  if (err instanceof LinkPayloadFormatError) return LinkFailure.format
  if (err instanceof LinkTokenError) return LinkFailure.token
  if (err instanceof LinkRejectedError) return LinkFailure.declined
  const name = err instanceof Error ? err.name : ''
  if (/DeviceCert|Signature|LinkMessageFormat|OwnerMaterial/.test(name)) return LinkFailure.mismatch
  return LinkFailure.unreachable
}

const ATTEMPTS = 3
const ATTEMPT_MS = 25_000

/**
 * Dials the first device and links, trying again when the connection could not be made: a
 * WebRTC dial through a relay can lose its ICE race on a loaded machine. The token is
 * spent only when the first device checks it, which needs a connection, so a retry after
 * a failed dial is safe; any answer (accepted or refused) ends the attempts.
 */
async function linkWithRetries(peer: Peer, req: JoinRequest, clock: () => number, signal: AbortSignal): Promise<Awaited<ReturnType<typeof linkDevice>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await linkDevice(peer, req.payload, { name: req.deviceName, webRTC: req.webRTC ?? true, clock, signal: AbortSignal.any([signal, AbortSignal.timeout(ATTEMPT_MS)]) })
    } catch (err) {
      if (attempt >= ATTEMPTS || signal.aborted || reasonOf(err) !== LinkFailure.unreachable) throw err
      console.warn(`link: attempt ${attempt} to reach the first device failed:`, err instanceof Error ? err.name : err)
    }
  }
}

/**
 * Links this device to the record of the device that showed `payload`.
 * @throws {DeviceLinkError} with the reason
 */
export async function joinRecord(components: JoinComponents, req: JoinRequest): Promise<JoinedRecord> {
  const clock = req.clock ?? Date.now
  // size cap before anything parses it
  if (typeof req.payload !== 'string' || req.payload.length > MAX_LINK_PAYLOAD_CHARS) throw new DeviceLinkError(LinkFailure.format, 'the link code is too long')
  let offer: ReturnType<typeof parseLinkPayload>
  try {
    offer = parseLinkPayload(req.payload)
  } catch (err) {
    throw new DeviceLinkError(LinkFailure.format, 'this is not a link code', { cause: err })
  }
  if (offer.expiresAt <= clock()) throw new DeviceLinkError(LinkFailure.expired, 'the link code has expired')
  if (await components.recordExists()) throw new DeviceLinkError(LinkFailure.exists, 'this device already holds a record')

  const signal = AbortSignal.any([...(req.signal === undefined ? [] : [req.signal]), AbortSignal.timeout(req.timeoutMs ?? 90_000)])
  let loopback = false
  try {
    const relays = await components.relays(signal)
    loopback = relays.length > 0 && relays.every((a) => isLoopbackAddr(multiaddr(a)))
  } catch (err) {
    // without the config only public, secure addresses are dialled
    console.warn('link: no relay config', err instanceof Error ? err.name : err)
  }
  const device = generateSigningKeyPair()
  const peer = await (components.createPeer ?? createBrowserPeer)({ privateKey: await deviceKeyFromSecret(device.secretKey), allowInsecureLoopback: loopback, listenThroughRelays: false })
  let material: ReturnType<typeof decodeOwnerMaterial>
  let result: Awaited<ReturnType<typeof linkDevice>>
  try {
    result = await linkWithRetries(peer, req, clock, signal)
    material = decodeOwnerMaterial(result.ownerMaterial, result.person)
    const held = new Set([...material.keyring.keys()])
    if (!result.docIds.every((d) => held.has(toHex(d)))) throw new DeviceLinkError(LinkFailure.mismatch, 'the first device named compartments it gave no keys for')
  } catch (err) {
    if (err instanceof DeviceLinkError) throw err
    throw new DeviceLinkError(reasonOf(err), err instanceof Error ? err.message : 'linking failed', { cause: err })
  } finally {
    await peer.stop()
  }

  let store: EnvelopeStore | undefined
  try {
    store = await components.openStore()
    const items = new Map<string, Uint8Array>([
      [VaultItem.person, material.entropy],
      [VaultItem.deviceCert, result.deviceCert],
      [VaultItem.linkedDevices, encodeLinkedDevices([{ peerId: result.issuer.peerId, name: result.issuer.name, linkedAt: clock() }])],
      // nothing has synced yet: every compartment reads as "not arrived yet" until it has
      [VaultItem.syncedDocs, encodeDocSet(new Set())]
    ])
    const { session, vaultKey } = await createRecordWithVault(store, req.passphrase, { keyring: material.keyring, deviceSecretKey: device.secretKey, items }, req.scrypt === undefined ? {} : { scrypt: req.scrypt })
    return { session, vaultKey, store }
  } catch (err) {
    await store?.close().catch(() => undefined) // closing before the removal; its own failure changes nothing
    await components.discardStore().catch((e: unknown) => console.error('link: the half-made record could not be removed', e instanceof Error ? e.name : e))
    throw new DeviceLinkError(LinkFailure.storage, 'the record could not be stored on this device', { cause: err })
  } finally {
    material.entropy.fill(0)
    device.secretKey.fill(0)
  }
}
