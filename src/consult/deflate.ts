/**
 * Raw DEFLATE (RFC 1951) through the platform's `CompressionStream('deflate-raw')`, as the
 * payload of a prescription JWS is compressed (header `zip: "DEF"`, after RFC 7516 §4.1.3
 * and as SMART Health Cards compress theirs), with a hard cap on what inflating produces.
 */
import { PrescriptionFormatError, PrescriptionTooLargeError } from './errors.ts'

function pipe(input: Uint8Array, stream: CompressionStream | DecompressionStream): ReadableStream<Uint8Array> {
  const writer = stream.writable.getWriter()
  // write/close reject together with the readable side, which reports the error to the reader
  writer.write(input as Uint8Array<ArrayBuffer>).catch(() => undefined)
  writer.close().catch(() => undefined)
  return stream.readable
}

/**
 * Raw-DEFLATE compresses `input`.
 * @throws Never for a `Uint8Array` (the platform compressor does not fail on bytes).
 */
export async function deflateRaw(input: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await new Response(pipe(input, new CompressionStream('deflate-raw'))).arrayBuffer())
}

/**
 * Inflates raw-DEFLATE `input`, stopping as soon as the output would pass `maxBytes`.
 * @throws {PrescriptionTooLargeError} if it inflates to more than `maxBytes`.
 * @throws {PrescriptionFormatError} if it is not valid raw DEFLATE data.
 */
export async function inflateRaw(input: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const reader = pipe(input, new DecompressionStream('deflate-raw')).getReader()
  const parts: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.length
      if (total > maxBytes) {
        // stop inflating now: the rest of a bomb is never produced
        await reader.cancel()
        throw new PrescriptionTooLargeError(`prescription: payload inflates to more than ${maxBytes} bytes`)
      }
      parts.push(value)
    }
  } catch (err) {
    if (err instanceof PrescriptionTooLargeError) throw err
    throw new PrescriptionFormatError('prescription: payload is not valid DEFLATE data', { cause: err })
  }
  const out = new Uint8Array(total)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
