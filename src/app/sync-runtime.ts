/**
 * The sync runtime of an open record: while a record is open, this device is a libp2p
 * peer (its PeerId is its envelope author key), connected to the relay with backoff,
 * serving and asking `/phr/sync/1` for every compartment, re-dialling the person's other
 * devices it knows, answering `/phr/link/1` offers, and using the relay's mailbox while a
 * device is away. What it knows about the other devices lives only in the sealed vault.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { fromHex, toHex, type DocId } from '../lib/index.ts'
import {
  connectRelay,
  createBanList,
  createBrowserPeer,
  createDeviceLinker,
  createMailboxClient,
  createSyncService,
  deviceKeyFromSecret,
  isLoopbackAddr,
  type BrowserPeerInit,
  type DeviceLinker,
  type Peer,
  type RelayConnection,
  createInviteHost,
  createBreakGlassHost,
  type BreakGlassGrant,
  type BreakGlassHost,
  type BreakGlassRequest,
  type InviteGrant,
  type InviteHost,
  type InviteRequest,
  type SyncService,
  type SyncStatus,
  peerIdOfAuthorKey
} from '../sync/index.ts'
import { isPeerIdString, personFromEntropy, type PersonKeys, type TrustList } from '../crypto/index.ts'
import { openVaultItem } from '../consent/index.ts'
import type { CompartmentKind } from '../record/index.ts'
import { openVaultContents, type RecordSession } from './record-session.ts'
import { RelayState } from './relay-status.ts'
import { createAppMailbox, type AppMailbox, type Backlog, type MailboxStatus, type MailboxTarget } from './mailbox-sync.ts'
import { parseEnvelopeHeader } from '../envelope/index.ts'
import { MAX_SNAPSHOT_BYTES } from '../storage/index.ts'
import { encodeOwnerMaterial } from './owner-material.ts'
import { createConsultService, type CallParty, type ConsultService, type IncomingRing, type SignalChannel } from '../consult/index.ts'
import { MAX_OWN_MAILBOXES, VaultItem, type LinkedDevice, type RecordVault } from './vault-items.ts'

/** One compartment's sync state. */
export interface CompartmentSyncStatus {
  readonly kind: CompartmentKind
  /** Doc id, hex. */
  readonly docId: string
  /** False while updates it depends on are missing (Yjs pending structs or deletions). */
  readonly complete: boolean
  /** True on a linked device until its first sync with another device finished: it may hold only part of the record. */
  readonly awaitingFirstSync: boolean
  /** Local changes not yet committed to this device's store. */
  readonly unsaved: boolean
  /** Envelopes a connected device asked for and has not been sent yet. */
  readonly pendingOut: number
  /** Envelopes received but held for a gap before them. */
  readonly held: number
  /** When another device last confirmed it up to date (ms). */
  readonly lastSyncedAt?: number
}

/** A connected device of the person. */
export interface ConnectedDevice {
  readonly peerId: string
  readonly name: string
  readonly since: number
}

/** Everything the sync status panel shows. */
export interface SyncSnapshot {
  /** This device's PeerId and name. */
  readonly peerId?: string
  readonly deviceName: string
  readonly relay: RelayState
  /** The relay this device is connected to, while `relay` is connected. */
  readonly relayConnection?: RelayConnection
  /** Relays the person added as their own mailboxes (used beside the configured relay's). */
  readonly ownMailboxes: readonly string[]
  readonly mailbox: MailboxStatus
  readonly peers: readonly ConnectedDevice[]
  readonly linked: readonly LinkedDevice[]
  readonly compartments: readonly CompartmentSyncStatus[]
  /** The latest sync with a device or fetch from the mailbox (ms). */
  readonly lastSyncedAt?: number
  /** The newest device linked from here while the record was open. */
  readonly justLinked?: LinkedDevice
}

/** A link offer shown on this device. */
export interface LinkOfferView {
  /** The `phr-link:` text (for the QR code and for copying). */
  readonly payload: string
  readonly expiresAt: number
}

/** An address given as one's own mailbox is not usable. */
export class MailboxAddressError extends Error {
  override name: string = 'MailboxAddressError'
}

/**
 * Checks an address given as one's own mailbox: a multiaddr that names the relay's PeerId
 * and, unless it is on this machine, goes over TLS (`/wss` or `/tls/ws`). Returns the
 * relay's PeerId.
 * @throws {MailboxAddressError} saying what is wrong
 */
export function checkMailboxAddr(addr: string): string {
  let ma
  try {
    ma = multiaddr(addr.trim())
  } catch {
    // the parser's message names a codec; the person needs to know it is not an address
    throw new MailboxAddressError('not a relay address (expected something like /dns4/relay.example/tcp/443/wss/p2p/12D3KooW…)')
  }
  const peerId = ma.getComponents().findLast((c) => c.name === 'p2p')?.value
  if (peerId === undefined || !isPeerIdString(peerId)) throw new MailboxAddressError('the address must end with the relay’s /p2p/<PeerId>')
  const s = ma.toString()
  if (!isLoopbackAddr(ma) && !/\/(wss|tls\/ws)(\/|$)/.test(s)) throw new MailboxAddressError('a relay on another machine must be reached over /wss')
  return peerId
}

/** The relay is not reachable, so nothing can be offered or linked. */
export class RelayUnavailableError extends Error {
  override name: string = 'RelayUnavailableError'
}

/** What the runtime is given. */
export interface SyncRuntimeComponents {
  readonly session: RecordSession
  readonly vault: RecordVault
  /** Unlocked vault key (to read the keyring for a newly linked device). */
  readonly vaultKey: Uint8Array
  /**
   * What `vault.syncedDocs()` held when the record was opened (read before, so that the
   * first snapshot already shows a linked device's unsynced compartments as not arrived).
   */
  readonly syncedDocs: ReadonlySet<string> | undefined
  /** The relay multiaddrs (from `/config.json`). */
  relays(signal: AbortSignal): Promise<string[]>
  /** `navigator.onLine` and its events. */
  readonly window: Pick<Window, 'addEventListener' | 'removeEventListener'> & { navigator: { onLine: boolean } }
  /** Builds the libp2p node. @default createBrowserPeer */
  createPeer?: (init: BrowserPeerInit) => Promise<Peer>
  /** Grants: who else may read what, their keys, and the visit invites. @default the person's own devices only */
  consent?: RuntimeConsent
  /** Video calls over `/phr/consult/1` with people who hold a live grant. @default none */
  consult?: RuntimeConsult
}

/** What the consultations plug into the runtime. */
export interface RuntimeConsult {
  /** Whether `party` holds a live grant of this record for that device (checked for every ring). */
  authorize(party: CallParty): boolean
  /** An allowed ring came in. */
  onRing(ring: IncomingRing): void
}

/** One sync session with a device of someone else (a grantee), as the audit log records it. */
export interface GranteeSession {
  readonly person: string
  readonly peerId: string
  readonly deviceName: string
  readonly since: number
  /** Doc ids (hex) with envelopes sent or received. */
  readonly docs: readonly string[]
  /** Envelopes sent to that device. */
  readonly sent: number
  /** Envelopes from it applied here. */
  readonly received: number
}

/** What the consent layer plugs into the runtime. */
export interface RuntimeConsent {
  authorize(person: string, device: string, docId: Uint8Array): boolean
  wants(person: string, device: string, docId: Uint8Array): boolean
  keysFor(person: string, docId: Uint8Array): Uint8Array[]
  /** Asks the patient about a doctor's request (the invite host's hook). */
  approve(request: InviteRequest): Promise<InviteGrant | undefined>
  /** Licensing authorities for practitioner credentials. */
  trustList: TrustList
  /** Emergency (break-glass) requests: the current token and the automatic decision. @default none */
  breakGlass?: { token(): Uint8Array | undefined; approve(request: BreakGlassRequest): Promise<BreakGlassGrant> }
  /**
   * A sync session with someone else's device ended (or the record was closed during it),
   * for the audit log: who, which compartments (doc id hex) they were given or gave, and
   * how many envelopes went each way.
   */
  onSession?(e: GranteeSession): void
}

/** Options. */
export interface SyncRuntimeInit {
  /** This device's name, in its certificate when it is first issued. */
  deviceName: string
  /** Wall clock. @default Date.now */
  clock?: () => number
  /** First retry delay after a failure; doubles up to `maxRetryMs`. @default 1000 */
  minRetryMs?: number
  /** @default 30000 */
  maxRetryMs?: number
  /** How often known devices that are not connected are dialled again. @default 20000 */
  redialMs?: number
  /** Dial other devices as WebRTC through the relay (browsers). @default true */
  webRTC?: boolean
  /** Sync over relayed (limited) connections too (Node tests without WebRTC). @default false */
  allowLimitedConnections?: boolean
  /**
   * Keep a copy of this device's envelopes in the mailboxes even while no other device of
   * the person is known (the person's own record: with the recovery phrase, a new device
   * fetches it from there when this one is lost). @default false (only while a device is away)
   */
  keepMailboxCopy?: boolean
}

/** The runtime. */
export interface SyncRuntime {
  start(): void
  stop(): Promise<void>
  snapshot(): SyncSnapshot
  subscribe(listener: (s: SyncSnapshot) => void): () => void
  /** Calls `listener` (debounced) when another device's changes were applied to the record. */
  onRemoteChange(listener: () => void): () => void
  /**
   * A one-time link offer through the relay.
   * @throws {RelayUnavailableError} when the relay is not connected
   */
  createLinkOffer(signal?: AbortSignal): Promise<LinkOfferView>
  /** Tries the mailbox and the known devices now (e.g. a "sync now" button). */
  syncNow(): void
  /**
   * A one-time visit invite (`phr-invite:`) through the relay.
   * @throws {RelayUnavailableError} when the relay is not connected, or there is no consent layer
   */
  createInvite(signal?: AbortSignal): Promise<LinkOfferView>
  /** Syncs a compartment bound after the record was opened (a visit compartment). */
  addCompartment(kind: CompartmentKind): void
  /**
   * Adds a relay as one of the person's own mailboxes on this device: from now on what the
   * other devices miss is deposited there too, and fetched from there on start.
   * @throws {MailboxAddressError} for an address that cannot be one
   * @throws {RangeError} past `MAX_OWN_MAILBOXES`
   */
  addMailbox(addr: string): Promise<void>
  /** Stops using one of the person's own mailboxes. */
  removeMailbox(addr: string): Promise<void>
  /**
   * Rings a grantee's device through the relay (WebRTC between the browsers).
   * @throws {RelayUnavailableError} when the relay is not connected or there are no consultations
   * @throws as `ConsultService.ring`
   */
  ring(to: CallParty, signal?: AbortSignal): Promise<SignalChannel>
  /**
   * Where a clinician's device reaches this one for emergency access: this device's PeerId
   * and the relay it holds a reservation on.
   * @throws {RelayUnavailableError} when the relay is not connected
   */
  emergencyAddress(signal?: AbortSignal): Promise<{ peerId: string; addrs: string[] }>
}

const CONNECT_TIMEOUT_MS = 15_000
/** Most unknown authors dialled to find the person's other devices. */
const MAX_CANDIDATES = 16

/** Creates the runtime of an open record; nothing starts until `start()`. */
export function createSyncRuntime(components: SyncRuntimeComponents, init: SyncRuntimeInit): SyncRuntime {
  const { session, vault } = components
  const clock = init.clock ?? Date.now
  const minRetry = init.minRetryMs ?? 1_000
  const maxRetry = init.maxRetryMs ?? 30_000
  const redialMs = init.redialMs ?? 20_000
  const webRTC = init.webRTC ?? true
  const makePeer = components.createPeer ?? createBrowserPeer
  const listeners = new Set<(s: SyncSnapshot) => void>()
  const remoteListeners = new Set<() => void>()
  const cleanups: Array<() => void> = []
  const unsaved = new Map<CompartmentKind, number>()
  let running = false
  let peer: Peer | undefined
  let sync: SyncService | undefined
  let linker: DeviceLinker | undefined
  let inviteHost: InviteHost | undefined
  let breakGlassHost: BreakGlassHost | undefined
  let consultService: ConsultService | undefined
  let target: MailboxTarget | undefined
  let own: MailboxTarget[] = []
  let ownAddrs: string[] = []
  let relayAddr: string | undefined
  let relayPeerId: string | undefined
  let relayConnection: RelayConnection | undefined
  let relayState: RelayState = RelayState.idle
  let attempt = 0
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let redialTimer: ReturnType<typeof setInterval> | undefined
  let remoteTimer: ReturnType<typeof setTimeout> | undefined
  let controller = new AbortController()
  let linked: LinkedDevice[] = []
  /** Authors of the record's own compartments not known as the person's devices yet (dialled; see `learnAuthors`). */
  const candidates = new Set<string>()
  const synced: Set<string> | undefined = components.syncedDocs === undefined ? undefined : new Set(components.syncedDocs)
  let justLinked: LinkedDevice | undefined
  let peerId: string | undefined
  let ownPerson: string | undefined
  let deviceName = init.deviceName
  let syncStatus: SyncStatus = { peers: [], docs: [], refused: [] }
  const dialing = new Set<string>()
  /** Failed dials in a row, by PeerId (see `retrySoon`), and the timers of the next tries. */
  const retries = new Map<string, number>()
  const retryTimers = new Map<string, ReturnType<typeof setTimeout>>()
  const granteeSessions = new Map<string, { person: string; peerId: string; deviceName: string; since: number; docs: Set<string>; sent: number; received: number }>()
  /** Writes the audit entry of a grantee's session. */
  const endGranteeSession = (peerId: string): void => {
    const g = granteeSessions.get(peerId)
    if (g === undefined) return
    granteeSessions.delete(peerId)
    components.consent?.onSession?.({ ...g, docs: [...g.docs].sort() })
  }

  const docs = [...session.compartments.values()].map((c) => ({ docId: c.compartment.docId, persistence: c.persistence }))
  const me = toHex(session.device.publicKey)
  const previousPerson = async (): Promise<PersonKeys | undefined> => {
    const sealed = await session.store.getMeta(VaultItem.previousPerson)
    if (sealed === undefined) return undefined
    const entropy = openVaultItem(components.vaultKey, VaultItem.previousPerson, sealed)
    try {
      return personFromEntropy(entropy)
    } finally {
      entropy.fill(0)
    }
  }
  const docOf = (docId: DocId): (typeof docs)[number] => {
    const hex = toHex(docId)
    const d = docs.find((x) => toHex(x.docId) === hex)
    if (d === undefined) throw new RangeError('mailbox: not a compartment of this record')
    return d
  }
  const mailbox: AppMailbox = createAppMailbox({
    docs,
    // after a handover the mailbox knows each compartment under the previous owner's key:
    // that key signs, and lists the new person (every device they certify) as a party
    ownerSecretKey: async () => (await previousPerson())?.signing.secretKey ?? (await vault.person()).signing.secretKey,
    parties: async () => [
      ...((await previousPerson()) === undefined ? [] : [{ person: (await vault.person()).did, fetch: true, deposit: true }]),
      ...linked.map((d) => ({ device: d.peerId, fetch: true, deposit: true }))
    ],
    ownSeq: (docId) => docOf(docId).persistence.vector().get(me) ?? 0,
    // what another device left in the mailbox counts as arrived, as a direct sync does: after
    // linking, the whole record came from there while the label still said "Not arrived yet"
    arrived: (hex) => firstSync(hex),
    async backlog(docId, afterSeq): Promise<Backlog> {
      // everything this device wrote above the mark: the store holds it (or a snapshot of it)
      const since = new Map(docOf(docId).persistence.vector())
      since.set(me, afterSeq)
      const stored = await session.store.read(docId, since)
      const items: Array<{ bytes: Uint8Array; seq: number }> = []
      let upTo = afterSeq
      for (const bytes of [stored.snapshot, ...stored.envelopes]) {
        if (bytes === undefined) continue
        const h = parseEnvelopeHeader(bytes, { maxBytes: MAX_SNAPSHOT_BYTES })
        if (h.kind === 'snapshot') upTo = Math.max(upTo, h.covers?.get(me) ?? 0)
        if (toHex(h.author) !== me || h.seq <= afterSeq) continue
        items.push({ bytes, seq: h.seq })
        upTo = Math.max(upTo, h.seq)
      }
      items.sort((a, b) => a.seq - b.seq)
      return { items, upTo }
    },
    marks: () => vault.depositMarks(),
    markDeposited: (id, docHex, seq) => vault.markDeposited(id, docHex, seq),
    wanted: () => depositWanted()
  })

  function snapshot(): SyncSnapshot {
    const byDoc = new Map(syncStatus.docs.map((d) => [d.docId, d]))
    const compartments: CompartmentSyncStatus[] = []
    let lastSyncedAt = mailbox.status().lastFetchAt
    for (const [kind, c] of session.compartments) {
      const hex = toHex(c.compartment.docId)
      const d = byDoc.get(hex)
      if (d?.lastSyncedAt !== undefined) lastSyncedAt = Math.max(lastSyncedAt ?? 0, d.lastSyncedAt)
      compartments.push({
        kind,
        docId: hex,
        complete: c.compartment.isComplete(),
        awaitingFirstSync: synced !== undefined && !synced.has(hex),
        unsaved: unsaved.has(kind),
        pendingOut: d?.pendingOut ?? 0,
        held: d?.held ?? c.persistence.held,
        ...(d?.lastSyncedAt === undefined ? {} : { lastSyncedAt: d.lastSyncedAt })
      })
    }
    return {
      ...(peerId === undefined ? {} : { peerId }),
      deviceName,
      relay: relayState,
      ...(relayState === RelayState.connected && relayConnection !== undefined ? { relayConnection } : {}),
      ownMailboxes: ownAddrs,
      mailbox: mailbox.status(),
      // the person's own devices (a grantee's device is on the people screen, not here)
      peers: syncStatus.peers.filter((p) => ownPerson === undefined || p.person === ownPerson).map((p) => ({ peerId: p.peerId, name: p.deviceName, since: p.since })),
      linked,
      compartments,
      ...(lastSyncedAt === undefined ? {} : { lastSyncedAt }),
      ...(justLinked === undefined ? {} : { justLinked })
    }
  }
  const notify = (): void => {
    const s = snapshot()
    for (const l of listeners) l(s)
  }
  const setRelay = (state: RelayState): void => {
    relayState = state
    notify()
  }

  /** Whether one of the person's known devices would miss a change made now. */
  const someoneAway = (): boolean => {
    const connected = new Set(syncStatus.peers.map((p) => p.peerId))
    return linked.some((d) => !connected.has(d.peerId))
  }

  /** Whether the mailboxes should get this device's envelopes now. */
  const depositWanted = (): boolean => init.keepMailboxCopy === true || someoneAway()

  /** The mailboxes in use: the connected relay's, then the person's own. */
  const targets = (): MailboxTarget[] => [...(target !== undefined && relayState === RelayState.connected ? [target] : []), ...own]

  function depositSoon(): void {
    for (const t of targets()) {
      mailbox.deposit(t, controller.signal).catch((err: unknown) => {
        if (running) console.warn('mailbox: deposit failed', err instanceof Error ? err.name : err)
      })
    }
  }

  function syncMailboxes(list: MailboxTarget[] = targets()): void {
    for (const t of list) {
      mailbox.sync(t, controller.signal).then(
        () => learnAuthors(),
        (err: unknown) => {
          if (running) console.warn('mailbox: sync failed', err instanceof Error ? err.name : err)
        }
      )
    }
  }

  /**
   * On a device that did not make the record (restored from the phrase, or linked), the
   * authors of the record's own compartments that it does not know are dialled too: this is
   * how a restored device finds the person's other devices. They are remembered only once
   * their certificate shows they are the person's (the `peer-connected` handler).
   */
  function learnAuthors(): void {
    if (synced === undefined || !running) return
    const known = new Set(linked.map((d) => d.peerId))
    for (const [kind, c] of session.compartments) {
      // a visit compartment's other author is a doctor's device, never one to sync the record with
      if (kind.startsWith('visit:')) continue
      for (const author of c.persistence.vector().keys()) {
        if (author === me || candidates.size >= MAX_CANDIDATES) continue
        const id = peerIdOfAuthorKey(fromHex(author))
        if (!known.has(id)) candidates.add(id)
      }
    }
    if (candidates.size > 0) void redial()
  }

  /** Clients for the person's own mailboxes (once there is a peer to dial from). */
  async function ownTargets(): Promise<MailboxTarget[]> {
    const p = peer
    if (p === undefined) return []
    const deviceCert = (await vault.deviceCert(init.deviceName)).bytes
    return ownAddrs.map((addr) => ({ id: checkMailboxAddr(addr), client: createMailboxClient(p, { mailbox: addr, deviceCert }) }))
  }

  function watchRecord(): void {
    for (const [kind, c] of session.compartments) watch(kind, c)
  }

  function watch(kind: CompartmentKind, c: RecordSession['compartments'] extends ReadonlyMap<CompartmentKind, infer C> ? C : never): void {
    {
      cleanups.push(
        c.compartment.onUpdate((_update, _origin, local) => {
          if (!local) {
            clearTimeout(remoteTimer)
            remoteTimer = setTimeout(() => {
              for (const l of remoteListeners) l()
            }, 150)
            return
          }
          const gen = (unsaved.get(kind) ?? 0) + 1
          unsaved.set(kind, gen)
          c.persistence.whenSaved().then(
            () => {
              if (unsaved.get(kind) === gen) unsaved.delete(kind)
              notify()
            },
            (err: unknown) => console.error('the record could not be saved', err instanceof Error ? err.name : err)
          )
          notify()
        }),
        c.persistence.onSealed(() => {
          // stored by now: the mailbox gets it (and whatever else it lacks) from the store
          if (depositWanted()) depositSoon()
        })
      )
    }
  }

  /**
   * Tries a device again soon after a failed dial (1 s, 2 s, 4 s … while that is shorter
   * than the redial interval) rather than at the next round: a browser's first WebRTC connection through
   * the relay after its peer started often failed its signalling (seen in the two-device
   * tests: the second try connected at once), and waiting a whole round for the retry kept
   * two devices apart for 20 s or more.
   */
  function retrySoon(peer: string): void {
    const attempt = (retries.get(peer) ?? 0) + 1
    retries.set(peer, attempt)
    const delay = 1000 * 2 ** (attempt - 1)
    clearTimeout(retryTimers.get(peer))
    // once the pause reaches the round interval, the rounds do the trying (one timer a device at most)
    if (delay >= redialMs) {
      retryTimers.delete(peer)
      return
    }
    retryTimers.set(
      peer,
      setTimeout(() => {
        retryTimers.delete(peer)
        void redial()
      }, delay)
    )
  }

  /** Notes (durably) that a compartment has arrived from another device, the first time. */
  function firstSync(hex: string): void {
    if (synced === undefined || synced.has(hex)) return
    synced.add(hex)
    vault.markSynced(hex).catch((err: unknown) => console.warn('sync: could not note a first sync', err instanceof Error ? err.name : err))
    notify()
  }

  async function redial(): Promise<void> {
    const s = sync
    const relay = relayAddr
    if (s === undefined || relay === undefined || relayState !== RelayState.connected) return
    const connected = new Set(syncStatus.peers.map((p) => p.peerId))
    const known = new Set(linked.map((d) => d.peerId))
    for (const d of [...linked, ...[...candidates].filter((id) => !known.has(id)).map((peerId) => ({ peerId, name: peerId.slice(-8) }))]) {
      if (connected.has(d.peerId) || dialing.has(d.peerId)) continue
      dialing.add(d.peerId)
      const target = `${relay}/p2p-circuit/${webRTC ? 'webrtc/' : ''}p2p/${d.peerId}`
      s.syncWith(target, { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(20_000)]) })
        .catch((err: unknown) => {
          // the other device is probably closed: the mailbox carries changes meanwhile
          if (!running) return
          console.warn(`sync: ${d.name} not reachable:`, err instanceof Error ? err.name : err)
          retrySoon(d.peerId)
        })
        .finally(() => dialing.delete(d.peerId))
    }
  }

  async function setUp(relays: string[]): Promise<Peer> {
    const loopback = relays.every((a) => isLoopbackAddr(multiaddr(a)))
    const privateKey = await deviceKeyFromSecret(session.device.secretKey)
    const bans = createBanList()
    const p = await makePeer({ privateKey, allowInsecureLoopback: loopback, bans })
    try {
      peerId = p.peerId.toString()
      const { bytes: deviceCert, cert } = await vault.deviceCert(init.deviceName)
      deviceName = cert.name
      ownPerson = cert.person
      linked = await vault.linkedDevices()
      const consent = components.consent
      const s = createSyncService(p, {
        deviceCert,
        bans,
        dialTimeoutMs: 20_000,
        allowLimitedConnections: init.allowLimitedConnections ?? false,
        warn: (m, e) => console.warn(`sync: ${m}`, e instanceof Error ? e.name : ''),
        // the person's own devices read everything (the ledger says so); grantees what a grant in force covers
        ...(consent === undefined
          ? {}
          : {
              authorize: (person: string, device: string, docId: Uint8Array) => consent.authorize(person, device, docId),
              wants: (person: string, device: string, docId: Uint8Array) => consent.wants(person, device, docId),
              keys: (remote: { person: string }, docId: Uint8Array) => consent.keysFor(remote.person, docId)
            })
      })
      await s.start()
      for (const c of session.compartments.values()) s.addDoc({ docId: c.compartment.docId, store: session.store, persistence: c.persistence })
      cleanups.push(
        s.subscribe((st) => {
          syncStatus = st
          notify()
        }),
        s.onEvent((e) => {
          if (e.type === 'doc-synced') firstSync(e.docId)
          // whoever it is, a candidate that answered is known now
          if (e.type === 'peer-connected') {
            candidates.delete(e.peerId)
            retries.delete(e.peerId)
          }
          if (e.type === 'peer-connected' && e.person !== cert.person) {
            // someone else's device (a grantee): not one of the person's devices to remember;
            // what it is given is counted for the audit entry written when the session ends
            granteeSessions.set(e.peerId, { person: e.person, peerId: e.peerId, deviceName: e.deviceName, since: clock(), docs: new Set(), sent: 0, received: 0 })
            return
          }
          const counting = 'peerId' in e ? granteeSessions.get(e.peerId) : undefined
          if (counting !== undefined) {
            if (e.type === 'envelopes-sent') {
              counting.sent += e.count
              counting.docs.add(e.docId)
            } else if (e.type === 'envelopes-received' && e.applied > 0) {
              counting.received += e.applied
              counting.docs.add(e.docId)
            } else if (e.type === 'peer-disconnected') {
              endGranteeSession(e.peerId)
            }
          }
          if (e.type === 'peer-connected' && !linked.some((d) => d.peerId === e.peerId)) {
            // another device of the same person (the sync session checked its certificate)
            vault.addLinkedDevice({ peerId: e.peerId, name: e.deviceName, linkedAt: clock() }).then((list) => {
              linked = list
              mailbox.reregister()
              notify()
            }, (err: unknown) => console.warn('sync: could not remember a device', err instanceof Error ? err.name : err))
          }
          if (e.type === 'peer-disconnected') {
            // what was pushed to it directly may not have arrived: the mailbox gets all it lacks
            depositSoon()
          }
        })
      )
      const l = createDeviceLinker(p, {
        deviceCert,
        // the person showed the code on this device: that is the approval
        approve: async () => (await vault.person()).signing.secretKey,
        ownerMaterial: async () => {
          const { keyring } = await openVaultContents(session.store, components.vaultKey)
          return encodeOwnerMaterial(await vault.personEntropy(), keyring)
        },
        docIds: () => docs.map((d) => d.docId),
        onLinked: (cert) => {
          const device = { peerId: cert.peerId, name: cert.name, linkedAt: clock() }
          justLinked = device
          vault.addLinkedDevice(device).then((list) => {
            linked = list
            mailbox.reregister()
            notify()
            // the new device has nothing yet: the mailbox gets the record for it now, in case
            // this device closes before the two sync directly (before, only the next change
            // or disconnection deposited it)
            if (depositWanted()) depositSoon()
          }, (err: unknown) => console.error('link: the new device could not be remembered', err instanceof Error ? err.name : err))
        }
      })
      await l.start()
      if (consent !== undefined) {
        const host = createInviteHost(p, { deviceCert, trustList: consent.trustList, approve: (request) => consent.approve(request) })
        await host.start()
        inviteHost = host
        const bg = consent.breakGlass
        if (bg !== undefined) {
          const h = createBreakGlassHost(p, { deviceCert, trustList: consent.trustList, token: () => bg.token(), approve: (request) => bg.approve(request) })
          await h.start()
          breakGlassHost = h
        }
      }
      const consult = components.consult
      if (consult !== undefined) {
        const service = createConsultService(p, { deviceCert, authorize: (party) => consult.authorize(party), onRing: (ring) => consult.onRing(ring) })
        await service.start()
        consultService = service
      }
      sync = s
      linker = l
      p.addEventListener('peer:disconnect', onDisconnect)
      return p
    } catch (err) {
      await p.stop()
      throw err
    }
  }

  const onDisconnect = (evt: CustomEvent<{ toString(): string }>): void => {
    if (running && relayPeerId !== undefined && evt.detail.toString() === relayPeerId) {
      setRelay(RelayState.unreachable)
      schedule(minRetry)
    }
  }

  function schedule(ms: number): void {
    clearTimeout(retryTimer)
    retryTimer = setTimeout(() => void connect(), ms)
  }

  async function connect(): Promise<void> {
    if (!running) return
    if (!components.window.navigator.onLine) {
      setRelay(RelayState.offline)
      return
    }
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(CONNECT_TIMEOUT_MS)])
    setRelay(RelayState.connecting)
    try {
      const relays = await components.relays(signal).catch((err: unknown) => {
        // no config (offline server): one's own mailboxes still work
        if (ownAddrs.length === 0) throw err
        return []
      })
      if (relays.length === 0 && ownAddrs.length === 0) {
        setRelay(RelayState.none)
        return
      }
      peer ??= await setUp([...relays, ...ownAddrs])
      if (!running) {
        // stopped while the node was being made: `stop()` found nothing to stop
        await teardown()
        return
      }
      if (own.length !== ownAddrs.length) own = await ownTargets()
      if (relays.length === 0) {
        setRelay(RelayState.none)
        syncMailboxes(own)
        return
      }
      const connection = await connectRelay(peer, relays, { signal }).catch((err: unknown) => {
        // the configured relay is down: one's own mailboxes may not be
        syncMailboxes(own)
        throw err
      })
      attempt = 0
      relayPeerId = connection.peerId
      relayConnection = connection
      if (relayAddr !== connection.addr || target === undefined) {
        relayAddr = connection.addr
        target = { id: connection.peerId, client: createMailboxClient(peer, { mailbox: connection.addr, deviceCert: (await vault.deviceCert(init.deviceName)).bytes }) }
      }
      setRelay(RelayState.connected)
      void redial()
      // missed changes first, then what waits to be deposited
      syncMailboxes()
    } catch (err) {
      if (!running) return
      console.warn('sync: relay connection failed', err instanceof Error ? err.name : err)
      const delay = Math.min(maxRetry, minRetry * 2 ** attempt++)
      setRelay(components.window.navigator.onLine ? RelayState.unreachable : RelayState.offline)
      schedule(delay)
    }
  }

  async function teardown(): Promise<void> {
    const [p, s, l, h, c, bg] = [peer, sync, linker, inviteHost, consultService, breakGlassHost]
    breakGlassHost = undefined
    await bg?.stop()
    peer = undefined
    sync = undefined
    linker = undefined
    inviteHost = undefined
    consultService = undefined
    await c?.stop()
    await h?.stop()
    target = undefined
    own = []
    p?.removeEventListener('peer:disconnect', onDisconnect)
    await l?.stop()
    await s?.stop()
    await p?.stop()
  }

  /** The relay address once this device holds a reservation on it (others reach it through it). */
  async function reachable(signal?: AbortSignal): Promise<string> {
    const p = peer
    const relay = relayAddr
    if (p === undefined || relay === undefined || relayState !== RelayState.connected) throw new RelayUnavailableError('the relay is not connected')
    const until = clock() + 15_000
    while (!p.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit'))) {
      signal?.throwIfAborted()
      if (clock() > until) throw new RelayUnavailableError('the relay gave no reservation')
      await new Promise((r) => setTimeout(r, 100))
    }
    return relay
  }

  const onOnline = (): void => schedule(0)
  const onOffline = (): void => setRelay(RelayState.offline)

  return {
    start() {
      if (running) return
      running = true
      controller = new AbortController()
      watchRecord()
      cleanups.push(mailbox.subscribe(() => notify()))
      // known at once, so that what is written offline, before the relay answers, is queued for the mailbox
      vault.linkedDevices().then(
        (list) => {
          if (linked.length === 0) linked = list
          notify()
        },
        (err: unknown) => console.error('sync: the linked devices could not be read', err instanceof Error ? err.name : err)
      )
      components.window.addEventListener('online', onOnline)
      components.window.addEventListener('offline', onOffline)
      redialTimer = setInterval(() => void redial(), redialMs)
      // one's own mailboxes are part of the first connection
      vault
        .ownMailboxes()
        .then(
          (list) => {
            if (ownAddrs.length === 0) ownAddrs = list
            notify()
          },
          (err: unknown) => console.error('sync: your own mailboxes could not be read', err instanceof Error ? err.name : err)
        )
        .finally(() => void connect())
    },
    async stop() {
      // sessions still open are recorded as they stand
      for (const peerId of [...granteeSessions.keys()]) endGranteeSession(peerId)
      running = false
      controller.abort()
      clearTimeout(retryTimer)
      clearInterval(redialTimer)
      for (const t of retryTimers.values()) clearTimeout(t)
      retryTimers.clear()
      clearTimeout(remoteTimer)
      components.window.removeEventListener('online', onOnline)
      components.window.removeEventListener('offline', onOffline)
      for (const c of cleanups.splice(0)) c()
      await teardown()
    },
    snapshot,
    subscribe(listener) {
      listeners.add(listener)
      listener(snapshot())
      return () => listeners.delete(listener)
    },
    onRemoteChange(listener) {
      remoteListeners.add(listener)
      return () => remoteListeners.delete(listener)
    },
    async createLinkOffer(signal) {
      const l = linker
      const relay = await reachable(signal)
      if (l === undefined) throw new RelayUnavailableError('the relay is not connected')
      return l.createOffer([relay])
    },
    async emergencyAddress(signal) {
      const relay = await reachable(signal)
      const id = peerId
      if (id === undefined) throw new RelayUnavailableError('the relay is not connected')
      return { peerId: id, addrs: [relay] }
    },
    async createInvite(signal) {
      const relay = await reachable(signal)
      const h = inviteHost
      if (h === undefined) throw new RelayUnavailableError('this record cannot invite')
      return h.createInvite([relay])
    },
    addCompartment(kind) {
      const c = session.compartments.get(kind)
      if (c === undefined) return
      docs.push({ docId: c.compartment.docId, persistence: c.persistence })
      if (running) watch(kind, c)
      sync?.addDoc({ docId: c.compartment.docId, store: session.store, persistence: c.persistence })
      notify()
    },
    syncNow() {
      if (relayState !== RelayState.connected) {
        schedule(0)
        return
      }
      void redial()
      syncMailboxes()
    },
    async addMailbox(addr) {
      const clean = addr.trim()
      checkMailboxAddr(clean)
      if (ownAddrs.includes(clean)) return
      if (ownAddrs.length >= MAX_OWN_MAILBOXES) throw new RangeError(`at most ${MAX_OWN_MAILBOXES} mailboxes of your own`)
      ownAddrs = [...ownAddrs, clean]
      await vault.setOwnMailboxes(ownAddrs)
      own = await ownTargets()
      notify()
      const added = own.find((t) => t.id === checkMailboxAddr(clean))
      if (added !== undefined) syncMailboxes([added])
      else schedule(0) // no peer yet: the next connection uses it
    },
    async ring(to, signal) {
      const c = consultService
      const relay = relayAddr
      if (c === undefined || relay === undefined || relayState !== RelayState.connected) throw new RelayUnavailableError('the relay is not connected')
      return c.ring({ to, addr: `${relay}/p2p-circuit/${webRTC ? 'webrtc/' : ''}p2p/${to.peerId}`, ...(signal === undefined ? {} : { signal }) })
    },
    async removeMailbox(addr) {
      ownAddrs = ownAddrs.filter((a) => a !== addr)
      await vault.setOwnMailboxes(ownAddrs)
      own = await ownTargets()
      notify()
    }
  }
}
