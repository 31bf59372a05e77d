/**
 * The open one-time offers of a device (device-link codes, visit invites): each a random
 * token with an expiry; an answer proves the token bound to both PeerIds (`offerProof`).
 * A token works once, whatever happens next; too many wrong proofs revoke every open offer
 * (someone is guessing); beyond `maxOpen` the oldest offer is dropped.
 */
import { equalBytes } from '../lib/index.ts'
import { encodeOffer, newLinkToken, offerProof, type OfferKind } from './link/payload.ts'

/** Options of an offer book. */
export interface OfferBookInit {
  readonly kind: OfferKind
  /** did:key of the person the offers are for. */
  readonly person: string
  /** This device's PeerId. */
  readonly peerId: string
  readonly clock: () => number
  readonly ttlMs: number
  readonly maxOpen: number
  readonly maxFailed: number
}

/** A device's open offers. */
export interface OfferBook {
  /**
   * A new offer reachable at `addrs`.
   * @throws {RangeError} if `addrs` is empty or longer than 4
   */
  create(addrs: string[]): { payload: string; expiresAt: number }
  /** Whether `proof` from `remotePeerId` answers an open offer; if so that offer is used up. */
  redeem(proof: Uint8Array, remotePeerId: string): boolean
  /** Open (unused, unexpired) offers. */
  readonly open: number
  clear(): void
}

/** A new, empty offer book. */
export function createOfferBook(init: OfferBookInit): OfferBook {
  const offers = new Map<string, { token: Uint8Array; expiresAt: number }>()
  let failed = 0
  const prune = (): void => {
    const now = init.clock()
    for (const [k, o] of offers) if (o.expiresAt <= now) offers.delete(k)
  }
  return {
    create(addrs) {
      prune()
      const token = newLinkToken()
      const expiresAt = init.clock() + init.ttlMs
      const payload = encodeOffer(init.kind, { token, person: init.person, peerId: init.peerId, expiresAt, addrs })
      offers.set(payload, { token, expiresAt })
      while (offers.size > init.maxOpen) {
        const oldest = offers.keys().next().value
        if (oldest === undefined) break
        offers.delete(oldest)
      }
      failed = 0
      return { payload, expiresAt }
    },
    redeem(proof, remotePeerId) {
      prune()
      let match: string | undefined
      // every open offer is checked, so the time taken does not tell which one matched
      for (const [k, o] of offers) if (equalBytes(offerProof(init.kind, o.token, init.peerId, remotePeerId), proof)) match = k
      if (match === undefined) {
        failed++
        if (failed >= init.maxFailed) offers.clear()
        return false
      }
      offers.delete(match)
      return true
    },
    get open() {
      prune()
      return offers.size
    },
    clear: () => offers.clear()
  }
}
