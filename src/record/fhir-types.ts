/**
 * TypeScript shapes of the FHIR R4 resources the record reads and validates. Only the
 * elements this layer (and its callers) touch are spelled out; every resource also keeps
 * any other element (the index signature), because a resource is stored whole.
 */

/** A JSON value as stored in a compartment (no `undefined`, no non-finite numbers). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue }

/** FHIR R4 Coding. */
export interface Coding {
  readonly system?: string
  readonly version?: string
  readonly code?: string
  readonly display?: string
  readonly userSelected?: boolean
}

/** FHIR R4 CodeableConcept. */
export interface CodeableConcept {
  readonly coding?: readonly Coding[]
  readonly text?: string
}

/** FHIR R4 Reference. */
export interface Reference {
  readonly reference?: string
  readonly type?: string
  readonly display?: string
  readonly identifier?: Identifier
}

/** FHIR R4 Identifier. */
export interface Identifier {
  readonly system?: string
  readonly value?: string
}

/** FHIR R4 Period. */
export interface Period {
  readonly start?: string
  readonly end?: string
}

/** FHIR R4 Quantity (UCUM when `system` is `http://unitsofmeasure.org`). */
export interface Quantity {
  readonly value?: number
  readonly unit?: string
  readonly system?: string
  readonly code?: string
}

/** FHIR R4 Attachment. */
export interface Attachment {
  readonly contentType?: string
  readonly url?: string
  readonly data?: string
  readonly size?: number
  readonly hash?: string
  readonly title?: string
  readonly creation?: string
}

/** FHIR R4 Annotation. */
export interface Annotation {
  readonly text: string
  readonly time?: string
  readonly authorReference?: Reference
  readonly authorString?: string
}

/** FHIR R4 Extension (value[x] kept open). */
export interface Extension {
  readonly url: string
  readonly [key: string]: unknown
}

/** FHIR R4 Meta. `versionId` and `lastUpdated` are assigned by `ResourceStore.put`. */
export interface Meta {
  readonly versionId?: string
  readonly lastUpdated?: string
  readonly source?: string
  readonly profile?: readonly string[]
  readonly tag?: readonly Coding[]
  readonly security?: readonly Coding[]
}

/** Any FHIR R4 resource: `resourceType` and `id`, plus whatever elements it carries. */
export interface FhirResource {
  readonly resourceType: string
  readonly id: string
  readonly meta?: Meta
  readonly extension?: readonly Extension[]
  readonly [key: string]: unknown
}

/** FHIR R4 Patient (no required elements). */
export interface Patient extends FhirResource {
  readonly resourceType: 'Patient'
  readonly name?: readonly { readonly family?: string; readonly given?: readonly string[]; readonly text?: string; readonly use?: string }[]
  readonly gender?: 'male' | 'female' | 'other' | 'unknown'
  readonly birthDate?: string
}

/** FHIR R4 Observation (status, code required). */
export interface Observation extends FhirResource {
  readonly resourceType: 'Observation'
  readonly status: string
  readonly category?: readonly CodeableConcept[]
  readonly code: CodeableConcept
  readonly subject?: Reference
  readonly effectiveDateTime?: string
  readonly effectivePeriod?: Period
  readonly effectiveInstant?: string
  readonly issued?: string
  readonly valueQuantity?: Quantity
  readonly component?: readonly { readonly code: CodeableConcept; readonly valueQuantity?: Quantity }[]
  readonly device?: Reference
}

/** FHIR R4 Condition (subject required). */
export interface Condition extends FhirResource {
  readonly resourceType: 'Condition'
  readonly clinicalStatus?: CodeableConcept
  readonly verificationStatus?: CodeableConcept
  readonly category?: readonly CodeableConcept[]
  readonly code?: CodeableConcept
  readonly subject: Reference
  readonly onsetDateTime?: string
  readonly onsetPeriod?: Period
  readonly abatementDateTime?: string
  readonly recordedDate?: string
}

/** FHIR R4 AllergyIntolerance (patient required). */
export interface AllergyIntolerance extends FhirResource {
  readonly resourceType: 'AllergyIntolerance'
  readonly clinicalStatus?: CodeableConcept
  readonly verificationStatus?: CodeableConcept
  readonly type?: 'allergy' | 'intolerance'
  readonly category?: readonly ('food' | 'medication' | 'environment' | 'biologic')[]
  readonly criticality?: 'low' | 'high' | 'unable-to-assess'
  readonly code?: CodeableConcept
  readonly patient: Reference
  readonly onsetDateTime?: string
  readonly recordedDate?: string
}

/** FHIR R4 MedicationStatement (status, medication[x], subject required). */
export interface MedicationStatement extends FhirResource {
  readonly resourceType: 'MedicationStatement'
  readonly status: string
  readonly medicationCodeableConcept?: CodeableConcept
  readonly medicationReference?: Reference
  readonly subject: Reference
  readonly effectiveDateTime?: string
  readonly effectivePeriod?: Period
  readonly dateAsserted?: string
}

/** FHIR R4 MedicationRequest (status, intent, medication[x], subject required). */
export interface MedicationRequest extends FhirResource {
  readonly resourceType: 'MedicationRequest'
  readonly status: string
  readonly intent: string
  readonly medicationCodeableConcept?: CodeableConcept
  readonly medicationReference?: Reference
  readonly subject: Reference
  readonly authoredOn?: string
  readonly requester?: Reference
}

/** FHIR R4 Immunization (status, vaccineCode, patient, occurrence[x] required). */
export interface Immunization extends FhirResource {
  readonly resourceType: 'Immunization'
  readonly status: string
  readonly vaccineCode: CodeableConcept
  readonly patient: Reference
  readonly occurrenceDateTime?: string
  readonly occurrenceString?: string
  readonly recorded?: string
}

/** FHIR R4 Procedure (status, subject required). */
export interface Procedure extends FhirResource {
  readonly resourceType: 'Procedure'
  readonly status: string
  readonly code?: CodeableConcept
  readonly subject: Reference
  readonly performedDateTime?: string
  readonly performedPeriod?: Period
}

/** FHIR R4 DiagnosticReport (status, code required). */
export interface DiagnosticReport extends FhirResource {
  readonly resourceType: 'DiagnosticReport'
  readonly status: string
  readonly category?: readonly CodeableConcept[]
  readonly code: CodeableConcept
  readonly subject?: Reference
  readonly effectiveDateTime?: string
  readonly effectivePeriod?: Period
  readonly issued?: string
  readonly result?: readonly Reference[]
}

/** FHIR R4 Encounter (status, class required). */
export interface Encounter extends FhirResource {
  readonly resourceType: 'Encounter'
  readonly status: string
  readonly class: Coding
  readonly type?: readonly CodeableConcept[]
  readonly subject?: Reference
  readonly period?: Period
}

/** FHIR R4 DocumentReference (status, content with attachment required). */
export interface DocumentReference extends FhirResource {
  readonly resourceType: 'DocumentReference'
  readonly status: string
  readonly type?: CodeableConcept
  readonly category?: readonly CodeableConcept[]
  readonly subject?: Reference
  readonly date?: string
  readonly content: readonly { readonly attachment: Attachment }[]
}

/** FHIR R4 Composition (status, type, date, author, title required). */
export interface Composition extends FhirResource {
  readonly resourceType: 'Composition'
  readonly status: string
  readonly type: CodeableConcept
  readonly subject?: Reference
  readonly encounter?: Reference
  readonly date: string
  readonly author: readonly Reference[]
  readonly title: string
}

/** FHIR R4 Consent (status, scope, category required). */
export interface Consent extends FhirResource {
  readonly resourceType: 'Consent'
  readonly status: string
  readonly scope: CodeableConcept
  readonly category: readonly CodeableConcept[]
  readonly dateTime?: string
}

/** FHIR R4 AuditEvent (type, recorded, agent, source required). */
export interface AuditEvent extends FhirResource {
  readonly resourceType: 'AuditEvent'
  readonly type: Coding
  readonly recorded: string
  readonly agent: readonly { readonly requestor: boolean; readonly who?: Reference }[]
  readonly source: { readonly observer: Reference }
}

/** FHIR R4 DetectedIssue (status required). */
export interface DetectedIssue extends FhirResource {
  readonly resourceType: 'DetectedIssue'
  readonly status: string
  readonly code?: CodeableConcept
  readonly identifiedDateTime?: string
}

/** FHIR R4 Flag (status, code, subject required). */
export interface Flag extends FhirResource {
  readonly resourceType: 'Flag'
  readonly status: string
  readonly code: CodeableConcept
  readonly subject: Reference
  readonly period?: Period
}

/** FHIR R4 Practitioner (no required elements). */
export interface Practitioner extends FhirResource {
  readonly resourceType: 'Practitioner'
}

/** FHIR R4 Organization (no required elements). */
export interface Organization extends FhirResource {
  readonly resourceType: 'Organization'
  readonly name?: string
}

/** FHIR R4 Medication (no required elements). */
export interface Medication extends FhirResource {
  readonly resourceType: 'Medication'
  readonly code?: CodeableConcept
}

/** FHIR R4 Device (no required elements). */
export interface Device extends FhirResource {
  readonly resourceType: 'Device'
  readonly status?: string
  readonly type?: CodeableConcept
}

/** The resource types this layer knows by name, keyed by `resourceType`. */
export interface KnownResources {
  Patient: Patient
  Observation: Observation
  Condition: Condition
  AllergyIntolerance: AllergyIntolerance
  MedicationStatement: MedicationStatement
  MedicationRequest: MedicationRequest
  Immunization: Immunization
  Procedure: Procedure
  DiagnosticReport: DiagnosticReport
  Encounter: Encounter
  DocumentReference: DocumentReference
  Composition: Composition
  Consent: Consent
  AuditEvent: AuditEvent
  DetectedIssue: DetectedIssue
  Flag: Flag
  Practitioner: Practitioner
  Organization: Organization
  Medication: Medication
  Device: Device
}

/** The shape of a resource of type `T`: its known interface, or `FhirResource` for others. */
export type ResourceOf<T extends string> = T extends keyof KnownResources ? KnownResources[T] : FhirResource
