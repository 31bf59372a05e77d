/**
 * The default authorizer: a person's own certified devices may read every doc; anyone
 * else only the docs an explicit allow-list names. The consent layer replaces it with
 * grant checks (a grant's compartments, time window and revocation).
 */
import { assertBytes, assertText, DOC_ID_LENGTH, toHex } from '../lib/index.ts'
import type { Authorizer } from './protocol/types.ts'

/** One allow-list entry: `person` may read `docs` (from any of their certified devices, or only `devices`). */
export interface AllowEntry {
  /** did:key of the person. */
  readonly person: string
  /** Doc ids this person may read. */
  readonly docs: Iterable<Uint8Array>
  /** Only these devices (PeerIds) of the person; every device when absent. */
  readonly devices?: Iterable<string>
}

/** The default authorizer, with a mutable allow-list. */
export interface DefaultAuthorizer {
  /** The `Authorizer` to pass to the sync service. */
  readonly authorize: Authorizer
  /** Allows `entry.person` to read `entry.docs` (added to any earlier entry). */
  allow(entry: AllowEntry): void
  /** Removes `person`'s access to `docId`, or to every doc when `docId` is absent. */
  revoke(person: string, docId?: Uint8Array): void
}

/**
 * An authorizer that allows `owner`'s own devices (any device whose certificate `owner`
 * signed: the sync session has already verified it) every doc, plus the allow-list.
 * @throws {TypeError} if `owner` is not a string or an entry is malformed.
 * @throws {RangeError} if a doc id is not 16 bytes.
 * @example const { authorize } = createDefaultAuthorizer({ owner: me.did, allow: [{ person: doctorDid, docs: [visitDocId] }] })
 */
export function createDefaultAuthorizer(init: { owner: string; allow?: Iterable<AllowEntry> }): DefaultAuthorizer {
  assertText(init.owner, 'owner', 128)
  const owner = init.owner
  /** person → doc hex → allowed devices (undefined: all of the person's devices) */
  const allowed = new Map<string, Map<string, Set<string> | undefined>>()
  const allow = (entry: AllowEntry): void => {
    assertText(entry.person, 'entry.person', 128)
    let docs = allowed.get(entry.person)
    if (docs === undefined) allowed.set(entry.person, (docs = new Map<string, Set<string> | undefined>()))
    const devices = entry.devices === undefined ? undefined : new Set(entry.devices)
    for (const d of entry.docs) {
      assertBytes(d, 'entry.docs[]', DOC_ID_LENGTH)
      const hex = toHex(d)
      const prior = docs.get(hex)
      if (docs.has(hex) && prior === undefined) continue // already every device
      docs.set(hex, devices === undefined ? undefined : new Set([...(prior ?? []), ...devices]))
    }
  }
  for (const e of init.allow ?? []) allow(e)
  return {
    authorize(remotePerson, remoteDevice, docId) {
      if (remotePerson === owner) return true
      const docs = allowed.get(remotePerson)
      if (docs === undefined || !(docId instanceof Uint8Array) || docId.length !== DOC_ID_LENGTH) return false
      const hex = toHex(docId)
      if (!docs.has(hex)) return false
      const devices = docs.get(hex)
      return devices === undefined || devices.has(remoteDevice)
    },
    allow,
    revoke(person, docId) {
      if (docId === undefined) allowed.delete(person)
      else allowed.get(person)?.delete(toHex(docId))
    }
  }
}
