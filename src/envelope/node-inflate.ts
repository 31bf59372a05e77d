/**
 * Node's raw inflater for compressed snapshots: zlib on libuv's thread pool (about twice
 * as fast as Node's `DecompressionStream`, and segments inflate in parallel). Node entry
 * points install it (`installNodeInflater()`); browsers keep `DecompressionStream`.
 */
import { inflateRaw } from 'node:zlib'
import { useRawInflater } from './compression.ts'

/** Inflates exactly `length` bytes; refuses output past it. */
function inflateExactly(deflated: Uint8Array, length: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    // one byte over the declared length is enough to tell "too long" apart
    inflateRaw(deflated, { maxOutputLength: length + 1, chunkSize: Math.max(64, length + 1) }, (err, result) => {
      if (err !== null) return reject(err)
      if (result.length !== length) return reject(new RangeError(`inflated to ${result.length} bytes`))
      resolve(result)
    })
  })
}

/** Makes compressed snapshots inflate with zlib in this process. */
export function installNodeInflater(): void {
  useRawInflater(inflateExactly)
}
