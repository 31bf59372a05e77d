/**
 * Reading a FHIR R4 Bundle (hl7.org/fhir/R4/bundle.html) entry by entry: every entry whose
 * resource has a `resourceType` is returned, every other entry is reported with its index
 * and a reason. One bad entry never aborts the rest.
 */
import { BundleFormatError } from './errors.ts'
import { isObject, utf8Length } from './json.ts'
import { InputTooLargeError } from '../lib/index.ts'

/**
 * Bundle types read (R4 `bundle-type`, required binding). `history` and `batch` are read
 * like the others: their entries' resources are taken as they are (a DELETE has none and
 * is reported).
 */
export const READABLE_BUNDLE_TYPES: readonly string[] = Object.freeze([
  'document',
  'collection',
  'transaction',
  'transaction-response',
  'batch',
  'batch-response',
  'searchset',
  'history'
])

/** Default cap on a Bundle's JSON text given to `parseBundleJson`: 64 MiB. */
export const DEFAULT_MAX_BUNDLE_BYTES = 64 << 20

/** One entry that carries a resource. */
export interface BundleEntryRead {
  /** 0-based index in `Bundle.entry`. */
  readonly index: number
  /** `entry.fullUrl`, when it is a string. */
  readonly fullUrl?: string
  /** The resource, as given (not copied, not validated beyond having a `resourceType`). */
  readonly resource: { readonly resourceType: string; readonly id?: string; readonly [k: string]: unknown }
  /** `entry.request.method`, for transaction/batch/history entries. */
  readonly method?: string
}

/** An entry that was not taken. */
export interface RejectedEntry {
  /** 0-based index in `Bundle.entry`. */
  readonly index: number
  /** Why, in words a user can act on. */
  readonly reason: string
  /** The offending element when known (`Observation.code`). */
  readonly field?: string
}

/** What `readBundle` found. */
export interface ReadBundleResult {
  /** `Bundle.type`. */
  readonly type: string
  /** The resources, in entry order (a document's Composition included). */
  readonly resources: Array<BundleEntryRead['resource']>
  /** The same resources with their index, fullUrl and request method. */
  readonly entries: BundleEntryRead[]
  /** Entries without a usable resource. */
  readonly rejected: RejectedEntry[]
}

/**
 * Reads the entries of a FHIR R4 Bundle.
 * @throws {BundleFormatError} if `json` is not a Bundle object, its `type` is missing or not one of `READABLE_BUNDLE_TYPES`, or `entry` is present and not an array.
 * @example readBundle({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', id: 'p' } }, {}] })
 *   // { type: 'collection', resources: [{ resourceType: 'Patient', id: 'p' }], rejected: [{ index: 1, reason: 'entry has no resource' }], … }
 */
export function readBundle(json: unknown): ReadBundleResult {
  if (!isObject(json)) throw new BundleFormatError('bundle: expected a JSON object')
  if (json['resourceType'] !== 'Bundle') {
    throw new BundleFormatError(`bundle: resourceType must be "Bundle", got ${JSON.stringify(json['resourceType']) ?? 'nothing'}`)
  }
  const type = json['type']
  if (typeof type !== 'string' || !READABLE_BUNDLE_TYPES.includes(type)) {
    throw new BundleFormatError(`Bundle.type must be one of ${READABLE_BUNDLE_TYPES.join('|')}, got ${JSON.stringify(type) ?? 'nothing'}`)
  }
  const raw = json['entry']
  if (raw !== undefined && !Array.isArray(raw)) throw new BundleFormatError('Bundle.entry must be an array')
  const entries: BundleEntryRead[] = []
  const rejected: RejectedEntry[] = []
  const list: unknown[] = raw ?? []
  for (let index = 0; index < list.length; index++) {
    const e = list[index]
    if (!isObject(e)) {
      rejected.push({ index, reason: 'entry is not a JSON object' })
      continue
    }
    const request = e['request']
    const method = isObject(request) && typeof request['method'] === 'string' ? request['method'] : undefined
    const r = e['resource']
    if (r === undefined || r === null) {
      // batch-response / transaction-response entries may carry only `response`; a DELETE only `request`
      const what = method !== undefined ? `a ${method} request without a resource` : isObject(e['response']) ? 'a response without a resource' : 'no resource'
      rejected.push({ index, reason: `entry has ${what}` })
      continue
    }
    if (!isObject(r)) {
      rejected.push({ index, reason: 'entry.resource is not a JSON object', field: 'resource' })
      continue
    }
    const rt = r['resourceType']
    if (typeof rt !== 'string' || rt === '') {
      rejected.push({ index, reason: 'entry.resource has no resourceType', field: 'resourceType' })
      continue
    }
    const fullUrl = typeof e['fullUrl'] === 'string' ? e['fullUrl'] : undefined
    const resource = r as BundleEntryRead['resource']
    entries.push({ index, resource, ...(fullUrl === undefined ? {} : { fullUrl }), ...(method === undefined ? {} : { method }) })
  }
  return { type, resources: entries.map((e) => e.resource), entries, rejected }
}

/**
 * Parses Bundle JSON text after checking its size, then reads it (`readBundle`).
 * @throws {InputTooLargeError} if `text` is over `maxBytes` UTF-8 bytes (checked before parsing).
 * @throws {BundleFormatError} if it is not JSON or not a readable Bundle.
 */
export function parseBundleJson(text: string, maxBytes: number = DEFAULT_MAX_BUNDLE_BYTES): ReadBundleResult {
  if (typeof text !== 'string') throw new TypeError('text: expected a string')
  // STYLE: size-cap every untrusted input before parsing it (length is a lower bound of the bytes)
  if (text.length > maxBytes || utf8Length(text) > maxBytes) throw new InputTooLargeError(`bundle: over ${maxBytes} bytes`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new BundleFormatError(`bundle: not JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err })
  }
  return readBundle(json)
}
