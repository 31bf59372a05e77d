/** What the server tells the app at `/config.json`. */
export interface AppConfig {
  /** Relay multiaddrs (WebSockets), each ending in `/p2p/<peerId>`. */
  relays: string[]
  /**
   * Licensing authorities whose practitioner credentials show as verified (did:key and
   * name). Empty unless the server is configured with some (a demo authority is labelled so).
   */
  authorities: Array<{ did: string; name: string }>
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
  return { relays: relays as string[], authorities: (rawAuthorities as Array<{ did: string; name: string }>).map((a) => ({ did: a.did, name: a.name })) }
}
