/**
 * A guardian's dependents (DESIGN §8, delegation): the records the person manages for
 * someone else, a child for example. Each is a whole record of its own — its own
 * IndexedDB database, its own person (root key, did, recovery entropy), its own device key
 * and compartment keys — and the guardian holds it as its owner.
 *
 * A dependent's record has no passphrase of its own: its vault key is sealed in the
 * guardian's vault, so it opens only while the guardian's own record is unlocked, and it
 * locks with it. The record's own `vault-key` item is sealed under a random throwaway
 * passphrase nobody keeps (the record format needs one; nothing opens it).
 *
 * ```
 * dependents (a vault item of the guardian's record)
 *   = 0x01 ‖ n (varuint ≤ 16) ‖ n × (id (8) ‖ name (varstring ≤ 200 bytes)
 *       ‖ birthDate (varstring, YYYY-MM-DD) ‖ createdAt (varuint ms) ‖ vaultKey (32))
 * the dependent's database: `phr-record-dep-<id hex>`
 * ```
 */
import { createReader, createWriter, FormatError, toHex, fromHex } from '../lib/index.ts'
import { randomBytes } from '../crypto/index.ts'
import { RECORD_DB_PREFIX } from './local-records.ts'

/** Prefix of a dependent's database. */
export const DEPENDENT_DB_PREFIX = `${RECORD_DB_PREFIX}dep-`
/** The guardian's vault item listing the dependents. */
export const DEPENDENTS_ITEM = 'dependents'
/** Most dependents one guardian keeps on a device. */
export const MAX_DEPENDENTS = 16
/** Longest name of a dependent, in UTF-8 bytes. */
export const MAX_DEPENDENT_NAME_BYTES = 200
const ID_BYTES = 8
const VAULT_KEY_BYTES = 32
const VERSION = 1

/** The list of dependents is malformed. */
export class DependentsFormatError extends FormatError {
  override name: string = 'DependentsFormatError'
}

/** One dependent, as the guardian's vault keeps it. */
export interface DependentEntry {
  /** 16 hex characters; the database is `DEPENDENT_DB_PREFIX + id`. */
  readonly id: string
  readonly name: string
  /** YYYY-MM-DD. */
  readonly birthDate: string
  readonly createdAt: number
  /** Opens the dependent's record (never shown, never leaves the guardian's vault). */
  readonly vaultKey: Uint8Array
}

/** A fresh dependent id. */
export function newDependentId(): string {
  return toHex(randomBytes(ID_BYTES))
}

/** The database of a dependent's record. @throws {RangeError} for an id that is not 16 hex characters */
export function dependentDbName(id: string): string {
  if (!/^[0-9a-f]{16}$/.test(id)) throw new RangeError('dependent id: 16 lowercase hex characters')
  return `${DEPENDENT_DB_PREFIX}${id}`
}

/**
 * Checks a name and a birth date as a dependent's record takes them.
 * @throws {RangeError} for an empty or too long name, or a birth date that is not a past YYYY-MM-DD date
 */
export function checkPersonDetails(name: string, birthDate: string, now: number): { name: string; birthDate: string } {
  const n = name.trim()
  if (n.length === 0 || new TextEncoder().encode(n).length > MAX_DEPENDENT_NAME_BYTES) throw new RangeError(`name: 1..${MAX_DEPENDENT_NAME_BYTES} bytes`)
  if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate) || !(Date.parse(birthDate) <= now)) throw new RangeError('birth date: a past date, YYYY-MM-DD')
  return { name: n, birthDate }
}

/** Encodes the list. @throws {RangeError} for too many, or a malformed entry */
export function encodeDependents(list: readonly DependentEntry[]): Uint8Array {
  if (list.length > MAX_DEPENDENTS) throw new RangeError(`dependents: more than ${MAX_DEPENDENTS}`)
  const w = createWriter().byte(VERSION).varUint(list.length)
  for (const d of list) {
    dependentDbName(d.id)
    if (d.vaultKey.length !== VAULT_KEY_BYTES) throw new RangeError('dependents: a vault key is not 32 bytes')
    w.bytes(fromHex(d.id)).varString(d.name).varString(d.birthDate).varUint(d.createdAt).bytes(d.vaultKey)
  }
  return w.finish()
}

/** Decodes the list. @throws {DependentsFormatError} for anything but a well-formed list */
export function decodeDependents(bytes: Uint8Array): DependentEntry[] {
  const r = createReader(bytes, DependentsFormatError)
  if (r.byte('version') !== VERSION) throw new DependentsFormatError('dependents: unknown version')
  const n = r.varUint('count', 0, MAX_DEPENDENTS)
  const out: DependentEntry[] = []
  const seen = new Set<string>()
  for (let i = 0; i < n; i++) {
    const id = toHex(r.bytes('id', ID_BYTES))
    const name = r.varString('name', MAX_DEPENDENT_NAME_BYTES)
    const birthDate = r.varString('birthDate', 10)
    if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) throw new DependentsFormatError('dependents: malformed birth date')
    const createdAt = r.varUint('createdAt')
    const vaultKey = r.bytes('vaultKey', VAULT_KEY_BYTES).slice()
    if (seen.has(id)) throw new DependentsFormatError('dependents: an id appears twice')
    seen.add(id)
    out.push({ id, name, birthDate, createdAt, vaultKey })
  }
  r.end('dependents')
  return out
}
