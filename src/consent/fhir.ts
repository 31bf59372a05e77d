/**
 * FHIR R4 exports of consent: a grant as a `Consent`, an audit entry as an `AuditEvent`.
 * People are identified by their did (`urn:ietf:rfc:3986` identifiers), compartments by
 * kind; nothing clinical is in either.
 */
import { toHex } from '../lib/index.ts'
import type { AuditEvent, Consent } from '../record/index.ts'
import type { AuditEntry } from './audit.ts'
import type { Grant, GrantStatus } from './grant.ts'
import { BREAK_GLASS_PURPOSE_CODING, isEmergencyGrant } from './break-glass.ts'

const URI = 'urn:ietf:rfc:3986'
const didRef = (did: string): { identifier: { system: string; value: string } } => ({ identifier: { system: URI, value: did } })
const iso = (ms: number): string => new Date(ms).toISOString()

/** R4 `Consent.status` for a grant's status. */
function consentStatus(status: GrantStatus): Consent['status'] {
  return status === 'active' ? 'active' : status === 'not-yet-valid' ? 'proposed' : 'inactive'
}

/**
 * A grant as an R4 Consent (scope patient-privacy, category LOINC 59284-0 "Patient
 * consent", policy rule OPTIN; the grantee as the recipient actor, the compartments as
 * data references, the time window as the provision's period).
 */
export function grantToFhirConsent(grant: Grant, status: GrantStatus): Consent {
  return {
    resourceType: 'Consent',
    id: toHex(grant.id),
    status: consentStatus(status),
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy', display: 'Privacy Consent' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: didRef(grant.patient),
    dateTime: iso(grant.issuedAt),
    performer: [didRef(grant.patient)],
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN', display: 'opt-in' }] },
    provision: {
      type: 'permit',
      period: { start: iso(grant.notBefore), end: iso(grant.notAfter) },
      actor: [
        {
          role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
          reference: didRef(grant.grantee)
        }
      ],
      action: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access' }] },
        ...(grant.rights === 'read+visit-write' ? [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'correct' }] }] : [])
      ],
      // an emergency override carries HL7 v3 ActReason BTG ("break the glass"), as IHE PCF uses it
      purpose: [isEmergencyGrant(grant) ? { ...BREAK_GLASS_PURPOSE_CODING } : { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT', display: grant.purpose }],
      data: grant.compartments.map((c) => ({ meaning: 'related', reference: { display: c.kind } }))
    }
  }
}

const ACTION_CODE: Record<string, 'C' | 'R' | 'U' | 'D' | 'E'> = {
  grant: 'C',
  revoke: 'D',
  rotate: 'U',
  sync: 'R',
  export: 'R',
  'emergency-access': 'R',
  'device-link': 'C',
  'record-opened': 'R'
}

/** An audit entry as an R4 AuditEvent (type: DICOM "Application Activity"-style local code of the action). */
export function auditEntryToFhir(entry: AuditEntry): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    id: toHex(entry.hash).slice(0, 32),
    type: { system: 'urn:phr:audit-action', code: entry.action },
    action: ACTION_CODE[entry.action] ?? 'E',
    recorded: iso(entry.at),
    outcome: '0',
    agent: [{ who: didRef(entry.actor), requestor: true }],
    source: { observer: { identifier: { system: 'urn:phr:device', value: toHex(entry.author) } } },
    // R4 AuditEvent.purposeOfEvent: an emergency override is HL7 v3 ActReason BTG
    ...(entry.action === 'emergency-access' ? { purposeOfEvent: [{ coding: [{ ...BREAK_GLASS_PURPOSE_CODING }] }] } : {}),
    entity: Object.entries(entry.details).map(([k, v]) => ({ what: { display: k }, detail: [{ type: k, valueString: String(v) }] }))
  }
}
