/**
 * Memory figures that do not depend on when the garbage collector happens to run, for the
 * tests that check a big file streams through without being held whole.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose_gc')
const collect = runInNewContext('gc') as () => void

/**
 * Two full collections: V8 frees dead ArrayBuffers on a background sweeper and updates the
 * count when that sweep ends, which on a busy machine can be long after `gc()` returns; the
 * second collection waits for the first one's sweep before it starts.
 */
export function fullGc(): void {
  collect()
  collect()
}

/** What this thread holds after a full collection: JS heap and ArrayBuffers, in bytes. */
export function heldBytes(): { heap: number; arrayBuffers: number } {
  fullGc()
  const m = process.memoryUsage()
  return { heap: m.heapUsed, arrayBuffers: m.arrayBuffers }
}
