/**
 * Operations on Yjs update bytes that layers above need without importing yjs: merging a
 * batch of updates into one (the persistence layer seals a burst as one envelope) and
 * checking that a snapshot holds exactly a doc's state (before compaction drops the log).
 */
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import { assertBytes, equalBytes } from '../lib/index.ts'
import { UpdateFormatError } from './errors.ts'

/**
 * Merges updates into one update with the same effect as applying them all (one update is
 * returned as it is, unchecked).
 * @throws {TypeError} if an item is not a Uint8Array.
 * @throws {UpdateFormatError} if one is not a well-formed Yjs update.
 * @example const one = mergeUpdates([u1, u2, u3])
 */
export function mergeUpdates(updates: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(updates)) throw new TypeError('updates: expected an array of Uint8Array')
  updates.forEach((u, i) => assertBytes(u, `updates[${i}]`))
  try {
    return Y.mergeUpdates(updates as Uint8Array[])
  } catch (err) {
    throw new UpdateFormatError(`updates: not well-formed Yjs updates (${err instanceof Error ? err.message : String(err)})`, { cause: err })
  }
}

const ROOTS = ['resources', 'history', 'series'] as const

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) return a instanceof Uint8Array && b instanceof Uint8Array && equalBytes(a, b)
  if (a instanceof Y.Array || b instanceof Y.Array) {
    if (!(a instanceof Y.Array) || !(b instanceof Y.Array) || a.length !== b.length) return false
    const xs = (a as Y.Array<unknown>).toArray()
    const ys = (b as Y.Array<unknown>).toArray()
    return xs.every((x, i) => sameValue(x, ys[i]))
  }
  return JSON.stringify(a) === JSON.stringify(b)
}

/**
 * Whether `state` (a whole-state update) decodes to exactly the state of `doc`: same state
 * vector, same deletions, same pending parts, and the same values under every key of the
 * record's maps.
 * @throws Never (bytes that do not decode do not match).
 */
export function stateMatchesDoc(doc: Y.Doc, state: Uint8Array): boolean {
  return docMatches(doc, (other) => Y.applyUpdate(other, state))
}

function docMatches(doc: Y.Doc, fill: (other: Y.Doc) => void): boolean {
  const other = new Y.Doc({ gc: doc.gc })
  try {
    try {
      fill(other)
    } catch {
      return false // bytes that Yjs cannot decode hold no state at all
    }
    if (!equalBytes(Y.encodeStateVector(other), Y.encodeStateVector(doc))) return false
    if (!Y.equalDeleteSets(Y.createDeleteSetFromStructStore(other.store), Y.createDeleteSetFromStructStore(doc.store))) return false
    if ((other.store.pendingStructs === null) !== (doc.store.pendingStructs === null)) return false
    if ((other.store.pendingDs === null) !== (doc.store.pendingDs === null)) return false
    for (const name of ROOTS) {
      const mine = doc.getMap(name)
      const theirs = other.getMap(name)
      if (mine.size !== theirs.size) return false
      for (const [key, value] of mine.entries()) if (!sameValue(value, theirs.get(key))) return false
    }
    return true
  } finally {
    other.destroy()
  }
}

/**
 * The doc's whole state as several updates, in order, each about `target` bytes (cut
 * between structs, so one may be larger): applying them one after the other, in a fresh
 * doc, gives this doc's state; the last one carries the delete set. What a snapshot in
 * parts seals, so that a reader applies one part while it inflates the next. `undefined`
 * when the doc has pending (not yet integrated) updates: those need the single-update form.
 * Structs are written as `Y.encodeStateAsUpdate` writes them (`Item.write`); the parts are
 * checked with `stateMatchesParts` before anything relies on them.
 * @throws {RangeError} if `target` is not a positive integer.
 */
export function encodeStateParts(doc: Y.Doc, target: number): Uint8Array[] | undefined {
  if (!Number.isSafeInteger(target) || target <= 0) throw new RangeError(`target: expected a positive integer, got ${String(target)}`)
  if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) return undefined
  const parts: Uint8Array[] = []
  /** Sections (one client's run of structs, with its header) of the part being built. */
  let sections: Uint8Array[] = []
  let partBytes = 0
  const closePart = (last: boolean): void => {
    const enc = new Y.UpdateEncoderV1()
    encoding.writeVarUint(enc.restEncoder, sections.length)
    for (const s of sections) encoding.writeUint8Array(enc.restEncoder, s)
    if (last) writeDeleteSet(enc, Y.createDeleteSetFromStructStore(doc.store))
    else encoding.writeVarUint(enc.restEncoder, 0)
    parts.push(enc.toUint8Array())
    sections = []
    partBytes = 0
  }
  // clients in the order Yjs writes them (descending)
  for (const [client, structs] of [...doc.store.clients.entries()].sort((a, b) => b[0] - a[0])) {
    let i = 0
    while (i < structs.length) {
      const body = new Y.UpdateEncoderV1()
      const first = structs[i] as Y.Item | Y.GC
      let n = 0
      while (i < structs.length && (n === 0 || partBytes + encoding.length(body.restEncoder) < target)) {
        ;(structs[i] as Y.Item | Y.GC).write(body, 0)
        i++
        n++
      }
      const head = new Y.UpdateEncoderV1()
      encoding.writeVarUint(head.restEncoder, n)
      head.writeClient(client)
      encoding.writeVarUint(head.restEncoder, first.id.clock)
      const section = encoding.toUint8Array(head.restEncoder)
      const structBytes = encoding.toUint8Array(body.restEncoder)
      const joined = new Uint8Array(section.length + structBytes.length)
      joined.set(section)
      joined.set(structBytes, section.length)
      sections.push(joined)
      partBytes += joined.length
      if (partBytes >= target) closePart(false)
    }
  }
  closePart(true)
  return parts
}

/** `writeDeleteSet` of Yjs (not exported): clients descending, each run as clock, length. */
function writeDeleteSet(enc: Y.UpdateEncoderV1, ds: ReturnType<typeof Y.createDeleteSetFromStructStore>): void {
  const clients = [...ds.clients.entries()].sort((a, b) => b[0] - a[0])
  encoding.writeVarUint(enc.restEncoder, clients.length)
  for (const [client, items] of clients) {
    enc.resetDsCurVal()
    encoding.writeVarUint(enc.restEncoder, client)
    encoding.writeVarUint(enc.restEncoder, items.length)
    for (const item of items) {
      enc.writeDsClock(item.clock)
      enc.writeDsLen(item.len)
    }
  }
}

/**
 * Whether `parts`, applied in order to a fresh doc, give exactly the state of `doc` (as
 * `stateMatchesDoc` compares).
 * @throws Never (parts that do not decode do not match).
 */
export function stateMatchesParts(doc: Y.Doc, parts: readonly Uint8Array[]): boolean {
  return docMatches(doc, (other) => {
    for (const part of parts) Y.applyUpdate(other, part)
  })
}
