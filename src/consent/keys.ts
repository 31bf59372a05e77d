/**
 * Moving epoch keys to grantees (DESIGN §8): the owner's side wraps what the ledger hands
 * out (hybrid X25519 + ML-KEM-768, signed by the owner) and keeps the wraps on a shelf
 * that sync serves as KEYS; the grantee's side unwraps what it receives — only from the
 * record's owner, only addressed to itself — into its keyring.
 */
import { equalBytes, toHex, type DocId } from '../lib/index.ts'
import { ed25519FromDidKey, unwrapKey, wrapKey, type Profile, type UnwrapKeys } from '../crypto/index.ts'
import { GrantNotValidError } from './grant.ts'
import type { Keyring } from './keyring.ts'
import type { KeyDelivery } from './ledger.ts'

/** Wraps kept for grantees, served by sync as KEYS. */
export interface KeyShelf {
  /**
   * Wraps each delivery for its grantee, whose verified profile `profileOf` returns.
   * @throws {GrantNotValidError} when a grantee's profile is unknown (nothing is shelved then)
   */
  deliver(deliveries: readonly KeyDelivery[], ownerSecretKey: Uint8Array, profileOf: (did: string) => Profile | undefined): void
  /** Every wrap shelved for `person` and `docId` (all epochs they were given). */
  keysFor(person: string, docId: Uint8Array): Uint8Array[]
  /** Keeps a wrap made elsewhere (e.g. restored from the vault). */
  add(person: string, docId: Uint8Array, wrap: Uint8Array): void
  /** Everything, for sealing into the vault. */
  entries(): Array<{ person: string; docHex: string; wraps: Uint8Array[] }>
}

/** A new, empty shelf. */
export function createKeyShelf(): KeyShelf {
  const shelf = new Map<string, Map<string, Uint8Array[]>>()
  const add = (person: string, docId: Uint8Array, wrap: Uint8Array): void => {
    let docs = shelf.get(person)
    if (docs === undefined) shelf.set(person, (docs = new Map<string, Uint8Array[]>()))
    const hex = toHex(docId)
    const list = docs.get(hex) ?? []
    if (!list.some((w) => equalBytes(w, wrap))) list.push(wrap)
    docs.set(hex, list)
  }
  return {
    deliver(deliveries, ownerSecretKey, profileOf) {
      const made: Array<[string, DocId, Uint8Array]> = []
      for (const d of deliveries) {
        const profile = profileOf(d.grant.grantee)
        if (profile === undefined || profile.person !== d.grant.grantee) throw new GrantNotValidError(`keys: no verified profile of ${d.grant.grantee} to wrap for`)
        made.push([d.grant.grantee, d.docId, wrapKey(d.key, { docId: d.docId, epoch: d.epoch, grantId: d.grant.id }, ownerSecretKey, profile)])
      }
      for (const [person, docId, wrap] of made) add(person, docId, wrap)
    },
    keysFor: (person, docId) => [...(shelf.get(person)?.get(toHex(docId)) ?? [])],
    add,
    entries: () => [...shelf].flatMap(([person, docs]) => [...docs].map(([docHex, wraps]) => ({ person, docHex, wraps: [...wraps] })))
  }
}

/** What `acceptWrappedKeys` did. */
export interface AcceptedKeys {
  /** Epochs added to the keyring. */
  readonly added: number
  /** Wraps refused, with the named error. */
  readonly problems: ReadonlyArray<{ index: number; error: string }>
}

/**
 * Unwraps keys that a record's owner sent for `docId` into `keyring` (creating the
 * compartment entry as `kind` if new). A wrap from anyone but `owner`, addressed to someone
 * else, for another doc, forged or damaged is refused by name and changes nothing. The
 * compartment's current epoch becomes the highest held.
 */
export function acceptWrappedKeys(keyring: Keyring, docId: DocId, kind: string, wraps: readonly Uint8Array[], me: UnwrapKeys, owner: string): AcceptedKeys {
  const ownerKey = ed25519FromDidKey(owner)
  const problems: Array<{ index: number; error: string }> = []
  let added = 0
  wraps.forEach((bytes, index) => {
    try {
      const k = unwrapKey(bytes, me, { isAllowedSender: (sender) => equalBytes(sender, ownerKey) })
      if (!equalBytes(k.docId, docId)) throw new GrantNotValidError('keys: a wrap for another doc')
      const hex = toHex(docId)
      let c = keyring.get(hex)
      if (c === undefined) keyring.set(hex, (c = { docId, kind, current: k.epoch, epochs: new Map() }))
      if (!c.epochs.has(k.epoch)) added++
      c.epochs.set(k.epoch, k.key)
      c.current = Math.max(c.current, k.epoch)
    } catch (err) {
      problems.push({ index, error: err instanceof Error ? err.name : 'Error' })
    }
  })
  return { added, problems }
}
