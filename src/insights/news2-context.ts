/**
 * What a clinician records for NEWS2 that no device measures (RCP NEWS2 2017, chart 1):
 * the level of consciousness (ACVPU), air or supplemental oxygen, and SpO2 scale 2 for a
 * patient with a prescribed target of 88–92 % (hypercapnic respiratory failure). Each is a
 * FHIR R4 Observation the doctor's device writes into the grant's visit compartment; the
 * patient's devices receive it with the compartment. `news2RecordedOf` reads them back,
 * untrusted: a resource that is not one of these exactly is refused with a named error,
 * and the others still count.
 *
 * Codes (none invented here):
 * - ACVPU: Observation.code SNOMED CT 1104441000000107, value one of the HL7 UK CareConnect
 *   ACVPU value set — NHS Digital, FHIR NEWS2 "ACVPU Observation" guidance
 *   (nhsconnect.github.io/FHIR-NEWS2/news2_acvpu_guidance.html), HL7 UK ValueSet
 *   CareConnect-ACVPU-1.
 * - Oxygen: LOINC 3151-8 "Inhaled oxygen flow rate" in L/min, as the HL7 US Core Pulse
 *   Oximetry profile carries it (component 3151-8); 0 L/min is breathing air.
 * - SpO2 scale 2: SNOMED CT 852641000000103 "Target peripheral oxygen saturation" (UK Core
 *   OxygenSaturation value set names it) with a value range of 88–92 %: RCP NEWS2 2017 uses
 *   scale 2 only for a patient whose prescribed target is 88–92 %, e.g. in hypercapnic
 *   respiratory failure, a decision a clinician makes and records. It stays in force until
 *   withdrawn (entered-in-error: nothing clinical is deleted).
 */
import { isWithdrawn, parseFhirDateTime, type CodeableConcept, type Compartment, type FhirResource, type Observation } from '../record/index.ts'
import { FormatError, PhrError } from '../lib/index.ts'
import type { Consciousness } from './news2.ts'

const SNOMED = 'http://snomed.info/sct'
const LOINC = 'http://loinc.org'
const UCUM = 'http://unitsofmeasure.org'

/** The codes of the three kinds of entry (see the file comment for their sources). */
export const NEWS2_CONTEXT_CODES = {
  // NHS Digital FHIR NEWS2, ACVPU Observation: "The code is fixed to 1104441000000107", system SNOMED CT
  consciousness: { system: SNOMED, code: '1104441000000107' },
  // HL7 US Core Pulse Oximetry profile: component LOINC 3151-8 Inhaled oxygen flow rate, L/min
  oxygen: { system: LOINC, code: '3151-8', display: 'Inhaled oxygen flow rate' },
  // UK Core OxygenSaturation value set: 852641000000103 | Target peripheral oxygen saturation |
  spo2Target: { system: SNOMED, code: '852641000000103', display: 'Target peripheral oxygen saturation' }
} as const

/** HL7 UK CareConnect-ACVPU-1 value set, by ACVPU letter. */
export const ACVPU_SNOMED: Readonly<Record<Consciousness, { readonly code: string; readonly display: string }>> = {
  A: { code: '248234008', display: 'Mentally alert' },
  C: { code: '130987000', display: 'Acute confusion' },
  V: { code: '300202002', display: 'Responds to voice' },
  P: { code: '450847001', display: 'Responds to pain' },
  U: { code: '422768004', display: 'Unresponsive' }
}

/** RCP NEWS2 2017: scale 2 is for a prescribed SpO2 target of 88–92 %. */
export const SCALE2_TARGET = { low: 88, high: 92 } as const
/** Highest oxygen flow accepted, L/min (high-flow nasal oxygen reaches 60). */
export const MAX_OXYGEN_FLOW_LPM = 60
/** Longest name of who recorded an entry. */
export const MAX_RECORDER_NAME = 200
/** Most entries of each kind read from one compartment (the newest). */
export const MAX_NEWS2_ENTRIES = 1000

/** A resource in a visit compartment that claims to be a NEWS2 entry but is not one exactly. */
export class News2ContextFormatError extends FormatError {
  override name: string = 'News2ContextFormatError'
}

/** A NEWS2 entry a clinician asked to record that cannot be recorded (a wrong value, no time, no name). */
export class News2ContextInputError extends PhrError {
  override name: string = 'News2ContextInputError'
}

/** One recorded entry: its value, when it holds (the assessment's time), who recorded it, and where it is. */
export interface News2Entry<T> {
  readonly value: T
  /** Epoch ms of the assessment (`effectiveDateTime`). */
  readonly t: number
  /** Who recorded it, as named on the resource (`performer[0].display`). */
  readonly by?: string
  /** `Observation/<id>`. */
  readonly ref: string
}

/** Everything recorded, newest first in each list. Plain data: it crosses to the insights worker. */
export interface News2Recorded {
  readonly consciousness: readonly News2Entry<Consciousness>[]
  /** `value`: on supplemental oxygen (flow > 0). */
  readonly oxygen: readonly News2Entry<boolean>[]
  /** Scale 2 marks in force (withdrawn ones left out). */
  readonly scale2: readonly News2Entry<2>[]
}

/** What a clinician records. */
export type News2ContextInput =
  | { readonly kind: 'consciousness'; readonly value: Consciousness }
  /** `flowLpm` is required on oxygen (> 0) and must be absent or 0 on air. */
  | { readonly kind: 'oxygen'; readonly onOxygen: boolean; readonly flowLpm?: number }
  | { readonly kind: 'spo2-scale-2' }

/** Who records, when, and the new resource's id. */
export interface News2RecordMeta {
  readonly id: string
  /** Epoch ms of the assessment. */
  readonly at: number
  readonly by: string
}

const ACVPU_LETTERS = Object.keys(ACVPU_SNOMED) as Consciousness[]
const ID = /^[A-Za-z0-9\-.]{1,64}$/

function recorder(by: unknown): string {
  if (typeof by !== 'string' || by.trim() === '' || by.length > MAX_RECORDER_NAME) throw new News2ContextInputError(`by: expected a name of 1..${MAX_RECORDER_NAME} characters`)
  return by.trim()
}

/**
 * The Observation that records one NEWS2 entry, for the visit compartment.
 * @throws {News2ContextInputError} for an unknown kind or ACVPU letter, an oxygen flow out of 0..60 L/min (or missing on oxygen), a time that is not epoch ms, an empty or too long name, a malformed id.
 * @example news2ContextObservation({ kind: 'oxygen', onOxygen: true, flowLpm: 2 }, { id: 'n2-1', at: Date.now(), by: 'Dr Karimova' })
 */
export function news2ContextObservation(input: News2ContextInput, meta: News2RecordMeta): Observation {
  if (typeof input !== 'object' || input === null) throw new News2ContextInputError('input: expected an object')
  if (typeof meta !== 'object' || meta === null) throw new News2ContextInputError('meta: expected an object')
  if (typeof meta.id !== 'string' || !ID.test(meta.id)) throw new News2ContextInputError('id: expected a FHIR id')
  if (typeof meta.at !== 'number' || !Number.isSafeInteger(meta.at) || meta.at < 0 || meta.at > 253_402_300_799_999) throw new News2ContextInputError('at: expected epoch ms')
  const by = recorder(meta.by)
  const base = {
    resourceType: 'Observation' as const,
    id: meta.id,
    status: 'final',
    effectiveDateTime: new Date(meta.at).toISOString(),
    performer: [{ display: by }]
  }
  switch (input.kind) {
    case 'consciousness': {
      const v = input.value
      if (typeof v !== 'string' || !ACVPU_LETTERS.includes(v)) throw new News2ContextInputError('consciousness: expected one of A C V P U')
      return {
        ...base,
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'exam' }] }],
        code: { coding: [{ ...NEWS2_CONTEXT_CODES.consciousness }], text: 'ACVPU' },
        valueCodeableConcept: { coding: [{ system: SNOMED, ...ACVPU_SNOMED[v] }], text: v }
      }
    }
    case 'oxygen': {
      if (typeof input.onOxygen !== 'boolean') throw new News2ContextInputError('onOxygen: expected a boolean')
      const flow = input.flowLpm ?? 0
      if (typeof flow !== 'number' || !Number.isFinite(flow) || flow < 0 || flow > MAX_OXYGEN_FLOW_LPM) throw new News2ContextInputError(`flowLpm: expected 0..${MAX_OXYGEN_FLOW_LPM} L/min`)
      if (input.onOxygen && flow === 0) throw new News2ContextInputError('flowLpm: on oxygen, give the flow (more than 0 L/min)')
      if (!input.onOxygen && flow !== 0) throw new News2ContextInputError('flowLpm: breathing air has no oxygen flow')
      return {
        ...base,
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
        code: { coding: [{ ...NEWS2_CONTEXT_CODES.oxygen }], text: 'Inhaled oxygen flow rate' },
        valueQuantity: { value: flow, unit: 'L/min', system: UCUM, code: 'L/min' }
      }
    }
    case 'spo2-scale-2':
      return {
        ...base,
        code: { coding: [{ ...NEWS2_CONTEXT_CODES.spo2Target }], text: 'Target SpO2 88–92 % (NEWS2 SpO2 scale 2)' },
        valueRange: { low: { value: SCALE2_TARGET.low, unit: '%', system: UCUM, code: '%' }, high: { value: SCALE2_TARGET.high, unit: '%', system: UCUM, code: '%' } },
        note: [{ text: 'Hypercapnic respiratory failure: SpO2 scale 2 (RCP NEWS2 2017)' }]
      }
    default:
      throw new News2ContextInputError(`kind: expected consciousness, oxygen or spo2-scale-2, got ${String((input as { kind?: unknown }).kind)}`)
  }
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)
const hasCoding = (cc: unknown, system: string, code: string): boolean =>
  isObj(cc) && Array.isArray(cc['coding']) && cc['coding'].some((c) => isObj(c) && c['system'] === system && c['code'] === code)

/** Which kind a resource claims to be by its code, or `null` when it is none of them. */
function kindOf(r: FhirResource): keyof typeof NEWS2_CONTEXT_CODES | null {
  const code = (r as { code?: unknown }).code
  for (const k of Object.keys(NEWS2_CONTEXT_CODES) as (keyof typeof NEWS2_CONTEXT_CODES)[]) {
    const c = NEWS2_CONTEXT_CODES[k]
    if (hasCoding(code, c.system, c.code)) return k
  }
  return null
}

function quantityValue(q: unknown, unit: string, where: string): number {
  if (!isObj(q) || typeof q['value'] !== 'number' || !Number.isFinite(q['value'])) throw new News2ContextFormatError(`${where}: expected a number`)
  if (q['code'] !== unit || (q['system'] !== undefined && q['system'] !== UCUM)) throw new News2ContextFormatError(`${where}: expected UCUM ${unit}`)
  return q['value']
}

/**
 * One entry out of an Observation that carries one of the NEWS2 codes.
 * @throws {News2ContextFormatError} when it is not exactly such an entry: not final, no time, a value of the wrong type, unit or range, an unknown ACVPU code, a scale-2 range other than 88–92 %.
 */
export function news2EntryOf(r: FhirResource): { kind: 'consciousness'; entry: News2Entry<Consciousness> } | { kind: 'oxygen'; entry: News2Entry<boolean> } | { kind: 'scale2'; entry: News2Entry<2> } {
  if (!isObj(r) || r['resourceType'] !== 'Observation' || typeof r['id'] !== 'string') throw new News2ContextFormatError('expected an Observation with an id')
  const kind = kindOf(r)
  if (kind === null) throw new News2ContextFormatError(`Observation/${r.id}: not a NEWS2 entry`)
  const status = r['status']
  if (status !== 'final' && status !== 'amended' && status !== 'corrected') throw new News2ContextFormatError(`Observation/${r.id}: status ${String(status)} is not a result`)
  const eff = r['effectiveDateTime']
  const t = parseFhirDateTime(eff)
  // a date without a time (2024-05-02) is no time of an assessment
  if (typeof eff !== 'string' || !eff.includes('T') || !Number.isFinite(t)) throw new News2ContextFormatError(`Observation/${r.id}: effectiveDateTime: expected a date and time`)
  const performer = r['performer']
  const first: unknown = Array.isArray(performer) ? performer[0] : undefined
  const by = isObj(first) && typeof first['display'] === 'string' && first['display'].length <= MAX_RECORDER_NAME ? first['display'] : undefined
  const base = { t, ref: `Observation/${r.id}`, ...(by === undefined ? {} : { by }) }
  switch (kind) {
    case 'consciousness': {
      const v = r['valueCodeableConcept'] as CodeableConcept | undefined
      const letter = ACVPU_LETTERS.find((l) => hasCoding(v, SNOMED, ACVPU_SNOMED[l].code))
      if (letter === undefined) throw new News2ContextFormatError(`Observation/${r.id}: valueCodeableConcept: expected an ACVPU code`)
      return { kind, entry: { ...base, value: letter } }
    }
    case 'oxygen': {
      const flow = quantityValue(r['valueQuantity'], 'L/min', `Observation/${r.id}.valueQuantity`)
      if (flow < 0 || flow > MAX_OXYGEN_FLOW_LPM) throw new News2ContextFormatError(`Observation/${r.id}.valueQuantity: expected 0..${MAX_OXYGEN_FLOW_LPM} L/min`)
      return { kind, entry: { ...base, value: flow > 0 } }
    }
    case 'spo2Target': {
      const range = r['valueRange']
      if (!isObj(range)) throw new News2ContextFormatError(`Observation/${r.id}.valueRange: expected a range`)
      const low = quantityValue(range['low'], '%', `Observation/${r.id}.valueRange.low`)
      const high = quantityValue(range['high'], '%', `Observation/${r.id}.valueRange.high`)
      // RCP NEWS2 2017: scale 2 only for a prescribed target of 88–92 %
      if (low !== SCALE2_TARGET.low || high !== SCALE2_TARGET.high) throw new News2ContextFormatError(`Observation/${r.id}.valueRange: expected 88–92 % (SpO2 scale 2)`)
      return { kind: 'scale2', entry: { ...base, value: 2 } }
    }
  }
}

/** What `news2RecordedOf` read: the entries, and one named error per resource refused. */
export interface News2RecordedRead {
  readonly recorded: News2Recorded
  readonly errors: readonly News2ContextFormatError[]
}

const CODES = Object.values(NEWS2_CONTEXT_CODES).map((c) => `${c.system}|${c.code}`)
const newestFirst = <T>(a: News2Entry<T>, b: News2Entry<T>): number => b.t - a.t || (a.ref < b.ref ? 1 : a.ref > b.ref ? -1 : 0)

/**
 * The NEWS2 entries of the given compartments (normally every visit compartment this device
 * holds for the patient), newest first; withdrawn ones and ones after `until` are left out,
 * refused ones are named in `errors`. At most `MAX_NEWS2_ENTRIES` of each kind.
 * @throws Never.
 * @example deriveInsights({ ...input, news2: { recorded: news2RecordedOf([visit]).recorded } })
 */
export function news2RecordedOf(compartments: readonly Compartment[], until: number = Number.POSITIVE_INFINITY): News2RecordedRead {
  const consciousness: News2Entry<Consciousness>[] = []
  const oxygen: News2Entry<boolean>[] = []
  const scale2: News2Entry<2>[] = []
  const errors: News2ContextFormatError[] = []
  for (const c of compartments) {
    for (const r of c.resources.list<'Observation'>('Observation', { code: CODES })) {
      if (isWithdrawn(r)) continue
      try {
        const e = news2EntryOf(r)
        if (e.entry.t > until) continue
        if (e.kind === 'consciousness') consciousness.push(e.entry)
        else if (e.kind === 'oxygen') oxygen.push(e.entry)
        else scale2.push(e.entry)
      } catch (err) {
        if (!(err instanceof News2ContextFormatError)) throw err
        errors.push(err)
      }
    }
  }
  const cap = <T>(xs: News2Entry<T>[]): News2Entry<T>[] => xs.sort(newestFirst).slice(0, MAX_NEWS2_ENTRIES)
  return { recorded: { consciousness: cap(consciousness), oxygen: cap(oxygen), scale2: cap(scale2) }, errors }
}
