/**
 * Argument checks of the rules, in the style of `src/lib/validate.ts`: `TypeError` for a
 * value that is not a finite number (or of the wrong type), `RangeError` for one outside
 * its physiological range, each message labelled with the argument.
 */

/**
 * Returns `value` if it is a finite number within `[min, max]`.
 * @throws {TypeError} if it is not a number, or NaN / ±Infinity.
 * @throws {RangeError} if it is outside `[min, max]`.
 */
export function finiteIn(value: unknown, label: string, min: number, max: number, unit: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${label}: expected a finite number of ${unit}, got ${typeof value === 'number' ? String(value) : typeof value}`)
  }
  if (value < min || value > max) throw new RangeError(`${label}: expected ${min}..${max} ${unit}, got ${value}`)
  return value
}

/**
 * Returns `value` if it is an array of at most `max` items.
 * @throws {TypeError} if it is not an array.
 * @throws {RangeError} if it has more than `max` items (or fewer than `min`).
 */
export function arrayOf<T>(value: unknown, label: string, min: number, max: number): readonly T[] {
  if (!Array.isArray(value)) throw new TypeError(`${label}: expected an array, got ${value === null ? 'null' : typeof value}`)
  if (value.length < min || value.length > max) throw new RangeError(`${label}: expected ${min}..${max} items, got ${value.length}`)
  return value as readonly T[]
}

/** Epoch ms from 1970 to 9999 (the record's sample range). */
export const MAX_TIME = 253_402_300_799_999

/**
 * Returns `t` if it is epoch ms in 1970..9999.
 * @throws {TypeError} if it is not a finite number.
 * @throws {RangeError} if it is out of range.
 */
export function timeOf(t: unknown, label: string): number {
  return finiteIn(t, label, 0, MAX_TIME, 'ms since 1970')
}
