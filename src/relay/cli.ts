/**
 * `npm run relay`: a standalone relay node. The same relay is embedded by `npm start`.
 * Run with `--help` for the options.
 */
import { parseArgs } from 'node:util'
import { createRelay, describeStartError } from './index.ts'

const HELP = `Usage: npm run relay -- [options]

Starts a relay node: circuit-relay-v2 and identify over WebSockets (and TCP), so that
browsers and devices can find each other, and the blind mailbox (/phr/mailbox/1) that
holds sealed envelopes for devices that are offline, in <data-dir>/mailbox.sqlite. It
never holds a key to any record.

Options (each also read from the environment variable in brackets):
  --host <ip>          interface to listen on             [RELAY_HOST]      default 127.0.0.1
  --ws-port <n>        WebSockets port (browsers)         [RELAY_PORT]      default 9090
  --tcp-port <n>       TCP port (Node peers); off if unset [RELAY_TCP_PORT]
  --data-dir <path>    folder for the relay key and mailbox [RELAY_DATA_DIR] default .data/relay
  --max-connections <n> connections held at once          [RELAY_MAX_CONNECTIONS] default 2000

Mailbox (sizes take a K, M or G suffix, powers of 1024):
  --mailbox <on|off>   run the blind mailbox              [RELAY_MAILBOX]   default on
  --mailbox-quota-bytes <n>      envelope bytes per person [RELAY_MAILBOX_QUOTA_BYTES] default 256M
  --mailbox-quota-envelopes <n>  envelopes per person      [RELAY_MAILBOX_QUOTA_ENVELOPES] default 100000
  --mailbox-max-docs <n>         docs one person may register [RELAY_MAILBOX_MAX_DOCS] default 256
  --mailbox-max-total <n>        envelope bytes for everyone [RELAY_MAILBOX_MAX_TOTAL_BYTES] default 4G
  --mailbox-max-age-days <n>     delete envelopes older than this; 0 keeps them until a
                                 snapshot covers them      [RELAY_MAILBOX_MAX_AGE_DAYS] default 0
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

const SIZE = /^(\d+)([KMG]?)$/i
const UNIT: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }

/** A positive whole number, optionally with a K/M/G suffix (powers of 1024). */
function sizeOption(name: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined || value === '') return undefined
  const m = SIZE.exec(value.trim())
  const n = m === null ? NaN : Number(m[1]) * (UNIT[(m[2] ?? '').toLowerCase()] ?? NaN)
  if (!Number.isSafeInteger(n) || n < min) {
    console.error(`relay: ${name} must be a whole number ≥ ${min} (K, M or G suffix allowed), got "${value}"`)
    process.exit(2)
  }
  return n
}

function switchOption(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined
  if (/^(on|true|1|yes)$/i.test(value)) return true
  if (/^(off|false|0|no)$/i.test(value)) return false
  console.error(`relay: ${name} must be on or off, got "${value}"`)
  process.exit(2)
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
      mailbox: { type: 'string' },
      'mailbox-quota-bytes': { type: 'string' },
      'mailbox-quota-envelopes': { type: 'string' },
      'mailbox-max-docs': { type: 'string' },
      'mailbox-max-total': { type: 'string' },
      'mailbox-max-age-days': { type: 'string' },
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
const mailbox = switchOption('--mailbox', args.mailbox ?? env['RELAY_MAILBOX']) ?? true
const maxBytesPerOwner = sizeOption('--mailbox-quota-bytes', args['mailbox-quota-bytes'] ?? env['RELAY_MAILBOX_QUOTA_BYTES'])
const maxEnvelopesPerOwner = sizeOption('--mailbox-quota-envelopes', args['mailbox-quota-envelopes'] ?? env['RELAY_MAILBOX_QUOTA_ENVELOPES'])
const maxDocsPerOwner = sizeOption('--mailbox-max-docs', args['mailbox-max-docs'] ?? env['RELAY_MAILBOX_MAX_DOCS'])
const maxTotalBytes = sizeOption('--mailbox-max-total', args['mailbox-max-total'] ?? env['RELAY_MAILBOX_MAX_TOTAL_BYTES'])
const maxAgeDays = sizeOption('--mailbox-max-age-days', args['mailbox-max-age-days'] ?? env['RELAY_MAILBOX_MAX_AGE_DAYS'], 0)

let relay: Awaited<ReturnType<typeof createRelay>>
try {
  relay = await createRelay({
    host: args.host ?? env['RELAY_HOST'] ?? '127.0.0.1',
    wsPort,
    ...(tcpPort === undefined ? {} : { tcpPort }),
    ...(maxConnections === undefined ? {} : { maxConnections }),
    dataDir: args['data-dir'] ?? env['RELAY_DATA_DIR'] ?? '.data/relay',
    mailbox,
    mailboxOptions: {
      quotas: {
        ...(maxBytesPerOwner === undefined ? {} : { maxBytesPerOwner }),
        ...(maxEnvelopesPerOwner === undefined ? {} : { maxEnvelopesPerOwner }),
        ...(maxDocsPerOwner === undefined ? {} : { maxDocsPerOwner }),
        ...(maxTotalBytes === undefined ? {} : { maxTotalBytes })
      },
      ...(maxAgeDays === undefined || maxAgeDays === 0 ? {} : { maxAgeMs: maxAgeDays * 86_400_000 }),
      log: (line) => console.log(`mailbox: ${line}`)
    }
  })
} catch (err) {
  console.error(describeStartError('The relay', wsPort, 'RELAY_PORT', err))
  process.exit(1)
}
for (const addr of relay.multiaddrs()) console.log(`relay listening: ${addr}`)
if (relay.mailbox !== undefined) console.log(`mailbox: on (/phr/mailbox/1)`)

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
