/**
 * The timeline: the whole anamnesis, newest first, one entry per resource of every
 * compartment but the access log, filtered by type and by a text search.
 *
 * Ordering costs no parsing: each compartment's resource index already holds every
 * resource's clinical date (`ResourceStore.entries`), sorted per type; the timeline merges
 * those lists (undated entries — the patient, practitioners, devices — last). An entry's
 * text is read (the resource parsed) only when it is shown or searched, and kept per index
 * entry, so a changed resource (a new index entry) is read again and nothing else is.
 *
 * A text search has to read every entry once: it runs in slices of a few milliseconds
 * between which the page handles input and paints, and shows its matches as they come
 * (newest first). Changes to the record (local edits, sync, imports) refresh the timeline
 * once per burst.
 */
import type { Compartment, IndexEntry } from '../record/index.ts'
import { describeResource, type EntryText } from './timeline-text.ts'

/** One entry as the timeline shows it. */
export interface TimelineEntry {
  /** `<compartment>|<type>/<id>`: unique within the record. */
  readonly key: string
  /** The compartment kind (`core`, `vitals`, `visit:<grant>`…). */
  readonly compartment: string
  readonly type: string
  readonly id: string
  /** Clinical date in ms; `undefined` when the resource has none. */
  readonly date: number | undefined
  /** Withdrawn (entered-in-error): shown as such, never hidden. */
  readonly withdrawn: boolean
  /** The status code of the type's status element, if any. */
  readonly status: string | undefined
  /** What it is (a condition's name, a reading's measure, a note's title). */
  readonly title: string
  /** The value, dose or text, when there is one. */
  readonly detail: string
  /** Who wrote it (a doctor's visit note names its doctor), when it says. */
  readonly author: string | undefined
  /** False when the stored value could not be read as this resource (a peer's junk). */
  readonly readable: boolean
}

/** What is shown. */
export interface TimelineFilter {
  /** Only these resource types; none or empty: all. */
  readonly types?: readonly string[]
  /** Words that must all appear in an entry's text, date or type (case-insensitive). */
  readonly text?: string
}

/** Where the timeline stands. */
export interface TimelineState {
  /** Entries in the record (the access log aside). */
  readonly total: number
  /** Entries shown: those matching the filter found so far. */
  readonly shown: number
  /** A text search is still reading entries. */
  readonly searching: boolean
  /** Fraction of the entries the running search has read (1 when none runs). */
  readonly progress: number
  /** False while some compartment waits for updates it depends on: the timeline may lack entries. */
  readonly complete: boolean
}

/** A resource type present, with how many entries it has. */
export interface TimelineType {
  readonly type: string
  readonly count: number
}

/** The timeline of an open record. */
export interface Timeline {
  /** Where it stands (built on first use). */
  state(): TimelineState
  /** The entry shown at `index` (0 = newest), read when first asked; `undefined` out of range. */
  at(index: number): TimelineEntry | undefined
  /** The types present, most entries first. */
  types(): TimelineType[]
  filter(): TimelineFilter
  /** Shows only what matches; a text search runs in slices and fills in as it goes. */
  setFilter(filter: TimelineFilter): void
  /** Calls `listener` whenever what is shown changes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void
  /** Reads the compartments again now (one was added, e.g. a visit's). */
  refresh(): void
  /** Stops following the record. */
  close(): void
}

/** What the timeline reads. */
export interface TimelineComponents {
  /** The compartments to show, read again on every refresh. */
  compartments(): Iterable<readonly [string, Compartment]>
}

/** Options of the timeline. */
export interface TimelineInit {
  /** Longest slice of search work before the page gets the thread back, ms. @default 6 */
  sliceMs?: number
  /** Wait after a change before refreshing, so a burst of updates is one refresh, ms. @default 50 */
  refreshDelayMs?: number
  /** Compartments left out. @default ['audit'] (the access log is not health data) */
  exclude?: readonly string[]
}

/** One index entry with where it lives. */
interface Ref {
  readonly source: number
  readonly type: string
  readonly entry: IndexEntry
}

interface Source {
  readonly kind: string
  readonly compartment: Compartment
}

const now = (): number => performance.now()

/**
 * Runs `fn` as a new task soon, after the page had its turn (input, paint). `scheduler.postTask`
 * where there is one: nested `setTimeout`s are clamped to 4 ms each in browsers.
 */
const yieldThen = (fn: () => void): void => {
  const s = (globalThis as { scheduler?: { postTask?: (cb: () => void, o: { priority: string }) => Promise<unknown> } }).scheduler
  if (s?.postTask !== undefined) void s.postTask(fn, { priority: 'user-visible' })
  else setTimeout(fn, 0)
}

/** Merges per-type lists (each ascending by date, then id; undated last) into newest first, undated last. */
function mergeNewestFirst(lists: Array<{ source: number; type: string; entries: readonly IndexEntry[] }>): Ref[] {
  const total = lists.reduce((n, l) => n + l.entries.length, 0)
  const out: Ref[] = new Array<Ref>(total)
  // per list: the next dated entry from its end
  const heads = lists.map((l) => {
    let end = l.entries.length
    while (end > 0 && (l.entries[end - 1] as IndexEntry).date === Number.POSITIVE_INFINITY) end--
    return end - 1
  })
  let n = 0
  for (;;) {
    let best = -1
    let bestEntry: IndexEntry | undefined
    for (let i = 0; i < lists.length; i++) {
      const h = heads[i] as number
      if (h < 0) continue
      const e = (lists[i] as (typeof lists)[number]).entries[h] as IndexEntry
      if (bestEntry === undefined || e.date > bestEntry.date || (e.date === bestEntry.date && e.id > bestEntry.id)) {
        best = i
        bestEntry = e
      }
    }
    if (bestEntry === undefined) break
    const l = lists[best] as (typeof lists)[number]
    out[n++] = { source: l.source, type: l.type, entry: bestEntry }
    heads[best] = (heads[best] as number) - 1
  }
  for (const l of lists) {
    for (let i = l.entries.length - 1; i >= 0 && (l.entries[i] as IndexEntry).date === Number.POSITIVE_INFINITY; i--) {
      out[n++] = { source: l.source, type: l.type, entry: l.entries[i] as IndexEntry }
    }
  }
  out.length = n
  return out
}

/** The words of a search, lowercased; empty for none. */
function words(text: string | undefined): string[] {
  return (text ?? '').toLowerCase().split(/\s+/).filter((w) => w !== '')
}

/**
 * Creates the timeline of a record. Nothing is read until it is first asked.
 * @example const t = createTimeline({ compartments: () => [...session.compartments].map(([k, c]) => [k, c.compartment] as const) }); t.at(0)
 */
export function createTimeline(components: TimelineComponents, init: TimelineInit = {}): Timeline {
  const sliceMs = init.sliceMs ?? 6
  const refreshDelayMs = init.refreshDelayMs ?? 50
  const exclude = new Set(init.exclude ?? ['audit'])
  const listeners = new Set<() => void>()
  const followed = new Map<Compartment, () => void>()
  let sources: Source[] = []
  /** Everything, newest first. */
  let all: Ref[] | undefined
  /** What the type filter leaves, newest first. */
  let typed: Ref[] = []
  /** What is shown: `typed`, or the matches of the search so far. */
  let shown: Ref[] = []
  let filter: TimelineFilter = {}
  let search: { words: string[]; next: number } | undefined
  let refreshTimer: ReturnType<typeof setTimeout> | undefined
  let closed = false
  // kept per index entry: a changed resource gets a new entry, so it is read again
  const texts = new WeakMap<IndexEntry, TimelineEntry>()
  const haystacks = new WeakMap<IndexEntry, string>()
  /** Practitioner names by reference, for authors given as a reference only. */
  const names = new Map<string, string | undefined>()

  const notify = (): void => {
    for (const l of listeners) l()
  }

  const scheduleRefresh = (): void => {
    if (closed || refreshTimer !== undefined) return
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined
      rebuild()
      notify()
    }, refreshDelayMs)
  }

  function follow(): void {
    const next: Source[] = []
    const seen = new Set<Compartment>()
    for (const [kind, compartment] of components.compartments()) {
      if (exclude.has(kind)) continue
      next.push({ kind, compartment })
      seen.add(compartment)
      if (!followed.has(compartment)) followed.set(compartment, compartment.onUpdate(scheduleRefresh))
    }
    for (const [c, off] of followed) {
      if (!seen.has(c)) {
        off()
        followed.delete(c)
      }
    }
    sources = next
  }

  function resolveName(reference: string): string | undefined {
    if (names.has(reference)) return names.get(reference)
    const m = /^(Practitioner|PractitionerRole|Organization|Patient|RelatedPerson)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference)
    let name: string | undefined
    if (m !== null) {
      for (const s of sources) {
        const r = s.compartment.resources.get(m[1] as string, m[2] as string)
        if (r !== undefined) {
          name = describeResource(r, () => undefined).title
          break
        }
      }
    }
    names.set(reference, name)
    return name
  }

  /** The entry of `ref`, read from its resource now. */
  function build(ref: Ref): TimelineEntry {
    const source = sources[ref.source] as Source
    const r = source.compartment.resources.get(ref.type, ref.entry.id)
    const text: EntryText = r === undefined ? { title: ref.type, detail: '', author: undefined } : describeResource(r, resolveName)
    const e: TimelineEntry = {
      key: `${source.kind}|${ref.type}/${ref.entry.id}`,
      compartment: source.kind,
      type: ref.type,
      id: ref.entry.id,
      date: ref.entry.date === Number.POSITIVE_INFINITY ? undefined : ref.entry.date,
      withdrawn: ref.entry.withdrawn,
      status: ref.entry.status,
      ...text,
      readable: r !== undefined
    }
    return e
  }

  /** The entry of `ref`, kept for the next time it is shown. */
  function read(ref: Ref): TimelineEntry {
    let e = texts.get(ref.entry)
    if (e === undefined) texts.set(ref.entry, (e = build(ref)))
    return e
  }

  function haystackOf(ref: Ref): string {
    const hit = haystacks.get(ref.entry)
    if (hit !== undefined) return hit
    // a search reads every entry: only its text is kept, not the whole entry
    const e = texts.get(ref.entry) ?? build(ref)
    const date = e.date === undefined ? '' : new Date(e.date).toISOString().slice(0, 10)
    const h = `${e.title}\n${e.detail}\n${e.author ?? ''}\n${e.type}\n${date}\n${e.status ?? ''}`.toLowerCase()
    haystacks.set(ref.entry, h)
    return h
  }

  function applyTypes(): void {
    const types = filter.types === undefined || filter.types.length === 0 ? undefined : new Set(filter.types)
    typed = types === undefined ? (all ?? []) : (all ?? []).filter((r) => types.has(r.type))
  }

  function stopSearch(): void {
    // a slice already queued sees that `search` is no longer its own and stops
    search = undefined
  }

  /** Runs the search for one slice, then yields to the page. */
  function searchSlice(s: NonNullable<typeof search>): void {
    if (s !== search || closed) return
    const t0 = now()
    const from = typed
    while (s.next < from.length) {
      const ref = from[s.next++] as Ref
      const h = haystackOf(ref)
      if (s.words.every((w) => h.includes(w))) {
        shown.push(ref)
      }
      // check the clock every 64 entries: reading one is a few microseconds
      if ((s.next & 63) === 0 && now() - t0 >= sliceMs) break
    }
    if (s.next >= from.length) search = undefined
    else yieldThen(() => searchSlice(s))
    // the progress moved even when nothing matched in this slice
    notify()
  }

  function startSearch(): void {
    stopSearch()
    const w = words(filter.text)
    if (w.length === 0) {
      shown = typed
      return
    }
    shown = []
    search = { words: w, next: 0 }
    searchSlice(search)
  }

  function rebuild(): void {
    follow()
    const lists: Array<{ source: number; type: string; entries: readonly IndexEntry[] }> = []
    sources.forEach((s, i) => {
      for (const type of s.compartment.resources.types()) lists.push({ source: i, type, entries: s.compartment.resources.entries(type) })
    })
    all = mergeNewestFirst(lists)
    names.clear()
    applyTypes()
    startSearch()
  }

  const ensure = (): void => {
    if (all === undefined && !closed) rebuild()
  }

  return {
    state() {
      ensure()
      const total = all?.length ?? 0
      const complete = sources.every((s) => s.compartment.isComplete())
      return {
        total,
        shown: shown.length,
        searching: search !== undefined,
        progress: search === undefined ? 1 : typed.length === 0 ? 1 : search.next / typed.length,
        complete
      }
    },
    at(index) {
      ensure()
      const ref = shown[index]
      return ref === undefined ? undefined : read(ref)
    },
    types() {
      ensure()
      const counts = new Map<string, number>()
      for (const s of sources) for (const type of s.compartment.resources.types()) counts.set(type, (counts.get(type) ?? 0) + s.compartment.resources.count(type))
      return [...counts].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1))
    },
    filter: () => filter,
    setFilter(next) {
      const types = next.types === undefined ? undefined : [...next.types]
      filter = { ...(types === undefined ? {} : { types }), ...(next.text === undefined ? {} : { text: next.text }) }
      if (all === undefined) {
        ensure()
      } else {
        applyTypes()
        startSearch()
      }
      notify()
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    refresh() {
      if (closed) return
      rebuild()
      notify()
    },
    close() {
      closed = true
      stopSearch()
      if (refreshTimer !== undefined) clearTimeout(refreshTimer)
      for (const off of followed.values()) off()
      followed.clear()
      listeners.clear()
    }
  }
}
