import Peer from '@thaunknown/simple-peer'
import WebSocket from 'ws'
import { startFinder as startTestFinder, type TestFinder } from '../../server/test-server.ts'
import { until } from '../until.ts'
import type { FinderServerOptions } from '../../server/index.ts'
import {
  createMemoryStores,
  createOpenPeerClient,
  simplePeerFactory,
  type ClientPorts,
  type OpenPeerClient,
  type OpenPeerClientOptions,
  type SocketLike,
} from '../../src/openpeer/index.ts'

/** simple-peer over node-datachannel, as the library's createPeer port. */
export const nodePeer = simplePeerFactory(Peer)

/** Node host ports: `ws` for the finder, simple-peer over node-datachannel for WebRTC. */
export function nodePorts(overrides: Partial<ClientPorts> = {}): ClientPorts {
  return {
    ...createMemoryStores(),
    createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
    createPeer: (opts) => nodePeer({ ...opts, config: { ...opts.config, iceServers: [] } }),
    fetch: (url, init) => fetch(url, init),
    ...overrides,
  }
}

/** The tests' finder (server/test-server.ts), serving no app. */
export const startFinder = (opts: FinderServerOptions = {}): Promise<TestFinder> =>
  startTestFinder({ distDir: '/nonexistent', ...opts })

export async function makeClient(
  name: string,
  domain: string,
  ports: Partial<ClientPorts> = {},
  opts: Partial<OpenPeerClientOptions> = {},
): Promise<OpenPeerClient> {
  const client = nodeClientOf(name, domain, ports, opts)
  await client.createIdentity(name)
  return online(client)
}

/** A client started again on the stores an earlier one left (a reload, a device back). */
export async function resumedClient(
  name: string,
  domain: string,
  ports: Partial<ClientPorts>,
): Promise<OpenPeerClient> {
  const client = nodeClientOf(name, domain, ports, {})
  await client.load()
  return online(client)
}

function nodeClientOf(
  name: string,
  domain: string,
  ports: Partial<ClientPorts>,
  opts: Partial<OpenPeerClientOptions>,
): OpenPeerClient {
  return createOpenPeerClient(nodePorts(ports), {
    domain,
    locationLabel: `node ${name}`,
    finder: { minDelay: 100, maxDelay: 1_000 },
    timings: { keepAlive: 1_000, deadAfter: 5_000 },
    ...opts,
  })
}

async function online(client: OpenPeerClient): Promise<OpenPeerClient> {
  client.start()
  await until(client, 'finder:state', (e) => e.state === 'online', 10_000)
  return client
}

/**
 * A socket that plays a malicious finder from the client's side: every frame the finder pushes
 * passes through `tamper` before the client sees it.
 */
export function tamperingSocket(
  tamper: (
    frame: Record<string, unknown>,
  ) => Promise<Record<string, unknown>> | Record<string, unknown>,
  /** sees every frame the client sends to the finder */
  sent: (frame: Record<string, unknown>) => void = () => {},
) {
  return (url: string): SocketLike => {
    const ws = new WebSocket(url)
    const facade: SocketLike = {
      get readyState() {
        return ws.readyState
      },
      send: (data) => {
        sent(JSON.parse(String(data)) as Record<string, unknown>)
        ws.send(data)
      },
      close: (code, reason) => ws.close(code, reason),
      onopen: null,
      onclose: null,
      onerror: null,
      onmessage: null,
    }
    let chain = Promise.resolve()
    ws.onopen = (e) => facade.onopen?.(e)
    ws.onclose = (e) => facade.onclose?.(e)
    ws.onerror = (e) => facade.onerror?.(e)
    ws.onmessage = (e) => {
      // Kept in order, as a real finder's frames would be.
      chain = chain.then(async () => {
        const frame = JSON.parse(String(e.data)) as Record<string, unknown>
        facade.onmessage?.({ data: JSON.stringify(await tamper(frame)) })
      })
    }
    return facade
  }
}

export { until }
