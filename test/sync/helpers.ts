/**
 * Fixtures for the sync tests: people, devices (one Ed25519 key = libp2p key = envelope
 * author key), and replicas of a doc (a Y.Doc bound through persistence to a memory store).
 */
import * as Y from 'yjs'
import { createPerson, issueDeviceCert, generateSigningKeyPair, type PersonKeys } from '../../src/crypto/index.ts'
import { asDocId, type DocId } from '../../src/lib/index.ts'
import { createMemoryStore, createPersistence, type EnvelopeStore, type Persistence } from '../../src/storage/index.ts'
import { deviceKeyFromSecret, peerIdOfAuthorKey, type SyncDoc } from '../../src/sync/index.ts'
import type { PrivateKey } from '@libp2p/interface'
import { persistableYDoc } from '../helpers/ydoc.ts'
import type { Rng } from '../envelope/fuzz-engine.ts'

/** A device of a person. */
export interface Device {
  readonly name: string
  readonly person: PersonKeys
  /** The device's Ed25519 key pair (libp2p key and envelope author key). */
  readonly author: { secretKey: Uint8Array; publicKey: Uint8Array }
  readonly peerId: string
  /** DeviceCert bytes signed by the person's root key. */
  readonly cert: Uint8Array
}

/** A fresh person. */
export function person(): PersonKeys {
  return createPerson().keys
}

/** A device of `owner`, with its certificate; `seed` pins the key. */
export function device(owner: PersonKeys, name: string, seed?: Uint8Array): Device {
  const author = generateSigningKeyPair(seed)
  const peerId = peerIdOfAuthorKey(author.publicKey)
  const cert = issueDeviceCert({ peerId, name, issuedAt: 1_700_000_000_000 }, owner.signing.secretKey)
  return { name, person: owner, author, peerId, cert }
}

/** The libp2p private key of a device. */
export function privateKeyOf(d: Device): Promise<PrivateKey> {
  return deviceKeyFromSecret(d.author.secretKey)
}

/** A replica of one doc on one device. */
export interface Replica {
  readonly docId: DocId
  readonly ydoc: Y.Doc
  readonly store: EnvelopeStore
  readonly persistence: Persistence
  /** What to register with sync. */
  readonly doc: SyncDoc
}

/** Options of `replica`. */
export interface ReplicaOptions {
  /** Yjs client id (pin it for reproducible runs). */
  clientId?: number
  /** Persistence batching; large values with explicit `flush()` make runs deterministic. @default 5 */
  batchMs?: number
  /** Authors allowed to write (by public key); every author when absent. */
  allowed?: (author: Uint8Array) => boolean
}

/** Opens a replica of `docId` on `dev` (memory store, epoch 0 under `epochKey`). */
export async function replica(dev: Device, docId: Uint8Array, epochKey: Uint8Array, opts: ReplicaOptions = {}): Promise<Replica> {
  const ydoc = new Y.Doc()
  if (opts.clientId !== undefined) ydoc.clientID = opts.clientId
  const store = createMemoryStore()
  const id = asDocId(docId)
  const persistence = createPersistence({
    docId: id,
    doc: persistableYDoc(ydoc),
    store,
    batchMs: opts.batchMs ?? 5,
    keys: {
      author: dev.author,
      sealing: () => ({ epoch: 0, key: epochKey }),
      epochKey: (_d, e) => (e === 0 ? epochKey : undefined),
      ...(opts.allowed === undefined ? {} : { isAllowed: (author: Uint8Array) => opts.allowed?.(author) === true })
    }
  })
  await persistence.load()
  return { docId: id, ydoc, store, persistence, doc: { docId: id, store, persistence } }
}

/** The doc's content as plain JSON (map `m`, array `a`, text `t`). */
export function contentOf(r: Replica): unknown {
  return { m: r.ydoc.getMap('m').toJSON(), a: r.ydoc.getArray('a').toJSON(), t: r.ydoc.getText('t').toJSON() }
}

/** A vector as sorted entries, for comparison. */
export function sortedVector(v: ReadonlyMap<string, number>): Array<[string, number]> {
  return [...v].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const t0 = Date.now()
  for (;;) {
    if (await check()) return
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** JSON with object keys sorted (Y.Map key order depends on the order updates arrived). */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v
  )
}

/** Whether every replica has the same content and vector as the first. */
export function converged(replicas: readonly Replica[]): boolean {
  const first = replicas[0]
  if (first === undefined) return true
  const c = canonical(contentOf(first))
  const v = JSON.stringify(sortedVector(first.persistence.vector()))
  return replicas.every((r) => canonical(contentOf(r)) === c && JSON.stringify(sortedVector(r.persistence.vector())) === v)
}

/** 1–3 random edits (map, array, text) driven by `rng`. */
export function edit(rng: Rng, r: Replica): void {
  const m = r.ydoc.getMap<number | string>('m')
  const a = r.ydoc.getArray<number>('a')
  const t = r.ydoc.getText('t')
  const ops = 1 + rng.int(3)
  for (let i = 0; i < ops; i++) {
    switch (rng.int(5)) {
      case 0:
        m.set(`k${rng.int(12)}`, rng.int(1000))
        break
      case 1:
        if (m.size > 0) m.delete(`k${rng.int(12)}`)
        break
      case 2:
        a.insert(rng.int(a.length + 1), [rng.int(100)])
        break
      case 3:
        if (a.length > 0) a.delete(rng.int(a.length), 1)
        break
      default:
        t.insert(rng.int(t.length + 1), String.fromCharCode(97 + rng.int(26)).repeat(1 + rng.int(40)))
    }
  }
}
