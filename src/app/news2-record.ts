/**
 * A doctor's NEWS2 entries for a patient during a visit (ACVPU, air or oxygen, SpO2 scale 2):
 * written as FHIR Observations into the grant's visit compartment — the one compartment the
 * doctor's device may write, and one the patient's devices receive — and read back for the
 * form (what is in force now). The insights of both sides read them from there
 * (record-insights.ts, `visits`).
 */
import { news2ContextObservation, news2RecordedOf, type Consciousness, type News2ContextInput, type News2Entry } from '../insights/index.ts'
import { randomBytes } from '../crypto/index.ts'
import { toHex } from '../lib/index.ts'
import type { Compartment } from '../record/index.ts'

/** The newest entry of each kind, as the form shows it. */
export interface News2ContextStatus {
  readonly consciousness?: News2Entry<Consciousness>
  readonly oxygen?: News2Entry<boolean>
  /** The scale-2 mark in force (until withdrawn). */
  readonly scale2?: News2Entry<2>
}

/** Why a scale-2 mark was withdrawn (the withdrawal's reason extension). */
export const SCALE2_WITHDRAWN_REASON = 'SpO2 scale 2 no longer applies (removed by the clinician)'

/**
 * Writes one entry into the visit compartment, timed `at`, recorded by `by`. Returns its id.
 * @throws {News2ContextInputError} for a value that cannot be recorded (see `news2ContextObservation`).
 */
export function recordNews2Entry(visit: Compartment, input: News2ContextInput, meta: { readonly at: number; readonly by: string }): string {
  const r = news2ContextObservation(input, { id: `news2-${toHex(randomBytes(8))}`, at: meta.at, by: meta.by })
  visit.resources.put(r)
  return r.id
}

/**
 * Withdraws every scale-2 mark in force (entered-in-error, with a reason: nothing clinical is
 * deleted). Returns how many were withdrawn.
 * @throws Never.
 */
export function endScale2(visit: Compartment): number {
  let n = 0
  visit.batch(() => {
    for (const e of news2RecordedOf([visit]).recorded.scale2) {
      visit.resources.withdraw('Observation', e.ref.slice('Observation/'.length), SCALE2_WITHDRAWN_REASON)
      n++
    }
  })
  return n
}

/**
 * The newest entry of each kind in `visits` up to `now` (refused entries left out).
 * @throws Never.
 */
export function news2ContextStatus(visits: readonly Compartment[], now: number): News2ContextStatus {
  const { recorded } = news2RecordedOf(visits, now)
  const [consciousness] = recorded.consciousness
  const [oxygen] = recorded.oxygen
  const [scale2] = recorded.scale2
  return { ...(consciousness === undefined ? {} : { consciousness }), ...(oxygen === undefined ? {} : { oxygen }), ...(scale2 === undefined ? {} : { scale2 }) }
}
