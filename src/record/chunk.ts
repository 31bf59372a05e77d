/**
 * Time-series chunk encoding (DESIGN §4: "delta + varint encoded timestamps and values").
 *
 * A chunk holds the samples of one series (code, source device) with one UCUM unit,
 * sorted by strictly increasing time. Layout (varuints are unsigned LEB128, minimal, as
 * lib0 writes them; zz(n) is the zigzag map 0,-1,1,-2… → 0,1,2,3…):
 *
 * ```
 * version   u8        1
 * flags     u8        bits 0-3: decimal scale s (0..9); bit 4: float64 values (then s = 0); bits 5-7: 0
 * unit      varuint length (1..64) ‖ UCUM code, printable ASCII 0x21..0x7e
 * count     varuint   1..3,600,000
 * t0        varuint   first time, ms since 1970 (≤ 8.64e15)
 * times     d1 = t1 − t0 as varuint (≥ 1); then for i ≥ 2 zz(d_i − d_{i−1}) with every d_i ≥ 1
 *           (delta of deltas: a regular 1 Hz series costs 1 byte per sample); span t_last − t0 < 2^32
 * values    scaled (bit 4 clear): v_i = n_i / 10^s with n_i integers, |n_i| < 2^51;
 *           zz(n_0), then zz(n_i − n_{i−1})   → 72 bpm steady = 1 byte, 36.6 °C keeps its decimal
 *           float64 (bit 4 set): 8 bytes big-endian IEEE 754 each, finite
 * ```
 *
 * The encoder picks the smallest scale that represents every value exactly
 * (`Math.round(v·10^s) / 10^s === v`), so decode(encode(x)) returns the same doubles; values
 * that no scale ≤ 9 represents (or -0) fall back to float64. The decoder is strict: every
 * malformation is a `SeriesFormatError`.
 */
import * as encoding from 'lib0/encoding'
import { createReader } from '../lib/index.ts'
import { SeriesFormatError } from './errors.ts'
import { MAX_TIME_MS } from './dates.ts'

/** Decoded samples of one chunk. */
export interface ChunkData {
  /** UCUM unit of every value. */
  readonly unit: string
  /** Times in ms since 1970, strictly increasing. */
  readonly times: Float64Array
  readonly values: Float64Array
}

/** Chunk format version. */
export const CHUNK_VERSION = 1
/** Most samples in one chunk: one per millisecond of an hour. */
export const MAX_CHUNK_SAMPLES = 3_600_000
/** Largest chunk accepted by the decoder (size cap before parsing). */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024
/** Longest UCUM unit, in bytes. */
export const MAX_UNIT_BYTES = 64
/** Largest time span inside one chunk (exclusive). */
export const MAX_CHUNK_SPAN_MS = 2 ** 32

const MAX_SCALE = 9
const FLOAT_FLAG = 0x10
const MAX_SCALED = 2 ** 51 - 1
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]
const UNIT = /^[\x21-\x7e]{1,64}$/

/**
 * Whether `unit` is acceptable as a chunk unit (UCUM code: printable ASCII, no spaces, ≤ 64 bytes).
 * @throws Never.
 */
export function isUnit(unit: unknown): unit is string {
  return typeof unit === 'string' && UNIT.test(unit)
}

const zz = (n: number): number => (n >= 0 ? 2 * n : -2 * n - 1)
const unzz = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2)

/** Smallest decimal scale representing every value exactly, or -1 for float64. */
function pickScale(values: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (Object.is(v, -0)) return -1
    for (;;) {
      const p = POW10[s] as number
      const n = Math.round(v * p)
      if (n / p === v && Math.abs(n) <= MAX_SCALED) break
      if (++s > MAX_SCALE) return -1
    }
  }
  return s
}

/**
 * Encodes samples (times strictly increasing, finite values, one unit) as a chunk.
 * @throws {RangeError} if times are not strictly increasing safe ms within `MAX_CHUNK_SPAN_MS`,
 * a value is not finite, there are 0 or too many samples, or the unit is not a UCUM code.
 * @example encodeChunk({ unit: '/min', times: [0, 1000], values: [72, 73] })
 */
export function encodeChunk(data: { unit: string; times: ArrayLike<number>; values: ArrayLike<number> }): Uint8Array {
  const { unit, times, values } = data
  const n = times.length
  if (n === 0 || n > MAX_CHUNK_SAMPLES || values.length !== n) {
    throw new RangeError(`chunk: expected 1..${MAX_CHUNK_SAMPLES} samples with as many values, got ${n} times and ${values.length} values`)
  }
  if (!isUnit(unit)) throw new RangeError(`chunk: unit must be a UCUM code (printable ASCII, 1-64 bytes), got ${JSON.stringify(unit)}`)
  const t0 = times[0] as number
  if (!Number.isSafeInteger(t0) || t0 < 0 || t0 > MAX_TIME_MS) throw new RangeError(`chunk: time ${t0} is not ms in 0..${MAX_TIME_MS}`)
  const last = times[n - 1] as number
  if (!(last - t0 < MAX_CHUNK_SPAN_MS)) throw new RangeError(`chunk: span ${last - t0} ms is over ${MAX_CHUNK_SPAN_MS}`)
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`chunk: value ${i} is ${values[i]}, not finite`)
  }
  const scale = pickScale(values)
  const enc = encoding.createEncoder()
  encoding.writeUint8(enc, CHUNK_VERSION)
  encoding.writeUint8(enc, scale < 0 ? FLOAT_FLAG : scale)
  encoding.writeVarString(enc, unit)
  encoding.writeVarUint(enc, n)
  encoding.writeVarUint(enc, t0)
  let prevT = t0
  let prevD = 0
  for (let i = 1; i < n; i++) {
    const t = times[i] as number
    const d = t - prevT
    if (!Number.isSafeInteger(t) || d < 1) throw new RangeError(`chunk: times must be strictly increasing integers (at ${i}: ${t} after ${prevT})`)
    encoding.writeVarUint(enc, i === 1 ? d : zz(d - prevD))
    prevD = d
    prevT = t
  }
  if (scale < 0) {
    for (let i = 0; i < n; i++) encoding.writeFloat64(enc, values[i] as number)
  } else {
    const p = POW10[scale] as number
    let prev = 0
    for (let i = 0; i < n; i++) {
      const v = Math.round((values[i] as number) * p)
      encoding.writeVarUint(enc, zz(v - prev))
      prev = v
    }
  }
  return encoding.toUint8Array(enc)
}

/**
 * Decodes a chunk strictly.
 * @throws {SeriesFormatError} on any malformation (never another error for any input bytes).
 */
export function decodeChunk(bytes: Uint8Array): ChunkData {
  if (!(bytes instanceof Uint8Array)) throw new SeriesFormatError('chunk: expected bytes')
  if (bytes.length > MAX_CHUNK_BYTES) throw new SeriesFormatError(`chunk: ${bytes.length} bytes is over the cap of ${MAX_CHUNK_BYTES}`)
  const r = createReader(bytes, SeriesFormatError)
  const version = r.byte('chunk version')
  if (version !== CHUNK_VERSION) throw new SeriesFormatError(`chunk: unknown version ${version}`)
  const flags = r.byte('chunk flags')
  const float = (flags & FLOAT_FLAG) !== 0
  const scale = flags & 0x0f
  if ((flags & 0xe0) !== 0 || scale > MAX_SCALE || (float && scale !== 0)) throw new SeriesFormatError(`chunk: bad flags 0x${flags.toString(16)}`)
  const unit = r.varString('chunk unit', MAX_UNIT_BYTES)
  if (!isUnit(unit)) throw new SeriesFormatError('chunk: unit is not a UCUM code')
  const n = r.varUint('chunk count', 1, MAX_CHUNK_SAMPLES)
  // t0 and every later delta take ≥ 1 byte, every value ≥ 1 (float: 8): check before allocating
  if (n * (float ? 9 : 2) > r.remaining) throw new SeriesFormatError(`chunk: ${n} samples cannot fit in ${r.remaining} bytes`)
  const times = new Float64Array(n)
  const values = new Float64Array(n)
  const t0 = r.varUint('chunk t0', 0, MAX_TIME_MS)
  times[0] = t0
  let prevD = 0
  for (let i = 1; i < n; i++) {
    const d = i === 1 ? r.varUint('chunk time delta') : prevD + unzz(r.varUint('chunk time delta'))
    const t = (times[i - 1] as number) + d
    if (d < 1 || t - t0 >= MAX_CHUNK_SPAN_MS) throw new SeriesFormatError(`chunk: time ${i} is not after the previous or beyond the span`)
    times[i] = t
    prevD = d
  }
  if (float) {
    for (let i = 0; i < n; i++) {
      const b = r.bytes('chunk value', 8)
      const v = new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, false)
      if (!Number.isFinite(v)) throw new SeriesFormatError(`chunk: value ${i} is not finite`)
      values[i] = v
    }
  } else {
    const p = POW10[scale] as number
    let prev = 0
    for (let i = 0; i < n; i++) {
      const v = prev + unzz(r.varUint('chunk value'))
      if (Math.abs(v) > MAX_SCALED) throw new SeriesFormatError(`chunk: value ${i} out of range`)
      values[i] = v / p
      prev = v
    }
  }
  r.end('chunk')
  return { unit, times, values }
}
