/**
 * Apple Health `export.xml` import, streamed: the file is fed in chunks to a SAX parser
 * (`saxes`) and each `<Record>` becomes a time-series sample or a FHIR Observation as soon
 * as its start tag is read; nothing of the file is kept. Memory is bounded by the parser's
 * current chunk, the blood-pressure halves waiting for their pair (capped) and what the
 * sink buffers.
 *
 * A file cut short (a download or copy that stopped) ends with `complete: false` and an
 * `AppleHealthTruncatedError` in the result, after everything read before the cut went to
 * the sink. Malformed XML likewise ends with an `AppleHealthFormatError`. Neither throws.
 *
 * Not read: workouts (counted in `skipped.workouts`: a workout is a session, not a
 * measurement, and the record has no Observation shape for it yet), `ActivitySummary`,
 * category types (sleep, stand hours), and Records nested in a `Correlation` (Apple writes
 * the blood-pressure halves both inside the correlation and at top level; the top-level
 * ones are paired here).
 */
import { SaxesParser } from 'saxes'
import { OBSERVATION_CATEGORY, type FhirResource, type Reference } from '../record/index.ts'
import { AppleHealthFormatError, AppleHealthTruncatedError } from './errors.ts'
import { APPLE_BP_DIASTOLIC, APPLE_BP_SYSTOLIC, APPLE_LOINC, APPLE_TYPES, appleDate } from './apple-health-types.ts'
import { sha256Hex, utf8Length } from './json.ts'

/** Where the imported data goes. */
export interface AppleHealthSink {
  /** One time-series sample (same arguments as `SeriesStore.append`). */
  sample(code: string, device: string, t: number, value: number, unit: string): void
  /** One spot Observation (valid for the record's validator; a stable id from its content). */
  observation(obs: FhirResource): void
}

/** Options of the Apple Health import. */
export interface AppleHealthInit {
  readonly sink: AppleHealthSink
  /** Called after each chunk with bytes read so far and `totalBytes` when given. @default none */
  readonly onProgress?: (bytes: number, totalBytes: number | undefined) => void
  /** Size of the file, passed back to `onProgress`. @default undefined */
  readonly totalBytes?: number
  /** `Observation.subject` (the patient). @default none */
  readonly subject?: Reference
  /** Blood-pressure halves held while waiting for their pair; the oldest is written alone beyond it. @default 10_000 */
  readonly maxPendingBloodPressure?: number
}

/** What an import read. */
export interface AppleHealthResult {
  /** The whole file was read: the root element closed and the XML was well-formed. */
  readonly complete: boolean
  /** Why not, when `complete` is false. Everything before the problem was kept. */
  readonly error?: AppleHealthFormatError
  readonly bytes: number
  /** `<Record>` elements seen (top level). */
  readonly records: number
  /** Time-series samples written. */
  readonly samples: number
  /** Observations written (blood-pressure panels included). */
  readonly observations: number
  readonly bloodPressurePanels: number
  readonly skipped: {
    /** Records of types not read, by HealthKit type. */
    readonly byType: Readonly<Record<string, number>>
    readonly workouts: number
    /** Records with a missing or unparseable date or value, or a unit not known for their type. */
    readonly invalid: number
    /** Records nested in a Correlation (their top-level copies are read). */
    readonly nested: number
  }
}

/** A push-style importer: `write` chunks, then `end`. */
export interface AppleHealthImporter {
  /**
   * Feeds the next chunk (bytes are UTF-8; a character split across chunks is fine).
   * @throws Never: a problem ends the import and shows in the result.
   */
  write(chunk: Uint8Array | string): void
  /**
   * Ends the input, writes unpaired blood-pressure halves, and returns what was read.
   * @throws Never.
   */
  end(): AppleHealthResult
}

interface PendingBp {
  sys?: number
  dia?: number
  readonly start: string
  readonly end: string | undefined
  readonly source: string
}

const ROOT = 'HealthData'

/**
 * A streaming importer of `export.xml` (see the file comment).
 * @throws {RangeError} if `maxPendingBloodPressure` is not a positive integer.
 * @example
 * const imp = createAppleHealthImporter({ sink })
 * for await (const chunk of file.stream()) imp.write(chunk)
 * const result = imp.end() // { complete, records, samples, observations, skipped, error? }
 */
export function createAppleHealthImporter(init: AppleHealthInit): AppleHealthImporter {
  const maxPending = init.maxPendingBloodPressure ?? 10_000
  if (!Number.isSafeInteger(maxPending) || maxPending < 1) throw new RangeError('maxPendingBloodPressure: expected a positive integer')
  const sink = init.sink
  const decoder = new TextDecoder('utf-8')
  const parser = new SaxesParser<{ xmlns: false; position: false }>({ xmlns: false, position: false })
  let bytes = 0
  let depth = 0
  let correlationDepth = 0
  let sawRoot = false
  let ended = false
  let error: AppleHealthFormatError | undefined
  let records = 0
  let samples = 0
  let observations = 0
  let panels = 0
  let workouts = 0
  let invalid = 0
  let nested = 0
  const byType: Record<string, number> = {}
  const pendingBp = new Map<string, PendingBp>()
  const deviceIds = new Map<string, string>()

  const deviceId = (source: string): string => {
    let id = deviceIds.get(source)
    if (id === undefined) {
      // DEVICE_ID_PATTERN: a readable slug of the source name plus a hash to keep "Anna’s Watch" and "Anna's Watch" apart
      const slug = source.replace(/[^A-Za-z0-9._~-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80)
      id = `apple-health:${slug === '' ? 'source' : slug}.${sha256Hex(source).slice(0, 8)}`
      deviceIds.set(source, id)
    }
    return id
  }

  const base = (id: string, category: string, start: string, end: string | undefined, source: string): Record<string, unknown> => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: category }] }],
    ...(init.subject === undefined ? {} : { subject: init.subject }),
    ...(end === undefined || end === start ? { effectiveDateTime: start } : { effectivePeriod: { start, end } }),
    device: { display: source }
  })

  const emit = (obs: Record<string, unknown>): void => {
    sink.observation(obs as FhirResource)
    observations++
  }

  const quantity = (value: number, unit: string): Record<string, unknown> => ({ value, unit, system: 'http://unitsofmeasure.org', code: unit })
  const concept = (code: string, display: string): Record<string, unknown> => ({ coding: [{ system: 'http://loinc.org', code, display }], text: display })

  const writeBp = (p: PendingBp): void => {
    const id = `ah-${sha256Hex(`bp\n${p.source}\n${p.start}\n${p.end ?? ''}\n${p.sys ?? ''}\n${p.dia ?? ''}`).slice(0, 32)}`
    if (p.sys !== undefined && p.dia !== undefined) {
      const t = APPLE_LOINC
      emit({
        ...base(id, 'vital-signs', p.start, p.end, p.source),
        code: concept(t.bpPanel.code, t.bpPanel.display),
        component: [
          { code: concept(t.systolic.code, t.systolic.display), valueQuantity: quantity(p.sys, 'mm[Hg]') },
          { code: concept(t.diastolic.code, t.diastolic.display), valueQuantity: quantity(p.dia, 'mm[Hg]') }
        ]
      })
      panels++
    } else {
      const term = p.sys !== undefined ? APPLE_LOINC.systolic : APPLE_LOINC.diastolic
      emit({ ...base(id, 'vital-signs', p.start, p.end, p.source), code: concept(term.code, term.display), valueQuantity: quantity((p.sys ?? p.dia) as number, 'mm[Hg]') })
    }
  }

  const onRecord = (a: Record<string, string>): void => {
    records++
    const type = a['type'] ?? ''
    const start = appleDate(a['startDate'])
    const end = appleDate(a['endDate'])
    const value = Number(a['value'])
    const source = a['sourceName'] ?? 'Apple Health'
    const unit = a['unit'] ?? ''
    if (type === APPLE_BP_SYSTOLIC || type === APPLE_BP_DIASTOLIC) {
      if (start === undefined || !Number.isFinite(value) || unit !== 'mmHg') {
        invalid++
        return
      }
      const key = `${source}\n${start}`
      let p = pendingBp.get(key)
      if (p === undefined) {
        p = { start, end, source }
        pendingBp.set(key, p)
      }
      if (type === APPLE_BP_SYSTOLIC) p.sys = value
      else p.dia = value
      if (p.sys !== undefined && p.dia !== undefined) {
        pendingBp.delete(key)
        writeBp(p)
      } else if (pendingBp.size > maxPending) {
        // bounded memory: the oldest waiting half is written on its own
        const [oldKey, old] = pendingBp.entries().next().value as [string, PendingBp]
        pendingBp.delete(oldKey)
        writeBp(old)
      }
      return
    }
    const spec = APPLE_TYPES[type]
    if (spec === undefined) {
      byType[type] = (byType[type] ?? 0) + 1
      return
    }
    const convert = spec.units[unit]
    if (start === undefined || !Number.isFinite(value) || convert === undefined) {
      invalid++
      return
    }
    const c = convert(value)
    if (spec.mode === 'series') {
      sink.sample(c.code, deviceId(source), Date.parse(start), c.value, c.unit)
      samples++
      return
    }
    const id = `ah-${sha256Hex(`${type}\n${source}\n${start}\n${end ?? ''}\n${value}\n${unit}`).slice(0, 32)}`
    emit({ ...base(id, spec.category, start, end, source), code: concept(c.code, c.display), valueQuantity: quantity(c.value, c.unit) })
  }

  parser.on('opentag', (tag) => {
    depth++
    if (depth === 1) {
      if (tag.name !== ROOT) throw new AppleHealthFormatError(`export.xml: root element is <${tag.name}>, expected <${ROOT}>`)
      sawRoot = true
      return
    }
    if (tag.name === 'Correlation') correlationDepth++
    if (tag.name === 'Workout' && depth === 2) workouts++
    if (tag.name !== 'Record') return
    if (correlationDepth > 0 || depth !== 2) nested++
    else onRecord(tag.attributes)
  })
  parser.on('closetag', (tag) => {
    if (tag.name === 'Correlation') correlationDepth--
    depth--
  })

  const fail = (err: unknown, truncated: boolean): void => {
    if (error !== undefined) return
    const msg = err instanceof Error ? err.message : String(err)
    const kept = `${records} records read before it were kept`
    error =
      err instanceof AppleHealthFormatError
        ? err
        : truncated
          ? new AppleHealthTruncatedError(`export.xml ends before </${ROOT}> (${msg}); ${kept}`, { cause: err })
          : new AppleHealthFormatError(`export.xml is not well-formed XML (${msg}); ${kept}`, { cause: err })
  }

  const feed = (text: string): void => {
    if (error !== undefined || text === '') return
    try {
      parser.write(text)
    } catch (err) {
      // saxes throws on the first well-formedness error; the import stops there (what came before is kept)
      fail(err, false)
    }
  }

  return {
    write(chunk: Uint8Array | string): void {
      if (ended) return
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
      bytes += typeof chunk === 'string' ? utf8Length(chunk) : chunk.byteLength
      feed(text)
      init.onProgress?.(bytes, init.totalBytes)
    },
    end(): AppleHealthResult {
      if (!ended) {
        ended = true
        feed(decoder.decode())
        if (error === undefined) {
          try {
            parser.close()
          } catch (err) {
            // saxes reports an unclosed root or a cut inside a tag only at the end: the file was cut short
            fail(err, sawRoot)
          }
        }
        for (const p of pendingBp.values()) writeBp(p)
        pendingBp.clear()
      }
      return {
        complete: error === undefined,
        ...(error === undefined ? {} : { error }),
        bytes,
        records,
        samples,
        observations,
        bloodPressurePanels: panels,
        skipped: { byType: { ...byType }, workouts, invalid, nested }
      }
    }
  }
}

/**
 * Streams `source` (a file's `stream()`, a Node read stream, or any iterable of chunks)
 * through `createAppleHealthImporter`.
 * @throws Whatever reading `source` throws (an I/O error is not a file problem); file problems are in the result.
 * @example const result = await importAppleHealth(file.stream(), { sink, totalBytes: file.size, onProgress })
 */
export async function importAppleHealth(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  init: AppleHealthInit
): Promise<AppleHealthResult> {
  const imp = createAppleHealthImporter(init)
  if (typeof (source as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader()
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        imp.write(value)
      }
    } finally {
      reader.releaseLock()
    }
  } else {
    for await (const chunk of source as AsyncIterable<Uint8Array | string>) imp.write(chunk)
  }
  return imp.end()
}
