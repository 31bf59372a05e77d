/**
 * FHIR references inside a resource: finding and rewriting every `Reference.reference`
 * (R4 §2.3.0 references.html, "Resolving references in Bundles": bundle.html#references).
 */
import { isObject } from './json.ts'

/**
 * R4 references.html: a relative `[type]/[id]`, optionally `/_history/[vid]`. The id part is
 * read loosely (anything but `/`), so that a reference to an entry whose id is not a valid
 * FHIR id still finds that entry and follows it to its new id.
 */
const RELATIVE = /^([A-Z][A-Za-z]{1,63})\/([^/]{1,64})(?:\/_history\/[^/]{1,64})?$/
/** An absolute RESTful URL ending in `[type]/[id]` (optionally `/_history/[vid]`): its base and the relative part. */
const ABSOLUTE = /^((?:https?):\/\/.+?)\/([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/

/** A parsed reference string. */
export type ParsedReference =
  | { readonly kind: 'relative'; readonly type: string; readonly id: string }
  | { readonly kind: 'absolute'; readonly base: string; readonly type: string; readonly id: string }
  | { readonly kind: 'urn'; readonly value: string }
  | { readonly kind: 'contained'; readonly value: string }
  | { readonly kind: 'other'; readonly value: string }

/**
 * Parses a reference string.
 * @throws Never.
 */
export function parseReference(ref: string): ParsedReference {
  if (ref.startsWith('#')) return { kind: 'contained', value: ref }
  if (ref.startsWith('urn:uuid:') || ref.startsWith('urn:oid:')) return { kind: 'urn', value: ref }
  let m = RELATIVE.exec(ref)
  if (m !== null) return { kind: 'relative', type: m[1] as string, id: m[2] as string }
  m = ABSOLUTE.exec(ref)
  if (m !== null) return { kind: 'absolute', base: m[1] as string, type: m[2] as string, id: m[3] as string }
  return { kind: 'other', value: ref }
}

/**
 * The base of a RESTful fullUrl (`https://x/fhir/Patient/1` → `https://x/fhir`), or `undefined`.
 * @throws Never.
 */
export function fullUrlBase(fullUrl: string | undefined): string | undefined {
  if (fullUrl === undefined) return undefined
  const p = parseReference(fullUrl)
  return p.kind === 'absolute' ? p.base : undefined
}

/**
 * A deep copy of `value` where every `reference` string (of a Reference object) is replaced
 * by `rewrite(reference)` (left as is when it returns `undefined`).
 * @throws Never for JSON input.
 */
export function mapReferences(value: unknown, rewrite: (ref: string) => string | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => mapReferences(v, rewrite))
  if (!isObject(value)) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (k === 'reference' && typeof v === 'string') out[k] = rewrite(v) ?? v
    else out[k] = mapReferences(v, rewrite)
  }
  return out
}

/**
 * Every `reference` string in `value`.
 * @throws Never for JSON input.
 */
export function collectReferences(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) collectReferences(v, into)
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') into.push(v)
      else collectReferences(v, into)
    }
  }
  return into
}
