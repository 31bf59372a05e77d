/**
 * A prescription's verdict in plain words, and what it says, for the pharmacy page and the
 * patient's prescription cards. The verdict comes from the signature, the licence and the
 * dates (see `verifyPrescription`); nothing here decides, it only says.
 */
import { css, html } from 'lit'
import { msg, str } from '@lit/localize'
import type { PrescriberInfo, PrescriptionDetails, PrescriptionVerdict } from '../app/index.ts'
import { getLocale } from './i18n.ts'

const date = (ms: number): string => new Date(ms).toLocaleString(getLocale(), { dateStyle: 'medium', timeStyle: 'short' })
const day = (iso: string): string => new Date(`${iso}T00:00:00Z`).toLocaleDateString(getLocale(), { dateStyle: 'medium', timeZone: 'UTC' })

/** Whether the verdict lets a pharmacy dispense: only `valid`. */
export const isDispensable = (v: PrescriptionVerdict): boolean => v.status === 'valid'

/** The verdict's headline. */
export function verdictHeadline(v: PrescriptionVerdict): string {
  switch (v.status) {
    case 'valid':
      return msg('Valid prescription')
    case 'tampered':
      return msg('Do not dispense: this prescription was changed')
    case 'expired':
      return msg('Do not dispense: this prescription has expired')
    case 'not-yet-valid':
      return msg('Do not dispense yet: this prescription is not valid yet')
    case 'unverified-prescriber':
      return msg('Do not dispense: the prescriber is not verified')
    case 'malformed':
      return msg('This is not a prescription this app can read')
  }
}

/** Why the prescriber is not verified. */
export function prescriberProblem(p: PrescriberInfo): string {
  switch (p.credential) {
    case 'verified':
      return ''
    case 'untrusted':
      return msg('The licence comes from an authority this app does not trust.')
    case 'expired':
      return msg('The prescriber’s licence has expired.')
    case 'invalid':
      return msg('The licence that came with it is not valid.')
    case 'not-theirs':
      return msg('The licence that came with it belongs to someone else.')
    case 'none':
      return msg('No licence came with it.')
  }
}

/** The verdict's explanation, one or two sentences. */
export function verdictExplanation(v: PrescriptionVerdict): string {
  switch (v.status) {
    case 'valid': {
      const authority = v.details.prescriber.authorityName ?? ''
      return msg(str`Signed by a practitioner licensed by ${authority}, unchanged since, and within its validity period.`)
    }
    case 'tampered':
      return msg('Its signature does not match its contents: it was altered after the doctor signed it, or the doctor it names never signed it.')
    case 'expired': {
      const until = date(v.details.validUntil)
      return msg(str`It could be dispensed until ${until}.`)
    }
    case 'not-yet-valid': {
      const from = date(v.details.validFrom)
      return msg(str`It can be dispensed from ${from}.`)
    }
    case 'unverified-prescriber':
      return prescriberProblem(v.details.prescriber)
    case 'malformed':
      return v.error.name === 'PrescriptionTooLargeError'
        ? msg('The text is far longer than any prescription.')
        : msg('Scan the code again, or paste the whole text, starting with phr-rx:')
  }
}

/** What a prescription says, as a description list. */
export function prescriptionFacts(d: PrescriptionDetails): unknown {
  const p = d.prescriber
  const row = (term: string, value: unknown, id: string): unknown => html`<dt>${term}</dt><dd data-testid=${`rx-${id}`}>${value}</dd>`
  return html`<dl class="facts">
    ${row(msg('Medicine'), d.rxnorm === undefined ? d.drug : html`${d.drug} <span class="code">RxNorm ${d.rxnorm.code}</span>`, 'drug')}
    ${row(msg('Dose'), d.dosage, 'dose')}
    ${row(msg('Quantity'), `${d.quantity.value} ${d.quantity.unit}`, 'quantity')}
    ${row(msg('Repeats'), String(d.repeats), 'repeats')}
    ${row(msg('Patient'), d.patient.birthDate === undefined ? d.patient.name : msg(str`${d.patient.name}, born ${day(d.patient.birthDate)}`), 'patient')}
    ${row(msg('Prescriber'), p.credential === 'verified' || p.credential === 'untrusted' || p.credential === 'expired' ? (p.name ?? '') : msg('Unknown'), 'prescriber')}
    ${p.licence === undefined ? '' : row(msg('Licence'), p.specialty === undefined ? p.licence : `${p.licence}, ${p.specialty}`, 'licence')}
    ${row(msg('Licensing authority'), p.credential === 'verified' ? (p.authorityName ?? '') : html`<span class="bad">${prescriberProblem(p)}</span>`, 'authority')}
    ${row(msg('Valid'), msg(str`${date(d.validFrom)} to ${date(d.validUntil)}`), 'validity')}
    ${row(msg('Written'), date(d.authoredOn), 'written')}
    ${d.note === undefined ? '' : row(msg('Note'), d.note, 'note')}
    ${row(msg('Prescription number'), html`<span class="code">${d.id}</span>`, 'id')}
  </dl>`
}

/** Styles of the verdict and the facts. */
export const prescriptionStyles = css`
  .verdict {
    border-radius: 10px;
    padding: 0.75rem 1rem;
    margin: 0 0 1rem;
    border: 2px solid;
  }
  .verdict h2,
  .verdict h3 {
    margin: 0 0 0.25rem;
  }
  .verdict p {
    margin: 0;
    color: inherit;
  }
  .verdict.ok {
    color: #0b5a27;
    background: #e9f7ee;
    border-color: #0b6b2e;
  }
  .verdict.stop {
    color: #7a1111;
    background: #fdecec;
    border-color: #9b1c1c;
  }
  .facts {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0.25rem 1rem;
    margin: 0 0 0.75rem;
  }
  .facts dt {
    font-weight: 600;
  }
  .facts dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
  .code {
    font-family: ui-monospace, monospace;
    font-size: 0.85em;
    color: var(--text-muted);
  }
  .bad {
    color: #9b1c1c;
  }
  @media (max-width: 30rem) {
    .facts {
      grid-template-columns: 1fr;
    }
    .facts dd {
      margin-bottom: 0.4rem;
    }
  }
`
