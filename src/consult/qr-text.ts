/**
 * The text of a prescription's QR code: `phr-rx:` followed by the compact JWS in numeric
 * form, two digits per character (`ord(c) − 45`, as SMART Health Cards encode `shc:/`
 * QR codes). A QR code holds digits in numeric mode at 3⅓ bits each, so a base64url
 * character costs 6⅔ bits instead of the 8 of byte mode: about two QR versions smaller.
 */
import { PrescriptionFormatError, PrescriptionTooLargeError } from './errors.ts'

/** The prefix of a prescription's QR text. */
export const PRESCRIPTION_QR_PREFIX = 'phr-rx:'
/** Longest prescription text read (a version-40 QR code holds at most 7,089 digits). */
export const MAX_PRESCRIPTION_TEXT_CHARS = 8192

const JWS_CHARS = /^[A-Za-z0-9_.-]*$/
const DIGITS = /^[0-9]*$/
/** 'z' − 45: the largest pair a JWS character gives. */
const MAX_PAIR = 77

/**
 * The QR text of a compact JWS.
 * @throws {TypeError} if `jws` is not a string.
 * @throws {RangeError} if it holds a character a compact JWS never has.
 * @example prescriptionQrText('eyJh…') // 'phr-rx:5652…'
 */
export function prescriptionQrText(jws: string): string {
  if (typeof jws !== 'string') throw new TypeError(`jws: expected string, got ${typeof jws}`)
  if (!JWS_CHARS.test(jws)) throw new RangeError('jws: not a compact JWS (base64url and dots only)')
  let out = PRESCRIPTION_QR_PREFIX
  for (let i = 0; i < jws.length; i++) out += String(jws.charCodeAt(i) - 45).padStart(2, '0')
  return out
}

/**
 * The compact JWS in a prescription text: the numeric `phr-rx:` form of a QR code, or a
 * bare compact JWS (as copied from the record). Surrounding whitespace is ignored.
 * @throws {TypeError} if `text` is not a string.
 * @throws {PrescriptionTooLargeError} if it is longer than `MAX_PRESCRIPTION_TEXT_CHARS` (before anything else).
 * @throws {PrescriptionFormatError} if it is neither form.
 */
export function jwsFromPrescriptionText(text: string): string {
  if (typeof text !== 'string') throw new TypeError(`text: expected string, got ${typeof text}`)
  if (text.length > MAX_PRESCRIPTION_TEXT_CHARS) throw new PrescriptionTooLargeError(`prescription: longer than ${MAX_PRESCRIPTION_TEXT_CHARS} characters`)
  const t = text.trim()
  if (!t.startsWith(PRESCRIPTION_QR_PREFIX)) {
    if (t.length === 0 || !JWS_CHARS.test(t)) throw new PrescriptionFormatError('prescription: neither a phr-rx: text nor a compact JWS')
    return t
  }
  const digits = t.slice(PRESCRIPTION_QR_PREFIX.length)
  if (digits.length === 0 || digits.length % 2 !== 0 || !DIGITS.test(digits)) throw new PrescriptionFormatError('prescription: phr-rx: must be followed by an even number of digits')
  let jws = ''
  for (let i = 0; i < digits.length; i += 2) {
    const pair = Number(digits.slice(i, i + 2))
    if (pair > MAX_PAIR) throw new PrescriptionFormatError(`prescription: digit pair ${i / 2} (${pair}) is no JWS character`)
    jws += String.fromCharCode(pair + 45)
  }
  if (!JWS_CHARS.test(jws)) throw new PrescriptionFormatError('prescription: the digits spell a character a compact JWS never has')
  return jws
}
