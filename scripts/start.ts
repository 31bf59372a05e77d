/**
 * `npm start`: builds the PWA when its sources changed, serves it on 127.0.0.1 and, in the
 * same process, starts the embedded relay. Prints the patient, doctor and relay addresses.
 *
 * Environment: PORT (app, default 8080), RELAY_PORT (relay WebSockets, default 9090),
 * HOST (default 127.0.0.1), RELAY_DATA_DIR (default .data/relay).
 *
 * PHR_DEMO_AUTHORITY=1 (off unless set) adds a DEMO licensing authority for trying the
 * doctor's app and for tests: a fresh key each start, on the app's trust list (in
 * `/config.json`, named as a demo), that signs a practitioner credential for anyone who
 * POSTs `{ did, name, licence, specialty }` to `/demo-authority/credential`. It checks
 * nothing: it is not a licensing authority, and is never on unless asked for.
 */
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRelay, createShlServer, describeStartError, type Relay } from '../src/relay/index.ts'
import { join } from 'node:path'
import { createAppServer, type MountedHandler } from './app-server.ts'
import { buildIfStale } from './build-if-stale.ts'
import { createPerson, issueCredential, type PersonKeys } from '../src/crypto/index.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

function port(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name} must be a port number from 0 to 65535, got "${raw}"`)
    process.exit(2)
  }
  return n
}

const host = process.env['HOST'] ?? '127.0.0.1'
const appPort = port('PORT', 8080)
const relayPort = port('RELAY_PORT', 9090)

try {
  const built = await buildIfStale(root)
  if (built) console.log('built the app into dist/')
} catch (err) {
  console.error(`The app could not be built: ${(err as Error).message.split('\n')[0]}`)
  process.exit(1)
}

const relayDataDir = process.env['RELAY_DATA_DIR'] ?? `${root}.data/relay`
let relay: Relay
try {
  relay = await createRelay({ host, wsPort: relayPort, dataDir: relayDataDir })
} catch (err) {
  console.error(describeStartError('The relay', relayPort, 'RELAY_PORT', err))
  process.exit(1)
}

// the relay's SMART Health Links server shares the app's origin (created once the port is known)
const mounted: MountedHandler[] = []
const DEMO_AUTHORITY_NAME = 'DEMO licensing authority (not real)'
const demoAuthority: PersonKeys | undefined = process.env['PHR_DEMO_AUTHORITY'] === '1' ? createPerson().keys : undefined
const config = {
  relays: relay.webSocketAddrs(),
  ...(demoAuthority === undefined ? {} : { authorities: [{ did: demoAuthority.did, name: DEMO_AUTHORITY_NAME }] })
}
if (demoAuthority !== undefined) mounted.push((req, res) => demoCredential(demoAuthority, req, res))
const server = createAppServer(`${root}dist`, config, mounted)
try {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(appPort, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
} catch (err) {
  console.error(describeStartError('The app server', appPort, 'PORT', err))
  await relay.stop()
  process.exit(1)
}

let stopping = false
let closeShl = (): void => undefined
async function stop(): Promise<void> {
  if (stopping) return
  stopping = true
  server.closeAllConnections()
  closeShl()
  try {
    await Promise.all([new Promise((resolve) => server.close(resolve)), relay.stop()])
  } catch (err) {
    console.error(`error while stopping: ${(err as Error).message}`)
    process.exit(1)
  }
  console.log('stopped')
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())

const { port: actualPort } = server.address() as AddressInfo
const base = `http://${host}:${actualPort}`
const shl = createShlServer({ path: join(relayDataDir, 'shl.sqlite'), baseUrl: base })
mounted.push((req, res) => shl.handle(req, res))
closeShl = () => shl.close()
console.log(`patient app: ${base}/patient`)
console.log(`doctor app:  ${base}/doctor`)
for (const addr of relay.webSocketAddrs()) console.log(`relay:       ${addr}`)
if (demoAuthority !== undefined) console.log(`demo authority (NOT a real licensing authority): POST ${base}/demo-authority/credential`)
console.log('Press Ctrl-C to stop.')

/** The demo authority's one endpoint: signs whatever it is sent, valid for a year. */
function demoCredential(authority: PersonKeys, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.url !== '/demo-authority/credential') return false
  if (req.method !== 'POST') {
    res.writeHead(405, { 'content-type': 'text/plain; charset=utf-8' }).end('POST only')
    return true
  }
  let body = ''
  req.setEncoding('utf8')
  req.on('data', (chunk: string) => {
    body += chunk
    if (body.length > 4096) req.destroy()
  })
  req.on('end', () => {
    try {
      const f = JSON.parse(body) as { did: string; name: string; licence: string; specialty: string }
      const bytes = issueCredential({ did: f.did, name: f.name, licence: f.licence, specialty: f.specialty, validUntil: Date.now() + 365 * 86_400_000 }, authority.signing.secretKey)
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(Buffer.from(bytes).toString('base64'))
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end(err instanceof Error ? err.name : 'bad request')
    }
  })
  return true
}
