/**
 * Real libp2p peers for the sync tests (not a test file itself): a device's node with its
 * sync service, and a raw `/phr/sync/1` client that speaks frames by hand (to misbehave).
 */
import type { Connection, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  createBanList,
  createNodePeer,
  createSyncService,
  decodeSyncMessage,
  encodeSyncMessage,
  SYNC_PROTOCOL,
  type BanList,
  type Peer,
  type SyncMessage,
  type SyncService,
  type SyncServiceInit,
  type SyncTrace
} from '../../src/sync/index.ts'
import { frameStream, type FrameStream } from '../../src/sync/frames.ts'
import { privateKeyOf, type Device } from './helpers.ts'

/** A device running a node and a sync service. */
export interface RunningPeer {
  readonly device: Device
  readonly node: Peer
  readonly sync: SyncService
  readonly bans: BanList
  /** Every sync message this peer sent or received. */
  readonly trace: SyncTrace[]
  /** Its first listen address. */
  readonly addr: Multiaddr
  stop(): Promise<void>
}

/** Starts a node for `device` on 127.0.0.1 (TCP or WebSockets, port 0) with a sync service. */
export async function startPeer(
  device: Device,
  opts: { transport?: 'tcp' | 'ws'; sync?: Partial<SyncServiceInit> } = {}
): Promise<RunningPeer> {
  const bans = createBanList()
  const node = await createNodePeer({
    privateKey: await privateKeyOf(device),
    allowInsecureLoopback: true,
    bans,
    listen: [opts.transport === 'ws' ? '/ip4/127.0.0.1/tcp/0/ws' : '/ip4/127.0.0.1/tcp/0']
  })
  const trace: SyncTrace[] = []
  const sync = createSyncService(node, {
    deviceCert: device.cert,
    bans,
    autoSync: false,
    trace: (t) => trace.push(t),
    warn: () => undefined,
    ...opts.sync
  })
  await sync.start()
  const addr = node.getMultiaddrs()[0]
  if (addr === undefined) throw new Error('peer has no listen address')
  return {
    device,
    node,
    sync,
    bans,
    trace,
    addr,
    async stop() {
      await sync.stop()
      await node.stop()
    }
  }
}

/** A hand-driven `/phr/sync/1` stream. */
export interface RawSession {
  readonly connection: Connection
  readonly stream: Stream
  readonly frames: FrameStream
  send(msg: SyncMessage): Promise<void>
  /** Sends bytes as one frame, unchecked. */
  sendFrame(body: Uint8Array): Promise<void>
  /** The next message, or null at the end of the stream (throws if the stream was reset). */
  next(timeoutMs?: number): Promise<SyncMessage | null>
}

/** Opens a raw session from `node` to `target`. */
export async function rawSession(node: Peer, target: Multiaddr): Promise<RawSession> {
  const connection = await node.dial(target)
  const stream = await connection.newStream(SYNC_PROTOCOL)
  const frames = frameStream(stream, { maxFrameBytes: 8 * 1024 * 1024, maxBufferedBytes: 64 * 1024 * 1024, frameTimeoutMs: 10_000 })
  const signal = new AbortController().signal
  return {
    connection,
    stream,
    frames,
    send: (msg) => frames.write(encodeSyncMessage(msg), signal),
    sendFrame: (body) => frames.write(body, signal),
    async next(timeoutMs = 5_000) {
      const frame = await frames.read(AbortSignal.timeout(timeoutMs))
      return frame === null ? null : decodeSyncMessage(frame)
    }
  }
}

/** Decoded messages of a trace, to/from one peer, in one direction. */
export function messages(trace: readonly SyncTrace[], peerId: string, direction: 'in' | 'out'): SyncMessage[] {
  return trace.filter((t) => t.peerId === peerId && t.direction === direction).map((t) => decodeSyncMessage(t.bytes))
}
