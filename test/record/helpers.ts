/** Shared fixtures of the record tests. */
import { asDocId } from '../../src/lib/index.ts'
import { createCompartment, type Compartment, type CompartmentInit, type FhirResource } from '../../src/record/index.ts'

export const DOC_ID = asDocId(Uint8Array.from({ length: 16 }, (_, i) => i + 1))
export const T0 = Date.UTC(2024, 4, 2, 10, 0, 0)
export const HOUR = 3_600_000
export const LOINC = 'http://loinc.org'
export const OBS_CAT = 'http://terminology.hl7.org/CodeSystem/observation-category'

/** A compartment with a fixed clock and client id. */
export function compartment(over: Partial<CompartmentInit> = {}): Compartment {
  let now = T0
  return createCompartment({ kind: 'vitals', docId: DOC_ID, clock: () => (now += 1000), ...over })
}

/**
 * Connects replicas: every local update of one is applied to the others, synchronously
 * (repairs triggered by a received update are local updates too, and travel on).
 */
export function link(...replicas: Compartment[]): () => void {
  const offs = replicas.map((from, i) =>
    from.onUpdate((update, _origin, local) => {
      if (!local) return
      replicas.forEach((to, j) => {
        if (j !== i) to.applyUpdate(update, `replica-${i}`)
      })
    })
  )
  return () => offs.forEach((off) => off())
}

/** Brings replicas to the same state by exchanging full states until nothing changes. */
export function syncAll(replicas: Compartment[]): void {
  for (let round = 0; round < 5; round++) {
    let changed = false
    const offs = replicas.map((r) => r.onUpdate(() => (changed = true)))
    const states = replicas.map((r) => r.encodeState())
    replicas.forEach((to, j) => states.forEach((s, i) => i !== j && to.applyUpdate(s, 'sync')))
    offs.forEach((off) => off())
    if (!changed) return
  }
}

const ref = { reference: 'Patient/p1' }
const cc = (code: string, system = LOINC): { coding: { system: string; code: string }[] } => ({ coding: [{ system, code }] })

/** A minimal valid resource of each type the record knows. */
export function validResources(): Record<string, FhirResource> {
  return {
    Patient: { resourceType: 'Patient', id: 'p1' },
    AllergyIntolerance: { resourceType: 'AllergyIntolerance', id: 'a1', patient: ref },
    Condition: { resourceType: 'Condition', id: 'c1', subject: ref },
    MedicationStatement: { resourceType: 'MedicationStatement', id: 'ms1', status: 'active', medicationCodeableConcept: cc('314076', 'http://www.nlm.nih.gov/research/umls/rxnorm'), subject: ref },
    MedicationRequest: {
      resourceType: 'MedicationRequest',
      id: 'mr1',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: cc('314076', 'http://www.nlm.nih.gov/research/umls/rxnorm'),
      subject: ref
    },
    Immunization: { resourceType: 'Immunization', id: 'i1', status: 'completed', vaccineCode: cc('140', 'http://hl7.org/fhir/sid/cvx'), patient: ref, occurrenceDateTime: '2024-01-01' },
    Procedure: { resourceType: 'Procedure', id: 'pr1', status: 'completed', subject: ref },
    Observation: { resourceType: 'Observation', id: 'o1', status: 'final', code: cc('8867-4') },
    DiagnosticReport: { resourceType: 'DiagnosticReport', id: 'dr1', status: 'final', code: cc('57698-3') },
    Encounter: { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' } },
    DocumentReference: { resourceType: 'DocumentReference', id: 'd1', status: 'current', content: [{ attachment: { contentType: 'application/pdf', url: 'urn:x' } }] },
    Consent: { resourceType: 'Consent', id: 'cs1', status: 'active', scope: cc('patient-privacy', 'http://terminology.hl7.org/CodeSystem/consentscope'), category: [cc('59284-0')] },
    AuditEvent: {
      resourceType: 'AuditEvent',
      id: 'ae1',
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110110' },
      recorded: '2024-01-01T00:00:00Z',
      agent: [{ requestor: true }],
      source: { site: 'phone', observer: { display: 'phone' } }
    },
    DetectedIssue: { resourceType: 'DetectedIssue', id: 'di1', status: 'final' },
    Flag: { resourceType: 'Flag', id: 'f1', status: 'active', code: { text: 'Fall risk' }, subject: ref },
    Composition: { resourceType: 'Composition', id: 'co1', status: 'final', type: cc('11506-3'), date: '2024-01-01', author: [{ display: 'Dr. A' }], title: 'Progress note' },
    Practitioner: { resourceType: 'Practitioner', id: 'pra1' },
    Organization: { resourceType: 'Organization', id: 'org1' },
    Medication: { resourceType: 'Medication', id: 'm1' },
    Device: { resourceType: 'Device', id: 'dev1' }
  }
}

/** An Observation with a date, code and category. */
export function observation(id: string, date: string, code = '8867-4', category = 'vital-signs', extra: Record<string, unknown> = {}): FhirResource {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [{ coding: [{ system: OBS_CAT, code: category }] }],
    code: { coding: [{ system: LOINC, code }] },
    effectiveDateTime: date,
    ...extra
  }
}

/** Drops `meta` (versionId, lastUpdated), for comparing content. */
export function content(r: FhirResource): Record<string, unknown> {
  const { meta: _meta, ...rest } = r
  return rest
}
