/**
 * Import of a FHIR R4 Bundle into the record's compartments.
 *
 * Steps: read the entries (`readBundle`); give each resource the id it will have (its own
 * when it is a valid FHIR id not taken by another entry, else a stable one derived from
 * SHA-256 of the entry, so re-importing the same file gives the same ids); validate it with
 * the record's validator; route it (`sensitive` per `isSensitive`, else the record's
 * `compartmentFor`: unknown types go to `notes`, where the record keeps "types this layer
 * does not know"); recognise duplicates (same identifier, or same content once references are
 * rewritten, in the target compartment or earlier in the same Bundle); rewrite references
 * (`urn:uuid:` fullUrls, absolute RESTful URLs and relative `Type/id`) to the stored
 * `Type/id`; store each compartment's resources in ONE transaction (`Compartment.batch`).
 *
 * Duplicates and references depend on each other (a Condition is a duplicate only once its
 * subject points at the Patient already stored), so the rewrite → compare pass repeats until
 * nothing changes; each entry changes state at most twice, so it ends.
 */
import {
  compartmentFor,
  validateResource,
  RESOURCE_ID_PATTERN,
  DEFAULT_MAX_RESOURCE_BYTES,
  type Compartment,
  type CompartmentKind,
  type FhirResource
} from '../record/index.ts'
import { readBundle, type BundleEntryRead, type RejectedEntry } from './bundle.ts'
import { canonicalJson, isObject, sha256Hex } from './json.ts'
import { fullUrlBase, mapReferences, parseReference } from './references.ts'
import { isSensitive } from './sensitive.ts'

/** Gives the compartment of a kind (the caller creates or loads it). */
export type CompartmentAccessor = (kind: CompartmentKind) => Compartment

/** Options of `importBundle`. */
export interface ImportInit {
  /** The record's compartments, by kind. */
  readonly compartment: CompartmentAccessor
  /** Called with (entries done, entries in the Bundle) while storing, and once at the end. @default none */
  readonly onProgress?: (done: number, total: number) => void
  /** Overrides the route of a resource; `undefined` keeps the default (`routeResource`). @default none */
  readonly route?: (resource: FhirResource) => CompartmentKind | undefined
}

/** A stored entry. */
export interface ImportedEntry {
  readonly index: number
  readonly kind: CompartmentKind
  readonly resourceType: string
  readonly id: string
  /** `<resourceType>/<id>` in `kind`. */
  readonly key: string
  /** The id in the Bundle, when it differed (invalid, missing or colliding). */
  readonly originalId?: string
}

/** An entry not stored because the record (or an earlier entry) already holds it. */
export interface DuplicateEntry {
  readonly index: number
  readonly reason: 'duplicate'
  /** What matched: the same `system|value` identifier, or the same content (ids and meta aside). */
  readonly by: 'identifier' | 'content'
  readonly kind: CompartmentKind
  /** `<resourceType>/<id>` of the resource already held. */
  readonly key: string
}

/** A reference that could not be resolved to a resource of the Bundle and that points nowhere in the record. */
export interface UnresolvedReference {
  readonly index: number
  readonly reference: string
}

/** What `importBundle` did, entry by entry. */
export interface ImportReport {
  /** Number of entries in the Bundle. */
  readonly total: number
  readonly stored: ImportedEntry[]
  readonly duplicates: DuplicateEntry[]
  /** Entries not taken: no resource, or refused by the record's validator (`field` names the element). */
  readonly rejected: RejectedEntry[]
  /** `urn:uuid:` references to no entry of the Bundle (kept as they are). */
  readonly unresolved: UnresolvedReference[]
}

/**
 * The default compartment of an imported resource: `sensitive` when `isSensitive`, else the
 * record's `compartmentFor` (unknown types → `notes`).
 * @throws Never.
 */
export function routeResource(resource: FhirResource): CompartmentKind {
  return isSensitive(resource) ? 'sensitive' : compartmentFor(resource)
}

interface State {
  readonly entry: BundleEntryRead
  readonly type: string
  readonly base: string | undefined
  id: string
  originalId: string | undefined
  kind: CompartmentKind
  collided: boolean
  dup: { by: 'identifier' | 'content'; key?: string; of?: State } | undefined
  resource: FhirResource
}

interface ExistingIndex {
  readonly byContent: Map<string, string>
  readonly byIdentifier: Map<string, string>
}

const keyOf = (s: State): string => {
  if (s.dup?.of !== undefined) return keyOf(s.dup.of)
  if (s.dup?.key !== undefined) return s.dup.key
  return `${s.type}/${s.id}`
}

/** Content for comparison: everything but `id` and `meta` (the record's version stamps). */
function contentOf(r: Record<string, unknown>): string {
  const { id: _id, meta: _meta, ...rest } = r
  return canonicalJson(rest)
}

function identifierTokens(r: Record<string, unknown>): string[] {
  const raw = r['identifier']
  const list: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
  const out: string[] = []
  for (const i of list) {
    if (isObject(i) && typeof i['system'] === 'string' && typeof i['value'] === 'string' && i['value'] !== '') out.push(`${i['system']}|${i['value']}`)
  }
  return out
}

function stableId(e: BundleEntryRead, salt: string): string {
  // 32 hex characters: a valid FHIR id, the same for the same entry of the same file
  return sha256Hex(`${salt}\n${e.resource.resourceType}\n${e.fullUrl ?? ''}\n${canonicalJson(e.resource)}`).slice(0, 32)
}

/**
 * A Bundle read and checked, before anything of the record is looked at: steps 1–2 of the
 * file comment (the ids entries will have, the record's validator). It needs no record, so it
 * can be made in a worker (`import-worker.ts`), and it is plain data (structured-cloneable).
 */
export interface PreparedBundle {
  /** Number of entries in the Bundle. */
  readonly total: number
  /** Entries refused so far (no resource, or refused by the validator). */
  readonly rejected: RejectedEntry[]
  readonly entries: PreparedEntry[]
}

/** One entry of a `PreparedBundle` that passed the validator. */
export interface PreparedEntry {
  readonly entry: BundleEntryRead
  /** The id it will have. */
  readonly id: string
  /** The id in the Bundle, when it differed. */
  readonly originalId: string | undefined
}

/**
 * Steps 1–2 of the import (see the file comment): reads the Bundle, gives each entry the id it
 * will have and runs the record's validator on it.
 * @throws {BundleFormatError} if `bundle` is not a readable Bundle (see `readBundle`).
 */
export function prepareBundle(bundle: unknown): PreparedBundle {
  const read = readBundle(bundle)
  const total = read.entries.length + read.rejected.length
  const rejected: RejectedEntry[] = [...read.rejected]
  const entries: PreparedEntry[] = []
  // 1. ids: own id when valid and not taken by an earlier entry, else a stable derived one
  const taken = new Set<string>()
  for (const entry of read.entries) {
    const type = entry.resource.resourceType
    const own = entry.resource.id
    let id = typeof own === 'string' && RESOURCE_ID_PATTERN.test(own) && !taken.has(`${type}/${own}`) ? own : stableId(entry, 'id')
    for (let n = 1; taken.has(`${type}/${id}`); n++) id = stableId(entry, `id${n}`)
    taken.add(`${type}/${id}`)
    const originalId = id === own ? undefined : typeof own === 'string' ? own : undefined
    // 2. the record's validator, on the resource with the id it will have
    try {
      validateResource({ ...entry.resource, id }, DEFAULT_MAX_RESOURCE_BYTES)
    } catch (err) {
      rejected.push(rejection(entry.index, err))
      continue
    }
    entries.push({ entry, id, originalId })
  }
  return { total, rejected, entries }
}

/**
 * Imports a FHIR R4 Bundle into the record (see the file comment for the steps), each
 * compartment's resources in one transaction.
 * @throws {BundleFormatError} if `bundle` is not a readable Bundle (see `readBundle`); entry problems are reported, never thrown.
 * @example
 * const report = importBundle(json, { compartment: (kind) => record[kind] })
 * report.stored.length; report.duplicates; report.rejected // [{ index: 3, reason: 'ResourceInvalidError: Observation.code is required', field: 'Observation.code' }]
 */
export function importBundle(bundle: unknown, init: ImportInit): ImportReport {
  const steps = importSteps(prepareBundle(bundle), init, Number.POSITIVE_INFINITY)
  for (;;) {
    const r = steps.next()
    if (r.done === true) return r.value
  }
}

/** Options of `importPreparedInSlices`. */
export interface SlicedImportOptions {
  /** Work this long at most before giving the page a turn. @default 12 */
  readonly sliceMs?: number
  /** Resources stored per transaction. @default 16 */
  readonly storeBatch?: number
  /** Gives the page a turn. @default a `setTimeout(0)` */
  readonly yieldToPage?: () => Promise<void>
  /** The clock of the slices. @default performance.now */
  readonly now?: () => number
}

/**
 * Steps 3–6 of the import of a `PreparedBundle` (made here or in a worker), in slices of at
 * most about `sliceMs` that give the page a turn in between, so a Bundle of thousands of
 * resources never freezes it. Every decision (routes, duplicates, references, ids) is made
 * before the first resource is stored; storing then runs in transactions of `storeBatch`
 * resources, without a check of the abort signal in between, so that an import that started
 * storing finishes. The record's other writers may change it between slices: a resource
 * written meanwhile is not seen as a duplicate.
 * @throws Never for entry problems (they are reported).
 */
export async function importPreparedInSlices(prepared: PreparedBundle, init: ImportInit, opts: SlicedImportOptions = {}): Promise<ImportReport> {
  const sliceMs = opts.sliceMs ?? 12
  const now = opts.now ?? (() => performance.now())
  const yieldToPage = opts.yieldToPage ?? ((): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0)))
  const steps = importSteps(prepared, init, opts.storeBatch ?? 16)
  let last = now()
  for (;;) {
    const r = steps.next()
    if (r.done === true) return r.value
    if (now() - last >= sliceMs) {
      await yieldToPage()
      last = now()
    }
  }
}

/** How many entries a step handles between two points where a sliced import may pause. */
const STEP_EVERY = 4

/**
 * Steps 3–6 of the import as a generator that pauses (yields) every few entries; resources
 * are stored `storeBatch` per transaction (`Infinity`: one transaction per compartment).
 */
function* importSteps(prepared: PreparedBundle, init: ImportInit, storeBatch: number): Generator<void, ImportReport> {
  const total = prepared.total
  const rejected: RejectedEntry[] = [...prepared.rejected]
  const duplicates: DuplicateEntry[] = []
  const stored: ImportedEntry[] = []
  const unresolved: UnresolvedReference[] = []
  const comps = new Map<CompartmentKind, Compartment>()
  const comp = (kind: CompartmentKind): Compartment => {
    let c = comps.get(kind)
    if (c === undefined) comps.set(kind, (c = init.compartment(kind)))
    return c
  }
  const taken = new Set<string>()
  const states: State[] = []
  for (const p of prepared.entries) {
    const type = p.entry.resource.resourceType
    taken.add(`${type}/${p.id}`)
    // validated by `prepareBundle` (the stored copy is validated again by `put`)
    const resource = { ...p.entry.resource, id: p.id } as FhirResource
    states.push({ entry: p.entry, type, base: fullUrlBase(p.entry.fullUrl), id: p.id, originalId: p.originalId, kind: 'notes', collided: false, dup: undefined, resource })
  }
  let pause = 0
  const tick = (): boolean => ++pause % STEP_EVERY === 0

  // lookup tables: fullUrl (exact), and `Type/id` as written in the Bundle (when unique)
  const byFullUrl = new Map<string, State>()
  const byRelative = new Map<string, State | null>()
  for (const s of states) {
    if (s.entry.fullUrl !== undefined) byFullUrl.set(s.entry.fullUrl, s)
    const own = s.entry.resource.id
    if (typeof own === 'string') {
      const rel = `${s.type}/${own}`
      byRelative.set(rel, byRelative.has(rel) ? null : s)
    }
  }
  const resolve = (from: State, ref: string): State | undefined => {
    const p = parseReference(ref)
    switch (p.kind) {
      case 'urn':
        return byFullUrl.get(ref)
      case 'absolute':
        // R4 bundle.html#references: an absolute reference matches an entry's fullUrl
        return byFullUrl.get(`${p.base}/${p.type}/${p.id}`) ?? (p.base === from.base ? (byRelative.get(`${p.type}/${p.id}`) ?? undefined) : undefined)
      case 'relative':
        // ... and a relative one is resolved against the base of the referring entry's fullUrl
        return (from.base !== undefined ? byFullUrl.get(`${from.base}/${p.type}/${p.id}`) : undefined) ?? byRelative.get(`${p.type}/${p.id}`) ?? undefined
      default:
        return undefined
    }
  }

  // 3. routes (a medication statement follows a sensitive Medication it refers to)
  for (const s of states) {
    s.kind = init.route?.(s.resource) ?? routeResource(s.resource)
    if (tick()) yield
  }
  for (const s of states) {
    const med = s.resource['medicationReference']
    if (s.kind !== 'sensitive' && isObject(med) && typeof med['reference'] === 'string' && init.route?.(s.resource) === undefined) {
      if (resolve(s, med['reference'])?.kind === 'sensitive') s.kind = 'sensitive'
    }
  }

  // existing resources of the target compartments, indexed by content and identifier (lazily, per kind and type)
  const existing = new Map<string, ExistingIndex>()
  const existingIndex = (kind: CompartmentKind, type: string): ExistingIndex => {
    const k = `${kind}\n${type}`
    let idx = existing.get(k)
    if (idx === undefined) {
      idx = { byContent: new Map(), byIdentifier: new Map() }
      for (const r of comp(kind).resources.list(type, { includeWithdrawn: true })) {
        const key = `${type}/${r.id}`
        idx.byContent.set(contentOf(r), key)
        for (const t of identifierTokens(r)) idx.byIdentifier.set(t, key)
      }
      existing.set(k, idx)
    }
    return idx
  }

  // 4. duplicates by identifier (they do not depend on references)
  const seenIdentifier = new Map<string, State>()
  for (const s of states) {
    if (tick()) yield
    const tokens = identifierTokens(s.resource)
    const idx = existingIndex(s.kind, s.type)
    const held = tokens.map((t) => idx.byIdentifier.get(t)).find((k) => k !== undefined)
    if (held !== undefined) s.dup = { by: 'identifier', key: held }
    else {
      const earlier = tokens.map((t) => seenIdentifier.get(`${s.kind}\n${s.type}\n${t}`)).find((e) => e !== undefined)
      if (earlier !== undefined) s.dup = { by: 'identifier', of: earlier }
      else for (const t of tokens) seenIdentifier.set(`${s.kind}\n${s.type}\n${t}`, s)
    }
  }

  // 5. rewrite references → duplicates by content, until stable; only then give a new id to
  // an entry whose id the record holds for other content (deciding that before references
  // settle would take a re-imported entry for a new one), and settle again
  const unresolvedSet = new Map<State, Set<string>>()
  for (;;) {
    const colliding: State[] = []
    for (let changed = true; changed; ) {
      changed = false
      colliding.length = 0
      const seenContent = new Map<string, State>()
      for (const s of states) {
        if (tick()) yield
        const missing = new Set<string>()
        s.resource = mapReferences({ ...s.entry.resource, id: s.id }, (ref) => {
          const target = resolve(s, ref)
          if (target !== undefined) return keyOf(target)
          if (ref.startsWith('urn:uuid:')) missing.add(ref)
          return undefined
        }) as FhirResource
        unresolvedSet.set(s, missing)
        if (s.dup !== undefined) continue
        const content = contentOf(s.resource)
        const held = existingIndex(s.kind, s.type).byContent.get(content)
        if (held !== undefined) {
          s.dup = { by: 'content', key: held }
          changed = true
          continue
        }
        const sk = `${s.kind}\n${s.type}\n${content}`
        const earlier = seenContent.get(sk)
        if (earlier !== undefined) {
          s.dup = { by: 'content', of: earlier }
          changed = true
          continue
        }
        seenContent.set(sk, s)
        if (!s.collided && comp(s.kind).resources.get(s.type, s.id) !== undefined) {
          // an earlier version of what the record holds under this id (since edited or withdrawn
          // there): the same resource, not a new one that would bring a withdrawn entry back
          if (comp(s.kind).resources.history(s.type, s.id).some((v) => contentOf(v) === content)) {
            s.dup = { by: 'content', key: `${s.type}/${s.id}` }
            changed = true
            continue
          }
          colliding.push(s)
        }
      }
    }
    if (colliding.length === 0) break
    // the record holds another resource under this id (another source's "1"): a new stable id
    for (const s of colliding) {
      s.collided = true
      s.originalId ??= s.id
      let id = stableId(s.entry, 'collision')
      for (let n = 1; taken.has(`${s.type}/${id}`); n++) id = stableId(s.entry, `collision${n}`)
      taken.add(`${s.type}/${id}`)
      s.id = id
    }
  }

  // 6. store: one transaction per compartment
  let done = total - states.length
  const byKind = new Map<CompartmentKind, State[]>()
  for (const s of states) {
    if (s.dup !== undefined) {
      duplicates.push({ index: s.entry.index, reason: 'duplicate', by: s.dup.by, kind: s.kind, key: keyOf(s) })
      done++
      continue
    }
    for (const reference of unresolvedSet.get(s) ?? []) unresolved.push({ index: s.entry.index, reference })
    const list = byKind.get(s.kind) ?? []
    list.push(s)
    byKind.set(s.kind, list)
  }
  for (const [kind, list] of byKind) {
    const c = comp(kind)
    for (let from = 0; from < list.length; from += storeBatch) {
      if (from > 0) yield
      c.batch(() => {
        for (const s of list.slice(from, from + storeBatch)) {
          try {
            const r = c.resources.put(s.resource)
            stored.push({ index: s.entry.index, kind, resourceType: s.type, id: r.id, key: `${s.type}/${r.id}`, ...(s.originalId === undefined ? {} : { originalId: s.originalId }) })
          } catch (err) {
            // a per-compartment cap (ResourceTooLargeError) or a rule the pre-check did not see: report, go on
            rejected.push(rejection(s.entry.index, err))
          }
          done++
          init.onProgress?.(done, total)
        }
      })
    }
  }
  init.onProgress?.(total, total)
  const byIndex = <T extends { index: number }>(a: T, b: T): number => a.index - b.index
  return { total, stored: stored.sort(byIndex), duplicates: duplicates.sort(byIndex), rejected: rejected.sort(byIndex), unresolved: unresolved.sort(byIndex) }
}

function rejection(index: number, err: unknown): RejectedEntry {
  if (err instanceof Error) {
    const field = (err as { field?: unknown }).field
    return { index, reason: `${err.name}: ${err.message}`, ...(typeof field === 'string' ? { field } : {}) }
  }
  return { index, reason: String(err) }
}
