/**
 * The compartments of a record (DESIGN §4) and which compartment a FHIR resource goes to
 * by default.
 */
import { asDocId, type DocId } from '../lib/index.ts'
import { isObject } from './json.ts'

/** The fixed compartments of every record; `visit:<grantId>` ones come on top (see `visitCompartment`). */
export const CompartmentKind = {
  /** The IPS set: Patient, AllergyIntolerance, Condition, MedicationStatement, MedicationRequest, Immunization, Procedure, Flag, and the Practitioner/Organization/Medication resources they reference. */
  core: 'core',
  /** Laboratory and other non-vital Observations, DiagnosticReport. */
  results: 'results',
  /** Vital-sign and activity Observations (spot readings), time series, and the Devices that measure them. */
  vitals: 'vitals',
  /** Encounters, visit notes (Composition), DetectedIssue, and resource types this layer does not know. */
  notes: 'notes',
  /** DocumentReference, with its encrypted attachments. */
  documents: 'documents',
  /** Mental, sexual and reproductive health: never in a grant unless picked; never a default route, the caller chooses it. */
  sensitive: 'sensitive',
  /** The signed, hash-chained audit log (AuditEvent) and consents (Consent). */
  audit: 'audit'
} as const

/** A compartment written by a doctor under grant `<grantId>`, read by the patient. */
export type VisitCompartmentKind = `visit:${string}`

/** Any compartment kind: a fixed one or `visit:<grantId>`. */
export type CompartmentKind = (typeof CompartmentKind)[keyof typeof CompartmentKind] | VisitCompartmentKind

/** The fixed kinds. */
export type FixedCompartmentKind = (typeof CompartmentKind)[keyof typeof CompartmentKind]

const GRANT_ID = /^[A-Za-z0-9._-]{1,128}$/
const FIXED: ReadonlySet<string> = new Set(Object.values(CompartmentKind))

/**
 * The kind of the visit compartment of grant `grantId`.
 * @throws {RangeError} if `grantId` is not 1-128 of `A-Z a-z 0-9 . _ -`.
 * @example visitCompartment('g-2024-05-02') // 'visit:g-2024-05-02'
 */
export function visitCompartment(grantId: string): VisitCompartmentKind {
  if (typeof grantId !== 'string' || !GRANT_ID.test(grantId)) throw new RangeError(`grantId: expected ${String(GRANT_ID)}, got ${String(grantId)}`)
  return `visit:${grantId}`
}

/**
 * Whether `value` is a compartment kind.
 * @throws Never.
 */
export function isCompartmentKind(value: unknown): value is CompartmentKind {
  if (typeof value !== 'string') return false
  return FIXED.has(value) || (value.startsWith('visit:') && GRANT_ID.test(value.slice(6)))
}

/** Default compartment of each resource type this layer knows (Observation depends on its category). */
export const DEFAULT_COMPARTMENT_BY_TYPE: Readonly<Record<string, FixedCompartmentKind>> = Object.freeze({
  Patient: 'core',
  AllergyIntolerance: 'core',
  Condition: 'core',
  MedicationStatement: 'core',
  MedicationRequest: 'core',
  Immunization: 'core',
  Procedure: 'core',
  Flag: 'core',
  Practitioner: 'core',
  Organization: 'core',
  Medication: 'core',
  Observation: 'results',
  DiagnosticReport: 'results',
  Device: 'vitals',
  Encounter: 'notes',
  Composition: 'notes',
  DetectedIssue: 'notes',
  DocumentReference: 'documents',
  AuditEvent: 'audit',
  Consent: 'audit'
})

/** `http://terminology.hl7.org/CodeSystem/observation-category` */
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category'

const VITALS_CATEGORIES: ReadonlySet<string> = new Set(['vital-signs', 'activity'])

/**
 * The default compartment of a resource: by type, Observations with category
 * `vital-signs` or `activity` to `vitals` (other Observations to `results`), unknown
 * types to `notes`. `sensitive` is never chosen here: the caller decides.
 * @throws Never.
 * @example compartmentFor({ resourceType: 'Condition', id: 'c1', subject: {} }) // 'core'
 */
export function compartmentFor(resource: { readonly resourceType: string; readonly [k: string]: unknown }): FixedCompartmentKind {
  if (resource.resourceType === 'Observation' && Array.isArray(resource['category'])) {
    for (const cat of resource['category']) {
      if (!isObject(cat) || !Array.isArray(cat['coding'])) continue
      for (const c of cat['coding']) {
        if (isObject(c) && c['system'] === OBSERVATION_CATEGORY && typeof c['code'] === 'string' && VITALS_CATEGORIES.has(c['code'])) return 'vitals'
      }
    }
  }
  return Object.hasOwn(DEFAULT_COMPARTMENT_BY_TYPE, resource.resourceType)
    ? (DEFAULT_COMPARTMENT_BY_TYPE[resource.resourceType] as FixedCompartmentKind)
    : 'notes'
}

/**
 * A fresh random 16-byte compartment id (Web Crypto `getRandomValues`).
 * @throws Never.
 */
export function randomDocId(): DocId {
  return asDocId(globalThis.crypto.getRandomValues(new Uint8Array(16)))
}
