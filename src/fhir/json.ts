/**
 * Small JSON helpers of the FHIR layer: type guards, canonical serialisation (for content
 * comparison and stable ids) and stable identifiers derived from SHA-256.
 */
import { sha256 } from '../crypto/index.ts'
import { toHex, utf8Encode } from '../lib/index.ts'

/**
 * Whether `value` is a non-null, non-array object.
 * @throws Never.
 */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * UTF-8 byte length of a string, without encoding it (a lone surrogate counts 3, as its U+FFFD would).
 * @throws Never.
 */
export function utf8Length(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4
      i++
    } else n += 3
  }
  return n
}

/**
 * JSON with object keys sorted at every level: equal content gives equal text whatever the
 * key order. `undefined` properties are left out, as `JSON.stringify` does.
 * @throws {TypeError} for values JSON cannot hold (bigint, cycles).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * Lower-case hex SHA-256 of the UTF-8 of `text`.
 * @throws Never.
 */
export function sha256Hex(text: string): string {
  return toHex(sha256(utf8Encode(text)))
}

/**
 * A UUID (RFC 9562 version 8, "custom") derived from SHA-256 of `name`: the same name
 * always gives the same UUID, so exports are reproducible.
 * @throws Never.
 * @example uuidFromName('Patient/p1') // 'xxxxxxxx-xxxx-8xxx-[89ab]xxx-xxxxxxxxxxxx'
 */
export function uuidFromName(name: string): string {
  const h = sha256Hex(`phr-fhir-uuid\n${name}`).slice(0, 32).split('')
  h[12] = '8' // RFC 9562 §5.8: version 8
  h[16] = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16) // variant 10xx
  const s = h.join('')
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`
}
