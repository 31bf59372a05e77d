/**
 * What the patient adds and edits by hand in the record's sections: allergies, conditions,
 * medicines, vaccinations and lab results. A form's values are checked here (each problem
 * names its field, so the form can show it beside that field), turned into a FHIR R4
 * resource and stored in the compartment DESIGN §4 gives its type (`compartmentFor`).
 * Editing stores a new version of the same resource (the record's `put` sets
 * `meta.versionId`); removing marks it entered-in-error (`withdraw`): nothing is deleted.
 * Documents are in record-edits-documents.ts, manual vital readings in
 * record-edits-vitals.ts.
 */
import {
  ALLERGY_CLINICAL,
  ALLERGY_VERIFICATION,
  CONDITION_CLINICAL,
  CONDITION_VER_STATUS,
  OBSERVATION_CATEGORY,
  compartmentFor,
  isWithdrawn,
  parseFhirDateTime,
  type CodeableConcept,
  type Compartment,
  type FhirResource,
  type Reference
} from '../record/index.ts'
import { randomBytes } from '../crypto/index.ts'
import { toHex } from '../lib/index.ts'
import type { CodeEntry } from './record-codes.ts'

/** The record sections with forms. */
export const RecordSection = {
  /** AllergyIntolerance, in `core`. */
  allergy: 'allergy',
  /** Condition, in `core`. */
  condition: 'condition',
  /** MedicationStatement, in `core`. */
  medication: 'medication',
  /** Immunization, in `core`. */
  immunization: 'immunization',
  /** Observation (category laboratory), in `results`. */
  lab: 'lab',
  /** DocumentReference with an encrypted attachment, in `documents`. */
  document: 'document'
} as const
export type RecordSection = (typeof RecordSection)[keyof typeof RecordSection]

/** The FHIR resource type of each section. */
export const SECTION_TYPE = {
  allergy: 'AllergyIntolerance',
  condition: 'Condition',
  medication: 'MedicationStatement',
  immunization: 'Immunization',
  lab: 'Observation',
  document: 'DocumentReference'
} as const satisfies Record<RecordSection, string>

/** Longest name of a thing (an allergy, a medicine…) or a unit accepted. */
export const MAX_FORM_TEXT = 200
/** Longest note or dosage accepted. */
export const MAX_FORM_NOTE = 1000
/** Longest UCUM unit accepted. */
export const MAX_UNIT_TEXT = 40

/** A coded field's value: what the person typed or picked, and the code if they picked one from the list. */
export interface CodedValue {
  readonly text: string
  readonly coding?: CodeEntry
}

/** What is wrong with one field. */
export const FormProblem = {
  /** Nothing was given where something must be. */
  required: 'required',
  /** Longer than allowed. */
  tooLong: 'too-long',
  /** Not a date (or date and time). */
  notADate: 'not-a-date',
  /** A date after today. */
  inTheFuture: 'in-the-future',
  /** Not a number. */
  notANumber: 'not-a-number',
  /** A number outside what the field accepts. */
  outOfRange: 'out-of-range',
  /** A value the field does not offer. */
  notAllowed: 'not-allowed'
} as const
export type FormProblem = (typeof FormProblem)[keyof typeof FormProblem]

/** One field's problem. */
export interface FieldProblem {
  /** The form field's name (`substance`, `date`, `value`…). */
  readonly field: string
  readonly problem: FormProblem
}

/** A form's values cannot make a resource; `problems` names each field and what is wrong. Nothing was stored. */
export class RecordFormError extends RangeError {
  override name: string = 'RecordFormError'
  readonly problems: readonly FieldProblem[]
  constructor(problems: readonly FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.problem}`).join('; '))
    this.problems = problems
  }
}

/** The resource asked for is not in the record (or was removed). */
export class RecordEntryNotFoundError extends Error {
  override name: string = 'RecordEntryNotFoundError'
}

/** An allergy as the form gives it. */
export interface AllergyForm {
  readonly substance: CodedValue
  /** `food`, `medication`, `environment`, `biologic` or '' (the picked code's category, if any). */
  readonly category?: string
  /** `low`, `high`, `unable-to-assess` or ''. */
  readonly criticality?: string
  readonly note?: string
}

/** A condition as the form gives it. */
export interface ConditionForm {
  readonly condition: CodedValue
  /** `active`, `inactive` or `resolved`. */
  readonly status: string
  /** YYYY-MM-DD or ''. */
  readonly onset?: string
}

/** A medicine as the form gives it. */
export interface MedicationForm {
  readonly medication: CodedValue
  /** `active`, `completed` or `stopped`. */
  readonly status: string
  readonly dosage?: string
  /** YYYY-MM-DD or ''. */
  readonly start?: string
}

/** A vaccination as the form gives it. */
export interface ImmunizationForm {
  readonly vaccine: CodedValue
  /** YYYY-MM-DD. */
  readonly date: string
  readonly lot?: string
}

/** A lab result as the form gives it. */
export interface LabForm {
  readonly test: CodedValue
  /** The number as typed (a comma as decimal mark is accepted). */
  readonly value: string
  /** UCUM unit (`mg/dL`, `mmol/L`, `%`). */
  readonly unit: string
  /** YYYY-MM-DD. */
  readonly date: string
}

/** The form of each section with fields. */
export interface SectionForms {
  allergy: AllergyForm
  condition: ConditionForm
  medication: MedicationForm
  immunization: ImmunizationForm
  lab: LabForm
}
export type FormSection = keyof SectionForms

/** What a resource is built with besides the form. */
export interface BuildContext {
  readonly id: string
  /** Epoch ms. */
  readonly now: number
  /** The patient (`Patient/<id>`, or a display when the record has none). */
  readonly subject: Reference
  /** The version being edited: what the form does not show is kept from it. */
  readonly previous?: FhirResource
}

const UCUM = 'http://unitsofmeasure.org'
const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category'
const DATE = /^\d{4}-\d{2}-\d{2}$/
const DAY = 86_400_000

class Checker {
  readonly problems: FieldProblem[] = []
  add(field: string, problem: FormProblem): void {
    if (!this.problems.some((p) => p.field === field)) this.problems.push({ field, problem })
  }
  text(field: string, value: string | undefined, max: number, required: boolean): string {
    const v = (value ?? '').trim()
    if (v === '') {
      if (required) this.add(field, FormProblem.required)
    } else if (v.length > max) this.add(field, FormProblem.tooLong)
    return v
  }
  coded(field: string, value: CodedValue | undefined): CodeableConcept {
    const text = this.text(field, value?.text, MAX_FORM_TEXT, true)
    const c = value?.coding
    // a picked code is kept only while the text is still its name: typing over it makes free text
    if (c !== undefined && (text === '' || text === c.display)) return { coding: [{ system: c.system, code: c.code, display: c.display }], text: c.display }
    return { text }
  }
  oneOf(field: string, value: string | undefined, allowed: readonly string[], required: boolean): string | undefined {
    const v = (value ?? '').trim()
    if (v === '') {
      if (required) this.add(field, FormProblem.required)
      return undefined
    }
    if (!allowed.includes(v)) this.add(field, FormProblem.notAllowed)
    return v
  }
  /** A past or present calendar date (YYYY-MM-DD). */
  date(field: string, value: string | undefined, now: number, required: boolean): string | undefined {
    const v = (value ?? '').trim()
    if (v === '') {
      if (required) this.add(field, FormProblem.required)
      return undefined
    }
    const t = DATE.test(v) ? parseFhirDateTime(v) : Number.NaN
    if (Number.isNaN(t)) this.add(field, FormProblem.notADate)
    // a day ahead of UTC's: the person's local date may be ahead of it
    else if (t > now + DAY) this.add(field, FormProblem.inTheFuture)
    return v
  }
  number(field: string, value: string | undefined, min: number, max: number): number {
    const v = (value ?? '').trim().replace(',', '.')
    if (v === '') {
      this.add(field, FormProblem.required)
      return Number.NaN
    }
    const n = /^[-+]?(\d+\.?\d*|\.\d+)$/.test(v) ? Number(v) : Number.NaN
    if (!Number.isFinite(n)) this.add(field, FormProblem.notANumber)
    else if (n < min || n > max) this.add(field, FormProblem.outOfRange)
    return n
  }
  done(): void {
    if (this.problems.length > 0) throw new RecordFormError(this.problems)
  }
}

const iso = (t: number): string => new Date(t).toISOString()
const concept = (system: string, code: string): CodeableConcept => ({ coding: [{ system, code }] })
const carried = (prev: FhirResource | undefined, key: string): Record<string, unknown> =>
  prev !== undefined && prev[key] !== undefined ? { [key]: prev[key] } : {}

/**
 * Checks a section's form and builds its FHIR resource (not stored).
 * @throws {RecordFormError} naming every field with a problem
 * @example buildResource('condition', { condition: { text: 'Back pain' }, status: 'active' }, ctx) // Condition with code.text only
 */
export function buildResource<S extends FormSection>(section: S, form: SectionForms[S], ctx: BuildContext): FhirResource {
  const c = new Checker()
  const prev = ctx.previous
  let r: Record<string, unknown>
  switch (section) {
    case 'allergy': {
      const f = form as AllergyForm
      const code = c.coded('substance', f.substance)
      const category = c.oneOf('category', f.category, ['food', 'medication', 'environment', 'biologic'], false) ?? f.substance.coding?.category
      const criticality = c.oneOf('criticality', f.criticality, ['low', 'high', 'unable-to-assess'], false)
      const note = c.text('note', f.note, MAX_FORM_NOTE, false)
      r = {
        resourceType: 'AllergyIntolerance',
        clinicalStatus: concept(ALLERGY_CLINICAL, 'active'),
        verificationStatus: prev?.['verificationStatus'] ?? concept(ALLERGY_VERIFICATION, 'unconfirmed'),
        type: 'allergy',
        ...(category === undefined ? {} : { category: [category] }),
        ...(criticality === undefined ? {} : { criticality }),
        code,
        patient: ctx.subject,
        recordedDate: prev?.['recordedDate'] ?? iso(ctx.now),
        ...(note === '' ? {} : { note: [{ text: note }] })
      }
      break
    }
    case 'condition': {
      const f = form as ConditionForm
      const code = c.coded('condition', f.condition)
      const status = c.oneOf('status', f.status, ['active', 'inactive', 'resolved'], true)
      const onset = c.date('onset', f.onset, ctx.now, false)
      r = {
        resourceType: 'Condition',
        clinicalStatus: concept(CONDITION_CLINICAL, status ?? 'active'),
        verificationStatus: prev?.['verificationStatus'] ?? concept(CONDITION_VER_STATUS, 'unconfirmed'),
        category: prev?.['category'] ?? [concept(CONDITION_CATEGORY, 'problem-list-item')],
        code,
        subject: ctx.subject,
        ...(onset === undefined ? {} : { onsetDateTime: onset }),
        recordedDate: prev?.['recordedDate'] ?? iso(ctx.now)
      }
      break
    }
    case 'medication': {
      const f = form as MedicationForm
      const code = c.coded('medication', f.medication)
      const status = c.oneOf('status', f.status, ['active', 'completed', 'stopped'], true)
      const dosage = c.text('dosage', f.dosage, MAX_FORM_NOTE, false)
      const start = c.date('start', f.start, ctx.now, false)
      r = {
        resourceType: 'MedicationStatement',
        status: status ?? 'active',
        medicationCodeableConcept: code,
        subject: ctx.subject,
        ...(start === undefined ? {} : { effectivePeriod: { start } }),
        dateAsserted: iso(ctx.now),
        ...(dosage === '' ? {} : { dosage: [{ text: dosage }] })
      }
      break
    }
    case 'immunization': {
      const f = form as ImmunizationForm
      const code = c.coded('vaccine', f.vaccine)
      const date = c.date('date', f.date, ctx.now, true)
      const lot = c.text('lot', f.lot, MAX_FORM_TEXT, false)
      r = {
        resourceType: 'Immunization',
        status: 'completed',
        vaccineCode: code,
        patient: ctx.subject,
        occurrenceDateTime: date ?? '',
        recorded: prev?.['recorded'] ?? iso(ctx.now),
        // the patient reports it: not the record of who gave the vaccine
        primarySource: false,
        ...(lot === '' ? {} : { lotNumber: lot })
      }
      break
    }
    case 'lab': {
      const f = form as LabForm
      const code = c.coded('test', f.test)
      const value = c.number('value', f.value, -1e9, 1e9)
      const unit = c.text('unit', f.unit, MAX_UNIT_TEXT, true)
      if (/\s/.test(unit)) c.add('unit', FormProblem.notAllowed)
      const date = c.date('date', f.date, ctx.now, true)
      r = {
        resourceType: 'Observation',
        status: prev === undefined ? 'final' : 'amended',
        category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'laboratory', display: 'Laboratory' }] }],
        code,
        subject: ctx.subject,
        effectiveDateTime: date ?? '',
        valueQuantity: { value, unit, system: UCUM, code: unit }
      }
      break
    }
    default:
      throw new RangeError(`no form for section ${String(section)}`)
  }
  c.done()
  return { ...r, ...carried(prev, 'identifier'), ...carried(prev, 'extension'), id: ctx.id } as FhirResource
}

const text = (cc: unknown): string => {
  if (typeof cc !== 'object' || cc === null) return ''
  const c = cc as CodeableConcept
  return c.text ?? c.coding?.find((x) => typeof x.display === 'string')?.display ?? c.coding?.[0]?.code ?? ''
}
const codedOf = (cc: unknown): CodedValue => {
  const c = (typeof cc === 'object' && cc !== null ? cc : {}) as CodeableConcept
  const coding = c.coding?.[0]
  const t = text(cc)
  return coding?.system !== undefined && coding.code !== undefined
    ? { text: t, coding: { system: coding.system as CodeEntry['system'], code: coding.code, display: coding.display ?? t } }
    : { text: t }
}
const codeOf = (cc: unknown): string | undefined => (cc as CodeableConcept | undefined)?.coding?.[0]?.code
const firstText = (v: unknown): string => (Array.isArray(v) && typeof (v[0] as { text?: unknown } | undefined)?.text === 'string' ? ((v[0] as { text: string }).text) : '')

/**
 * The form values a stored resource gives (to edit it).
 * @throws Never.
 */
export function formOf<S extends FormSection>(section: S, r: FhirResource): SectionForms[S] {
  const date = (v: unknown): string => (typeof v === 'string' ? v.slice(0, 10) : '')
  switch (section) {
    case 'allergy':
      return { substance: codedOf(r['code']), category: Array.isArray(r['category']) ? String(r['category'][0] ?? '') : '', criticality: typeof r['criticality'] === 'string' ? r['criticality'] : '', note: firstText(r['note']) } as SectionForms[S]
    case 'condition':
      return { condition: codedOf(r['code']), status: codeOf(r['clinicalStatus']) ?? 'active', onset: date(r['onsetDateTime']) } as SectionForms[S]
    case 'medication':
      return { medication: codedOf(r['medicationCodeableConcept']), status: typeof r['status'] === 'string' ? r['status'] : 'active', dosage: firstText(r['dosage']), start: date((r['effectivePeriod'] as { start?: unknown } | undefined)?.start ?? r['effectiveDateTime']) } as SectionForms[S]
    case 'immunization':
      return { vaccine: codedOf(r['vaccineCode']), date: date(r['occurrenceDateTime']), lot: typeof r['lotNumber'] === 'string' ? r['lotNumber'] : '' } as SectionForms[S]
    case 'lab': {
      const q = (r['valueQuantity'] ?? {}) as { value?: number; unit?: string; code?: string }
      return { test: codedOf(r['code']), value: q.value === undefined ? '' : String(q.value), unit: q.code ?? q.unit ?? '', date: date(r['effectiveDateTime'] ?? r['issued']) } as SectionForms[S]
    }
    default:
      throw new RangeError(`no form for section ${String(section)}`)
  }
}

/** The name a person reads for an entry of a section. */
export function entryTitle(r: FhirResource): string {
  switch (r.resourceType) {
    case 'MedicationStatement':
      return text(r['medicationCodeableConcept'])
    case 'Immunization':
      return text(r['vaccineCode'])
    case 'DocumentReference': {
      const content = r['content'] as { attachment?: { title?: string } }[] | undefined
      return (typeof r['description'] === 'string' ? r['description'] : undefined) ?? content?.[0]?.attachment?.title ?? ''
    }
    default:
      return text(r['code'])
  }
}


/** A fresh resource id for a section (`alg-…`, `con-…`). */
export function newEntryId(section: RecordSection): string {
  const prefix = { allergy: 'alg', condition: 'con', medication: 'med', immunization: 'imm', lab: 'lab', document: 'doc' }[section]
  return `${prefix}-${toHex(randomBytes(8))}`
}

/** The compartment kind of a section's resources (DESIGN §4). */
export function sectionCompartment(section: RecordSection): ReturnType<typeof compartmentFor> {
  if (section === 'lab') return compartmentFor({ resourceType: 'Observation', category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'laboratory' }] }] })
  return compartmentFor({ resourceType: SECTION_TYPE[section] })
}

/** The section's current entries, newest first (by clinical date, undated last); removed ones left out. */
export function listSection(c: Compartment, section: RecordSection): FhirResource[] {
  const type = SECTION_TYPE[section]
  const all = section === 'lab' ? c.resources.list(type, { category: `${OBSERVATION_CATEGORY}|laboratory` }) : c.resources.list(type)
  return all.filter((r) => !isWithdrawn(r)).reverse()
}
