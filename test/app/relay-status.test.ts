/**
 * The page-wide relay status: on its own it loads the config and dials; while an open
 * record's runtime holds the device's relay connection it shows that one and dials nothing
 * itself (one connection per device), and it dials again once the record is closed.
 */
import { describe, it, expect } from 'vitest'
import { createRelayStatus, RelayState, type RelaySource } from '../../src/app/relay-status.ts'
import type { RelayConnection } from '../../src/sync/index.ts'

function page() {
  let fetches = 0
  const handlers = new Map<string, () => void>()
  const components = {
    fetch: (async () => {
      fetches++
      // a server that names no relay: the status settles on "none" without dialing
      return new Response(JSON.stringify({ relays: [], authorities: [] }), { headers: { 'content-type': 'application/json' } })
    }) as typeof fetch,
    window: {
      navigator: { onLine: true },
      addEventListener: (type: string, h: () => void) => void handlers.set(type, h),
      removeEventListener: (type: string) => void handlers.delete(type)
    } as unknown as Parameters<typeof createRelayStatus>[0]['window']
  }
  return { components, fetches: () => fetches, fire: (type: string) => handlers.get(type)?.() }
}

function source(): RelaySource & { emit(s: { relay: RelayState }): void } {
  const listeners = new Set<(s: { relay: RelayState; relayConnection?: RelayConnection }) => void>()
  let snap: { relay: RelayState; relayConnection?: RelayConnection } = { relay: RelayState.connecting }
  return {
    snapshot: () => snap,
    subscribe(l) {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    emit(s) {
      snap = s.relay === RelayState.connected ? { ...s, relayConnection: { addr: '/dns4/relay.example/tcp/443/wss/p2p/12D3KooWRelay', peerId: '12D3KooWRelay', connectMs: 5, protocols: [] } } : s
      for (const l of listeners) l(snap)
    }
  }
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20))

describe('relay status', () => {
  it('shows an open record’s connection instead of holding its own, and dials again after', async () => {
    const p = page()
    const status = createRelayStatus(p.components)
    status.start()
    await settle()
    expect(status.snapshot().state).toBe(RelayState.none)
    expect(p.fetches()).toBe(1)

    const runtime = source()
    status.follow(runtime)
    expect(status.snapshot().state).toBe(RelayState.connecting)
    runtime.emit({ relay: RelayState.connected })
    expect(status.snapshot()).toMatchObject({ state: RelayState.connected, connection: { peerId: '12D3KooWRelay' } })
    // the network comes back: the record's runtime reconnects, this one stays quiet
    p.fire('online')
    p.fire('offline')
    await settle()
    expect(p.fetches()).toBe(1)
    expect(status.snapshot().state).toBe(RelayState.connected)

    status.follow(undefined)
    await settle()
    expect(p.fetches()).toBe(2)
    expect(status.snapshot().state).toBe(RelayState.none)
    runtime.emit({ relay: RelayState.unreachable })
    expect(status.snapshot().state).toBe(RelayState.none)
    await status.stop()
  })
})
