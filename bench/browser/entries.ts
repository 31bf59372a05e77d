/**
 * Benchmarks that run inside Chromium (see bench/browser-harness.ts). Each export is
 * called from Node with `call(name, arg)` and returns plain numbers.
 */
import * as Y from 'yjs'
import { IndexeddbPersistence } from 'y-indexeddb'
import { SYNTHETIC_TEN_YEARS } from '../../src/record/index.ts'
import { createIndexedDbStore, createMemoryStore, createPersistence, type EnvelopeStore } from '../../src/storage/index.ts'
import { compressParts, inflateParts, openEnvelopeParts } from '../../src/envelope/index.ts'
import { epochKeyOf, type CompartmentKeys } from '../../src/consent/index.ts'
import { createRecordSession, openRecordWithVaultKey, openVaultContents, unlockVault } from '../../src/app/record-session.ts'
import { importSyntheticRecord } from '../../src/app/demo.ts'
import { persistableYDoc } from '../../test/helpers/ydoc.ts'

const gc = (): void => (globalThis as unknown as { gc?: () => void }).gc?.()
const heap = (): number => {
  if ((globalThis as unknown as { gc?: unknown }).gc === undefined) return NaN
  gc()
  gc()
  return (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize
}

async function median(runs: number, fn: () => Promise<number>): Promise<number> {
  const out: number[] = []
  for (let i = 0; i < runs; i++) out.push(await fn())
  out.sort((a, b) => a - b)
  return out[Math.floor(runs / 2)] ?? NaN
}

/** What `storageOpen` measured. */
export interface StorageFigures {
  name: string
  importMs: number
  applyUpdateMs: number
  encryptedOpenMs: number
  ourIdbOpenBareMs: number
  yIndexeddbOpenMs: number
  /** Stored (sealed, compressed) snapshot bytes. */
  snapshotBytes: number
  /** Bytes of the states the snapshots hold. */
  stateBytes: number
}

/** What `openBreakdown` measured, in ms summed over the compartments. */
export interface OpenBreakdown {
  readMs: number
  /** verify + decrypt + inflate */
  openMs: number
  /** inflate alone (the same payloads again) */
  inflateMs: number
  applyMs: number
}

/** Our store's snapshot → open (verify, decrypt) → Y.applyUpdate into bare Y.Docs. */
async function openBare(store: EnvelopeStore, vaultKey: Uint8Array): Promise<number> {
  const { keyring, device } = await openVaultContents(store, vaultKey)
  const t0 = performance.now()
  for (const keys of keyring.values()) {
    const p = createPersistence({
      docId: keys.docId,
      doc: persistableYDoc(new Y.Doc()),
      store,
      keys: { author: device, sealing: () => ({ epoch: keys.current, key: keys.epochs.get(keys.current)! }), epochKey: (d, e) => epochKeyOf(keyring, d, e) }
    })
    await p.load()
  }
  return performance.now() - t0
}

/** The 10-year record in IndexedDB: our encrypted open vs plaintext apply vs y-indexeddb. */
export async function storageOpen(): Promise<StorageFigures> {
  const name = `phr-bench-${Date.now()}`
  const store = await createIndexedDbStore({ name })
  const t0 = performance.now()
  const created = await createRecordSession(store, 'bench', { scrypt: { log2N: 10, r: 8, p: 1 }, batchMs: 60_000 })
  await importSyntheticRecord(created, SYNTHETIC_TEN_YEARS, { batchResources: 160, batchSamples: 100_000 })
  const importMs = performance.now() - t0
  await created.compact()
  const states = [...created.compartments.entries()].map(([kind, c]) => ({ kind, state: c.compartment.encodeState() }))
  await created.close()

  const vaultKey = await unlockVault(store, 'bench')
  let snapshotBytes = 0
  for (const hex of await store.docs()) {
    const docId = Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16))
    snapshotBytes += (await store.read(docId as Parameters<EnvelopeStore['read']>[0])).snapshot?.length ?? 0
  }

  // the open and its baseline in turns, each from a collected heap: the import left hundreds
  // of MB of garbage, whose collection fell inside whichever figure came first (an app opens
  // a record on a fresh page), and the machine drifts by ±30 % between minutes
  const collected = async (): Promise<void> => {
    gc()
    gc()
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
  const turns: Array<{ open: number; bare: number }> = []
  for (let i = 0; i < 5; i++) {
    await collected()
    const t = performance.now()
    const s = await openRecordWithVaultKey(store, vaultKey)
    const open = performance.now() - t
    await s.close()
    await collected()
    const t2 = performance.now()
    for (const { state } of states) Y.applyUpdate(new Y.Doc(), state)
    turns.push({ open, bare: performance.now() - t2 })
  }
  const mid = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
  const applyUpdateMs = mid(turns.map((x) => x.bare))
  const encryptedOpenMs = mid(turns.map((x) => x.open))
  const ourIdbOpenBareMs = await median(3, async () => {
    await collected()
    return openBare(store, vaultKey)
  })

  // y-indexeddb holding the same docs (plaintext: the baseline only)
  for (const { kind, state } of states) {
    const doc = new Y.Doc()
    Y.applyUpdate(doc, state)
    const p = new IndexeddbPersistence(`${name}-y-${kind}`, doc)
    await p.whenSynced
    await p.destroy()
  }
  const yIndexeddbOpenMs = await median(3, async () => {
    await collected()
    const t = performance.now()
    const open: IndexeddbPersistence[] = []
    for (const { kind } of states) {
      const p = new IndexeddbPersistence(`${name}-y-${kind}`, new Y.Doc())
      await p.whenSynced
      open.push(p)
    }
    const ms = performance.now() - t
    for (const p of open) await p.destroy()
    return ms
  })

  await store.close()
  const stateBytes = states.reduce((n, s) => n + s.state.length, 0)
  return { name, importMs, applyUpdateMs, encryptedOpenMs, ourIdbOpenBareMs, yIndexeddbOpenMs, snapshotBytes, stateBytes }
}

/** Kept referenced so that the measured heap holds the open record. */
export let held: unknown
/** In a freshly loaded page: the heap that opening the record adds. */
export async function heapAfterOpen(name: string): Promise<number> {
  const store = await createIndexedDbStore({ name })
  const vaultKey = await unlockVault(store, 'bench')
  held = undefined
  const h0 = heap()
  held = await openRecordWithVaultKey(store, vaultKey)
  return heap() - h0
}

/**
 * Where a compacted open's time goes in the page, summed over the compartments: store read,
 * verify + decrypt + inflate (`openEnvelopeParts`), of which inflate alone, and apply into
 * bare Y.Docs.
 */
export async function openBreakdown(name: string): Promise<OpenBreakdown> {
  const store = await createIndexedDbStore({ name })
  const vaultKey = await unlockVault(store, 'bench')
  const { keyring } = await openVaultContents(store, vaultKey)
  const out: OpenBreakdown = { readMs: 0, openMs: 0, inflateMs: 0, applyMs: 0 }
  for (const keys of keyring.values()) {
    let t = performance.now()
    const stored = await store.read(keys.docId)
    out.readMs += performance.now() - t
    if (stored.snapshot === undefined) continue
    t = performance.now()
    const updates: Uint8Array[] = []
    await openEnvelopeParts(stored.snapshot, { epochKey: (d, e) => epochKeyOf(keyring, d, e) }, { maxBytes: 1 << 30 }, (u) => void updates.push(u))
    out.openMs += performance.now() - t
    const payload = await compressParts(updates)
    t = performance.now()
    await inflateParts(payload, 1 << 30, () => undefined, { transient: true })
    out.inflateMs += performance.now() - t
    t = performance.now()
    const doc = new Y.Doc()
    for (const u of updates) Y.applyUpdate(doc, u)
    out.applyMs += performance.now() - t
  }
  await store.close()
  return out
}
/** What `receiveResponsiveness` measured. */
export interface ReceiveFigures {
  /** Longest wait of a 0-ms timer on the page while the snapshot was received (verified, stored, applied). */
  maxDelayMs: number
  /** The whole receive, ms. */
  receiveMs: number
  /** Baseline: applying the same parts in one go (what the page would freeze for without slices). */
  oneGoMs: number
  /** Megabytes of state received. */
  stateMb: number
}

/** Measures the longest event-loop wait while `work` runs: a 0-ms timer re-armed each time it fires. */
async function probeWhile(work: () => Promise<void>): Promise<number> {
  let max = 0
  let running = true
  let due = performance.now()
  const tick = (): void => {
    const now = performance.now()
    max = Math.max(max, now - due)
    if (!running) return
    due = performance.now()
    setTimeout(tick, 0)
  }
  setTimeout(tick, 0)
  await work()
  running = false
  return max
}

/**
 * A second device receiving the biggest compartment's snapshot from a peer, as sync hands
 * it over (`Persistence.receive`): how long the page stays unresponsive at most.
 */
export async function receiveResponsiveness(name: string): Promise<ReceiveFigures> {
  const store = await createIndexedDbStore({ name })
  const vaultKey = await unlockVault(store, 'bench')
  const { keyring, device } = await openVaultContents(store, vaultKey)
  let biggest: { keys: CompartmentKeys; snapshot: Uint8Array } | undefined
  for (const keys of keyring.values()) {
    const snapshot = (await store.read(keys.docId)).snapshot
    if (snapshot !== undefined && (biggest === undefined || snapshot.length > biggest.snapshot.length)) biggest = { keys, snapshot }
  }
  await store.close()
  if (biggest === undefined) throw new Error('no snapshot in the bench record')
  const { keys, snapshot } = biggest
  const epochKey = (d: Uint8Array, e: number): Uint8Array | undefined => epochKeyOf(keyring, d, e)
  const parts: Uint8Array[] = []
  await openEnvelopeParts(snapshot, { epochKey }, { maxBytes: 1 << 30 }, (u) => void parts.push(u))
  const oneGoMs = await median(3, async () => {
    const doc = new Y.Doc()
    const t = performance.now()
    for (const u of parts) Y.applyUpdate(doc, u)
    return performance.now() - t
  })
  const runs: Array<{ maxDelayMs: number; receiveMs: number }> = []
  for (let i = 0; i < 3; i++) {
    // each run starts from a collected heap, as a device's page that receives a record does:
    // the docs of the runs before (about 100 MB of Yjs structs each) are garbage by then, and
    // collecting them fell inside the next run as one pause of 0.4–0.6 s
    gc()
    gc()
    await new Promise((resolve) => setTimeout(resolve, 0))
    const p = createPersistence({
      docId: keys.docId,
      doc: persistableYDoc(new Y.Doc()),
      store: createMemoryStore(),
      keys: { author: device, sealing: () => ({ epoch: keys.current, key: keys.epochs.get(keys.current)! }), epochKey }
    })
    await p.load()
    const t = performance.now()
    const maxDelayMs = await probeWhile(async () => {
      const r = await p.receive([snapshot])
      if (r.applied !== 1) throw new Error(`receive applied ${r.applied}`)
    })
    runs.push({ maxDelayMs, receiveMs: performance.now() - t })
  }
  runs.sort((a, b) => a.maxDelayMs - b.maxDelayMs)
  const mid = runs[1] as { maxDelayMs: number; receiveMs: number }
  return { ...mid, oneGoMs, stateMb: parts.reduce((n, u) => n + u.length, 0) / (1 << 20) }
}

export { timelineSetup, timelineFirstRender, timelineScroll, timelineSearch } from './timeline.ts'
export { importFhirResponsiveness, importAppleResponsiveness } from './import.ts'
