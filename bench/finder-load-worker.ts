/**
 * One client process of bench:finder's load bench (bench/finder-load.ts). It holds up to a few
 * thousand registered sockets from its own loopback address (the open-file limit is per process,
 * the ephemeral ports per source address), keeps them alive as real clients do, and times finds
 * between its own clients, so both ends of a find read the same clock.
 *
 * Two dialects: this finder (session-create with a signed proof, keep-alives every 15 s, a find
 * forked to the target which answers with a signed reply) and PeerServer (a socket per id, a
 * HEARTBEAT every 5 s as PeerJS sends, an OFFER relayed to the target which answers with an
 * ANSWER). A find's latency is the server's two legs: request sent → fork arrives, and reply
 * sent → reply arrives; the target's own crypto between them is the client's, not the server's.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import WebSocket from 'ws'
import {
  findReplyBody,
  findRequestBody,
  generateIdentityKeys,
  makeContact,
  sessionCreateBody,
  type FindProof,
  type TestContact,
} from '../server/test-identity.ts'

export type Dialect = 'openpeer' | 'peerserver'

/**
 * How late this process's event loop ran while finds were timed (ms): a find is timed here, so
 * a late loop on either client adds to its latency though the server had long sent the frame.
 */
export interface LoopDelay {
  p99: number
  max: number
}

export type Command =
  | { cmd: 'init'; count: number; domain: string; localAddress: string }
  | { cmd: 'connect'; dialect: Dialect; urls: string[]; upTo: number; inFlight: number }
  /** `gapMs`: the mean wait between one find's end and the next's start (0: back to back) */
  | { cmd: 'finds'; count: number; gapMs: number }
  | { cmd: 'close' }

export type Reply =
  | { cmd: 'init'; ms: number }
  | { cmd: 'connect'; registered: number; errors: string[] }
  | { cmd: 'finds'; latencies: number[]; errors: string[]; loopDelay: LoopDelay; ms: number }
  | { cmd: 'close' }

interface Client {
  i: number
  contact: TestContact
  id: string
  ws?: WebSocket
  /** which of the urls it registered at (two nodes: even at one, odd at the other) */
  node: number
  /** resolves the frame a waiter asked for */
  waiters: ((frame: Record<string, unknown>) => boolean)[]
}

const KEEP_ALIVE = { openpeer: 15_000, peerserver: 5_000 }
const TIMEOUT = 10_000
// PeerJS's offer: an SDP of about the size a data-only offer has, plus its wrapping.
const SDP = `v=0\r\n${'a=candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host\r\n'.repeat(20)}`

let clients: Client[] = []
let domain = ''
let localAddress = '127.0.0.1'
let dialect: Dialect = 'openpeer'
const timers: NodeJS.Timeout[] = []
let seq = 0

function send(ws: WebSocket, frame: object): void {
  ws.send(JSON.stringify(frame))
}

/** Waits for the first frame on `c` that `match` accepts. */
function waitFor(
  c: Client,
  match: (f: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      c.waiters = c.waiters.filter((w) => w !== waiter)
      reject(new Error('timed out'))
    }, TIMEOUT)
    const waiter = (f: Record<string, unknown>): boolean => {
      if (!match(f)) return false
      clearTimeout(timer)
      resolve(f)
      return true
    }
    c.waiters.push(waiter)
  })
}

function open(c: Client, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress, perMessageDeflate: false })
    c.ws = ws
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Record<string, unknown>
      const i = c.waiters.findIndex((w) => w(frame))
      if (i >= 0) c.waiters.splice(i, 1)
    })
    ws.once('open', () => resolve())
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
  })
}

async function register(c: Client, urls: string[]): Promise<void> {
  c.node = c.i % urls.length
  if (dialect === 'peerserver') {
    const url = `${urls[c.node]}/peerjs?key=peerjs&id=${c.id}&token=t${c.i}`
    // PeerServer greets at once, maybe in the same packet as the upgrade: listen first.
    const welcome = waitFor(c, (f) => f.type === 'OPEN' || f.type === 'ERROR')
    await open(c, url)
    const f = await welcome
    if (f.type !== 'OPEN') throw new Error(`PeerServer said ${JSON.stringify(f)}`)
    return
  }
  await open(c, `${urls[c.node]}/finder`)
  const id = `r${seq++}`
  const result = waitFor(c, (f) => f.kind === 'result' && f.id === id)
  const body = await sessionCreateBody(c.contact, domain, c.id)
  send(c.ws!, { v: 1, kind: 'request', type: 'session-create', id, ...body })
  const f = await result
  if (f.error) throw new Error(`session-create: ${JSON.stringify(f.error)}`)
}

function keepAlive(c: Client): void {
  if (c.ws?.readyState !== WebSocket.OPEN) return
  if (dialect === 'peerserver') send(c.ws, { type: 'HEARTBEAT' })
  else send(c.ws, { v: 1, kind: 'request', type: 'session-keep-alive', id: `k${seq++}` })
}

async function connectAll(urls: string[], upTo: number, inFlight: number): Promise<Reply> {
  const errors: string[] = []
  const first = clients.findIndex((c) => !c.ws)
  const todo = first < 0 ? [] : clients.slice(first, upTo)
  let next = 0
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < todo.length) {
        const c = todo[next++]!
        try {
          await register(c, urls)
          // Spread over the period, as real clients are.
          const every = KEEP_ALIVE[dialect]
          const start = setTimeout(() => {
            keepAlive(c)
            timers.push(setInterval(() => keepAlive(c), every))
          }, Math.random() * every)
          timers.push(start)
        } catch (err) {
          errors.push((err as Error).message)
          c.ws?.terminate()
        }
      }
    }),
  )
  return {
    cmd: 'connect',
    registered: clients.filter((c) => c.ws?.readyState === 1).length,
    errors,
  }
}

/** A find's signed messages, made before any find is timed (see `finds`). */
interface Signed {
  request: Awaited<ReturnType<typeof findRequestBody>>
  reply: Awaited<ReturnType<typeof findReplyBody>>
}

/**
 * Signs one find and its reply ahead of time. The fork is the request's proof unchanged
 * (PROTOCOL §5.3), so the reply can be signed over it before the request is sent.
 */
async function sign(from: Client, to: Client): Promise<Signed> {
  const request = await findRequestBody(from.contact, from.id, to.contact)
  const reply = await findReplyBody(to.contact, to.id, request.proof, from.contact.A)
  return { request, reply }
}

/** One find between two of our clients; its two server legs in ms. */
async function find(from: Client, to: Client, signed?: Signed): Promise<number> {
  if (dialect === 'peerserver') {
    const connectionId = `dc_${seq++}`
    const offer = waitFor(
      to,
      (f) =>
        f.type === 'OFFER' &&
        (f.payload as { connectionId?: string }).connectionId === connectionId,
    )
    const t0 = performance.now()
    send(from.ws!, {
      type: 'OFFER',
      dst: to.id,
      payload: {
        sdp: { type: 'offer', sdp: SDP },
        type: 'data',
        connectionId,
        label: connectionId,
        reliable: true,
        serialization: 'binary',
      },
    })
    await offer
    const leg1 = performance.now() - t0
    const answer = waitFor(
      from,
      (f) =>
        f.type === 'ANSWER' &&
        (f.payload as { connectionId?: string }).connectionId === connectionId,
    )
    const t1 = performance.now()
    send(to.ws!, {
      type: 'ANSWER',
      dst: from.id,
      payload: { sdp: { type: 'answer', sdp: SDP }, type: 'data', connectionId },
    })
    await answer
    return leg1 + performance.now() - t1
  }
  const { request: body, reply } = signed!
  const context = body.proof.context
  const id = `f${seq++}`
  const fork = waitFor(
    to,
    (f) =>
      f.type === 'peer-location-find' && (f.proof as FindProof | undefined)?.context === context,
  )
  const result = waitFor(from, (f) => f.kind === 'result' && f.id === id)
  const t0 = performance.now()
  send(from.ws!, { v: 1, kind: 'request', type: 'peer-location-find', id, ...body })
  // Both awaited together: a fork that times out must not leave the result's timeout unheard.
  let leg1 = 0
  const [forked, res] = await Promise.all([
    fork.then((f) => {
      leg1 = performance.now() - t0
      return f as { proof: FindProof }
    }),
    result,
  ])
  if (res.error) throw new Error(`find: ${JSON.stringify(res.error)}`)
  // The reply was signed over the proof we sent: the finder must have forked it unchanged.
  if (forked.proof.sig !== body.proof.sig) throw new Error('find: the fork is not the proof sent')
  const routed = waitFor(from, (f) => f.type === 'peer-location-find' && f.kind === 'notify')
  const t1 = performance.now()
  send(to.ws!, { v: 1, kind: 'notify', type: 'peer-location-find', id: `n${seq++}`, ...reply })
  await routed
  return leg1 + performance.now() - t1
}

async function finds(count: number, gapMs: number): Promise<Reply> {
  const live = clients.filter((c) => c.ws?.readyState === WebSocket.OPEN)
  const latencies: number[] = []
  const errors: string[] = []
  const pairs: [Client, Client][] = []
  for (let k = 0; k < count && live.length > 1; k++) {
    // Neighbours differ in node when there are two: every find crosses then.
    const a = Math.floor(Math.random() * (live.length - 1))
    pairs.push([live[a]!, live[a + 1]!])
  }
  // Every signature is made first, one at a time: the clients' crypto runs on their own devices
  // in life, and here, on the server's two cores, it would be timed as the server's latency
  // (PeerServer's clients sign nothing). Proofs live for minutes, so none expires meanwhile.
  const signed: (Signed | undefined)[] = []
  for (const [from, to] of pairs) {
    signed.push(dialect === 'peerserver' ? undefined : await sign(from, to))
  }
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  const t0 = performance.now()
  for (const [k, [from, to]] of pairs.entries()) {
    // Exponential gaps: finds arrive as independent users' would, not in lockstep.
    if (gapMs > 0) await sleep(-Math.log(1 - Math.random()) * gapMs)
    try {
      latencies.push(await find(from, to, signed[k]))
    } catch (err) {
      errors.push((err as Error).message)
    }
  }
  delay.disable()
  const ms = performance.now() - t0
  const loopDelay = { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 }
  return { cmd: 'finds', latencies, errors, loopDelay, ms }
}

async function closeAll(): Promise<Reply> {
  for (const t of timers.splice(0)) clearTimeout(t)
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve) => {
          const ws = c.ws
          c.ws = undefined
          c.waiters = []
          if (!ws || ws.readyState === WebSocket.CLOSED) return resolve()
          ws.once('close', () => resolve())
          ws.terminate()
        }),
    ),
  )
  return { cmd: 'close' }
}

async function handle(msg: Command): Promise<Reply> {
  switch (msg.cmd) {
    case 'init': {
      const t0 = performance.now()
      domain = msg.domain
      localAddress = msg.localAddress
      const tag = localAddress.split('.').pop()
      clients = []
      const now = Date.now()
      for (let i = 0; i < msg.count; i++) {
        // Its own key pair, as every user has (0.3 ms each): with keys shared, the finder's key
        // import cache (512 keys) held every client and hid the cost of key imports.
        const keys = await generateIdentityKeys()
        const contact = await makeContact(domain, `Bench ${tag}-${i}`, { keys, now: now - i })
        clients.push({ i, contact, id: `w${tag}c${i}`, node: 0, waiters: [] })
      }
      return { cmd: 'init', ms: performance.now() - t0 }
    }
    case 'connect':
      dialect = msg.dialect
      return connectAll(msg.urls, msg.upTo, msg.inFlight)
    case 'finds':
      return finds(msg.count, msg.gapMs)
    case 'close':
      return closeAll()
  }
}

process.on('message', (msg: Command) => {
  handle(msg).then(
    (reply) => process.send!(reply),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
})
