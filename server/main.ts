import { createFinderServer } from './index.ts'

/*
 * CLI entry: `node --import tsx server/main.ts`.
 * PORT (default 10443), HOST (default every interface), DOMAIN (default: each request's Host),
 * ICE_SERVERS (optional JSON array of RTCIceServer, handed to clients by the bootstrapper),
 * DIST_DIR (the built app; default <repo>/dist beside server/, which the compiled server of
 * `npm run build:server` in build/server/ cannot find by itself).
 */
const port = Number(process.env.PORT || 10443)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, not "${process.env.PORT}"`)
  process.exit(1)
}

const server = await createFinderServer({
  port,
  host: process.env.HOST || undefined,
  domain: process.env.DOMAIN || undefined,
  distDir: process.env.DIST_DIR || undefined,
  iceServers: process.env.ICE_SERVERS ? JSON.parse(process.env.ICE_SERVERS) : undefined,
})
console.log(`Open Peer finder listening on ${server.url}`)

async function stop(): Promise<void> {
  await server.close()
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
