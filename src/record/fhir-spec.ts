/**
 * What the record needs to know about each FHIR R4 resource type: required elements
 * (cardinality 1..), required-binding code sets, the clinically relevant date, the main
 * CodeableConcept, the status used by filters and how a resource is withdrawn.
 * Sources: the R4 resource pages (hl7.org/fhir/R4/<type>.html), "Resource Content" tables.
 */

/** Datatype a required element must have. */
export type ElementKind = 'code' | 'string' | 'dateTime' | 'instant' | 'object' | 'array' | 'boolean'

/** A required element (min cardinality ≥ 1), with required children of its objects/array items. */
export interface ElementRule {
  readonly name: string
  readonly kind: ElementKind
  /** Required elements inside the object, or inside each item of the array. */
  readonly children?: readonly ElementRule[]
}

/** A required choice element such as `medication[x]`: one of `choices` must be present. */
export interface ChoiceRule {
  readonly name: string
  readonly choices: readonly { readonly name: string; readonly kind: ElementKind }[]
}

/** A CodeableConcept element bound (required strength) to an HL7 code system. */
export interface ConceptBinding {
  readonly element: string
  readonly system: string
  readonly allowed: readonly string[]
}

/** How a resource type says `entered-in-error`. */
export type WithdrawRule =
  | { readonly kind: 'status' }
  | { readonly kind: 'verification'; readonly element: string; readonly system: string; readonly clear: readonly string[] }

/** Everything the record knows about one resource type. */
export interface TypeSpec {
  readonly required: readonly (ElementRule | ChoiceRule)[]
  /** `code` elements (or arrays of `code`) with required bindings → allowed codes. */
  readonly codes: Readonly<Record<string, readonly string[]>>
  readonly concepts: readonly ConceptBinding[]
  /** Dotted paths of the clinically relevant date, first present wins. */
  readonly dates: readonly string[]
  /** Elements holding the main CodeableConcept(s) or Coding(s), matched by `code` filters. */
  readonly codePaths: readonly string[]
  /** Elements matched by `category` filters. */
  readonly categoryPaths: readonly string[]
  /** The element `status` filters look at; `concept` when it is a CodeableConcept. */
  readonly status: { readonly element: string; readonly concept: boolean } | null
  readonly withdraw: WithdrawRule | null
}

/** `http://terminology.hl7.org/CodeSystem/condition-clinical` (R4 Condition.clinicalStatus). */
export const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical'
/** `http://terminology.hl7.org/CodeSystem/condition-ver-status` (R4 Condition.verificationStatus). */
export const CONDITION_VER_STATUS = 'http://terminology.hl7.org/CodeSystem/condition-ver-status'
/** `http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical`. */
export const ALLERGY_CLINICAL = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical'
/** `http://terminology.hl7.org/CodeSystem/allergyintolerance-verification`. */
export const ALLERGY_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification'

/** The code every withdrawal writes (R4: "entered-in-error"). */
export const ENTERED_IN_ERROR = 'entered-in-error'

// R4 value sets with required bindings
const OBSERVATION_STATUS = ['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown']
const GENDER = ['male', 'female', 'other', 'unknown']

const req = (name: string, kind: ElementKind, children?: readonly ElementRule[]): ElementRule =>
  children === undefined ? { name, kind } : { name, kind, children }

const STATUS: WithdrawRule = { kind: 'status' }

function spec(partial: Partial<TypeSpec>): TypeSpec {
  return {
    required: partial.required ?? [],
    codes: partial.codes ?? {},
    concepts: partial.concepts ?? [],
    dates: partial.dates ?? [],
    codePaths: partial.codePaths ?? [],
    categoryPaths: partial.categoryPaths ?? [],
    status: partial.status === undefined ? null : partial.status,
    withdraw: partial.withdraw === undefined ? null : partial.withdraw
  }
}

const statusCode = { element: 'status', concept: false } as const

/** The specs of the resource types this layer knows, keyed by `resourceType`. */
export const TYPE_SPECS: Readonly<Record<string, TypeSpec>> = Object.freeze({
  Patient: spec({ codes: { gender: GENDER }, dates: ['birthDate'] }),
  AllergyIntolerance: spec({
    required: [req('patient', 'object')],
    codes: {
      type: ['allergy', 'intolerance'],
      category: ['food', 'medication', 'environment', 'biologic'],
      criticality: ['low', 'high', 'unable-to-assess']
    },
    concepts: [
      { element: 'clinicalStatus', system: ALLERGY_CLINICAL, allowed: ['active', 'inactive', 'resolved'] },
      { element: 'verificationStatus', system: ALLERGY_VERIFICATION, allowed: ['unconfirmed', 'confirmed', 'refuted', 'entered-in-error'] }
    ],
    dates: ['recordedDate', 'onsetDateTime', 'onsetPeriod.start'],
    codePaths: ['code'],
    categoryPaths: ['category'],
    status: { element: 'clinicalStatus', concept: true },
    // R4 ait-2: clinicalStatus SHALL NOT be present if verificationStatus is entered-in-error
    withdraw: { kind: 'verification', element: 'verificationStatus', system: ALLERGY_VERIFICATION, clear: ['clinicalStatus'] }
  }),
  Condition: spec({
    required: [req('subject', 'object')],
    concepts: [
      { element: 'clinicalStatus', system: CONDITION_CLINICAL, allowed: ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'] },
      {
        element: 'verificationStatus',
        system: CONDITION_VER_STATUS,
        allowed: ['unconfirmed', 'provisional', 'differential', 'confirmed', 'refuted', 'entered-in-error']
      }
    ],
    dates: ['onsetDateTime', 'onsetPeriod.start', 'recordedDate'],
    codePaths: ['code'],
    categoryPaths: ['category'],
    status: { element: 'clinicalStatus', concept: true },
    // R4 con-5: clinicalStatus SHALL NOT be present if verificationStatus is entered-in-error
    withdraw: { kind: 'verification', element: 'verificationStatus', system: CONDITION_VER_STATUS, clear: ['clinicalStatus'] }
  }),
  MedicationStatement: spec({
    required: [
      req('status', 'code'),
      { name: 'medication[x]', choices: [{ name: 'medicationCodeableConcept', kind: 'object' }, { name: 'medicationReference', kind: 'object' }] },
      req('subject', 'object')
    ],
    codes: { status: ['active', 'completed', 'entered-in-error', 'intended', 'stopped', 'on-hold', 'unknown', 'not-taken'] },
    dates: ['effectiveDateTime', 'effectivePeriod.start', 'dateAsserted'],
    codePaths: ['medicationCodeableConcept'],
    categoryPaths: ['category'],
    status: statusCode,
    withdraw: STATUS
  }),
  MedicationRequest: spec({
    required: [
      req('status', 'code'),
      req('intent', 'code'),
      { name: 'medication[x]', choices: [{ name: 'medicationCodeableConcept', kind: 'object' }, { name: 'medicationReference', kind: 'object' }] },
      req('subject', 'object')
    ],
    codes: {
      status: ['active', 'on-hold', 'cancelled', 'completed', 'entered-in-error', 'stopped', 'draft', 'unknown'],
      intent: ['proposal', 'plan', 'order', 'original-order', 'reflex-order', 'filler-order', 'instance-order', 'option']
    },
    dates: ['authoredOn'],
    codePaths: ['medicationCodeableConcept'],
    categoryPaths: ['category'],
    status: statusCode,
    withdraw: STATUS
  }),
  Immunization: spec({
    required: [
      req('status', 'code'),
      req('vaccineCode', 'object'),
      req('patient', 'object'),
      { name: 'occurrence[x]', choices: [{ name: 'occurrenceDateTime', kind: 'dateTime' }, { name: 'occurrenceString', kind: 'string' }] }
    ],
    codes: { status: ['completed', 'entered-in-error', 'not-done'] },
    dates: ['occurrenceDateTime', 'recorded'],
    codePaths: ['vaccineCode'],
    status: statusCode,
    withdraw: STATUS
  }),
  Procedure: spec({
    required: [req('status', 'code'), req('subject', 'object')],
    codes: { status: ['preparation', 'in-progress', 'not-done', 'on-hold', 'stopped', 'completed', 'entered-in-error', 'unknown'] },
    dates: ['performedDateTime', 'performedPeriod.start'],
    codePaths: ['code'],
    categoryPaths: ['category'],
    status: statusCode,
    withdraw: STATUS
  }),
  Observation: spec({
    required: [req('status', 'code'), req('code', 'object')],
    codes: { status: OBSERVATION_STATUS },
    dates: ['effectiveDateTime', 'effectivePeriod.start', 'effectiveInstant', 'issued'],
    codePaths: ['code'],
    categoryPaths: ['category'],
    status: statusCode,
    withdraw: STATUS
  }),
  DiagnosticReport: spec({
    required: [req('status', 'code'), req('code', 'object')],
    codes: {
      status: ['registered', 'partial', 'preliminary', 'final', 'amended', 'corrected', 'appended', 'cancelled', 'entered-in-error', 'unknown']
    },
    dates: ['effectiveDateTime', 'effectivePeriod.start', 'issued'],
    codePaths: ['code'],
    categoryPaths: ['category'],
    status: statusCode,
    withdraw: STATUS
  }),
  Encounter: spec({
    required: [req('status', 'code'), req('class', 'object')],
    codes: {
      status: ['planned', 'arrived', 'triaged', 'in-progress', 'onleave', 'finished', 'cancelled', 'entered-in-error', 'unknown']
    },
    dates: ['period.start'],
    codePaths: ['type'],
    categoryPaths: ['class', 'serviceType'],
    status: statusCode,
    withdraw: STATUS
  }),
  DocumentReference: spec({
    required: [req('status', 'code'), req('content', 'array', [req('attachment', 'object')])],
    codes: {
      status: ['current', 'superseded', 'entered-in-error'],
      docStatus: ['preliminary', 'final', 'amended', 'entered-in-error']
    },
    dates: ['date', 'context.period.start'],
    codePaths: ['type'],
    categoryPaths: ['category'],
    status: statusCode,
    withdraw: STATUS
  }),
  Consent: spec({
    required: [req('status', 'code'), req('scope', 'object'), req('category', 'array')],
    codes: { status: ['draft', 'proposed', 'active', 'rejected', 'inactive', 'entered-in-error'] },
    dates: ['dateTime'],
    codePaths: ['scope'],
    categoryPaths: ['category'],
    status: statusCode,
    withdraw: STATUS
  }),
  AuditEvent: spec({
    required: [
      req('type', 'object'),
      req('recorded', 'instant'),
      req('agent', 'array', [req('requestor', 'boolean')]),
      req('source', 'object', [req('observer', 'object')])
    ],
    codes: { action: ['C', 'R', 'U', 'D', 'E'], outcome: ['0', '4', '8', '12'] },
    dates: ['recorded'],
    codePaths: ['type'],
    categoryPaths: ['subtype'],
    status: null,
    withdraw: null
  }),
  DetectedIssue: spec({
    required: [req('status', 'code')],
    codes: { status: OBSERVATION_STATUS, severity: ['high', 'moderate', 'low'] },
    dates: ['identifiedDateTime', 'identifiedPeriod.start'],
    codePaths: ['code'],
    status: statusCode,
    withdraw: STATUS
  }),
  Flag: spec({
    required: [req('status', 'code'), req('code', 'object'), req('subject', 'object')],
    codes: { status: ['active', 'inactive', 'entered-in-error'] },
    dates: ['period.start'],
    codePaths: ['code'],
    categoryPaths: ['category'],
    status: statusCode,
    withdraw: STATUS
  }),
  Composition: spec({
    required: [req('status', 'code'), req('type', 'object'), req('date', 'dateTime'), req('author', 'array'), req('title', 'string')],
    codes: { status: ['preliminary', 'final', 'amended', 'entered-in-error'] },
    dates: ['date'],
    codePaths: ['type'],
    categoryPaths: ['category'],
    status: statusCode,
    withdraw: STATUS
  }),
  Practitioner: spec({ codes: { gender: GENDER } }),
  Organization: spec({ codePaths: ['type'] }),
  Medication: spec({ codes: { status: ['active', 'inactive', 'entered-in-error'] }, codePaths: ['code'], status: statusCode, withdraw: STATUS }),
  Device: spec({
    codes: { status: ['active', 'inactive', 'entered-in-error', 'unknown'] },
    codePaths: ['type'],
    status: statusCode,
    withdraw: STATUS
  })
})

/** Spec used for resource types this layer does not know: kept, indexed by `code` and `status` when present. */
export const UNKNOWN_TYPE_SPEC: TypeSpec = spec({ codePaths: ['code'], categoryPaths: ['category'], status: statusCode })

/**
 * The spec of `resourceType` (the generic one for unknown types).
 * @throws Never.
 */
export function specOf(resourceType: string): TypeSpec {
  return Object.hasOwn(TYPE_SPECS, resourceType) ? (TYPE_SPECS[resourceType] as TypeSpec) : UNKNOWN_TYPE_SPEC
}
