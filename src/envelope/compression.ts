/**
 * The compressed payload of a snapshot envelope (header kind 0x02, DESIGN §5): the whole
 * doc state, cut into segments that are each compressed on their own with raw DEFLATE
 * (RFC 1951) through the platform's `CompressionStream('deflate-raw')`:
 *
 * ```
 * payload = total (varuint) ‖ count (varuint) ‖ count × (inflated (varuint) ‖ deflated (varuint))
 *           ‖ deflate-raw(segment 1) ‖ … ‖ deflate-raw(segment count)
 * ```
 *
 * `total` is the state's length, the sum of the `inflated` lengths; each segment holds at
 * most `SEGMENT_BYTES` of state; the `deflated` lengths add up to exactly the rest of the
 * payload. Declaring every length up front lets a reader refuse a decompression bomb before
 * inflating a byte, stop a segment the moment it inflates past its declared length, and
 * write the state into one buffer of the right size (no chunk list, no final copy).
 * Segments of 4 MiB inflate faster through a `DecompressionStream` than one long stream.
 *
 * Why only snapshots are compressed (CRIME, BREACH): compressing then encrypting lets the
 * ciphertext's length reveal how much of the plaintext repeats, which matters when an
 * attacker can put chosen text next to a secret and watch the sizes of many messages.
 * Updates go live to peers and mailboxes one small change at a time, so they stay raw. A
 * snapshot is one whole compartment, written by this device at compaction, kept at rest and
 * handed to a mailbox as one object: its length says roughly how big the record is, which
 * its uncompressed length said as well.
 *
 * This is not cryptography: it runs inside the sealed plaintext, after the signature and
 * the AEAD tag have been checked (never on unauthenticated bytes).
 */
import { createReader, createWriter, FormatError, InputTooLargeError } from '../lib/index.ts'

/** Most state bytes one segment holds. */
export const SEGMENT_BYTES = 4 * 1024 * 1024
/** Most segments a payload may declare (256 MiB of state at `SEGMENT_BYTES`). */
const MAX_SEGMENTS = 4096

/** A compressed payload declares, or inflates to, more bytes than the reader's cap: a decompression bomb is refused here. */
export class InflatedTooLargeError extends InputTooLargeError {
  override name: string = 'InflatedTooLargeError'
}

/** A compressed payload is malformed: bad framing, corrupt DEFLATE data, or a segment that inflates to another length than declared. */
export class CompressedPayloadError extends FormatError {
  override name: string = 'CompressedPayloadError'
}

/** Reads `stream` to its end, or until `onChunk` returns false (then the stream is cancelled). */
async function drain(stream: ReadableStream<Uint8Array>, onChunk: (chunk: Uint8Array) => boolean | void): Promise<void> {
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    if (onChunk(value) === false) {
      // stop inflating now: the rest of a bomb is never produced
      await reader.cancel()
      return
    }
  }
}

/** Feeds `input` into a transform stream and closes it; errors surface on the readable side. */
function feed(stream: CompressionStream | DecompressionStream, input: Uint8Array): ReadableStream<Uint8Array> {
  const writer = stream.writable.getWriter()
  // write/close reject together with the readable side; the reader reports the error
  // (a view of a SharedArrayBuffer is refused by the stream itself and reported as an error)
  writer.write(input as Uint8Array<ArrayBuffer>).catch(() => undefined)
  writer.close().catch(() => undefined)
  return stream.readable
}

async function deflateRaw(input: Uint8Array): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = []
  await drain(feed(new CompressionStream('deflate-raw'), input), (c) => {
    parts.push(c)
  })
  return parts
}

/**
 * Compresses a doc state into the segmented payload described above.
 * @throws {TypeError} if `state` is not a `Uint8Array`.
 * @example const payload = await compressPayload(Y.encodeStateAsUpdate(doc))
 */
export async function compressPayload(state: Uint8Array): Promise<Uint8Array> {
  if (!(state instanceof Uint8Array)) throw new TypeError(`state: expected Uint8Array, got ${typeof state}`)
  const segments: Array<{ inflated: number; parts: Uint8Array[]; deflated: number }> = []
  for (let at = 0; at < state.length || segments.length === 0; at += SEGMENT_BYTES) {
    const piece = state.subarray(at, Math.min(state.length, at + SEGMENT_BYTES))
    const parts = await deflateRaw(piece)
    segments.push({ inflated: piece.length, parts, deflated: parts.reduce((n, p) => n + p.length, 0) })
  }
  const head = createWriter().varUint(state.length).varUint(segments.length)
  for (const s of segments) head.varUint(s.inflated).varUint(s.deflated)
  const headBytes = head.finish()
  const out = new Uint8Array(headBytes.length + segments.reduce((n, s) => n + s.deflated, 0))
  out.set(headBytes)
  let at = headBytes.length
  for (const s of segments) {
    for (const p of s.parts) {
      out.set(p, at)
      at += p.length
    }
  }
  return out
}

/**
 * Inflates one raw-DEFLATE segment into exactly `out`, or throws. A platform with a faster
 * inflater than `DecompressionStream` (Node's zlib on its thread pool) installs one with
 * `useRawInflater`; the checks around it stay the same.
 */
export type RawInflater = (deflated: Uint8Array, length: number) => Promise<Uint8Array>

/**
 * Takes back a buffer a `RawInflater` answered with, once nothing reads it any more, so
 * that the next segment inflates into memory already in use: writing fresh pages costs
 * more than inflating into them (about 5 ms per MB on the machine the benchmarks ran on).
 */
export type RawInflaterRecycle = (inflated: Uint8Array) => void

let platformInflater: RawInflater | undefined
let platformRecycle: RawInflaterRecycle | undefined

/** Installs (or, with `undefined`, removes) the platform's raw inflater, and what takes its buffers back. */
export function useRawInflater(inflater: RawInflater | undefined, recycle?: RawInflaterRecycle): void {
  platformInflater = inflater
  platformRecycle = inflater === undefined ? undefined : recycle
}

async function inflateSegment(deflated: Uint8Array, out: Uint8Array, index: number): Promise<void> {
  if (platformInflater !== undefined) {
    const inflated = await platformInflate(deflated, out.length, index)
    out.set(inflated)
    platformRecycle?.(inflated)
    return
  }
  try {
    await streamInflateInto(deflated, out)
  } catch (err) {
    throw new CompressedPayloadError(`compressed payload: segment ${index} ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}

/** The platform inflater's answer for one segment, checked to be exactly `length` bytes (no copy). */
async function platformInflate(deflated: Uint8Array, length: number, index: number): Promise<Uint8Array> {
  let out: Uint8Array
  try {
    out = await (platformInflater as RawInflater)(deflated, length)
  } catch (err) {
    throw new CompressedPayloadError(`compressed payload: segment ${index} does not inflate to its declared ${length} bytes (${err instanceof Error ? err.message : String(err)})`, { cause: err })
  }
  if (!(out instanceof Uint8Array) || out.length !== length) throw new CompressedPayloadError(`compressed payload: segment ${index} does not inflate to its declared ${length} bytes`)
  return out
}

/**
 * Inflates raw DEFLATE into exactly `out` with the platform's `DecompressionStream` (on
 * this thread), or throws a plain error saying what was wrong. Stops as soon as the
 * output passes `out`'s length.
 */
export async function streamInflateInto(deflated: Uint8Array, out: Uint8Array): Promise<void> {
  let at = 0
  let over = false
  try {
    await drain(feed(new DecompressionStream('deflate-raw'), deflated), (chunk) => {
      if (chunk.length > out.length - at) {
        over = true
        return false
      }
      out.set(chunk, at)
      at += chunk.length
      return true
    })
  } catch (err) {
    throw new Error(`is not valid DEFLATE data (${err instanceof Error ? err.message : String(err)})`, { cause: err })
  }
  if (over) throw new Error(`inflates past its declared ${out.length} bytes`)
  if (at !== out.length) throw new Error(`inflates to ${at} bytes, declared ${out.length}`)
}

/**
 * Inflates a compressed payload into one new buffer of exactly the declared length. Every
 * declared length is checked against `maxBytes` and against the payload before anything is
 * inflated, and each segment is cut off once it passes its declared length.
 * @throws {InflatedTooLargeError} if the payload declares more than `maxBytes` of state.
 * @throws {CompressedPayloadError} if the framing is malformed, a segment is not valid
 *   DEFLATE data, or a segment inflates to another length than it declares.
 */
export async function decompressPayload(payload: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const { total, segments } = readFraming(payload, maxBytes, SEGMENT_BYTES)
  const out = new Uint8Array(total)
  const jobs: Array<() => Promise<void>> = []
  let dst = 0
  for (const [i, s] of segments.entries()) {
    const target = out.subarray(dst, dst + s.inflated)
    jobs.push(() => inflateSegment(s.input, target, i))
    dst += s.inflated
  }
  // a platform inflater runs off the main thread: its segments go in parallel
  if (platformInflater !== undefined) await Promise.all(jobs.map((job) => job()))
  else for (const job of jobs) await job()
  return out
}

/** Most bytes one part of a snapshot in parts may hold (a part is cut at a Yjs struct, so it may pass `SEGMENT_BYTES`). */
export const MAX_PART_BYTES = 4 * SEGMENT_BYTES

interface Segment {
  readonly inflated: number
  readonly input: Uint8Array
}

/** Reads and checks the framing of a compressed payload: every length, before anything inflates. */
function readFraming(payload: Uint8Array, maxBytes: number, maxSegment: number): { total: number; segments: Segment[] } {
  if (!(payload instanceof Uint8Array)) throw new TypeError(`payload: expected Uint8Array, got ${typeof payload}`)
  const r = createReader(payload, CompressedPayloadError)
  const total = r.varUint('compressed payload: total')
  if (total > maxBytes) throw new InflatedTooLargeError(`compressed payload: declares ${total} bytes of state, over the cap of ${maxBytes}`)
  const count = r.varUint('compressed payload: segment count', 1, MAX_SEGMENTS)
  if (count * 2 > r.remaining) throw new CompressedPayloadError('compressed payload: segment count exceeds the input')
  const lengths: Array<{ inflated: number; deflated: number }> = []
  let inflatedSum = 0
  let deflatedSum = 0
  for (let i = 0; i < count; i++) {
    const inflated = r.varUint('compressed payload: segment length', 0, maxSegment)
    const deflated = r.varUint('compressed payload: deflated length', 1, payload.length)
    inflatedSum += inflated
    deflatedSum += deflated
    lengths.push({ inflated, deflated })
  }
  if (inflatedSum !== total) throw new CompressedPayloadError(`compressed payload: segments add up to ${inflatedSum} bytes, declared ${total}`)
  if (deflatedSum !== r.remaining) throw new CompressedPayloadError(`compressed payload: segments take ${deflatedSum} bytes, ${r.remaining} follow`)
  let src = r.offset
  const segments = lengths.map(({ inflated, deflated }) => {
    const input = payload.subarray(src, src + deflated)
    src += deflated
    return { inflated, input }
  })
  return { total, segments }
}

/**
 * Compresses the parts of a snapshot in parts (each a whole Yjs update, at most
 * `MAX_PART_BYTES`), one segment each, in the framing described above.
 * @throws {TypeError} if a part is not a `Uint8Array`.
 * @throws {RangeError} if there is no part, or a part is over `MAX_PART_BYTES`.
 */
export async function compressParts(parts: readonly Uint8Array[]): Promise<Uint8Array> {
  if (!Array.isArray(parts) || parts.length === 0 || parts.length > MAX_SEGMENTS) throw new RangeError(`parts: expected 1..${MAX_SEGMENTS} parts`)
  const segments: Array<{ inflated: number; parts: Uint8Array[]; deflated: number }> = []
  for (const [i, part] of parts.entries()) {
    if (!(part instanceof Uint8Array)) throw new TypeError(`parts[${i}]: expected Uint8Array`)
    if (part.length > MAX_PART_BYTES) throw new RangeError(`parts[${i}]: ${part.length} bytes, over ${MAX_PART_BYTES}`)
    const deflated = await deflateRaw(part)
    segments.push({ inflated: part.length, parts: deflated, deflated: deflated.reduce((n, p) => n + p.length, 0) })
  }
  const head = createWriter().varUint(segments.reduce((n, s) => n + s.inflated, 0)).varUint(segments.length)
  for (const s of segments) head.varUint(s.inflated).varUint(s.deflated)
  const headBytes = head.finish()
  const out = new Uint8Array(headBytes.length + segments.reduce((n, s) => n + s.deflated, 0))
  out.set(headBytes)
  let at = headBytes.length
  for (const s of segments) {
    for (const p of s.parts) {
      out.set(p, at)
      at += p.length
    }
  }
  return out
}

/**
 * Inflates the parts of a snapshot in parts and hands each to `onPart`, in order, as soon
 * as it and every part before it are inflated: with a platform inflater (off the main
 * thread), the next parts inflate while `onPart` applies this one. All lengths are checked
 * before anything inflates; on the first error nothing more is handed over.
 * @throws {InflatedTooLargeError} if the payload declares more than `maxBytes`.
 * @throws {CompressedPayloadError} if the framing or a segment is malformed.
 * `of` tells how many parts there are and their inflated size in all (for progress).
 * @throws whatever `onPart` throws (then the rest is not handed over).
 */
export async function inflateParts(
  payload: Uint8Array,
  maxBytes: number,
  onPart: (part: Uint8Array, index: number, of: { parts: number; inflatedBytes: number }) => void | Promise<void>,
  opts: InflatePartsOptions = {}
): Promise<void> {
  const { total, segments } = readFraming(payload, maxBytes, MAX_PART_BYTES)
  const of = { parts: segments.length, inflatedBytes: total }
  const inflate = (i: number): Promise<Uint8Array> => {
    const s = segments[i] as Segment
    // a platform inflater's buffer is handed on as it is (a part is never copied)
    if (platformInflater !== undefined) return platformInflate(s.input, s.inflated, i)
    const out = new Uint8Array(s.inflated)
    return inflateSegment(s.input, out, i).then(() => out)
  }
  if (platformInflater === undefined) {
    for (let i = 0; i < segments.length; i++) await onPart(await inflate(i), i, of)
    return
  }
  // keep a few parts inflating ahead of the one being applied (bounded memory: with
  // recycling, AHEAD + 1 buffers are in use)
  const AHEAD = 3
  const inflating = new Map<number, Promise<Uint8Array>>()
  const failed = (p: Promise<Uint8Array>): Promise<Uint8Array> => {
    p.catch(() => undefined) // reported when its turn comes
    return p
  }
  const recycle = opts.transient === true ? platformRecycle : undefined
  for (let i = 0; i < Math.min(AHEAD, segments.length); i++) inflating.set(i, failed(inflate(i)))
  for (let i = 0; i < segments.length; i++) {
    const part = await (inflating.get(i) as Promise<Uint8Array>)
    inflating.delete(i)
    if (i + AHEAD < segments.length) inflating.set(i + AHEAD, failed(inflate(i + AHEAD)))
    await onPart(part, i, of)
    recycle?.(part)
  }
}

/** Options of `inflateParts`. */
export interface InflatePartsOptions {
  /**
   * `onPart` is done with a part once it returns (it applied it and kept no reference), so
   * its buffer may be reused for a later part. `Y.applyUpdate` qualifies: the V1 decoder
   * copies what it keeps. @default false
   */
  readonly transient?: boolean
}

