/**
 * Grants and revocations shared between the person's own devices, through the record
 * itself: each grant is a FHIR R4 Consent in the `audit` compartment (synced only between
 * the person's devices, never covered by a grant), carrying in extensions what another of
 * the person's devices needs to act on it as the device that made it:
 *
 * - the signed grant (`GRANT_URL`), and once revoked the signed revocation
 *   (`REVOCATION_URL`) — each verified against the owner's key before it is used;
 * - the grantee's verified receiving keys and credential verdict (`GRANTEE_URL`, the
 *   consent-state codec), to wrap keys of later epochs for them;
 * - the visit compartment's key wrapped for the person (`VISIT_KEY_URL`, hybrid wrap
 *   signed by the owner), so that the other devices read and sync the doctor's notes.
 *
 * The Consent's own fields are the readable export (`grantToFhirConsent`); what a device
 * acts on is only the signed bytes.
 */
import { fromBase64, toBase64 } from '../lib/index.ts'
import { grantIdHex, grantToFhirConsent, verifyGrant, verifyRevocation, type Grant, type GrantStatus } from '../consent/index.ts'
import type { FhirResource } from '../record/index.ts'
import { decodeConsentState, encodeConsentState, type Grantee } from './consent-state.ts'

export const GRANT_URL = 'urn:phr:consent:grant'
export const REVOCATION_URL = 'urn:phr:consent:revocation'
export const GRANTEE_URL = 'urn:phr:consent:grantee'
export const VISIT_KEY_URL = 'urn:phr:consent:visit-key'

/** What one shared Consent carries. */
export interface SharedGrant {
  readonly grantBytes: Uint8Array
  readonly grant: Grant
  readonly revocationBytes?: Uint8Array
  readonly grantee?: Grantee
  /** The visit compartment's epoch-0 key, wrapped for the person. */
  readonly visitKeyWrap?: Uint8Array
}

/**
 * The Consent resource that shares a grant with the person's other devices.
 * @throws {RangeError} if the grantee does not encode
 */
export function sharedConsentOf(g: { grantBytes: Uint8Array; grant: Grant; status: GrantStatus; grantee?: Grantee; visitKeyWrap?: Uint8Array; revocationBytes?: Uint8Array }): FhirResource {
  const extension = [
    { url: GRANT_URL, valueBase64Binary: toBase64(g.grantBytes) },
    ...(g.revocationBytes === undefined ? [] : [{ url: REVOCATION_URL, valueBase64Binary: toBase64(g.revocationBytes) }]),
    ...(g.grantee === undefined ? [] : [{ url: GRANTEE_URL, valueBase64Binary: toBase64(encodeConsentState({ grants: [], revocations: [], ended: [], shelf: [], grantees: [g.grantee] })) }]),
    ...(g.visitKeyWrap === undefined ? [] : [{ url: VISIT_KEY_URL, valueBase64Binary: toBase64(g.visitKeyWrap) }])
  ]
  return { ...grantToFhirConsent(g.grant, g.status), extension }
}

const extOf = (r: FhirResource, url: string): Uint8Array | undefined => {
  const e = (r.extension ?? []).find((x) => x.url === url) as { valueBase64Binary?: unknown } | undefined
  return typeof e?.valueBase64Binary === 'string' ? fromBase64(e.valueBase64Binary) : undefined
}

/**
 * Reads the grants shared in Consent resources, each checked: the grant and the revocation
 * signed by `owner`, the revocation for that grant. A Consent that fails a check is
 * reported by id and left out; nothing of it is used.
 * @throws Never.
 */
export function readSharedGrants(consents: readonly FhirResource[], owner: string): { grants: SharedGrant[]; problems: Array<{ id: string; error: string }> } {
  const grants: SharedGrant[] = []
  const problems: Array<{ id: string; error: string }> = []
  for (const r of consents) {
    try {
      const grantBytes = extOf(r, GRANT_URL)
      if (grantBytes === undefined) continue // a Consent from elsewhere (an import): not a grant of this app
      const grant = verifyGrant(grantBytes)
      if (grant.patient !== owner) throw new RangeError('the grant is not signed by the owner of this record')
      const revocationBytes = extOf(r, REVOCATION_URL)
      if (revocationBytes !== undefined) {
        const revocation = verifyRevocation(revocationBytes)
        if (revocation.patient !== owner || grantIdHex(revocation.grantId) !== grantIdHex(grant.id)) throw new RangeError('the revocation is not the owner’s revocation of this grant')
      }
      const granteeBytes = extOf(r, GRANTEE_URL)
      const grantee = granteeBytes === undefined ? undefined : decodeConsentState(granteeBytes).grantees[0]
      if (grantee !== undefined && grantee.did !== grant.grantee) throw new RangeError('the grantee’s keys are not the grantee’s')
      const visitKeyWrap = extOf(r, VISIT_KEY_URL)
      grants.push({
        grantBytes,
        grant,
        ...(revocationBytes === undefined ? {} : { revocationBytes }),
        ...(grantee === undefined ? {} : { grantee }),
        ...(visitKeyWrap === undefined ? {} : { visitKeyWrap })
      })
    } catch (err) {
      problems.push({ id: r.id, error: err instanceof Error ? `${err.name}: ${err.message}` : 'Error' })
    }
  }
  return { grants, problems }
}
