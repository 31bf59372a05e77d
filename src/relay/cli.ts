/**
 * `npm run relay`: a standalone relay node. The same relay is embedded by `npm start`.
 * Run with `--help` for the options.
 */
import { parseArgs } from 'node:util'
import { createRelay, describeStartError } from './index.ts'

const HELP = `Usage: npm run relay -- [options]

Starts a relay node: circuit-relay-v2 and identify over WebSockets (and TCP), so that
browsers and devices can find each other. It never holds a key to any record.

Options (each also read from the environment variable in brackets):
  --host <ip>          interface to listen on             [RELAY_HOST]      default 127.0.0.1
  --ws-port <n>        WebSockets port (browsers)         [RELAY_PORT]      default 9090
  --tcp-port <n>       TCP port (Node peers); off if unset [RELAY_TCP_PORT]
  --data-dir <path>    folder for the relay key           [RELAY_DATA_DIR]  default .data/relay
  --max-connections <n> connections held at once          [RELAY_MAX_CONNECTIONS] default 2000
  -h, --help           show this text
`

function portOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`relay: ${name} must be a port number from 0 to 65535, got "${value}"`)
    process.exit(2)
  }
  return n
}

let args
try {
  args = parseArgs({
    options: {
      host: { type: 'string' },
      'ws-port': { type: 'string' },
      'tcp-port': { type: 'string' },
      'data-dir': { type: 'string' },
      'max-connections': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  }).values
} catch (err) {
  console.error(`relay: ${(err as Error).message}. Try --help.`)
  process.exit(2)
}
if (args.help === true) {
  process.stdout.write(HELP)
  process.exit(0)
}

const env = process.env
const wsPort = portOption('--ws-port', args['ws-port'] ?? env['RELAY_PORT']) ?? 9090
const tcpPort = portOption('--tcp-port', args['tcp-port'] ?? env['RELAY_TCP_PORT'])
const maxConnections = portOption('--max-connections', args['max-connections'] ?? env['RELAY_MAX_CONNECTIONS'])

let relay: Awaited<ReturnType<typeof createRelay>>
try {
  relay = await createRelay({
    host: args.host ?? env['RELAY_HOST'] ?? '127.0.0.1',
    wsPort,
    ...(tcpPort === undefined ? {} : { tcpPort }),
    ...(maxConnections === undefined ? {} : { maxConnections }),
    dataDir: args['data-dir'] ?? env['RELAY_DATA_DIR'] ?? '.data/relay'
  })
} catch (err) {
  console.error(describeStartError('The relay', wsPort, 'RELAY_PORT', err))
  process.exit(1)
}
for (const addr of relay.multiaddrs()) console.log(`relay listening: ${addr}`)

let stopping = false
const stop = (): void => {
  if (stopping) return
  stopping = true
  relay.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error('relay: error while stopping:', err)
      process.exit(1)
    }
  )
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
