/** Byte helpers: concatenation, comparison, hex, UTF-8, wiping. */

/**
 * Concatenates byte arrays into one new array.
 * @throws Never (callers pass `Uint8Array`s; the type system enforces it).
 * @example concatBytes(a, b, c)
 */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

/**
 * Compares two byte arrays in time that depends only on their lengths, not their
 * contents. Use it for MACs, tags, keys and anything secret-derived.
 * @throws Never.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

/**
 * Lexicographic comparison (negative, zero, positive), for canonical sort orders.
 * Not constant-time: use only on public data.
 * @throws Never.
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return a.length - b.length
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/**
 * Lowercase hex of `bytes`.
 * @throws Never.
 * @example toHex(Uint8Array.of(0xab, 1)) // 'ab01'
 */
export function toHex(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] ?? 0]
  return s
}

function hexNibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48 // 0-9
  if (code >= 97 && code <= 102) return code - 87 // a-f
  if (code >= 65 && code <= 70) return code - 55 // A-F
  return -1
}

/**
 * Decodes hex (either case).
 * @throws {TypeError} if `hex` is not a string or has a non-hex character.
 * @throws {RangeError} if `hex` has odd length.
 */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string') throw new TypeError(`hex: expected string, got ${typeof hex}`)
  if (hex.length % 2 !== 0) throw new RangeError(`hex: expected even length, got ${hex.length}`)
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(hex.charCodeAt(2 * i))
    const lo = hexNibble(hex.charCodeAt(2 * i + 1))
    if (hi < 0 || lo < 0) throw new TypeError(`hex: invalid character at ${2 * i}`)
    out[i] = hi * 16 + lo
  }
  return out
}

const encoder = new TextEncoder()
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * UTF-8 encodes a string.
 * @throws Never (lone surrogates become U+FFFD; validate with `assertText` first where it matters).
 */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text)
}

/**
 * Strict UTF-8 decode: a BOM is kept as U+FEFF, invalid sequences throw.
 * @throws {TypeError} on invalid UTF-8.
 */
export function utf8Decode(bytes: Uint8Array): string {
  return strictDecoder.decode(bytes)
}

/**
 * Overwrites each array with zeros. Best effort: JavaScript gives no guarantee that no
 * other copy exists, but it shortens the lifetime of secrets we hold.
 * @throws Never.
 */
export function wipe(...arrays: ReadonlyArray<Uint8Array | undefined>): void {
  for (const a of arrays) a?.fill(0)
}

/**
 * Standard base64 (RFC 4648 §4, with padding), as FHIR's base64Binary.
 * @throws Never.
 */
export function toBase64(bytes: Uint8Array): string {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin)
}

/**
 * Decodes standard base64; only the canonical spelling of some bytes is accepted, so no
 * text has a second meaning.
 * @throws {RangeError} for anything else
 */
export function fromBase64(text: string): Uint8Array {
  let bin: string
  try {
    bin = atob(text)
  } catch {
    // atob's DOMException names no field: say what was wrong here
    throw new RangeError('base64: not valid base64')
  }
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  if (toBase64(out) !== text) throw new RangeError('base64: not in canonical form')
  return out
}
