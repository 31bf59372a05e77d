import { describe, it, expect } from 'vitest'
import { multiaddr } from '@multiformats/multiaddr'
import { dialPolicy, isLoopbackAddr } from '../../src/sync/index.ts'

const denied = (allowLoopback: boolean, addr: string): boolean | Promise<boolean> | undefined =>
  dialPolicy(allowLoopback).denyDialMultiaddr?.(multiaddr(addr))

describe('browser dial policy', () => {
  it('refuses insecure ws:// and private addresses by default', () => {
    expect(denied(false, '/ip4/127.0.0.1/tcp/9090/ws')).toBe(true)
    expect(denied(false, '/ip4/192.168.1.5/tcp/443/tls/ws')).toBe(true)
    expect(denied(false, '/ip4/10.0.0.1/tcp/443/wss')).toBe(true)
    expect(denied(false, '/dns4/relay.example.org/tcp/80/ws')).toBe(true)
  })

  it('allows secure WebSockets to public hosts', () => {
    expect(denied(false, '/dns4/relay.example.org/tcp/443/wss')).toBe(false)
    expect(denied(false, '/dns4/relay.example.org/tcp/443/tls/ws')).toBe(false)
    expect(denied(false, '/ip4/8.8.8.8/tcp/443/tls/ws')).toBe(false)
  })

  it('allows insecure loopback only when configured, and never other private hosts', () => {
    expect(denied(true, '/ip4/127.0.0.1/tcp/9090/ws')).toBe(false)
    expect(denied(true, '/ip6/::1/tcp/9090/ws')).toBe(false)
    expect(denied(true, '/dns4/localhost/tcp/9090/ws')).toBe(false)
    expect(denied(true, '/ip4/192.168.1.5/tcp/9090/ws')).toBe(true)
    expect(denied(true, '/dns4/relay.example.org/tcp/80/ws')).toBe(true)
  })

  it('knows loopback addresses', () => {
    expect(isLoopbackAddr(multiaddr('/ip4/127.3.2.1/tcp/1'))).toBe(true)
    expect(isLoopbackAddr(multiaddr('/ip4/128.0.0.1/tcp/1'))).toBe(false)
  })
})
