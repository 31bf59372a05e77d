import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'

/** What the PWA reads from `/config.json` to find its relay without the user typing it. */
export interface AppConfig {
  /** Relay multiaddrs a browser can dial (WebSockets), each ending in `/p2p/<peerId>`. */
  relays: string[]
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm'
}

/** App routes that the single-page app handles itself; the server answers them with index.html. */
const APP_ROUTES = /^\/(?:patient|doctor|caregiver|emergency|verify)?(?:\/[^.]*)?$/

/** The Content-Security-Policy: scripts only from this origin; sockets only to this origin and the relays. */
function contentSecurityPolicy(config: AppConfig): string {
  const sockets = new Set<string>()
  for (const addr of config.relays) {
    const m = /^\/(?:ip4|ip6|dns4|dns6|dns)\/([^/]+)\/tcp\/(\d+)\/(wss?)\b/.exec(addr)
    if (m !== null) sockets.add(`${m[3]}://${m[1]?.includes(':') === true ? `[${m[1]}]` : m[1]}:${m[2]}`)
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    // lit falls back to <style> elements where constructable stylesheets are missing
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    // a document from the record, decrypted on the device, previewed in a frame (a PDF)
    "frame-src 'self' blob:",
    `connect-src 'self' ${[...sockets].join(' ')}`.trim(),
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'"
  ].join('; ')
}

/** A handler mounted beside the app (e.g. the relay's SMART Health Links server): true when it took the request. */
export type MountedHandler = (req: IncomingMessage, res: ServerResponse) => boolean

/**
 * Serves the built PWA from `root` with a single-page fallback for the app routes, and
 * `/config.json` with the relay addresses. Only GET and HEAD; no directory listings;
 * paths cannot leave `root`. Requests a mounted handler takes (its own paths and methods)
 * go to it first.
 */
export function createAppServer(root: string, config: AppConfig, mounted: MountedHandler[] = []): Server {
  const csp = contentSecurityPolicy(config)
  const configBody = JSON.stringify(config)

  const send = (res: ServerResponse, status: number, type: string, body: string): void => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
    res.end(body)
  }

  return createServer((req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('content-security-policy', csp)
    res.setHeader('x-content-type-options', 'nosniff')
    res.setHeader('referrer-policy', 'no-referrer')
    res.setHeader('permissions-policy', 'bluetooth=(self), camera=(self), microphone=(self), geolocation=()')
    res.setHeader('cross-origin-opener-policy', 'same-origin')
    for (const handle of mounted) if (handle(req, res)) return
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed')
      return
    }
    let pathname: string
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)
    } catch {
      // a malformed percent-escape: the client's error, not ours
      send(res, 400, 'text/plain; charset=utf-8', 'bad request')
      return
    }
    if (pathname === '/config.json') {
      send(res, 200, TYPES['.json'] ?? '', configBody)
      return
    }
    const file = APP_ROUTES.test(pathname) ? 'index.html' : pathname.slice(1)
    const full = normalize(join(root, file))
    if (!full.startsWith(root.endsWith(sep) ? root : root + sep)) {
      send(res, 404, 'text/plain; charset=utf-8', 'not found')
      return
    }
    stat(full).then(
      (st) => {
        if (!st.isFile()) throw new Error('not a file')
        const hashed = file.startsWith('assets/')
        res.writeHead(200, {
          'content-type': TYPES[extname(full)] ?? 'application/octet-stream',
          'content-length': st.size,
          // hashed assets never change; the shell and service worker must be revalidated
          'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache'
        })
        if (req.method === 'HEAD') res.end()
        else createReadStream(full).pipe(res)
      },
      () => send(res, 404, 'text/plain; charset=utf-8', 'not found')
    )
  })
}
