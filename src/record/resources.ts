/**
 * FHIR resources of one compartment (DESIGN §4): each stored whole, as its JSON text (one
 * string value), in `Y.Map('resources')` under `<resourceType>/<id>` (ids are unique only
 * within a type, so the key is the resource's relative reference).
 *
 * Why text and not a JSON tree: a map value is replaced whole either way (last writer wins
 * per resource), but Yjs decodes a tree value into one JS object per FHIR element on every
 * load, while text decodes into one string. For the 10-year record that is 9× faster to
 * apply and a third of the heap; a resource is parsed only when it is read. Values written
 * as JSON trees (by earlier versions) are read as well.
 *
 * Index header. The text starts with the fields the index needs (clinical date, status,
 * withdrawn, code and category tokens; see `withIndexHeader`), computed by the writer from
 * the resource it writes. Building the index of the 10-year record then reads ~100 bytes
 * per resource instead of parsing 35 MB of JSON; a timeline or a first query after open
 * pays for that, not for the JSON. The header is a cache of the resource, never a source:
 * a resource is always read from its JSON, a header of another version (or none: text
 * written before headers) is indexed by parsing, and a header found to disagree with its
 * resource when that is read is ignored from then on. Who can write a header can write the
 * resource itself, so it grants nothing.
 *
 * History. A snapshot (compaction) replaces the update log, and Yjs garbage-collects
 * overwritten map values, so the log cannot be the history. Prior versions are kept in the
 * doc itself, in `Y.Map('history')`, one immutable entry per version under
 * `<type>/<id>@<clientId>.<clock>` (the Yjs id of the write, unique by construction, so
 * history entries never conflict). A resource edited once or more has every version there,
 * the current one included; a resource never edited has no entry (edits are rare, so
 * history costs nothing for most resources). Concurrent puts of the same id are resolved
 * last-writer-wins in `resources`; each writer put its version into `history`, so both are
 * kept. A version that was never in `history` and that a remote update displaced (two
 * devices creating the same id concurrently) is added to `history` by the replica that
 * sees it displaced, right after the remote update is applied.
 */
import * as Y from 'yjs'
import { ResourceInvalidError, ResourceNotFoundError, WithdrawNotSupportedError } from './errors.ts'
import type { Extension, FhirResource, ResourceOf } from './fhir-types.ts'
import { ENTERED_IN_ERROR, specOf, TYPE_SPECS, type WithdrawRule } from './fhir-spec.ts'
import { deepFreeze, isObject } from './json.ts'
import { checkResourceId, checkResourceType, validateResource } from './validate.ts'
import { TypeIndex, entryOf, entryOfHeader, isWithdrawn, jsonStart, sameEntry, withIndexHeader, type IndexEntry, type IndexQuery } from './resource-index.ts'
import { toInstant, toMs } from './dates.ts'
import { LOCAL_ORIGIN } from './origin.ts'

/** URL of the extension that carries a withdrawal's reason (`valueString`). */
export const WITHDRAWAL_REASON_URL = 'urn:phr:fhir:extension:withdrawal-reason'

/** Filters of `ResourceStore.list`; all given filters must match. */
export interface ListFilter {
  /** Clinical date ≥ `from` (epoch ms or FHIR date/dateTime). Resources without a date never match a range. */
  from?: number | string
  /** Clinical date < `to` (epoch ms or FHIR date/dateTime). */
  to?: number | string
  /** Main concept token(s), any of: `system|code`, `code` (any system), `system|` (any code of it). */
  code?: string | readonly string[]
  /** Category token(s), same syntax (e.g. `http://terminology.hl7.org/CodeSystem/observation-category|vital-signs`). */
  category?: string | readonly string[]
  /** Status code(s) of the type's status element (Condition/AllergyIntolerance: clinicalStatus). */
  status?: string | readonly string[]
  /** Include withdrawn (entered-in-error) resources. @default false (a `status` filter overrides it) */
  includeWithdrawn?: boolean
  /** At most this many, earliest first. @default unlimited */
  limit?: number
}

/** Typed access to the FHIR resources of one compartment. */
export interface ResourceStore {
  /**
   * Validates and stores `resource` as a new version: `meta.versionId` becomes one more than
   * the highest version seen, `meta.lastUpdated` the compartment clock. Returns the stored,
   * frozen resource.
   * @throws {ResourceInvalidError} naming the offending field.
   * @throws {ResourceTooLargeError} over the per-resource cap.
   */
  put<T extends FhirResource>(resource: T): T
  /**
   * The current version, frozen, or `undefined`.
   * @throws {ResourceInvalidError} if `type` or `id` is malformed.
   */
  get<T extends string>(type: T, id: string): ResourceOf<T> | undefined
  /**
   * Resources of one type matching `filter`, ordered by clinical date (undated last), then id.
   * Withdrawn ones are left out unless asked for.
   * @throws {ResourceInvalidError} if `type` is malformed.
   * @throws {RangeError} if a date bound is not a time.
   */
  list<T extends string>(type: T, filter?: ListFilter): ResourceOf<T>[]
  /**
   * Marks a resource entered-in-error as a new version (nothing clinical is deleted):
   * `status`, or for Condition/AllergyIntolerance `verificationStatus` (and, per R4
   * con-5/ait-2, `clinicalStatus` is dropped). `reason` goes in an extension
   * (`WITHDRAWAL_REASON_URL`). Withdrawing a withdrawn resource without a reason is a no-op.
   * @throws {ResourceNotFoundError} if there is no such resource.
   * @throws {WithdrawNotSupportedError} if the type has no element for it (Patient, Practitioner, Organization, AuditEvent).
   */
  withdraw<T extends string>(type: T, id: string, reason?: string): ResourceOf<T>
  /**
   * Every version, oldest first (by versionId, then lastUpdated); concurrent versions both appear.
   * @throws {ResourceInvalidError} if `type` or `id` is malformed.
   */
  history<T extends string>(type: T, id: string): ResourceOf<T>[]
  /** Resource types present. */
  types(): string[]
  /** Number of resources (of `type`, or all). */
  count(type?: string): number
  /**
   * The index of one type as it stands: each resource's id, clinical date, status and
   * whether it is withdrawn, ordered by clinical date (undated last), then id, withdrawn
   * ones included. Built on first use like `list` (each resource parsed once, not kept),
   * then kept up to date from the doc's changes; no resource is loaded to answer. A timeline
   * orders 50,000 entries from this and parses only the ones it shows. The array is the
   * index's own: read it, do not keep it across changes.
   * @throws {ResourceInvalidError} if `type` is malformed.
   */
  entries(type: string): readonly IndexEntry[]
}

/** Init of the store, given by the compartment. */
export interface ResourceStoreInit {
  readonly doc: Y.Doc
  readonly clock: () => number
  readonly maxResourceBytes: number
}

/**
 * The resource a stored value holds: the parsed JSON text, or a JSON tree as earlier
 * versions stored it; `undefined` for anything else (a peer's junk).
 */
const decode = (v: unknown): Record<string, unknown> | undefined => {
  if (typeof v === 'string') {
    try {
      const parsed: unknown = JSON.parse(v.slice(jsonStart(v)))
      return isObject(parsed) ? parsed : undefined
    } catch {
      return undefined
    }
  }
  return isObject(v) ? v : undefined
}

/** How many parsed resources a store keeps for repeated reads (a few MB at most). */
const PARSED_CACHE = 4096

/** The JSON text of a stored value, to compare versions. */
const textOf = (v: unknown): string | undefined => (typeof v === 'string' ? v : v === undefined ? undefined : JSON.stringify(v))

const versionOf = (v: unknown): number => {
  if (!isObject(v) || !isObject(v['meta'])) return 0
  const n = Number(v['meta']['versionId'])
  return Number.isFinite(n) ? n : 0
}

const asArray = (v: string | readonly string[] | undefined): readonly string[] | undefined =>
  v === undefined ? undefined : typeof v === 'string' ? [v] : v

/** The store; private to the record layer (callers get `ResourceStore`). */
export class ResourceStoreImpl implements ResourceStore {
  readonly #doc: Y.Doc
  readonly #map: Y.Map<unknown>
  readonly #hist: Y.Map<unknown>
  readonly #clock: () => number
  readonly #maxBytes: number
  readonly #byTypeMap = new Map<string, TypeIndex>()
  /** resource key → history entry keys */
  readonly #histMap = new Map<string, Set<string>>()
  /**
   * Whether the indexes above reflect the maps. They are built on first use, not at open:
   * opening a big record applies its snapshot without walking 100,000 keys, and the first
   * query pays for the walk instead (`npm run bench` prints both).
   */
  #built = false
  /** The maps were empty at construction and no transaction has touched them since. */
  #untouched: boolean
  /**
   * Recently read resources, parsed and frozen, least recently used first: lists that a UI
   * repeats (a timeline page, a chart's range) do not parse the same text again. Entries are
   * dropped when their key changes.
   */
  readonly #parsed = new Map<string, FhirResource>()
  /** Keys whose stored header disagreed with their resource: indexed by parsing instead. */
  readonly #badHeaders = new Set<string>()
  /** Values displaced by remote transactions, checked by `repair()`. */
  #displaced: { key: string; old: unknown }[] = []

  constructor(init: ResourceStoreInit) {
    this.#doc = init.doc
    this.#map = init.doc.getMap('resources')
    this.#hist = init.doc.getMap('history')
    this.#clock = init.clock
    this.#maxBytes = init.maxResourceBytes
    this.#untouched = this.#map.size === 0
    this.#map.observe((event, tr) => {
      const keys = event.keysChanged as Set<string>
      if (!this.#built) {
        const untouched = this.#untouched
        this.#untouched = false
        if (this.#parsed.size > 0) for (const key of keys) this.#parsed.delete(key)
        // nothing can be displaced in a map that was empty; otherwise the event's changes
        // cost as much as this transaction's keys
        if (tr.local || untouched) return
        for (const [key, change] of event.changes.keys) {
          if (change.action !== 'add') this.#displaced.push({ key, old: change.oldValue })
        }
        return
      }
      // a remote transaction can displace a value only under a key we already had; computing
      // `changes` is costly on a big load, so only when such a key is there
      let existed = false
      if (!tr.local) for (const key of keys) if (this.#known(key)) existed = true
      for (const key of keys) this.#touch(key)
      if (existed) {
        for (const [key, change] of event.changes.keys) {
          if (change.action !== 'add') this.#displaced.push({ key, old: change.oldValue })
        }
      }
    })
    this.#hist.observe((event) => {
      if (!this.#built) return
      for (const key of event.keysChanged as Set<string>) this.#indexHistory(key, this.#hist.has(key))
    })
  }

  /** Builds the indexes from the maps on first use. */
  #ensureBuilt(): void {
    if (this.#built) return
    this.#built = true
    for (const [key, v] of this.#map.entries()) {
      const slash = key.indexOf('/')
      if (slash <= 0) continue // not a resource key (a peer's junk): never indexed
      const id = key.slice(slash + 1)
      this.#typeIndex(key.slice(0, slash)).seed(id, typeof v === 'string' ? entryOfHeader(id, v) : undefined)
    }
    for (const key of this.#hist.keys()) this.#indexHistory(key, true)
  }

  get #byType(): Map<string, TypeIndex> {
    this.#ensureBuilt()
    return this.#byTypeMap
  }

  get #histIndex(): Map<string, Set<string>> {
    this.#ensureBuilt()
    return this.#histMap
  }

  #typeIndex(type: string): TypeIndex {
    let idx = this.#byType.get(type)
    if (idx === undefined) {
      idx = new TypeIndex((id) => this.#indexEntry(type, id))
      this.#byType.set(type, idx)
    }
    return idx
  }

  /** Whether the index holds `key` (before this transaction's changes are applied to it). */
  #known(key: string): boolean {
    const slash = key.indexOf('/')
    return slash > 0 && this.#byType.get(key.slice(0, slash))?.has(key.slice(slash + 1)) === true
  }

  #touch(key: string): void {
    this.#parsed.delete(key)
    this.#badHeaders.delete(key)
    const slash = key.indexOf('/')
    if (slash <= 0) return // not a resource key (a peer's junk): never indexed
    const idx = this.#typeIndex(key.slice(0, slash))
    const id = key.slice(slash + 1)
    if (this.#map.has(key)) idx.touch(id)
    else idx.remove(id)
  }

  #indexHistory(histKey: string, present: boolean): void {
    const at = histKey.lastIndexOf('@')
    if (at <= 0) return
    const key = histKey.slice(0, at)
    let set = this.#histIndex.get(key)
    if (present) {
      if (set === undefined) this.#histIndex.set(key, (set = new Set()))
      set.add(histKey)
    } else {
      set?.delete(histKey)
    }
  }

  /**
   * The index entry of `type/id`: from the stored text's header when it has one that was
   * not found to disagree with its resource, else by parsing the resource.
   */
  #indexEntry(type: string, id: string): IndexEntry | undefined {
    const key = `${type}/${id}`
    const v = this.#map.get(key)
    if (typeof v === 'string' && !this.#badHeaders.has(key)) {
      const e = entryOfHeader(id, v)
      if (e !== undefined) return e
    }
    const r = this.#peek(type, id)
    return r === undefined ? undefined : entryOf(r)
  }

  /**
   * Checks a stored text's header against the resource just parsed from it. A header that
   * disagrees (a writer's bug) is ignored from then on and the entry computed from the
   * resource, so a list filtered by code or status never trusts it over the resource.
   */
  #checkHeader(key: string, type: string, id: string, stored: unknown, r: FhirResource): void {
    if (typeof stored !== 'string' || this.#badHeaders.has(key)) return
    const e = entryOfHeader(id, stored)
    if (e === undefined || sameEntry(e, entryOf(r))) return
    this.#badHeaders.add(key)
    this.#typeIndex(type).touch(id)
  }

  /** The current resource `type/id`, parsed but neither frozen nor cached (for indexing), or `undefined`. */
  #peek(type: string, id: string): FhirResource | undefined {
    const key = `${type}/${id}`
    const hit = this.#parsed.get(key)
    if (hit !== undefined) return hit
    const v = decode(this.#map.get(key))
    return v !== undefined && v['resourceType'] === type && v['id'] === id ? (v as FhirResource) : undefined
  }

  /** The current resource `type/id`, frozen, or `undefined`. */
  #load(type: string, id: string): FhirResource | undefined {
    const key = `${type}/${id}`
    const hit = this.#parsed.get(key)
    if (hit !== undefined) {
      this.#parsed.delete(key) // move to the most recently used end
      this.#parsed.set(key, hit)
      return hit
    }
    const stored = this.#map.get(key)
    const v = decode(stored)
    if (v === undefined || v['resourceType'] !== type || v['id'] !== id) return undefined
    const r = deepFreeze(v) as FhirResource
    if (this.#built) this.#checkHeader(key, type, id, stored, r)
    this.#parsed.set(key, r)
    if (this.#parsed.size > PARSED_CACHE) this.#parsed.delete(this.#parsed.keys().next().value as string)
    return r
  }

  #newHistKey(key: string): string {
    const clientId = this.#doc.clientID
    // the Yjs id (client, clock) the next write gets: unique, so history keys never collide
    return `${key}@${clientId.toString(36)}.${Y.getState(this.#doc.store, clientId).toString(36)}`
  }

  /** The stored values (JSON text, or trees from earlier versions) of `key`'s history. */
  #historyValues(key: string): unknown[] {
    const out: unknown[] = []
    for (const hk of this.#histIndex.get(key) ?? []) {
      const v = this.#hist.get(hk)
      if (v !== undefined) out.push(v)
    }
    return out
  }

  /** Adds a stored value (JSON text) to `key`'s history. */
  #addHistory(key: string, value: string): void {
    const hk = this.#newHistKey(key)
    this.#hist.set(hk, value)
    this.#indexHistory(hk, true)
  }

  put<T extends FhirResource>(resource: T): T {
    const { resource: copy } = validateResource(resource, this.#maxBytes)
    const key = `${copy.resourceType}/${copy.id}`
    let stored: FhirResource | undefined
    this.#doc.transact(() => {
      const stored0 = this.#map.get(key)
      const cur = decode(stored0)
      const versions = this.#historyValues(key)
      let max = versionOf(cur)
      for (const v of versions) max = Math.max(max, versionOf(decode(v)))
      const meta = { ...copy.meta, versionId: String(max + 1), lastUpdated: toInstant(this.#clock()) }
      const next = deepFreeze({ ...copy, meta })
      const text = withIndexHeader(next, JSON.stringify(next))
      if (cur !== undefined) {
        if (versions.length === 0) this.#addHistory(key, textOf(stored0) as string)
        this.#addHistory(key, text)
      }
      this.#map.set(key, text)
      stored = next
    }, LOCAL_ORIGIN)
    return stored as T
  }

  get<T extends string>(type: T, id: string): ResourceOf<T> | undefined {
    checkResourceType(type)
    checkResourceId(type, id)
    const r = this.#load(type, id)
    return r as ResourceOf<T> | undefined
  }

  list<T extends string>(type: T, filter: ListFilter = {}): ResourceOf<T>[] {
    checkResourceType(type)
    const idx = this.#byType.get(type)
    if (idx === undefined) return []
    const q: IndexQuery = {
      ...(filter.from === undefined ? {} : { from: toMs(filter.from, 'from') }),
      ...(filter.to === undefined ? {} : { to: toMs(filter.to, 'to') }),
      ...(filter.code === undefined ? {} : { code: asArray(filter.code) }),
      ...(filter.category === undefined ? {} : { category: asArray(filter.category) }),
      ...(filter.status === undefined ? {} : { status: asArray(filter.status) }),
      includeWithdrawn: filter.includeWithdrawn === true
    }
    const out: ResourceOf<T>[] = []
    const limit = filter.limit ?? Number.POSITIVE_INFINITY
    for (const id of idx.query(q)) {
      if (out.length >= limit) break
      const r = this.#load(type, id)
      if (r !== undefined) out.push(r as ResourceOf<T>)
    }
    return out
  }

  entries(type: string): readonly IndexEntry[] {
    checkResourceType(type)
    return this.#byType.get(type)?.entries() ?? []
  }

  withdraw<T extends string>(type: T, id: string, reason?: string): ResourceOf<T> {
    const cur = this.get(type, id)
    if (cur === undefined) throw new ResourceNotFoundError(type, id)
    const known = Object.hasOwn(TYPE_SPECS, type)
    const rule: WithdrawRule | null = specOf(type).withdraw ?? (!known && typeof cur['status'] === 'string' ? { kind: 'status' } : null)
    if (rule === null) throw new WithdrawNotSupportedError(type)
    if (reason !== undefined && (typeof reason !== 'string' || reason.trim() === '')) {
      throw new ResourceInvalidError(`${type}.extension(withdrawal-reason)`, 'must be a non-empty string')
    }
    if (isWithdrawn(cur) && reason === undefined) return cur
    const next: Record<string, unknown> = { ...cur }
    if (rule.kind === 'status') {
      next['status'] = ENTERED_IN_ERROR
    } else {
      next[rule.element] = { coding: [{ system: rule.system, code: ENTERED_IN_ERROR, display: 'Entered in Error' }] }
      for (const element of rule.clear) delete next[element]
    }
    if (reason !== undefined) {
      const ext: Extension[] = [...(cur.extension ?? []), { url: WITHDRAWAL_REASON_URL, valueString: reason }]
      next['extension'] = ext
    }
    return this.put(next as FhirResource) as ResourceOf<T>
  }

  history<T extends string>(type: T, id: string): ResourceOf<T>[] {
    checkResourceType(type)
    checkResourceId(type, id)
    const key = `${type}/${id}`
    const seen = new Map<string, FhirResource>()
    for (const stored of [...this.#historyValues(key), this.#map.get(key)]) {
      const v = decode(stored)
      if (v === undefined || v['resourceType'] !== type || v['id'] !== id) continue
      const json = JSON.stringify(v)
      if (!seen.has(json)) seen.set(json, v as FhirResource)
    }
    const lastUpdated = (r: FhirResource): string => r.meta?.lastUpdated ?? ''
    return [...seen.entries()]
      .sort(([ja, a], [jb, b]) => versionOf(a) - versionOf(b) || lastUpdated(a).localeCompare(lastUpdated(b)) || ja.localeCompare(jb))
      .map(([, r]) => deepFreeze(r) as ResourceOf<T>)
  }

  types(): string[] {
    return [...this.#byType.entries()].filter(([, idx]) => idx.size > 0).map(([t]) => t).sort()
  }

  count(type?: string): number {
    if (type !== undefined) return this.#byType.get(type)?.size ?? 0
    let n = 0
    for (const idx of this.#byType.values()) n += idx.size
    return n
  }

  /**
   * Keeps in `history` any version a remote update displaced without it being there (see
   * the file comment). Called by the compartment after each applied remote update; writes
   * one local transaction when something needs keeping.
   */
  repair(): void {
    if (this.#displaced.length === 0) return
    const displaced = this.#displaced
    this.#displaced = []
    const todo: { key: string; values: string[] }[] = []
    for (const { key, old } of displaced) {
      if (decode(old) === undefined) continue
      const oldJson = textOf(old) as string
      const cur = this.#map.get(key)
      const curJson = decode(cur) === undefined ? undefined : textOf(cur)
      if (curJson === oldJson) continue
      const known = new Set(this.#historyValues(key).map(textOf))
      if (known.has(oldJson)) continue
      const values: string[] = []
      if (curJson !== undefined && !known.has(curJson)) values.push(curJson)
      values.push(oldJson)
      todo.push({ key, values })
    }
    if (todo.length === 0) return
    this.#doc.transact(() => {
      for (const { key, values } of todo) for (const v of values) this.#addHistory(key, v)
    }, LOCAL_ORIGIN)
  }
}
