import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { WebSocketServer, type WebSocket } from 'ws'
import { MAX_FRAME, bootstrapSchema, domainSchema } from '../src/openpeer/wire/index.ts'
import {
  BOOTSTRAP_PATH,
  FINDER_PATH,
  createBootstrapHandler,
  hostDomain,
  type IceServer,
} from './bootstrap.ts'
import { FinderSocket, ignore } from './finder-socket.ts'
import { RELAY_PATH, RelayHub } from './relay.ts'
import type { FinderContext } from './context.ts'
import { IpLimits, type IpBudgets } from './ip-limits.ts'
import { VerifyGate } from './verify-gate.ts'
import { resolveLimits, type Limits } from './limits.ts'
import { listen } from './listen.ts'
import { createMemoryRegistry, type Registry } from './registry.ts'
import { SHARE_TARGET_PATH, createStaticHandler, plain, shareArrivedEarly } from './static.ts'
import { TurnIssuer, type TurnService } from './turn-credentials.ts'

export type { Limits } from './limits.ts'
export type { Registration, Registry, Route } from './registry.ts'
export { createMemoryRegistry } from './registry.ts'
export { createRedisRegistry } from './redis-registry.ts'
export type { TurnService } from './turn-credentials.ts'

export interface FinderServerOptions {
  /** default 10443; 0 picks a free port */
  port?: number
  /** default: every interface ('::', or '0.0.0.0' where IPv6 is missing) */
  host?: string
  /** the domain this finder answers for; default: each request's Host header */
  domain?: string
  /** the built app to serve; default <repo>/dist */
  distDir?: string
  /**
   * default: an in-memory one, closed with the server. One passed in (createRedisRegistry for a
   * cluster) belongs to the caller, who closes it after the server.
   */
  registry?: Registry
  /**
   * The finder URLs the bootstrapper lists (ws:// or wss://, at most 8): every node of a cluster,
   * for clients to spread over and fail over between. Default: this node's own.
   */
  finders?: string[]
  limits?: Partial<Limits>
  iceServers?: IceServer[]
  /** STUN for everyone, TURN credentials for registered sessions (server/turn.ts starts coturn) */
  turn?: TurnService
  /** serve HTTPS and WSS with this certificate (PEM) */
  tls?: { cert: string | Buffer; key: string | Buffer }
  log?: (line: string) => void
}

export interface FinderServer {
  address(): { port: number; host: string }
  /** http(s) URL of the app and bootstrapper (localhost when bound to every interface) */
  url: string
  /** Closes every socket (1001), then the HTTP server. Idempotent. */
  close(): Promise<void>
}

/** sockets checked by the heartbeat per turn of the event loop (see beatInSlices) */
const HEARTBEAT_SLICE = 256
const CLIENT_IP = Symbol('client ip')

const DEFAULT_DIST = fileURLToPath(new URL('../dist', import.meta.url))

function refuse(socket: Duplex, status: number, text: string): void {
  const body = `${text}\n`
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

/** The finder: bootstrapper, finder WebSocket and static app on one HTTP port. */
export async function createFinderServer(opts: FinderServerOptions = {}): Promise<FinderServer> {
  const limits = resolveLimits(opts.limits)
  const log = opts.log ?? ((line: string) => console.error(line))
  if (opts.domain !== undefined && !domainSchema.safeParse(opts.domain).success) {
    throw new TypeError(`domain "${opts.domain}" is not host[:port] in lowercase`)
  }
  const iceServers = bootstrapSchema.shape.iceServers.parse(opts.iceServers ?? [])
  const finders = opts.finders?.length ? opts.finders : undefined
  if (finders && !bootstrapSchema.shape.finders.safeParse(finders).success) {
    throw new TypeError('finders must be 1 to 8 ws:// or wss:// URLs')
  }
  const turn = opts.turn ? new TurnIssuer(opts.turn, limits) : undefined
  const registry = opts.registry ?? createMemoryRegistry({ knownPeerFiles: limits.knownPeerFiles })
  // Every finder socket, by session: each puts itself in and takes itself out (finder-socket.ts).
  const sockets = new Map<string, FinderSocket>()
  const ctx: FinderContext = {
    registry,
    replay: {
      now: Date.now,
      check: (nonce, expires) => registry.checkNonce(nonce, expires),
      seen: (nonce) => registry.seenNonce(nonce),
    },
    limits,
    relays: new RelayHub(limits),
    verifier: new VerifyGate(limits),
    sockets,
    log,
    turn,
  }
  const ipLimits = new IpLimits(limits)
  // One close listener for every raw socket (not a closure each): the socket carries its IP.
  function releaseIp(this: Duplex & { [CLIENT_IP]?: string }): void {
    ipLimits.release(this[CLIENT_IP]!)
  }
  const serveStatic = createStaticHandler(opts.distDir ?? DEFAULT_DIST)
  const serveBootstrap = createBootstrapHandler({
    domain: opts.domain,
    iceServers,
    limits,
    turn,
    secure: !!opts.tls,
    finders,
  })
  let closing: Promise<void> | undefined

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const pathname = (req.url ?? '/').split('?')[0]
    if (req.method === 'POST' && pathname === SHARE_TARGET_PATH) return shareArrivedEarly(req, res)
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return plain(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' })
    }
    if (pathname === BOOTSTRAP_PATH) return serveBootstrap(req, res)
    serveStatic(req, res).catch((e: unknown) => {
      log(`finder: static ${pathname} failed: ${String(e)}`)
      if (!res.headersSent) plain(res, 500, 'Internal error')
      else res.destroy()
    })
  }
  const http = opts.tls ? createTlsServer(opts.tls, onRequest) : createServer(onRequest)

  // ctx.sockets tracks the finder's sockets; ws's own set would cost a closure and an entry a client.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME.finder,
    clientTracking: false,
  })
  // A tunnel frame: one sealed datachannel message (≤ 64 KiB) with its header and GCM tag.
  const relayWss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME.peer + 64 })
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', ignore)
    const path = (req.url ?? '').split('?')[0]
    if (closing || (path !== FINDER_PATH && path !== RELAY_PATH)) return void socket.destroy()
    const domain = opts.domain ?? hostDomain(req)
    if (!domain) return refuse(socket, 400, 'Bad Request')
    const ip = req.socket.remoteAddress ?? 'unknown'
    const budgets = ipLimits.admit(ip)
    if (!budgets) return refuse(socket, 429, 'Too Many Requests')
    // The raw socket closes in every case (handshake refused, client gone, finder closing).
    ;(socket as Duplex & { [CLIENT_IP]?: string })[CLIENT_IP] = ip
    socket.on('close', releaseIp)
    if (path === RELAY_PATH) {
      return relayWss.handleUpgrade(req, socket, head, (ws) => ctx.relays.accept(ws))
    }
    // TURN URLs name the host this client used, which DOMAIN may not be.
    const turnHost = hostDomain(req) ?? domain
    wss.handleUpgrade(req, socket, head, (ws) => admit(ws, domain, budgets, ip, turnHost))
  })

  /*
   * Outside the upgrade handler on purpose: closures made in there share its scope, which holds
   * the request, and a socket's close handler living as long as the socket would keep the
   * request and all its header strings alive (~1 KiB a client, measured by bench:finder).
   */
  function admit(ws: WebSocket, domain: string, budgets: IpBudgets, ip: string, host: string) {
    // It leaves ctx.sockets, and TURN, when it closes.
    const conn = new FinderSocket(ws, domain, budgets, ctx)
    turn?.attach(conn.session, { ip, host })
    if (closing) conn.close(1001, 'finder shutting down')
  }

  /**
   * The heartbeat tick, a slice of sockets at a time with the event loop free between slices:
   * a ping is a write (a system call), and a find must not wait behind thousands of them.
   */
  function beatInSlices(sockets: FinderSocket[], from = 0): void {
    const to = Math.min(sockets.length, from + HEARTBEAT_SLICE)
    for (let i = from; i < to; i++) sockets[i]!.heartbeat()
    if (to < sockets.length) setImmediate(beatInSlices, sockets, to)
  }

  const timers = [
    setInterval(() => beatInSlices([...sockets.values()]), limits.heartbeatInterval || 2 ** 31 - 1),
    setInterval(
      () => {
        turn?.sweep()
        ctx.registry
          .sweep(Date.now())
          .catch((e: unknown) => log(`finder: sweep failed: ${String(e)}`))
      },
      limits.sweepInterval || 2 ** 31 - 1,
    ),
  ]
  for (const timer of timers) timer.unref()

  await listen(http, opts.port ?? 10443, opts.host)
  // Finds, replies and signals that another node of the cluster routes to a socket held here.
  const unforward = registry.onForward((session, text) => {
    ctx.sockets.get(session)?.sendText(text)
  })
  const address = () => {
    const info = http.address() as AddressInfo
    return { port: info.port, host: info.address }
  }
  const { host, port } = address()
  const wildcard = host === '::' || host === '0.0.0.0'
  const urlHost = wildcard ? 'localhost' : host.includes(':') ? `[${host}]` : host

  async function shutdown(): Promise<void> {
    for (const timer of timers) clearInterval(timer)
    unforward()
    const open = [...sockets.values()]
    for (const conn of open) conn.close(1001, 'finder shutting down')
    // Give clients a moment to answer the close frame, then cut whoever did not.
    let grace: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(open.map((conn) => conn.done)),
      new Promise((resolve) => (grace = setTimeout(resolve, limits.closeGrace))),
    ])
    clearTimeout(grace)
    for (const conn of sockets.values()) conn.terminate()
    ctx.relays.closeAll()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
    await new Promise<void>((resolve) => relayWss.close(() => resolve()))
    http.closeAllConnections()
    await new Promise<void>((resolve) => http.close(() => resolve()))
    if (!opts.registry) await registry.close()
  }

  return {
    address,
    url: `${opts.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    close: () => (closing ??= shutdown()),
  }
}
