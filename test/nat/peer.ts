/**
 * A Node Open Peer client inside a lab namespace, driven by its parent over IPC (one request,
 * one answer; see peers.ts). Run as `ip netns exec <ns> node --import tsx test/nat/peer.ts`.
 */
import { createHash, randomBytes } from 'node:crypto'
import Peer from '@thaunknown/simple-peer'
import WebSocket from 'ws'
import {
  createMemoryStores,
  createMemoryTorrentPorts,
  createOpenPeerClient,
  selectedPair,
  simplePeerFactory,
  type ClientEvents,
  type OpenPeerClient,
  type PeerLike,
  type PeerOptions,
  type SessionTimings,
  type SocketLike,
  type TorrentOffer,
} from '../../src/openpeer/index.ts'

export interface PeerInit {
  name: string
  /** the finder's domain (host:port) */
  domain: string
  /** the app origin, so the client bootstraps its http:// domain over http */
  origin: string
  relayOnly?: boolean
  /** session timings (the tunnel scenario shortens the ICE wait and the upgrade period) */
  timings?: Partial<SessionTimings>
}

export type Command =
  | { cmd: 'init'; args: PeerInit }
  | { cmd: 'invite' }
  | { cmd: 'accept'; args: { link: string } }
  | { cmd: 'send'; args: { to: string; body: string } }
  | { cmd: 'waitMessage'; args: { body: string } }
  | { cmd: 'share'; args: { to: string; size: number } }
  | { cmd: 'download'; args: { infoHash: string } }
  | { cmd: 'pair' }
  | { cmd: 'waitPath'; args: { path: string } }
  | { cmd: 'messages'; args?: { from?: string } }
  | { cmd: 'received' }
  | { cmd: 'introduce'; args: { a: string; b: string } }
  | { cmd: 'networkChanged' }
  | { cmd: 'waitProgress'; args: { infoHash: string; at: number } }
  | { cmd: 'waitConnected'; args: { to: string } }
  | { cmd: 'contactLog'; args: { to: string } }
  | { cmd: 'events' }
  | { cmd: 'progress'; args: { infoHash: string } }
  | { cmd: 'waitDelivered'; args: { to: string; ms?: number } }
  | { cmd: 'stop' }

const WAIT = 60_000
let client: OpenPeerClient | undefined
let stores: ReturnType<typeof createMemoryStores> | undefined
const peers: PeerLike[] = []
/** every candidate line and SDP connection line the other side sent us */
const received: string[] = []
const messages: { from: string; body: string }[] = []
const offers = new Map<string, TorrentOffer>()
/** the highest progress (0..1) each download reached */
const progress = new Map<string, number>()
/** every state each contact went through, in order ('connected', 'offline', …) */
const contactLog = new Map<string, string[]>()
/** what the connections went through (ICE states, closes, errors), for a failure's message */
const events: string[] = []
let t0 = performance.now()
function note(what: string): void {
  events.push(`${Math.round(performance.now() - t0)} ms ${what}`)
}

function until<K extends keyof ClientEvents>(
  type: K,
  pred: (e: ClientEvents[K]) => boolean,
  ms = WAIT,
): Promise<ClientEvents[K]> {
  const c = need()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`timed out waiting for ${String(type)}`))
    }, ms)
    const off = c.on(type, (e) => {
      if (!pred(e)) return
      clearTimeout(timer)
      off()
      resolve(e)
    })
  })
}

function need(): OpenPeerClient {
  if (!client) throw new Error('init first')
  return client
}

/** What the remote side told us about its addresses, as text. */
function record(data: unknown): void {
  const d = data as { candidate?: { candidate?: string }; sdp?: string }
  if (d.candidate?.candidate) received.push(d.candidate.candidate)
  for (const line of d.sdp?.split(/\r?\n/) ?? [])
    if (/^(a=candidate|c=)/.test(line)) received.push(line)
}

const nodePeer = simplePeerFactory(Peer)

function createPeer(opts: PeerOptions): PeerLike {
  // node-datachannel's polyfill writes turn:<user>:<pass>@host, and libdatachannel splits the
  // user at its first ':' (a REST username has one) unless it is percent-encoded.
  const iceServers = opts.config.iceServers.map((s) =>
    s.username && s.credential
      ? {
          ...s,
          username: encodeURIComponent(s.username),
          credential: encodeURIComponent(s.credential),
        }
      : s,
  )
  const peer = nodePeer({ ...opts, config: { ...opts.config, iceServers } })
  const signal = peer.signal.bind(peer)
  peer.signal = (data: unknown) => {
    record(data)
    signal(data)
  }
  peers.push(peer)
  const n = peers.length
  const e = peer as unknown as NodeJS.EventEmitter
  e.on('iceStateChange', (ice: string) => note(`peer ${n} ice ${ice}`))
  e.on('close', () => note(`peer ${n} closed`))
  e.on('error', (err: Error & { code?: string }) =>
    note(`peer ${n} error ${err.code ?? err.message}`),
  )
  return peer
}

/** A new client with a new identity; the one before (an earlier scenario's) is stopped. */
async function init(args: PeerInit): Promise<{ contactId: string }> {
  await client?.stop()
  client = undefined
  for (const list of [peers, received, messages]) list.length = 0
  offers.clear()
  progress.clear()
  contactLog.clear()
  events.length = 0
  t0 = performance.now()
  stores = createMemoryStores()
  const c = createOpenPeerClient(
    {
      ...stores,
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      createPeer,
      fetch: (url, init) => fetch(url, init),
      torrents: createMemoryTorrentPorts(),
    },
    {
      domain: args.domain,
      origin: args.origin,
      locationLabel: `lab ${args.name}`,
      relayOnly: args.relayOnly ?? false,
      finder: { minDelay: 100, maxDelay: 1_000 },
      torrents: { retryEvery: 500 },
      ...(args.timings ? { timings: args.timings } : {}),
    },
  )
  client = c
  c.on('message:received', (m) => messages.push({ from: m.contactId, body: m.body }))
  c.on('client:error', (e) => note(`error during ${e.during}: ${e.error.code} ${e.error.message}`))
  c.on('torrent:offer', (o) => offers.set(o.infoHash, o))
  c.on('torrent:progress', (v) =>
    progress.set(v.infoHash, Math.max(v.progress, progress.get(v.infoHash) ?? 0)),
  )
  c.on('contact:state', (v) => {
    note(`${v.name} ${v.state}${v.problem ? ` (${v.problem.code})` : ''}`)
    const log = contactLog.get(v.contactId) ?? []
    if (log.at(-1) !== v.state) log.push(v.state)
    contactLog.set(v.contactId, log)
  })
  await c.createIdentity(args.name)
  const online = until('finder:state', (e) => e.state === 'online')
  c.start()
  await online
  return { contactId: c.identity()!.contactId }
}

async function accept(link: string): Promise<{ contactId: string; ms: number }> {
  const t0 = performance.now()
  const view = await need().acceptInvite(link, { signal: AbortSignal.timeout(WAIT) })
  return { contactId: view.contactId, ms: performance.now() - t0 }
}

async function waitFor<T>(read: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + WAIT
  for (;;) {
    const value = read()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function share(to: string, size: number): Promise<{ infoHash: string; sha256: string }> {
  const torrents = need().torrents!
  const data = randomBytes(size)
  const info = await torrents.share(data, { name: `lab-${size}.bin` })
  await torrents.offer(to, info.infoHash)
  return { infoHash: info.infoHash, sha256: createHash('sha256').update(data).digest('hex') }
}

async function download(infoHash: string): Promise<{ sha256: string; ms: number }> {
  const torrents = need().torrents!
  const offer = await waitFor(() => offers.get(infoHash), 'the offer')
  const done = until('torrent:done', (v) => v.infoHash === infoHash, 120_000)
  const t0 = performance.now()
  await torrents.download(offer)
  await done
  const ms = performance.now() - t0
  const hash = createHash('sha256')
  const stream = torrents.stream(infoHash) as unknown as AsyncIterable<Uint8Array>
  for await (const chunk of stream) hash.update(chunk)
  return { sha256: hash.digest('hex'), ms }
}

async function pair() {
  const contact = await waitFor(
    () =>
      need()
        .contacts()
        .find((c) => c.state === 'connected' && c.path && c.path !== 'unknown'),
    'a connected contact with a known path',
  )
  // On the relay tunnel no WebRTC connection carries the session: there is no ICE pair.
  if (contact.path === 'tunnel') return { pair: undefined, contactPath: contact.path }
  const peer = await waitFor(
    () => peers.filter((p) => p.connected && !p.destroyed).at(-1),
    'a connected peer',
  )
  return { pair: await selectedPair(peer.connection), contactPath: contact.path }
}

async function handle(c: Command): Promise<unknown> {
  switch (c.cmd) {
    case 'init':
      return init(c.args)
    case 'invite':
      return need().inviteLink('http://lab.invalid')
    case 'accept':
      return accept(c.args.link)
    case 'send':
      return need().sendMessage(c.args.to, c.args.body)
    case 'waitMessage':
      return waitFor(
        () => (messages.some((m) => m.body === c.args.body) ? true : undefined),
        c.args.body,
      )
    case 'share':
      return share(c.args.to, c.args.size)
    case 'download':
      return download(c.args.infoHash)
    case 'pair':
      return pair()
    case 'waitPath':
      return waitFor(
        () => (need().contacts()[0]?.path === c.args.path ? true : undefined),
        `path ${c.args.path}`,
      )
    case 'messages':
      return messages.filter((m) => !c.args?.from || m.from === c.args.from).map((m) => m.body)
    case 'introduce':
      return need().introduce(c.args.a, c.args.b, { signal: AbortSignal.timeout(WAIT) })
    case 'networkChanged':
      need().networkChanged()
      return true
    case 'waitProgress':
      return waitFor(
        () => ((progress.get(c.args.infoHash) ?? 0) >= c.args.at ? true : undefined),
        `${c.args.infoHash.slice(0, 8)} at ${c.args.at}`,
      )
    case 'waitConnected':
      return waitFor(
        () =>
          need()
            .contacts()
            .some((v) => v.contactId === c.args.to && v.state === 'connected')
            ? true
            : undefined,
        `connected to ${c.args.to.slice(0, 8)}`,
      )
    case 'waitDelivered': {
      // Every message to them acknowledged: none is left to send again (a duplicate would be).
      const deadline = Date.now() + (c.args.ms ?? WAIT)
      for (;;) {
        const left = (await stores!.outbox.list()).filter((i) => i.contactId === c.args.to)
        if (!left.length) return true
        if (Date.now() > deadline)
          throw new Error(`never acknowledged: ${left.map((i) => i.body).join(', ')}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    case 'progress':
      return progress.get(c.args.infoHash) ?? 0
    case 'events':
      return events
    case 'contactLog':
      return contactLog.get(c.args.to) ?? []
    case 'received':
      return received
    case 'stop':
      await client?.stop()
      setTimeout(() => process.exit(0), 50)
      return true
  }
}

process.on('message', (msg: { id: number } & Command) => {
  handle(msg).then(
    (result) => process.send?.({ id: msg.id, ok: true, result }),
    (err: unknown) => process.send?.({ id: msg.id, ok: false, error: String(err) }),
  )
})
// The parent is gone: so are we.
process.on('disconnect', () => process.exit(0))
process.send?.({ ready: true })
