/**
 * `npm run superpeer -- --data <dir> [--name <label>] [--bt-port <port>] [--origin <url>]`
 * (docs/devices.md). Prints one line per event; SIGTERM or Ctrl-C stops it cleanly.
 */
import { parseArgs } from 'node:util'
import { isOpenPeerError } from '../src/openpeer/index.ts'
import { startSuperPeer } from './host.ts'

const USAGE =
  'usage: npm run superpeer -- --data <dir> [--name <label>] [--bt-port <port>] [--origin <url>]'

function fail(message: string): never {
  console.error(message)
  process.exit(2)
}

let args: ReturnType<typeof parse>
function parse() {
  return parseArgs({
    options: {
      data: { type: 'string' },
      name: { type: 'string' },
      'bt-port': { type: 'string' },
      origin: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  }).values
}
try {
  args = parse()
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`)
}
if (args.help) {
  console.log(USAGE)
  process.exit(0)
}
if (!args.data) fail(`--data is required\n${USAGE}`)
const btPort = args['bt-port'] === undefined ? undefined : Number(args['bt-port'])
if (btPort !== undefined && !(Number.isInteger(btPort) && btPort >= 0 && btPort < 65536)) {
  fail(`--bt-port must be a port number (0 … 65535), not "${args['bt-port']}"`)
}

try {
  const superPeer = await startSuperPeer({
    data: args.data,
    name: args.name,
    btPort,
    origin: args.origin,
  })
  let stopping = false
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return
      stopping = true
      void superPeer.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(`stopping failed: ${(err as Error).message}`)
          process.exit(1)
        },
      )
    })
  }
} catch (err) {
  fail(isOpenPeerError(err) ? `${err.message} (${err.code})` : String(err))
}
