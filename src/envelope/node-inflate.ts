/**
 * Node's raw inflater for compressed snapshots: zlib on libuv's thread pool (about twice
 * as fast as Node's `DecompressionStream`, and segments inflate in parallel). Node entry
 * points install it (`installNodeInflater()`); browsers keep `DecompressionStream`.
 */
import { inflateRaw } from 'node:zlib'
import { useRawInflater } from './compression.ts'

/** Inflates into exactly `out`; refuses output past its length. */
function inflateInto(deflated: Uint8Array, out: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    // one byte over the declared length is enough to tell "too long" apart
    inflateRaw(deflated, { maxOutputLength: out.length + 1, chunkSize: Math.max(64, out.length + 1) }, (err, result) => {
      if (err !== null) return reject(err)
      if (result.length !== out.length) return reject(new RangeError(`inflated to ${result.length} bytes`))
      out.set(result)
      resolve()
    })
  })
}

/** Makes compressed snapshots inflate with zlib in this process. */
export function installNodeInflater(): void {
  useRawInflater(inflateInto)
}
