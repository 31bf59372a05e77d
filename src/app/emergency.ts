/**
 * The emergency QR (issue 10 §5): the critical summary — name, birth date, allergies,
 * conditions, medications, blood group, emergency contacts — encrypted as a compact JWE
 * (`dir` + A256GCM, DEFLATEd, as SMART Health Links files) under a fresh random key, and
 * carried whole in the fragment of a link to the app's emergency page:
 *
 * ```
 * <origin>/emergency#e1.<key: 43 base64url chars>.<compact JWE>
 * ```
 *
 * A fragment never leaves the browser, so the emergency page opens it offline on any device
 * that once loaded the app, and no server sees either the key or the summary. The key sits
 * beside the ciphertext on purpose: the QR is meant to be read by whoever finds the patient;
 * the encryption keeps the summary out of logs and previews that see only the page address,
 * and makes any change to the text fail loudly instead of showing altered facts.
 *
 * When the patient switched emergency access on (`break-glass.ts`), the fragment also
 * carries, after a `~`, the break-glass capability (`phr-btg:…`) that a clinician's app
 * uses to ask the patient's device for time-limited access to the summary. The card reads
 * the same with or without it.
 */
import { decryptShlFile, encryptShlFile, randomShlKey, shlKeyBytes } from '../fhir/index.ts'
import type { FhirResource } from '../record/index.ts'
import type { RecordSession } from './record-session.ts'

/** The emergency page's path. */
export const EMERGENCY_PATH = '/emergency'
const PREFIX = 'e1.'
/** Longest fragment read (a QR code holds at most ~2,900 characters anyway). */
export const MAX_EMERGENCY_FRAGMENT = 4096
const MAX_ITEMS = 40
const MAX_TEXT = 200

/** What separates the card from the break-glass capability in the fragment. */
export const BREAK_GLASS_SEPARATOR = '~'

/**
 * Appends a break-glass capability to an emergency link.
 * @throws {TypeError} if `capability` is not a `phr-btg:` text
 */
export function withBreakGlass(link: string, capability: string): string {
  if (!/^phr-btg:[A-Za-z0-9_-]+$/.test(capability)) throw new TypeError('capability: expected a phr-btg: text')
  return `${link}${BREAK_GLASS_SEPARATOR}${capability}`
}

/** The critical summary an emergency link carries. */
export interface EmergencyCard {
  readonly name: string
  readonly birthDate?: string
  readonly allergies: readonly string[]
  readonly conditions: readonly string[]
  readonly medications: readonly string[]
  readonly bloodGroup?: string
  readonly contacts: ReadonlyArray<{ readonly name: string; readonly phone?: string; readonly relation?: string }>
  /** When the card was made (ISO 8601). */
  readonly madeAt: string
}

/** An emergency link cannot be read: not one of ours, cut short, or changed. */
export class EmergencyLinkError extends Error {
  override name: string = 'EmergencyLinkError'
}

type Concept = { text?: string; coding?: Array<{ display?: string; code?: string }> } | undefined
const label = (c: Concept): string => (c?.text ?? c?.coding?.find((x) => x.display !== undefined)?.display ?? c?.coding?.[0]?.code ?? '').slice(0, MAX_TEXT)
const isActive = (r: FhirResource): boolean => {
  const status = (r as { clinicalStatus?: Concept }).clinicalStatus?.coding?.[0]?.code
  const verification = (r as { verificationStatus?: Concept }).verificationStatus?.coding?.[0]?.code
  return status !== 'inactive' && status !== 'resolved' && verification !== 'entered-in-error' && verification !== 'refuted'
}

/**
 * The critical summary of a record, read from its `core` compartment.
 * @throws Never (an empty record gives an empty card).
 */
export function emergencyCardOf(session: RecordSession, now: number = Date.now()): EmergencyCard {
  const core = session.get('core')
  const patient = core.resources.list('Patient')[0] as
    | { name?: Array<{ text?: string; given?: string[]; family?: string }>; birthDate?: string; contact?: Array<{ name?: { text?: string }; telecom?: Array<{ system?: string; value?: string }>; relationship?: Concept[] }> }
    | undefined
  const n = patient?.name?.[0]
  const name = (n?.text ?? `${(n?.given ?? []).join(' ')} ${n?.family ?? ''}`).trim().slice(0, MAX_TEXT)
  const allergies = core.resources.list('AllergyIntolerance').filter(isActive).map((a) => label(a['code'] as Concept))
  const conditions = core.resources.list('Condition').filter(isActive).map((c) => label(c['code'] as Concept))
  const medications = core.resources
    .list('MedicationStatement')
    .filter((m) => m['status'] === 'active' || m['status'] === 'intended')
    .map((m) => label(m['medicationCodeableConcept'] as Concept))
  // ABO/Rh group (LOINC 882-1), the latest one recorded
  const group = core.resources.list('Observation', { code: 'http://loinc.org|882-1' }).at(-1)
  const bloodGroup = group === undefined ? undefined : label(group['valueCodeableConcept'] as Concept) || undefined
  const contacts = (patient?.contact ?? []).slice(0, 5).map((c) => {
    const phone = c.telecom?.find((t) => t.system === 'phone')?.value
    const relation = c.relationship?.[0] === undefined ? undefined : label(c.relationship[0])
    return { name: (c.name?.text ?? '').slice(0, MAX_TEXT), ...(phone === undefined ? {} : { phone: phone.slice(0, 40) }), ...(relation === undefined || relation === '' ? {} : { relation }) }
  })
  return {
    name,
    ...(patient?.birthDate === undefined ? {} : { birthDate: patient.birthDate }),
    allergies: allergies.filter((x) => x !== '').slice(0, MAX_ITEMS),
    conditions: conditions.filter((x) => x !== '').slice(0, MAX_ITEMS),
    medications: medications.filter((x) => x !== '').slice(0, MAX_ITEMS),
    ...(bloodGroup === undefined ? {} : { bloodGroup }),
    contacts,
    madeAt: new Date(now).toISOString()
  }
}

/**
 * The emergency link of a card: `<origin>/emergency#e1.<key>.<jwe>`.
 * @throws {TypeError} if `origin` is not an http(s) origin
 */
export async function emergencyLink(card: EmergencyCard, origin: string): Promise<string> {
  if (!/^https?:\/\/[^/#?]+$/.test(origin)) throw new TypeError(`origin: expected an http(s) origin, got ${origin}`)
  const key = randomShlKey()
  const jwe = await encryptShlFile(card, key, 'application/json')
  return `${origin}${EMERGENCY_PATH}#${PREFIX}${key}.${jwe}`
}

const text = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || v.length > MAX_TEXT) throw new EmergencyLinkError(`emergency card: ${what} is not a short text`)
  return v
}
const texts = (v: unknown, what: string): string[] => {
  if (!Array.isArray(v) || v.length > MAX_ITEMS) throw new EmergencyLinkError(`emergency card: ${what} is not a list`)
  return v.map((x, i) => text(x, `${what}[${i}]`))
}

/**
 * Reads the card an emergency link's fragment (with or without its `#`) carries: checks the
 * form, decrypts (a changed character anywhere fails the tag), and checks every field.
 * @throws {EmergencyLinkError} for anything but an intact emergency link of this app
 */
export async function readEmergencyLink(fragment: string): Promise<EmergencyCard> {
  const whole = fragment.startsWith('#') ? fragment.slice(1) : fragment
  if (whole.length > MAX_EMERGENCY_FRAGMENT) throw new EmergencyLinkError('emergency link: too long')
  // the card alone: a break-glass capability after `~` is for a clinician's app, not for reading
  const f = whole.split(BREAK_GLASS_SEPARATOR)[0] ?? ''
  if (f.length > MAX_EMERGENCY_FRAGMENT) throw new EmergencyLinkError('emergency link: too long')
  if (!f.startsWith(PREFIX)) throw new EmergencyLinkError('emergency link: not an emergency link of this app')
  const key = f.slice(PREFIX.length, PREFIX.length + 43)
  if (f[PREFIX.length + 43] !== '.') throw new EmergencyLinkError('emergency link: cut short')
  let json: unknown
  try {
    shlKeyBytes(key)
    json = await decryptShlFile(f.slice(PREFIX.length + 44), key, { maxFileChars: MAX_EMERGENCY_FRAGMENT, maxPlaintextBytes: 64 * 1024 })
  } catch (err) {
    throw new EmergencyLinkError(`emergency link: cannot be decrypted (${err instanceof Error ? err.name : 'Error'})`, { cause: err })
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new EmergencyLinkError('emergency card: not an object')
  const o = json as Record<string, unknown>
  const contacts = o['contacts']
  if (!Array.isArray(contacts) || contacts.length > 5) throw new EmergencyLinkError('emergency card: contacts is not a list')
  return {
    name: text(o['name'], 'name'),
    ...(o['birthDate'] === undefined ? {} : { birthDate: text(o['birthDate'], 'birthDate') }),
    allergies: texts(o['allergies'], 'allergies'),
    conditions: texts(o['conditions'], 'conditions'),
    medications: texts(o['medications'], 'medications'),
    ...(o['bloodGroup'] === undefined ? {} : { bloodGroup: text(o['bloodGroup'], 'bloodGroup') }),
    contacts: contacts.map((c, i) => {
      if (typeof c !== 'object' || c === null) throw new EmergencyLinkError(`emergency card: contacts[${i}] is not an object`)
      const x = c as Record<string, unknown>
      return {
        name: text(x['name'], `contacts[${i}].name`),
        ...(x['phone'] === undefined ? {} : { phone: text(x['phone'], `contacts[${i}].phone`) }),
        ...(x['relation'] === undefined ? {} : { relation: text(x['relation'], `contacts[${i}].relation`) })
      }
    }),
    madeAt: text(o['madeAt'], 'madeAt')
  }
}
