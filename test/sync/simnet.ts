/**
 * A simulated network for sync engines (not a test file itself), after yjs
 * `tests/testHelper.js`: a seeded scheduler moves whole messages between sessions.
 *
 * Each link between two peers carries one session each way, like one libp2p stream:
 * messages go into an in-flight queue, are delivered to the receiver's inbox after random
 * delays, and each inbox is processed in order (as a stream's reader does). Faults:
 *
 * - **partitions**: a link goes down; a random prefix of what is in flight still arrives,
 *   the rest is dropped, both sessions end; later it comes back with fresh sessions;
 * - **delays and reorders**: the scheduler picks which in-flight message moves next, so
 *   links overtake each other; inside ENVELOPES messages envelopes are shuffled;
 * - **duplicates**: envelopes inside ENVELOPES are repeated, and envelopes seen earlier on
 *   the link are replayed in later messages for the same doc;
 * - **drops**: envelopes are removed from ENVELOPES messages (the gap heals when the link
 *   is re-established and the receiver asks again with its real vector).
 *
 * Back-pressure: `send()` waits while more than `maxInFlightBytes` are in flight on that
 * direction. An inbox holding more than `maxInboxBytes` is recorded in `problems` (it would
 * mean flow control let a peer overrun another).
 */
import { decodeSyncMessage, encodeSyncMessage, SyncMessageType, type SyncEngine, type SyncSession } from '../../src/sync/index.ts'
import { toHex } from '../../src/lib/index.ts'
import type { Rng } from '../envelope/fuzz-engine.ts'

/** Fault probabilities. */
export interface Faults {
  /** Per envelope in an ENVELOPES message: repeated. */
  duplicate: number
  /** Per ENVELOPES message: envelopes shuffled. */
  shuffle: number
  /** Per envelope: removed. */
  drop: number
  /** Per ENVELOPES message: earlier envelopes of the doc replayed into it. */
  replay: number
}

/** No faults inside messages. */
export const NO_FAULTS: Faults = { duplicate: 0, shuffle: 0, drop: 0, replay: 0 }

interface Direction {
  readonly session: SyncSession
  readonly net: Uint8Array[]
  netBytes: number
  readonly inbox: Uint8Array[]
  inboxBytes: number
  busy: boolean
  readonly waiters: Array<() => void>
}

interface Link {
  readonly a: number
  readonly b: number
  /** a→b: messages a sent, delivered to b's session. */
  readonly ab: Direction
  readonly ba: Direction
}

/** The network. */
export class SimNet {
  readonly #rng: Rng
  readonly #engines: SyncEngine[]
  readonly #peerIds: string[]
  readonly #links = new Map<string, Link>()
  readonly #seen = new Map<string, Uint8Array[]>()
  faults: Faults
  readonly maxInFlightBytes: number
  readonly maxInboxBytes: number
  /** Failures of the network's own invariants. */
  readonly problems: string[] = []
  /** Virtual time in ms (the engines' clock). */
  now = 0

  constructor(rng: Rng, engines: SyncEngine[], peerIds: string[], faults: Faults, maxInFlightBytes = 16 * 1024, maxInboxBytes = 64 * 1024) {
    this.#rng = rng
    this.#engines = engines
    this.#peerIds = peerIds
    this.faults = faults
    this.maxInFlightBytes = maxInFlightBytes
    this.maxInboxBytes = maxInboxBytes
  }

  static key(a: number, b: number): string {
    return a < b ? `${a}-${b}` : `${b}-${a}`
  }

  isUp(a: number, b: number): boolean {
    return this.#links.has(SimNet.key(a, b))
  }

  /** Brings a link up with a fresh session each way. */
  connect(a: number, b: number): void {
    const k = SimNet.key(a, b)
    if (this.#links.has(k) || a === b) return
    const [lo, hi] = a < b ? [a, b] : [b, a]
    const holder: { link?: Link } = {}
    const transport = (from: 'ab' | 'ba') => ({
      send: (bytes: Uint8Array): Promise<void> => {
        const l = holder.link
        if (l === undefined || this.#links.get(k) !== l) return Promise.reject(new Error('link down'))
        return this.#send(l, from, bytes)
      },
      close: (): void => {
        const l = holder.link
        if (l !== undefined && this.#links.get(k) === l) this.#down(k)
      }
    })
    // lo's session talks to hi: what it sends travels lo→hi ("ab") and is received by hi's session
    const sLo = this.#engine(lo).openSession(this.#peerId(hi), transport('ab'))
    const sHi = this.#engine(hi).openSession(this.#peerId(lo), transport('ba'))
    const dir = (session: SyncSession): Direction => ({ session, net: [], netBytes: 0, inbox: [], inboxBytes: 0, busy: false, waiters: [] })
    // ab carries lo's messages to hi's session; ba carries hi's messages to lo's session
    const link: Link = { a: lo, b: hi, ab: dir(sHi), ba: dir(sLo) }
    holder.link = link
    this.#links.set(k, link)
    void sLo.start()
    void sHi.start()
  }

  /** Takes a link down: a random prefix of what is in flight arrives, the rest is lost. */
  disconnect(a: number, b: number): void {
    const k = SimNet.key(a, b)
    const link = this.#links.get(k)
    if (link === undefined) return
    for (const d of [link.ab, link.ba]) {
      const keep = this.#rng.int(d.net.length + 1)
      for (const m of d.net.splice(0, keep)) this.#toInbox(d, m)
    }
    this.#down(k)
  }

  #down(k: string): void {
    const link = this.#links.get(k)
    if (link === undefined) return
    this.#links.delete(k)
    for (const d of [link.ab, link.ba]) {
      d.net.length = 0
      d.inbox.length = 0
      d.netBytes = 0
      d.inboxBytes = 0
      for (const w of d.waiters.splice(0)) w()
    }
    link.ab.session.close()
    link.ba.session.close()
  }

  /** Whether nothing is in flight, queued or being processed. */
  get idle(): boolean {
    for (const l of this.#links.values()) {
      for (const d of [l.ab, l.ba]) if (d.net.length > 0 || d.inbox.length > 0 || d.busy) return false
    }
    return true
  }

  /** Moves one in-flight message (picked at random) to its receiver. Returns false if none. */
  deliverOne(): boolean {
    const dirs: Direction[] = []
    for (const l of this.#links.values()) for (const d of [l.ab, l.ba]) if (d.net.length > 0) dirs.push(d)
    if (dirs.length === 0) return false
    const d = this.#rng.pick(dirs)
    const m = d.net.shift() as Uint8Array
    d.netBytes -= m.length
    // back-pressure released: wake one waiting sender
    d.waiters.shift()?.()
    this.#toInbox(d, m)
    return true
  }

  #engine(i: number): SyncEngine {
    return this.#engines[i] as SyncEngine
  }

  #peerId(i: number): string {
    return this.#peerIds[i] as string
  }

  async #send(link: Link, from: 'ab' | 'ba', bytes: Uint8Array): Promise<void> {
    const d = link[from]
    while (d.netBytes > this.maxInFlightBytes) {
      await new Promise<void>((resolve) => d.waiters.push(resolve))
      if (this.#links.get(SimNet.key(link.a, link.b)) !== link) throw new Error('link down')
    }
    const m = this.#mangle(link, bytes)
    d.net.push(m)
    d.netBytes += m.length
  }

  #toInbox(d: Direction, m: Uint8Array): void {
    d.inbox.push(m)
    d.inboxBytes += m.length
    if (d.inboxBytes > this.maxInboxBytes) this.problems.push(`inbox of ${d.inboxBytes} bytes: flow control failed`)
    if (!d.busy) void this.#process(d)
  }

  async #process(d: Direction): Promise<void> {
    d.busy = true
    try {
      while (d.inbox.length > 0 && !d.session.isClosed) {
        const m = d.inbox.shift() as Uint8Array
        d.inboxBytes -= m.length
        await d.session.receive(m)
      }
    } finally {
      d.busy = false
    }
  }

  /** Applies the in-message faults to an ENVELOPES message. */
  #mangle(link: Link, bytes: Uint8Array): Uint8Array {
    if (bytes[0] !== SyncMessageType.envelopes) return bytes
    const msg = decodeSyncMessage(bytes)
    if (msg.type !== 'envelopes') return bytes
    const f = this.faults
    const rng = this.#rng
    const seenKey = `${link.a}-${link.b}-${toHex(msg.docId)}`
    const seen = this.#seen.get(seenKey) ?? []
    let list: Uint8Array[] = []
    for (const e of msg.envelopes) {
      if (rng.chance(f.drop)) continue
      list.push(e.slice())
      if (rng.chance(f.duplicate)) list.push(e.slice())
    }
    if (seen.length > 0 && rng.chance(f.replay)) for (let i = 0; i < 1 + rng.int(3); i++) list.push(rng.pick(seen))
    if (rng.chance(f.shuffle)) {
      for (let i = list.length - 1; i > 0; i--) {
        const j = rng.int(i + 1)
        const t = list[i] as Uint8Array
        list[i] = list[j] as Uint8Array
        list[j] = t
      }
    }
    for (const e of msg.envelopes) seen.push(e.slice())
    if (seen.length > 64) seen.splice(0, seen.length - 64)
    this.#seen.set(seenKey, seen)
    list = list.slice(0, 256)
    // an ENVELOPES message needs at least one envelope: an emptied one carries a replay or its first
    if (list.length === 0) list.push((msg.envelopes[0] as Uint8Array).slice())
    return encodeSyncMessage({ type: 'envelopes', docId: msg.docId, envelopes: list })
  }
}
