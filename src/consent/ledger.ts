/**
 * The consent ledger of one record (DESIGN §8), kept by its owner: the grants the owner
 * signed, their revocations, and what each grant means for the compartments' key epochs.
 *
 * - `grant()` returns the current epoch key of every compartment the grant covers, to be
 *   wrapped for the grantee (`wrapKey`) — only once the grant is in force.
 * - `revoke()` and `tick()` (which notices grants passing `notAfter`) rotate the epoch of
 *   every compartment such a grant covered: a fresh key, handed only to the grants still
 *   in force over it. What the grantee already holds stays theirs; nothing sealed under
 *   the new epoch can be opened with it.
 * - `authorize()` is the sync hook: the owner's own devices read everything; a grantee's
 *   device reads a doc only under a grant in force now that covers it and lists the device
 *   (or lists none).
 *
 * Keys come from and go into the owner's `Keyring`; wrapping and sealing them is the
 * caller's (the app has the grantee profiles and the vault).
 */
import { equalBytes, toHex, type DocId } from '../lib/index.ts'
import { newEpochKey } from '../crypto/index.ts'
import type { Keyring } from './keyring.ts'
import { grantAllowsDevice, grantCovers, grantIdHex, grantStatus, GrantNotValidError, verifyGrant, verifyRevocation, type Grant, type Revocation } from './grant.ts'

/** An epoch key to wrap for a grantee under one grant. */
export interface KeyDelivery {
  readonly grant: Grant
  readonly docId: DocId
  readonly epoch: number
  readonly key: Uint8Array
}

/** One compartment's epoch change. */
export interface Rotation {
  readonly docId: DocId
  readonly kind: string
  readonly from: number
  readonly to: number
  /** The grant(s) whose end caused it. */
  readonly because: readonly Grant[]
}

/** What a change to the ledger asks the caller to do. */
export interface LedgerChange {
  /** Epochs advanced: seal new envelopes (and a new snapshot) under `to`. */
  readonly rotations: readonly Rotation[]
  /** Keys to wrap for grantees. */
  readonly deliveries: readonly KeyDelivery[]
}

/** Options of the ledger. */
export interface ConsentLedgerInit {
  /** did:key of the record's owner: only grants and revocations they signed are taken. */
  readonly owner: string
  /** The owner's keyring (changed in place by rotations). */
  readonly keyring: Keyring
  /** @default Date.now */
  readonly clock?: () => number
  /**
   * The key a rotation gives epoch `epoch` of `docId`: the person's derived one
   * (`deriveEpochKey`), so that their other devices compute it too. @default a random key
   */
  readonly epochKey?: (docId: DocId, epoch: number) => Uint8Array
}

/** A record's grants and revocations, and their effect on key epochs. */
export interface ConsentLedger {
  /** Every grant taken, with its status now. */
  grants(): Array<{ grant: Grant; status: ReturnType<typeof grantStatus> }>
  /** The revocations taken. */
  revocations(): readonly Revocation[]
  /**
   * Takes a signed grant; returns the keys to wrap for its grantee (none before `notBefore`:
   * `tick()` hands them out then).
   * @throws {GrantFormatError | SignatureInvalidError | InputTooLargeError} for bad bytes
   * @throws {GrantNotValidError} if another person signed it, or it covers a compartment not in the keyring
   */
  grant(bytes: Uint8Array): LedgerChange
  /**
   * Takes a signed revocation and rotates every compartment its grant covered.
   * @throws {GrantFormatError | SignatureInvalidError} for bad bytes
   * @throws {GrantNotValidError} if another person signed it or the grant is unknown
   */
  revoke(bytes: Uint8Array): LedgerChange
  /** Notices grants that started or ended since the last call; rotates for those that ended. */
  tick(): LedgerChange
  /** Rotates one compartment on the owner's wish (e.g. a lost device); keys go to the grants in force. */
  rotate(docId: Uint8Array): LedgerChange
  /**
   * Takes back what an earlier session of the ledger held (from the sealed vault), without
   * handing keys out again: grants that had started count as started, those in `ended`
   * as already rotated away from. Call `tick()` after it: a grant that expired while the
   * app was closed rotates then.
   * @throws as `grant()` and `revoke()` for bad bytes
   */
  restore(state: { grants: readonly Uint8Array[]; revocations: readonly Uint8Array[]; ended: ReadonlySet<string>; started?: ReadonlySet<string> }): void
  /** The sync hook. */
  authorize(remotePerson: string, remoteDevice: string, docId: Uint8Array): boolean
}

/**
 * Creates the ledger of a record.
 * @example
 * const ledger = createConsentLedger({ owner: me.did, keyring })
 * const { deliveries } = ledger.grant(signGrant(fields, me.signing.secretKey))
 */
export function createConsentLedger(init: ConsentLedgerInit): ConsentLedger {
  const clock = init.clock ?? Date.now
  const keyring = init.keyring
  const taken = new Map<string, Grant>()
  const revocations: Revocation[] = []
  /** grant id hex → what the ledger has done for it: handed out keys, rotated after its end */
  const started = new Set<string>()
  const ended = new Set<string>()

  /** `<grant hex>:<doc hex>` → the newest epoch handed to that grant here (since this ledger was made) */
  const handed = new Map<string, number>()
  const handedKey = (g: Grant, docId: Uint8Array): string => `${grantIdHex(g.id)}:${toHex(docId)}`
  const hand = (d: KeyDelivery): KeyDelivery => {
    const k = handedKey(d.grant, d.docId)
    handed.set(k, Math.max(handed.get(k) ?? 0, d.epoch))
    return d
  }

  const statusOf = (g: Grant, now: number): ReturnType<typeof grantStatus> => grantStatus(g, now, revocations)

  function deliveriesFor(g: Grant): KeyDelivery[] {
    const out: KeyDelivery[] = []
    for (const c of g.compartments) {
      const keys = keyring.get(toHex(c.docId))
      const key = keys?.epochs.get(keys.current)
      if (keys !== undefined && key !== undefined) out.push(hand({ grant: g, docId: keys.docId, epoch: keys.current, key }))
    }
    return out
  }

  /**
   * Whether the compartment is already past every epoch the ending grants were handed here:
   * another of the person's devices rotated it (for this very revocation) and this device
   * learnt the new epoch first. Unknown (e.g. after a restart) counts as not past.
   */
  function alreadyPast(keys: { docId: Uint8Array; current: number }, because: Grant[]): boolean {
    if (because.length === 0) return false
    return because.every((g) => {
      const h = handed.get(handedKey(g, keys.docId))
      return h !== undefined && keys.current > h
    })
  }

  function rotateDocs(docIds: Iterable<DocId>, because: Grant[], now: number): LedgerChange {
    const rotations: Rotation[] = []
    const deliveries: KeyDelivery[] = []
    const seen = new Set<string>()
    for (const docId of docIds) {
      const hex = toHex(docId)
      const keys = keyring.get(hex)
      if (keys === undefined || seen.has(hex)) continue
      seen.add(hex)
      if (alreadyPast(keys, because)) continue
      const from = keys.current
      const to = Math.max(...keys.epochs.keys()) + 1
      keys.epochs.set(to, init.epochKey?.(keys.docId, to) ?? newEpochKey())
      keys.current = to
      rotations.push({ docId: keys.docId, kind: keys.kind, from, to, because })
      for (const g of taken.values()) {
        if (statusOf(g, now) !== 'active' || !grantCovers(g, keys.docId)) continue
        const key = keys.epochs.get(to) as Uint8Array
        deliveries.push(hand({ grant: g, docId: keys.docId, epoch: to, key }))
      }
    }
    return { rotations, deliveries }
  }

  function merge(a: LedgerChange, b: LedgerChange): LedgerChange {
    return { rotations: [...a.rotations, ...b.rotations], deliveries: [...a.deliveries, ...b.deliveries] }
  }

  function tick(): LedgerChange {
    const now = clock()
    let change: LedgerChange = { rotations: [], deliveries: [] }
    const ending: Grant[] = []
    for (const [hex, g] of taken) {
      const status = statusOf(g, now)
      if ((status === 'expired' || status === 'revoked') && !ended.has(hex)) {
        ended.add(hex)
        // a grant that never started handed out nothing: nothing to rotate away from
        if (started.has(hex)) ending.push(g)
      }
    }
    if (ending.length > 0) change = rotateDocs(ending.flatMap((g) => g.compartments.map((c) => c.docId)), ending, now)
    for (const [hex, g] of taken) {
      if (started.has(hex) || ended.has(hex) || statusOf(g, now) !== 'active') continue
      started.add(hex)
      // keys of the epochs just created were already delivered to grants in force
      const fresh = deliveriesFor(g).filter((d) => !change.deliveries.some((x) => x.grant === g && equalBytes(x.docId, d.docId)))
      change = merge(change, { rotations: [], deliveries: fresh })
    }
    return change
  }

  return {
    grants: () => {
      const now = clock()
      return [...taken.values()].map((grant) => ({ grant, status: statusOf(grant, now) }))
    },
    revocations: () => revocations,
    grant(bytes) {
      const g = verifyGrant(bytes)
      if (g.patient !== init.owner) throw new GrantNotValidError('grant: signed by someone other than the record’s owner')
      for (const c of g.compartments) {
        if (!keyring.has(toHex(c.docId))) throw new GrantNotValidError(`grant: covers a compartment (${c.kind}) this record does not have`)
      }
      const hex = toHex(g.id)
      if (!taken.has(hex)) taken.set(hex, g)
      return tick()
    },
    revoke(bytes) {
      const r = verifyRevocation(bytes)
      if (r.patient !== init.owner) throw new GrantNotValidError('revocation: signed by someone other than the record’s owner')
      if (!taken.has(toHex(r.grantId))) throw new GrantNotValidError('revocation: of a grant this record does not know')
      if (!revocations.some((x) => equalBytes(x.grantId, r.grantId))) revocations.push(r)
      return tick()
    },
    tick,
    restore(state) {
      const now = clock()
      for (const bytes of state.grants) {
        const g = verifyGrant(bytes)
        if (g.patient !== init.owner) throw new GrantNotValidError('grant: signed by someone other than the record’s owner')
        const hex = toHex(g.id)
        taken.set(hex, g)
        // keys were handed out when it came into force: the caller knows (wraps name their
        // grant); without that, a grant whose notBefore passed is taken as started
        if (state.started !== undefined ? state.started.has(hex) : g.notBefore <= now) started.add(hex)
        if (state.ended.has(hex)) ended.add(hex)
      }
      for (const bytes of state.revocations) {
        const r = verifyRevocation(bytes)
        if (r.patient !== init.owner || !taken.has(toHex(r.grantId))) throw new GrantNotValidError('revocation: not of this record’s grants')
        if (!revocations.some((x) => equalBytes(x.grantId, r.grantId))) revocations.push(r)
      }
    },
    rotate(docId) {
      return rotateDocs([docId as DocId], [], clock())
    },
    authorize(remotePerson, remoteDevice, docId) {
      if (remotePerson === init.owner) return true
      const now = clock()
      for (const g of taken.values()) {
        if (g.grantee === remotePerson && statusOf(g, now) === 'active' && grantAllowsDevice(g, remoteDevice) && grantCovers(g, docId)) return true
      }
      return false
    }
  }
}
