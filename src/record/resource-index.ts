/**
 * In-memory index of one compartment's resources, fed from Y events (local and remote),
 * so that `list` of one type never scans other types, and a date range is a binary search.
 *
 * Per type: ids, a lazily refreshed array of entries sorted by (clinical date, id) with
 * undated entries last, and id sets of the code/category tokens queried so far (each built
 * by one scan of the type on its first query). Changes only mark ids dirty; the next `list` of that type recomputes them
 * (incrementally when few changed).
 */
import type { Coding, FhirResource } from './fhir-types.ts'
import { ENTERED_IN_ERROR, specOf, type TypeSpec } from './fhir-spec.ts'
import { isObject } from './json.ts'
import { getPath } from './validate.ts'
import { parseFhirDateTime } from './dates.ts'

/** One indexed resource. */
export interface IndexEntry {
  readonly id: string
  /** Clinical date in ms; `Infinity` when it has none (sorts last, never in a date range). */
  readonly date: number
  readonly status: string | undefined
  readonly withdrawn: boolean
  /** Code tokens, then category tokens (prefixed `k`). */
  readonly tokens: readonly string[]
}

/** Filters of `list`. Tokens: `system|code`, `code` (any system), `system|` (any code of it). */
export interface IndexQuery {
  readonly from?: number
  readonly to?: number
  readonly code?: readonly string[]
  readonly category?: readonly string[]
  readonly status?: readonly string[]
  readonly includeWithdrawn?: boolean
}

// tokens: "sc:<system>|<code>", "c:<code>", "s:<system>"
function codingTokens(c: Coding, out: string[]): void {
  const system = typeof c.system === 'string' ? c.system : ''
  const code = typeof c.code === 'string' ? c.code : undefined
  if (code !== undefined) {
    out.push(`sc:${system}|${code}`, `c:${code}`)
  }
  if (system !== '') out.push(`s:${system}`)
}

function conceptTokens(value: unknown, out: string[]): void {
  if (Array.isArray(value)) {
    for (const v of value) conceptTokens(v, out)
  } else if (typeof value === 'string') {
    out.push(`sc:|${value}`, `c:${value}`) // a plain `code` element (e.g. AllergyIntolerance.category)
  } else if (isObject(value)) {
    const coding = value['coding']
    if (Array.isArray(coding)) {
      for (const c of coding) if (isObject(c)) codingTokens(c, out)
    } else if ('code' in value || 'system' in value) {
      codingTokens(value, out) // a Coding (Encounter.class, AuditEvent.type)
    }
  }
}

/**
 * The internal token a filter string stands for.
 * @throws Never.
 */
export function filterToken(filter: string): string {
  const bar = filter.indexOf('|')
  if (bar < 0) return `c:${filter}`
  const system = filter.slice(0, bar)
  const code = filter.slice(bar + 1)
  return code === '' ? `s:${system}` : `sc:${system}|${code}`
}

/**
 * Whether a resource is withdrawn: `status` or a `verificationStatus` coding says entered-in-error.
 * @throws Never.
 */
export function isWithdrawn(r: Record<string, unknown>): boolean {
  if (r['status'] === ENTERED_IN_ERROR) return true
  const v = r['verificationStatus']
  if (isObject(v) && Array.isArray(v['coding'])) {
    for (const c of v['coding']) if (isObject(c) && c['code'] === ENTERED_IN_ERROR) return true
  }
  return false
}

/**
 * The clinically relevant date of `r` per its type's spec, ms, or `NaN`.
 * @throws Never.
 */
export function clinicalDate(r: Record<string, unknown>, spec: TypeSpec = specOf(String(r['resourceType']))): number {
  for (const path of spec.dates) {
    const v = getPath(r, path)
    if (v !== undefined) return parseFhirDateTime(v)
  }
  return Number.NaN
}

function statusOf(r: Record<string, unknown>, spec: TypeSpec): string | undefined {
  if (spec.status === null) return undefined
  const v = r[spec.status.element]
  if (!spec.status.concept) return typeof v === 'string' ? v : undefined
  if (isObject(v) && Array.isArray(v['coding'])) {
    const first: unknown = v['coding'][0]
    if (isObject(first) && typeof first['code'] === 'string') return first['code']
  }
  return undefined
}

/**
 * The index entry of a resource.
 * @throws Never.
 */
export function entryOf(r: FhirResource): IndexEntry {
  const spec = specOf(r.resourceType)
  const d = clinicalDate(r, spec)
  const tokens: string[] = []
  for (const p of spec.codePaths) conceptTokens(r[p], tokens)
  const codeCount = tokens.length
  for (const p of spec.categoryPaths) conceptTokens(r[p], tokens)
  for (let i = codeCount; i < tokens.length; i++) tokens[i] = `k${tokens[i] as string}`
  return {
    id: r.id,
    date: Number.isNaN(d) ? Number.POSITIVE_INFINITY : d,
    status: statusOf(r, spec),
    withdrawn: isWithdrawn(r),
    tokens
  }
}

/**
 * The index header a stored value starts with (see `resources.ts`): the fields of the
 * resource's `IndexEntry` but its id, written by whoever wrote the resource, so that building
 * the index of a big record reads a few bytes per resource instead of parsing its JSON.
 * `i1` is the version of the rules of `entryOf` (and of the type specs it reads, and of the
 * system table below); a value with another version is indexed by parsing it, like a value
 * without a header.
 *
 * Layout: `\u0001i1\u0001<date ms, base 36, or "">\u0001<status>\u0001<0|1 withdrawn>[\u0001<coding>]…\u0002<JSON>`.
 * A coding is `system|code` (or `system` alone for a coding without a code), prefixed with
 * `\u0003` when it is a category; a system of `HEADER_SYSTEMS` is written `\u0004<index>`.
 * The entry's tokens are derived from the codings (`sc:system|code`, `c:code`, `s:system`).
 * JSON text never holds a raw control character (JSON.stringify escapes them all), so
 * `\u0002` cannot occur before the JSON. A header is written only when it reads back to
 * exactly the resource's entry (never, e.g., for a system holding `|` or a control character).
 */
export const INDEX_HEADER = '\u0001i1\u0001'
const FIELD = '\u0001'
const END = '\u0002'
const CATEGORY = '\u0003'
const ALIAS = '\u0004'
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f]/

/** Code systems written as a short alias in headers (the order is part of the header version). */
const HEADER_SYSTEMS = [
  'http://loinc.org',
  'http://snomed.info/sct',
  'http://terminology.hl7.org/CodeSystem/observation-category',
  'http://www.nlm.nih.gov/research/umls/rxnorm',
  'http://unitsofmeasure.org',
  'http://hl7.org/fhir/sid/cvx',
  'http://terminology.hl7.org/CodeSystem/condition-clinical',
  'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  'http://terminology.hl7.org/CodeSystem/condition-category'
] as const
const ALIAS_OF = new Map<string, string>(HEADER_SYSTEMS.map((sys, i) => [sys, `${ALIAS}${i.toString(36)}`]))

const systemOut = (system: string): string => ALIAS_OF.get(system) ?? system
const systemIn = (s: string): string => (s.charCodeAt(0) === 4 ? (HEADER_SYSTEMS[parseInt(s.slice(1), 36)] ?? s) : s)

/** The codings an entry's tokens stand for (see the layout above), or `undefined` if they cannot be written so. */
function packTokens(tokens: readonly string[]): string[] | undefined {
  const out: string[] = []
  for (let i = 0; i < tokens.length; ) {
    const t = tokens[i] as string
    const k = t.startsWith('k') ? 'k' : ''
    const u = k === '' ? t : t.slice(1)
    const cat = k === '' ? '' : CATEGORY
    if (u.startsWith('sc:')) {
      const body = u.slice(3)
      const bar = body.indexOf('|')
      const system = body.slice(0, bar)
      const code = body.slice(bar + 1)
      if (bar < 0 || tokens[i + 1] !== `${k}c:${code}`) return undefined
      if (system !== '' && tokens[i + 2] !== `${k}s:${system}`) return undefined
      out.push(`${cat}${systemOut(system)}|${code}`)
      i += system === '' ? 2 : 3
    } else if (u.startsWith('s:')) {
      out.push(cat + systemOut(u.slice(2)))
      i++
    } else return undefined
  }
  return out
}

/** The tokens of a header's codings (the inverse of `packTokens`). */
function unpackTokens(codings: readonly string[]): string[] {
  const tokens: string[] = []
  for (const c of codings) {
    const k = c.charCodeAt(0) === 3 ? 'k' : ''
    const e = k === '' ? c : c.slice(1)
    const bar = e.indexOf('|')
    if (bar < 0) {
      tokens.push(`${k}s:${systemIn(e)}`)
      continue
    }
    const system = systemIn(e.slice(0, bar))
    const code = e.slice(bar + 1)
    tokens.push(`${k}sc:${system}|${code}`, `${k}c:${code}`)
    if (system !== '') tokens.push(`${k}s:${system}`)
  }
  return tokens
}

/**
 * The stored text of a resource: its index header, then its JSON.
 * @throws Never.
 */
export function withIndexHeader(r: FhirResource, json: string): string {
  const e = entryOf(r)
  const status = e.status ?? ''
  if (e.status === '' || CONTROL.test(status) || e.tokens.some((t) => CONTROL.test(t))) return json
  if (e.date !== Number.POSITIVE_INFINITY && !Number.isSafeInteger(e.date)) return json
  const codings = packTokens(e.tokens)
  if (codings === undefined) return json
  const back = unpackTokens(codings)
  if (back.length !== e.tokens.length || back.some((t, i) => t !== e.tokens[i])) return json
  const date = e.date === Number.POSITIVE_INFINITY ? '' : e.date.toString(36)
  let head = `${INDEX_HEADER}${date}${FIELD}${status}${FIELD}${e.withdrawn ? '1' : '0'}`
  for (const c of codings) head += FIELD + c
  return head + END + json
}

/** Where the JSON of a stored text starts (0 when it has no header). */
export function jsonStart(text: string): number {
  return text.charCodeAt(0) === 1 ? text.indexOf(END) + 1 : 0
}

/**
 * The safe integer `text[from, to)` spells in base 36 exactly as `Number#toString(36)` writes
 * it (lowercase, no leading zero, `-` for negatives, never `-0`); `NaN` for anything else.
 * Read in place: building the index reads 50,000 of these, and slicing and `parseInt` with a
 * `toString` round trip cost twice as much.
 * @throws Never.
 */
function base36At(text: string, from: number, to: number): number {
  let i = from
  const negative = text.charCodeAt(i) === 45
  if (negative) i++
  if (i >= to || to - i > 11 || (text.charCodeAt(i) === 48 && to - i > 1)) return Number.NaN
  let v = 0
  for (; i < to; i++) {
    const c = text.charCodeAt(i)
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : -1
    if (digit < 0) return Number.NaN
    v = v * 36 + digit
  }
  if (!Number.isSafeInteger(v) || (negative && v === 0)) return Number.NaN
  return negative ? -v : v
}

/**
 * The index entry a stored text's header gives, without parsing its JSON; `undefined` when
 * it has no header of this version, or a malformed one.
 * @throws Never.
 */
export function entryOfHeader(id: string, text: string): IndexEntry | undefined {
  if (!text.startsWith(INDEX_HEADER)) return undefined
  const end = text.indexOf(END)
  const a = text.indexOf(FIELD, INDEX_HEADER.length)
  const b = a < 0 ? -1 : text.indexOf(FIELD, a + 1)
  if (end < 0 || b < 0 || b + 2 > end) return undefined
  const date = a === INDEX_HEADER.length ? Number.POSITIVE_INFINITY : base36At(text, INDEX_HEADER.length, a)
  const w = text.charCodeAt(b + 1)
  if (Number.isNaN(date) || (w !== 48 && w !== 49) || (b + 2 < end && text.charCodeAt(b + 2) !== 1)) return undefined
  return new HeaderEntry(id, date, w === 49, text, a, b, end)
}

/**
 * An entry read from a header. Only the date and the withdrawn flag are read at once (a
 * first build sorts 50,000 of these); the status and the tokens are cut out of the text
 * when a query first asks for them.
 */
class HeaderEntry implements IndexEntry {
  readonly id: string
  readonly date: number
  readonly withdrawn: boolean
  #status: string | undefined | null = null
  #tokens: readonly string[] | null = null
  /** The stored text and where its status (between `#a` and `#b`) and codings (`#b` + 3 to `#end`) are. */
  readonly #text: string
  readonly #a: number
  readonly #b: number
  readonly #end: number

  constructor(id: string, date: number, withdrawn: boolean, text: string, a: number, b: number, end: number) {
    this.id = id
    this.date = date
    this.withdrawn = withdrawn
    this.#text = text
    this.#a = a
    this.#b = b
    this.#end = end
  }

  get status(): string | undefined {
    if (this.#status === null) this.#status = this.#b === this.#a + 1 ? undefined : this.#text.slice(this.#a + 1, this.#b)
    return this.#status
  }

  get tokens(): readonly string[] {
    if (this.#tokens === null) this.#tokens = this.#b + 3 < this.#end ? unpackTokens(this.#text.slice(this.#b + 3, this.#end).split(FIELD)) : []
    return this.#tokens
  }
}

/** Whether two entries index alike. */
export function sameEntry(a: IndexEntry, b: IndexEntry): boolean {
  return (
    a.date === b.date &&
    a.status === b.status &&
    a.withdrawn === b.withdrawn &&
    a.tokens.length === b.tokens.length &&
    a.tokens.every((t, i) => t === b.tokens[i])
  )
}

function compareEntries(a: IndexEntry, b: IndexEntry): number {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** Index of all resources of one type. */
export class TypeIndex {
  /** id → entry; `null` until computed. Complete only with `#pending` and `#inSortedOnly` folded in (`#entries`). */
  readonly #byId = new Map<string, IndexEntry | null>()
  /**
   * Ids seeded before the first build, in two parallel arrays: the first build sorts them
   * without putting 50,000 ids into a Map first (a third of its time); the Map is filled
   * when something first needs it (a change, or `has`).
   */
  #pending: { ids: string[]; entries: Array<IndexEntry | null> } | null = null
  /** The first build consumed `#pending`: those entries are in `#sorted` and not yet in `#byId`. */
  #inSortedOnly = false
  readonly #dirty = new Set<string>()
  #sorted: IndexEntry[] | null = null
  /** token → entries, for the tokens queried so far (each built by one scan, then kept up to date). */
  readonly #tokens = new Map<string, Set<IndexEntry>>()
  readonly #entryOf: (id: string) => IndexEntry | undefined

  /** `entryOf` gives the entry of the current resource of this type with that id (`undefined`: none, or junk). */
  constructor(entryOf: (id: string) => IndexEntry | undefined) {
    this.#entryOf = entryOf
  }

  /** The complete id → entry map. */
  get #entries(): Map<string, IndexEntry | null> {
    if (this.#pending !== null) {
      const { ids, entries } = this.#pending
      this.#pending = null
      for (let i = 0; i < ids.length; i++) this.#byId.set(ids[i] as string, entries[i] ?? null)
    }
    if (this.#inSortedOnly) {
      this.#inSortedOnly = false
      for (const e of this.#sorted ?? []) this.#byId.set(e.id, e)
    }
    return this.#byId
  }

  get size(): number {
    if (this.#inSortedOnly) return (this.#sorted as IndexEntry[]).length
    return this.#byId.size + (this.#pending?.ids.length ?? 0)
  }

  /** Whether `id` is indexed. */
  has(id: string): boolean {
    return this.#entries.has(id)
  }

  /** Marks `id` as added or changed. */
  touch(id: string): void {
    if (this.#sorted === null) {
      // never built: the first refresh computes every entry anyway (a snapshot being applied)
      this.#entries.set(id, null)
      return
    }
    if (!this.#entries.has(id)) this.#entries.set(id, null)
    this.#dirty.add(id)
  }

  /** Adds `id` (each id once) with its entry if known (a header's) before the index is first built. */
  seed(id: string, entry: IndexEntry | undefined): void {
    if (this.#sorted !== null) this.touch(id)
    else if (this.#byId.size > 0) this.#byId.set(id, entry ?? null)
    else {
      this.#pending ??= { ids: [], entries: [] }
      this.#pending.ids.push(id)
      this.#pending.entries.push(entry ?? null)
    }
  }

  /** Marks `id` as removed. */
  remove(id: string): void {
    if (!this.#entries.has(id)) return
    if (this.#sorted === null) this.#entries.delete(id)
    else this.#dirty.add(id)
  }

  #dropTokens(e: IndexEntry): void {
    if (this.#tokens.size === 0) return
    for (const t of e.tokens) this.#tokens.get(t)?.delete(e)
  }

  #addTokens(e: IndexEntry): void {
    if (this.#tokens.size === 0) return // no code or category queried yet: nothing to keep up
    for (const t of e.tokens) this.#tokens.get(t)?.add(e)
  }

  #withToken(token: string): Set<IndexEntry> {
    let set = this.#tokens.get(token)
    if (set === undefined) {
      set = new Set()
      for (const e of this.#sorted ?? []) if (e.tokens.includes(token)) set.add(e)
      this.#tokens.set(token, set)
    }
    return set
  }

  #search(e: IndexEntry): number {
    const arr = this.#sorted as IndexEntry[]
    let lo = 0
    let hi = arr.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareEntries(arr[mid] as IndexEntry, e) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Brings entries of dirty ids up to date. */
  refresh(): void {
    if (this.#dirty.size === 0 && this.#sorted !== null) return
    // rebuild when many changed (e.g. a snapshot was just applied), else patch in place
    const incremental = this.#sorted !== null && this.#dirty.size * 16 < this.#sorted.length
    for (const id of this.#dirty) {
      const old = this.#entries.get(id)
      if (old !== undefined && old !== null) {
        this.#dropTokens(old)
        if (incremental) {
          const at = this.#search(old)
          if (this.#sorted?.[at] === old) this.#sorted.splice(at, 1)
        }
      }
      const e = this.#entryOf(id)
      if (e === undefined) {
        this.#entries.delete(id)
        continue
      }
      this.#entries.set(id, e)
      this.#addTokens(e)
      if (incremental) this.#sorted?.splice(this.#search(e), 0, e)
    }
    this.#dirty.clear()
    if (!incremental) {
      const all: IndexEntry[] = []
      // ids seeded before the first build, then ids touched before it, are computed now
      const pending = this.#pending
      this.#pending = null
      if (pending !== null) {
        for (let i = 0; i < pending.ids.length; i++) {
          const e = pending.entries[i] ?? this.#entryOf(pending.ids[i] as string)
          if (e === undefined) continue
          this.#addTokens(e)
          all.push(e)
        }
      }
      for (const [id, e] of this.#byId) {
        if (e !== null) all.push(e)
        else {
          const ne = this.#entryOf(id)
          if (ne === undefined) this.#byId.delete(id)
          else {
            this.#byId.set(id, ne)
            this.#addTokens(ne)
            all.push(ne)
          }
        }
      }
      all.sort(compareEntries)
      this.#sorted = all
      if (pending !== null) this.#inSortedOnly = true
    }
  }

  /** Every entry, withdrawn ones included, ordered by (date, id), undated last; the index's own array. */
  entries(): readonly IndexEntry[] {
    this.refresh()
    return this.#sorted as IndexEntry[]
  }

  /** Ids matching `q`, ordered by (date, id), undated last. */
  query(q: IndexQuery): string[] {
    this.refresh()
    const sorted = this.#sorted as IndexEntry[]
    const hasRange = q.from !== undefined || q.to !== undefined
    let lo = 0
    let hi = sorted.length
    if (hasRange) {
      lo = q.from === undefined ? 0 : this.#lowerBound(q.from)
      // undated entries have date Infinity: never inside a range
      hi = this.#lowerBound(q.to === undefined ? Number.MAX_VALUE : q.to)
    }
    const codeMatches = q.code === undefined ? undefined : this.#union(q.code.map(filterToken))
    const categoryMatches = q.category === undefined ? undefined : this.#union(q.category.map((c) => `k${filterToken(c)}`))
    const accept = (e: IndexEntry): boolean => {
      if (hasRange && !(e.date >= (q.from ?? -Infinity) && e.date < (q.to ?? Number.MAX_VALUE))) return false
      if (codeMatches !== undefined && !codeMatches.has(e)) return false
      if (categoryMatches !== undefined && !categoryMatches.has(e)) return false
      if (q.status !== undefined) return e.status !== undefined && q.status.includes(e.status)
      return q.includeWithdrawn === true || !e.withdrawn
    }
    const smallest = [codeMatches, categoryMatches].filter((s) => s !== undefined).sort((a, b) => a.size - b.size)[0]
    if (smallest !== undefined && smallest.size < hi - lo) {
      const out: IndexEntry[] = []
      for (const e of smallest) if (accept(e)) out.push(e)
      return out.sort(compareEntries).map((e) => e.id)
    }
    const out: string[] = []
    for (let i = lo; i < hi; i++) {
      const e = sorted[i] as IndexEntry
      if (accept(e)) out.push(e.id)
    }
    return out
  }

  #lowerBound(date: number): number {
    const arr = this.#sorted as IndexEntry[]
    let lo = 0
    let hi = arr.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((arr[mid] as IndexEntry).date < date) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  #union(tokens: readonly string[]): Set<IndexEntry> {
    if (tokens.length === 1) return this.#withToken(tokens[0] as string)
    const out = new Set<IndexEntry>()
    for (const t of tokens) for (const e of this.#withToken(t)) out.add(e)
    return out
  }
}
