/**
 * Export of the record (or chosen compartments) as one FHIR R4 Bundle of type `collection`
 * (hl7.org/fhir/R4/bundle.html). Every entry gets a `urn:uuid:` fullUrl derived from its
 * compartment and key (the same record exports the same fullUrls), and every reference to a
 * resource of the export is rewritten to that fullUrl, so the Bundle resolves on its own.
 */
import type { Compartment, FhirResource } from '../record/index.ts'
import { isWithdrawn } from '../record/index.ts'
import { uuidFromName } from './json.ts'
import { mapReferences, parseReference } from './references.ts'

/** A FHIR R4 Bundle as this layer writes it. */
export interface FhirBundle {
  readonly resourceType: 'Bundle'
  readonly id: string
  readonly identifier: { readonly system: string; readonly value: string }
  readonly type: 'collection' | 'document'
  readonly timestamp: string
  readonly entry: Array<{ readonly fullUrl: string; readonly resource: FhirResource }>
}

/** Options of `exportBundle`. */
export interface ExportInit {
  /** Include withdrawn (entered-in-error) resources: a backup keeps them, marked as such. @default true */
  readonly includeWithdrawn?: boolean
  /** Only these resource types. @default every type */
  readonly types?: readonly string[]
  /** Wall clock for `Bundle.timestamp`. @default Date.now */
  readonly clock?: () => number
  /** `Bundle.id` and the uuid of `Bundle.identifier`. @default crypto.randomUUID() */
  readonly bundleUuid?: string
}

/**
 * The resources of `compartments` as one `collection` Bundle. A `Type/id` held in two
 * compartments (rare: ids are unique per compartment) is referred to as the first one given.
 * @throws Never for compartments of the record.
 * @example const bundle = exportBundle([core, results, vitals], { includeWithdrawn: false })
 */
export function exportBundle(compartments: Iterable<Compartment>, init: ExportInit = {}): FhirBundle {
  const includeWithdrawn = init.includeWithdrawn ?? true
  const want = init.types === undefined ? undefined : new Set(init.types)
  const picked: { fullUrl: string; resource: FhirResource }[] = []
  const urnByKey = new Map<string, string>()
  for (const c of compartments) {
    for (const type of c.resources.types()) {
      if (want !== undefined && !want.has(type)) continue
      for (const r of c.resources.list(type, { includeWithdrawn })) {
        if (!includeWithdrawn && isWithdrawn(r)) continue
        const key = `${type}/${r.id}`
        const fullUrl = `urn:uuid:${uuidFromName(`${c.kind}/${key}`)}`
        if (!urnByKey.has(key)) urnByKey.set(key, fullUrl)
        picked.push({ fullUrl, resource: r })
      }
    }
  }
  const entry = picked.map(({ fullUrl, resource }) => ({ fullUrl, resource: withFullUrlReferences(resource, urnByKey) }))
  const uuid = init.bundleUuid ?? globalThis.crypto.randomUUID()
  return {
    resourceType: 'Bundle',
    id: uuid,
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${uuid}` },
    type: 'collection',
    timestamp: new Date((init.clock ?? Date.now)()).toISOString(),
    entry
  }
}

/**
 * A copy of `resource` whose relative references to keys in `urnByKey` point at their fullUrl.
 * @throws Never.
 */
export function withFullUrlReferences(resource: FhirResource, urnByKey: ReadonlyMap<string, string>): FhirResource {
  return mapReferences(resource, (ref) => {
    const p = parseReference(ref)
    return p.kind === 'relative' ? urnByKey.get(`${p.type}/${p.id}`) : undefined
  }) as FhirResource
}
