/**
 * Handing a dependent's record over to its subject (DESIGN §8, delegation): the child,
 * grown up, takes ownership on their own device.
 *
 * The guardian held everything of the record, the person's recovery entropy included, so
 * every key they could derive must be out of date once the child owns it. The child's
 * device, once it has linked to the guardian's and synced the whole record (the device
 * link protocol, `/phr/link/1`), runs `takeOwnership`:
 *
 * 1. a fresh person: new recovery entropy (shown once, as a new 24-word phrase), so a new
 *    root key and did, and a new epoch seed;
 * 2. every compartment moves to a new epoch whose key derives from the *new* seed
 *    (`deriveEpochKey(seed', docId, epoch)`, as a rotation after a revocation does) and a
 *    snapshot is written under it: what the guardian saw stays readable to them, nothing
 *    written after it is (they hold neither the new seed nor any wrap of the new keys);
 * 3. this device gets a new certificate from the new root key; the guardian's device is no
 *    longer one of the person's devices (the linked-device list is emptied, and sync checks
 *    the certificate's person against the owner), and grants signed by the old root key end
 *    (the state is emptied; the new epochs were wrapped for nobody).
 *
 * The guardian's access therefore **ends** at handover rather than turning into a grant:
 * a grant the child did not choose would be the guardian deciding for them again. If the
 * child wants the guardian to keep seeing something (their vitals, say), they grant it
 * like anyone else's access, and may revoke it.
 */
import { createPerson, deriveEpochKey, deriveEpochSeed, issueDeviceCert, personFromEntropy } from '../crypto/index.ts'
import { AuditAction, auditHeadOf, recordAudit, sealVaultItem } from '../consent/index.ts'
import { peerIdOfAuthorKey } from '../sync/index.ts'
import { saveKeyring, type RecordSession } from './record-session.ts'
import { encodeLinkedDevices, VaultItem, type RecordVault } from './vault-items.ts'
import { emptyConsentState, encodeConsentState } from './consent-state.ts'

/** What the record's new owner takes away. */
export interface Handover {
  /** The new recovery phrase (24 words), to show once. */
  readonly phrase: string[]
  /** The did of the record's person before (the one the guardian held). */
  readonly previousOwner: string
  /** The new did. */
  readonly owner: string
  /** Each compartment's epoch after the handover, by kind. */
  readonly epochs: ReadonlyMap<string, number>
}

/** What `takeOwnership` is given: a record open on this device, not syncing. */
export interface HandoverComponents {
  readonly session: RecordSession
  readonly vault: RecordVault
  readonly vaultKey: Uint8Array
  /** This device's name for its new certificate. */
  readonly deviceName: string
  /** @default Date.now */
  readonly clock?: () => number
}

const CONSENT_ITEM = 'consent'

/** The record did not arrive whole from the guardian's device in time: nothing was taken over. */
export class HandoverIncompleteError extends Error {
  override name: string = 'HandoverIncompleteError'
}

/**
 * Makes this device's person the new owner of the record (see the module header). The
 * keyring is sealed before any snapshot under the new epochs is written, and the new
 * entropy before anything else changes, so a crash part-way leaves a record that opens.
 * @throws whatever the store throws (nothing is half-applied in memory: the caller reopens)
 */
export async function takeOwnership(components: HandoverComponents): Promise<Handover> {
  const { session, vault, vaultKey } = components
  const clock = components.clock ?? Date.now
  const before = await vault.person()
  const beforeEntropy = await vault.personEntropy()
  const fresh = createPerson()
  try {
    const person = personFromEntropy(fresh.entropy)
    const seed = deriveEpochSeed(fresh.entropy)
    const store = session.store
    const put = (name: string, bytes: Uint8Array): Promise<void> => store.putMeta(name, sealVaultItem(vaultKey, name, bytes))
    // mailboxes know the compartments under the old owner key: registrations stay signed with it
    await put(VaultItem.previousPerson, beforeEntropy)
    // the new person next: from here on every epoch this device rotates to derives from it
    await put(VaultItem.person, fresh.entropy)
    const peerId = peerIdOfAuthorKey(session.device.publicKey)
    await put(VaultItem.deviceCert, issueDeviceCert({ peerId, name: components.deviceName, issuedAt: clock() }, person.signing.secretKey))
    // the guardian's device was one of the old person's devices; it is not one of the new person's
    await put(VaultItem.linkedDevices, encodeLinkedDevices([]))
    await put(CONSENT_ITEM, encodeConsentState(emptyConsentState()))
    const epochs = new Map<string, number>()
    for (const keys of session.keyring.values()) {
      const next = keys.current + 1
      keys.epochs.set(next, deriveEpochKey(seed, keys.docId, next))
      keys.current = next
      epochs.set(keys.kind, next)
    }
    seed.fill(0)
    await saveKeyring(store, vaultKey, session.keyring)
    const audit = session.compartments.get('audit')
    if (audit !== undefined) {
      const head = auditHeadOf(audit.compartment, session.device.publicKey)
      recordAudit(audit.compartment, head, { at: clock(), action: AuditAction.handover, actor: person.did, details: { from: before.did, to: person.did } }, session.device.secretKey)
    }
    for (const c of session.compartments.values()) {
      await c.persistence.whenSaved()
      // a snapshot under the new epoch: nothing after it opens with the guardian's keys
      await c.persistence.compact()
    }
    return { phrase: fresh.phrase.split(' '), previousOwner: before.did, owner: person.did, epochs }
  } finally {
    fresh.entropy.fill(0)
    beforeEntropy.fill(0)
  }
}
