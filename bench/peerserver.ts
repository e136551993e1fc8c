/**
 * PeerServer (the `peer` package, PeerJS's server) as its own process for bench:finder's load
 * bench, started like a finder node (server/test-node.ts spawnFinder: PORT and HOST from the
 * environment, the same "listening on" line). Its client limit (5 000 by default) is raised so
 * the bench can reach 19 000, as our per-IP limits are; everything else is its default.
 */
import type { AddressInfo } from 'node:net'
import { PeerServer } from 'peer'

const server = PeerServer(
  {
    port: Number(process.env.PORT ?? 0),
    host: process.env.HOST ?? '127.0.0.1',
    path: '/',
    concurrent_limit: 1_000_000,
  },
  (http) => {
    const { address, port } = http.address() as AddressInfo
    console.log(`Open Peer finder listening on http://${address}:${port} (PeerServer)`)
  },
)
server.on('error', (err: unknown) => console.error(err))
