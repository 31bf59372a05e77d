/**
 * Vitals of a synthetic patient: spot vital-sign Observations (blood pressure, heart rate,
 * weight, SpO2, temperature) and the time series (heart rate at 1 Hz while a chest strap is
 * worn, CGM glucose every 5 minutes, hourly steps), streamed day by day.
 */
import type { FhirResource } from './fhir-types.ts'
import { OBSERVATION_CATEGORY } from './kinds.ts'
import type { Prng } from './prng.ts'
import { DAY_MS, iso, SYNTHETIC_DEVICES, type PatientState } from './synthetic-life.ts'
import { concept, LOINC, UCUM, VITALS, type LoincTerm } from './synthetic-terms.ts'

const HOUR = 3_600_000
const MINUTE = 60_000

/** Receives one time-series sample. */
export type SampleSink = (code: string, device: string, t: number, value: number, unit: string) => void

const VITAL_SIGNS = [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs' }] }]

const quantity = (term: LoincTerm, value: number): { value: number; unit: string; system: string; code: string } => ({
  value,
  unit: term.unit,
  system: UCUM,
  code: term.unit
})

/** Spreads `total` over `days` as evenly as integers allow; the count of day `d`. */
export const share = (total: number, days: number, d: number): number => Math.floor(((d + 1) * total) / days) - Math.floor((d * total) / days)

/** Spot vital-sign Observations, `total` of them spread over the days, time-ordered per day. */
export function* spotVitals(rng: Prng, p: PatientState, start: number, days: number, total: number, nextId: (prefix: string) => string): Generator<FhirResource> {
  let weight = p.weightKg
  for (let d = 0; d < days; d++) {
    const n = share(total, days, d)
    weight = Math.round((weight + rng.normal(0, 0.08)) * 10) / 10
    const times: number[] = []
    for (let i = 0; i < n; i++) times.push(start + d * DAY_MS + 7 * HOUR + rng.int(0, 15 * 60 - 1) * MINUTE)
    times.sort((a, b) => a - b)
    for (const t of times) {
      const base = { resourceType: 'Observation', id: nextId('vs'), status: 'final', category: VITAL_SIGNS, subject: p.subject, effectiveDateTime: iso(t) }
      const roll = rng.float()
      if (roll < 0.45) {
        const sys = Math.round(rng.normal(p.hypertensive ? 134 : 118, 9))
        const dia = Math.round(rng.normal(p.hypertensive ? 86 : 76, 6))
        yield {
          ...base,
          code: concept(LOINC, VITALS.bpPanel),
          component: [
            { code: concept(LOINC, VITALS.systolic), valueQuantity: quantity(VITALS.systolic, sys) },
            { code: concept(LOINC, VITALS.diastolic), valueQuantity: quantity(VITALS.diastolic, dia) }
          ],
          device: { display: SYNTHETIC_DEVICES.bpCuff }
        }
      } else if (roll < 0.65) {
        yield { ...base, code: concept(LOINC, VITALS.heartRate), valueQuantity: quantity(VITALS.heartRate, Math.round(rng.normal(p.restingHeartRate + 4, 5))) }
      } else if (roll < 0.8) {
        yield { ...base, code: concept(LOINC, VITALS.weight), valueQuantity: quantity(VITALS.weight, weight) }
      } else if (roll < 0.92) {
        yield { ...base, code: concept(LOINC, VITALS.spo2), valueQuantity: quantity(VITALS.spo2, Math.min(100, Math.round(rng.normal(97, 1.2)))) }
      } else {
        yield { ...base, code: concept(LOINC, VITALS.temperature), valueQuantity: quantity(VITALS.temperature, Math.round(rng.normal(36.7, 0.25) * 10) / 10) }
      }
    }
  }
}

/** How many samples of each series a record holds. */
export interface SamplePlan {
  readonly stepsTotal: number
  readonly cgmDays: number
  readonly hrTotal: number
}

/**
 * Splits `samples` over the series: hourly steps (16 waking hours a day), CGM every 5
 * minutes over the last `cgmDays` days (about a fifth of the samples), the rest heart rate at
 * 1 Hz, one session a day.
 */
export function planSamples(samples: number, days: number): SamplePlan {
  const stepsTotal = Math.min(samples, 16 * days)
  const cgmDays = Math.min(days, Math.floor((0.2 * samples) / 288), Math.floor((samples - stepsTotal) / 288))
  const hrTotal = samples - stepsTotal - cgmDays * 288
  return { stepsTotal, cgmDays, hrTotal }
}

/** Emits the time series to `sink`, day by day; returns the number of samples. */
export function emitSamples(rng: Prng, p: PatientState, start: number, days: number, plan: SamplePlan, sink: SampleSink): number {
  let count = 0
  const emit = (term: LoincTerm, device: string, t: number, v: number): void => {
    sink(term.code, device, t, v, term.unit)
    count++
  }
  let ar = 0
  for (let d = 0; d < days; d++) {
    const day0 = start + d * DAY_MS
    if (d >= days - plan.cgmDays) {
      // CGM: fasting baseline, three meals, AR(1) sensor noise (Dexcom-like 5-minute cadence)
      const baseline = rng.normal(p.diabetic ? 135 : 95, 10)
      const meals = [7.5, 13, 19.5].map((h) => ({ at: h + rng.normal(0, 0.5), rise: rng.normal(p.diabetic ? 70 : 35, 15) }))
      for (let k = 0; k < 288; k++) {
        const h = (k * 5 + 2.5) / 60
        let g = baseline + (h > 4 && h < 8 ? 8 * Math.sin(((h - 4) / 4) * Math.PI) : 0) // dawn phenomenon
        for (const m of meals) {
          const x = h - m.at
          if (x > 0) g += m.rise * (x / 0.75) * Math.exp(1 - x / 0.75)
        }
        ar = 0.85 * ar + rng.normal(0, 2)
        emit(VITALS.cgmGlucose, SYNTHETIC_DEVICES.cgm, day0 + Math.round(h * HOUR), Math.max(40, Math.min(400, Math.round(g + ar))))
      }
    }
    const steps = share(plan.stepsTotal, days, d)
    for (let i = 0; i < steps; i++) {
      const hour = 7 + (i % 16)
      const active = hour === 8 || hour === 18 ? 1200 : 350
      emit(VITALS.steps, SYNTHETIC_DEVICES.phone, day0 + hour * HOUR + Math.floor(i / 16) * MINUTE, Math.max(0, Math.round(rng.normal(active, 180))))
    }
    const seconds = share(plan.hrTotal, days, d)
    if (seconds > 0) {
      const span = Math.min(seconds, 86_399)
      const begin = day0 + (span > 14 * 3600 ? 0 : 6 * HOUR + rng.int(0, 14 * 3600 - span) * 1000)
      const peak = rng.normal(135, 12)
      let x = 0
      for (let i = 0; i < seconds; i++) {
        const f = i / seconds
        const effort = f < 0.15 ? f / 0.15 : f > 0.85 ? (1 - f) / 0.15 : 1
        x = 0.95 * x + rng.normal(0, 0.7)
        const bpm = p.restingHeartRate + (peak - p.restingHeartRate) * effort + x
        emit(VITALS.heartRate, SYNTHETIC_DEVICES.heartRate, begin + (i % 86_400) * 1000 + Math.floor(i / 86_400), Math.round(bpm))
      }
    }
  }
  return count
}
