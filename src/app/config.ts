/** What the server tells the app at `/config.json`. */
export interface AppConfig {
  /** Relay multiaddrs (WebSockets), each ending in `/p2p/<peerId>`. */
  relays: string[]
  /**
   * Licensing authorities whose practitioner credentials show as verified (did:key and
   * name). Empty unless the server is configured with some (a demo authority is labelled so).
   */
  authorities: Array<{ did: string; name: string }>
  /**
   * STUN/TURN servers for video calls between browsers on different networks (RTCIceServer:
   * `urls`, and `username`/`credential` for TURN). Empty when the server names none: calls
   * on one machine or one LAN need none, and no third party learns who calls whom.
   */
  iceServers: RTCIceServer[]
}

const MAX_ICE_SERVERS = 8

/** Checks the optional `iceServers` of config.json. @throws AppConfigError */
function iceServersOf(raw: unknown): RTCIceServer[] {
  if (raw === undefined) return []
  const text = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length < 512
  const url = (v: unknown): v is string => text(v) && /^(stuns?|turns?):/.test(v)
  if (!Array.isArray(raw) || raw.length > MAX_ICE_SERVERS) throw new AppConfigError(`config.json: iceServers must be a list of at most ${MAX_ICE_SERVERS}`)
  return raw.map((s: unknown) => {
    const o = s as { urls?: unknown; username?: unknown; credential?: unknown } | null
    const urls = typeof o?.urls === 'string' ? [o.urls] : o?.urls
    if (o === null || typeof o !== 'object' || !Array.isArray(urls) || urls.length === 0 || urls.length > 4 || !urls.every(url)) {
      throw new AppConfigError('config.json: each ICE server needs urls (stun:, stuns:, turn: or turns:)')
    }
    if ((o.username !== undefined && !text(o.username)) || (o.credential !== undefined && !text(o.credential))) throw new AppConfigError('config.json: ICE username and credential must be text')
    return { urls: urls, ...(o.username === undefined ? {} : { username: o.username }), ...(o.credential === undefined ? {} : { credential: o.credential }) }
  })
}

/** The config could not be loaded or is not of the expected shape. */
export class AppConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'AppConfigError'
  }
}

const MAX_CONFIG_BYTES = 64 * 1024
const MAX_RELAYS = 16

/**
 * Loads `/config.json` from the origin that served the app (the service worker answers
 * with the last copy when offline).
 * @throws AppConfigError when it is missing, too large or malformed
 */
export async function loadAppConfig(fetchFn: typeof fetch, signal?: AbortSignal): Promise<AppConfig> {
  let text: string
  try {
    const res = await fetchFn('/config.json', { cache: 'no-cache', ...(signal === undefined ? {} : { signal }) })
    if (!res.ok) throw new AppConfigError(`config.json answered ${res.status}`)
    text = await res.text()
  } catch (err) {
    if (err instanceof AppConfigError) throw err
    throw new AppConfigError('config.json could not be fetched', { cause: err })
  }
  if (text.length > MAX_CONFIG_BYTES) throw new AppConfigError('config.json is too large')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new AppConfigError('config.json is not JSON', { cause: err })
  }
  const relays = (json as { relays?: unknown } | null)?.relays
  if (!Array.isArray(relays) || relays.length > MAX_RELAYS || !relays.every((r) => typeof r === 'string' && r.length < 512)) {
    throw new AppConfigError('config.json: relays must be a list of at most 16 multiaddr strings')
  }
  const rawAuthorities = (json as { authorities?: unknown }).authorities ?? []
  if (
    !Array.isArray(rawAuthorities) ||
    rawAuthorities.length > MAX_RELAYS ||
    !rawAuthorities.every((a: unknown) => typeof a === 'object' && a !== null && typeof (a as { did?: unknown }).did === 'string' && typeof (a as { name?: unknown }).name === 'string' && (a as { did: string }).did.length < 256 && (a as { name: string }).name.length < 256)
  ) {
    throw new AppConfigError('config.json: authorities must be a list of at most 16 { did, name }')
  }
  return {
    relays: relays as string[],
    authorities: (rawAuthorities as Array<{ did: string; name: string }>).map((a) => ({ did: a.did, name: a.name })),
    iceServers: iceServersOf((json as { iceServers?: unknown }).iceServers)
  }
}
