import * as Y from 'yjs'
import type { PersistableDoc } from '../../src/storage/index.ts'

/**
 * A bare Y.Doc as a `PersistableDoc`, for storage tests and benchmarks that need no record
 * model. Like the record's compartments, it does not let Yjs re-encode an update it is given
 * (listeners get the bytes given): for a snapshot that re-encoding costs as much as decoding.
 */
export function persistableYDoc(doc = new Y.Doc()): PersistableDoc & { doc: Y.Doc } {
  const listeners = new Set<(update: Uint8Array, origin: unknown) => void>()
  const emit = (update: Uint8Array, origin: unknown): void => {
    for (const l of [...listeners]) l(update, origin)
  }
  doc.on('update', emit)
  return {
    doc,
    onUpdate(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    applyUpdate(update, origin) {
      let changed = false
      const watch = (tr: Y.Transaction): void => {
        if (tr.deleteSet.clients.size > 0) changed = true
        for (const [client, clock] of tr.afterState) if (tr.beforeState.get(client) !== clock) changed = true
      }
      doc.off('update', emit)
      doc.on('afterTransaction', watch)
      try {
        Y.applyUpdate(doc, update, origin)
      } finally {
        doc.off('afterTransaction', watch)
        doc.on('update', emit)
      }
      if (changed) emit(update, origin)
    },
    encodeState: () => Y.encodeStateAsUpdate(doc),
    mergeUpdates: (updates) => Y.mergeUpdates(updates),
    stateMatches(state) {
      const fresh = new Y.Doc()
      Y.applyUpdate(fresh, state)
      const same = Buffer.from(Y.encodeStateAsUpdate(fresh)).equals(Buffer.from(Y.encodeStateAsUpdate(doc)))
      fresh.destroy()
      return same
    }
  }
}
