/**
 * Plain-JSON checks for values going into a compartment. Yjs stores a JSON value by
 * reference locally and re-encodes it (lib0 `writeAny`) for peers, so a value must be a
 * fresh, plain, finite, well-formed-Unicode JSON tree: otherwise the local and the remote
 * copy could differ.
 */
import { ResourceInvalidError } from './errors.ts'
import type { JsonValue } from './fhir-types.ts'

/** Deepest nesting accepted (FHIR resources nest well under 30 levels, extensions included). */
export const MAX_JSON_DEPTH = 64

const LONE_SURROGATE = /\p{Cs}/u

/**
 * A deep copy of `value` if it is plain JSON data, else a `ResourceInvalidError` naming the
 * offending path. `-0` becomes `0` (JSON has no negative zero); object properties whose value
 * is `undefined` are left out, as `JSON.stringify` does.
 * @throws {ResourceInvalidError} for `undefined` array items, functions, symbols, bigints, non-finite
 * numbers, lone surrogates, non-plain objects, sparse arrays, `__proto__` keys, cycles or
 * nesting deeper than `MAX_JSON_DEPTH`.
 */
export function cloneJson(value: unknown, path: string, depth = 0): JsonValue {
  if (depth > MAX_JSON_DEPTH) throw new ResourceInvalidError(path, `nests deeper than ${MAX_JSON_DEPTH} levels`)
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new ResourceInvalidError(path, 'is not well-formed Unicode (lone surrogate)')
      return value
    case 'number':
      if (!Number.isFinite(value)) throw new ResourceInvalidError(path, `must be a finite number, got ${value}`)
      return value === 0 ? 0 : value
    case 'boolean':
      return value
    case 'object': {
      if (value === null) return null
      if (Array.isArray(value)) {
        const out: JsonValue[] = new Array<JsonValue>(value.length)
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) throw new ResourceInvalidError(`${path}[${i}]`, 'is a hole in a sparse array')
          out[i] = cloneJson(value[i], `${path}[${i}]`, depth + 1)
        }
        return out
      }
      const proto = Object.getPrototypeOf(value) as unknown
      if (proto !== Object.prototype && proto !== null) {
        throw new ResourceInvalidError(path, 'must be plain JSON data (a plain object, array, string, number, boolean or null)')
      }
      const out: Record<string, JsonValue> = {}
      for (const key of Object.keys(value)) {
        // a "__proto__" key would set the prototype of the copy (and of lib0's decoded copy)
        if (key === '__proto__') throw new ResourceInvalidError(`${path}.__proto__`, 'is not an allowed key')
        if (LONE_SURROGATE.test(key)) throw new ResourceInvalidError(path, 'has a key that is not well-formed Unicode')
        const v = (value as Record<string, unknown>)[key]
        // as JSON.stringify does: a property set to undefined is absent
        if (v !== undefined) out[key] = cloneJson(v, `${path}.${key}`, depth + 1)
      }
      if (Object.getOwnPropertySymbols(value).length > 0) throw new ResourceInvalidError(path, 'has symbol keys')
      return out
    }
    default:
      throw new ResourceInvalidError(path, `must be plain JSON data, got ${typeof value}`)
  }
}

/**
 * Freezes a JSON tree in place, deeply; returns it.
 * @throws Never.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}

/**
 * UTF-8 byte length of a well-formed string, without encoding it.
 * @throws Never.
 */
export function utf8Length(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4 // a surrogate pair: one 4-byte sequence
      i++
    } else n += 3
  }
  return n
}

/**
 * Whether `value` is a non-null, non-array object.
 * @throws Never.
 */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
