/**
 * Argument validation at API boundaries, in the style of noble's `abytes`: `TypeError`
 * for a wrong type, `RangeError` for a wrong length or value, each message labelled
 * with the argument's name.
 */

const WELL_FORMED = /\p{Cs}/u // any lone surrogate code unit
const encoder = new TextEncoder()

/**
 * Asserts `value` is a `Uint8Array`, of exactly `length` bytes when given.
 * @throws {TypeError} if `value` is not a `Uint8Array`.
 * @throws {RangeError} if its length differs from `length`.
 * @example assertBytes(key, 'epochKey', 32)
 */
export function assertBytes(value: unknown, label: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${label}: expected Uint8Array, got ${value === null ? 'null' : typeof value}`)
  }
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${label}: expected ${length} bytes, got ${value.length}`)
  }
}

/**
 * Asserts `value` is a `Uint8Array` whose length is within `[min, max]`.
 * @throws {TypeError} if `value` is not a `Uint8Array`.
 * @throws {RangeError} if its length is out of range.
 */
export function assertBytesInRange(value: unknown, label: string, min: number, max: number): asserts value is Uint8Array {
  assertBytes(value, label)
  if (value.length < min || value.length > max) {
    throw new RangeError(`${label}: expected ${min}..${max} bytes, got ${value.length}`)
  }
}

/**
 * Asserts `value` is an integer in `[min, max]` (default `0..Number.MAX_SAFE_INTEGER`).
 * @throws {TypeError} if `value` is not a number or not an integer.
 * @throws {RangeError} if it is out of range.
 */
export function assertUint(
  value: unknown,
  label: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER
): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${label}: expected an integer, got ${typeof value === 'number' ? String(value) : typeof value}`)
  }
  if (value < min || value > max) throw new RangeError(`${label}: expected ${min}..${max}, got ${value}`)
}

/**
 * Asserts `value` is well-formed text (no lone surrogates) of at most `maxBytes` UTF-8 bytes.
 * @throws {TypeError} if `value` is not a string.
 * @throws {RangeError} if it has a lone surrogate or is too long.
 */
export function assertText(value: unknown, label: string, maxBytes: number): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${label}: expected string, got ${typeof value}`)
  if (WELL_FORMED.test(value)) throw new RangeError(`${label}: not well-formed Unicode (lone surrogate)`)
  const n = encoder.encode(value).length
  if (n > maxBytes) throw new RangeError(`${label}: expected at most ${maxBytes} UTF-8 bytes, got ${n}`)
}

/**
 * Asserts `value` is a function.
 * @throws {TypeError} if it is not.
 */
export function assertFunction(value: unknown, label: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw new TypeError(`${label}: expected function, got ${typeof value}`)
}
