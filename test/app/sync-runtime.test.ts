/**
 * The app's sync runtime and device linking between real libp2p peers in Node, through a
 * real relay with its mailbox: a new device links with a one-time code, receives the keys
 * and every compartment; a change goes across live; while one device is away a change is
 * left in the mailbox and picked up when it comes back. Linking failures are named and
 * leave nothing stored.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createRelay, type Relay } from '../../src/relay/index.ts'
import { createMemoryStore, type EnvelopeStore } from '../../src/storage/index.ts'
import { createNodePeer, encodeLinkPayload, newLinkToken, type BrowserPeerInit } from '../../src/sync/index.ts'
import { createPerson } from '../../src/crypto/index.ts'
import { createRecordWithVault, type RecordSession } from '../../src/app/record-session.ts'
import { createSyncRuntime, type SyncRuntime, type SyncSnapshot } from '../../src/app/sync-runtime.ts'
import { recordVault } from '../../src/app/vault-items.ts'
import { joinRecord, type JoinComponents } from '../../src/app/link-device.ts'
import { addAllergy } from '../../src/app/edits.ts'

const fast = { scrypt: { log2N: 10, r: 8, p: 1 }, batchMs: 5 }
const dir = mkdtempSync(join(tmpdir(), 'phr-runtime-'))
let relay: Relay
let relayAddr: string

beforeAll(async () => {
  relay = await createRelay({ wsPort: 0, dataDir: dir, privateKey: await generateKeyPair('Ed25519') })
  relayAddr = relay.webSocketAddrs()[0] ?? ''
})
afterAll(async () => {
  await relay.stop()
  rmSync(dir, { recursive: true, force: true })
})

const win = { addEventListener: () => undefined, removeEventListener: () => undefined, navigator: { onLine: true } }
const nodePeer = (init: BrowserPeerInit) => createNodePeer({ ...init, listen: [], listenThroughRelays: init.listenThroughRelays ?? true })

async function runtime(session: RecordSession, store: EnvelopeStore, vaultKey: Uint8Array, name: string, relays = (): string[] => [relayAddr]): Promise<SyncRuntime> {
  const vault = recordVault(store, vaultKey, session.device.publicKey)
  return createSyncRuntime(
    { session, vault, vaultKey, syncedDocs: await vault.syncedDocs(), relays: async () => relays(), window: win, createPeer: nodePeer },
    { deviceName: name, webRTC: false, allowLimitedConnections: true, minRetryMs: 100, redialMs: 500 }
  )
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now()
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const allergiesOf = (s: RecordSession): string[] => s.get('core').resources.list('AllergyIntolerance').map((a) => a.code?.text ?? '')

function joinComponents(store: EnvelopeStore, log: string[]): JoinComponents {
  return {
    relays: async () => [relayAddr],
    recordExists: async () => false,
    openStore: async () => {
      log.push('open')
      return store
    },
    discardStore: async () => {
      log.push('discard')
    },
    createPeer: nodePeer
  }
}

describe('sync runtime', () => {
  it('links a device, syncs every compartment, live and through the mailbox', async () => {
    const storeA = createMemoryStore()
    const a = await createRecordWithVault(storeA, 'passphrase A', {}, fast)
    await addAllergy(a.session, 'Penicillin', Date.now())
    let rtA = await runtime(a.session, storeA, a.vaultKey, 'Device A')
    rtA.start()
    await until('A on the relay', () => rtA.snapshot().relay === 'connected')
    const { payload } = await rtA.createLinkOffer()
    expect(payload).toMatch(/^phr-link:/)

    const storeB = createMemoryStore()
    const log: string[] = []
    const b = await joinRecord(joinComponents(storeB, log), { payload, passphrase: 'passphrase B', deviceName: 'Device B', webRTC: false, scrypt: fast.scrypt })
    expect(log).toEqual(['open'])
    // B is a device of the same person, with the same compartments, and nothing arrived yet
    expect([...b.session.compartments.keys()]).toEqual([...a.session.compartments.keys()])
    let rtB = await runtime(b.session, storeB, b.vaultKey, 'ignored: the certificate names it')
    // before any sync, every compartment of the linked device reads "not arrived yet", never "empty"
    expect(rtB.snapshot().compartments.every((c) => c.awaitingFirstSync)).toBe(true)
    rtB.start()
    await until('B synced every compartment', () => {
      const s = rtB.snapshot()
      return s.compartments.length > 0 && s.compartments.every((c) => !c.awaitingFirstSync && c.complete) && allergiesOf(b.session).includes('Penicillin')
    })
    const names = (s: SyncSnapshot): string[] => s.peers.map((p) => p.name)
    await until('each names the other', () => names(rtA.snapshot()).includes('Device B') && names(rtB.snapshot()).includes('Device A'))
    expect(rtA.snapshot().linked.map((d) => d.name)).toEqual(['Device B'])
    expect(rtB.snapshot().deviceName).toBe('Device B')

    // live: A → B
    await addAllergy(a.session, 'Kiwi', Date.now())
    await until('Kiwi on B', () => allergiesOf(b.session).includes('Kiwi'))

    // A goes away; B's change is left in the mailbox
    await rtA.stop()
    await until('B sees A gone', () => rtB.snapshot().peers.length === 0)
    await addAllergy(b.session, 'Latex', Date.now())
    await until('deposited', () => rtB.snapshot().mailbox.deposited > 0)
    await rtB.stop()

    // A comes back while B is away: only the mailbox has Latex
    rtA = await runtime(a.session, storeA, a.vaultKey, 'Device A')
    rtA.start()
    await until('Latex on A', () => allergiesOf(a.session).includes('Latex'))
    await until('counted', () => rtA.snapshot().mailbox.fetched > 0)
    expect(rtA.snapshot().mailbox.state).toBe('reachable')

    // B comes back and finds A directly
    rtB = await runtime(b.session, storeB, b.vaultKey, 'Device B')
    rtB.start()
    await until('B reconnects to A', () => names(rtB.snapshot()).includes('Device A'))
    await rtA.stop()
    await rtB.stop()

    // B changes the record with no relay at all and is closed before it ever reconnects:
    // nothing waits in memory, the next start deposits it from the store
    await addAllergy(b.session, 'Peanut', Date.now())
    await b.session.whenSaved()
    rtB = await runtime(b.session, storeB, b.vaultKey, 'Device B')
    rtB.start()
    await until('B deposited Peanut after its restart', () => rtB.snapshot().mailbox.deposited > 0 && rtB.snapshot().mailbox.queued === 0)
    await rtB.stop()
    rtA = await runtime(a.session, storeA, a.vaultKey, 'Device A')
    rtA.start()
    await until('Peanut on A, from the mailbox', () => allergiesOf(a.session).includes('Peanut'))
    expect(rtA.snapshot().peers).toEqual([])
    await rtA.stop()
  }, 120_000)

  it('a linked device whose first device went away gets the record from the mailbox, and shows it as arrived', async () => {
    const storeA = createMemoryStore()
    const a = await createRecordWithVault(storeA, 'passphrase A', {}, fast)
    await addAllergy(a.session, 'Penicillin', Date.now())
    const rtA = await runtime(a.session, storeA, a.vaultKey, 'Device A')
    rtA.start()
    await until('A on the relay', () => rtA.snapshot().relay === 'connected')
    const storeB = createMemoryStore()
    const b = await joinRecord(joinComponents(storeB, []), { payload: (await rtA.createLinkOffer()).payload, passphrase: 'passphrase B', deviceName: 'Device B', webRTC: false, scrypt: fast.scrypt })
    // B is linked but not running: A leaves the record for it in the mailbox, then goes away
    await until('A deposited for B', () => rtA.snapshot().mailbox.deposited > 0 && rtA.snapshot().mailbox.queued === 0)
    await rtA.stop()
    const rtB = await runtime(b.session, storeB, b.vaultKey, 'Device B')
    expect(rtB.snapshot().compartments.every((c) => c.awaitingFirstSync)).toBe(true)
    rtB.start()
    await until('Penicillin on B, from the mailbox', () => allergiesOf(b.session).includes('Penicillin'))
    // no other device was reachable, and still nothing reads "not arrived yet" for what came
    await until('the compartments that came read as arrived', () => rtB.snapshot().compartments.some((c) => !c.awaitingFirstSync))
    expect(rtB.snapshot().peers).toEqual([])
    const essentials = rtB.snapshot().compartments.find((c) => c.kind === 'core')
    expect(essentials?.awaitingFirstSync).toBe(false)
    await rtB.stop()
  }, 60_000)

  it('uses a relay the person added as their own mailbox beside the configured one', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'phr-runtime-own-'))
    const home = await createRelay({ wsPort: 0, dataDir: dir2, privateKey: await generateKeyPair('Ed25519') })
    const homeAddr = home.webSocketAddrs()[0] ?? ''
    try {
      const storeA = createMemoryStore()
      const a = await createRecordWithVault(storeA, 'passphrase A', {}, fast)
      let rtA = await runtime(a.session, storeA, a.vaultKey, 'Device A')
      rtA.start()
      await until('A on the relay', () => rtA.snapshot().relay === 'connected')
      const storeB = createMemoryStore()
      const b = await joinRecord(joinComponents(storeB, []), { payload: (await rtA.createLinkOffer()).payload, passphrase: 'passphrase B', deviceName: 'Device B', webRTC: false, scrypt: fast.scrypt })
      const rtB = await runtime(b.session, storeB, b.vaultKey, 'Device B')
      rtB.start()
      await until('B synced', () => rtB.snapshot().compartments.every((c) => !c.awaitingFirstSync))

      // addresses that cannot be a mailbox are refused by name, and nothing is kept
      for (const bad of ['hello', '/ip4/127.0.0.1/tcp/1/ws', '/dns4/relay.example/tcp/443/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN']) {
        await expect(rtB.addMailbox(bad)).rejects.toMatchObject({ name: 'MailboxAddressError' })
      }
      await rtA.addMailbox(homeAddr)
      await rtB.addMailbox(homeAddr)
      expect(rtB.snapshot().ownMailboxes).toEqual([homeAddr])

      // A is away; B's change goes to both mailboxes
      await rtA.stop()
      await until('B sees A gone', () => rtB.snapshot().peers.length === 0)
      await addAllergy(b.session, 'Sesame', Date.now())
      await until('deposited in both', () => rtB.snapshot().mailbox.deposited >= 2 && rtB.snapshot().mailbox.queued === 0)
      await rtB.stop()

      // A comes back where the configured relay names nothing: its own mailbox has the change
      rtA = await runtime(a.session, storeA, a.vaultKey, 'Device A', () => [])
      rtA.start()
      await until('Sesame on A, from the home mailbox', () => allergiesOf(a.session).includes('Sesame'))
      expect(rtA.snapshot()).toMatchObject({ relay: 'none', ownMailboxes: [homeAddr] })
      await rtA.removeMailbox(homeAddr)
      expect(rtA.snapshot().ownMailboxes).toEqual([])
      await rtA.stop()
    } finally {
      await home.stop()
      rmSync(dir2, { recursive: true, force: true })
    }
  }, 120_000)

  it('names each linking failure and stores nothing', async () => {
    const storeA = createMemoryStore()
    const a = await createRecordWithVault(storeA, 'passphrase A', {}, fast)
    const rtA = await runtime(a.session, storeA, a.vaultKey, 'Device A')
    rtA.start()
    await until('A on the relay', () => rtA.snapshot().relay === 'connected')
    const { payload } = await rtA.createLinkOffer()
    const log: string[] = []
    const join = (text: string, extra: Partial<JoinComponents> = {}, clock?: () => number) =>
      joinRecord({ ...joinComponents(createMemoryStore(), log), ...extra }, { payload: text, passphrase: 'p', deviceName: 'X', webRTC: false, scrypt: fast.scrypt, timeoutMs: 15_000, ...(clock === undefined ? {} : { clock }) })
    const reason = (p: Promise<unknown>) => p.then(() => 'linked', (err: { name: string; reason: string }) => `${err.name}:${err.reason}`)

    expect(await reason(join('hello'))).toBe('DeviceLinkError:format')
    expect(await reason(join(`phr-link:${'A'.repeat(5000)}`))).toBe('DeviceLinkError:format')
    expect(await reason(join(payload, {}, () => Date.now() + 3_600_000))).toBe('DeviceLinkError:expired')
    expect(await reason(join(payload, { recordExists: async () => true }))).toBe('DeviceLinkError:exists')
    // the right device, a token it never issued
    const me = (await recordVault(storeA, a.vaultKey, a.session.device.publicKey).person()).did
    const forged = encodeLinkPayload({ token: newLinkToken(), person: me, peerId: rtA.snapshot().peerId ?? '', expiresAt: Date.now() + 60_000, addrs: [relayAddr] })
    expect(await reason(join(forged))).toBe('DeviceLinkError:token')
    // a device that is not there
    const ghost = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const absent = encodeLinkPayload({ token: newLinkToken(), person: createPerson().keys.did, peerId: ghost, expiresAt: Date.now() + 60_000, addrs: [relayAddr] })
    expect(await reason(join(absent))).toBe('DeviceLinkError:unreachable')
    expect(log).toEqual([])
    // a failure while storing removes what was written
    const broken = { openStore: async () => ({ ...createMemoryStore(), putMeta: async () => Promise.reject(new Error('disk full')) }) as EnvelopeStore }
    const { payload: fresh } = await rtA.createLinkOffer()
    expect(await reason(join(fresh, { ...broken, discardStore: async () => void log.push('discard') }))).toBe('DeviceLinkError:storage')
    expect(log).toEqual(['discard'])
    await rtA.stop()
  }, 90_000)
})
