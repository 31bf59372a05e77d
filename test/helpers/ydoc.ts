import * as Y from 'yjs'
import type { PersistableDoc } from '../../src/storage/index.ts'

/** A bare Y.Doc as a `PersistableDoc`, for storage tests that need no record model. */
export function persistableYDoc(doc = new Y.Doc()): PersistableDoc & { doc: Y.Doc } {
  return {
    doc,
    onUpdate(listener) {
      const h = (update: Uint8Array, origin: unknown): void => listener(update, origin)
      doc.on('update', h)
      return () => doc.off('update', h)
    },
    applyUpdate: (update, origin) => Y.applyUpdate(doc, update, origin),
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
