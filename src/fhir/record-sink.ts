/**
 * A sink that writes imported device data (Apple Health) into the record: samples to the
 * `vitals` compartment's time series, Observations to their compartment (`compartmentFor`:
 * vital signs and activity → `vitals`, glucose → `results`), `batchSize` Observations per
 * transaction so a large import is a few hundred updates, not hundreds of thousands.
 * An Observation already held under the same id (the ids are derived from content) is not
 * written again, so importing the same export twice adds nothing.
 */
import { compartmentFor, type CompartmentKind, type FhirResource } from '../record/index.ts'
import type { AppleHealthSink } from './apple-health.ts'
import type { CompartmentAccessor } from './import.ts'

/** Options of `recordSink`. */
export interface RecordSinkInit {
  readonly compartment: CompartmentAccessor
  /** Observations written per transaction. @default 500 */
  readonly batchSize?: number
}

/** Counts of what a `recordSink` wrote. */
export interface RecordSinkCounts {
  readonly stored: number
  readonly duplicates: number
  /** Observations the record's validator refused, with the error. */
  readonly rejected: Array<{ id: string; reason: string }>
}

/**
 * A sink writing into the record. Call `flush()` after the import (and whenever a
 * checkpoint is wanted): it writes the waiting Observations and the buffered samples.
 * @throws {RangeError} if `batchSize` is not a positive integer.
 */
export function recordSink(init: RecordSinkInit): AppleHealthSink & { flush(): RecordSinkCounts } {
  const batchSize = init.batchSize ?? 500
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize: expected a positive integer')
  const waiting: FhirResource[] = []
  let stored = 0
  let duplicates = 0
  const rejected: Array<{ id: string; reason: string }> = []
  const writeWaiting = (): void => {
    const byKind = new Map<CompartmentKind, FhirResource[]>()
    for (const o of waiting.splice(0)) {
      const kind = compartmentFor(o)
      const list = byKind.get(kind) ?? []
      list.push(o)
      byKind.set(kind, list)
    }
    for (const [kind, list] of byKind) {
      const c = init.compartment(kind)
      c.batch(() => {
        for (const o of list) {
          if (c.resources.get(o.resourceType, o.id) !== undefined) {
            duplicates++
            continue
          }
          try {
            c.resources.put(o)
            stored++
          } catch (err) {
            // a refused Observation is reported, the others are written
            rejected.push({ id: o.id, reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })
          }
        }
      })
    }
  }
  return {
    sample(code, device, t, value, unit): void {
      init.compartment('vitals').series.append(code, device, t, value, unit)
    },
    observation(obs): void {
      waiting.push(obs)
      if (waiting.length >= batchSize) writeWaiting()
    },
    flush(): RecordSinkCounts {
      writeWaiting()
      init.compartment('vitals').series.flush()
      return { stored, duplicates, rejected: [...rejected] }
    }
  }
}
