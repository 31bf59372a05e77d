/**
 * Binary encoding on top of lib0: a `Writer` that produces lib0's format (unsigned LEB128
 * varuints, length-prefixed byte strings and UTF-8 strings) and a strict `Reader` that
 * accepts only the canonical form of it.
 *
 * The reader is stricter than lib0's decoder on purpose, because it reads untrusted bytes:
 * every read is bounds-checked, varuints must be minimal and ≤ `Number.MAX_SAFE_INTEGER`,
 * strings must be valid UTF-8, and every failure throws the caller's named error class
 * (lib0's decoder returns `undefined` past the end for single bytes and throws plain
 * `Error`s otherwise).
 */
import * as encoding from 'lib0/encoding'
import { utf8Decode } from './bytes.ts'

/** Constructor of the named error a reader throws, e.g. `EnvelopeFormatError`. */
export type ErrorClass = new (message: string, options?: ErrorOptions) => Error

/** Sequential strict reader over untrusted bytes. */
export interface Reader {
  /** Bytes consumed so far. */
  readonly offset: number
  /** Bytes left. */
  readonly remaining: number
  /** One byte. */
  byte(label: string): number
  /** A canonical (minimal) unsigned LEB128 varuint in `[min, max]`. */
  varUint(label: string, min?: number, max?: number): number
  /** Exactly `length` bytes, as a view (no copy). */
  bytes(label: string, length: number): Uint8Array
  /** A varuint length in `[min, max]` followed by that many bytes (a view). */
  varBytes(label: string, min: number, max: number): Uint8Array
  /** A varuint byte length ≤ `maxBytes` followed by that many bytes of valid UTF-8. */
  varString(label: string, maxBytes: number): string
  /** Throws unless every byte has been consumed. */
  end(label: string): void
}

class StrictReader implements Reader {
  readonly #arr: Uint8Array
  readonly #Err: ErrorClass
  #pos = 0

  constructor(arr: Uint8Array, Err: ErrorClass) {
    this.#arr = arr
    this.#Err = Err
  }

  get offset(): number {
    return this.#pos
  }

  get remaining(): number {
    return this.#arr.length - this.#pos
  }

  #fail(message: string, cause?: unknown): never {
    throw new this.#Err(message, cause === undefined ? undefined : { cause })
  }

  byte(label: string): number {
    const b = this.#arr[this.#pos]
    if (b === undefined) this.#fail(`${label}: unexpected end of input at byte ${this.#pos}`)
    this.#pos++
    return b
  }

  varUint(label: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    let value = 0
    let mult = 1
    for (let i = 0; ; i++) {
      // 8 groups of 7 bits cover 2^53; a 9th continuation can only encode an unsafe integer.
      if (i === 8) this.#fail(`${label}: varuint longer than 8 bytes`)
      const b = this.byte(label)
      value += (b & 0x7f) * mult
      if (b < 0x80) {
        // a final 0x00 after a continuation byte adds nothing: a longer spelling of a smaller number
        if (b === 0 && i > 0) this.#fail(`${label}: non-minimal varuint`)
        break
      }
      mult *= 128
    }
    if (value < min || value > max) this.#fail(`${label}: ${value} out of range ${min}..${max}`)
    return value
  }

  bytes(label: string, length: number): Uint8Array {
    if (length > this.remaining) {
      this.#fail(`${label}: needs ${length} bytes, ${this.remaining} left at byte ${this.#pos}`)
    }
    const view = this.#arr.subarray(this.#pos, this.#pos + length)
    this.#pos += length
    return view
  }

  varBytes(label: string, min: number, max: number): Uint8Array {
    const length = this.varUint(`${label} length`, min, max)
    return this.bytes(label, length)
  }

  varString(label: string, maxBytes: number): string {
    const raw = this.varBytes(label, 0, maxBytes)
    try {
      return utf8Decode(raw)
    } catch (err) {
      return this.#fail(`${label}: invalid UTF-8`, err)
    }
  }

  end(label: string): void {
    if (this.remaining !== 0) this.#fail(`${label}: ${this.remaining} trailing bytes`)
  }
}

/**
 * A strict reader over `bytes` that throws `Err` (a named error class) on any malformation.
 * @throws Never itself; its methods throw `Err`.
 * @example const r = createReader(bytes, EnvelopeFormatError); const v = r.byte('version')
 */
export function createReader(bytes: Uint8Array, Err: ErrorClass): Reader {
  return new StrictReader(bytes, Err)
}

/** Sequential writer producing the format `Reader` reads. */
export interface Writer {
  /** One byte (0..255). */
  byte(value: number): Writer
  /** Unsigned LEB128 varuint (minimal). */
  varUint(value: number): Writer
  /** Raw bytes, no length prefix. */
  bytes(value: Uint8Array): Writer
  /** Varuint length, then the bytes. */
  varBytes(value: Uint8Array): Writer
  /** Varuint UTF-8 byte length, then the UTF-8 bytes. */
  varString(value: string): Writer
  /** Bytes written so far. */
  readonly length: number
  /** The encoded bytes (a fresh array). */
  finish(): Uint8Array
}

class Lib0Writer implements Writer {
  readonly #enc = encoding.createEncoder()

  byte(value: number): Writer {
    encoding.writeUint8(this.#enc, value)
    return this
  }

  varUint(value: number): Writer {
    encoding.writeVarUint(this.#enc, value)
    return this
  }

  bytes(value: Uint8Array): Writer {
    encoding.writeUint8Array(this.#enc, value)
    return this
  }

  varBytes(value: Uint8Array): Writer {
    encoding.writeVarUint8Array(this.#enc, value)
    return this
  }

  varString(value: string): Writer {
    encoding.writeVarString(this.#enc, value)
    return this
  }

  get length(): number {
    return encoding.length(this.#enc)
  }

  finish(): Uint8Array {
    return encoding.toUint8Array(this.#enc)
  }
}

/**
 * A writer for lib0's binary format. Callers validate values first (see `validate.ts`):
 * the writer assumes integers are safe and non-negative and strings well-formed.
 * @throws Never.
 * @example const bytes = createWriter().byte(1).varUint(300).finish()
 */
export function createWriter(): Writer {
  return new Lib0Writer()
}

/**
 * Number of bytes `value` takes as a varuint.
 * @throws Never.
 */
export function varUintLength(value: number): number {
  let n = 1
  while (value >= 128) {
    value = Math.floor(value / 128)
    n++
  }
  return n
}
