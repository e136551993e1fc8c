import { readFileSync } from 'node:fs'
import { createFinderServer, createRedisRegistry, type Registry } from './index.ts'
import { resolveLimits, type Limits } from './limits.ts'
import { turnFromEnv } from './turn-env.ts'

/*
 * CLI entry: `node --import tsx server/main.ts`.
 * PORT (default 10443), HOST (default every interface), DOMAIN (default: each request's Host),
 * ICE_SERVERS (optional JSON array of RTCIceServer, handed to clients by the bootstrapper),
 * DIST_DIR (the built app; default <repo>/dist beside server/, which the compiled server of
 * `npm run build:server` in build/server/ cannot find by itself),
 * TLS_CERT + TLS_KEY (PEM files: HTTPS, WSS and TURN over TLS),
 * TURN_URLS + TURN_SECRET (an external TURN server), else coturn as a child when `turnserver`
 * is on the PATH: TURN_PORT (3478), TURN_TLS_PORT (5349), TURN_LOG (coturn's log file),
 * TURN=off (TURN=on: also on a loopback-only HOST). docs/networking.md has the whole story.
 * REDIS_URL (redis://host:port): join the finder cluster whose registry lives in that Redis
 * (docs/finder.md, "Cluster"); unset, registrations live in this process. REDIS_PREFIX
 * (default openpeer:) keeps several clusters apart in one Redis. FINDER_URLS (comma-separated
 * ws:// or wss:// URLs of every node) is what the bootstrapper lists instead of this node alone.
 * LIMITS (a JSON object of server/limits.ts names, e.g. '{"socketsPerIp":4096}') replaces those
 * bounds: behind a proxy every client shares one address, and the load bench registers 19 000
 * clients from four.
 */
const port = Number(process.env.PORT || 10443)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, not "${process.env.PORT}"`)
  process.exit(1)
}
if (!process.env.TLS_CERT !== !process.env.TLS_KEY) {
  console.error('TLS_CERT and TLS_KEY go together: set both, or neither')
  process.exit(1)
}
const tlsFiles =
  process.env.TLS_CERT && process.env.TLS_KEY
    ? { cert: process.env.TLS_CERT, key: process.env.TLS_KEY }
    : undefined
let limits: Partial<Limits> | undefined
try {
  if (process.env.LIMITS) {
    const parsed: unknown = JSON.parse(process.env.LIMITS)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new TypeError('must be a JSON object of limit names and numbers')
    // resolveLimits refuses unknown names and non-numbers: a typo must not drop a protection.
    limits = resolveLimits(parsed as Partial<Limits>)
  }
} catch (err) {
  console.error(`LIMITS: ${(err as Error).message}`)
  process.exit(1)
}
const host = process.env.HOST || undefined
const domain = process.env.DOMAIN || undefined

// Before TURN starts: a node that cannot reach its cluster's Redis says so and stops.
let registry: Registry | undefined
if (process.env.REDIS_URL) {
  try {
    registry = await createRedisRegistry({
      url: process.env.REDIS_URL,
      prefix: process.env.REDIS_PREFIX || undefined,
      log: console.error,
    })
  } catch (err) {
    console.error(`Redis: ${(err as Error).message}`)
    process.exit(1)
  }
}

let turn: Awaited<ReturnType<typeof turnFromEnv>>
try {
  turn = await turnFromEnv(process.env, { host, domain, tls: tlsFiles, log: console.error })
} catch (err) {
  console.error(`TURN: ${(err as Error).message}`)
  process.exit(1)
}
// The last word on a crash: coturn must not outlive us holding its port.
process.once('exit', () => turn.killNow())

const server = await createFinderServer({
  port,
  host,
  domain,
  distDir: process.env.DIST_DIR || undefined,
  iceServers: process.env.ICE_SERVERS ? JSON.parse(process.env.ICE_SERVERS) : undefined,
  turn: turn.service,
  registry,
  limits,
  finders: process.env.FINDER_URLS?.split(',')
    .map((url) => url.trim())
    .filter(Boolean),
  tls: tlsFiles && { cert: readFileSync(tlsFiles.cert), key: readFileSync(tlsFiles.key) },
}).catch(async (err: unknown) => {
  await turn.stop()
  await registry?.close()
  throw err
})
console.log(`Open Peer finder listening on ${server.url}`)

async function stop(): Promise<void> {
  await server.close()
  await turn.stop()
  await registry?.close()
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
