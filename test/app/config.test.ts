import { describe, it, expect } from 'vitest'
import { loadAppConfig, AppConfigError } from '../../src/app/index.ts'

const respond = (body: string, status = 200): typeof fetch => () => Promise.resolve(new Response(body, { status }))

describe('loadAppConfig', () => {
  it('reads the relay addresses', async () => {
    const relays = ['/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWQ']
    expect(await loadAppConfig(respond(JSON.stringify({ relays })))).toEqual({ relays, authorities: [], iceServers: [] })
  })

  it('reads the licensing authorities a server is configured with', async () => {
    const authorities = [{ did: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', name: 'DEMO authority' }]
    expect(await loadAppConfig(respond(JSON.stringify({ relays: [], authorities })))).toEqual({ relays: [], authorities, iceServers: [] })
  })

  it('reads the STUN/TURN servers for video calls, none when it names none', async () => {
    const iceServers = [{ urls: 'stun:stun.clinic.example:3478' }, { urls: ['turns:turn.clinic.example:5349'], username: 'phr', credential: 'secret' }]
    expect((await loadAppConfig(respond(JSON.stringify({ relays: [], iceServers })))).iceServers).toEqual([
      { urls: ['stun:stun.clinic.example:3478'] },
      { urls: ['turns:turn.clinic.example:5349'], username: 'phr', credential: 'secret' }
    ])
  })

  it.each([
    ['an ICE server that is not STUN or TURN', respond('{"relays":[],"iceServers":[{"urls":"http://x"}]}')],
    ['ICE servers not a list', respond('{"relays":[],"iceServers":{"urls":"stun:x"}}')],
    ['an ICE credential that is not text', respond('{"relays":[],"iceServers":[{"urls":"turn:x","credential":1}]}')],
    ['a server error', respond('oops', 500)],
    ['not JSON', respond('<html>')],
    ['relays missing', respond('{}')],
    ['relays not strings', respond('{"relays":[1]}')],
    ['too many relays', respond(JSON.stringify({ relays: Array.from({ length: 17 }, () => '/ip4/1.2.3.4/tcp/1/ws') }))],
    ['too large', respond(JSON.stringify({ relays: [], pad: 'x'.repeat(70_000) }))],
    ['authorities not a list of { did, name }', respond('{"relays":[],"authorities":[{"did":1}]}')],
    ['a network failure', () => Promise.reject(new TypeError('Failed to fetch'))]
  ])('fails with AppConfigError on %s', async (_what, fetchFn) => {
    const err = await loadAppConfig(fetchFn).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppConfigError)
    expect((err as Error).name).toBe('AppConfigError')
  })
})
