import type { ConnectionGater } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** True when the multiaddr's host is a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopbackAddr(ma: Multiaddr): boolean {
  const first = ma.getComponents()[0]
  if (first === undefined) return false
  if (first.name === 'ip4') return first.value?.startsWith('127.') === true
  if (first.name === 'ip6') return first.value === '::1'
  if (first.name === 'dns' || first.name === 'dns4' || first.name === 'dns6') return first.value === 'localhost'
  return false
}

/** True for a WebSockets address without TLS (`/ws`, not `/wss` or `/tls/ws`). */
function isInsecureWebSocket(ma: Multiaddr): boolean {
  const names = ma.getComponents().map((c) => c.name)
  return names.includes('ws') && !names.includes('tls') && !names.includes('wss')
}

/** Private (RFC 1918 / link-local / unique-local) hosts, which a browser must not dial by default. */
function isPrivateAddr(ma: Multiaddr): boolean {
  const first = ma.getComponents()[0]
  const v = first?.value ?? ''
  if (first?.name === 'ip4') return /^(10\.|127\.|169\.254\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|0\.)/.test(v)
  if (first?.name === 'ip6') return v === '::1' || /^(fc|fd|fe80)/i.test(v)
  return first?.name === 'dns' || first?.name === 'dns4' || first?.name === 'dns6' ? v === 'localhost' : false
}

/**
 * The dial policy: insecure `ws://` and private addresses are refused, except loopback
 * addresses when `allowInsecureLoopback` is set (a relay on the same machine, in
 * development and tests). Circuit and WebRTC addresses go through this check for their
 * relay part.
 */
export function dialPolicy(allowInsecureLoopback: boolean): ConnectionGater {
  return {
    denyDialMultiaddr: (ma: Multiaddr) => {
      if (allowInsecureLoopback && isLoopbackAddr(ma)) return false
      return isInsecureWebSocket(ma) || isPrivateAddr(ma)
    }
  }
}
