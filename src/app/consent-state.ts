/**
 * What the patient's device keeps about consent between sessions, sealed in the record's
 * vault as one item (`consent`), never in plaintext: who was let in is itself private.
 *
 * ```
 * consent = JSON {
 *   v: 1,
 *   grants: base64[], revocations: base64[]      the signed bytes, verified again on load
 *   ended: hex[]                                 grants whose end was already rotated away from
 *   shelf: [{ person, docHex, wraps: base64[] }] keys wrapped for grantees (served as KEYS)
 *   grantees: [{ did, peerId, deviceName, x25519, mlkem: base64, profileIssuedAt, credential }]
 *   auditSeq, auditHash                          this device's audit chain head (a removed tail shows)
 * }
 * ```
 */
import { FormatError, fromHex, toHex } from '../lib/index.ts'

/** The sealed consent item is malformed. */
export class ConsentStateFormatError extends FormatError {
  override name: string = 'ConsentStateFormatError'
}

/** What a grantee's credential said when they asked (shown on the people screen). */
export interface GranteeCredential {
  readonly status: 'verified' | 'untrusted' | 'expired' | 'none' | 'invalid'
  readonly name?: string
  readonly licence?: string
  readonly specialty?: string
  readonly authority?: string
}

/** A person a grant was made for. */
export interface Grantee {
  readonly did: string
  readonly peerId: string
  readonly deviceName: string
  /** Their receiving keys, from the profile verified when they asked. */
  readonly x25519: Uint8Array
  readonly mlkem: Uint8Array
  readonly profileIssuedAt: number
  readonly credential: GranteeCredential
}

/** The consent state. */
export interface ConsentState {
  grants: Uint8Array[]
  revocations: Uint8Array[]
  ended: string[]
  shelf: Array<{ person: string; docHex: string; wraps: Uint8Array[] }>
  grantees: Grantee[]
  audit?: { seq: number; hash: Uint8Array }
}

/** Largest encoded state. */
export const MAX_CONSENT_STATE_BYTES = 4 * 1024 * 1024

const b64 = (bytes: Uint8Array): string => {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin)
}
const unb64 = (text: unknown): Uint8Array => {
  if (typeof text !== 'string') throw new ConsentStateFormatError('consent state: expected base64 text')
  let bin: string
  try {
    bin = atob(text)
  } catch (err) {
    throw new ConsentStateFormatError('consent state: bad base64', { cause: err })
  }
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}
const str = (v: unknown, label: string): string => {
  if (typeof v !== 'string' || v.length > 1024) throw new ConsentStateFormatError(`consent state: ${label} is not text`)
  return v
}
const list = (v: unknown, label: string): unknown[] => {
  if (!Array.isArray(v)) throw new ConsentStateFormatError(`consent state: ${label} is not a list`)
  return v
}

/** An empty state. */
export function emptyConsentState(): ConsentState {
  return { grants: [], revocations: [], ended: [], shelf: [], grantees: [] }
}

/** Encodes the state (to be sealed right away). */
export function encodeConsentState(s: ConsentState): Uint8Array {
  const json = {
    v: 1,
    grants: s.grants.map(b64),
    revocations: s.revocations.map(b64),
    ended: s.ended,
    shelf: s.shelf.map((e) => ({ person: e.person, docHex: e.docHex, wraps: e.wraps.map(b64) })),
    grantees: s.grantees.map((g) => ({ ...g, x25519: b64(g.x25519), mlkem: b64(g.mlkem) })),
    ...(s.audit === undefined ? {} : { auditSeq: s.audit.seq, auditHash: toHex(s.audit.hash) })
  }
  return new TextEncoder().encode(JSON.stringify(json))
}

/**
 * Decodes the state; the signed parts are verified again by their users.
 * @throws {ConsentStateFormatError} for anything but a well-formed state
 */
export function decodeConsentState(bytes: Uint8Array): ConsentState {
  if (bytes.length > MAX_CONSENT_STATE_BYTES) throw new ConsentStateFormatError('consent state: too large')
  let json: Record<string, unknown>
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>
  } catch (err) {
    throw new ConsentStateFormatError('consent state: not JSON', { cause: err })
  }
  if (typeof json !== 'object' || json === null || json.v !== 1) throw new ConsentStateFormatError('consent state: unknown version')
  const credentialOf = (v: unknown): GranteeCredential => {
    const c = (v ?? {}) as Record<string, unknown>
    const status = c.status
    if (status !== 'verified' && status !== 'untrusted' && status !== 'expired' && status !== 'none' && status !== 'invalid') throw new ConsentStateFormatError('consent state: credential status')
    const out: { -readonly [K in keyof GranteeCredential]: GranteeCredential[K] } = { status }
    for (const k of ['name', 'licence', 'specialty', 'authority'] as const) if (c[k] !== undefined) out[k] = str(c[k], k)
    return out
  }
  const state: ConsentState = {
    grants: list(json.grants, 'grants').map(unb64),
    revocations: list(json.revocations, 'revocations').map(unb64),
    ended: list(json.ended, 'ended').map((h) => str(h, 'ended')),
    shelf: list(json.shelf, 'shelf').map((e) => {
      const o = e as Record<string, unknown>
      return { person: str(o.person, 'person'), docHex: str(o.docHex, 'docHex'), wraps: list(o.wraps, 'wraps').map(unb64) }
    }),
    grantees: list(json.grantees, 'grantees').map((e) => {
      const o = e as Record<string, unknown>
      if (typeof o.profileIssuedAt !== 'number') throw new ConsentStateFormatError('consent state: profileIssuedAt')
      return {
        did: str(o.did, 'did'),
        peerId: str(o.peerId, 'peerId'),
        deviceName: str(o.deviceName, 'deviceName'),
        x25519: unb64(o.x25519),
        mlkem: unb64(o.mlkem),
        profileIssuedAt: o.profileIssuedAt,
        credential: credentialOf(o.credential)
      }
    })
  }
  if (typeof json.auditSeq === 'number' && typeof json.auditHash === 'string') state.audit = { seq: json.auditSeq, hash: fromHex(json.auditHash) }
  return state
}
