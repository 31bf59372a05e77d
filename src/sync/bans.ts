/**
 * Peers noted for misbehaving (garbage, floods, forged certificates) are refused for a
 * while: the connection gater denies dialing them and their inbound connections, and the
 * sync service refuses their streams.
 */
import type { ConnectionGater, PeerId } from '@libp2p/interface'

/** A ban list with expiry. */
export interface BanList {
  /** Bans `peerId` for `durationMs` (default: the list's duration), noting `reason`. */
  ban(peerId: string, reason: string, durationMs?: number): void
  /** Whether `peerId` is banned now. */
  isBanned(peerId: string): boolean
  /** Lifts a ban. */
  unban(peerId: string): void
  /** The bans in force. */
  list(): Array<{ peerId: string; reason: string; until: number }>
}

/** Options of `createBanList`. */
export interface BanListInit {
  /** How long a ban lasts. @default 10 minutes */
  durationMs?: number
  /** Most bans held; the oldest is dropped beyond. @default 1024 */
  maxEntries?: number
  /** Wall clock (ms). @default Date.now */
  clock?: () => number
}

/**
 * A ban list.
 * @throws {RangeError} if `durationMs` or `maxEntries` is not a positive integer.
 * @example const bans = createBanList(); const peer = await createNodePeer({ bans }); createSyncService(peer, { bans, … })
 */
export function createBanList(init: BanListInit = {}): BanList {
  const duration = init.durationMs ?? 10 * 60_000
  const maxEntries = init.maxEntries ?? 1024
  const clock = init.clock ?? Date.now
  if (!Number.isSafeInteger(duration) || duration < 1) throw new RangeError('durationMs: expected a positive integer')
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries: expected a positive integer')
  const bans = new Map<string, { reason: string; until: number }>()
  return {
    ban(peerId, reason, durationMs = duration) {
      bans.delete(peerId)
      bans.set(peerId, { reason, until: clock() + durationMs })
      while (bans.size > maxEntries) {
        const oldest = bans.keys().next().value
        if (oldest === undefined) break
        bans.delete(oldest)
      }
    },
    isBanned(peerId) {
      const b = bans.get(peerId)
      if (b === undefined) return false
      if (b.until > clock()) return true
      bans.delete(peerId)
      return false
    },
    unban(peerId) {
      bans.delete(peerId)
    },
    list: () => [...bans].filter(([, b]) => b.until > clock()).map(([peerId, b]) => ({ peerId, ...b }))
  }
}

/**
 * `gater` plus the ban list: banned peers are neither dialed nor accepted (checked once
 * Noise has proven who they are).
 * @throws Never.
 */
export function withBans(gater: ConnectionGater, bans: BanList): ConnectionGater {
  const banned = (peerId: PeerId): boolean => bans.isBanned(peerId.toString())
  return {
    ...gater,
    denyDialPeer: async (peerId) => banned(peerId) || ((await gater.denyDialPeer?.(peerId)) ?? false),
    denyInboundEncryptedConnection: async (peerId, conn) =>
      banned(peerId) || ((await gater.denyInboundEncryptedConnection?.(peerId, conn)) ?? false),
    denyOutboundEncryptedConnection: async (peerId, conn) =>
      banned(peerId) || ((await gater.denyOutboundEncryptedConnection?.(peerId, conn)) ?? false)
  }
}
