/**
 * E-prescriptions in the app (DESIGN §9). The doctor's side writes a signed
 * MedicationRequest into a patient's visit compartment — after an optional prescribing
 * check (drug–allergy and the like, given by the composition root; its warnings must be
 * acknowledged before anything is signed). The patient's side lists the signed
 * prescriptions in the record, each with its verdict and QR text. The pharmacy verifies
 * what it scans against the licensing authorities the app trusts, offline.
 */
import {
  prescriptionQrText,
  prescriptionSignatureOf,
  signPrescription,
  verifyPrescription,
  withPrescriptionSignature,
  type PrescriberKeys,
  type PrescriptionDraft,
  type PrescriptionVerdict
} from '../consult/index.ts'
import { createTrustList, type TrustList } from '../crypto/index.ts'
import { isWithdrawn, type Compartment, type FhirResource } from '../record/index.ts'
import { loadAppConfig } from './config.ts'

/** A warning found before signing. */
export interface PrescribingWarning {
  /** Stable id of what was found (acknowledged by this id), e.g. `allergy:penicillin`. */
  readonly code: string
  readonly severity: 'high' | 'moderate' | 'low'
  /** What was found, in the checker's words. */
  readonly message: string
  /** The rule or source the finding cites. */
  readonly source?: string
}

/** The code of the warning given when the check itself failed: prescribing blind must be a choice. */
export const CHECK_FAILED_WARNING = 'check-failed'

/** What a prescribing check is given of the patient: what the doctor's device holds. */
export interface PrescribingContext {
  readonly allergies: readonly FhirResource[]
  readonly medications: readonly FhirResource[]
  readonly conditions: readonly FhirResource[]
  /** False when the grant does not cover the summary, or it has not all arrived: "none" then means "not known". */
  readonly complete: boolean
}

/** A prescribing check (e.g. the insights library's drug–allergy and drug–drug checks). */
export type PrescriptionCheck = (draft: PrescriptionDraft, context: PrescribingContext) => readonly PrescribingWarning[] | Promise<readonly PrescribingWarning[]>

/** The outcome of asking to prescribe. */
export type PrescribeResult =
  /** Warnings not yet acknowledged: nothing was signed or written. */
  | { readonly kind: 'needs-confirmation'; readonly warnings: readonly PrescribingWarning[] }
  /** Signed and written into the visit compartment. */
  | { readonly kind: 'written'; readonly id: string; readonly jws: string; readonly qrText: string; readonly warnings: readonly PrescribingWarning[] }

/** What `prescribeInto` is given. */
export interface PrescribeInit {
  readonly prescriber: PrescriberKeys
  readonly context: PrescribingContext
  readonly check?: PrescriptionCheck
  /** Codes of the warnings the doctor has read and accepts. */
  readonly acknowledged?: readonly string[]
  readonly now: () => number
}

/**
 * Runs the check, and — when every warning is acknowledged — signs the prescription and
 * stores it (with its JWS) in `compartment`. The caller waits for the save.
 * @throws {TypeError | RangeError} for a draft that cannot be written (see `signPrescription`).
 * @throws {PrescriberMismatchError} if the credential is someone else's.
 * @throws {PrescriptionTooLargeError} if it would not fit a QR code.
 */
export async function prescribeInto(compartment: Compartment, draft: PrescriptionDraft, init: PrescribeInit): Promise<PrescribeResult> {
  let warnings: readonly PrescribingWarning[] = []
  if (init.check !== undefined) {
    try {
      warnings = await init.check(draft, init.context)
    } catch (err) {
      // fail closed: a check that could not run is a warning the doctor must accept, never silence
      console.warn('prescribing check failed', err instanceof Error ? err.name : err)
      warnings = [{ code: CHECK_FAILED_WARNING, severity: 'moderate', message: 'The prescribing check could not run.' }]
    }
  }
  const acknowledged = new Set(init.acknowledged ?? [])
  if (warnings.some((w) => !acknowledged.has(w.code))) return { kind: 'needs-confirmation', warnings }
  const signed = await signPrescription(draft, init.prescriber, { now: init.now })
  compartment.resources.put(withPrescriptionSignature(signed.resource, signed.jws))
  return { kind: 'written', id: signed.resource.id, jws: signed.jws, qrText: signed.qrText, warnings }
}

/** A signed prescription found in the record. */
export interface RecordPrescription {
  /** The MedicationRequest id. */
  readonly id: string
  /** The compartment it is in (a doctor's `visit:<grantId>`). */
  readonly compartment: string
  readonly jws: string
  /** The text of its QR code. */
  readonly qrText: string
  /** What a pharmacy with this app's trust list would say now (never from the stored fields: from the JWS). */
  readonly verdict: PrescriptionVerdict
}

/**
 * The signed prescriptions in `compartments`, newest first, each verified from its JWS.
 * @throws Never for what the record holds (a bad JWS is a `tampered` or `malformed` verdict).
 */
export async function listPrescriptions(compartments: Iterable<readonly [string, Compartment]>, opts: { readonly trustList: TrustList; readonly now: () => number }): Promise<RecordPrescription[]> {
  const out: Array<RecordPrescription & { at: number }> = []
  for (const [kind, c] of compartments) {
    for (const r of c.resources.list('MedicationRequest')) {
      if (isWithdrawn(r)) continue
      const jws = prescriptionSignatureOf(r)
      if (jws === undefined) continue
      const verdict = await verifyPrescription(jws, opts)
      let qrText = ''
      try {
        qrText = prescriptionQrText(jws)
      } catch (err) {
        // not a compact JWS at all: the verdict says malformed, and there is nothing to show a pharmacy
        console.warn('prescription: no QR text', err instanceof Error ? err.name : err)
      }
      out.push({ id: r.id ?? '', compartment: kind, jws, qrText, verdict, at: 'details' in verdict ? verdict.details.authoredOn : 0 })
    }
  }
  return out.sort((a, b) => b.at - a.at).map(({ at: _at, ...p }) => p)
}

/** What the pharmacy page is told about a scanned prescription. */
export interface PharmacyCheck {
  readonly verdict: PrescriptionVerdict
  /** How many licensing authorities the check trusted (0: the app knows none on this device). */
  readonly authorities: number
}

/** The pharmacy's verifier. */
export interface Pharmacy {
  /** Verifies a scanned or pasted prescription, offline (the trust list comes from the app's config, kept by the service worker). */
  verify(text: string): Promise<PharmacyCheck>
}

/**
 * Creates the pharmacy's verifier. The trust list is the one the patient and doctor apps
 * use ("verified by <authority>"): the licensing authorities of `/config.json`; without a
 * copy of it (never online yet), none, and every prescriber shows as unverified.
 * @throws Never.
 */
export function createPharmacy(components: { readonly fetch: typeof fetch; readonly clock?: () => number }): Pharmacy {
  const clock = components.clock ?? Date.now
  let trusted: TrustList | undefined
  const trustList = async (): Promise<TrustList> => {
    if (trusted !== undefined) return trusted
    try {
      trusted = createTrustList((await loadAppConfig(components.fetch, AbortSignal.timeout(5_000))).authorities)
      return trusted
    } catch (err) {
      // no config (offline before the first visit) or a bad entry: trust no one, and try again next time
      console.warn('pharmacy: no trust list', err instanceof Error ? err.name : err)
      return createTrustList([])
    }
  }
  return {
    async verify(text) {
      const list = await trustList()
      return { verdict: await verifyPrescription(text, { trustList: list, now: clock }), authorities: list.size }
    }
  }
}
