import WebSocket from 'ws'
import { startFinder as startTestFinder, type TestFinder } from '../../server/test-server.ts'
import { until } from '../until.ts'
import type { FinderServerOptions } from '../../server/index.ts'
import {
  createMemoryNetwork,
  createMemoryStores,
  createOpenPeerClient,
  type ClientPorts,
  type MemoryNetwork,
  type OpenPeerClient,
  type OpenPeerClientOptions,
  type SocketLike,
} from '../../src/openpeer/index.ts'

/*
 * Clients over the in-memory WebRTC (src/openpeer/testing) and a real finder on a free port:
 * everything above the wire runs for real, in one process, in milliseconds.
 */

/** The tests' finder (server/test-server.ts), serving no app. */
export const startFinder = (opts: FinderServerOptions = {}): Promise<TestFinder> =>
  startTestFinder({ distDir: '/nonexistent', ...opts })

export function memoryPorts(
  network: MemoryNetwork,
  overrides: Partial<ClientPorts> = {},
): ClientPorts {
  return {
    ...createMemoryStores(),
    createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
    createPeer: (opts) => network.createPeer(opts),
    fetch: (url, init) => fetch(url, init),
    ...overrides,
  }
}

export async function memoryClient(
  name: string,
  domain: string,
  network: MemoryNetwork,
  ports: Partial<ClientPorts> = {},
  opts: Partial<OpenPeerClientOptions> = {},
): Promise<OpenPeerClient> {
  return started(memoryClientOf(name, domain, network, ports, opts), (c) => c.createIdentity(name))
}

/** A client started again on the stores an earlier one left (a reload, a device back). */
export function resumedMemoryClient(
  name: string,
  domain: string,
  network: MemoryNetwork,
  ports: Partial<ClientPorts>,
): Promise<OpenPeerClient> {
  return started(memoryClientOf(name, domain, network, ports, {}), (c) => c.load())
}

function memoryClientOf(
  name: string,
  domain: string,
  network: MemoryNetwork,
  ports: Partial<ClientPorts>,
  opts: Partial<OpenPeerClientOptions>,
): OpenPeerClient {
  return createOpenPeerClient(memoryPorts(network, ports), {
    domain,
    locationLabel: `memory ${name}`,
    finder: { minDelay: 20, maxDelay: 200 },
    ...opts,
    timings: { keepAlive: 1_000, deadAfter: 5_000, ...opts.timings },
  })
}

async function started(
  client: OpenPeerClient,
  identity: (c: OpenPeerClient) => Promise<unknown>,
): Promise<OpenPeerClient> {
  await identity(client)
  client.start()
  await until(client, 'finder:state', (e) => e.state === 'online', 5_000)
  return client
}

/** The contact id of a client that has an identity. */
export const idOf = (c: OpenPeerClient): string => c.identity()!.contactId

/** An invite link as made before links carried the inviter's card: opening it fetches the card. */
export const withoutCard = (link: string): string =>
  link.replace(/(\/[0-9a-f]{64}\.[^./]+)\.[^./]+$/, '$1')

export { createMemoryNetwork }
export { until }
