/**
 * Test fixtures for the relay and its mailbox (not a test file itself): a relay on
 * loopback ports chosen by the OS, devices whose libp2p key is also their envelope
 * author key, and compartments kept by the real persistence binding over a memory store.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type * as Y from 'yjs'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { createPerson, didKeyFromEd25519, issueDeviceCert, newDocId, newEpochKey, randomBytes, type PersonKeys } from '../../src/crypto/index.ts'
import type { DocId } from '../../src/lib/index.ts'
import { createMemoryStore, createPersistence, type EnvelopeStore, type Persistence } from '../../src/storage/index.ts'
import { createRelay, type Relay, type RelayMailboxInit } from '../../src/relay/index.ts'
import { createMailboxClient, type MailboxClient, type MailboxClientInit } from '../../src/sync/mailbox/index.ts'
import { persistableYDoc } from '../helpers/ydoc.ts'

/** A relay on 127.0.0.1 with TCP and WebSockets on free ports, its mailbox in a fresh temp folder. */
export interface TestRelay {
  relay: Relay
  dataDir: string
  tcpAddr: string
  wsAddr: string
  stop(): Promise<void>
}

/** Starts a relay with the mailbox on (a `dataDir` is given). */
export async function startRelay(mailboxOptions: RelayMailboxInit = {}, extra: { maxConnections?: number } = {}): Promise<TestRelay> {
  const dataDir = await mkdtemp(join(tmpdir(), 'phr-relay-'))
  const relay = await createRelay({ host: '127.0.0.1', wsPort: 0, tcpPort: 0, dataDir, mailboxOptions, ...extra })
  const tcpAddr = relay.multiaddrs().find((a) => !a.includes('/ws/'))
  const wsAddr = relay.webSocketAddrs()[0]
  if (tcpAddr === undefined || wsAddr === undefined) throw new Error('relay has no TCP or WebSockets address')
  return {
    relay,
    dataDir,
    tcpAddr,
    wsAddr,
    async stop() {
      await relay.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
}

/** The raw bytes of every file of the mailbox database (main file, WAL, shared memory). */
export async function mailboxFileBytes(dataDir: string): Promise<Buffer> {
  const files = (await readdir(dataDir)).filter((f) => f.startsWith('mailbox.sqlite'))
  return Buffer.concat(await Promise.all(files.map((f) => readFile(join(dataDir, f)))))
}

/** A device: a libp2p node whose Ed25519 key is also its envelope author key, certified by its person. */
export interface TestDevice {
  node: Libp2p
  person: PersonKeys
  did: string
  peerId: string
  /** The device key as an envelope author key pair. */
  author: { publicKey: Uint8Array; secretKey: Uint8Array }
  /** Its device certificate, signed by `person`. */
  cert: Uint8Array
  /** A mailbox client over the given address. */
  mailbox(addr: string, init?: Partial<MailboxClientInit>): MailboxClient
  stop(): Promise<void>
}

/** Starts a device of `person` (a fresh person when omitted). */
export async function startDevice(person: PersonKeys = createPerson().keys, name = 'device'): Promise<TestDevice> {
  const seed = randomBytes(32)
  const privateKey = await generateKeyPairFromSeed('Ed25519', seed)
  const node = await createLibp2p({
    privateKey,
    addresses: { listen: [] },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
  const peerId = node.peerId.toString()
  const cert = issueDeviceCert({ peerId, name, issuedAt: Date.now() }, person.signing.secretKey)
  return {
    node,
    person,
    did: didKeyFromEd25519(person.signing.publicKey),
    peerId,
    author: { publicKey: privateKey.publicKey.raw, secretKey: seed },
    cert,
    mailbox: (addr, init = {}) => createMailboxClient(node, { mailbox: addr, deviceCert: cert, timeoutMs: 10_000, ...init }),
    stop: async () => {
      await node.stop()
    }
  }
}

/** One compartment kept by a device: a Y.Doc bound to a memory store by the real persistence. */
export interface TestDoc {
  ydoc: Y.Doc
  store: EnvelopeStore
  persistence: Persistence
  /** Envelopes this device sealed, in order (what it would deposit). */
  sealed: Uint8Array[]
  /** Sets `key` in the doc's `notes` map and seals it as one envelope. */
  write(key: string, value: string): Promise<void>
  notes(): Record<string, unknown>
}

/** A doc's shared secrets: its id and one epoch key (both devices of a person hold it). */
export function newDocSecrets(): { docId: DocId; epochKey: Uint8Array } {
  return { docId: newDocId(), epochKey: newEpochKey() }
}

/** Opens the compartment `docId` on `device`, sealing with `epochKey`. */
export async function openDoc(device: TestDevice, secrets: { docId: DocId; epochKey: Uint8Array }): Promise<TestDoc> {
  const pd = persistableYDoc()
  const store = createMemoryStore()
  const persistence = createPersistence({
    docId: secrets.docId,
    doc: pd,
    store,
    batchMs: 1,
    keys: {
      author: device.author,
      sealing: () => ({ epoch: 0, key: secrets.epochKey }),
      epochKey: (_d, epoch) => (epoch === 0 ? secrets.epochKey : undefined)
    }
  })
  await persistence.load()
  const sealed: Uint8Array[] = []
  persistence.onSealed((e) => sealed.push(e))
  return {
    ydoc: pd.doc,
    store,
    persistence,
    sealed,
    async write(key, value) {
      pd.doc.getMap('notes').set(key, value)
      await persistence.flush()
    },
    notes: () => pd.doc.getMap('notes').toJSON()
  }
}
