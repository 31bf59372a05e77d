/**
 * Operations on Yjs update bytes that layers above need without importing yjs: merging a
 * batch of updates into one (the persistence layer seals a burst as one envelope) and
 * checking that a snapshot holds exactly a doc's state (before compaction drops the log).
 */
import * as Y from 'yjs'
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
  const other = new Y.Doc({ gc: doc.gc })
  try {
    try {
      Y.applyUpdate(other, state)
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
