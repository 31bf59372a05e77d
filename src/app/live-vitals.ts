/**
 * A reading on the patient's device, stored and sent at once (issue 8 §4: a doctor sees
 * live readings "in seconds, not minutes"). The vitals compartment would otherwise hold
 * series samples in memory until someone flushes them, and the persistence would gather
 * updates for its batch interval (200 ms) before sealing them; a live reading is flushed
 * and sealed right away, so sync pushes it to connected devices the moment it is stored.
 * A strap at 1 Hz makes one envelope a second either way.
 */
import { DEFAULT_MAX_RESOURCE_BYTES, validateResource, type Observation } from '../record/index.ts'
import type { SeriesSample } from '../devices/index.ts'
import type { OpenCompartment } from './record-session.ts'

/** What one reading produced (a device session's `reading` event has this shape). */
export interface LiveReadingInput {
  readonly observations?: readonly Observation[]
  readonly samples?: readonly SeriesSample[]
}

/**
 * Stores the Observations and series samples of one reading in `vitals` as one update, and
 * resolves once it is sealed and stored (sync sends it from there).
 * @throws {ResourceInvalidError} for an invalid Observation (checked first: nothing is stored).
 * @throws {RangeError | TypeError} for a malformed sample (the parts before it are stored).
 * @example session.on('reading', (r) => void recordLiveReading(record.session.compartments.get('vitals')!, r))
 */
export async function recordLiveReading(vitals: OpenCompartment, input: LiveReadingInput): Promise<void> {
  const c = vitals.compartment
  const samples = input.samples ?? []
  const observations = input.observations ?? []
  for (const o of observations) validateResource(o, DEFAULT_MAX_RESOURCE_BYTES)
  c.batch(() => {
    for (const o of observations) c.resources.put(o)
    for (const s of samples) c.series.append(s.code, s.device, s.t, s.value, s.unit)
    c.series.flush()
  })
  await vitals.persistence.flush()
}
