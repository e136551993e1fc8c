/**
 * `npm run superpeer -- --data <dir> [--link <device link>] [--name <label>] [--bt-port <port>] [--http-port <port>]
 *  [--host <address>] [--origin <url>]`
 * (docs/devices.md). Prints one line per event; SIGTERM or Ctrl-C stops it cleanly.
 */
import { parseArgs } from 'node:util'
import { isOpenPeerError } from '../src/openpeer/index.ts'
import { startSuperPeer } from './host.ts'

const USAGE =
  'usage: npm run superpeer -- --data <dir> [--link <device link>] [--name <label>]\n' +
  '         [--bt-port <port, default 6888>]\n' +
  '         [--http-port <port: a web seed for public files>] [--host <address>] [--origin <url>]'

function fail(message: string): never {
  console.error(message)
  process.exit(2)
}

let args: ReturnType<typeof parse>
function parse() {
  return parseArgs({
    options: {
      data: { type: 'string' },
      link: { type: 'string' },
      name: { type: 'string' },
      'bt-port': { type: 'string' },
      'http-port': { type: 'string' },
      host: { type: 'string' },
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
function port(flag: 'bt-port' | 'http-port', fallback?: number): number | undefined {
  const text = args[flag]
  if (text === undefined) return fallback
  const n = Number(text)
  if (!(text.trim() !== '' && Number.isInteger(n) && n >= 0 && n < 65536)) {
    fail(`--${flag} must be a port number (0 … 65535), not "${text}"`)
  }
  return n
}
// SUPeer's BitTorrent port: 6888 unless told otherwise.
const btPort = port('bt-port', 6888)
const httpPort = port('http-port')

try {
  const superPeer = await startSuperPeer({
    data: args.data,
    link: args.link,
    name: args.name,
    btPort,
    httpPort,
    host: args.host,
    origin: args.origin,
  })
  // Removed by its owner's other device: its copy is deleted; nothing left to run.
  superPeer.client.on('identity:removed', () => void superPeer.stop().then(() => process.exit(0)))
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
