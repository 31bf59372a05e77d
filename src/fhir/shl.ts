/**
 * SMART Health Links (SHL Protocol Specification, docs.smarthealthit.org/smart-health-links/spec;
 * HL7 SMART Health Cards and Links IG STU1): the `shlink:/` payload, the manifest request
 * and response, and the files, each a compact JWE (`alg: dir`, `enc: A256GCM`) under the
 * link's 32-byte key. `jose` does the JWE; nothing is hand-rolled.
 *
 * Compression: jose 6 reads and writes `zip: "DEF"` itself (raw DEFLATE, RFC 7516 §4.1.3)
 * through the platform's CompressionStream, with a cap on the inflated size
 * (`maxDecompressedLength`), which we always set.
 */
import { base64url, compactDecrypt, CompactEncrypt, errors as joseErrors } from 'jose'
import { utf8Decode, utf8Encode } from '../lib/index.ts'
import { ShlDecryptError, ShlinkFormatError, ShlManifestFormatError, ShlTooLargeError } from './errors.ts'
import { isObject } from './json.ts'

/** The JSON payload of a `shlink:/` (spec "Construct a SHLink Payload"). */
export interface ShlinkPayload {
  /** Manifest URL (or, with flag `U`, the file's URL). ≤ 128 characters. */
  readonly url: string
  /** 43 characters: 32 random bytes, base64url. */
  readonly key: string
  /** Expiry, epoch seconds (a hint). */
  readonly exp?: number
  /** Single-character flags in alphabetical order: `L` long-term, `P` passcode, `U` direct file. */
  readonly flag?: string
  /** Short description, ≤ 80 characters. */
  readonly label?: string
  /** Protocol version; 1 when absent. */
  readonly v?: number
}

/** Cap on a link's text (a QR holds < 3 KiB; viewer URL prefixes add little). */
export const MAX_SHLINK_CHARS = 8192
/** Spec: the manifest `url` SHALL NOT exceed 128 characters. */
export const MAX_SHL_URL_CHARS = 128
/** Spec: `label` no longer than 80 characters. */
export const MAX_SHL_LABEL_CHARS = 80
/** Default cap on a JWE file's text: 16 MiB. */
export const DEFAULT_MAX_SHL_FILE_CHARS = 16 << 20
/** Default cap on a file's plaintext after inflating: 16 MiB. */
export const DEFAULT_MAX_SHL_PLAINTEXT_BYTES = 16 << 20

const KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/
const B64URL = /^[A-Za-z0-9_-]+$/
const PREFIX = 'shlink:/'

/**
 * The key bytes of a 43-character base64url key.
 * @throws {ShlinkFormatError} if `key` is not 43 base64url characters encoding 32 bytes.
 */
export function shlKeyBytes(key: string): Uint8Array {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) throw new ShlinkFormatError('key: expected 43 base64url characters (32 bytes)')
  const bytes = base64url.decode(key)
  if (bytes.length !== 32) throw new ShlinkFormatError(`key: decodes to ${bytes.length} bytes, expected 32`)
  return bytes
}

function checkPayload(p: Record<string, unknown>, creating: boolean): ShlinkPayload {
  const { url, key, exp, flag, label, v } = p
  if (typeof url !== 'string' || url === '') throw new ShlinkFormatError('payload.url: required string')
  if (url.length > MAX_SHL_URL_CHARS) throw new ShlinkFormatError(`payload.url: over ${MAX_SHL_URL_CHARS} characters`)
  if (!/^https:\/\//.test(url) && !/^http:\/\/(localhost|127\.0\.0\.1)(:|\/)/.test(url)) throw new ShlinkFormatError('payload.url: must be an https URL')
  if (typeof key !== 'string') throw new ShlinkFormatError('payload.key: required string')
  shlKeyBytes(key)
  if (exp !== undefined && (typeof exp !== 'number' || !Number.isFinite(exp) || exp < 0)) throw new ShlinkFormatError('payload.exp: must be epoch seconds')
  if (flag !== undefined) {
    // spec: single-character flags "in alphabetical order"; receivers SHALL ignore letters they do not know,
    // so a receiver is lenient about order, a creator is not
    if (typeof flag !== 'string' || !/^[A-Z]*$/.test(flag)) throw new ShlinkFormatError('payload.flag: must be capital letters')
    if (creating && ([...flag].sort().join('') !== flag || new Set(flag).size !== flag.length || /[^LPU]/.test(flag))) {
      throw new ShlinkFormatError('payload.flag: must be distinct letters of L, P, U in alphabetical order')
    }
    if (flag.includes('U') && flag.includes('P')) throw new ShlinkFormatError('payload.flag: U SHALL NOT be used with P')
  }
  if (label !== undefined && (typeof label !== 'string' || label.length > MAX_SHL_LABEL_CHARS)) {
    throw new ShlinkFormatError(`payload.label: must be a string of at most ${MAX_SHL_LABEL_CHARS} characters`)
  }
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1)) throw new ShlinkFormatError('payload.v: must be a positive integer')
  return {
    url,
    key,
    ...(exp === undefined ? {} : { exp }),
    ...(flag === undefined ? {} : { flag }),
    ...(label === undefined ? {} : { label }),
    ...(v === undefined ? {} : { v })
  }
}

/**
 * Decodes a SMART Health Link, bare (`shlink:/…`) or behind a viewer URL (`https://viewer#shlink:/…`).
 * Properties it does not know are ignored (spec: "SHALL ignore properties they don't recognize").
 * @throws {ShlinkFormatError} if there is no `shlink:/`, the payload is not base64url JSON, or a field is malformed.
 * @example decodeShlink('https://viewer.example.org#shlink:/eyJ1cmwiOi…').label // 'Back-to-school immunizations for Oliver Brown'
 */
export function decodeShlink(link: string): ShlinkPayload {
  if (typeof link !== 'string') throw new ShlinkFormatError('link: expected a string')
  if (link.length > MAX_SHLINK_CHARS) throw new ShlinkFormatError(`link: over ${MAX_SHLINK_CHARS} characters`)
  const text = link.trim()
  let encoded: string
  if (text.startsWith(PREFIX)) encoded = text.slice(PREFIX.length)
  else {
    // spec: "Optionally prefixed with a viewer URL that ends with #"
    const at = text.indexOf(`#${PREFIX}`)
    if (at < 0) throw new ShlinkFormatError('link: no "shlink:/" payload')
    encoded = text.slice(at + 1 + PREFIX.length)
  }
  if (!B64URL.test(encoded)) throw new ShlinkFormatError('link: payload is not base64url')
  let json: unknown
  try {
    json = JSON.parse(utf8Decode(base64url.decode(encoded)))
  } catch (err) {
    throw new ShlinkFormatError('link: payload is not base64url-encoded JSON', { cause: err })
  }
  if (!isObject(json)) throw new ShlinkFormatError('link: payload is not a JSON object')
  return checkPayload(json, false)
}

/**
 * Whether a link has expired (spec: `exp` is a hint "to help the SHL Receiving Application
 * determine if this QR is stale"; a receiver says so rather than fetching).
 * @throws Never.
 */
export function isShlinkExpired(payload: ShlinkPayload, nowMs: number = Date.now()): boolean {
  return payload.exp !== undefined && payload.exp * 1000 <= nowMs
}

/**
 * Makes a `shlink:/` link (spec: minified JSON, base64url, prefixed; optionally behind a viewer URL ending in `#`).
 * @throws {ShlinkFormatError} if a field breaks the spec's rules (url length, key format, flags, label length).
 * @example createShlink({ url: 'https://shl.example.org/m/abc', key, flag: 'P', label: 'For Dr Smith' }) // 'shlink:/eyJ…'
 */
export function createShlink(payload: ShlinkPayload, viewerUrl?: string): string {
  const p = checkPayload({ ...payload }, true)
  if (viewerUrl !== undefined && (typeof viewerUrl !== 'string' || !viewerUrl.endsWith('#'))) throw new ShlinkFormatError('viewerUrl: must end with "#"')
  return `${viewerUrl ?? ''}${PREFIX}${base64url.encode(utf8Encode(JSON.stringify(p)))}`
}

/**
 * A fresh random key for a new link (spec: 32 random bytes, base64url, 43 characters).
 * @throws Never.
 */
export function randomShlKey(): string {
  return base64url.encode(globalThis.crypto.getRandomValues(new Uint8Array(32)))
}

/**
 * Encrypts a JSON value as a SHL file: compact JWE, `alg: dir`, `enc: A256GCM`, `zip: DEF`,
 * `cty` the content type (spec "Encrypting and Decrypting Files").
 * @throws {ShlinkFormatError} if `key` is malformed.
 * @example const jwe = await encryptShlFile(ipsBundle, key) // 'eyJhbGciOiJkaXIi…'
 */
export async function encryptShlFile(json: unknown, key: string, contentType: string = 'application/fhir+json'): Promise<string> {
  const k = shlKeyBytes(key)
  return new CompactEncrypt(utf8Encode(JSON.stringify(json))).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', zip: 'DEF', cty: contentType }).encrypt(k)
}

/** Options of `decryptShlFile`. */
export interface DecryptShlInit {
  /** Cap on the JWE text. @default DEFAULT_MAX_SHL_FILE_CHARS */
  readonly maxFileChars?: number
  /** Cap on the (inflated) plaintext. @default DEFAULT_MAX_SHL_PLAINTEXT_BYTES */
  readonly maxPlaintextBytes?: number
}

/**
 * Decrypts a SHL file and parses its JSON (inflated first when the protected header says
 * `zip: DEF`).
 * @throws {ShlinkFormatError} if `key` is malformed.
 * @throws {ShlTooLargeError} if the JWE or its inflated plaintext is over its cap.
 * @throws {ShlDecryptError} for a wrong key, tampered bytes, a JWE that is not `dir`/`A256GCM`, or a plaintext that is not JSON.
 * @example const bundle = await decryptShlFile(manifest.files[0].embedded, payload.key)
 */
export async function decryptShlFile(jwe: string, key: string, init: DecryptShlInit = {}): Promise<unknown> {
  const k = shlKeyBytes(key)
  const maxChars = init.maxFileChars ?? DEFAULT_MAX_SHL_FILE_CHARS
  const maxPlain = init.maxPlaintextBytes ?? DEFAULT_MAX_SHL_PLAINTEXT_BYTES
  if (typeof jwe !== 'string') throw new ShlDecryptError('jwe: expected a compact JWE string')
  if (jwe.length > maxChars) throw new ShlTooLargeError(`jwe: over ${maxChars} characters`)
  let plaintext: Uint8Array
  try {
    const out = await compactDecrypt(jwe.trim(), k, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      maxDecompressedLength: maxPlain
    })
    plaintext = out.plaintext
  } catch (err) {
    if (err instanceof joseErrors.JWEInvalid && /exceeded the configured limit/.test(err.message)) {
      throw new ShlTooLargeError(`jwe: inflated plaintext over ${maxPlain} bytes`, { cause: err })
    }
    const why = err instanceof joseErrors.JWEDecryptionFailed ? 'wrong key or tampered file' : err instanceof Error ? err.message : String(err)
    throw new ShlDecryptError(`jwe: cannot decrypt (${why})`, { cause: err })
  }
  if (plaintext.length > maxPlain) throw new ShlTooLargeError(`jwe: plaintext over ${maxPlain} bytes`)
  try {
    return JSON.parse(utf8Decode(plaintext)) as unknown
  } catch (err) {
    throw new ShlDecryptError('jwe: decrypted content is not JSON', { cause: err })
  }
}

/** Body of the manifest request (spec "SHLink Manifest Request": POST to `url`, `content-type: application/json`). */
export interface ShlManifestRequest {
  /** Required: who is asking, shown to the sharing user. */
  readonly recipient: string
  /** Required when the link has flag `P`. */
  readonly passcode?: string
  /** Optional upper bound on the length of `embedded` files. */
  readonly embeddedLengthMax?: number
}

/** One file of a manifest: `location` (a short-lived URL, GET → `application/jose`) or `embedded` (the JWE itself). */
export interface ShlManifestFile {
  readonly contentType: string
  readonly location?: string
  readonly embedded?: string
  readonly lastUpdated?: string
}

/** The manifest response. */
export interface ShlManifest {
  readonly files: ShlManifestFile[]
  /** IG STU1: `finalized` | `can-change` | `no-longer-valid`, when the server says. */
  readonly status?: string
}

/** Content types a manifest file may have (spec; a `;fhirVersion=…` parameter is allowed). */
export const SHL_CONTENT_TYPES: readonly string[] = ['application/smart-health-card', 'application/smart-api-access', 'application/fhir+json']

/**
 * The HTTP request a receiver sends for a link's manifest: method, URL, headers and JSON body.
 * @throws {ShlinkFormatError} if the link has flag `U` (fetch the file with GET instead), or flag `P` without a passcode, or `recipient` is empty.
 * @example const req = manifestRequest(payload, { recipient: 'Dr Smith, City Clinic', passcode: '1234' }); await fetch(req.url, req)
 */
export function manifestRequest(
  payload: ShlinkPayload,
  body: ShlManifestRequest
): { method: 'POST'; url: string; headers: { 'content-type': 'application/json' }; body: string } {
  const flag = payload.flag ?? ''
  if (flag.includes('U')) throw new ShlinkFormatError('flag U: the url is the file itself (GET with ?recipient=), there is no manifest')
  if (typeof body.recipient !== 'string' || body.recipient.trim() === '') throw new ShlinkFormatError('recipient: required')
  if (flag.includes('P') && (typeof body.passcode !== 'string' || body.passcode === '')) throw new ShlinkFormatError('passcode: required by flag P')
  const json: Record<string, unknown> = { recipient: body.recipient }
  if (flag.includes('P')) json['passcode'] = body.passcode
  if (body.embeddedLengthMax !== undefined) {
    if (!Number.isSafeInteger(body.embeddedLengthMax) || body.embeddedLengthMax < 0) throw new ShlinkFormatError('embeddedLengthMax: must be a non-negative integer')
    json['embeddedLengthMax'] = body.embeddedLengthMax
  }
  return { method: 'POST', url: payload.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }
}

/**
 * Checks a manifest response: a `files` array, each with a known `contentType` and exactly
 * one of `location` (https) or `embedded` (a compact JWE). Unknown properties are ignored.
 * @throws {ShlManifestFormatError} naming the offending file.
 */
export function parseManifest(json: unknown): ShlManifest {
  if (!isObject(json) || !Array.isArray(json['files'])) throw new ShlManifestFormatError('manifest: expected an object with a files array')
  const files = (json['files'] as unknown[]).map((f, i): ShlManifestFile => {
    if (!isObject(f)) throw new ShlManifestFormatError(`files[${i}]: expected an object`)
    const ct = f['contentType']
    if (typeof ct !== 'string' || !SHL_CONTENT_TYPES.includes(ct.split(';')[0]?.trim() ?? '')) throw new ShlManifestFormatError(`files[${i}].contentType: not a SHL content type`)
    const { location, embedded, lastUpdated } = f
    if ((location === undefined) === (embedded === undefined)) throw new ShlManifestFormatError(`files[${i}]: needs exactly one of location or embedded`)
    if (location !== undefined && (typeof location !== 'string' || !/^https?:\/\//.test(location))) throw new ShlManifestFormatError(`files[${i}].location: not a URL`)
    if (embedded !== undefined && (typeof embedded !== 'string' || embedded.split('.').length !== 5)) throw new ShlManifestFormatError(`files[${i}].embedded: not a compact JWE`)
    return {
      contentType: ct,
      ...(typeof location === 'string' ? { location } : {}),
      ...(typeof embedded === 'string' ? { embedded } : {}),
      ...(typeof lastUpdated === 'string' ? { lastUpdated } : {})
    }
  })
  const status = json['status']
  return { files, ...(typeof status === 'string' ? { status } : {}) }
}

/**
 * The manifest a sharing server returns for files (spec "SHLink Manifest File").
 * @throws Never.
 */
export function createManifest(files: readonly ShlManifestFile[], status?: string): ShlManifest {
  return { files: files.map((f) => ({ ...f })), ...(status === undefined ? {} : { status }) }
}
